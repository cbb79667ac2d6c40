"""What the surface functions return, and the parameter bookkeeping they share.

`Surface` (a loss on a grid over a plane, with the plane's geometry and the loss
function, so any point can be asked about), `Projection` (a trajectory seen on a
plane) and `Interpolation` (a loss along a line); parameter lists from models,
snapshots from trainers and paths, flattening. Headless: numpy and the kernel.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..jacobians import hessian
from ..transforms import grad
from . import _batched

__all__ = ["Surface", "Projection", "Interpolation", "param_names", "snapshots"]


# --- results -------------------------------------------------------------------------


@dataclass
class Projection:
    """A trajectory seen on a surface's plane.

    Attributes:
        coords: ``(T, 2)`` plane coordinates (α, β) of each snapshot.
        residuals: ``(T,)`` distance of each snapshot from the plane, ‖θ − θ_plane‖.
        losses: ``(T,)`` the loss at each snapshot itself (not at its projection).
    """

    coords: np.ndarray
    residuals: np.ndarray
    losses: np.ndarray


@dataclass(eq=False)
class Surface:
    """A loss on a grid: ``values[i, j]`` at ``center + alphas[i]·d1 + betas[j]·d2``.

    Attributes:
        alphas, betas: the grid's coordinates along the two directions.
        values: ``(len(alphas), len(betas))`` losses.
        directions: ``(d1, d2)``, each a list with one array per parameter (``None``
            where a direction does not move that parameter).
        center: the parameters at α = β = 0.
        names: the parameters' names (``W1``, ``b1``…).
        kind: ``"random"``, ``"pca"``, ``"params"`` or ``"function"``.
        labels: axis labels for the two directions.
        origin: (α, β) of the parameters the surface was asked about (the centre for
            random and PCA planes, the parameters' own values for a params plane).
        center_loss: the loss at ``origin``.
        seconds: time taken to fill the grid.
        batched: True when the grid was filled by one batched evaluation of the graph.
        notes: anything the evaluator could not batch.
        trajectory: a `Projection` of the trajectory (PCA planes; see `project`).
        explained_variance: fraction of the trajectory's variance along d1 and d2 (PCA).
    """

    alphas: np.ndarray
    betas: np.ndarray
    values: np.ndarray
    directions: tuple[list, list]
    center: list[np.ndarray]
    names: list[str]
    kind: str
    labels: tuple[str, str]
    origin: tuple[float, float]
    center_loss: float
    seconds: float
    batched: bool = True
    notes: list[str] = field(default_factory=list)
    trajectory: Projection | None = None
    explained_variance: np.ndarray | None = None
    title: str = ""
    f: Callable | None = field(default=None, repr=False)
    data: tuple = field(default=(), repr=False)

    def point(self, alpha: float, beta: float) -> list[np.ndarray]:
        """The parameters at plane coordinates (α, β)."""
        return _batched.point(self.center, self.directions, (alpha, beta))

    def loss_at(self, alpha: float, beta: float) -> float:
        """The loss at (α, β), by a direct call of f (no grid, no interpolation)."""
        return _batched.direct(self._f(), self.point(alpha, beta), self.data)

    def project(self, trajectory: Any) -> Projection:
        """Plane coordinates of parameter snapshots, by least squares, with residuals.

        Args:
            trajectory: parameter snapshots: a `Trainer` that recorded them
                (``record="epoch"``), its ``trajectory``, a `Path`, or a list of
                parameter lists.
        """
        snaps = snapshots(trajectory, self.center)
        D = np.stack([_flat(d, self.center) for d in self.directions], axis=1)
        M = np.stack([_flat(s, self.center) - _flat(self.center, self.center)
                      for s in snaps])
        coords = np.linalg.lstsq(D, M.T, rcond=None)[0].T
        residuals = np.linalg.norm(M - coords @ D.T, axis=1)
        losses = np.array([_batched.direct(self._f(), s, self.data) for s in snaps])
        return Projection(coords, residuals, losses)

    def on_plane(self, alpha: Any, beta: Any, *data: Any) -> Any:
        """The loss at plane coordinates (α, β): the drawn function, traceable in α, β.

        ``data`` replaces the surface's own data (e.g. a minibatch of it), so an
        optimizer can walk the plane with stochastic gradients.
        """
        f, data = self._f(), data or self.data
        if self.kind == "function":
            return f(alpha, beta)
        params = []
        for c, u, v in zip(self.center, *self.directions, strict=True):
            p = c
            if u is not None:
                p = p + alpha * u
            if v is not None:
                p = p + beta * v
            params.append(p)
        return f(*params, *data)

    def slice_function(self) -> Callable:
        """φ(a) = the loss at (a[0], a[1]) on the plane, for `mlgraph.grad`."""
        return lambda a: self.on_plane(a[0], a[1])

    def gradient(self, alpha: float, beta: float) -> np.ndarray:
        """∇φ at (α, β): the slope of the drawn surface, by reverse mode."""
        return np.asarray(grad(self.slice_function())(np.array([alpha, beta], float)))

    def hessian(self, alpha: float, beta: float) -> np.ndarray:
        """The 2×2 Hessian of the drawn surface at (α, β): forward over reverse."""
        at = np.array([alpha, beta], float)
        return np.asarray(hessian(self.slice_function())(at))

    def gradient_field(self, n: int = 15) -> tuple[np.ndarray, ...]:
        """``(A, B, dA, dB)``: an n×n grid of points and ∇φ there (for arrows)."""
        a = np.linspace(self.alphas[0], self.alphas[-1], n + 2)[1:-1]
        b = np.linspace(self.betas[0], self.betas[-1], n + 2)[1:-1]
        A, B = np.meshgrid(a, b, indexing="ij")
        gfun = grad(self.slice_function())
        G = np.array([np.asarray(gfun(np.array([x, y]))) for x, y in
                      zip(A.ravel(), B.ravel(), strict=True)]).reshape(n, n, 2)
        return A, B, G[..., 0], G[..., 1]

    def to_json(self) -> dict[str, Any]:
        """The grid as plain data: alphas, betas, values, centre loss, seconds."""
        values = [[v if np.isfinite(v) else None for v in row]
                  for row in self.values.tolist()]
        out = {"kind": self.kind, "labels": list(self.labels),
               "alphas": self.alphas.tolist(), "betas": self.betas.tolist(),
               "values": values,
               "origin": list(self.origin), "center_loss": self.center_loss,
               "seconds": self.seconds, "batched": self.batched, "notes": self.notes}
        if self.explained_variance is not None:
            out["explained_variance"] = self.explained_variance.tolist()
        return out

    def _f(self) -> Callable:
        if self.f is None:
            raise ValueError("this surface has no loss function attached.")
        return self.f

    def __repr__(self) -> str:
        lo, hi = np.nanmin(self.values), np.nanmax(self.values)
        return (f"<Surface {self.kind} {len(self.alphas)}×{len(self.betas)}: "
                f"{self.labels[0]} × {self.labels[1]}, loss {lo:.4g}…{hi:.4g}, "
                f"centre {self.center_loss:.4g}, {self.seconds:.3g} s>")


@dataclass
class Interpolation:
    """The loss along the line θ(t) = (1 − t)·θa + t·θb.

    Attributes:
        ts: the line's coordinates (0 at θa, 1 at θb).
        values: the loss at each t.
        loss_a, loss_b: the loss at the two ends.
        seconds: time taken.
    """

    ts: np.ndarray
    values: np.ndarray
    loss_a: float
    loss_b: float
    seconds: float
    labels: tuple[str, str] = ("a", "b")


# --- inputs --------------------------------------------------------------------------


def param_names(f: Callable, n: int) -> list[str]:
    """The names of f's first n parameters (``W1, b1, …`` for `nn.make_loss`)."""
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params
             if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)][:n]
    return names + [f"θ{k + 1}" for k in range(len(names), n)]


def _as_params(params: Any) -> list[np.ndarray]:
    """A list of float arrays from a list of arrays, or a model with ``.params``."""
    params = getattr(params, "params", params)
    if isinstance(params, np.ndarray) or np.isscalar(params):
        raise TypeError(
            "params must be a list of parameter arrays (e.g. model.params), got a "
            f"single {type(params).__name__}. Wrap it in a list: [w].")
    out = []
    for k, p in enumerate(params):
        arr = np.asarray(getattr(p, "value", p))
        if arr.dtype.kind not in "fiu":
            raise TypeError(f"parameter {k} has dtype {arr.dtype}; parameters must be "
                            "float arrays.")
        out.append(arr.astype(np.float64) if arr.dtype.kind != "f" else arr)
    if not out:
        raise ValueError("params is empty: pass the parameter arrays, e.g. "
                         "model.params.")
    return out


def snapshots(trajectory: Any, like: Sequence[np.ndarray] | None = None
              ) -> list[list[np.ndarray]]:
    """Parameter snapshots, shapes checked.

    From a `Trainer` (its recorded ``trajectory``), a `Trajectory`, a `Path` or a list
    of parameter lists.
    """
    recorded = getattr(trajectory, "trajectory", None)
    if recorded is not None and hasattr(recorded, "snapshots"):      # a Trainer
        if not len(recorded):
            raise ValueError("this trainer recorded no trajectory: create it with "
                             "Trainer(..., record='epoch') (or 'step') and train it.")
        trajectory = recorded
    snaps = getattr(trajectory, "snapshots", trajectory)
    snaps = [_as_params(s) for s in snaps]
    if not snaps:
        raise ValueError("the trajectory has no snapshots.")
    ref = like if like is not None else snaps[0]
    want = [np.shape(p) for p in ref]
    for t, s in enumerate(snaps):
        got = [np.shape(p) for p in s]
        if got != want:
            raise ValueError(f"snapshot {t} of the trajectory has parameter shapes "
                             f"{got}, but the model's are {want}.")
    return snaps


def _flat(params: Sequence[Any], like: Sequence[np.ndarray]) -> np.ndarray:
    return np.concatenate([np.zeros(np.size(c)) if p is None else
                           np.ravel(np.asarray(p, dtype=np.float64))
                           for p, c in zip(params, like, strict=True)])


def _unflat(v: np.ndarray, like: Sequence[np.ndarray]) -> list[np.ndarray]:
    out, k = [], 0
    for p in like:
        out.append(v[k:k + p.size].reshape(p.shape).astype(p.dtype))
        k += p.size
    return out


def _steps(steps: int | tuple[int, int]) -> tuple[int, int]:
    na, nb = (steps, steps) if isinstance(steps, (int, np.integer)) else steps
    if min(na, nb) < 2:
        raise ValueError(f"steps must be at least 2 per axis, got {steps}.")
    return int(na), int(nb)


def _span(span: Any) -> tuple[tuple[float, float], tuple[float, float]]:
    """``1.0`` → ((−1, 1), (−1, 1)); ``((a0, a1), (b0, b1))`` as given."""
    if np.isscalar(span):
        s = float(span)
        if not s > 0:
            raise ValueError(f"span must be positive, got {span}.")
        return (-s, s), (-s, s)
    (a0, a1), (b0, b1) = span
    return (float(a0), float(a1)), (float(b0), float(b1))
