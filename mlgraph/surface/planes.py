"""Loss surfaces: a loss on a plane (or a line) through parameter space.

A `Surface` holds ``values[i, j] = f(center + alphas[i]·d1 + betas[j]·d2, *data)``.
`random_plane` (filter-normalized Gaussian directions, Li et al. 2018), `params_plane`
(two scalar parameters), `pca_plane` (the principal directions of a trajectory),
`function` (a two-variable function) and `interpolate` (a line) all fill their grids
through one batched evaluation of the traced loss. Headless: numpy and the kernel.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _batched
from .classics import CLASSICS, Classic
from .results import (
    Interpolation,
    Projection,
    Surface,
    _as_params,
    _flat,
    _span,
    _steps,
    _unflat,
    param_names,
    snapshots,
)

__all__ = [
    "Surface", "Projection", "Interpolation", "function", "random_plane",
    "random_directions", "params_plane", "pca_plane", "interpolate", "clear_cache",
]


# --- the cache -----------------------------------------------------------------------

_CACHE: OrderedDict[tuple, Surface] = OrderedDict()
_CACHE_SIZE = 32


def _digest(*parts: Any) -> str:
    """A content hash of arrays, numbers and strings (never of object identities)."""
    h = hashlib.blake2b(digest_size=16)
    for p in parts:
        if isinstance(p, (list, tuple)):
            h.update(f"[{len(p)}".encode())
            h.update(_digest(*p).encode())
        elif p is None or isinstance(p, (str, int, float, bool)):
            h.update(repr(p).encode())
        else:
            a = np.ascontiguousarray(np.asarray(getattr(p, "value", p)))
            h.update(f"{a.dtype}{a.shape}".encode())
            h.update(a.tobytes())
    return h.hexdigest()


def _cached(key: tuple, build: Callable[[], Surface]) -> Surface:
    """A grid computed before for the same f, parameters, data and settings.

    The key holds f itself and a content hash of every array, and a hit is checked
    by evaluating f directly at one grid point, so a changed model or closure (f is
    the same object but computes something else) recomputes instead of being stale.
    """
    hit = _CACHE.get(key)
    if hit is not None:
        i, j = len(hit.alphas) // 3, len(hit.betas) // 3
        want = hit.loss_at(hit.alphas[i], hit.betas[j])
        got = hit.values[i, j]
        if got == want or abs(got - want) <= 1e-9 * max(1.0, abs(want)):
            _CACHE.move_to_end(key)
            return hit
    surface = build()
    _CACHE[key] = surface
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return surface


def clear_cache() -> None:
    """Forget every cached grid."""
    _CACHE.clear()


def _grid(f, center, directions, alphas, betas, data, names, progress, desc):
    A, B = np.meshgrid(alphas, betas, indexing="ij")
    coeffs = np.stack([A.ravel(), B.ravel()], axis=1)
    result = _batched.evaluate(f, center, directions, coeffs, data, names, progress,
                               desc)
    return result, result.values.reshape(len(alphas), len(betas))


def _plane(f, center, directions, alphas, betas, data, *, kind, labels, origin,
           progress, title="", **extra) -> Surface:
    names = param_names(f, len(center))
    result, values = _grid(f, center, directions, alphas, betas, data, names, progress,
                           f"{kind} plane")
    surface = Surface(alphas, betas, values, tuple(directions), center, names, kind,
                      labels, origin, 0.0, result.seconds, result.batched,
                      result.notes, f=f, data=tuple(data), title=title, **extra)
    surface.center_loss = _batched.direct(f, surface.point(*origin), surface.data)
    return surface


# --- classic functions ---------------------------------------------------------------


def function(f: str | Callable, xlim: tuple[float, float] | None = None,
             ylim: tuple[float, float] | None = None, steps: int = 101,
             progress: bool | None = None) -> Surface:
    """A function of two variables on a grid: one of the classics, or your own.

    Args:
        f: a name from `CLASSICS` (``"bowl"``, ``"elongated_bowl"``, ``"rosenbrock"``,
            ``"saddle"``, ``"monkey_saddle"``, ``"himmelblau"``, ``"two_minima"``) or
            a function ``f(x, y)`` written with mlgraph (or plain) operations.
        xlim: the grid's extent along x (a classic's own by default).
        ylim: the grid's extent along y.
        steps: grid points per axis.
        progress: show a progress bar (default: only if it takes over a second).

    Example:
        >>> from mlgraph import surface
        >>> s = surface.function("bowl", steps=5)
        >>> float(s.values[2, 2]), s.labels
        (0.0, ('x', 'y'))
    """
    classic = _classic(f) if isinstance(f, str) else None
    fn = classic.f if classic else f
    if not callable(fn):
        raise TypeError(f"f must be a classic's name or a function f(x, y), got "
                        f"{type(f).__name__}.")
    xlim = xlim or (classic.xlim if classic else (-2.0, 2.0))
    ylim = ylim or (classic.ylim if classic else (-2.0, 2.0))
    na, nb = _steps(steps)
    xs, ys = np.linspace(*xlim, na), np.linspace(*ylim, nb)
    center = [np.asarray(0.0), np.asarray(0.0)]
    directions = ([np.asarray(1.0), None], [None, np.asarray(1.0)])
    labels = tuple(param_names(fn, 2)) if not classic else ("x", "y")

    def build() -> Surface:
        result, values = _grid(fn, center, directions, xs, ys, (), labels, progress,
                               classic.name if classic else "function")
        return Surface(xs, ys, values, directions, center, list(labels), "function",
                       labels, (0.0, 0.0), float(_batched.direct(fn, center, ())),
                       result.seconds, result.batched, result.notes, f=fn,
                       title=classic.title if classic else getattr(fn, "__name__", ""))

    return _cached(("function", fn, _digest(xs, ys)), build)


def _classic(name: str) -> Classic:
    try:
        return CLASSICS[name]
    except KeyError:
        raise ValueError(f"no classic function {name!r}; choose one of "
                         f"{', '.join(CLASSICS)}.") from None


# --- planes through a model's parameters ---------------------------------------------


def random_directions(params: Any, seed: int = 0, normalize: str | None = "filter",
                      biases: str = "zero") -> tuple[list, list]:
    """Two Gaussian directions in parameter space, filter-normalized by default.

    Filter normalization (Li et al. 2018): for a weight matrix used as ``X @ W`` each
    filter is one output unit's column ``W[:, j]``; the direction's column j is
    rescaled to the norm of the weights' column j, ‖dⱼ‖ = ‖Wⱼ‖. So a direction moves
    every unit by as much as its own weights, whatever their scale.

    Args:
        params: the parameter arrays (or a model with ``.params``).
        seed: seeds the Gaussian draws.
        normalize: ``"filter"`` (per column), ``"layer"`` (‖d‖ = ‖W‖ per array) or
            ``None`` (raw Gaussian).
        biases: what vectors and scalars (biases, batch norm's γ and β) get:
            ``"zero"`` (the paper's choice: they don't move) or ``"normalized"``
            (‖d‖ = ‖b‖).

    Returns:
        ``(d1, d2)``, each a list with one array per parameter.
    """
    if normalize not in ("filter", "layer", None):
        raise ValueError(f"normalize must be 'filter', 'layer' or None, got "
                         f"{normalize!r}.")
    if biases not in ("zero", "normalized"):
        raise ValueError(f"biases must be 'zero' or 'normalized', got {biases!r}.")
    params = _as_params(params)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(2):
        d = []
        for p in params:
            r = rng.standard_normal(p.shape)
            if p.ndim < 2:
                if biases == "zero":
                    d.append(None)
                    continue
                r = _scaled(r, p, None)
            elif normalize == "filter":
                r = _scaled(r, p, tuple(range(p.ndim - 1)))
            elif normalize == "layer":
                r = _scaled(r, p, None)
            d.append(r.astype(p.dtype))
        out.append(d)
    return out[0], out[1]


def _scaled(r: np.ndarray, p: np.ndarray, axes: tuple[int, ...] | None) -> np.ndarray:
    """Rescale r so that its norm over ``axes`` equals p's (0 where p's is 0)."""
    rn = np.sqrt(np.sum(r * r, axis=axes, keepdims=axes is not None))
    pn = np.sqrt(np.sum(p * p, axis=axes, keepdims=axes is not None))
    return r * np.divide(pn, rn, out=np.zeros_like(pn * rn), where=rn > 0)


def random_plane(f: Callable, params: Any, *data: Any, steps: int | tuple = 51,
                 span: Any = 1.0, seed: int = 0, normalize: str | None = "filter",
                 biases: str = "zero", progress: bool | None = None) -> Surface:
    """The loss on a plane through ``params`` spanned by two random directions.

    ``values[i, j] = f(params + alphas[i]·d1 + betas[j]·d2, *data)``, with d1, d2 from
    `random_directions` (filter-normalized Gaussians, biases fixed, as in Li et al.).

    Args:
        f: the loss ``f(*params, *data)``, e.g. ``nn.make_loss(model, "bce")``.
        params: the parameter arrays at the centre (or a model with ``.params``).
        *data: f's other arguments, e.g. ``X, y``.
        steps: grid points per axis (or ``(na, nb)``).
        span: the grid covers α, β ∈ [−span, span] (or ``((a0, a1), (b0, b1))``).
        seed: seeds the directions (see `random_directions`).
        normalize: ``"filter"``, ``"layer"`` or ``None``.
        biases: ``"zero"`` or ``"normalized"``.
        progress: show a progress bar (default: only if it takes over a second).

    Returns:
        A `Surface` with ``.alphas``, ``.betas``, ``.values``, ``.directions``.

    Example:
        >>> import numpy as np
        >>> from mlgraph import nn, surface
        >>> model = nn.MLP([2, 4, 1], seed=0)
        >>> X, y = np.ones((3, 2)), np.zeros(3)
        >>> s = surface.random_plane(nn.make_loss(model), model.params, X, y, steps=5)
        >>> s.values.shape, bool(np.isclose(s.values[2, 2], s.center_loss))
        ((5, 5), True)
    """
    params = _as_params(params)
    d1, d2 = random_directions(params, seed, normalize, biases)
    (a0, a1), (b0, b1) = _span(span)
    na, nb = _steps(steps)
    alphas, betas = np.linspace(a0, a1, na), np.linspace(b0, b1, nb)

    def build() -> Surface:
        return _plane(f, params, (d1, d2), alphas, betas, data, kind="random",
                      labels=("α (direction 1)", "β (direction 2)"), origin=(0.0, 0.0),
                      progress=progress)

    key = ("random", f, _digest(params, data, alphas, betas, seed, normalize, biases))
    return _cached(key, build)


_WHICH = re.compile(r"^\s*([^\W\d]\w*)\s*(?:\[([\d,\s]*)\])?\s*$")


def _parse_which(text: str, names: list[str], params: list[np.ndarray]
                 ) -> tuple[int, tuple[int, ...]]:
    """``"W1[0,0]"`` → (index of W1, (0, 0)), with errors that list what exists."""
    m = _WHICH.match(text)
    if not m:
        raise ValueError(f"can't read {text!r} as a parameter entry; write a name and "
                         "an index, e.g. 'W1[0,0]' or 'b2[0]'.")
    name, idx = m.group(1), m.group(2)
    if name not in names:
        raise ValueError(f"no parameter named {name!r}; the parameters are "
                         f"{', '.join(names)}.")
    k = names.index(name)
    shape = params[k].shape
    index = tuple(int(i) for i in idx.split(",") if i.strip()) if idx else ()
    if len(index) != len(shape) or any(not 0 <= i < s
                                       for i, s in zip(index, shape, strict=True)):
        example = f"{name}[{','.join('0' * bool(s) for s in shape)}]"
        raise ValueError(f"{text!r} is not an entry of {name}, which has shape "
                         f"{shape}; give {len(shape)} indices within it, e.g. "
                         f"{example}.")
    return k, index


def params_plane(f: Callable, params: Any, *data: Any,
                 which: tuple[str, str] = ("W1[0,0]", "b2[0]"), span: Any = 2.0,
                 steps: int | tuple = 51, progress: bool | None = None) -> Surface:
    """The exact loss over two chosen scalar parameters, every other one fixed.

    The axes are the two entries' own values: ``alphas`` runs over
    ``W1[0,0] ± span`` and ``betas`` over ``b2[0] ± span``; ``origin`` is where the
    given parameters sit.

    Args:
        f: the loss ``f(*params, *data)``; its parameter names (``W1``, ``b2``…)
            come from its signature (`nn.make_loss` provides them).
        params: the parameter arrays (or a model with ``.params``).
        *data: f's other arguments.
        which: two entries, ``"name[i,j]"``.
        span: half-width of each axis around the entry's value (or
            ``((a0, a1), (b0, b1))`` as absolute limits).
        steps: grid points per axis.
        progress: show a progress bar (default: only if it takes over a second).
    """
    params = _as_params(params)
    names = param_names(f, len(params))
    if len(which) != 2:
        raise ValueError(f"which needs two entries, e.g. ('W1[0,0]', 'b2[0]'), got "
                         f"{which!r}.")
    (k1, i1), (k2, i2) = (_parse_which(w, names, params) for w in which)
    if (k1, i1) == (k2, i2):
        raise ValueError(f"which names the same entry twice ({which[0]!r}); choose two "
                         "different entries.")
    v1, v2 = float(params[k1][i1]), float(params[k2][i2])
    center = [p.copy() for p in params]
    center[k1][i1] = 0.0
    center[k2][i2] = 0.0
    directions: tuple[list, list] = ([None] * len(params), [None] * len(params))
    for d, k, i in ((directions[0], k1, i1), (directions[1], k2, i2)):
        e = d[k] if d[k] is not None else np.zeros_like(params[k])
        e[i] = 1.0
        d[k] = e
    if np.isscalar(span):
        s = float(span)
        (a0, a1), (b0, b1) = (v1 - s, v1 + s), (v2 - s, v2 + s)
    else:
        (a0, a1), (b0, b1) = _span(span)
    na, nb = _steps(steps)
    alphas, betas = np.linspace(a0, a1, na), np.linspace(b0, b1, nb)

    def build() -> Surface:
        return _plane(f, center, directions, alphas, betas, data, kind="params",
                      labels=(which[0].replace(" ", ""), which[1].replace(" ", "")),
                      origin=(v1, v2), progress=progress)

    return _cached(("params", f, _digest(params, data, alphas, betas, list(which))),
                   build)


def pca_plane(f: Callable, trajectory: Any, *data: Any, steps: int | tuple = 51,
              margin: float = 0.25, center: str = "last",
              progress: bool | None = None) -> Surface:
    """The plane of a trajectory's first two principal directions, and its projection.

    ``pca_plane(trainer.objective, trainer)`` draws the plane of a `Trainer`'s own
    path (train it with ``record="epoch"``). With θ₀…θ_T the snapshots and c the
    centre (the last snapshot, as Li et al., or their mean), the directions are the
    top two right singular vectors of the matrix of θₜ − c;
    ``explained_variance[k] = sₖ² / Σ s²``. The trajectory's plane coordinates are
    ``⟨θₜ − c, dₖ⟩`` and its residuals the distances to the plane, in
    ``surface.trajectory``.

    Args:
        f: the loss ``f(*params, *data)``.
        trajectory: at least three parameter snapshots: a `Trainer` that recorded
            them, its ``trajectory``, a `Path`, or a list of parameter lists.
        *data: f's other arguments (default for a `Trainer`: its training data,
            ``X_train, y_train``).
        steps: grid points per axis.
        margin: extra room around the projected path, as a fraction of its extent.
        center: ``"last"`` or ``"mean"``.
        progress: show a progress bar (default: only if it takes over a second).
    """
    snaps = snapshots(trajectory)
    if not data and hasattr(trajectory, "X_train"):     # a Trainer: its training data
        data = (trajectory.X_train, trajectory.y_train)
    if len(snaps) < 3:
        raise ValueError(f"pca_plane needs at least 3 snapshots to find two "
                         f"directions, got {len(snaps)}.")
    if center not in ("last", "mean"):
        raise ValueError(f"center must be 'last' or 'mean', got {center!r}.")
    like = snaps[0]
    M = np.stack([_flat(s, like) for s in snaps])
    c = M[-1] if center == "last" else M.mean(axis=0)
    _, s, Vt = np.linalg.svd(M - c, full_matrices=False)
    total = float(np.sum(s * s))
    if total == 0.0 or len(s) < 2:
        raise ValueError("the trajectory does not move: all its snapshots are equal.")
    explained = np.array([s[0] ** 2, s[1] ** 2]) / total
    D = Vt[:2].T.copy()
    coords = (M - c) @ D
    for k in range(2):           # NOTE: signs chosen so the path starts at α, β < 0
        if coords[0, k] > 0:
            D[:, k], coords[:, k] = -D[:, k], -coords[:, k]
    residuals = np.linalg.norm((M - c) - coords @ D.T, axis=1)
    center_params = _unflat(c, like)
    directions = (_unflat(D[:, 0], like), _unflat(D[:, 1], like))
    lims = []
    for k in range(2):
        lo, hi = min(coords[:, k].min(), 0.0), max(coords[:, k].max(), 0.0)
        pad = margin * max(hi - lo, 1e-12)
        lims.append((lo - pad, hi + pad))
    na, nb = _steps(steps)
    alphas, betas = np.linspace(*lims[0], na), np.linspace(*lims[1], nb)
    pct = 100 * explained

    def build() -> Surface:
        surface = _plane(f, center_params, directions, alphas, betas, data, kind="pca",
                         labels=(f"PC1 ({pct[0]:.1f}%)", f"PC2 ({pct[1]:.1f}%)"),
                         origin=(0.0, 0.0), progress=progress,
                         explained_variance=explained)
        losses = np.array([_batched.direct(f, p, surface.data) for p in snaps])
        surface.trajectory = Projection(coords, residuals, losses)
        return surface

    return _cached(("pca", f, _digest(snaps, data, alphas, betas, center)), build)


def interpolate(f: Callable, params_a: Any, params_b: Any, *data: Any,
                steps: int = 51, t: tuple[float, float] = (-0.5, 1.5),
                labels: tuple[str, str] = ("a", "b"),
                progress: bool | None = None) -> Interpolation:
    """The loss along the straight line θ(t) = (1 − t)·θa + t·θb.

    Args:
        f: the loss ``f(*params, *data)``.
        params_a: one end (e.g. the initial parameters).
        params_b: the other end (e.g. the trained parameters).
        *data: f's other arguments.
        steps: points on the line.
        t: the range of t (0 is θa, 1 is θb; beyond them the line goes on).
        labels: names of the two ends, for plots.
        progress: show a progress bar (default: only if it takes over a second).
    """
    a, b = _as_params(params_a), _as_params(params_b)
    if [p.shape for p in a] != [p.shape for p in b]:
        raise ValueError(f"params_a and params_b differ in shapes: "
                         f"{[p.shape for p in a]} vs {[p.shape for p in b]}.")
    if steps < 2:
        raise ValueError(f"steps must be at least 2, got {steps}.")
    ts = np.linspace(t[0], t[1], int(steps))
    direction = [q - p for p, q in zip(a, b, strict=True)]
    result = _batched.evaluate(f, a, [direction], ts[:, None], data,
                               param_names(f, len(a)), progress, "interpolation")
    return Interpolation(ts, result.values, _batched.direct(f, a, data),
                         _batched.direct(f, b, data), result.seconds, labels)

