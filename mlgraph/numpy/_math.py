"""Elementwise functions: numpy's ufuncs with their primitives, and compositions.

Every primitive with numpy names (``np.exp``, ``np.add``, ``np.arctan2``...) is offered
as numpy's ufunc around it (`wrap_ufunc`); the others here are compositions of
primitives, so they are differentiable to any order: square, reciprocal, minimum,
fmax, clip, degrees, sinc (exact near 0), nan_to_num... Rounding and tests (floor,
isfinite, logical_and...) run on values. Layer 2.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import primitives as P
from ..primitives import Traced, shape_of
from ..tensor import static_axis, static_index
from ._dispatch import (
    constant,
    differentiable,
    keep_dtype,
    no_out,
    offer,
    on_values,
    ufunc_on_values,
)

__all__: list[str] = []         # filled below: every name this module offers

# --- numpy's ufunc methods on traced values ------------------------------------------


def _at_refusal(name: str) -> str:
    return (f"np.{name}.at(a, idx, b) changes a in place, which a traced value can't "
            "do (mlgraph's values never change once computed). Write "
            f"a = np.{name}.at(a, idx, b, inplace=False), which returns the result, or "
            "a = a.at[idx].add(b).")


def _add_at(a: Any, indices: Any, b: Any = None, *, inplace: bool = True,
            sign: float = 1.0, name: str = "add") -> Any:
    """a with b added at indices (repeated indices add up), as a new value."""
    if inplace:
        raise TypeError(_at_refusal(name))
    if b is None:
        raise TypeError(f"np.{name}.at needs the values: np.{name}.at(a, idx, b).")
    index = static_index(indices)
    added = P.index_add(b if sign > 0 else P.neg(b), index=index, shape=shape_of(a))
    out = P.add(a, added)
    return keep_dtype(out, a)


def _outer(rule: Any) -> Any:
    def outer(a: Any, b: Any, **kwargs: Any) -> Any:
        no_out("outer", kwargs.pop("out", None))
        return rule(P.reshape(a, shape=shape_of(a) + (1,) * len(shape_of(b))), b)
    return outer


def _reduction(reduce: Any) -> Any:
    def method(a: Any, axis: Any = 0, dtype: Any = None, out: Any = None,
               keepdims: bool = False, **kwargs: Any) -> Any:
        no_out("reduce", out, kwargs.pop("where", True))
        result = reduce(a, axis=static_axis(axis), keepdims=keepdims)
        return result if dtype is None else result.astype(dtype)
    return method


def _accumulate(a: Any, axis: int = 0, dtype: Any = None, out: Any = None) -> Any:
    no_out("add.accumulate", out)
    result = P.cumsum(a, axis=axis)
    return result if dtype is None else result.astype(dtype)


def _subtract_at(a: Any, indices: Any, b: Any = None, *, inplace: bool = True) -> Any:
    return _add_at(a, indices, b, inplace=inplace, sign=-1.0, name="subtract")


# The ufunc methods with a rule for traced values, besides every binary ufunc's outer.
_METHODS: dict[np.ufunc, dict[str, Any]] = {
    np.add: {"at": _add_at, "reduce": _reduction(P.sum), "accumulate": _accumulate},
    np.subtract: {"at": _subtract_at},
    np.multiply: {"reduce": _reduction(P.prod)},
    np.maximum: {"reduce": _reduction(P.max)},
}


def _methods(name: str, rule: Any) -> dict[str, Any]:
    ufunc = getattr(np, name)
    outer = {"outer": _outer(rule)} if ufunc.nin == 2 else {}
    return {**outer, **_METHODS.get(ufunc, {})}


def _offer(name: str, rule: Any) -> Any:
    """numpy's ufunc ``name`` with ``rule`` for traced values, offered here."""
    wrapped = offer(name, rule, _methods(name, rule))
    globals()[name] = wrapped
    __all__.append(name)
    return wrapped


# The primitives numpy offers as they are (np.add, np.exp...), under numpy's names;
# those numpy has no ufunc for (sigmoid, relu, softplus) are the primitives themselves.
for _prim in P.PRIMITIVES.values():
    for _name in _prim.numpy_names:
        if "." in _name:
            continue                        # numpy.linalg's: see mlgraph.numpy.linalg
        if isinstance(getattr(np, _name, None), np.ufunc):
            _offer(_name, _prim)
        else:
            globals()[_name] = _prim
            __all__.append(_name)

# --- compositions of primitives ------------------------------------------------------


def _minimum(x: Any, y: Any) -> Any:
    return P.neg(P.maximum(P.neg(x), P.neg(y)))          # min(x, y) = −max(−x, −y)


def _nan_aware(pick: Any, name: str) -> Any:
    def rule(x: Any, y: Any) -> Any:                      # NaN loses, unless both are
        xv, yv = constant(x, name), constant(y, name)
        return P.where(np.isnan(yv), x, P.where(np.isnan(xv), y, pick(x, y)))
    return rule


def _scale(factor: float) -> Any:
    return lambda x: P.mul(x, factor)


_offer("square", lambda x: P.mul(x, x))                   # x·x: one multiplication
_offer("reciprocal", lambda x: P.div(1.0, x))
_offer("positive", lambda x: x)
_offer("fabs", P.abs)
_offer("minimum", _minimum)
_offer("fmax", _nan_aware(P.maximum, "np.fmax"))
_offer("fmin", _nan_aware(_minimum, "np.fmin"))
_offer("float_power", lambda x, y: P.pow(P.astype(x, dtype="float64"), y))
_offer("deg2rad", _scale(math.pi / 180.0))
_offer("radians", _scale(math.pi / 180.0))
_offer("rad2deg", _scale(180.0 / math.pi))
_offer("degrees", _scale(180.0 / math.pi))
_offer("conjugate", lambda x: x)                          # real values: the identity
_offer("conj", lambda x: x)

# numpy's own ufuncs whose results are constants: tests, rounding, comparisons.
for _name in ["floor", "ceil", "trunc", "rint", "floor_divide", "signbit", "isfinite",
              "isnan", "isinf", "logical_and", "logical_or", "logical_xor",
              "logical_not", "equal", "not_equal", "less", "less_equal", "greater",
              "greater_equal"]:
    globals()[_name] = ufunc_on_values(getattr(np, _name))
    __all__.append(_name)

# --- functions that are not ufuncs ---------------------------------------------------


@differentiable(np.clip)
def clip(a: Any, a_min: Any = None, a_max: Any = None, out: Any = None, *,
         min: Any = None, max: Any = None, **kwargs: Any) -> Any:  # noqa: A002
    """a limited to [a_min, a_max] (derivative 1 inside, 0 outside)."""
    no_out("clip", out)
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    if lo is not None:
        a = P.maximum(a, lo)
    if hi is not None:
        a = _minimum(a, hi)
    return a


@differentiable(np.sinc)
def sinc(x: Any) -> Any:
    """sin(πx)/(πx); near 0 its series, so every derivative is right at 0 too.

    The series is 1 − (πx)²/6 + (πx)⁴/120 − (πx)⁶/5040, selected (never 0/0).
    """
    t = P.mul(x, math.pi)
    small = np.abs(constant(x, "np.sinc")) < 1e-3
    t2 = P.mul(t, t)
    series = 1.0 - t2 / 6.0 + t2 * t2 / 120.0 - t2 * t2 * t2 / 5040.0
    safe = P.where(small, 1.0, t)
    return P.where(small, series, P.div(P.sin(safe), safe))


@differentiable(np.nan_to_num)
def nan_to_num(x: Any, copy: bool = True, nan: float = 0.0, posinf: Any = None,
               neginf: Any = None) -> Any:
    """x with NaN and ±inf replaced by numbers (derivative 0 there, 1 elsewhere)."""
    v = constant(x, "np.nan_to_num")
    return P.where(np.isfinite(v), x,
                   np.nan_to_num(v, nan=nan, posinf=posinf, neginf=neginf))


@differentiable(np.real)
def real(val: Any) -> Any:
    """The real part: a real value itself."""
    return val


@differentiable(np.real_if_close)
def real_if_close(a: Any, tol: float = 100) -> Any:
    """A real value itself."""
    return a


imag = on_values(np.imag)                # of a real value: zeros, whatever x is
angle = on_values(np.angle)              # of a real value: 0 or π, a step function
fix = on_values(np.fix)
round = on_values(np.round)  # noqa: A001
around = on_values(np.around)
isposinf = on_values(np.isposinf)
isneginf = on_values(np.isneginf)
isreal = on_values(np.isreal)
iscomplex = on_values(np.iscomplex)

__all__ += ["clip", "sinc", "nan_to_num", "real", "real_if_close", "imag", "angle",
            "fix", "round", "around", "isposinf", "isneginf", "isreal", "iscomplex"]


def step(x: Any) -> Any:
    """The perceptron's threshold: 1 where x > 0, else 0 (numpy's heaviside(x, 0)).

    Its derivative is taken as 0 everywhere (it is 0 except at 0, where there is
    none), so no gradient passes a step: train it with the perceptron rule.
    """
    return P.step(x, 0.0) if isinstance(x, Traced) else np.heaviside(x, 0.0)


__all__.append("step")
del _prim, _name
