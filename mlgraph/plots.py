"""Loss-surface figures with matplotlib: contours, 3-D, paths, arrows, eigen-directions.

Every function draws numbers computed by `mlgraph.surface` (the kernel's) and returns
its matplotlib Axes or Figure for customising; none computes a loss itself, except
`plot_gradients` and `plot_eigendirections`, which ask the surface for the kernel's
gradients and Hessians; and the error of numerical gradients against their step
(`plot_step_errors`). UI layer: the only module of mlgraph that imports matplotlib.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colors as mcolors
from matplotlib import patheffects, ticker

from .surface import (
    CLASSICS,
    Comparison,
    Interpolation,
    Landscape,
    Path,
    Projection,
    Surface,
)

__all__ = [
    "ENGINE_COLORS", "PATH_COLORS", "plot_surface", "plot_surface_3d", "plot_path",
    "plot_paths", "plot_gradients", "plot_eigendirections", "plot_interpolation",
    "plot_landscapes", "plot_losses", "plot_comparison", "plot_grid",
    "plot_step_errors",
]

#: The graph widget's three colours, as in js/widget.css (--mlgraph-primal,
#: --mlgraph-tangent, --mlgraph-cotangent): keep the two in step.
ENGINE_COLORS = {"primal": "#1a1a1a", "tangent": "#00775a", "cotangent": "#a24a7f"}

#: Colours for several paths on one surface: Okabe & Ito's colour-blind-safe palette,
#: led by the widget's primal and tangent colours. Paths get a white halo so they read
#: on every part of the colour map.
PATH_COLORS = ("#e69f00", "#56b4e9", "#009e73", "#f0e442", "#cc79a7", "#d55e00",
               ENGINE_COLORS["primal"], "#000000")

#: The surface colour map: perceptually uniform and readable with colour blindness.
CMAP = "viridis"

_HALO = [patheffects.Stroke(linewidth=4.0, foreground="white", alpha=0.85),
         patheffects.Normal()]


def _axes(ax: Any, projection: str | None = None, figsize=(6.4, 5.0)) -> Any:
    if ax is not None:
        return ax
    fig = plt.figure(figsize=figsize, layout="constrained")
    return fig.add_subplot(projection=projection)


def _use_log(s: Surface, log: bool | None) -> bool:
    if log is not None:
        return bool(log)
    finite = s.values[np.isfinite(s.values)]
    if finite.size == 0 or finite.min() < 0:
        return False
    classic = _classic_of(s)
    if classic is not None:
        return classic.log_scale
    return bool(finite.max() / max(finite.min(), 1e-300) > 1e3)


def _classic_of(s: Surface) -> Any:
    """The classic function a surface draws, if it is one."""
    return next((c for c in CLASSICS.values() if c.f is s.f), None)


def _levels(values: np.ndarray, n: int, log: bool, vmax: float | None
            ) -> tuple[np.ndarray, np.ndarray, Any]:
    """Clipped values, contour levels and the colour norm."""
    v = np.where(np.isfinite(values), values, np.nan)
    top = np.nanmax(v) if vmax is None else vmax
    v = np.minimum(v, top)
    lo = np.nanmin(v)
    if log:
        # NOTE: a minimum of exactly 0 has no logarithm: colour from the 1st percentile
        positive = v[v > 0]
        lo = max(lo, np.percentile(positive, 1) if positive.size else 1.0, top * 1e-12)
        levels = np.geomspace(lo, top, n)
        return np.maximum(v, lo), levels, mcolors.LogNorm(lo, top)
    if top <= lo:
        top = lo + 1.0
    levels = ticker.MaxNLocator(n).tick_values(lo, top)
    return v, levels[(levels >= lo - 1e-12 * abs(lo)) | (levels == levels[0])], None


def plot_surface(s: Surface, ax: Any = None, *, levels: int = 30,
                 log: bool | None = None, vmax: float | None = None,
                 colorbar: bool = True, lines: bool = True, cmap: str = CMAP,
                 title: str | None = None, marks: bool | str = True) -> Any:
    """Filled contours of a surface, with contour lines and a colorbar.

    Args:
        s: a `Surface`.
        ax: the Axes to draw into (a new figure by default).
        levels: number of contour levels.
        log: colour by log(loss); default: when the values span over 10³ (or the
            classic function asks for it).
        vmax: clip the colours above this loss (Li et al. clip at 10).
        colorbar: add a colorbar labelled with the loss.
        lines: draw contour lines over the fill.
        cmap: the colour map.
        title: the title (default: the surface's own).
        marks: mark a classic's minima (×) and saddle points (+), and on other
            surfaces the parameters they were asked about (★); ``"classic"``: only
            a classic's points.

    Returns:
        The Axes.
    """
    ax = _axes(ax)
    use_log = _use_log(s, log)
    v, lv, norm = _levels(s.values, levels, use_log, vmax)
    A, B = np.meshgrid(s.alphas, s.betas, indexing="ij")
    filled = ax.contourf(A, B, v, levels=lv, cmap=cmap, norm=norm, extend="neither")
    if lines:
        ax.contour(A, B, v, levels=lv[::2], colors="k", linewidths=0.5, alpha=0.35,
                   norm=norm)
    if colorbar:
        cb = ax.figure.colorbar(filled, ax=ax,
                                ticks=ticker.LogLocator() if use_log else None)
        if use_log:
            cb.ax.yaxis.set_major_formatter(ticker.LogFormatterSciNotation())
            cb.ax.set_ylim(lv[0], lv[-1])
        cb.set_label("loss (log scale)" if use_log else "loss")
    ax.set_xlabel(s.labels[0])
    ax.set_ylabel(s.labels[1])
    ax.set_title(title if title is not None else s.title or _default_title(s))
    if marks:
        _marks(s, ax, star=marks is True)
    ax.set_xlim(s.alphas[0], s.alphas[-1])
    ax.set_ylim(s.betas[0], s.betas[-1])
    return ax


def _default_title(s: Surface) -> str:
    return {"random": "loss on a random plane (filter-normalized)",
            "pca": "loss on the PCA plane of the trajectory",
            "params": "loss over two parameters",
            "function": ""}.get(s.kind, "")


def _marks(s: Surface, ax: Any, star: bool) -> None:
    classic = _classic_of(s)
    if classic is not None:
        for x, y in classic.minima:
            ax.plot(x, y, "x", color="white", ms=9, mew=2.5, path_effects=_dark_halo())
        for x, y in classic.saddles:
            ax.plot(x, y, "+", color="white", ms=11, mew=2.5, path_effects=_dark_halo())
    elif s.kind != "function" and star:
        ax.plot(*s.origin, "*", color="white", ms=14, mec="k", mew=1.0,
                label="the parameters", zorder=5)


def _dark_halo() -> list:
    return [patheffects.Stroke(linewidth=4.5, foreground="black", alpha=0.6),
            patheffects.Normal()]


def plot_surface_3d(s: Surface, ax: Any = None, *, log: bool | None = None,
                    vmax: float | None = None, cmap: str = CMAP,
                    title: str | None = None) -> Any:
    """The surface as a 3-D plot (loss as height; log10 of it with ``log``)."""
    ax = _axes(ax, "3d")
    use_log = _use_log(s, log)
    v, _, _ = _levels(s.values, 2, use_log, vmax)
    z = np.log10(v) if use_log else v
    A, B = np.meshgrid(s.alphas, s.betas, indexing="ij")
    # NOTE: no antialiasing: with it the facets' edges show as stripes (moiré)
    ax.plot_surface(A, B, z, cmap=cmap, linewidth=0, antialiased=False,
                    rcount=min(len(s.alphas), 80), ccount=min(len(s.betas), 80))
    ax.set_xlabel(s.labels[0])
    ax.set_ylabel(s.labels[1])
    ax.set_zlabel("log₁₀ loss" if use_log else "loss")
    ax.set_title(title if title is not None else s.title or _default_title(s))
    return ax


def _coords(path: Any, s: Surface | None) -> np.ndarray:
    """Plane coordinates of a path: its own (two scalar parameters), or projected."""
    if isinstance(path, Projection):
        return path.coords
    if isinstance(path, np.ndarray):
        return path
    if isinstance(path, Path):
        try:
            return path.xy
        except ValueError:
            pass
    if s is None:
        raise ValueError("this path moves more than two parameters: pass the surface "
                         "to project it onto (surface=...).")
    return s.project(path).coords


def _path_label(path: Any) -> str | None:
    """A path's own name; for a `Trainer`, what it trained for."""
    if getattr(path, "label", None):
        return path.label
    recorded = getattr(path, "trajectory", path)          # a Trainer, or its own
    epochs = getattr(recorded, "epochs", None)
    if epochs:
        return f"training ({epochs[-1] - epochs[0]} epochs)"
    return None


def plot_path(path: Any, ax: Any = None, *,
              surface: Surface | None = None, color: str = PATH_COLORS[0],
              label: str | None = None, dots: bool | None = None) -> Any:
    """A path on a surface: a line through every step, start ● and end ■ marked.

    Args:
        path: a `Path` (two scalar parameters are drawn as they are; larger models
            are projected onto ``surface``), a `Trainer` that recorded its
            trajectory (``record="epoch"``), a `Trajectory`, a `Projection`, or
            ``(T, 2)`` points.
        ax: the Axes (usually one `plot_surface` drew).
        surface: the surface to project onto, for paths of larger models.
        color: the path's colour.
        label: the legend entry (default: the path's label).
        dots: a dot at every step (default: for paths of up to 80 points).

    Returns:
        The Axes.
    """
    ax = _axes(ax)
    xy = _coords(path, surface)
    label = label if label is not None else _path_label(path)
    dots = len(xy) <= 80 if dots is None else dots
    ax.plot(xy[:, 0], xy[:, 1], "-", color=color, lw=2.0, label=label,
            path_effects=_HALO, zorder=4, marker="." if dots else None,
            ms=5 if dots else None)
    ax.plot(xy[0, 0], xy[0, 1], "o", color=color, ms=10, mec="white", mew=1.5,
            zorder=6)
    ax.plot(xy[-1, 0], xy[-1, 1], "s", color=color, ms=9, mec="black", mew=1.2,
            zorder=6)
    return ax


def plot_paths(s: Surface, paths: Mapping[str, Path] | Sequence[Path], ax: Any = None,
               *, legend: bool = True, **surface_kw: Any) -> Any:
    """Several optimizers' paths on one surface, with a legend (● start, ■ end)."""
    surface_kw.setdefault("marks", "classic")
    ax = plot_surface(s, ax, **surface_kw)
    items = paths.items() if isinstance(paths, Mapping) else [(p.label, p)
                                                              for p in paths]
    for k, (label, p) in enumerate(items):
        tag = f"{label} (diverged)" if getattr(p, "diverged", False) else label
        plot_path(p, ax, surface=s, color=PATH_COLORS[k % len(PATH_COLORS)], label=tag)
    if legend:
        ax.legend(loc="best", fontsize=9, framealpha=0.9,
                  title="● start   ■ end", title_fontsize=9)
    ax.set_xlim(s.alphas[0], s.alphas[-1])
    ax.set_ylim(s.betas[0], s.betas[-1])
    return ax


def plot_gradients(s: Surface, ax: Any = None, *, n: int = 15,
                   normalize: bool = True, color: str = "white") -> Any:
    """Arrows of −∇ (the steepest descent direction) from the kernel's gradients.

    Args:
        s: the surface (its `Surface.gradient_field` computes ∇ by reverse mode).
        ax: the Axes.
        n: arrows per axis.
        normalize: draw every arrow with the same length (direction only); the
            gradient's size varies over orders of magnitude on most surfaces.
        color: arrow colour.

    Returns:
        The Axes; its last quiver's U, V are the arrows drawn.
    """
    ax = _axes(ax)
    A, B, dA, dB = s.gradient_field(n)
    U, V = -dA, -dB
    if normalize:
        norm = np.hypot(U, V)
        norm[norm == 0] = 1.0
        U, V = U / norm, V / norm
    scale = {}
    if normalize:                      # each arrow 0.8 of the spacing between arrows
        step = min(A[1, 0] - A[0, 0], B[0, 1] - B[0, 0]) if n > 1 else 1.0
        scale = {"scale_units": "xy", "scale": 1.0 / (0.8 * step)}
    ax.quiver(A, B, U, V, color=color, angles="xy", pivot="middle", width=0.006,
              edgecolor="black", linewidth=0.6, label="−∇ (steepest descent)",
              zorder=3, **scale)
    return ax


def plot_eigendirections(s: Surface, at: tuple[float, float], ax: Any = None, *,
                         length: float | None = None) -> Any:
    """The Hessian's eigen-directions at a point of the drawn surface, with their λ.

    The 2×2 Hessian of the drawn function (in the plot's own coordinates) comes from
    the kernel (forward over reverse); each eigenvector is drawn both ways from the
    point, blue where the surface curves up (λ > 0), red where it curves down.

    Returns:
        The Axes.
    """
    ax = _axes(ax)
    H = s.hessian(*at)
    lam, vecs = np.linalg.eigh(H)
    length = length or 0.18 * min(s.alphas[-1] - s.alphas[0], s.betas[-1] - s.betas[0])
    for k in np.argsort(-lam):
        v = vecs[:, k] * length
        color = ENGINE_COLORS["primal"] if lam[k] > 0 else ENGINE_COLORS["cotangent"]
        for sign in (1, -1):
            ax.annotate("", xy=(at[0] + sign * v[0], at[1] + sign * v[1]), xytext=at,
                        arrowprops={"arrowstyle": "-|>", "color": color, "lw": 2.5,
                                    "path_effects": _HALO}, zorder=7)
        ax.annotate(f"λ = {lam[k]:.3g}", xy=(at[0] + 1.15 * v[0], at[1] + 1.15 * v[1]),
                    color=color, fontsize=11, fontweight="bold", ha="center",
                    va="center", path_effects=_HALO, zorder=8)
    ax.plot(*at, "o", color="black", ms=6, zorder=8)
    return ax


def plot_interpolation(line: Interpolation, ax: Any = None, *, log: bool = False,
                       title: str = "loss along the line between two points") -> Any:
    """The loss along θ(t) = (1 − t)·θa + t·θb, with both ends marked."""
    ax = _axes(ax, figsize=(6.4, 4.0))
    ax.plot(line.ts, line.values, "-", color=ENGINE_COLORS["primal"], lw=2)
    for t, v, name in ((0.0, line.loss_a, line.labels[0]),
                       (1.0, line.loss_b, line.labels[1])):
        ax.plot(t, v, "o", color=ENGINE_COLORS["tangent"], ms=8, zorder=5)
        ax.annotate(f"{name}\n{v:.3g}", (t, v), textcoords="offset points",
                    xytext=(0, 12), ha="center", fontsize=10)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("t   (θ = (1 − t)·θa + t·θb)")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return ax


def plot_losses(paths: Mapping[str, Path] | Sequence[Path], ax: Any = None, *,
                log: bool = True) -> Any:
    """Each path's loss per step, on one axis (log scale by default)."""
    ax = _axes(ax, figsize=(6.4, 4.0))
    items = paths.items() if isinstance(paths, Mapping) else [(p.label, p)
                                                              for p in paths]
    for k, (label, p) in enumerate(items):
        ax.plot(np.arange(len(p.losses)), p.losses, color=PATH_COLORS[k % 8], lw=2,
                label=label)
    if log and all(np.all(np.asarray(p.losses) > 0) for _, p in items):
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3)
    return ax


def plot_comparison(c: Comparison, *, losses: bool = True, **surface_kw: Any) -> Any:
    """A `Comparison`: the paths on the surface, and their losses per step beside it."""
    fig, axes = plt.subplots(1, 2 if losses else 1, figsize=(12.5 if losses else 6.4,
                                                              5.0),
                             layout="constrained", squeeze=False)
    plot_paths(c.surface, c.paths, axes[0, 0], legend=not losses, **surface_kw)
    if c.curvature is not None and c.surface.kind == "function":
        classic = _classic_of(c.surface)
        if classic is not None and classic.saddles:
            plot_eigendirections(c.surface, classic.saddles[0], axes[0, 0])
    if losses:
        plot_losses(c.paths, axes[0, 1])
        axes[0, 1].set_title("loss per step")
        axes[0, 1].get_legend().set_title("on the left: ● start   ■ end")
    return fig


def plot_landscapes(landscapes: Mapping[str, Landscape] | Sequence[Surface], *,
                    vmax: float = 5.0, levels: int = 26, ncols: int | None = None,
                    three_d: bool = False) -> Any:
    """Loss surfaces side by side on one colour scale (Li et al.'s figure).

    Args:
        landscapes: the result of `mlgraph.surface.architectures`, or surfaces.
        vmax: clip colours above this loss, so the basins compare.
        levels: contour levels between the lowest loss and vmax.
        ncols: panels per row (all in one row by default).
        three_d: draw 3-D surfaces instead of contours.

    Returns:
        The Figure.
    """
    items = list(landscapes.values()) if isinstance(landscapes, Mapping) else \
        list(landscapes)
    surfaces = [x.surface if isinstance(x, Landscape) else x for x in items]
    ncols = ncols or len(surfaces)
    nrows = math.ceil(len(surfaces) / ncols)
    fig = plt.figure(figsize=(4.2 * ncols + 0.8, 4.0 * nrows), layout="constrained")
    lo = min(float(np.nanmin(s.values)) for s in surfaces)
    lv = np.linspace(lo, vmax, levels)
    filled = None
    for k, (item, s) in enumerate(zip(items, surfaces, strict=True)):
        ax = fig.add_subplot(nrows, ncols, k + 1, projection="3d" if three_d else None)
        title = s.title or f"surface {k + 1}"
        if isinstance(item, Landscape):
            title = (f"{item.name}\nmedian loss {item.stats['median_loss']:.3g}, "
                     f"{item.stats['below_chance']:.0%} below ln 2")
        if three_d:
            plot_surface_3d(s, ax, vmax=vmax, log=False, title=title)
            ax.set_zlim(lo, vmax)
            continue
        v = np.minimum(np.where(np.isfinite(s.values), s.values, vmax), vmax)
        A, B = np.meshgrid(s.alphas, s.betas, indexing="ij")
        filled = ax.contourf(A, B, v, levels=lv, cmap=CMAP)
        ax.contour(A, B, v, levels=lv[::2], colors="k", linewidths=0.5, alpha=0.35)
        ax.plot(0, 0, "*", color="white", ms=12, mec="k", mew=1.0)
        ax.set_xlabel(s.labels[0])
        ax.set_ylabel(s.labels[1])
        ax.set_title(title, fontsize=11)
        ax.set_aspect("equal")
    if filled is not None:
        cb = fig.colorbar(filled, ax=fig.axes, shrink=0.8)
        cb.set_label(f"loss (clipped at {vmax:g})")
    return fig


def plot_grid(surfaces: Sequence[Surface], *, ncols: int = 3, **surface_kw: Any) -> Any:
    """Several surfaces, each on its own colour scale, in rows of ``ncols``."""
    nrows = math.ceil(len(surfaces) / ncols)
    fig = plt.figure(figsize=(4.6 * ncols, 3.9 * nrows), layout="constrained")
    for k, s in enumerate(surfaces):
        plot_surface(s, fig.add_subplot(nrows, ncols, k + 1), **surface_kw)
    return fig


def plot_step_errors(r: Any, ax: Any = None) -> Any:
    """The error of numerical gradients against the step h, on log-log axes.

    Args:
        r: a `mlgraph.gradcheck.StepErrors` (from ``step_size_errors``).
        ax: the Axes to draw on (default: a new figure).

    Returns:
        The Axes: one line per method and dtype (float32 dashed), each curve's best
        step marked and labelled.
    """
    ax = _axes(ax, figsize=(7.0, 4.6))
    colors = {"forward": PATH_COLORS[5], "central": PATH_COLORS[1]}
    floor = np.finfo(np.float64).tiny
    for key, errors in r.errors.items():
        method, dtype = key.split(" ", 1)
        dashes = "-" if dtype == "float64" else "--"
        line, = ax.loglog(r.h, np.maximum(errors, floor), label=key, lw=2,
                          color=colors.get(method), ls=dashes)
        h, err = r.best(key)
        ax.loglog([h], [max(err, floor)], "o", color=line.get_color(), ms=7)
        ax.annotate(f"h = {h:.0e}", (h, max(err, floor)), textcoords="offset points",
                    xytext=(0, -16), ha="center", fontsize=10, color=line.get_color(),
                    path_effects=_HALO)
    ax.set_xlabel("step h")
    ax.set_ylabel("|numerical − exact| (largest entry)")
    ax.set_title("round-off (small h) against truncation (large h)")
    lowest = min(max(float(np.min(e)), floor) for e in r.errors.values())
    ax.set_ylim(bottom=lowest / 30)          # room for the lowest mark's label
    ax.legend(loc="lower left", fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    return ax
