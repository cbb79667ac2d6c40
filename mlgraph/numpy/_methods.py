"""ndarray's methods on a traced value: ``x.std()``, ``x.dot(W)``, ``x.astype(...)``...

`NdarrayMethods` is a base class of `mlgraph.Tensor`. Each method is the
`mlgraph.numpy` function of the same name, so it records on traced values (and numpy's
own functions, which call these methods, work on them too). ``x.at[idx].set(v)`` and
``.add(v)`` are the functional updates (JAX's spelling) for what numpy writes in place.
Layer 2.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import primitives as P
from ..primitives import shape_of
from ..primitives.linalg import matrix_t
from ..primitives.shapes import repeats_entries
from ..tensor import resolve_shape, static_index
from . import _arrays as A
from . import _math as M
from . import _products as X
from . import _reductions as R
from . import _shapes as S
from . import _values as V
from ._dispatch import keep_dtype

__all__ = ["NdarrayMethods"]

_SORT_IN_PLACE = ("x.sort() sorts x in place, and mlgraph's values never change once "
                  "computed. Write x = np.sort(x) (differentiable).")


class NdarrayMethods:
    """The methods of numpy's ndarray, for `mlgraph.Tensor`.

    The Tensor provides ``value``, ``name``, ``_concrete`` (from `mlgraph.interop`) and
    the trace it records into.
    """

    __slots__ = ()
    value: Any

    # --- numbers, dtype, copies ------------------------------------------------------
    # NOTE: .item() and .tolist() are conversions: `mlgraph.interop.Interop` has them.

    def astype(self, dtype: Any, order: str = "K", casting: str = "unsafe",
               subok: bool = True, copy: bool = True) -> Any:
        """The same numbers in another dtype.

        A float dtype keeps the graph; integers and booleans carry no derivative, so
        they are a constant.
        """
        target = np.dtype(dtype)
        if target.kind == "f":
            return self if target == self.dtype else P.astype(self, dtype=target.name)
        if target.kind in "biu":
            return np.asarray(self._concrete(f".astype({target.name})")).astype(target)
        raise TypeError(f"astype({target.name}): mlgraph differentiates real floats; "
                        "use a float dtype (np.float32, np.float64).")

    def copy(self, order: str = "C") -> Any:
        """A copy: the value itself, which never changes."""
        return self

    def conj(self) -> Any:
        """The complex conjugate: a real value itself."""
        return self

    conjugate = conj

    @property
    def real(self) -> Any:
        """The real part: a real value itself."""
        return self

    @property
    def imag(self) -> np.ndarray:
        """The imaginary part of a real value: zeros (a constant)."""
        return np.zeros_like(np.asarray(self.value))

    @property
    def mT(self) -> Any:  # noqa: N802 - numpy's name
        """The last two axes swapped."""
        return matrix_t(self)

    @property
    def itemsize(self) -> int:
        """Bytes per entry."""
        return self.dtype.itemsize  # type: ignore[attr-defined]

    @property
    def nbytes(self) -> int:
        """Bytes of all entries."""
        return int(np.asarray(self.value).nbytes)

    # --- shape -----------------------------------------------------------------------

    def reshape(self, *shape: Any, order: str = "C", copy: Any = None) -> Any:
        """The same entries in a new shape: x.reshape(2, 3) or x.reshape((2, 3))."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        if order == "C":
            return P.reshape(self, shape=resolve_shape(shape, self.size))  # type: ignore
        return S.reshape(self, shape, order=order)

    def transpose(self, *axes: Any) -> Any:
        """The axes permuted: x.transpose(), x.transpose(1, 0), x.transpose((1, 0))."""
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0] or ()
        return S.transpose(self, tuple(axes) if axes else None)

    def flatten(self, order: str = "C") -> Any:
        """The entries as one axis."""
        return S.ravel(self, order)

    def ravel(self, order: str = "C") -> Any:
        """The entries as one axis."""
        return S.ravel(self, order)

    def squeeze(self, axis: Any = None) -> Any:
        """Without axes of length 1."""
        return S.squeeze(self, axis)

    def swapaxes(self, axis1: int, axis2: int) -> Any:
        """Two axes exchanged."""
        return S.swapaxes(self, axis1, axis2)

    def repeat(self, repeats: Any, axis: Any = None) -> Any:
        """Each entry repeated."""
        return S.repeat(self, repeats, axis)

    def take(self, indices: Any, axis: Any = None, out: Any = None,
             mode: str = "raise") -> Any:
        """The entries at indices."""
        return A.take(self, indices, axis, out, mode)

    def diagonal(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
        """A diagonal, as a new last axis."""
        return A.diagonal(self, offset, axis1, axis2)

    def trace(self, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None,
              out: Any = None) -> Any:
        """The sum of a diagonal."""
        return A.trace(self, offset, axis1, axis2, dtype, out)

    def dot(self, b: Any, out: Any = None) -> Any:
        """The matrix product (numpy's dot)."""
        return X.dot(self, b, out)

    def clip(self, min: Any = None, max: Any = None, out: Any = None,  # noqa: A002
             **kwargs: Any) -> Any:
        """Limited to [min, max]."""
        return M.clip(self, min, max, out, **kwargs)

    # --- reductions ------------------------------------------------------------------

    def sum(self, axis: Any = None, dtype: Any = None, out: Any = None,
            keepdims: bool = False, initial: Any = None, where: Any = True) -> Any:
        """Σ over axis (all axes by default)."""
        return R.sum(self, axis, dtype, out, keepdims, initial, where)

    def mean(self, axis: Any = None, dtype: Any = None, out: Any = None,
             keepdims: bool = False, *, where: Any = True) -> Any:
        """The mean over axis."""
        return R.mean(self, axis, dtype, out, keepdims, where=where)

    def max(self, axis: Any = None, out: Any = None, keepdims: bool = False,
            initial: Any = None, where: Any = True) -> Any:
        """The largest entry over axis; ties share the derivative."""
        return R.max(self, axis, out, keepdims, initial, where)

    def min(self, axis: Any = None, out: Any = None, keepdims: bool = False,
            initial: Any = None, where: Any = True) -> Any:
        """The smallest entry over axis; ties share the derivative."""
        return R.min(self, axis, out, keepdims, initial, where)

    def prod(self, axis: Any = None, dtype: Any = None, out: Any = None,
             keepdims: bool = False, initial: Any = None, where: Any = True) -> Any:
        """Π over axis."""
        return R.prod(self, axis, dtype, out, keepdims, initial, where)

    def std(self, axis: Any = None, dtype: Any = None, out: Any = None, ddof: float = 0,
            keepdims: bool = False, **kwargs: Any) -> Any:
        """The standard deviation over axis."""
        return R.std(self, axis, dtype, out, ddof, keepdims, **kwargs)

    def var(self, axis: Any = None, dtype: Any = None, out: Any = None, ddof: float = 0,
            keepdims: bool = False, **kwargs: Any) -> Any:
        """The variance over axis."""
        return R.var(self, axis, dtype, out, ddof, keepdims, **kwargs)

    def cumsum(self, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
        """Running sums along axis."""
        return R.cumsum(self, axis, dtype, out)

    # --- constants computed from the numbers -----------------------------------------

    def argmax(self, axis: Any = None, out: Any = None, **kwargs: Any) -> Any:
        """The index of the largest entry (a constant)."""
        return V.argmax(self, axis, out, **kwargs)  # type: ignore[attr-defined]

    def argmin(self, axis: Any = None, out: Any = None, **kwargs: Any) -> Any:
        """The index of the smallest entry (a constant)."""
        return V.argmin(self, axis, out, **kwargs)  # type: ignore[attr-defined]

    def argsort(self, axis: Any = -1, kind: Any = None, order: Any = None,
                **kwargs: Any) -> Any:
        """The indices that sort the entries (a constant)."""
        return V.argsort(self, axis, kind, order, **kwargs)  # type: ignore[attr-defined]

    def nonzero(self) -> tuple:
        """The indices of the non-zero entries (a constant)."""
        return V.nonzero(self)  # type: ignore[attr-defined]

    def all(self, axis: Any = None, out: Any = None, keepdims: bool = False,
            **kwargs: Any) -> Any:
        """Whether every entry is non-zero (a constant)."""
        return V.all(self, axis, out, keepdims, **kwargs)  # type: ignore[attr-defined]

    def any(self, axis: Any = None, out: Any = None, keepdims: bool = False,
            **kwargs: Any) -> Any:
        """Whether some entry is non-zero (a constant)."""
        return V.any(self, axis, out, keepdims, **kwargs)  # type: ignore[attr-defined]

    def round(self, decimals: int = 0, out: Any = None) -> Any:
        """Rounded entries (a constant: rounding has derivative 0)."""
        return M.round(self, decimals, out)

    def searchsorted(self, v: Any, side: str = "left", sorter: Any = None) -> Any:
        """Where v would be inserted to keep the order (a constant)."""
        return V.searchsorted(self, v, side, sorter)  # type: ignore[attr-defined]

    # --- in place: refused, with the functional form ---------------------------------

    def sort(self, axis: int = -1, kind: Any = None, order: Any = None) -> None:
        """numpy sorts in place; refused (use np.sort(x))."""
        raise TypeError(_SORT_IN_PLACE)

    def fill(self, value: Any) -> None:
        """numpy fills in place; refused (use np.full_like(x, value))."""
        raise TypeError("x.fill(v) writes into x in place, and mlgraph's values never "
                        "change once computed. Write x = np.full_like(x, v).")

    @property
    def at(self) -> _IndexUpdates:
        """Functional updates: ``x.at[idx].set(v)``, ``.add(v)``, ``.get()``...

        Each returns a new value (x itself never changes), recorded in the graph, so
        derivatives flow to x and to v. With repeated indices ``.add`` adds them all
        (as np.add.at does); ``.set`` and the others refuse them (which would win?).
        """
        return _IndexUpdates(self)


class _IndexUpdates:
    __slots__ = ("x",)

    def __init__(self, x: Any) -> None:
        self.x = x

    def __getitem__(self, index: Any) -> _IndexUpdate:
        return _IndexUpdate(self.x, static_index(index))


class _IndexUpdate:
    """``x.at[index]``: what to do at those entries."""

    __slots__ = ("x", "index")

    def __init__(self, x: Any, index: Any) -> None:
        self.x, self.index = x, index

    def get(self) -> Any:
        """x[index]."""
        return self.x[self.index]

    def set(self, v: Any) -> Any:
        """x with x[index] = v."""
        if repeats_entries(self.index, shape_of(self.x)):
            raise ValueError("x.at[idx].set(v) with an entry named twice in idx: which "
                             "value would it keep? Remove the repeats, or use .add(v) "
                             "to add them all.")
        return P.index_set(self.x, v, index=self.index)

    def add(self, v: Any) -> Any:
        """x with v added at index (repeated entries add up, as np.add.at)."""
        added = P.index_add(v, index=self.index, shape=shape_of(self.x))
        return keep_dtype(P.add(self.x, added), self.x)

    def subtract(self, v: Any) -> Any:
        """x with v subtracted at index."""
        return self.add(P.neg(v))

    def multiply(self, v: Any) -> Any:
        """x with x[index] multiplied by v."""
        return self.set(P.mul(self.get(), v))

    def divide(self, v: Any) -> Any:
        """x with x[index] divided by v."""
        return self.set(P.div(self.get(), v))

    def power(self, v: Any) -> Any:
        """x with x[index] raised to v."""
        return self.set(P.pow(self.get(), v))

    def min(self, v: Any) -> Any:
        """x with x[index] replaced by the smaller of it and v."""
        return self.set(M.minimum(self.get(), v))

    def max(self, v: Any) -> Any:
        """x with x[index] replaced by the larger of it and v."""
        return self.set(P.maximum(self.get(), v))

    def apply(self, func: Any) -> Any:
        """x with x[index] replaced by func(x[index])."""
        return self.set(func(self.get()))
