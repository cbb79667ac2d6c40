"""Linear algebra: the matrix product (numpy's ``@``, with its 1-D and batched forms).

One block per primitive: forward, jvp, vjp, then what its errors and the gradient
checker need to know about it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import batching
from .core import define, shape_of
from .shapes import reshape, transpose

__all__ = ["matmul"]


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


matmul = define(
    "matmul", np.matmul,
    jvp=(lambda x_dot, x, y, *, out: matmul(x_dot, y),           # ż = ẋ·y + x·ẏ
         lambda y_dot, x, y, *, out: matmul(x, y_dot)),
    vjp=(_matmul_vjp_x, _matmul_vjp_y),                          # x̄ = z̄·yᵀ,  ȳ = xᵀ·z̄
    symbol="@", infix=True, partials=("{1}ᵀ", "{0}ᵀ"), hint=_matmul_hint,
    entry_update=_matmul_entry_update, ufuncs=(np.matmul,), numpy_names=("matmul",),
    batch=batching.matmul,
)
