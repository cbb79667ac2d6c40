"""The Hessian's top eigenvalues from Hessian-vector products, never the Hessian itself.

``H·v`` is one forward-mode sweep over the reverse-mode gradient (`mlgraph.jvp` of
`mlgraph.grad`): forward over reverse. Block power iteration with Rayleigh-Ritz
turns those products into the k eigenvalues of largest magnitude; a shift then finds
the most negative one, which is what makes a critical point a saddle.
Headless: numpy and the kernel.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import numpy as mnp
from ..transforms import grad, jvp
from .results import _as_params, _flat, _unflat, snapshots

__all__ = ["Curvature", "hvp", "curvature", "sharpness"]


@dataclass
class Curvature:
    """Eigenvalues and eigenvectors of the Hessian of f at one point.

    Attributes:
        eigenvalues: ``(k,)``, largest magnitude first (``which="magnitude"``), or
            ``[λmax, λmin]`` (``which="extremes"``).
        eigenvectors: one list of parameter-shaped arrays per eigenvalue (unit norm
            over all parameters together).
        residuals: ‖H·v − λ·v‖ / max(|λ|, 1) of each pair.
        iterations: power iterations run.
        hvps: Hessian-vector products computed.
        converged: every residual is below the tolerance.
    """

    eigenvalues: np.ndarray
    eigenvectors: list[list[np.ndarray]]
    residuals: np.ndarray
    iterations: int
    hvps: int
    converged: bool

    @property
    def vectors(self) -> np.ndarray:
        """The eigenvectors flattened, one column each."""
        return np.stack([np.concatenate([np.ravel(p) for p in v])
                         for v in self.eigenvectors], axis=1)


def hvp(f: Callable, params: Any, *data: Any) -> Callable[[np.ndarray], np.ndarray]:
    """``v ↦ H·v`` for the Hessian of f by its parameters (flattened), at params.

    H·v = d/dε ∇f(θ + ε·v) at ε = 0: one forward sweep (`mlgraph.jvp`) through the
    reverse sweep (`mlgraph.grad`) of f over a flat parameter vector.

    Args:
        f: the loss ``f(*params, *data)``.
        params: the parameter arrays (or a model with ``.params``).
        *data: f's other arguments.

    Returns:
        A function of a flat vector v (as long as all parameters together).
    """
    params = _as_params(params)
    theta = _flat(params, params)
    shapes = [p.shape for p in params]
    sizes = [p.size for p in params]

    def flat_loss(th: Any) -> Any:
        parts, k = [], 0
        for shape, size in zip(shapes, sizes, strict=True):
            parts.append(mnp.reshape(th[k:k + size], shape))
            k += size
        return f(*parts, *data)

    g = grad(flat_loss)

    def product(v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=np.float64)
        if v.shape != theta.shape:
            raise ValueError(f"v must be a flat vector of {theta.size} entries (all "
                             f"parameters together), got shape {v.shape}.")
        with np.errstate(all="ignore"):
            return np.asarray(jvp(g, (theta,), (v,))[1], dtype=np.float64)

    return product


def curvature(f: Callable, params: Any, *data: Any, k: int = 2,
              which: str = "magnitude", iters: int = 100, tol: float = 1e-6,
              seed: int = 0, start: np.ndarray | None = None) -> Curvature:
    """The top eigenvalues and eigenvectors of f's Hessian at params.

    Block power iteration: V ← orth(H·V), with a Rayleigh-Ritz step (eigenvalues of
    Vᵀ·H·V) each round, until ‖H·v − λ·v‖ ≤ tol·max(|λ|, 1) for every pair.

    Args:
        f: the loss ``f(*params, *data)``.
        params: the point (the parameter arrays, or a model with ``.params``).
        *data: f's other arguments.
        k: how many eigenvalues (``which="magnitude"``).
        which: ``"magnitude"``: the k of largest |λ|; ``"extremes"``: the largest
            and the most negative eigenvalue (a saddle has λmin < 0 < λmax).
        iters: most power iterations per search.
        tol: relative residual to stop at.
        seed: seeds the starting vectors.
        start: a flat starting vector (e.g. the previous epoch's top eigenvector).

    Returns:
        A `Curvature`; it warns if the iteration did not converge.

    Example:
        >>> from mlgraph import surface
        >>> c = surface.curvature(lambda x, y: x * x - y * y, [1e-3, 2e-3])
        >>> sorted(round(float(v), 6) for v in c.eigenvalues)
        [-2.0, 2.0]
    """
    params = _as_params(params)
    n = int(sum(p.size for p in params))
    if which not in ("magnitude", "extremes"):
        raise ValueError(f"which must be 'magnitude' or 'extremes', got {which!r}.")
    if which == "magnitude" and not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and the number of parameters ({n}), "
                         f"got {k}.")
    H = hvp(f, params, *data)
    rng = np.random.default_rng(seed)
    if which == "magnitude":
        vals, vecs, res, its, count = _block_power(H, n, k, iters, tol, rng, start)
    else:
        vals, vecs, res, its, count = _extremes(H, n, iters, tol, rng, start)
    converged = bool(np.all(res <= tol))
    if not converged:
        warnings.warn(
            f"curvature: power iteration stopped after {its} rounds with relative "
            f"residuals {np.array2string(res, precision=2)} > tol {tol:g}; the "
            "eigenvalues may be off. Raise iters, or loosen tol.",
            RuntimeWarning, stacklevel=2)
    vectors = [_unflat(vecs[:, j], params) for j in range(vecs.shape[1])]
    return Curvature(vals, vectors, res, its, count, converged)


def _block_power(H, n, k, iters, tol, rng, start, shift=0.0):
    """The k dominant eigenpairs of H by block power iteration with Rayleigh-Ritz.

    The block carries a few extra vectors, because its k-th vector converges like
    |λₖ₊ₚ₊₁ / λₖ|ⁱᵗ rather than |λₖ₊₁ / λₖ|ⁱᵗ. For H − shift·I the residuals are
    measured relative to the unshifted eigenvalue.
    """
    m = min(n, k + max(2, k))
    V = rng.standard_normal((n, m))
    if start is not None:
        V[:, 0] = np.ravel(start)
    V, _ = np.linalg.qr(V)
    count = 0
    for it in range(1, iters + 1):
        W = np.stack([H(V[:, j]) for j in range(m)], axis=1)
        count += m
        T = V.T @ W
        lam, S = np.linalg.eigh((T + T.T) / 2)
        order = np.argsort(-np.abs(lam), kind="stable")
        lam, S = lam[order], S[:, order]
        X, HX = V @ S, W @ S
        res = (np.linalg.norm(HX - X * lam, axis=0)
               / np.maximum(np.abs(lam + shift), 1.0))
        if np.all(res[:k] <= tol) or it == iters or m == n:
            return lam[:k], X[:, :k], res[:k], it, count
        Q, R = np.linalg.qr(HX)
        if np.min(np.abs(np.diag(R))) < 1e-12 * max(np.abs(lam[0]), 1.0):
            # NOTE: H·V lost rank (a zero eigenvalue): refill with fresh directions
            Q, _ = np.linalg.qr(np.concatenate([HX, rng.standard_normal((n, m))], 1))
            Q = Q[:, :m]
        V = Q
    raise AssertionError("unreachable: the loop returns on its last round")


def _extremes(H, n, iters, tol, rng, start):
    """λmax and λmin: the dominant pair, then power iteration on H − λ·I."""
    lam1, v1, r1, it1, c1 = _block_power(H, n, 1, iters, tol, rng, start)
    shift = float(lam1[0])
    if n == 1:
        return np.array([shift, shift]), np.concatenate([v1, v1], 1), \
            np.concatenate([r1, r1]), it1, c1

    def shifted(v: np.ndarray) -> np.ndarray:
        return H(v) - shift * v

    mu, v2, _, it2, c2 = _block_power(shifted, n, 1, iters, tol, rng, None, shift)
    lam2 = float(mu[0]) + shift
    hv2 = H(v2[:, 0])
    r2 = np.linalg.norm(hv2 - lam2 * v2[:, 0]) / max(abs(lam2), 1.0)
    pairs = sorted([(shift, v1[:, 0], float(r1[0])), (lam2, v2[:, 0], r2)],
                   key=lambda p: -p[0])
    return (np.array([p[0] for p in pairs]), np.stack([p[1] for p in pairs], 1),
            np.array([p[2] for p in pairs]), it1 + it2, c1 + c2 + 1)


def sharpness(f: Callable, trajectory: Any, *data: Any, iters: int = 30,
              tol: float = 1e-4, seed: int = 0) -> np.ndarray:
    """The top Hessian eigenvalue (by magnitude) at each snapshot of a trajectory.

    Each search starts from the previous snapshot's eigenvector, so a few power
    iterations per snapshot suffice along a smooth path.

    Args:
        f: the loss ``f(*params, *data)``.
        trajectory: parameter snapshots (a `Trainer` that recorded them, its
            ``trajectory``, a `Path` or a list).
        *data: f's other arguments.
        iters: most power iterations per snapshot.
        tol: relative residual to stop at.
        seed: seeds the first starting vector.
    """
    out, start, unsure = [], None, []
    for t, snap in enumerate(snapshots(trajectory)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            c = curvature(f, snap, *data, k=1, iters=iters, tol=tol, seed=seed,
                          start=start)
        out.append(float(c.eigenvalues[0]))
        start = c.vectors[:, 0]
        if not c.converged:
            unsure.append(t)
    if unsure:
        warnings.warn(
            f"sharpness: power iteration did not reach tol {tol:g} within {iters} "
            f"rounds at snapshots {unsure}; those values may be off. Raise iters.",
            RuntimeWarning, stacklevel=2)
    return np.array(out)
