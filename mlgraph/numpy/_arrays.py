"""Diagonals, indexing, ordering, choosing and building arrays.

On traced values these are compositions of primitives (getitem, index_add, where,
sort, broadcast_to...), so derivatives flow and nest; on plain arrays they are numpy.
``np.array([t1, t2])`` of traced pieces stacks them; ``np.linspace(a, b)`` carries
derivatives to a and b. Layer 2.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import primitives as P
from ..primitives import shape_of
from ..primitives.shapes import along_axis_index
from ..tensor import resolve_shape, static_index
from ._dispatch import (
    COVERAGE,
    assemble,
    cast,
    constant,
    decided,
    differentiable,
    traced,
    values,
)
from ._shapes import _axis, _pieces, atleast_1d, column_stack, moveaxis, ravel

__all__ = [
    "diag", "diagflat", "diagonal", "trace", "triu", "tril", "broadcast_to",
    "broadcast_arrays", "take", "take_along_axis", "compress", "extract", "sort",
    "partition", "where", "select", "full", "full_like", "linspace", "logspace",
    "meshgrid", "array", "asarray", "asanyarray", "ascontiguousarray", "copy", "r_",
    "c_",
]


# --- diagonals and triangles ---------------------------------------------------------


def _diagonal_index(n_rows: int, n_cols: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    rows = np.arange(max(0, -k), min(n_rows, n_cols - k))
    return rows, rows + k


@differentiable(np.diag)
def diag(v: Any, k: int = 0) -> Any:
    """A vector's diagonal matrix, or a matrix's k-th diagonal."""
    v = assemble(v)
    shape = shape_of(v)
    if len(shape) == 1:
        n = shape[0] + abs(k)
        return P.index_add(v, index=_diagonal_index(n, n, k), shape=(n, n))
    if len(shape) != 2:
        raise ValueError("Input must be 1- or 2-d.")
    return v[_diagonal_index(shape[0], shape[1], k)]


diagflat = differentiable(np.diagflat)(lambda v, k=0: diag(ravel(v), k))


@differentiable(np.diagonal)
def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The diagonal of the (axis1, axis2) planes, as a new last axis."""
    a = assemble(a)
    ndim = len(shape_of(a))
    i, j = _axis(axis1, ndim), _axis(axis2, ndim)
    rest = [k for k in range(ndim) if k not in (i, j)]
    moved = P.transpose(a, axes=tuple(rest + [i, j]))
    rows, cols = _diagonal_index(shape_of(a)[i], shape_of(a)[j], offset)
    return moved[(Ellipsis, rows, cols)]


@differentiable(np.trace)
def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None,
          out: Any = None) -> Any:
    """The sum of the diagonal."""
    return cast(P.sum(diagonal(a, offset, axis1, axis2), axis=-1), dtype)


@differentiable(np.tril)
def tril(m: Any, k: int = 0) -> Any:
    """The lower triangle (on and below the k-th diagonal); zeros above."""
    m = assemble(m)
    return P.where(np.tri(*shape_of(m)[-2:], k=k, dtype=bool), m, 0.0)  # selected


@differentiable(np.triu)
def triu(m: Any, k: int = 0) -> Any:
    """The upper triangle (on and above the k-th diagonal); zeros below."""
    m = assemble(m)
    return P.where(np.tri(*shape_of(m)[-2:], k=k - 1, dtype=bool), 0.0, m)

# --- broadcasting and indexing -------------------------------------------------------


@differentiable(np.broadcast_to)
def broadcast_to(array: Any, shape: Any, subok: bool = False) -> Any:
    """array repeated (without copying, in numpy) to a larger shape."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return P.broadcast_to(assemble(array), shape=shape)


@differentiable(np.broadcast_arrays)
def broadcast_arrays(*args: Any, subok: bool = False) -> tuple:
    """Each argument broadcast to their common shape."""
    pieces = _pieces(args)
    shape = np.broadcast_shapes(*[shape_of(p) for p in pieces])
    return tuple(P.broadcast_to(p, shape=shape) for p in pieces)


@differentiable(np.take)
def take(a: Any, indices: Any, axis: Any = None, out: Any = None,
         mode: str = "raise") -> Any:
    """The entries at indices (along axis; of the flattened array by default)."""
    a = assemble(a)
    if axis is None:
        a, axis = P.reshape(a, shape=(-1,)), 0
    axis = _axis(axis, len(shape_of(a)))
    idx = np.asarray(static_index(indices))
    n = shape_of(a)[axis]
    idx = {"wrap": lambda i: i % n, "clip": lambda i: np.clip(i, 0, n - 1)}.get(
        mode, lambda i: i)(idx)
    return a[(slice(None),) * axis + (idx,)]


@differentiable(np.take_along_axis)
def take_along_axis(arr: Any, indices: Any, axis: Any = -1) -> Any:
    """numpy's take_along_axis: the entries at indices along one axis."""
    arr = assemble(arr)
    indices = np.asarray(static_index(indices))
    if axis is None:
        return P.reshape(arr, shape=(-1,))[indices]
    shape = shape_of(arr)
    axis = _axis(axis, len(shape))
    index = tuple(indices if k == axis else
                  np.arange(n).reshape((1,) * k + (n,) + (1,) * (len(shape) - k - 1))
                  for k, n in enumerate(shape))
    return arr[index]


@differentiable(np.compress)
def compress(condition: Any, a: Any, axis: Any = None, out: Any = None) -> Any:
    """The slices along axis where condition holds."""
    picks = np.nonzero(constant(condition, "np.compress"))[0]
    return take(a, picks, axis=axis)


@differentiable(np.extract)
def extract(condition: Any, arr: Any) -> Any:
    """The entries where condition holds, flattened."""
    keep = np.ravel(constant(condition, "np.extract")).astype(bool)
    return P.reshape(assemble(arr), shape=(-1,))[keep]


# --- ordering ------------------------------------------------------------------------


@differentiable(np.sort)
def sort(a: Any, axis: Any = -1, kind: Any = None, order: Any = None, *,
         stable: Any = None) -> Any:
    """Sorted along axis (flattened for axis=None); derivatives move with entries."""
    return P.sort(assemble(a), axis=axis)


@differentiable(np.partition)
def partition(a: Any, kth: Any, axis: int = -1, kind: str = "introselect",
              order: Any = None) -> Any:
    """numpy's partition: the kth entry in its sorted place, smaller ones before it."""
    a = assemble(a)
    order_ = decided((a,), "np.partition", np.argpartition(
        constant(a, "np.partition"), kth, axis=axis, kind=kind))
    return a[along_axis_index(order_, axis, shape_of(a))]


# --- choosing ------------------------------------------------------------------------


def where(condition: Any, *xy: Any) -> Any:
    """x where condition holds, else y; with the condition alone, numpy's nonzero.

    The condition is not differentiated: it chooses, x and y carry the derivatives.
    """
    if len(xy) != 2 or not traced(xy):
        return np.where(values(condition, "np.where"), *xy)
    return P.where(np.asarray(constant(condition, "np.where")), xy[0], xy[1])


where.numpy, where.kind = np.where, "differentiable"  # type: ignore[attr-defined]
COVERAGE["where"] = where


@differentiable(np.select)
def select(condlist: Any, choicelist: Any, default: Any = 0) -> Any:
    """From choicelist, the entry of the first condition that holds, else default."""
    out = default
    for cond, choice in zip(reversed(condlist), reversed(choicelist), strict=True):
        out = P.where(np.asarray(constant(cond, "np.select")), choice, out)
    return out


# --- building ------------------------------------------------------------------------


@differentiable(np.full)
def full(shape: Any, fill_value: Any, dtype: Any = None, order: str = "C", **kw: Any
         ) -> Any:
    """shape filled with fill_value (its derivative is the sum over the entries)."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return cast(P.broadcast_to(assemble(fill_value), shape=shape), dtype)


@differentiable(np.full_like)
def full_like(a: Any, fill_value: Any, dtype: Any = None, order: str = "K",
              subok: bool = True, shape: Any = None, **kw: Any) -> Any:
    """Like a (its shape and dtype, never its numbers), filled with fill_value."""
    like = np.empty(shape_of(a) if shape is None else shape,
                    dtype=dtype or np.result_type(constant(a, "np.full_like")))
    if not traced((fill_value,)):
        return np.full_like(like, fill_value)
    return P.broadcast_to(assemble(fill_value), shape=like.shape).astype(like.dtype)


@differentiable(np.linspace)
def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True,
             retstep: bool = False, dtype: Any = None, axis: int = 0, **kw: Any) -> Any:
    """num evenly spaced values from start to stop, computed as numpy does.

    The last one is stop itself; derivatives flow to start and stop.
    """
    start, stop = assemble(start), assemble(stop)
    div = (num - 1) if endpoint else num
    delta = stop - start
    ndim = len(np.broadcast_shapes(shape_of(start), shape_of(stop)))
    steps = np.arange(num, dtype=float).reshape((-1,) + (1,) * ndim)
    step = delta / div if div > 0 else delta * np.nan
    y = steps * step + start if div > 0 else steps * delta + start
    if endpoint and num > 1:
        last = P.broadcast_to(stop, shape=shape_of(y)[1:])
        y = P.index_set(y, last, index=(num - 1,))
    if axis != 0:
        y = moveaxis(y, 0, axis)
    y = cast(y, dtype)
    return (y, step) if retstep else y


@differentiable(np.logspace)
def logspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True,
             base: Any = 10.0, dtype: Any = None, axis: int = 0) -> Any:
    """base ** linspace(start, stop)."""
    return cast(P.pow(base, linspace(start, stop, num, endpoint, axis=axis)), dtype)


@differentiable(np.meshgrid)
def meshgrid(*xi: Any, copy: bool = True, sparse: bool = False,
             indexing: str = "xy") -> tuple:
    """Coordinate grids from coordinate vectors (broadcast, so derivatives sum)."""
    pieces = _pieces(xi)
    ndim = len(pieces)
    shapes = []
    for k in range(ndim):
        s = [1] * ndim
        s[k] = -1
        if indexing == "xy" and ndim > 1 and k < 2:
            s[0], s[1] = s[1], s[0]
        shapes.append(tuple(s))
    out = [P.reshape(p, shape=resolve_shape(s, int(np.prod(shape_of(p)))))
           for p, s in zip(pieces, shapes, strict=True)]
    if not sparse:
        full_shape = np.broadcast_shapes(*[shape_of(o) for o in out])
        out = [P.broadcast_to(o, shape=full_shape) for o in out]
    return tuple(out)


def _as_array(np_fn: Any) -> Any:
    def as_array(a: Any, dtype: Any = None, *args: Any, ndmin: int = 0,
                 **kw: Any) -> Any:
        out = cast(assemble(a), dtype)
        extra = ndmin - len(shape_of(out))
        return P.reshape(out, shape=(1,) * extra + shape_of(out)) if extra > 0 else out
    as_array.__name__ = np_fn.__name__
    as_array.__doc__ = (f"numpy's {np_fn.__name__}; of traced values (also inside "
                        "lists), the traced array, nested lists stacked.")
    return differentiable(np_fn)(as_array)


array = _as_array(np.array)
asarray = _as_array(np.asarray)
asanyarray = _as_array(np.asanyarray)
ascontiguousarray = _as_array(np.ascontiguousarray)
copy = differentiable(np.copy)(lambda a, order="K", subok=False: assemble(a))


class _Joiner:
    """numpy's ``r_`` / ``c_``: index-style joining, traced pieces included."""

    def __init__(self, plain: Any, columns: bool) -> None:
        self.plain, self.columns = plain, columns

    def __getitem__(self, key: Any) -> Any:
        if not traced((key,)):
            return self.plain[key]
        items = key if isinstance(key, tuple) else (key,)
        if any(isinstance(item, str) for item in items):
            raise TypeError("np.r_/np.c_ directives (strings) are not supported with "
                            "traced values; use np.concatenate or np.stack.")
        pieces = [np.r_[item] if isinstance(item, slice) else assemble(item)
                  for item in items]
        if self.columns:
            return column_stack(pieces)
        return P.concatenate(*[atleast_1d(p) for p in pieces], axis=0)

    def __repr__(self) -> str:
        return f"mlgraph's {'c_' if self.columns else 'r_'} (traced pieces too)"


r_ = _Joiner(np.r_, columns=False)
c_ = _Joiner(np.c_, columns=True)
