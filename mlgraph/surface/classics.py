"""The classic two-variable test functions of optimization lectures.

Each is written with plain arithmetic, so it runs on floats and traces with mlgraph.
`CLASSICS` maps a name to a `Classic`: the function, a view, its known minima and
saddle points, and a starting point that makes a good demo. Imports nothing but the
standard library.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Classic", "CLASSICS"]


@dataclass(frozen=True)
class Classic:
    """A named test function ``f(x, y)`` with what a lecture says about it.

    Attributes:
        name: the key in `CLASSICS`.
        f: the function.
        title: its formula, for plot titles.
        xlim, ylim: a view that shows its features.
        minima: its (global or local) minima.
        saddles: its saddle points.
        start: a starting point for optimizer demos.
        log_scale: plot its values on a log scale (wide dynamic range).
    """

    name: str
    f: Callable[[Any, Any], Any]
    title: str
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    minima: tuple[tuple[float, float], ...] = ()
    saddles: tuple[tuple[float, float], ...] = ()
    start: tuple[float, float] = (0.0, 0.0)
    log_scale: bool = False
    notes: str = field(default="", compare=False)


def bowl(x: Any, y: Any) -> Any:
    """The bowl, f = x² + y²: every direction curves up equally."""
    return x * x + y * y


def elongated_bowl(x: Any, y: Any) -> Any:
    """The elongated bowl, f = x² + 10·y²: ten times steeper across than along."""
    return x * x + 10.0 * (y * y)


def rosenbrock(x: Any, y: Any) -> Any:
    """Rosenbrock's f = (1 − x)² + 100·(y − x²)²: a curved, flat-floored valley."""
    u, v = 1.0 - x, y - x * x
    return u * u + 100.0 * (v * v)


def saddle(x: Any, y: Any) -> Any:
    """The saddle, f = x² − y²: up along x, down along y."""
    return x * x - y * y


def monkey_saddle(x: Any, y: Any) -> Any:
    """The monkey saddle, f = x³ − 3·x·y²: three valleys, a zero Hessian at 0."""
    return x * x * x - 3.0 * x * (y * y)


def himmelblau(x: Any, y: Any) -> Any:
    """Himmelblau's f = (x² + y − 11)² + (x + y² − 7)²: four minima, all at 0."""
    u, v = x * x + y - 11.0, x + y * y - 7.0
    return u * u + v * v


def two_minima(x: Any, y: Any) -> Any:
    """Two minima, f = (x² − 1)² + y²: at (±1, 0), with a saddle at (0, 0)."""
    u = x * x - 1.0
    return u * u + y * y


CLASSICS: dict[str, Classic] = {c.name: c for c in (
    Classic("bowl", bowl, "x² + y²", (-2.0, 2.0), (-2.0, 2.0), ((0.0, 0.0),),
            start=(-1.5, 1.2)),
    Classic("elongated_bowl", elongated_bowl, "x² + 10·y²", (-3.0, 3.0), (-2.0, 2.0),
            ((0.0, 0.0),), start=(-2.5, 1.5)),
    Classic("rosenbrock", rosenbrock, "(1 − x)² + 100·(y − x²)²", (-2.0, 2.0),
            (-1.0, 3.0), ((1.0, 1.0),), start=(-1.2, 1.0), log_scale=True),
    Classic("saddle", saddle, "x² − y²", (-2.0, 2.0), (-2.0, 2.0),
            saddles=((0.0, 0.0),), start=(-1.5, 0.05)),
    Classic("monkey_saddle", monkey_saddle, "x³ − 3·x·y²", (-1.5, 1.5), (-1.5, 1.5),
            saddles=((0.0, 0.0),), start=(1.0, 0.05)),
    Classic("himmelblau", himmelblau, "(x² + y − 11)² + (x + y² − 7)²", (-5.0, 5.0),
            (-5.0, 5.0), ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186),
                          (3.584428, -1.848126)),
            saddles=((0.086677, 2.884254), (-3.073026, -0.081353),
                     (3.385154, 0.073852), (-0.127961, -1.953715)),
            start=(0.0, -4.5), log_scale=True),
    Classic("two_minima", two_minima, "(x² − 1)² + y²", (-2.0, 2.0), (-1.5, 1.5),
            ((-1.0, 0.0), (1.0, 0.0)), saddles=((0.0, 0.0),), start=(0.0, 1.2)),
)}
