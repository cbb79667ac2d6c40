"""Matrix decompositions: Cholesky, the symmetric eigendecomposition and the SVD.

A decomposition has several results, a primitive has one: eigh is two primitives
(eigvalsh: the eigenvalues w, eigh_vectors: the eigenvectors V), the reduced SVD three
(svd_u, svdvals, svd_vh). Each rule uses the others, so derivatives of derivatives
work. numpy reads only the lower triangle of the matrix given to cholesky and eigh;
their cotangents say so (nothing flows into the upper triangle). One block per
primitive: forward, jvp, vjp.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .core import define, shape_of, value_of
from .elementwise import where
from .linalg import matmul, matrix_t, solve, stacked
from .reductions import sum
from .shapes import reshape

__all__ = ["cholesky", "eigvalsh", "eigh_vectors", "svdvals", "svd_u", "svd_vh"]


# --- triangles ------------------------------------------------------------------------


def _masks(m: Any) -> tuple[np.ndarray, np.ndarray]:
    """(strictly lower, diagonal) masks for the last two axes of m."""
    n = shape_of(m)[-1]
    return np.tri(n, k=-1, dtype=bool), np.eye(n, dtype=bool)


def _sym_lower(a_dot: Any) -> Any:
    """The symmetric matrix numpy sees when only the lower triangle is read."""
    strict, diag = _masks(a_dot)
    return where(strict | diag, a_dot, matrix_t(a_dot))


def _fold_lower(g: Any) -> Any:
    """A cotangent of the symmetric matrix, sent to the lower triangle numpy reads."""
    strict, diag = _masks(g)
    return where(strict, g + matrix_t(g), where(diag, g, 0.0))


def _phi(m: Any) -> Any:
    """The lower triangle with its diagonal halved."""
    strict, diag = _masks(m)
    return where(diag, 0.5 * m, where(strict, m, 0.0))


def _sandwich_inv(lower: Any, m: Any) -> Any:
    """L⁻¹·M·L⁻ᵀ, by two solves."""
    return matrix_t(solve(lower, matrix_t(solve(lower, m))))


def _cols(v: Any) -> Any:
    """A (stack of) vector(s) as a row, to scale the columns of a matrix."""
    return reshape(v, shape=shape_of(v)[:-1] + (1, shape_of(v)[-1]))


def _rows(v: Any) -> Any:
    """A (stack of) vector(s) as a column, to scale the rows of a matrix."""
    return reshape(v, shape=shape_of(v) + (1,))


# --- Cholesky ------------------------------------------------------------------------


def _cholesky_vjp(out_bar, x, *, out):
    # S = L⁻ᵀ·Φ(Lᵀ·L̄)·L⁻¹, then folded onto the lower triangle (Murray 2016)
    lower_t = matrix_t(out)
    left = solve(lower_t, _phi(matmul(lower_t, out_bar)))
    return _fold_lower(matrix_t(solve(lower_t, matrix_t(left))))


cholesky = define(
    "cholesky", np.linalg.cholesky,         # X = L·Lᵀ with L lower triangular
    jvp=(lambda x_dot, x, *, out:                                # L̇ = L·Φ(L⁻¹·Ẋ·L⁻ᵀ)
         matmul(out, _phi(_sandwich_inv(out, _sym_lower(x_dot)))),),
    vjp=(_cholesky_vjp,),                                        # X̄ = L⁻ᵀ·Φ(Lᵀ·L̄)·L⁻¹
    symbol="cholesky", partials=("L⁻ᵀ·Φ(Lᵀ·(·))·L⁻¹",),
    numpy_names=("linalg.cholesky",),
    batch=stacked,
)

# --- symmetric eigendecomposition ----------------------------------------------------


def _gaps(w: Any, what: str) -> Any:
    """F with Fᵢⱼ = 1/(wⱼ − wᵢ) off the diagonal, 0 on it.

    Raises:
        ValueError: for a repeated value: there the vectors have no derivative.
    """
    diff = _cols(w) - _rows(w)
    diag = np.eye(shape_of(w)[-1], dtype=bool)
    if np.any(np.equal(value_of(diff), 0) & ~diag):
        raise ValueError(
            f"this matrix has a repeated {what}, so its {what[:-5]}vectors are not "
            "unique and have no derivative. Differentiate a function of the values "
            "only, or of the subspace they span.")
    return where(diag, 0.0, 1.0 / where(diag, 1.0, diff))


eigvalsh = define(
    "eigvalsh", np.linalg.eigvalsh,         # w, ascending, of the symmetric matrix X
    jvp=(lambda x_dot, x, *, out:                                # ẇᵢ = vᵢᵀ·Ẋ·vᵢ
         sum(eigh_vectors(x) * matmul(_sym_lower(x_dot), eigh_vectors(x)), axis=-2),),
    vjp=(lambda out_bar, x, *, out:                              # X̄ = V·diag(w̄)·Vᵀ
         _fold_lower(matmul(eigh_vectors(x) * _cols(out_bar),
                            matrix_t(eigh_vectors(x)))),),
    symbol="eigvals", partials=("vᵢ·vᵢᵀ",), numpy_names=("linalg.eigvalsh",),
    batch=stacked,
)


def _eigh_vectors_forward(x):
    return np.linalg.eigh(x)[1]


def _eigh_vectors_jvp(x_dot, x, *, out):
    # V̇ = V·(F ∘ (Vᵀ·Ẋ·V))
    f = _gaps(eigvalsh(x), "eigenvalue")
    return matmul(out, f * matmul(matrix_t(out), matmul(_sym_lower(x_dot), out)))


def _eigh_vectors_vjp(out_bar, x, *, out):
    # X̄ = V·(F ∘ (Vᵀ·V̄))·Vᵀ
    f = _gaps(eigvalsh(x), "eigenvalue")
    return _fold_lower(matmul(matmul(out, f * matmul(matrix_t(out), out_bar)),
                              matrix_t(out)))


eigh_vectors = define(
    "eigh_vectors", _eigh_vectors_forward,  # V (columns), X = V·diag(w)·Vᵀ
    jvp=(_eigh_vectors_jvp,), vjp=(_eigh_vectors_vjp,),
    symbol="eigvecs", partials=("V·(F ∘ Vᵀ(·)V)",),
    batch=stacked,
)

# --- singular value decomposition (reduced: U is m×k, Vh is k×n, k = min(m, n)) ------


def _svdvals_forward(x):
    return np.linalg.svd(x, compute_uv=False)


def _svd_u_forward(x):
    return np.linalg.svd(x, full_matrices=False)[0]


def _svd_vh_forward(x):
    return np.linalg.svd(x, full_matrices=False)[2]


def _svd_factors(x: Any) -> tuple[Any, Any, Any]:
    """U, s, V of x (recorded on traced values)."""
    return svd_u(x), svdvals(x), matrix_t(svd_vh(x))


def _inv_s(s: Any, x: Any) -> Any:
    """1/s, refusing a zero singular value (its missing direction has no derivative)."""
    if np.any(np.equal(value_of(s), 0)):
        raise ValueError(f"this {shape_of(x)[-2]}×{shape_of(x)[-1]} matrix is rank "
                         "deficient (a singular value is 0), so the singular vectors "
                         "of its missing directions have no derivative.")
    return 1.0 / s


svdvals = define(
    "svdvals", _svdvals_forward,         # s, descending
    jvp=(lambda x_dot, x, *, out:                                # ṡᵢ = uᵢᵀ·Ẋ·vᵢ
         sum(svd_u(x) * matmul(x_dot, matrix_t(svd_vh(x))), axis=-2),),
    vjp=(lambda out_bar, x, *, out:                              # X̄ = U·diag(s̄)·Vᵀ
         matmul(svd_u(x) * _cols(out_bar), svd_vh(x)),),
    symbol="svdvals", partials=("uᵢ·vᵢᵀ",), numpy_names=("linalg.svdvals",),
    batch=stacked,
)


def _svd_u_jvp(x_dot, x, *, out):
    # U̇ = U·(F ∘ (Ṗ·S + S·Ṗᵀ)) + (I − U·Uᵀ)·Ẋ·V·S⁻¹,  Ṗ = Uᵀ·Ẋ·V
    u, s, v = _svd_factors(x)
    f = _gaps(s * s, "singular value")
    xv = matmul(x_dot, v)
    p = matmul(matrix_t(u), xv)
    t = matmul(u, f * (p * _cols(s) + _rows(s) * matrix_t(p)))
    if shape_of(x)[-2] > shape_of(s)[-1]:
        t = t + (xv - matmul(u, p)) * _cols(_inv_s(s, x))
    return t


def _svd_u_vjp(out_bar, x, *, out):
    # X̄ = U·((J + Jᵀ)·S)·Vᵀ + (I − U·Uᵀ)·Ū·S⁻¹·Vᵀ,  J = F ∘ (Uᵀ·Ū)
    u, s, v = _svd_factors(x)
    j = _gaps(s * s, "singular value") * matmul(matrix_t(u), out_bar)
    t = matmul(u, (j + matrix_t(j)) * _cols(s))
    if shape_of(x)[-2] > shape_of(s)[-1]:
        rest = out_bar - matmul(u, matmul(matrix_t(u), out_bar))
        t = t + rest * _cols(_inv_s(s, x))
    return matmul(t, matrix_t(v))


svd_u = define(
    "svd_u", _svd_u_forward,             # U: the left singular vectors (columns)
    jvp=(_svd_u_jvp,), vjp=(_svd_u_vjp,),
    symbol="svd U", partials=("U·(F ∘ …) + (I − UUᵀ)(·)VS⁻¹",),
    batch=stacked,
)


def _svd_vh_jvp(x_dot, x, *, out):
    # V̇ = V·(F ∘ (S·Ṗ + Ṗᵀ·S)) + (I − V·Vᵀ)·Ẋᵀ·U·S⁻¹,  and V̇h = V̇ᵀ
    u, s, v = _svd_factors(x)
    f = _gaps(s * s, "singular value")
    xu = matmul(matrix_t(x_dot), u)
    p_t = matmul(matrix_t(v), xu)                                # Ṗᵀ = Vᵀ·Ẋᵀ·U
    t = matmul(v, f * (_rows(s) * matrix_t(p_t) + p_t * _cols(s)))
    if shape_of(x)[-1] > shape_of(s)[-1]:
        t = t + (xu - matmul(v, p_t)) * _cols(_inv_s(s, x))
    return matrix_t(t)


def _svd_vh_vjp(out_bar, x, *, out):
    # X̄ = U·(S·(K + Kᵀ))·Vᵀ + U·S⁻¹·V̄ᵀ·(I − V·Vᵀ),  K = F ∘ (Vᵀ·V̄),  V̄ = V̄hᵀ
    u, s, v = _svd_factors(x)
    v_bar = matrix_t(out_bar)
    k = _gaps(s * s, "singular value") * matmul(matrix_t(v), v_bar)
    t = matmul(matmul(u, _rows(s) * (k + matrix_t(k))), matrix_t(v))
    if shape_of(x)[-1] > shape_of(s)[-1]:
        rest = (v_bar - matmul(v, matmul(matrix_t(v), v_bar))) * _cols(_inv_s(s, x))
        t = t + matmul(u, matrix_t(rest))
    return t


svd_vh = define(
    "svd_vh", _svd_vh_forward,           # Vh = Vᵀ: the right singular vectors (rows)
    jvp=(_svd_vh_jvp,), vjp=(_svd_vh_vjp,),
    symbol="svd Vᵀ", partials=("(V·(F ∘ …) + (I − VVᵀ)(·)ᵀUS⁻¹)ᵀ",),
    batch=stacked,
)
