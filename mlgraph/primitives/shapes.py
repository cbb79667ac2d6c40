"""Shape and indexing primitives: reshape, transpose, getitem, concatenate, ...

The family: reshape, transpose, broadcast_to, getitem, index_add, concatenate, stack,
index_set (``x.at[i].set(y)``), astype and sort. They move entries without changing
them, so each derivative moves the tangent or the cotangent the same way (or back).
One block per primitive: forward, jvp, vjp.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import batching
from .core import define, shape_of, value_of

__all__ = ["reshape", "transpose", "broadcast_to", "getitem", "index_add",
           "concatenate", "stack", "index_set", "astype", "sort", "repeats_entries",
           "along_axis_index", "along_or_flat"]

# --- reshaping -----------------------------------------------------------------------


def _reshape_forward(x, *, shape):
    return np.reshape(x, shape)


reshape = define(
    "reshape", _reshape_forward,
    jvp=(lambda x_dot, x, *, out, shape: reshape(x_dot, shape=shape),),
    vjp=(lambda out_bar, x, *, out, shape: reshape(out_bar, shape=shape_of(x)),),
    symbol="reshape", partials=("1",),
    batch=batching.reshape,
)


def _transpose_forward(x, *, axes=None):
    return np.transpose(x, axes)


def _inverse_axes(axes, ndim):
    # NOTE: negative axes are made non-negative first: argsort of (-1, 0, 1) is not
    # the inverse of that permutation.
    if axes is None:
        return None
    return tuple(int(i) for i in np.argsort([a % ndim for a in axes]))


transpose = define(
    "transpose", _transpose_forward,
    jvp=(lambda x_dot, x, *, out, axes=None: transpose(x_dot, axes=axes),),
    vjp=(lambda out_bar, x, *, out, axes=None:
         transpose(out_bar, axes=_inverse_axes(axes, len(shape_of(x)))),),
    symbol="ᵀ", partials=("1",),
    listing=lambda names, axes=None: f"{names[0]}ᵀ" if axes is None else None,
    batch=batching.transpose,
)


def _broadcast_to_forward(x, *, shape):
    return np.broadcast_to(x, shape)


broadcast_to = define(
    "broadcast_to", _broadcast_to_forward,
    jvp=(lambda x_dot, x, *, out, shape: broadcast_to(x_dot, shape=shape),),
    # NOTE: returning the broadcast cotangent is enough: the reverse sweep sums it
    # back to x's shape, the same code that un-broadcasts `+` and `×`.
    vjp=(lambda out_bar, x, *, out, shape: out_bar,),
    symbol="broadcast", partials=("1",),
    batch=batching.broadcast_to,
)

# --- indexing ------------------------------------------------------------------------


def _getitem_forward(x, *, index):
    return x[index]


def _index_text(index: Any) -> str:
    """An index as written in Python: ``1:, 0``, ``...``, ``array[3]``."""
    parts = index if isinstance(index, tuple) else (index,)
    out = []
    for p in parts:
        if isinstance(p, slice):
            ends = (p.start, p.stop) + ((p.step,) if p.step else ())
            out.append(":".join("" if v is None else str(v) for v in ends))
        elif p is Ellipsis:
            out.append("...")
        elif isinstance(p, np.ndarray):
            out.append(f"array{list(p.shape)}")
        else:
            out.append(str(p))
    return ", ".join(out)


getitem = define(
    "getitem", _getitem_forward,
    jvp=(lambda x_dot, x, *, out, index: getitem(x_dot, index=index),),
    vjp=(lambda out_bar, x, *, out, index:                       # x̄ = ȳ scattered back
         index_add(out_bar, index=index, shape=shape_of(x)),),
    symbol="[]", partials=("1",),
    listing=lambda names, index: f"{names[0]}[{_index_text(index)}]",
    batch=batching.getitem,
)


def _index_add_forward(y, *, index, shape):
    x = np.zeros(shape, dtype=np.result_type(np.asarray(y).dtype, np.float32))
    if _is_basic(index):
        x[index] = y              # slices and ints never repeat an entry
    else:
        np.add.at(x, index, y)    # NOTE: an index array may repeat entries: they add up
    return x


def _is_basic(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, slice)) or p is Ellipsis or p is None for p in parts)


index_add = define(
    "index_add", _index_add_forward,
    jvp=(lambda y_dot, y, *, out, index, shape:
         index_add(y_dot, index=index, shape=shape),),
    vjp=(lambda out_bar, y, *, out, index, shape: getitem(out_bar, index=index),),
    symbol="scatter", partials=("1",),
    batch=batching.index_add,
)

# --- joining -------------------------------------------------------------------------


def _concatenate_forward(*xs, axis=0):
    return np.concatenate(xs, axis=axis)


def _concat_slice(argnum, xs, axis):
    ndim = len(shape_of(xs[0]))
    axis = axis % ndim
    start = int(np.sum([shape_of(x)[axis] for x in xs[:argnum]], dtype=int))
    stop = start + shape_of(xs[argnum])[axis]
    return (slice(None),) * axis + (slice(start, stop),)


concatenate = define(
    "concatenate", _concatenate_forward,
    jvp=lambda i, x_dot, *xs, out, axis=0:                       # ẏ = ẋᵢ in its slot
        index_add(x_dot, index=_concat_slice(i, xs, axis), shape=shape_of(out)),
    vjp=lambda i, out_bar, *xs, out, axis=0:                     # x̄ᵢ = ȳ[slot i]
        getitem(out_bar, index=_concat_slice(i, xs, axis)),
    symbol="concat", partials=None, variadic=True,
    batch=batching.concatenate,
)


def _stack_forward(*xs, axis=0):
    return np.stack(xs, axis=axis)


def _stack_index(argnum, out, axis):
    axis = axis % len(shape_of(out))
    return (slice(None),) * axis + (argnum,)


stack = define(
    "stack", _stack_forward,
    jvp=lambda i, x_dot, *xs, out, axis=0:                       # ẏ = ẋᵢ in its slot
        index_add(x_dot, index=_stack_index(i, out, axis), shape=shape_of(out)),
    vjp=lambda i, out_bar, *xs, out, axis=0:                     # x̄ᵢ = ȳ[slot i]
        getitem(out_bar, index=_stack_index(i, out, axis)),
    symbol="stack", partials=None, variadic=True,
    batch=batching.stack,
)

# --- functional updates --------------------------------------------------------------


def _index_set_forward(x, y, *, index):
    out = np.array(x, copy=True)            # NOTE: a new array: x itself never changes
    out[index] = y                          # y is cast to x's dtype, as numpy assigns
    return out


index_set = define(
    "index_set", _index_set_forward,        # x.at[index].set(y): x with x[index] = y
    # NOTE: the index never repeats an entry (x.at[i].set refuses that), so each entry
    # of the result is either x's or y's.
    jvp=(lambda x_dot, x, y, *, out, index:                      # ż = ẋ outside index
         index_set(x_dot, 0.0, index=index),                     #   + ẏ at index
         lambda y_dot, x, y, *, out, index:
         index_add(y_dot, index=index, shape=shape_of(out))),
    vjp=(lambda out_bar, x, y, *, out, index:                    # x̄ = z̄, 0 at index
         index_set(out_bar, 0.0, index=index),
         lambda out_bar, x, y, *, out, index:                    # ȳ = z̄[index]
         getitem(out_bar, index=index)),
    symbol="set", partials=("1 (0 where set)", "1"),
    listing=lambda names, index: f"{names[0]}.at[{_index_text(index)}].set({names[1]})",
    # NOTE: no batching rule (functional updates are rare in a loss surface's model):
    # each point is computed on its own.
    batch=None,
)


def repeats_entries(index: Any, shape: tuple[int, ...]) -> bool:
    """Whether ``x[index]`` names some entry of an array of ``shape`` twice."""
    flat = np.arange(int(np.prod(shape)), dtype=np.intp).reshape(shape)[index]
    flat = np.ravel(flat)
    return len(np.unique(flat)) < len(flat)


# --- dtype ---------------------------------------------------------------------------


def _astype_forward(x, *, dtype):
    return np.asarray(x).astype(dtype)[()]


astype = define(
    "astype", _astype_forward,              # the same numbers in another float dtype
    jvp=(lambda x_dot, x, *, out, dtype: astype(x_dot, dtype=dtype),),  # ẏ = ẋ, cast
    vjp=(lambda out_bar, x, *, out, dtype:                       # x̄ = ȳ, cast back
         astype(out_bar, dtype=np.asarray(value_of(x)).dtype.name),),
    symbol="astype", partials=("1",),
    listing=lambda names, dtype: f"{names[0]}.astype({dtype})",
    batch=batching.elementwise,
)

# --- ordering ------------------------------------------------------------------------


def along_axis_index(order: np.ndarray, axis: int | None, shape: tuple[int, ...]
                     ) -> tuple[np.ndarray, ...]:
    """The index gathering ``order`` along ``axis`` (numpy's take_along_axis).

    For an array of ``shape``, as plain indexing; with ``axis=None`` ``order`` indexes
    the flattened array.
    """
    if axis is None:
        return np.unravel_index(np.asarray(order), shape)
    axis = axis % len(shape)
    grids = np.ogrid[tuple(slice(n) for n in np.shape(order))]
    return tuple(order if k == axis else g for k, g in enumerate(grids))


def along_or_flat(forward: Any, args: Any, batched: Any, b: int, *,
                  axis: int | None = -1) -> Any:
    """Batching rule of sort and cumsum: along a core axis, past the batch axis.

    For axis=None: along each point's flattened entries.
    """
    (x,) = args
    if axis is None:
        return forward(x.reshape(b, -1), axis=1)
    return forward(x, axis=axis % (x.ndim - 1) + 1)


def _sort_order(x, axis):
    """Where each sorted entry comes from (ties keep their order)."""
    return along_axis_index(np.argsort(value_of(x), axis=axis, kind="stable"), axis,
                            shape_of(x))


def _sort_branch(x, *, out=None, axis=-1):
    return np.argsort(value_of(x), axis=axis, kind="stable")


def _sort_forward(x, *, axis=-1):
    return np.sort(x, axis=axis)


sort = define(
    "sort", _sort_forward,
    # NOTE: sorting moves entries: each derivative moves with its entry. Where two
    # entries tie, swapping them changes nothing, but the derivative jumps (a kink).
    jvp=(lambda x_dot, x, *, out, axis=-1:                       # ẏ = ẋ in sorted order
         getitem(x_dot, index=_sort_order(x, axis)),),
    vjp=(lambda out_bar, x, *, out, axis=-1:                     # x̄ = ȳ sent back
         index_add(out_bar, index=_sort_order(x, axis), shape=shape_of(x)),),
    symbol="sort", partials=("1 (permuted)",), kink=_sort_branch,
    batch=along_or_flat,
)
