"""Reshaping, permuting axes, joining and splitting arrays.

On traced values these are compositions of the shape primitives (reshape, transpose,
getitem, concatenate, stack), so derivatives flow and nest; on plain arrays they are
numpy. Layer 2.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import primitives as P
from ..primitives import shape_of
from ..tensor import resolve_shape
from ._dispatch import (
    AxisError,
    assemble,
    cast,
    constant,
    differentiable,
    numpy_attr,
)

__all__ = [
    "reshape", "ravel", "squeeze", "expand_dims", "atleast_1d", "atleast_2d",
    "atleast_3d", "transpose", "permute_dims", "matrix_transpose", "swapaxes",
    "moveaxis", "rollaxis", "flip", "flipud", "fliplr", "rot90", "roll", "split",
    "array_split", "hsplit", "vsplit", "dsplit", "concatenate", "concat", "stack",
    "hstack", "vstack", "row_stack", "dstack", "column_stack", "append", "tile",
    "repeat", "pad", "cumulative_sum", "unstack",
]


def _axis(axis: int, ndim: int) -> int:
    if not -ndim <= axis < ndim:
        raise AxisError(axis, ndim)
    return axis % ndim


# --- reshaping -----------------------------------------------------------------------


@differentiable(np.reshape)
def reshape(a: Any, /, shape: Any = None, order: str = "C", *, newshape: Any = None,
            copy: Any = None) -> Any:
    """The same entries in a new shape (order "C" or "F")."""
    a = assemble(a)
    shape = newshape if shape is None else shape
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    size = int(np.prod(shape_of(a)))
    if order == "F":                        # column-major: reverse the axes around it
        flipped = P.reshape(P.transpose(a, axes=None),
                            shape=resolve_shape(shape[::-1], size))
        return P.transpose(flipped, axes=None)
    return P.reshape(a, shape=resolve_shape(shape, size))


@differentiable(np.ravel)
def ravel(a: Any, order: str = "C") -> Any:
    """The entries as one axis."""
    return reshape(a, (-1,), order=order)


@differentiable(np.squeeze)
def squeeze(a: Any, axis: Any = None) -> Any:
    """a without its axes of length 1 (or just those in axis)."""
    a = assemble(a)
    shape = shape_of(a)
    if axis is None:
        drop = {k for k, n in enumerate(shape) if n == 1}
    else:
        drop = {_axis(k, len(shape)) for k in np.atleast_1d(axis)}
        if any(shape[k] != 1 for k in drop):
            raise ValueError("cannot select an axis to squeeze out which has size not "
                             "equal to one")
    return P.reshape(a, shape=tuple(n for k, n in enumerate(shape) if k not in drop))


@differentiable(np.expand_dims)
def expand_dims(a: Any, axis: Any) -> Any:
    """a with new axes of length 1 at axis."""
    a = assemble(a)
    shape = list(shape_of(a))
    ndim = len(shape) + len(np.atleast_1d(axis))
    for k in sorted(_axis(int(k), ndim) for k in np.atleast_1d(axis)):
        shape.insert(k, 1)
    return P.reshape(a, shape=tuple(shape))


def _at_least(ndim: int, placement: Any) -> Any:
    def at_least(*arys: Any) -> Any:
        out = []
        for a in arys:
            a = assemble(a)
            shape = shape_of(a)
            grown = a if len(shape) >= ndim else P.reshape(a, shape=placement(shape))
            out.append(grown)
        return out[0] if len(out) == 1 else tuple(out)
    return at_least


atleast_1d = differentiable(np.atleast_1d)(_at_least(1, lambda s: (1,)))
atleast_2d = differentiable(np.atleast_2d)(
    _at_least(2, lambda s: (1,) * (2 - len(s)) + s))
atleast_3d = differentiable(np.atleast_3d)(_at_least(
    3, lambda s: {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}[len(s)]))

# --- permuting axes ------------------------------------------------------------------


@differentiable(np.transpose)
def transpose(a: Any, axes: Any = None) -> Any:
    """The axes permuted (reversed by default)."""
    a = assemble(a)
    if axes is None:
        return P.transpose(a, axes=None)
    ndim = len(shape_of(a))
    return P.transpose(a, axes=tuple(_axis(int(k), ndim) for k in axes))


permute_dims = differentiable(numpy_attr("permute_dims"), "permute_dims")(
    transpose.__wrapped__)


@differentiable(numpy_attr("matrix_transpose"))
def matrix_transpose(x: Any, /) -> Any:
    """The last two axes swapped."""
    return swapaxes(x, -1, -2)


@differentiable(np.swapaxes)
def swapaxes(a: Any, axis1: int, axis2: int) -> Any:
    """Two axes exchanged."""
    a = assemble(a)
    ndim = len(shape_of(a))
    perm = list(range(ndim))
    i, j = _axis(axis1, ndim), _axis(axis2, ndim)
    perm[i], perm[j] = perm[j], perm[i]
    return P.transpose(a, axes=tuple(perm))


@differentiable(np.moveaxis)
def moveaxis(a: Any, source: Any, destination: Any) -> Any:
    """Axes moved to new positions, the others keeping their order."""
    a = assemble(a)
    ndim = len(shape_of(a))
    src = [_axis(int(k), ndim) for k in np.atleast_1d(source)]
    dst = [_axis(int(k), ndim) for k in np.atleast_1d(destination)]
    order = [k for k in range(ndim) if k not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    return P.transpose(a, axes=tuple(order))


@differentiable(np.rollaxis)
def rollaxis(a: Any, axis: int, start: int = 0) -> Any:
    """One axis moved to position start (numpy's older form of moveaxis)."""
    a = assemble(a)
    ndim = len(shape_of(a))
    axis = _axis(axis, ndim)
    start = start + ndim if start < 0 else start
    order = [k for k in range(ndim) if k != axis]
    order.insert(start - 1 if start > axis else start, axis)
    return P.transpose(a, axes=tuple(order))


@differentiable(np.flip)
def flip(m: Any, axis: Any = None) -> Any:
    """The entries in reverse order along axis (all axes by default)."""
    m = assemble(m)
    ndim = len(shape_of(m))
    axes = range(ndim) if axis is None else {_axis(int(k), ndim)
                                             for k in np.atleast_1d(axis)}
    return m[tuple(slice(None, None, -1) if k in axes else slice(None)
                   for k in range(ndim))]


flipud = differentiable(np.flipud)(lambda m: flip(m, 0))
fliplr = differentiable(np.fliplr)(lambda m: flip(m, 1))


@differentiable(np.rot90)
def rot90(m: Any, k: int = 1, axes: Any = (0, 1)) -> Any:
    """Rotated by 90° k times, from the first axis towards the second."""
    m = assemble(m)
    k %= 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, axes[0]), axes[1])
    perm = list(range(len(shape_of(m))))
    a0, a1 = (_axis(x, len(perm)) for x in axes)
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return P.transpose(flip(m, axes[1]), axes=tuple(perm))
    return flip(P.transpose(m, axes=tuple(perm)), axes[1])


@differentiable(np.roll)
def roll(a: Any, shift: Any, axis: Any = None) -> Any:
    """The entries shifted along axis; those pushed off one end come in at the other."""
    a = assemble(a)
    if axis is None:
        return P.reshape(roll(P.reshape(a, shape=(-1,)), shift, 0), shape=shape_of(a))
    ndim = len(shape_of(a))
    for s, ax in np.broadcast(np.atleast_1d(shift), np.atleast_1d(axis)):
        ax = _axis(int(ax), ndim)
        s = int(s) % shape_of(a)[ax] if shape_of(a)[ax] else 0
        if s:
            lead = (slice(None),) * ax
            tail, head = a[lead + (slice(-s, None),)], a[lead + (slice(None, -s),)]
            a = P.concatenate(tail, head, axis=ax)
    return a


# --- joining and splitting -----------------------------------------------------------


def _pieces(arrays: Any) -> list:
    return [assemble(a) for a in arrays]


@differentiable(np.concatenate)
def concatenate(arrays: Any, /, axis: Any = 0, out: Any = None, *, dtype: Any = None,
                casting: str = "same_kind") -> Any:
    """Arrays joined along an existing axis (flattened first for axis=None)."""
    pieces = _pieces(arrays)
    if axis is None:
        pieces, axis = [P.reshape(p, shape=(-1,)) for p in pieces], 0
    return cast(P.concatenate(*pieces, axis=axis), dtype)


@differentiable(np.stack)
def stack(arrays: Any, axis: int = 0, out: Any = None, *, dtype: Any = None,
          casting: str = "same_kind") -> Any:
    """Arrays of one shape joined along a new axis."""
    return cast(P.stack(*_pieces(arrays), axis=axis), dtype)


@differentiable(np.hstack)
def hstack(tup: Any, *, dtype: Any = None, casting: str = "same_kind") -> Any:
    """Joined along the second axis (the first, for vectors)."""
    pieces = [atleast_1d(p) for p in _pieces(tup)]
    return cast(P.concatenate(*pieces, axis=0 if len(shape_of(pieces[0])) == 1 else 1),
                dtype)


@differentiable(np.vstack)
def vstack(tup: Any, *, dtype: Any = None, casting: str = "same_kind") -> Any:
    """Joined as rows (vectors become rows)."""
    return cast(P.concatenate(*[atleast_2d(p) for p in _pieces(tup)], axis=0), dtype)


row_stack = differentiable(numpy_attr("row_stack"), "row_stack")(vstack.__wrapped__)
concat = differentiable(numpy_attr("concat"), "concat")(concatenate.__wrapped__)


@differentiable(np.dstack)
def dstack(tup: Any) -> Any:
    """Joined along the third axis."""
    return P.concatenate(*[atleast_3d(p) for p in _pieces(tup)], axis=2)


@differentiable(np.column_stack)
def column_stack(tup: Any) -> Any:
    """Vectors as columns, matrices as they are, joined side by side."""
    pieces = [P.reshape(p, shape=(-1, 1)) if len(shape_of(p)) < 2 else p
              for p in _pieces(tup)]
    return P.concatenate(*pieces, axis=1)


@differentiable(np.append)
def append(arr: Any, values: Any, axis: Any = None) -> Any:
    """values added at the end (both flattened when axis is None)."""
    return concatenate([arr, values], axis=axis)


def _split(ary: Any, indices_or_sections: Any, axis: int, equal: bool) -> list:
    ary = assemble(ary)
    axis = _axis(axis, len(shape_of(ary)))
    n = shape_of(ary)[axis]
    if np.ndim(indices_or_sections) == 0:
        sections = int(indices_or_sections)
        if equal and n % sections:
            raise ValueError("array split does not result in an equal division")
        each, extra = divmod(n, sections)
        sizes = [each + 1] * extra + [each] * (sections - extra)
        bounds = np.cumsum([0] + sizes)
    else:
        bounds = [0, *indices_or_sections, n]
    lead = (slice(None),) * axis
    return [ary[lead + (slice(int(lo), int(hi)),)]
            for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]


split = differentiable(np.split)(
    lambda ary, sections, axis=0: _split(ary, sections, axis, True))
array_split = differentiable(np.array_split)(
    lambda ary, sections, axis=0: _split(ary, sections, axis, False))
hsplit = differentiable(np.hsplit)(
    lambda ary, indices_or_sections: _split(
        ary, indices_or_sections, 1 if len(shape_of(ary)) > 1 else 0, True))
vsplit = differentiable(np.vsplit)(
    lambda ary, indices_or_sections: _split(ary, indices_or_sections, 0, True))
dsplit = differentiable(np.dsplit)(
    lambda ary, indices_or_sections: _split(ary, indices_or_sections, 2, True))


@differentiable(np.tile)
def tile(A: Any, reps: Any) -> Any:  # noqa: N803 - numpy's name
    """A repeated reps times along each axis."""
    A = assemble(A)  # noqa: N806
    reps = tuple(np.atleast_1d(reps).tolist())
    shape = shape_of(A)
    d = max(len(reps), len(shape))
    shape = (1,) * (d - len(shape)) + shape
    reps = (1,) * (d - len(reps)) + reps
    spread = P.broadcast_to(P.reshape(A, shape=tuple(x for n in shape for x in (1, n))),
                            shape=tuple(x for r, n in zip(reps, shape, strict=True)
                                        for x in (r, n)))
    sizes = tuple(r * n for r, n in zip(reps, shape, strict=True))
    return P.reshape(spread, shape=sizes)


@differentiable(np.repeat)
def repeat(a: Any, repeats: Any, axis: Any = None) -> Any:
    """Each entry repeated (along axis; of the flattened array by default)."""
    a = assemble(a)
    if axis is None:
        a, axis = P.reshape(a, shape=(-1,)), 0
    axis = _axis(axis, len(shape_of(a)))
    picks = np.repeat(np.arange(shape_of(a)[axis]), constant(repeats, "np.repeat"))
    return a[(slice(None),) * axis + (picks,)]


_INDEX_MODES = ("edge", "reflect", "symmetric", "wrap")


@differentiable(np.pad)
def pad(array: Any, pad_width: Any, mode: str = "constant", **kwargs: Any) -> Any:
    """array with a border of constant values, or of its own entries.

    With mode edge, reflect, symmetric or wrap the border entries are entries of
    array, and carry their derivatives.
    """
    a = assemble(array)
    shape = shape_of(a)
    if mode in _INDEX_MODES and kwargs.get("reflect_type", "even") == "even":
        where_from = np.pad(np.arange(int(np.prod(shape))).reshape(shape), pad_width,
                            mode=mode)
        return P.reshape(a, shape=(-1,))[where_from]
    if mode != "constant":
        raise TypeError(f"np.pad(..., mode={mode!r}) on a traced value: the modes "
                        "differentiated are constant, edge, reflect, symmetric, wrap.")
    border = np.pad(np.zeros(shape, np.result_type(constant(a, "np.pad"))), pad_width,
                    mode="constant", **kwargs)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (len(shape), 2))
    inside = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, shape, strict=True))
    return P.index_add(a, index=inside, shape=border.shape) + border


@differentiable(numpy_attr("cumulative_sum"))
def cumulative_sum(x: Any, /, *, axis: Any = None, dtype: Any = None, out: Any = None,
                   include_initial: bool = False) -> Any:
    """Running sums along axis, optionally starting with 0 (the array API's cumsum)."""
    x = assemble(x)
    if axis is None and len(shape_of(x)) > 1:
        raise ValueError("cumulative_sum needs axis= for an array of several axes")
    axis = 0 if axis is None else _axis(axis, len(shape_of(x)))
    sums = P.cumsum(x, axis=axis)
    if include_initial:
        zero = np.zeros(tuple(1 if k == axis else n for k, n in enumerate(shape_of(x))))
        sums = P.concatenate(zero, sums, axis=axis)
    return cast(sums, dtype)


@differentiable(numpy_attr("unstack"))
def unstack(x: Any, /, *, axis: int = 0) -> tuple:
    """The slices along axis, as a tuple (the reverse of stack)."""
    x = assemble(x)
    axis = _axis(axis, len(shape_of(x)))
    return tuple(x[(slice(None),) * axis + (k,)] for k in range(shape_of(x)[axis]))
