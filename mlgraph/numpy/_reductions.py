"""Reductions and statistics: sum, mean, max, min, prod, std, var, median, quantile...

Each is numpy on plain arrays and, on traced values, a primitive (sum, mean, max,
prod, cumsum) or a composition of primitives (min = −max(−x), var, std = ‖x − x̄‖/√n,
median and quantile from the sorted values, nan-aware forms with where, diff,
gradient, trapezoid, cov, corrcoef), so derivatives of any order flow. Layer 2.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import primitives as P
from ..primitives import shape_of
from ..primitives.reductions import reduced_axes
from ..tensor import static_axis
from ._dispatch import assemble, cast, constant, differentiable, no_out, numpy_attr

__all__ = ["sum", "mean", "max", "amax", "min", "amin", "prod", "cumsum", "std", "var",
           "ptp", "median", "quantile", "percentile", "average", "nansum", "nanmean",
           "nanmax", "nanmin", "nanprod", "nancumsum", "diff", "ediff1d", "gradient",
           "trapezoid", "cov", "corrcoef", "logsumexp", "softmax", "log_softmax"]


def _count(a: Any, axis: Any) -> int:
    shape = shape_of(a)
    return math.prod(shape[k] for k in reduced_axes(axis, len(shape)))


# --- sums, products, extremes --------------------------------------------------------


@differentiable(np.sum)
def sum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,  # noqa: A001
        keepdims: bool = False, initial: Any = None, where: Any = True) -> Any:
    """Σ over axis (all axes by default)."""
    if out is not None or where is not True:        # NOTE: checks inline: a hot path
        no_out("sum", out, where)
    if type(a) in (list, tuple):
        a = assemble(a)
    total = P.sum(a, axis=static_axis(axis), keepdims=keepdims)
    if initial is not None:
        total = total + initial
    return total if dtype is None else total.astype(dtype)


@differentiable(np.mean)
def mean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
         keepdims: bool = False, *, where: Any = True) -> Any:
    """The mean over axis (all axes by default)."""
    if out is not None or where is not True:        # NOTE: checks inline: a hot path
        no_out("mean", out, where)
    if type(a) in (list, tuple):
        a = assemble(a)
    average = P.mean(a, axis=static_axis(axis), keepdims=keepdims)
    return average if dtype is None else average.astype(dtype)


def _extreme(name: str, sign: float) -> Any:
    def extreme(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False,
                initial: Any = None, where: Any = True) -> Any:
        no_out(name, out, where)
        a = assemble(a)
        if sign > 0:
            top = P.max(a, axis=static_axis(axis), keepdims=keepdims)
            return top if initial is None else P.maximum(top, initial)
        low = P.neg(P.max(P.neg(a), axis=static_axis(axis), keepdims=keepdims))
        return low if initial is None else -P.maximum(-low, -initial)
    extreme.__name__ = name
    extreme.__doc__ = (f"The {'largest' if sign > 0 else 'smallest'} entry over axis; "
                       "ties share the derivative.")
    return extreme


max = differentiable(np.max)(_extreme("max", 1.0))  # noqa: A001
amax = differentiable(np.amax)(_extreme("amax", 1.0))
min = differentiable(np.min)(_extreme("min", -1.0))  # noqa: A001
amin = differentiable(np.amin)(_extreme("amin", -1.0))


@differentiable(np.prod)
def prod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
         keepdims: bool = False, initial: Any = None, where: Any = True) -> Any:
    """Π over axis; its derivative needs no division, so zeros are fine."""
    no_out("prod", out, where)
    total = P.prod(assemble(a), axis=static_axis(axis), keepdims=keepdims)
    return cast(total if initial is None else total * initial, dtype)


@differentiable(np.cumsum)
def cumsum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    """Running sums along axis (of the flattened array by default)."""
    no_out("cumsum", out)
    return cast(P.cumsum(assemble(a), axis=axis), dtype)


@differentiable(np.ptp)
def ptp(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False) -> Any:
    """max − min over axis."""
    no_out("ptp", out)
    return max(a, axis=axis, keepdims=keepdims) - min(a, axis=axis, keepdims=keepdims)


# --- spread --------------------------------------------------------------------------


def _deviations(a: Any, axis: Any, ddof: Any, correction: Any, name: str,
                out: Any, where: Any, mean: Any) -> tuple[Any, Any, float]:
    no_out(name, out, where)
    if mean is not None:
        raise TypeError(f"np.{name}(..., mean=...) on a traced value: leave it out, "
                        "the mean is computed (and differentiated) anyway.")
    a = assemble(a)
    axis = static_axis(axis)
    ddof = correction if correction is not None else ddof
    centred = a - P.mean(a, axis=axis, keepdims=True)
    return centred, axis, _count(a, axis) - ddof


@differentiable(np.var)
def var(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: float = 0,
        keepdims: bool = False, *, where: Any = True, mean: Any = None,
        correction: Any = None) -> Any:
    """Σ(x − x̄)²/(n − ddof) over axis."""
    d, axis, dof = _deviations(a, axis, ddof, correction, "var", out, where, mean)
    return cast(P.sum(d * d, axis=axis, keepdims=keepdims) / dof, dtype)


@differentiable(np.std)
def std(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: float = 0,
        keepdims: bool = False, *, where: Any = True, mean: Any = None,
        correction: Any = None) -> Any:
    """√var, written ‖x − x̄‖/√(n − ddof).

    Where all entries are equal (std 0) the derivative is 0 (a subgradient) rather
    than 0·∞.
    """
    d, axis, dof = _deviations(a, axis, ddof, correction, "std", out, where, mean)
    root = float(np.sqrt(np.float64(dof))) if dof > 0 else 0.0
    return cast(P.norm(d, axis=axis, keepdims=keepdims) / root, dtype)


# --- order statistics ----------------------------------------------------------------


def _sorted_last(a: Any, axis: Any) -> tuple[Any, tuple[int, ...]]:
    """a's entries along axis, sorted, as the last axis; and the keepdims shape.

    All entries for axis=None; several axes are merged into one.
    """
    shape = shape_of(a)
    axes = reduced_axes(static_axis(axis), len(shape))
    kept = [k for k in range(len(shape)) if k not in axes]
    moved = P.transpose(a, axes=tuple(kept + list(axes)))
    rows = P.reshape(moved, shape=tuple(shape[k] for k in kept)
                     + (math.prod(shape[k] for k in axes),))
    keep_shape = tuple(1 if k in axes else n for k, n in enumerate(shape))
    return P.sort(rows, axis=-1), keep_shape


def _interpolate(a: Any, q: Any, axis: Any, keepdims: bool, method: str,
                 name: str) -> Any:
    if method != "linear":
        raise TypeError(f"np.{name}(..., method={method!r}) on a traced value: only "
                        "method='linear' (numpy's default) is differentiated.")
    s, keep_shape = _sorted_last(assemble(a), axis)
    n = shape_of(s)[-1]
    qs = constant(q, f"np.{name}")
    pos = qs.ravel() * (n - 1)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    frac = (pos - lo).astype(s.dtype)             # float32 stays float32
    low, high = s[..., lo], s[..., hi]
    out = low + (high - low) * frac                  # shape (..., len(q))
    lead = shape_of(out)[:-1]
    if keepdims:
        lead = keep_shape
    out = P.reshape(out, shape=lead + qs.shape)
    if qs.ndim:                                      # numpy puts q's axes first
        k = len(lead)
        out = P.transpose(out, axes=tuple(range(k, k + qs.ndim)) + tuple(range(k)))
    return out


@differentiable(np.quantile)
def quantile(a: Any, q: Any, axis: Any = None, out: Any = None,
             overwrite_input: bool = False, method: str = "linear",
             keepdims: bool = False, *, weights: Any = None) -> Any:
    """The q-th quantiles (linear interpolation between sorted entries)."""
    no_out("quantile", out)
    if weights is not None:
        raise TypeError("np.quantile(..., weights=...) on a traced value is not "
                        "differentiated; leave weights out.")
    return _interpolate(a, q, axis, keepdims, method, "quantile")


@differentiable(np.percentile)
def percentile(a: Any, q: Any, axis: Any = None, out: Any = None,
               overwrite_input: bool = False, method: str = "linear",
               keepdims: bool = False, *, weights: Any = None) -> Any:
    """The q-th percentiles (q in 0..100)."""
    return quantile(a, np.asarray(constant(q, "np.percentile")) / 100.0, axis, out,
                    overwrite_input, method, keepdims, weights=weights)


@differentiable(np.median)
def median(a: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
           keepdims: bool = False) -> Any:
    """The middle value (the mean of the two middle values for an even count)."""
    no_out("median", out)
    return _interpolate(a, 0.5, axis, keepdims, "linear", "median")


@differentiable(np.average)
def average(a: Any, axis: Any = None, weights: Any = None, returned: bool = False, *,
            keepdims: bool = False) -> Any:
    """The (weighted) mean over axis: Σ w·x / Σ w."""
    a = assemble(a)
    axis = static_axis(axis)
    if weights is None:
        avg = P.mean(a, axis=axis, keepdims=keepdims)
        total = np.full(shape_of(avg), float(_count(a, axis)))
    else:
        w = assemble(weights)
        if shape_of(w) != shape_of(a):              # 1-D weights along axis
            k = axis % len(shape_of(a))
            w = P.reshape(w, shape=_along_shape(shape_of(a), k))
        w_full = P.broadcast_to(w, shape=shape_of(a))
        total = P.sum(w_full, axis=axis, keepdims=keepdims)
        avg = P.sum(a * w, axis=axis, keepdims=keepdims) / total
    return (avg, total) if returned else avg


def _along_shape(shape: tuple[int, ...], axis: int) -> tuple[int, ...]:
    return tuple(n if k == axis else 1 for k, n in enumerate(shape))


# --- NaN-aware -----------------------------------------------------------------------


def _without_nan(a: Any, fill: float, name: str) -> tuple[Any, np.ndarray]:
    a = assemble(a)
    nan = np.isnan(constant(a, f"np.{name}"))
    return P.where(nan, fill, a), nan


def _nan_ignoring(name: str, fill: float, reduce: Any) -> Any:
    """numpy's nan-function ``name``: ``reduce`` with NaN replaced by ``fill``."""
    def reduction(a: Any, *args: Any, **kwargs: Any) -> Any:
        clean, _ = _without_nan(a, fill, name)
        return reduce(clean, *args, **kwargs)
    reduction.__name__ = name
    reduction.__doc__ = f"numpy's {reduce.__name__}, NaN counted as {fill:g}."
    return reduction


nansum = differentiable(np.nansum)(_nan_ignoring("nansum", 0.0, sum))
nanprod = differentiable(np.nanprod)(_nan_ignoring("nanprod", 1.0, prod))
nancumsum = differentiable(np.nancumsum)(_nan_ignoring("nancumsum", 0.0, cumsum))


@differentiable(np.nanmean)
def nanmean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
            keepdims: bool = False, *, where: Any = True) -> Any:
    """The mean over axis of the entries that are not NaN."""
    clean, nan = _without_nan(a, 0.0, "nanmean")
    count = np.sum(~nan, axis=static_axis(axis), keepdims=keepdims)
    return cast(sum(clean, axis, None, out, keepdims, None, where) / count, dtype)


def _nan_extreme(name: str, sign: float) -> Any:
    def extreme(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False,
                initial: Any = None, where: Any = True) -> Any:
        clean, nan = _without_nan(a, -sign * np.inf, name)
        pick = max if sign > 0 else min
        top = pick(clean, axis, out, keepdims, initial, where)
        all_nan = np.all(nan, axis=static_axis(axis), keepdims=keepdims)
        return P.where(all_nan, np.nan, top) if np.any(all_nan) else top
    extreme.__name__ = name
    extreme.__doc__ = f"The {'largest' if sign > 0 else 'smallest'} entry, NaN ignored."
    return extreme


nanmax = differentiable(np.nanmax)(_nan_extreme("nanmax", 1.0))
nanmin = differentiable(np.nanmin)(_nan_extreme("nanmin", -1.0))

# --- differences and integrals -------------------------------------------------------


def _slice(ndim: int, axis: int, part: slice) -> tuple:
    return (slice(None),) * (axis % ndim) + (part,)


def _ends(x: Any, shape: tuple[int, ...], axis: int) -> Any:
    """prepend/append values: a number as a slab one entry thick along axis."""
    if np.ndim(P.value_of(x)):
        return assemble(x)
    return P.broadcast_to(x, shape=tuple(1 if k == axis % len(shape) else n
                                         for k, n in enumerate(shape)))


@differentiable(np.diff)
def diff(a: Any, n: int = 1, axis: int = -1, prepend: Any = None,
         append: Any = None) -> Any:
    """The n-th differences along axis: a[1:] − a[:-1], n times."""
    a = assemble(a)
    shape = shape_of(a)
    parts = ([_ends(prepend, shape, axis)] if prepend is not None else []) + [a] + (
        [_ends(append, shape, axis)] if append is not None else [])
    if len(parts) > 1:
        a = P.concatenate(*parts, axis=axis)
    for _ in range(n):
        nd = len(shape_of(a))
        a = a[_slice(nd, axis, slice(1, None))] - a[_slice(nd, axis, slice(None, -1))]
    return a


@differentiable(np.ediff1d)
def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Any:
    """The differences of the flattened array, with optional ends."""
    d = diff(P.reshape(assemble(ary), shape=(-1,)))
    begin = [P.reshape(to_begin, shape=(-1,))] if to_begin is not None else []
    end = [P.reshape(to_end, shape=(-1,))] if to_end is not None else []
    parts = [*begin, d, *end]
    return P.concatenate(*parts, axis=0) if len(parts) > 1 else d


def _gradient_along(f: Any, h: float, axis: int, edge_order: int) -> Any:
    nd = len(shape_of(f))

    def at(part: Any) -> Any:
        return f[_slice(nd, axis, part)]

    inner = (at(slice(2, None)) - at(slice(None, -2))) / (2.0 * h)
    if edge_order == 1:
        first = (at(slice(1, 2)) - at(slice(0, 1))) / h
        last = (at(slice(-1, None)) - at(slice(-2, -1))) / h
    else:
        first = (-3.0 * at(slice(0, 1)) + 4.0 * at(slice(1, 2))
                 - at(slice(2, 3))) / (2.0 * h)
        last = (3.0 * at(slice(-1, None)) - 4.0 * at(slice(-2, -1))
                + at(slice(-3, -2))) / (2.0 * h)
    return P.concatenate(first, inner, last, axis=axis)


@differentiable(np.gradient)
def gradient(f: Any, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """Central differences inside, one-sided at the ends (uniform spacing)."""
    f = assemble(f)
    nd = len(shape_of(f))
    axes = reduced_axes(static_axis(axis), nd)
    if not varargs:
        spacing = [1.0] * len(axes)
    elif len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        spacing = [float(varargs[0])] * len(axes)
    elif all(np.ndim(v) == 0 for v in varargs):
        spacing = [float(v) for v in varargs]
    else:
        raise TypeError("np.gradient with coordinate arrays on a traced value: give "
                        "uniform spacings (numbers), or write the differences with "
                        "np.diff.")
    out = [_gradient_along(f, h, k, edge_order) for h, k in zip(spacing, axes,
                                                                strict=True)]
    return out[0] if len(out) == 1 else out


@differentiable(numpy_attr("trapezoid"))
def trapezoid(y: Any, x: Any = None, dx: float = 1.0, axis: int = -1) -> Any:
    """∫ y by the trapezoidal rule along axis (at the points x, or spacing dx)."""
    y = assemble(y)
    nd = len(shape_of(y))
    if x is None:
        widths = dx
    else:
        x = assemble(x)
        widths = diff(x, axis=axis if len(shape_of(x)) > 1 else -1)
        if len(shape_of(x)) == 1 and nd > 1:          # the same points for every row
            widths = P.reshape(widths, shape=tuple(-1 if k == axis % nd else 1
                                                   for k in range(nd)))
    heights = y[_slice(nd, axis, slice(1, None))] + y[_slice(nd, axis, slice(None, -1))]
    return P.sum(heights * widths, axis=axis % nd) / 2.0


# --- covariance ----------------------------------------------------------------------


@differentiable(np.cov)
def cov(m: Any, y: Any = None, rowvar: bool = True, bias: bool = False,
        ddof: Any = None, fweights: Any = None, aweights: Any = None, *,
        dtype: Any = None) -> Any:
    """The covariance matrix of the variables (rows, or columns if not rowvar)."""
    if fweights is not None or aweights is not None:
        raise TypeError("np.cov with weights on a traced value is not differentiated; "
                        "leave fweights and aweights out.")
    x = assemble(m)
    x = P.reshape(x, shape=(1, -1)) if len(shape_of(x)) == 1 else x
    if not rowvar and shape_of(x)[0] != 1:
        x = P.transpose(x, axes=None)
    if y is not None:
        other = assemble(y)
        other = P.reshape(other, shape=(1, -1)) if len(shape_of(other)) == 1 else other
        if not rowvar and shape_of(other)[0] != 1:
            other = P.transpose(other, axes=None)
        x = P.concatenate(x, other, axis=0)
    dof = shape_of(x)[1] - (ddof if ddof is not None else (0 if bias else 1))
    centred = x - P.mean(x, axis=1, keepdims=True)
    c = P.matmul(centred, P.transpose(centred, axes=None)) / dof
    c = P.reshape(c, shape=()) if shape_of(c) == (1, 1) else c
    return cast(c, dtype)


@differentiable(np.corrcoef)
def corrcoef(x: Any, y: Any = None, rowvar: bool = True, *, dtype: Any = None) -> Any:
    """Pearson correlation coefficients, cov / (σᵢσⱼ), kept within [−1, 1]."""
    c = cov(x, y, rowvar, dtype=dtype)
    if not shape_of(c):
        return c / c
    k = np.arange(shape_of(c)[0])
    sd = P.sqrt(c[k, k])
    r = c / P.reshape(sd, shape=(-1, 1)) / P.reshape(sd, shape=(1, -1))
    return P.neg(P.maximum(P.neg(P.maximum(r, -1.0)), -1.0))


# --- mlgraph's stable forms (not in numpy) --------------------------------------------


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """log Σ exp(x), computed stably (scipy.special.logsumexp)."""
    return P.logsumexp(x, axis=static_axis(axis), keepdims=keepdims)


def softmax(x: Any, axis: int = -1) -> Any:
    """exp(x) / Σ exp(x) along axis, computed stably."""
    return P.softmax(x, axis=axis)


def log_softmax(x: Any, axis: int = -1) -> Any:
    """x − logsumexp(x) along axis, computed stably."""
    return P.log_softmax(x, axis=axis)

