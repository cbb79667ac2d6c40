"""numpy.linalg, differentiable: norm, det, slogdet, inv, solve, cholesky, eigh, svd...

On traced values: primitives (inv, det, ln|det|, solve, pinv, the 2-norm, cholesky,
eigh's values and vectors, the SVD's U, s, Vh) and compositions of them (the other
norms, cond, lstsq, matrix_power, multi_dot); on plain arrays, numpy.linalg itself.
eig and eigvals (complex in general) and qr are refused on traced values, naming the
alternative; every other name is numpy.linalg's. Layer 2.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from .. import primitives as P
from ..primitives import shape_of
from ..primitives.linalg import matrix_t
from ._arrays import diagonal as _diagonal
from ._dispatch import (
    assemble,
    constant,
    differentiable,
    no_out,
    numpy_attr,
    on_values,
    refused,
)
from ._products import cross as _cross
from ._products import tensordot as _tensordot
from ._shapes import moveaxis

__all__ = ["norm", "vector_norm", "matrix_norm", "det", "slogdet", "inv", "pinv",
           "solve", "cholesky", "eigh", "eigvalsh", "svd", "svdvals", "cond", "lstsq",
           "matrix_power", "multi_dot", "matrix_rank", "eig", "eigvals", "qr",
           "tensorsolve", "tensorinv", "matmul", "outer", "tensordot", "cross",
           "vecdot", "trace", "diagonal", "matrix_transpose", "LinAlgError",
           "SlogdetResult", "EighResult", "SVDResult"]

LinAlgError = np.linalg.LinAlgError
SlogdetResult = namedtuple("SlogdetResult", "sign logabsdet")
EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])


def _linalg(name: str) -> Any:
    """A decorator making ``impl`` numpy.linalg's ``name`` (numpy on plain arrays)."""
    return differentiable(numpy_attr(f"linalg.{name}"), f"linalg.{name}")


# --- determinants and inverses -------------------------------------------------------

det = _linalg("det")(lambda a: P.det(assemble(a)))
inv = _linalg("inv")(lambda a: P.inv(assemble(a)))
solve = _linalg("solve")(lambda a, b: P.solve(assemble(a), assemble(b)))


@_linalg("slogdet")
def slogdet(a: Any) -> SlogdetResult:
    """(sign, ln|det a|): the sign is a constant, ln|det| is differentiable."""
    a = assemble(a)
    sign = np.linalg.slogdet(constant(a, "np.linalg.slogdet"))[0]
    return SlogdetResult(sign, P.logabsdet(a))


@_linalg("pinv")
def pinv(a: Any, rcond: Any = None, hermitian: bool = False, **kwargs: Any) -> Any:
    """The Moore-Penrose pseudo-inverse (numpy's default cutoff for small values)."""
    if rcond is not None or hermitian or kwargs:
        raise TypeError("linalg.pinv of a traced value takes no rcond, rtol or "
                        "hermitian: its derivative holds where the rank is constant.")
    return P.pinv(assemble(a))


@_linalg("cholesky")
def cholesky(a: Any, /, *, upper: bool = False) -> Any:
    """L with a = L·Lᵀ (Lᵀ if upper); numpy reads a's lower (upper) triangle."""
    a = assemble(a)
    return matrix_t(P.cholesky(matrix_t(a))) if upper else P.cholesky(a)


def _symmetric_part(a: Any, uplo: str) -> Any:
    """eigh reads one triangle: the upper one is the lower one of aᵀ."""
    a = assemble(a)
    return matrix_t(a) if uplo.upper() == "U" else a


@_linalg("eigh")
def eigh(a: Any, UPLO: str = "L") -> EighResult:  # noqa: N803 - numpy's name
    """Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix."""
    a = _symmetric_part(a, UPLO)
    return EighResult(P.eigvalsh(a), P.eigh_vectors(a))


@_linalg("eigvalsh")
def eigvalsh(a: Any, UPLO: str = "L") -> Any:  # noqa: N803
    """Eigenvalues (ascending) of a symmetric matrix."""
    return P.eigvalsh(_symmetric_part(a, UPLO))


@_linalg("svd")
def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True,
        hermitian: bool = False) -> Any:
    """U, s, Vh with a = U·diag(s)·Vh (reduced), or s alone."""
    a = assemble(a)
    if not compute_uv:
        return P.svdvals(a)
    m, n = shape_of(a)[-2:]
    if full_matrices and m != n:
        raise ValueError(f"linalg.svd(full_matrices=True) of a traced {m}×{n} matrix: "
                         "the extra singular vectors are not unique, so they have no "
                         "derivative. Pass full_matrices=False.")
    return SVDResult(P.svd_u(a), P.svdvals(a), P.svd_vh(a))


svdvals = _linalg("svdvals")(lambda x: P.svdvals(assemble(x)))

# --- norms ---------------------------------------------------------------------------


def _vector_norm(x: Any, ord: Any, axis: int, keepdims: bool) -> Any:  # noqa: A002
    if ord is None or ord == 2:
        return P.norm(x, axis=axis, keepdims=keepdims)
    size = P.abs(x)
    if ord == np.inf:
        return P.max(size, axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return P.neg(P.max(P.neg(size), axis=axis, keepdims=keepdims))
    if ord == 0:
        return np.linalg.norm(constant(x, "np.linalg.norm"), 0, axis, keepdims)  # count
    if ord == 1:
        return P.sum(size, axis=axis, keepdims=keepdims)
    return P.pow(P.sum(P.pow(size, float(ord)), axis=axis, keepdims=keepdims),
                 1.0 / ord)


def _matrix_norm(x: Any, ord: Any, axes: tuple[int, int], keepdims: bool) -> Any:  # noqa: A002
    row, col = axes
    if ord is None or ord == "fro":
        return P.norm(x, axis=axes, keepdims=keepdims)
    if ord in ("nuc", 2, -2):
        s = P.svdvals(moveaxis(x, (row, col), (-2, -1)))
        out = {"nuc": P.sum(s, axis=-1), 2: P.max(s, axis=-1),
               -2: P.neg(P.max(P.neg(s), axis=-1))}[ord]
    elif ord in (1, -1, np.inf, -np.inf):
        summed, other = (row, col) if ord in (1, -1) else (col, row)
        sums = P.sum(P.abs(x), axis=summed)
        other -= 1 if other > summed else 0
        sign = 1.0 if ord > 0 else -1.0
        out = sign * P.max(sign * sums, axis=other)
    else:
        raise ValueError("Invalid norm order for matrices.")
    if keepdims:
        out = P.reshape(out, shape=tuple(1 if k in axes else n
                                         for k, n in enumerate(shape_of(x))))
    return out


@_linalg("norm")
def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A002
    """numpy's vector and matrix norms.

    The 2-norm (Frobenius) is one node, whose derivative at 0 is 0 (a subgradient);
    the others are compositions.
    """
    x = assemble(x)
    nd = len(shape_of(x))
    if axis is None:
        if ord is None:
            out = P.norm(x, axis=None, keepdims=False)
            return P.reshape(out, shape=(1,) * nd) if keepdims else out
        if nd not in (1, 2):
            raise ValueError("Improper number of dimensions to norm.")
        axis = tuple(range(nd))
    axes = tuple(int(a) % nd for a in np.atleast_1d(axis))
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    if len(axes) == 2:
        return _matrix_norm(x, ord, axes, keepdims)
    raise ValueError("Improper number of dimensions to norm.")


@_linalg("vector_norm")
def vector_norm(x: Any, /, *, axis: Any = None, keepdims: bool = False,
                ord: Any = 2) -> Any:  # noqa: A002
    """The p-norm over axis (all entries by default)."""
    x = assemble(x)
    if axis is None:
        flat = _vector_norm(P.reshape(x, shape=(-1,)), ord, 0, False)
        return P.reshape(flat, shape=(1,) * len(shape_of(x))) if keepdims else flat
    axes = tuple(np.atleast_1d(axis))
    if len(axes) == 1:
        return _vector_norm(x, ord, int(axes[0]), keepdims)
    if ord in (None, 2):
        return P.norm(x, axis=tuple(int(a) for a in axes), keepdims=keepdims)
    raise TypeError("linalg.vector_norm over several axes of a traced value: only "
                    "ord=2 is differentiated.")


matrix_norm = _linalg("matrix_norm")(
    lambda x, /, *, keepdims=False, ord="fro": norm(x, ord, (-2, -1), keepdims))


@_linalg("cond")
def cond(x: Any, p: Any = None) -> Any:
    """The condition number: σ_max/σ_min (p = None, 2), or ‖x‖·‖x⁻¹‖ in the p-norm."""
    x = assemble(x)
    if p in (None, 2, -2):
        s = P.svdvals(x)
        top, low = P.max(s, axis=-1), P.neg(P.max(P.neg(s), axis=-1))
        return top / low if p != -2 else low / top
    return norm(x, p, (-2, -1)) * norm(P.inv(x), p, (-2, -1))


# --- least squares, powers, chains ---------------------------------------------------


@_linalg("lstsq")
def lstsq(a: Any, b: Any, rcond: Any = None) -> tuple:
    """The least-squares solution x = pinv(a)·b, residuals, rank, singular values.

    The rank is a number; the rest is differentiable.
    """
    a, b = assemble(a), assemble(b)
    x = P.matmul(P.pinv(a), b)
    m, n = shape_of(a)
    rank = int(np.linalg.matrix_rank(constant(a, "np.linalg.lstsq")))
    if rank == n and m > n:
        r = P.matmul(a, x) - b
        res = P.sum(r * r, axis=0)
        res = P.reshape(res, shape=(1,)) if not shape_of(res) else res
    else:
        res = np.empty((0,))
    return x, res, rank, P.svdvals(a)


@_linalg("matrix_power")
def matrix_power(a: Any, n: int) -> Any:
    """a·a·…·a (n times; the inverse's powers for n < 0), by repeated squaring."""
    a = assemble(a)
    if n < 0:
        a, n = P.inv(a), -n
    result = None
    while n:
        if n & 1:
            result = a if result is None else P.matmul(result, a)
        n >>= 1
        if n:
            a = P.matmul(a, a)
    if result is None:
        return np.broadcast_to(np.eye(shape_of(a)[-1]), shape_of(a)).copy()
    return result


@_linalg("multi_dot")
def multi_dot(arrays: Any, *, out: Any = None) -> Any:
    """A chain of matrix products, left to right."""
    no_out("linalg.multi_dot", out)
    pieces = [assemble(a) for a in arrays]
    result = pieces[0]
    for piece in pieces[1:]:
        result = P.matmul(result, piece)
    return result


# --- numpy 2's array-API names in linalg ---------------------------------------------

matmul = _linalg("matmul")(lambda x1, x2, /: P.matmul(assemble(x1), assemble(x2)))
outer = _linalg("outer")(lambda x1, x2, /: P.mul(
    P.reshape(assemble(x1), shape=(-1, 1)), P.reshape(assemble(x2), shape=(1, -1))))
tensordot = _linalg("tensordot")(lambda x1, x2, /, *, axes=2: _tensordot(x1, x2, axes))
cross = _linalg("cross")(lambda x1, x2, /, *, axis=-1: _cross(x1, x2, axis=axis))
vecdot = _linalg("vecdot")(lambda x1, x2, /, *, axis=-1: P.sum(
    assemble(x1) * assemble(x2), axis=axis))
diagonal = _linalg("diagonal")(lambda x, /, *, offset=0: _diagonal(x, offset, -2, -1))
trace = _linalg("trace")(lambda x, /, *, offset=0, dtype=None: P.sum(
    _diagonal(x, offset, -2, -1), axis=-1))
matrix_transpose = _linalg("matrix_transpose")(lambda x, /: matrix_t(assemble(x)))

# --- constants and refusals ----------------------------------------------------------

matrix_rank = on_values(np.linalg.matrix_rank, "linalg.matrix_rank")
eig = refused(np.linalg.eig, "Its eigenvalues are complex in general. For a symmetric "
              "matrix use np.linalg.eigh (differentiable).", "linalg.eig")
eigvals = refused(np.linalg.eigvals, "They are complex in general. For a symmetric "
                  "matrix use np.linalg.eigvalsh (differentiable).", "linalg.eigvals")
qr = refused(np.linalg.qr, "For least squares use np.linalg.lstsq or solve(A.T @ A, "
             "A.T @ b); for an orthonormal basis, np.linalg.svd.", "linalg.qr")
tensorsolve = refused(np.linalg.tensorsolve, "Reshape to a matrix and a vector and use "
                      "np.linalg.solve.", "linalg.tensorsolve")
tensorinv = refused(np.linalg.tensorinv, "Reshape to a matrix and use np.linalg.inv.",
                    "linalg.tensorinv")


def __getattr__(name: str) -> Any:
    """Every other name is numpy.linalg's."""
    try:
        return getattr(np.linalg, name)
    except AttributeError:
        raise AttributeError(f"module 'mlgraph.numpy.linalg' has no attribute {name!r} "
                             "(nor has numpy.linalg)") from None
