"""Linear algebra: @, inverse, determinant, ln|det|, solve, pinv, the 2-norm, einsum.

The matrix product is numpy's ``@``, with its 1-D and batched forms. One block per
primitive: forward, jvp, vjp, then what its errors and the gradient checker need to
know about it. Matrix functions work on stacks of matrices (the last two axes), as
numpy.linalg does; their rules are written with primitives, so derivatives of
derivatives work.
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from . import batching
from .core import define, shape_of, value_of
from .elementwise import where
from .reductions import keep_axes, sum
from .shapes import broadcast_to, getitem, reshape, transpose

__all__ = ["matmul", "inv", "det", "logabsdet", "solve", "pinv", "norm", "einsum",
           "matrix_t", "diagonal_of", "stacked"]


def _matmul_vjp_x(out_bar, x, y, *, out):
    if x.ndim == 2 and y.ndim == 2:    # the common case first: x̄ = ōut·yᵀ
        return matmul(out_bar, y.T)
    xs, ys = shape_of(x), shape_of(y)
    if len(xs) == 1 and len(ys) == 1:  # (k,) @ (k,) -> (): x̄ = ōut·y
        return out_bar * y
    if len(ys) == 1:                   # (…, k) @ (k,) -> (…): x̄ = ōut ⊗ y
        return reshape(out_bar, shape=shape_of(out_bar) + (1,)) * y
    if len(xs) == 1:                   # (k,) @ (…, k, m) -> (…, m): x̄ = y·ōut
        return matmul(y, reshape(out_bar, shape=shape_of(out_bar) + (1,)))[..., 0]
    if len(ys) == 2:
        return matmul(out_bar, y.T)                                   # x̄ = ōut·yᵀ
    return matmul(out_bar, transpose(y, axes=_swap_last(len(ys))))


def _matmul_vjp_y(out_bar, x, y, *, out):
    if x.ndim == 2 and y.ndim == 2:    # the common case first: ȳ = xᵀ·ōut
        return matmul(x.T, out_bar)
    xs, ys = shape_of(x), shape_of(y)
    if len(xs) == 1 and len(ys) == 1:  # (k,) @ (k,) -> (): ȳ = ōut·x
        return out_bar * x
    if len(xs) == 1:                   # (k,) @ (…, k, m): ȳ = x ⊗ ōut
        return reshape(x, shape=(xs[0], 1)) * reshape(
            out_bar, shape=shape_of(out_bar)[:-1] + (1, shape_of(out_bar)[-1]))
    if len(ys) == 1:                   # (…, n, k) @ (k,): ȳ = xᵀ·ōut
        return matmul(transpose(x, axes=_swap_last(len(xs))),
                      reshape(out_bar, shape=shape_of(out_bar) + (1,)))[..., 0]
    if len(xs) == 2:
        return matmul(x.T, out_bar)                                   # ȳ = xᵀ·ōut
    return matmul(transpose(x, axes=_swap_last(len(xs))), out_bar)


def _swap_last(ndim: int) -> tuple[int, ...]:
    return tuple(range(ndim - 2)) + (ndim - 1, ndim - 2)


def _matmul_hint(shapes: list[tuple[int, ...]]) -> str:
    a, b = shapes
    if not (a and b):
        return "matmul needs operands with at least one axis; use * for scalars."
    k_b = b[-2] if len(b) > 1 else b[0]
    return (f"@ needs the last axis of the left operand ({a[-1]}) to equal the "
            f"{'second-to-last' if len(b) > 1 else 'only'} axis of the right one "
            f"({k_b}). A transpose (.T) is often what is missing.")


def _matmul_entry_update(argnum: int, index: tuple, delta: float, x: Any, y: Any, *,
                         out: Any) -> Any:
    """z = x·y after one entry of x or y moved by δ, or ``None`` unless both are 2-D.

    x[r, c] += δ changes only row r of z, by δ·y[c, :]; y[r, c] += δ only column c, by
    δ·x[:, r].
    """
    if len(index) != 2 or np.ndim(x) != 2 or np.ndim(y) != 2:
        return None
    r, c = index
    new = np.array(out, copy=True)
    if argnum == 1:
        new[:, c] += delta * np.asarray(x)[:, r]
    else:
        new[r, :] += delta * np.asarray(y)[c, :]
    return new


def _matmul_entry_terms(index: tuple, x: Any, y: Any) -> list[tuple[Any, Any]] | None:
    """z[index] = Σₖ x[r, k]·y[k, c] as its pairs (x[r, k], y[k, c]).

    For vectors and matrices; ``None`` for a batch of them.
    """
    x, y = np.asarray(x), np.asarray(y)
    if not (1 <= x.ndim <= 2 and 1 <= y.ndim <= 2):
        return None
    row = x if x.ndim == 1 else x[index[0]]
    col = y if y.ndim == 1 else y[:, index[-1]]
    return list(zip(row.tolist(), col.tolist(), strict=True))


matmul = define(
    "matmul", np.matmul,
    jvp=(lambda x_dot, x, y, *, out: matmul(x_dot, y),           # ż = ẋ·y + x·ẏ
         lambda y_dot, x, y, *, out: matmul(x, y_dot)),
    vjp=(_matmul_vjp_x, _matmul_vjp_y),                          # x̄ = z̄·yᵀ,  ȳ = xᵀ·z̄
    symbol="@", infix=True, partials=("{1}ᵀ", "{0}ᵀ"), hint=_matmul_hint,
    entry_update=_matmul_entry_update, entry_terms=_matmul_entry_terms,
    ufuncs=(np.matmul,), numpy_names=("matmul",),
    batch=batching.matmul,
)

# --- helpers the matrix rules share --------------------------------------------------


def matrix_t(x: Any) -> Any:
    """xᵀ over the last two axes (a stack of matrices stays a stack)."""
    n = len(shape_of(x))
    return transpose(x, axes=None if n == 2 else _swap_last(n))


def diagonal_of(m: Any) -> Any:
    """The diagonals of a (stack of) square matrices, as a (stack of) vectors."""
    k = np.arange(shape_of(m)[-1])
    return getitem(m, index=(Ellipsis, k, k))


def _column(v: Any) -> Any:
    return reshape(v, shape=shape_of(v) + (1,))


def _as_vector(m: Any) -> Any:
    return getitem(m, index=(Ellipsis, 0))


def _eye(n: int, like: Any) -> np.ndarray:
    """The n×n identity in like's dtype (a constant)."""
    return np.eye(n, dtype=np.result_type(value_of(like)))


def stacked(forward: Any, args: Any, batched: Any, b: int, **params: Any) -> Any:
    """Batching rule: the batch axis is one more stack axis of numpy.linalg's stacks."""
    return forward(args[0], **params)


# --- inverse and determinant ---------------------------------------------------------

inv = define(
    "inv", np.linalg.inv,
    jvp=(lambda x_dot, x, *, out: -matmul(matmul(out, x_dot), out),),   # Ẏ = −Y·Ẋ·Y
    vjp=(lambda out_bar, x, *, out:                              # X̄ = −Yᵀ·Ȳ·Yᵀ
         -matmul(matmul(matrix_t(out), out_bar), matrix_t(out)),),
    symbol="inv", partials=("−{out}·(·)·{out}",), numpy_names=("linalg.inv",),
    batch=stacked,
)


def _scalars_as_matrices(s: Any) -> Any:
    return reshape(s, shape=shape_of(s) + (1, 1))


det = define(
    "det", np.linalg.det,
    # NOTE: the rules use X⁻¹, so a singular matrix (det 0) has its derivative (the
    # adjugate) refused with numpy's LinAlgError rather than computed imprecisely.
    jvp=(lambda x_dot, x, *, out:                                # ḋ = d·tr(X⁻¹·Ẋ)
         out * sum(diagonal_of(matmul(inv(x), x_dot)), axis=-1),),
    vjp=(lambda out_bar, x, *, out:                              # X̄ = d̄·d·X⁻ᵀ
         _scalars_as_matrices(out_bar * out) * matrix_t(inv(x)),),
    symbol="det", partials=("{out}·{0}⁻ᵀ",), numpy_names=("linalg.det",),
    batch=stacked,
)


def _logabsdet_forward(x):
    return np.linalg.slogdet(x)[1]


logabsdet = define(
    "logabsdet", _logabsdet_forward,        # ln|det X|, the second half of slogdet
    jvp=(lambda x_dot, x, *, out:                                # ẏ = tr(X⁻¹·Ẋ)
         sum(diagonal_of(matmul(inv(x), x_dot)), axis=-1),),
    vjp=(lambda out_bar, x, *, out:                              # X̄ = ȳ·X⁻ᵀ
         _scalars_as_matrices(out_bar) * matrix_t(inv(x)),),
    symbol="ln|det|", partials=("{0}⁻ᵀ",),
    batch=stacked,
)

# --- linear systems ------------------------------------------------------------------


def _is_vector_rhs(b: Any) -> bool:
    """numpy 2's rule: solve(a, b) treats b as one vector only when b is 1-D."""
    return len(shape_of(b)) == 1


def _solve_b_bar(out_bar, a, b):                                 # b̄ = A⁻ᵀ·z̄
    if _is_vector_rhs(b):
        return _as_vector(solve(matrix_t(a), _column(out_bar)))
    return solve(matrix_t(a), out_bar)


def _solve_a_bar(out_bar, a, b, out):                            # Ā = −b̄·zᵀ
    b_bar = _solve_b_bar(out_bar, a, b)
    if _is_vector_rhs(b):
        return -(_column(b_bar) * _row(out))
    return -matmul(b_bar, matrix_t(out))


def _row(v: Any) -> Any:
    return reshape(v, shape=shape_of(v)[:-1] + (1, shape_of(v)[-1]))


def _solve_a_dot(a_dot, a, b, out):                              # ż = −A⁻¹·Ȧ·z
    if _is_vector_rhs(b):
        return -_as_vector(solve(a, matmul(a_dot, _column(out))))
    return -solve(a, matmul(a_dot, out))


solve = define(
    "solve", np.linalg.solve,               # z = A⁻¹·b, without forming A⁻¹
    jvp=(lambda a_dot, a, b, *, out: _solve_a_dot(a_dot, a, b, out),  # ż = A⁻¹(ḃ − Ȧz)
         lambda b_dot, a, b, *, out: solve(a, b_dot)),
    vjp=(lambda out_bar, a, b, *, out: _solve_a_bar(out_bar, a, b, out),  # Ā = −b̄·zᵀ
         lambda out_bar, a, b, *, out: _solve_b_bar(out_bar, a, b)),      # b̄ = A⁻ᵀ·z̄
    symbol="solve", partials=("−{0}⁻ᵀ(·){out}ᵀ", "{0}⁻ᵀ"),
    numpy_names=("linalg.solve",),
    # NOTE: no batching rule: whether b is read as one vector or as a matrix depends on
    # its rank, which a batch axis changes; each point is solved on its own.
    batch=None,
)


def _projectors(x, p):
    """(I − X·P, I − P·X): the projections onto what X's range and row space miss."""
    m, n = shape_of(x)[-2:]
    return _eye(m, x) - matmul(x, p), _eye(n, x) - matmul(p, x)


def _pinv_jvp(x_dot, x, *, out):
    # Ṗ = −P·Ẋ·P + P·Pᵀ·Ẋᵀ·(I − X·P) + (I − P·X)·Ẋᵀ·Pᵀ·P   (P of constant rank)
    p, p_t, x_dot_t = out, matrix_t(out), matrix_t(x_dot)
    left, right = _projectors(x, p)
    return (-matmul(matmul(p, x_dot), p) + matmul(matmul(matmul(p, p_t), x_dot_t), left)
            + matmul(matmul(right, x_dot_t), matmul(p_t, p)))


def _pinv_vjp(out_bar, x, *, out):
    # X̄ = −Pᵀ·P̄·Pᵀ + (I − X·P)·P̄ᵀ·P·Pᵀ + Pᵀ·P·P̄ᵀ·(I − P·X)
    p, p_t, g_t = out, matrix_t(out), matrix_t(out_bar)
    left, right = _projectors(x, p)
    return (-matmul(matmul(p_t, out_bar), p_t)
            + matmul(matmul(left, g_t), matmul(p, p_t))
            + matmul(matmul(matmul(p_t, p), g_t), right))


pinv = define(
    "pinv", np.linalg.pinv,                 # the Moore-Penrose pseudo-inverse P
    # NOTE: the rules hold where the rank of X does not change (almost everywhere).
    jvp=(_pinv_jvp,), vjp=(_pinv_vjp,),
    symbol="pinv", partials=("−{out}·(·)·{out} + …",), numpy_names=("linalg.pinv",),
    batch=stacked,
)

# --- the Euclidean norm --------------------------------------------------------------


def _norm_forward(x, *, axis=None, keepdims=False):
    if isinstance(axis, tuple) and len(axis) > 2:   # beyond numpy.linalg.norm's axes
        return np.sqrt(np.add.reduce(x * x, axis=axis, keepdims=keepdims))
    return np.linalg.norm(x, axis=axis, keepdims=keepdims)


def _over_norm(g, x, out, axis, keepdims):
    """g/‖x‖ shaped to broadcast against x, and 0 where ‖x‖ = 0 (selected, not 0·∞)."""
    zero = value_of(out) == 0
    q = where(zero, 0.0, g / where(zero, 1.0, out))
    return keep_axes(q, shape_of(x), axis, keepdims)


def _norm_branch(x, *, out, axis=None, keepdims=False):
    return value_of(out) > 0


norm = define(
    "norm", _norm_forward,                  # ‖x‖₂ of a vector, ‖X‖_F of a matrix
    # NOTE: at x = 0 the norm has no derivative; 0 is taken (a subgradient).
    jvp=(lambda x_dot, x, *, out, axis=None, keepdims=False:     # ẏ = ⟨x, ẋ⟩/‖x‖
         sum(x_dot * _over_norm(1.0, x, out, axis, keepdims) * x, axis=axis,
             keepdims=keepdims),),
    vjp=(lambda out_bar, x, *, out, axis=None, keepdims=False:   # x̄ = ȳ·x/‖x‖
         _over_norm(out_bar, x, out, axis, keepdims) * x,),
    symbol="‖·‖", partials=("{0}/{out}",), kink=_norm_branch,
    batch=batching.reduction,
)

# --- einsum --------------------------------------------------------------------------


def _einsum_forward(*xs, subscripts):
    return np.einsum(subscripts, *xs)[()]


def _einsum_jvp(i, x_dot, *xs, out, subscripts):               # linear in each operand
    return einsum(*xs[:i], x_dot, *xs[i + 1:], subscripts=subscripts)


def _einsum_vjp(i, out_bar, *xs, out, subscripts):
    """x̄ᵢ: contract ȳ with the other operands back to xᵢ's letters.

    Letters of xᵢ found nowhere else were summed by the forward, so its cotangent is
    the same along them: it is broadcast back.
    """
    ins, result = subscripts.split("->")
    ins = ins.split(",")
    rest = ins[:i] + ins[i + 1:]
    seen = set(result).union(*rest)
    kept = "".join(c for c in ins[i] if c in seen)
    g = einsum(out_bar, *xs[:i], *xs[i + 1:],
               subscripts=f"{','.join([result, *rest])}->{kept}")
    if kept == ins[i]:
        return g
    shape = shape_of(xs[i])
    ones = tuple(n if c in seen else 1 for c, n in zip(ins[i], shape, strict=True))
    return broadcast_to(reshape(g, shape=ones), shape=shape)


def _einsum_batch(forward: Any, args: Any, batched: Any, b: int, *, subscripts: str
                  ) -> Any:
    """Batching rule: the batch axis is one more letter, of the result too."""
    ins, result = subscripts.split("->")
    letter = next(c for c in string.ascii_letters if c not in subscripts)
    ins = [letter + s if bt else s
           for s, bt in zip(ins.split(","), batched, strict=True)]
    return forward(*args, subscripts=f"{','.join(ins)}->{letter}{result}")


einsum = define(
    "einsum", _einsum_forward,              # subscripts explicit ("ij,jk->ik"), each
    jvp=_einsum_jvp, vjp=_einsum_vjp,       # letter at most once per operand
    symbol="einsum", partials=None, variadic=True,
    listing=lambda names, subscripts: f'einsum("{subscripts}", {", ".join(names)})',
    batch=_einsum_batch,
)
