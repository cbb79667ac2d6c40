"""What a `Tensor` is like a numpy array: shape, dtype, ``.T``, indexing, comparisons.

`ArrayMethods` is the ndarray-like face of `mlgraph.Tensor` (whose operators and
recording live in `mlgraph.tracer`; ndarray's methods, ``.sum()`` and the rest, are
`mlgraph.numpy`'s `NdarrayMethods`). Static arguments become hashable data here
(`static_axis`, `static_index`, `resolve_shape`), for `mlgraph.numpy` too. Layer 2
(imports layer 0 only).
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import primitives as P

__all__ = ["ArrayMethods", "static_axis", "static_index", "resolve_shape"]


class ArrayMethods:
    """The ndarray-like properties and methods of `mlgraph.Tensor`.

    A subclass provides ``value`` (the numpy value), ``_concrete(what)`` (the value
    for a use that leaves the graph, such as indexing with it) and ``_compare(op,
    other)`` (a comparison, recorded as a decision): `mlgraph.interop.Interop`.
    """

    __slots__ = ()
    value: Any

    def _concrete(self, what: str) -> Any:  # pragma: no cover - Interop defines it
        raise NotImplementedError

    def _compare(self, op: Any, other: Any) -> Any:  # pragma: no cover - Interop does
        raise NotImplementedError

    # --- shape -----------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        """The numpy shape; ``()`` for a scalar."""
        return np.shape(self.value)

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype (float64 unless float32 was given)."""
        return np.asarray(self.value).dtype

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return np.ndim(self.value)

    @property
    def size(self) -> int:
        """The number of entries."""
        return int(np.size(self.value))

    @property
    def T(self) -> Any:  # noqa: N802 - numpy's name
        """The transpose (axes reversed)."""
        return P.transpose(self, axes=None)

    # --- indexing --------------------------------------------------------------------

    def __getitem__(self, index: Any) -> Any:
        return P.getitem(self, index=static_index(index))

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor (a scalar) is undefined.")
        return self.shape[0]

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self)):
            yield self[i]

    # --- comparisons: not differentiable, they return numpy arrays -------------------

    def __lt__(self, other: Any) -> Any:
        return self._compare(operator.lt, other)

    def __le__(self, other: Any) -> Any:
        return self._compare(operator.le, other)

    def __gt__(self, other: Any) -> Any:
        return self._compare(operator.gt, other)

    def __ge__(self, other: Any) -> Any:
        return self._compare(operator.ge, other)

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return self._compare(operator.eq, other)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return self._compare(operator.ne, other)

    __hash__ = object.__hash__


def static_axis(axis: Any) -> Any:
    """An ``axis`` argument as hashable data: ``None``, an int, or a tuple of ints."""
    if axis is None or isinstance(axis, int):
        return axis
    return tuple(int(a) for a in axis)


def static_index(index: Any) -> Any:
    """An index as static data: lists become arrays, a Tensor its integer values."""
    if isinstance(index, ArrayMethods):
        value = np.asarray(index._concrete("indexing with"))
        if value.dtype.kind not in "biu":
            raise TypeError(
                f"a float Tensor ({getattr(index, 'name', None) or 'a traced value'}) "
                "can't be used as an index: indices are not differentiable. Pass "
                "integer labels as a numpy array, or use t.value.astype(int).")
        return value
    if isinstance(index, list):
        return np.asarray(index)
    if isinstance(index, tuple):
        return tuple(static_index(i) for i in index)
    return index


def resolve_shape(shape: tuple, size: int) -> tuple[int, ...]:
    """A reshape target with its ``-1`` replaced by the size it stands for."""
    shape = tuple(int(s) for s in shape)
    if -1 in shape:
        known = 1
        for s in shape:
            if s != -1:
                known *= s
        shape = tuple(size // known if s == -1 else s for s in shape)
    return shape
