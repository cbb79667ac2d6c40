"""Reductions: sum, mean, max, logsumexp, prod over an axis (or all axes); cumsum.

The reduced cotangent is reshaped so it broadcasts against the unreduced input
(`keep_axes`), then spread back. One block per primitive: forward, jvp, vjp.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import batching
from .core import Traced, define, shape_of, value_of
from .elementwise import exp, select
from .shapes import (
    along_or_flat,
    broadcast_to,
    concatenate,
    getitem,
    reshape,
    stack,
    transpose,
)

__all__ = ["sum", "mean", "max", "logsumexp", "prod", "cumsum", "reduced_axes",
           "keep_axes"]


def reduced_axes(axis: int | tuple[int, ...] | None, ndim: int) -> tuple[int, ...]:
    """The axes a reduction with ``axis`` removes, as sorted non-negative numbers."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(sorted(a % ndim for a in axis)) if ndim else ()


def keep_axes(g: Any, shape: tuple[int, ...], axis: Any, keepdims: bool) -> Any:
    """Reshape a reduced value so it broadcasts against the unreduced input."""
    if keepdims or not shape or not shape_of(g):    # a scalar broadcasts as it is
        return g
    kept = list(shape)
    for a in reduced_axes(axis, len(shape)):
        kept[a] = 1
    return reshape(g, shape=tuple(kept))


# --- sum and mean --------------------------------------------------------------------


def _sum_forward(x, *, axis=None, keepdims=False):
    # NOTE: np.add.reduce is np.sum without its Python wrapper (2x faster, small arrays)
    return np.add.reduce(x, axis=axis, keepdims=keepdims)


sum = define(  # noqa: A001
    "sum", _sum_forward,
    jvp=(lambda x_dot, x, *, out, axis=None, keepdims=False:
         sum(x_dot, axis=axis, keepdims=keepdims),),             # ẏ = Σ ẋ
    vjp=(lambda out_bar, x, *, out, axis=None, keepdims=False:   # x̄ = ȳ, broadcast back
         broadcast_to(keep_axes(out_bar, shape_of(x), axis, keepdims),
                      shape=shape_of(x)),),
    symbol="Σ", partials=("1",),
    batch=batching.reduction,
)


def _mean_forward(x, *, axis=None, keepdims=False):
    return np.add.reduce(x, axis=axis, keepdims=keepdims) / _count(x, axis)


def _count(x, axis) -> int:
    shape = shape_of(x)
    return math.prod(shape[a] for a in reduced_axes(axis, len(shape)))


mean = define(
    "mean", _mean_forward,
    jvp=(lambda x_dot, x, *, out, axis=None, keepdims=False:
         mean(x_dot, axis=axis, keepdims=keepdims),),            # ẏ = (1/n) Σ ẋ
    vjp=(lambda out_bar, x, *, out, axis=None, keepdims=False:   # x̄ = ȳ/n, broadcast
         broadcast_to(keep_axes(out_bar / _count(x, axis), shape_of(x), axis, keepdims),
                      shape=shape_of(x)),),
    symbol="mean", partials=("1/n",),
    batch=batching.reduction,
)

# --- max -----------------------------------------------------------------------------


def _max_forward(x, *, axis=None, keepdims=False):
    return np.max(x, axis=axis, keepdims=keepdims)


def _max_branch(x, *, out, axis=None, keepdims=False):
    """Which entries attain the maximum (a mask in x's shape)."""
    top = keep_axes(np.asarray(value_of(out)), shape_of(x), axis, keepdims)
    return value_of(x) == value_of(top)


def _argmax_share(x, out, axis, keepdims):
    """(the entries attaining the maximum, how many share it) in x's dtype.

    NOTE: ties share the derivative equally, so the rule stays symmetric.
    """
    hit = _max_branch(x, out=out, axis=axis, keepdims=keepdims)
    count = np.sum(hit, axis=axis, keepdims=True)
    return hit, count.astype(np.asarray(value_of(x)).dtype)


def _max_jvp(x_dot, x, *, out, axis=None, keepdims=False):
    hit, count = _argmax_share(x, out, axis, keepdims)         # ẏ = ẋ at the argmax
    return sum(select(hit, x_dot) / count, axis=axis, keepdims=keepdims)


def _max_vjp(out_bar, x, *, out, axis=None, keepdims=False):
    hit, count = _argmax_share(x, out, axis, keepdims)         # x̄ = ȳ at the argmax
    # NOTE: selected, not multiplied by a 0/1 mask, so an infinite ȳ leaves the other
    # entries at 0 (not nan).
    return select(hit, keep_axes(out_bar, shape_of(x), axis, keepdims) / count)


max = define(  # noqa: A001
    "max", _max_forward, jvp=(_max_jvp,), vjp=(_max_vjp,),
    symbol="max", partials=("[argmax]",), kink=_max_branch,
    batch=batching.reduction,
)

# --- logsumexp -----------------------------------------------------------------------


def logsumexp_forward(x, *, axis=None, keepdims=False):
    """log Σ exp(x), shifted by the maximum so nothing overflows (numpy only)."""
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)[()]


def _lse_softmax(x, out, axis, keepdims):
    return exp(x - keep_axes(out, shape_of(x), axis, keepdims))


logsumexp = define(
    "logsumexp", logsumexp_forward,
    jvp=(lambda x_dot, x, *, out, axis=None, keepdims=False:     # ẏ = Σ softmax(x)·ẋ
         sum(x_dot * _lse_softmax(x, out, axis, keepdims), axis=axis,
             keepdims=keepdims),),
    vjp=(lambda out_bar, x, *, out, axis=None, keepdims=False:   # x̄ = ȳ·softmax(x)
         keep_axes(out_bar, shape_of(x), axis, keepdims)
         * _lse_softmax(x, out, axis, keepdims),),
    symbol="logΣexp", partials=("softmax({0})",),
    batch=batching.reduction,
)

# --- prod ----------------------------------------------------------------------------


def _prod_forward(x, *, axis=None, keepdims=False):
    return np.multiply.reduce(x, axis=axis, keepdims=keepdims)


def _others(x, axis):
    """For each entry of x, the product of the other entries of its reduced slice.

    Written without division, so zeros are no problem: on plain arrays from the
    products to the left and to the right of each entry (two cumulative products);
    on traced values (higher order) as one recorded product per entry.
    """
    shape = shape_of(x)
    axes = reduced_axes(axis, len(shape))
    kept = [a for a in range(len(shape)) if a not in axes]
    n = math.prod(shape[a] for a in axes)
    if n == 0:                              # an empty product: nothing to differentiate
        return np.zeros(shape, dtype=np.result_type(value_of(x)))
    moved = transpose(x, axes=tuple(kept + list(axes)))
    rows = reshape(moved, shape=tuple(shape[a] for a in kept) + (n,))
    if isinstance(rows, Traced):
        parts = [prod(concatenate(rows[..., :k], rows[..., k + 1:], axis=-1), axis=-1)
                 for k in range(n)]
        others = stack(*parts, axis=-1)
    else:
        ones = np.ones(rows.shape[:-1] + (1,), dtype=rows.dtype)
        left = np.cumprod(np.concatenate([ones, rows[..., :-1]], axis=-1), axis=-1)
        right = np.cumprod(np.concatenate([ones, rows[..., :0:-1]], axis=-1),
                           axis=-1)[..., ::-1]
        others = left * right
    back = np.argsort(kept + list(axes))
    return transpose(reshape(others, shape=shape_of(moved)),
                     axes=tuple(int(a) for a in back))


prod = define(
    "prod", _prod_forward,
    jvp=(lambda x_dot, x, *, out, axis=None, keepdims=False:     # ẏ = Σᵢ ẋᵢ·Πⱼ≠ᵢ xⱼ
         sum(x_dot * _others(x, axis), axis=axis, keepdims=keepdims),),
    vjp=(lambda out_bar, x, *, out, axis=None, keepdims=False:   # x̄ᵢ = ȳ·Πⱼ≠ᵢ xⱼ
         keep_axes(out_bar, shape_of(x), axis, keepdims) * _others(x, axis),),
    symbol="Π", partials=("Πⱼ≠ᵢ {0}ⱼ",),
    batch=batching.reduction,
)

# --- cumsum --------------------------------------------------------------------------


def _cumsum_forward(x, *, axis=None):
    return np.cumsum(x, axis=axis)


def _reverse_cumsum(g, x, axis):
    """Σ over the entries at or after each position: cumsum's transpose."""
    if axis is None:                        # cumsum flattened x: undo that too
        back = getitem(cumsum(getitem(g, index=_REVERSED), axis=0), index=_REVERSED)
        return reshape(back, shape=shape_of(x))
    flip = (slice(None),) * (axis % len(shape_of(x))) + _REVERSED
    return getitem(cumsum(getitem(g, index=flip), axis=axis), index=flip)


_REVERSED = (slice(None, None, -1),)

cumsum = define(
    "cumsum", _cumsum_forward,
    jvp=(lambda x_dot, x, *, out, axis=None: cumsum(x_dot, axis=axis),),  # ẏᵢ = Σⱼ≤ᵢ ẋⱼ
    vjp=(lambda out_bar, x, *, out, axis=None:                   # x̄ⱼ = Σᵢ≥ⱼ ȳᵢ
         _reverse_cumsum(out_bar, x, axis),),
    symbol="cumsum", partials=("[j ≤ i]",),
    batch=along_or_flat,
)
