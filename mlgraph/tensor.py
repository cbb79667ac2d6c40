"""`Tensor`: a numpy value that records the primitives applied to it while being traced.

A scalar is a 0-d tensor. Operators call primitives; inside `mlgraph.trace` each call
becomes a node of the graph, outside a trace it simply computes. Imports layer 0 only.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from . import primitives as P
from .primitives import Traced

__all__ = ["Tensor", "as_value", "ValueDependence"]


class ValueDependence(TypeError):
    """f used a traced value as a plain number while being traced for graph reuse."""


def _as_float_array(value: Any, what: str) -> np.ndarray | np.generic:
    if type(value) is float:
        return np.float64(value)
    if isinstance(value, Tensor):
        return value.value
    if isinstance(value, (bool, np.bool_)) or isinstance(value, (str, bytes)):
        raise TypeError(
            f"mlgraph can't make a tensor from a value of type {type(value).__name__} "
            f"({what}). Pass a float or a numpy array, e.g. np.array([1.0, 2.0])."
        )
    arr = np.asarray(value)
    if arr.dtype == object:
        raise TypeError(
            f"mlgraph can't make a tensor from {type(value).__name__} {value!r} ({what}): "
            "its entries are not all numbers of one shape. Pass a numpy float array."
        )
    if arr.dtype.kind in "biu":
        arr = arr.astype(np.float64)
    elif arr.dtype.kind != "f":
        raise TypeError(
            f"mlgraph differentiates real floats, but {what} has dtype {arr.dtype}. "
            "Convert it with np.asarray(x, dtype=float)."
        )
    return arr[()] if arr.ndim == 0 else arr


class Tensor(Traced):
    """A numpy-backed value; float64 by default, float32 kept when given.

    Args:
        value: a float, a numpy array, or a nested list of numbers.
        name: the label this tensor gets as a graph input (``x1``, ``W``).

    Example:
        >>> t = Tensor([1.0, 2.0], name="x")
        >>> (t * 3 + 1).value
        array([4., 7.])
    """

    __slots__ = ("value", "name", "_trace", "_id")
    __array_priority__ = 1000.0

    def __init__(self, value: Any, name: str | None = None) -> None:
        self.value = _as_float_array(value, f"Tensor(name={name!r})" if name else "Tensor")
        self.name = name
        self._trace = None
        self._id = -1

    @classmethod
    def _new(cls, value: Any, trace: Any, node_id: int, name: str | None = None) -> Tensor:
        t = object.__new__(cls)
        t.value = value
        t.name = name
        t._trace = trace
        t._id = node_id
        return t

    # --- dispatch --------------------------------------------------------------------

    @staticmethod
    def _bind(prim: P.Primitive, args: tuple, params: dict) -> Any:
        if len(args) == 1:                  # unary: its one argument's trace, if open
            t = args[0]._trace
            if t is not None and t.open:
                return t.record(prim, args, params)
        trace = None
        for a in args:
            if isinstance(a, Tensor):
                t = a._trace
                if t is not None and t.open and (trace is None or t.level > trace.level):
                    trace = t
        if trace is not None:
            return trace.record(prim, args, params)
        values = [a.value if isinstance(a, Tensor) else a for a in args]
        try:
            out = prim.forward(*values, **params)
        except (ValueError, IndexError, TypeError) as err:
            from .graph import shape_error

            raise shape_error(prim, values, params, None, err) from None
        return Tensor._new(out, None, -1)

    def _concrete(self, what: str) -> Any:
        """The numpy value, for uses that leave the graph (comparisons, np.asarray).

        When f is traced for ``reuse_graph`` such a use would freeze this step's value
        into the graph, so it raises `ValueDependence` and the caller traces anew.
        """
        t = self._trace
        if t is not None and t.open and t.strict:
            raise ValueDependence(
                f"{what} of a traced value ({self.name or f'v{self._id}'}) depends on "
                "its numbers, so this graph can't be reused for other values.")
        return self.value

    # --- numpy interop ---------------------------------------------------------------

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        arr = np.asarray(self._concrete("np.asarray"), dtype=dtype)
        if self._trace is not None and self._trace.open:
            from .graph import _user_stacklevel

            who = self.name or f"v{self._id}"
            warnings.warn(
                f"the traced value {who} was turned into a plain numpy array (by "
                "np.asarray or a numpy function mlgraph has no rule for), so no gradient "
                f"flows through this use of it. Use the mlgraph.numpy function instead, "
                f"or write {who}.value if a constant is what you mean.",
                RuntimeWarning, stacklevel=_user_stacklevel())
        return arr.copy() if copy else arr

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kw: Any):
        prim = P.UFUNCS.get(ufunc)
        if method == "__call__" and not kw and prim is not None:
            return prim(*inputs)
        if method == "__call__" and not kw and ufunc in _COMPARISONS:
            return ufunc(*[i._concrete(ufunc.__name__) if isinstance(i, Tensor) else i
                           for i in inputs])
        raise TypeError(
            f"np.{ufunc.__name__} has no differentiation rule in mlgraph. Use the "
            f"mlgraph.numpy functions (import mlgraph.numpy as np) or np.asarray(t) "
            "for a non-differentiable copy."
        )

    # --- arithmetic ------------------------------------------------------------------

    def __add__(self, other: Any) -> Tensor:
        return _binary(P.add, self, other, self)

    def __radd__(self, other: Any) -> Tensor:
        return _binary(P.add, other, self, self)

    def __sub__(self, other: Any) -> Tensor:
        return _binary(P.sub, self, other, self)

    def __rsub__(self, other: Any) -> Tensor:
        return _binary(P.sub, other, self, self)

    def __mul__(self, other: Any) -> Tensor:
        return _binary(P.mul, self, other, self)

    def __rmul__(self, other: Any) -> Tensor:
        return _binary(P.mul, other, self, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _binary(P.div, self, other, self)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _binary(P.div, other, self, self)

    def __pow__(self, other: Any) -> Tensor:
        return P.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return P.pow(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _binary(P.matmul, self, other, self)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _binary(P.matmul, other, self, self)

    def __neg__(self) -> Tensor:
        return P.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return P.abs(self)

    # --- comparisons: not differentiable, they return numpy arrays -------------------

    def __lt__(self, other: Any) -> Any:
        return self._concrete("<") < np.asarray(other)

    def __le__(self, other: Any) -> Any:
        return self._concrete("<=") <= np.asarray(other)

    def __gt__(self, other: Any) -> Any:
        return self._concrete(">") > np.asarray(other)

    def __ge__(self, other: Any) -> Any:
        return self._concrete(">=") >= np.asarray(other)

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return self._concrete("==") == np.asarray(other)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return self._concrete("!=") != np.asarray(other)

    __hash__ = object.__hash__

    # --- indexing and shape ----------------------------------------------------------

    def __getitem__(self, index: Any) -> Tensor:
        return P.getitem(self, index=_static_index(index))

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor (a scalar) is undefined.")
        return self.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    @property
    def T(self) -> Tensor:  # noqa: N802 - numpy's name
        """The transpose (axes reversed)."""
        return P.transpose(self, axes=None)

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

    def item(self) -> float:
        """The value of a one-entry tensor as a Python float."""
        return np.asarray(self._concrete(".item()")).item()

    def __float__(self) -> float:
        return float(self._concrete("float()"))

    def __bool__(self) -> bool:
        return bool(self._concrete("a truth test (if/while)"))

    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (all axes by default)."""
        return P.sum(self, axis=_static_axis(axis), keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis`` (all axes by default)."""
        return P.mean(self, axis=_static_axis(axis), keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Maximum over ``axis`` (all axes by default)."""
        return P.max(self, axis=_static_axis(axis), keepdims=keepdims)

    def reshape(self, *shape: Any) -> Tensor:
        """The same entries in a new shape, as ``np.reshape``."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return P.reshape(self, shape=_resolve_shape(shape, self.size))

    def transpose(self, *axes: Any) -> Tensor:
        """Permute the axes, as ``np.transpose``."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return P.transpose(self, axes=tuple(axes) if axes else None)

    def __repr__(self) -> str:
        label = f", name={self.name!r}" if self.name else ""
        where = f" (traced as v{self._id})" if self._trace is not None else ""
        return f"Tensor({np.array2string(np.asarray(self.value), precision=4)}{label}){where}"


def _binary(prim: P.Primitive, x: Any, y: Any, me: Tensor) -> Any:
    """x op y where ``me`` (one of them) is a Tensor: record straight into its trace when
    the other operand is no Tensor or one of the same trace (the common cases), else
    dispatch (the other one may belong to a deeper trace)."""
    t = me._trace
    other = y if x is me else x
    if t is not None and t.open and (not isinstance(other, Tensor) or other._trace is t):
        return t.record(prim, (x, y), {})
    return prim(x, y)


as_value = P.value_of


def _static_axis(axis: Any) -> Any:
    if axis is None or isinstance(axis, int):
        return axis
    return tuple(int(a) for a in axis)


def _static_index(index: Any) -> Any:
    """An index as static data: lists become arrays, a Tensor gives its integer values."""
    if isinstance(index, Tensor):
        value = np.asarray(index._concrete("indexing with"))
        if value.dtype.kind not in "biu":
            raise TypeError(
                f"a float Tensor ({index.name or 'a traced value'}) can't be used as an "
                "index: indices are not differentiable. Pass integer labels as a numpy "
                "array, or use np.asarray(t).astype(int).")
        return value
    if isinstance(index, list):
        return np.asarray(index)
    if isinstance(index, tuple):
        return tuple(_static_index(i) for i in index)
    return index


def _resolve_shape(shape: tuple, size: int) -> tuple[int, ...]:
    shape = tuple(int(s) for s in shape)
    if -1 in shape:
        known = 1
        for s in shape:
            if s != -1:
                known *= s
        shape = tuple(size // known if s == -1 else s for s in shape)
    return shape


_COMPARISONS = {np.less, np.less_equal, np.greater, np.greater_equal, np.equal,
                np.not_equal}
