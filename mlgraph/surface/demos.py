"""The lectures' claims about optimization, each one call that returns the numbers.

`optimizer_race` (several optimizers on one surface), `minibatch_vs_full_batch`
(batch size and the noise of the path, on a two-parameter line fit whose surface is
exact), `saddle_escape` (gradient descent stuck on a saddle's ridge, noise escaping)
and `architectures` (a deep MLP with and without skip connections and batch norm,
on filter-normalized random planes, as Li et al. 2018). Drawing: `mlgraph.plots`.
Headless: numpy and the kernel.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import datasets, nn
from .. import numpy as mnp
from .classics import CLASSICS
from .curvature import Curvature, curvature
from .paths import Path, descend
from .planes import Surface, function, params_plane, random_plane

__all__ = ["Comparison", "Landscape", "Problem", "PROBLEMS", "optimizer_race",
           "minibatch_vs_full_batch", "saddle_escape", "architectures", "line_fit_data",
           "line_loss", "problem"]


@dataclass(eq=False)
class Comparison:
    """Several optimizer paths on one surface.

    Attributes:
        surface: the surface they walk on.
        paths: the paths by label.
        curvature: the Hessian at a point of interest (the saddle), if any.
        notes: what the demo shows, in a sentence or two.
    """

    surface: Surface
    paths: dict[str, Path]
    curvature: Curvature | None = None
    notes: str = ""

    def table(self) -> str:
        """One line per path: steps, final loss, where it ended."""
        rows = [f"{'path':<34} {'steps':>5} {'final loss':>11}  end"]
        for label, p in self.paths.items():
            end = "diverged" if p.diverged else _where(p)
            rows.append(f"{label:<34} {p.steps:>5} {p.losses[-1]:>11.4g}  {end}")
        return "\n".join(rows)


def _where(p: Path) -> str:
    try:
        x, y = p.xy[-1]
    except ValueError:
        return ""
    return f"({x:.3f}, {y:.3f})"


# --- several optimizers on a classic surface -----------------------------------------


def default_racers() -> list[nn.SGD]:
    """SGD, momentum, Nesterov, RMSprop and Adam, with step sizes for Rosenbrock."""
    return [nn.SGD(lr=2e-3, batch_size=None), nn.Momentum(lr=1e-3, momentum=0.9),
            nn.Nesterov(lr=1e-3, momentum=0.9), nn.RMSprop(lr=1e-2), nn.Adam(lr=0.1)]


def optimizer_race(f: str | Callable = "rosenbrock",
                   start: tuple[float, float] | None = None, steps: int = 500,
                   optimizers: Sequence[nn.SGD] | None = None,
                   grid: int = 121) -> Comparison:
    """Run several optimizers from one point of a function of two variables.

    Args:
        f: a classic's name or a function ``f(x, y)``.
        start: the common starting point (a classic's own by default).
        steps: steps per optimizer.
        optimizers: `mlgraph.nn` optimizers (default: `default_racers`).
        grid: surface grid points per axis.

    Example:
        >>> from mlgraph import surface
        >>> race = surface.optimizer_race(steps=50, grid=11)
        >>> list(race.paths)[0]
        'SGD (η = 0.002)'
    """
    s = function(f, steps=grid)
    start = start or (CLASSICS[f].start if isinstance(f, str) else (0.0, 0.0))
    paths = {}
    for opt in optimizers or default_racers():
        p = descend(s.f, start, optimizer=opt, steps=steps)
        paths[p.label] = p
    return Comparison(s, paths, notes=f"{len(paths)} optimizers, {steps} steps each, "
                      f"from ({start[0]:g}, {start[1]:g}).")


# --- batch size ----------------------------------------------------------------------


def line_fit_data(n: int = 100, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points near the line y = 1.5·x − 2, with x in [0, 4] (so w and b correlate)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 4.0, n)
    return x, 1.5 * x - 2.0 + 0.5 * rng.standard_normal(n)


def line_loss(w: Any, b: Any, x: Any, y: Any) -> Any:
    """Mean squared error of the line w·x + b: a model with two parameters."""
    r = w * x + b - y
    return mnp.mean(r * r)


def minibatch_vs_full_batch(lr: float = 0.05, steps: int = 150,
                            batch_sizes: Sequence[int | None] = (1, 10, None),
                            n: int = 100, seed: int = 0, grid: int = 81) -> Comparison:
    """SGD with batch size 1, a minibatch and the full batch, same η, same start.

    The model is a line y = w·x + b, so its loss surface over (w, b) is exact and
    every path lies in it. Each step's gradient is an estimate from its batch: the
    smaller the batch, the noisier the estimate and the path (the slides: minibatches
    give smoother convergence, and tolerate larger learning rates).

    Args:
        lr: the common learning rate η.
        steps: steps per path.
        batch_sizes: batch sizes (``None``: full batch).
        n: number of data points.
        seed: seeds the data and the shuffling.
        grid: surface grid points per axis.
    """
    x, y = line_fit_data(n, seed)
    start = (-1.0, 2.0)
    paths = {}
    for bs in batch_sizes:
        p = descend(line_loss, start, x, y, optimizer=nn.SGD(lr=lr, batch_size=bs,
                                                              seed=seed), steps=steps)
        paths[p.label] = p
    s = params_plane(line_loss, [np.asarray(start[0]), np.asarray(start[1])], x, y,
                     which=("w", "b"), span=((-1.5, 3.5), (-4.0, 3.0)), steps=grid)
    return Comparison(s, paths, notes=f"y ≈ w·x + b on {n} points, η = {lr:g}, "
                      f"{steps} steps from (w, b) = {start}.")


def spread(p: Path, last: float = 1 / 3) -> float:
    """The standard deviation of a path's loss over its last third: its noise."""
    tail = p.losses[-max(2, int(len(p.losses) * last)):]
    return float(np.std(tail))


# --- a saddle point ------------------------------------------------------------------


def saddle_escape(lr: float = 0.1, steps: int = 80, noise: float = 0.05,
                  start: tuple[float, float] = (0.0, 1.2), seed: int = 0,
                  grid: int = 101) -> Comparison:
    """Gradient descent stuck on a saddle, and the same with gradient noise escaping.

    On f = (x² − 1)² + y² the point (0, 0) is a saddle: the Hessian there has
    eigenvalues 2 (along y, curving up) and −4 (along x, curving down). Starting on
    the ridge x = 0, the gradient has no x component, so gradient descent slides into
    the saddle and stays. Any perturbation along x grows by (1 + 4η) per step, so a
    little noise (as minibatches bring) escapes to a minimum at (±1, 0).

    Args:
        lr: η.
        steps: steps per path.
        noise: standard deviation of the gradient noise.
        start: the start, on the ridge by default.
        seed: seeds the noise.
        grid: surface grid points per axis.
    """
    s = function("two_minima", steps=grid)
    opt = nn.SGD(lr=lr, batch_size=None)
    stuck = descend("two_minima", start, optimizer=opt, steps=steps,
                    label="gradient descent")
    noisy = descend("two_minima", start, optimizer=opt, steps=steps, noise=noise,
                    seed=seed, label=f"with gradient noise (σ = {noise:g})")
    at_saddle = curvature(s.f, [0.0, 0.0], k=2)
    return Comparison(s, {stuck.label: stuck, noisy.label: noisy}, at_saddle,
                      notes=f"η = {lr:g}, {steps} steps from {start}.")


# --- deep networks: skip connections and batch norm ----------------------------------


@dataclass(eq=False)
class Landscape:
    """A trained model and its loss on a filter-normalized random plane.

    Attributes:
        name: the variant (``"skip + batch norm"``).
        model: the trained `nn.DeepMLP`.
        path: its training path.
        surface: the loss around the trained parameters.
        stats: ``train_loss`` (at the centre), ``median_loss`` over the grid,
            ``below_chance`` (fraction of the plane where the loss is below ln 2, a
            coin flip's), ``grid_minima`` (grid points lower than all 8 neighbours).
    """

    name: str
    model: Any
    path: Path
    surface: Surface
    stats: dict[str, float] = field(default_factory=dict)


VARIANTS = (("plain", False, False), ("skip", True, False),
            ("batch norm", False, True), ("skip + batch norm", True, True))


def architectures(variants: Sequence[tuple[str, bool, bool]] = VARIANTS,
                  depth: int = 10, width: int = 32, n: int = 500,
                  dataset: str = "spiral", grid: int = 41, span: float = 1.0,
                  train_steps: int = 200, lr: float = 0.005, seed: int = 0,
                  progress: bool | None = None) -> dict[str, Landscape]:
    """Deep MLPs with and without skip connections and batch norm on random planes.

    Each variant is trained, then its loss is computed on a filter-normalized random
    plane through the trained parameters.

    Every variant starts from the same seed, is trained with full-batch Adam, and is
    seen through random directions of the same seed (each filter-normalized to its
    own weights, so the planes compare).

    Args:
        variants: ``(name, skip, batch_norm)`` triples.
        depth: the networks' number of linear layers.
        width: their hidden width.
        n: training points (two-class data, 2 features).
        dataset: ``"spiral"`` (two arms), ``"moons"``, ``"circles"``, ``"xor"``.
        grid: grid points per axis.
        span: α, β ∈ [−span, span].
        train_steps: full-batch Adam steps.
        lr: Adam's step size.
        seed: seeds the data, the initializations and the directions.
        progress: show progress bars for slow grids.
    """
    kwargs = {"n_classes": 2} if dataset == "spiral" else {}
    data = datasets.load(dataset, n=int(math.ceil(n / 0.8)), seed=seed, **kwargs)
    X, y = data.X_train[:n], data.y_train[:n].astype(float)
    out = {}
    for name, skip, bn in variants:
        model = nn.DeepMLP(data.n_features, width, 1, depth=depth, skip=skip,
                           batch_norm=bn, seed=seed)
        loss = nn.make_loss(model, "bce")
        path = descend(loss, model.params, X, y, optimizer=nn.Adam(lr=lr,
                                                                   batch_size=None),
                       steps=train_steps, label=name)
        model.params[:] = path.final
        s = random_plane(loss, model.params, X, y, steps=grid, span=span, seed=seed,
                         progress=progress)
        s.title = name
        out[name] = Landscape(name, model, path, s, _stats(s))
    return out


def _stats(s: Surface) -> dict[str, float]:
    v = s.values
    padded = np.pad(v, 1, constant_values=np.inf)
    na, nb = v.shape
    neighbours = np.stack([padded[1 + di:1 + di + na, 1 + dj:1 + dj + nb]
                           for di in (-1, 0, 1) for dj in (-1, 0, 1) if di or dj])
    return {"train_loss": s.center_loss, "median_loss": float(np.median(v)),
            "below_chance": float(np.mean(v < math.log(2.0))),
            "grid_minima": int(np.sum(np.all(v < neighbours, axis=0)))}


def landscape_table(landscapes: dict[str, Landscape]) -> str:
    """One line per variant: the numbers of `Landscape.stats`."""
    rows = [f"{'model':<20} {'train loss':>10} {'median loss':>11} "
            f"{'below ln 2':>10} {'grid minima':>11}"]
    for name, land in landscapes.items():
        st = land.stats
        rows.append(f"{name:<20} {st['train_loss']:>10.2e} {st['median_loss']:>11.3g} "
                    f"{st['below_chance']:>10.0%} {st['grid_minima']:>11d}")
    return "\n".join(rows)


# --- surfaces to explore by hand -----------------------------------------------------


@dataclass(eq=False)
class Problem:
    """A surface to walk on: the loss over two plane coordinates, with data or not.

    Attributes:
        name: the key in `PROBLEMS`.
        title: what the menu shows.
        surface: the drawn surface; ``surface.on_plane(α, β, *data)`` is the function
            the optimizers walk, so every path lies exactly on the picture.
        start: a starting point that makes a good demo.
        lr: a step size that works for plain gradient descent.
        data: rows to draw minibatches from (none for the classic functions).
    """

    name: str
    title: str
    surface: Surface
    start: tuple[float, float]
    lr: float
    data: tuple = ()


_STEP_SIZES = {"bowl": 0.1, "elongated_bowl": 0.05, "rosenbrock": 1e-3, "saddle": 0.05,
               "monkey_saddle": 0.05, "himmelblau": 0.01, "two_minima": 0.05}
_PROBLEMS: dict[str, Problem] = {}


def _line_fit_problem() -> Problem:
    x, y = line_fit_data()
    s = params_plane(line_loss, [np.asarray(0.0), np.asarray(0.0)], x, y,
                     which=("w", "b"), span=((-1.5, 3.5), (-4.0, 3.0)), steps=81)
    s.title = "line fit: mean squared error of w·x + b"
    return Problem("line_fit", problem_title("line_fit"), s, (-1.0, 2.0), 0.05, (x, y))


def _mlp_problem() -> Problem:
    data = datasets.moons(n=250, noise=0.2, seed=0)
    X, y = data.X_train, data.y_train.astype(float)
    model = nn.MLP([2, 8, 1], activation="tanh", seed=0)
    loss = nn.make_loss(model, "bce")
    trained = descend(loss, model.params, X, y, optimizer=nn.Adam(lr=0.05,
                                                                  batch_size=None),
                      steps=150)
    s = random_plane(loss, trained.final, X, y, steps=61, span=1.5, seed=0)
    s.title = "MLP 2-8-1 on two moons: a random plane through trained weights"
    return Problem("mlp", problem_title("mlp"), s, (-1.2, 1.0), 0.5, (X, y))


def problem_title(name: str) -> str:
    """A problem's menu entry, without building it."""
    if name in CLASSICS:
        return f"{name.replace('_', ' ')}: {CLASSICS[name].title}"
    return {"line_fit": "line fit y ≈ w·x + b (100 points)",
            "mlp": "MLP 2-8-1 on moons (random plane)"}[name]


def problem(name: str) -> Problem:
    """A surface to explore by name: a classic, ``"line_fit"`` or ``"mlp"``.

    Each is built once per session, and every one is seeded.
    """
    if name not in _PROBLEMS:
        if name in CLASSICS:
            c = CLASSICS[name]
            s = function(name, steps=121)
            _PROBLEMS[name] = Problem(name, problem_title(name), s, c.start,
                                      _STEP_SIZES[name])
        elif name == "line_fit":
            _PROBLEMS[name] = _line_fit_problem()
        elif name == "mlp":
            _PROBLEMS[name] = _mlp_problem()
        else:
            raise ValueError(f"no surface {name!r} to explore; choose one of "
                             f"{', '.join(PROBLEMS)}.")
    return _PROBLEMS[name]


#: What the explorer offers, in menu order.
PROBLEMS = (*CLASSICS, "line_fit", "mlp")
