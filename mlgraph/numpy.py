"""numpy-style functions that accept floats, numpy arrays and Tensors.

Change ``import numpy as np`` to ``import mlgraph.numpy as np`` and ordinary numpy code
becomes traceable and differentiable. Functions not listed here are plain numpy (not
differentiable); use them on data, not on traced values. Layer 2.
"""

from __future__ import annotations

from typing import Any

import numpy as _np

# Non-differentiable numpy pieces students use next to the differentiable ones.
from numpy import (  # noqa: F401
    arange,
    argmax,
    argmin,
    array,
    asarray,
    e,
    eye,
    float32,
    float64,
    inf,
    linspace,
    nan,
    newaxis,
    ones,
    pi,
    random,
    zeros,
)

from . import primitives as P
from .primitives import value_of
from .tensor import resolve_shape as _resolve_shape
from .tensor import static_axis as _static_axis

# The primitives numpy offers as they are (np.add, np.exp, ...), under numpy's names.
_ALIASES = {name: prim for prim in P.PRIMITIVES.values() for name in prim.numpy_names}
globals().update(_ALIASES)

__all__ = [
    *_ALIASES, "concatenate", "dot", "log_softmax", "logsumexp", "max", "mean",
    "ones_like", "reshape", "softmax", "square", "stack", "sum", "transpose", "where",
    "zeros_like", "broadcast_to", "clip", "minimum", "outer", "shape", "ndim",
]


def dot(a: Any, b: Any) -> Any:
    """Matrix product (as ``np.dot`` for 1-D and 2-D operands)."""
    if _np.ndim(value_of(a)) == 0 or _np.ndim(value_of(b)) == 0:
        return P.mul(a, b)
    return P.matmul(a, b)


def outer(a: Any, b: Any) -> Any:
    """Outer product of two vectors."""
    return P.mul(reshape(a, (-1, 1)), reshape(b, (1, -1)))


def square(x: Any) -> Any:
    """x² (as x · x, so the graph shows one multiplication)."""
    return P.mul(x, x)


def minimum(x: Any, y: Any) -> Any:
    """Elementwise minimum, as −max(−x, −y)."""
    return P.neg(P.maximum(P.neg(x), P.neg(y)))


def clip(x: Any, lo: Any, hi: Any) -> Any:
    """Clip x to [lo, hi] (derivative 1 inside, 0 outside)."""
    return minimum(P.maximum(x, lo), hi)


def where(cond: Any, x: Any, y: Any) -> Any:
    """Choose x where cond holds, else y. ``cond`` is not differentiated."""
    return P.where(_np.asarray(value_of(cond)), x, y)


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Sum over axis (all axes by default)."""
    return P.sum(x, axis=_static_axis(axis), keepdims=keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Mean over axis (all axes by default)."""
    return P.mean(x, axis=_static_axis(axis), keepdims=keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Maximum over axis; ties share the derivative."""
    return P.max(x, axis=_static_axis(axis), keepdims=keepdims)


amax = max


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """log Σ exp(x), computed stably."""
    return P.logsumexp(x, axis=_static_axis(axis), keepdims=keepdims)


def softmax(x: Any, axis: int = -1) -> Any:
    """exp(x) / Σ exp(x) along axis, computed stably."""
    return P.softmax(x, axis=axis)


def log_softmax(x: Any, axis: int = -1) -> Any:
    """x − logsumexp(x) along axis, computed stably."""
    return P.log_softmax(x, axis=axis)


def reshape(x: Any, shape: Any) -> Any:
    """The same entries in a new shape."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return P.reshape(x, shape=_resolve_shape(shape, int(_np.size(value_of(x)))))


def transpose(x: Any, axes: Any = None) -> Any:
    """Permute axes (reverse them by default)."""
    return P.transpose(x, axes=None if axes is None else tuple(axes))


def broadcast_to(x: Any, shape: Any) -> Any:
    """Broadcast x to shape."""
    return P.broadcast_to(x, shape=tuple(shape))


def concatenate(xs: Any, axis: int = 0) -> Any:
    """Join a sequence of arrays along an existing axis."""
    return P.concatenate(*xs, axis=axis)


def stack(xs: Any, axis: int = 0) -> Any:
    """Join a sequence of arrays along a new axis."""
    return P.stack(*xs, axis=axis)


def ones_like(x: Any) -> _np.ndarray:
    """An array of ones with x's shape and dtype (a constant, not traced)."""
    return _np.ones_like(_np.asarray(value_of(x)))


def zeros_like(x: Any) -> _np.ndarray:
    """An array of zeros with x's shape and dtype (a constant, not traced)."""
    return _np.zeros_like(_np.asarray(value_of(x)))


def shape(x: Any) -> tuple[int, ...]:
    """x's shape."""
    return _np.shape(value_of(x))


def ndim(x: Any) -> int:
    """x's number of axes."""
    return _np.ndim(value_of(x))

