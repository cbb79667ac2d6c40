"""Functions whose results are constants, and those refused on traced values.

Indices, counts, booleans, shapes and rounded values do not change under a small move
of the input (their derivative is 0 wherever it exists), so given a traced value these
run on its numbers and return numpy's result, with no warning: argmax, argsort,
nonzero, flatnonzero, all, isclose, unique, searchsorted, zeros_like... The refused
ones have no derivative in mlgraph and would otherwise drop a gradient silently;
each refusal names what to write instead. Layer 2.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import primitives as P
from ..primitives import Traced
from ._dispatch import COVERAGE, constant, differentiable, on_values, refused, traced

__all__: list[str] = ["bincount"]

_ON_VALUES = [
    "argmax", "argmin", "argsort", "argpartition", "argwhere", "nonzero", "flatnonzero",
    "count_nonzero", "all", "any", "isclose", "allclose", "array_equal", "array_equiv",
    "unique", "searchsorted", "digitize", "histogram", "histogram_bin_edges",
    "histogram2d", "histogramdd",
    "lexsort", "may_share_memory", "shares_memory", "isin", "in1d", "intersect1d",
    "union1d", "setdiff1d", "setxor1d",
    "ravel_multi_index", "unravel_index", "nanargmax", "nanargmin",
]
# Of shapes and dtypes only: a graph re-run at other numbers stays right.
_ON_SHAPES = ["zeros_like", "ones_like", "empty_like", "iscomplexobj", "isrealobj",
              "result_type"]
for _name in _ON_VALUES + _ON_SHAPES:
    if hasattr(np, _name):
        globals()[_name] = on_values(getattr(np, _name), _name,
                                     numbers=_name not in _ON_SHAPES)
        __all__.append(_name)


def shape(a: Any) -> tuple[int, ...]:
    """a's shape (a traced value's too)."""
    return np.shape(a.value if isinstance(a, Traced) else a)  # type: ignore[attr-defined]


def ndim(a: Any) -> int:
    """a's number of axes."""
    return np.ndim(a.value if isinstance(a, Traced) else a)  # type: ignore[attr-defined]


def size(a: Any, axis: Any = None) -> int:
    """a's number of entries (along axis)."""
    return np.size(a.value if isinstance(a, Traced) else a, axis)  # type: ignore


for _fn, _np_fn in [(shape, np.shape), (ndim, np.ndim), (size, np.size)]:
    _fn.numpy, _fn.kind = _np_fn, "values"  # type: ignore[attr-defined]
    COVERAGE[_fn.__name__] = _fn
__all__ += ["shape", "ndim", "size"]
del _fn, _np_fn


@differentiable(np.bincount)
def bincount(x: Any, /, weights: Any = None, minlength: int = 0) -> Any:
    """Counts of each non-negative integer; with weights, their sums per integer.

    Traced weights are summed with index_add, so they get their derivatives.
    """
    idx = constant(x, "np.bincount")
    if not traced((weights,)):
        return np.bincount(idx, weights, minlength)
    size = max(int(idx.max()) + 1 if idx.size else 0, minlength)
    return P.index_add(weights, index=idx, shape=(size,))


# --- refused: no derivative in mlgraph, and a silent constant would be wrong ----------

_INPLACE = ("It writes into its first argument in place, and mlgraph's values never "
            "change once computed: write y = x.at[idx].set(v) (or .add(v)), or build "
            "the array with np.stack / np.concatenate.")
_REFUSED = {
    "cumprod": "Write it with np.prod over growing slices, or, for positive x, "
               "np.exp(np.cumsum(np.log(x))).",
    "nancumprod": "Replace NaN first (np.where(np.isnan(x), 1, x)), then see cumprod.",
    "interp": "Interpolate with indexing: i = np.searchsorted(xp, x) - 1, "
              "t = (x - xp[i]) / (xp[i + 1] - xp[i]), "
              "y = fp[i] + t * (fp[i + 1] - fp[i]).",
    "apply_along_axis": "Write the function with whole-array mlgraph.numpy calls and "
                        "an axis= argument, or loop over the slices and np.stack them.",
    "apply_over_axes": "Write the reduction with an axis= argument: np.sum(x, axis=1).",
    "piecewise": "Use np.where(cond, f1(x), f2(x)) or np.select([...], [...]).",
    "put": _INPLACE, "place": _INPLACE, "putmask": _INPLACE, "copyto": _INPLACE,
    "fill_diagonal": _INPLACE, "put_along_axis": _INPLACE,
    "nanstd": "Write it with np.where(np.isnan(x), ...) and np.std.",
    "nanvar": "Write it with np.where(np.isnan(x), ...) and np.var.",
    "nanmedian": "Drop the NaNs first (x[~np.isnan(x.value)]), then np.median.",
    "nanquantile": "Drop the NaNs first (x[~np.isnan(x.value)]), then np.quantile.",
    "nanpercentile": "Drop the NaNs first (x[~np.isnan(x.value)]), then np.percentile.",
    "geomspace": "Write np.exp(np.linspace(np.log(start), np.log(stop), num)).",
    "polyfit": "Fit with the normal equations: np.linalg.solve(A.T @ A, A.T @ y).",
    "polyval": "Write the polynomial with Horner's rule: y = c[0]; y = y * x + c[k].",
    "block": "Join the blocks with np.concatenate (rows, then the whole).",
}
for _name, _alternative in _REFUSED.items():
    if hasattr(np, _name):
        globals()[_name] = refused(getattr(np, _name), _alternative, _name)
        __all__.append(_name)

del _name, _alternative

_PYTHON_FUNCTION = ("The function it wraps sees numpy scalars, not traced values: "
                    "write it with mlgraph.numpy functions on whole arrays.")


def _guarded(make: Any) -> Any:
    """numpy's ``make`` (vectorize, frompyfunc), whose result refuses traced values."""
    def factory(*args: Any, **kwargs: Any) -> Any:
        made = make(*args, **kwargs)

        def call(*a: Any, **k: Any) -> Any:
            if traced(a, k):
                raise TypeError(f"np.{make.__name__}'s function has no derivative in "
                                f"mlgraph, so it can't take a traced value. "
                                f"{_PYTHON_FUNCTION}")
            return made(*a, **k)
        call.__doc__ = getattr(made, "__doc__", None)
        return call
    factory.__name__ = factory.__qualname__ = make.__name__
    factory.__doc__ = f"numpy's {make.__name__}; its function refuses traced values."
    return refused(factory, _PYTHON_FUNCTION, make.__name__)


vectorize = _guarded(np.vectorize)
frompyfunc = _guarded(np.frompyfunc)
__all__ += ["vectorize", "frompyfunc"]
