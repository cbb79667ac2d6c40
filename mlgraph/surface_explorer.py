"""An interactive loss-surface explorer for JupyterLab: click a start, watch optimizers.

`explore_surface()` returns a `SurfaceExplorer`: ipywidgets controls (surface,
optimizer, learning rate, momentum, batch size, steps, gradient noise, pin and clear)
around a `SurfaceView` (anywidget, its view in js/surface/: the surface picture drawn
by `mlgraph.plots`, the paths drawn over it as SVG in the browser, a click setting the
start point, a readout whose every number Python formats). Each change re-runs
`mlgraph.surface.descend` in the kernel, on exactly the drawn function.
UI layer: imports anywidget, ipywidgets and matplotlib.
"""

from __future__ import annotations

import io
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any

import anywidget
import ipywidgets as W
import numpy as np
import traitlets

from . import nn, surface
from .surface import demos
from .tables import fmt

__all__ = ["SurfaceView", "SurfaceExplorer", "explore_surface", "render_png",
           "Picture"]

STATIC = FilePath(__file__).parent / "static"
#: The picture's text size in points: 11 pt at 100 dpi is 15.3 px, so the axes' text
#: stays at 14 px or more on screen unless the picture is shrunk below 92%.
FONT_PT = 11.0
#: The picture's size in inches (at 100 dpi: 500 × 420 px) and the controls' width:
#: side by side they fit a notebook at 1280 × 720 with JupyterLab's side panel open.
FIGSIZE = (5.0, 4.2)
CONTROLS_WIDTH = "330px"
#: Batch sizes offered for surfaces with data (0: the full batch).
BATCH_SIZES = (("1", 1), ("4", 4), ("10", 10), ("32", 32), ("full batch", 0))


@dataclass
class Picture:
    """A surface drawn into a PNG, and where its axes are.

    Attributes:
        png: the PNG bytes.
        size: its width and height in pixels.
        frame: the axes' box (left, bottom, width, height, as fractions of the
            picture).
        text_px: the height of its smallest text, in its own pixels.
    """

    png: bytes
    size: list[int]
    frame: list[float]
    text_px: float


def render_png(s: surface.Surface, dpi: int = 100) -> Picture:
    """Draw a surface with `mlgraph.plots.plot_surface` into a PNG (text ≥ FONT_PT)."""
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    from . import plots

    with matplotlib.rc_context({"font.size": FONT_PT}):
        fig = Figure(figsize=FIGSIZE, dpi=dpi, layout="constrained")
        ax = fig.add_subplot()
        plots.plot_surface(s, ax, title="")      # the view writes it, as text
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
    pos = ax.get_position()            # after the layout that savefig applied
    size = [int(round(v)) for v in fig.get_size_inches() * dpi]
    sizes = [t.get_fontsize() for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip()]
    return Picture(buf.getvalue(), size, [pos.x0, pos.y0, pos.width, pos.height],
                   min(sizes) * dpi / 72)


_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


class SurfaceView(anywidget.AnyWidget):
    """The surface picture with paths over it; a click inside the axes sets ``start``.

    Traits: ``image`` (PNG bytes), ``size`` (its pixels), ``extent`` (the axes' data
    limits x0, x1, y0, y1), ``frame`` (the axes' box as fractions of the picture),
    ``paths`` (each ``{"label", "color": "#rrggbb", "points": [[x, y], …], "text"}``,
    ``text`` being its legend line), ``start``, ``title`` and ``status`` (the
    readout's first and last lines). Every text is shown as text, never markup.
    """

    _esm = STATIC / "surface.js"
    _css = STATIC / "surface.css"

    image = traitlets.Bytes(b"").tag(sync=True)
    size = traitlets.List(traitlets.Int(), [640, 500]).tag(sync=True)
    extent = traitlets.List(traitlets.Float(), [0.0, 1.0, 0.0, 1.0]).tag(sync=True)
    frame = traitlets.List(traitlets.Float(), [0.1, 0.1, 0.8, 0.8]).tag(sync=True)
    paths = traitlets.List(traitlets.Dict()).tag(sync=True)
    start = traitlets.List(traitlets.Float(), [0.0, 0.0]).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    status = traitlets.Unicode("").tag(sync=True)

    @traitlets.validate("paths")
    def _valid_paths(self, proposal: dict) -> list[dict]:
        for k, p in enumerate(proposal["value"]):
            missing = {"label", "color", "points", "text"} - set(p)
            if missing:
                raise traitlets.TraitError(f"path {k} lacks {sorted(missing)}; each "
                                           "path needs label, color, points, text.")
            if not _COLOR.match(str(p["color"])):
                raise traitlets.TraitError(f"path {k}'s color must be '#rrggbb', got "
                                           f"{p['color']!r}.")
            if any(len(q) != 2 for q in p["points"]):
                raise traitlets.TraitError(f"path {k}'s points must be [x, y] pairs.")
        return proposal["value"]

    @traitlets.validate("start")
    def _valid_start(self, proposal: dict) -> list[float]:
        value = list(proposal["value"])
        if len(value) != 2 or not all(math.isfinite(v) for v in value):
            raise traitlets.TraitError(f"start must be two finite numbers [x, y], got "
                                       f"{value!r}.")
        return [float(v) for v in value]

    def show(self, s: surface.Surface, title: str | None = None) -> None:
        """Draw a surface (the paths stay as they are until they are replaced)."""
        pic = render_png(s)
        with self.hold_sync():
            self.image, self.size, self.frame = pic.png, pic.size, pic.frame
            self.title = title or s.title or s.kind
            self.extent = [float(s.alphas[0]), float(s.alphas[-1]), float(s.betas[0]),
                           float(s.betas[-1])]


class SurfaceExplorer(W.VBox):
    """Gradient descent on a loss surface, re-run on every change of its controls.

    Args:
        problem: a name from `mlgraph.surface.demos.PROBLEMS` (the classics,
            ``"line_fit"``, ``"mlp"``).
        optimizer: ``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"rmsprop"``, ``"adam"``.
        lr: the learning rate (default: one that suits the surface).
        momentum: μ for momentum and Nesterov.
        batch_size: examples per step on surfaces with data (0: full batch).
        steps: optimizer steps.
        noise: standard deviation of Gaussian noise added to each gradient.

    Attributes:
        path: the latest `Path`; ``pinned``: the paths kept with "pin".
        seconds: how long the latest re-run took in the kernel.

    Example:
        >>> from mlgraph.surface_explorer import SurfaceExplorer
        >>> ex = SurfaceExplorer("bowl", lr=0.25, steps=3)
        >>> ex.view.start = [1.0, 1.0]
        >>> ex.path.xy[:, 0].tolist()
        [1.0, 0.5, 0.25, 0.125]
    """

    def __init__(self, problem: str = "rosenbrock", optimizer: str = "sgd",
                 lr: float | None = None, momentum: float = 0.9, batch_size: int = 10,
                 steps: int = 100, noise: float = 0.0) -> None:
        def look() -> dict[str, Any]:       # one column, as wide as the controls
            return {"style": {"description_width": "6.5em"},
                    "layout": W.Layout(width="100%")}

        self.problem = W.Dropdown(options=[(demos.problem_title(n), n)
                                           for n in demos.PROBLEMS],
                                  value=problem, description="surface", **look())
        self.optimizer = W.Dropdown(options=list(nn.OPTIMIZERS), value=optimizer,
                                    description="optimizer", **look())
        self.lr = W.FloatLogSlider(value=1e-2, base=10, min=-4, max=0.5, step=0.05,
                                   description="learning rate", readout_format=".2g",
                                   continuous_update=False, **look())
        self.momentum = W.FloatSlider(value=momentum, min=0.0, max=0.99, step=0.01,
                                      description="momentum", continuous_update=False,
                                      **look())
        self.batch_size = W.Dropdown(options=BATCH_SIZES, value=batch_size,
                                     description="batch size", **look())
        self.steps = W.IntSlider(value=steps, min=1, max=500, description="steps",
                                 continuous_update=False, **look())
        self.noise = W.FloatSlider(value=noise, min=0.0, max=2.0, step=0.01,
                                   description="noise σ", continuous_update=False,
                                   **look())
        # NOTE: no icons: they are a font, which an exported page can't load offline
        self.pin_button = W.Button(description="pin path",
                                   tooltip="keep this path and compare the next one")
        self.clear_button = W.Button(description="clear pins")
        self.view = SurfaceView()
        self.path: surface.Path | None = None
        self.pinned: list[surface.Path] = []
        self.seconds = 0.0
        self._quiet = False
        controls = W.VBox([self.problem, self.optimizer, self.lr, self.momentum,
                           self.batch_size, self.steps, self.noise,
                           W.HBox([self.pin_button, self.clear_button])],
                          layout=W.Layout(width=CONTROLS_WIDTH))
        controls.add_class("mlgraph-surface-controls")
        row = W.HBox([self.view, controls])
        row.add_class("mlgraph-surface-row")
        super().__init__([row])
        self.add_class("mlgraph-surface-explorer")
        for w in (self.optimizer, self.lr, self.momentum, self.batch_size, self.steps,
                  self.noise):
            w.observe(self._rerun, names=["value"])
        self.problem.observe(self._switch, names=["value"])
        self.view.observe(self._rerun, names=["start"])
        self.pin_button.on_click(lambda _: self.pin())
        self.clear_button.on_click(lambda _: self.clear())
        self._load(problem, lr)

    # --- state -------------------------------------------------------------------

    @property
    def current(self) -> demos.Problem:
        """The surface being explored."""
        return demos.problem(self.problem.value)

    def _load(self, name: str, lr: float | None = None) -> None:
        p = demos.problem(name)
        self._quiet = True
        try:
            self.view.show(p.surface, p.surface.title or p.title)
            self.lr.value = lr if lr is not None else p.lr
            self.batch_size.disabled = not p.data
            self.pinned = []
            self.view.start = list(p.start)
        finally:
            self._quiet = False
        self.run()

    def _switch(self, change: dict) -> None:
        self._load(change["new"])

    def _rerun(self, change: dict) -> None:
        if not self._quiet:
            self.run()

    def optimizer_object(self) -> nn.SGD:
        """The optimizer the controls describe."""
        name = self.optimizer.value
        kwargs: dict[str, Any] = {"lr": self.lr.value,
                                  "batch_size": self.batch_size.value or None}
        if name in ("momentum", "nesterov"):
            kwargs["momentum"] = max(self.momentum.value, 0.01)
        self.momentum.disabled = name not in ("momentum", "nesterov")
        return nn.make_optimizer(name, **kwargs)

    # --- running -----------------------------------------------------------------

    def run(self) -> surface.Path:
        """Re-run the optimizer from ``view.start`` and redraw the paths."""
        p = self.current
        t0 = time.perf_counter()
        noise = self.noise.value
        with np.errstate(all="ignore"):
            self.path = surface.descend(p.surface.on_plane, tuple(self.view.start),
                                        *p.data, optimizer=self.optimizer_object(),
                                        steps=self.steps.value, noise=noise)
        if noise:
            self.path.label += f", gradient noise σ = {noise:g}"
        self.seconds = time.perf_counter() - t0
        with self.view.hold_sync():
            self.view.paths = [_path_json(q, k + 1) for k, q in
                               enumerate(self.pinned)] + [_path_json(self.path, 0)]
            self.view.status = f"computed in {1000 * self.seconds:.0f} ms in the kernel"
        return self.path

    def pin(self) -> None:
        """Keep the current path on the picture, to compare the next one with it."""
        if self.path is not None:
            self.pinned.append(self.path)
            self.run()

    def clear(self) -> None:
        """Remove the pinned paths."""
        self.pinned = []
        self.run()


def _path_json(p: surface.Path, k: int) -> dict[str, Any]:
    """A path for the view: its points and its legend line, numbers as `fmt` writes."""
    from .plots import PATH_COLORS

    xy = p.xy
    end = (f"diverged: {p.message}" if p.diverged else
           f"loss {fmt(p.losses[-1])} at ({fmt(xy[-1, 0])}, {fmt(xy[-1, 1])})")
    xy = xy[np.all(np.isfinite(xy), axis=1)]
    return {"label": p.label, "color": PATH_COLORS[k % len(PATH_COLORS)],
            "points": xy.tolist(), "text": f"{p.label}: {p.steps} steps, {end}"}


def explore_surface(problem: str = "rosenbrock", **kwargs: Any) -> SurfaceExplorer:
    """Gradient descent on a loss surface, live: see `SurfaceExplorer`."""
    return SurfaceExplorer(problem, **kwargs)
