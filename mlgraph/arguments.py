"""Checking and binding the arguments of a function to trace, written once.

`as_array` turns what a student passes (a float, an array, a list, a `Tensor`) into the
value mlgraph records, or refuses it with a message naming the argument and the fix;
`bind` makes ``f`` a function of the arguments to trace and names them after f's
parameters. Every entry point (trace, grad, jvp, gradcheck...) uses both.
Layer 2 (imports layer 0 only).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .primitives import Traced

__all__ = ["as_array", "bind", "param_names"]


_EXAMPLE = "Pass a float or a numpy array, e.g. {}."


def as_array(x: Any, what: str, kind: str = "input") -> Any:
    """The value mlgraph records for ``x``, or a TypeError naming ``what`` and the fix.

    Args:
        x: the value given.
        what: how the message names it, e.g. ``"argument 'x'"``.
        kind: ``"input"``: a differentiable input of a trace (a float, a float array or
            a traced value); ``"tensor"``: ``Tensor(x)`` (any real numbers; integers and
            nested lists become float64); ``"const"``: a constant or a data input
            (numbers of any numeric dtype, kept as they are; a Python int or float stays
            a Python number, which numpy treats as "weak", so ``x * 2.0`` keeps a
            float32 ``x`` float32).

    Returns:
        A numpy array, a numpy scalar (0-d values), or for ``"const"`` a Python number.

    Raises:
        TypeError: for strings, booleans, objects, ragged lists; for integers given as a
            differentiable input; for complex numbers.
    """
    if type(x) is float:
        return x if kind == "const" else np.float64(x)
    if type(x) is np.ndarray and x.ndim and x.dtype.kind == "f":
        return x                          # NOTE: the common case, without a call
    if isinstance(x, Traced):
        return x.value
    if kind == "const":
        if type(x) is int:
            return x
        arr = _numbers(x, what)
        if arr.dtype.kind not in "biuf":
            raise TypeError(
                f"f uses {what} of type {type(x).__name__} ({x!r:.60}), which mlgraph "
                "can't put in a graph. Constants must be numbers or numeric numpy "
                "arrays.")
        return arr[()] if arr.ndim == 0 else arr
    if isinstance(x, (bool, np.bool_, str, bytes)) or (
            kind == "input" and not isinstance(x, (int, np.ndarray, np.generic))):
        example = "np.array([1.0, 2.0])" if isinstance(x, (list, tuple)) else "2.0"
        raise TypeError(f"mlgraph can't trace a value of type {type(x).__name__} "
                        f"({what}). {_EXAMPLE.format(example)}")
    arr = _numbers(x, what)
    if arr.dtype == object:
        raise TypeError(f"mlgraph can't make a tensor from {type(x).__name__} "
                        f"{x!r:.60} ({what}): its entries are not all numbers. Pass "
                        "a numpy float array.")
    if arr.dtype.kind in "iu" and kind == "input":
        fix = float(x) if arr.ndim == 0 else "x.astype(float)"
        raise TypeError(f"{what} is an integer ({x!r}), but derivatives need floats. "
                        f"Pass {fix} instead.")
    if arr.dtype.kind in "iu":
        arr = arr.astype(np.float64)
    elif arr.dtype.kind != "f":
        raise TypeError(f"{what} has dtype {arr.dtype}; mlgraph differentiates real "
                        "floats. Convert it with x.astype(float).")
    return arr[()] if arr.ndim == 0 else arr


def _numbers(x: Any, what: str) -> np.ndarray:
    """np.asarray(x), or a TypeError naming the first row of a ragged nested list."""
    try:
        return np.asarray(x)
    except ValueError:
        if not isinstance(x, (list, tuple)):
            raise
    path, rows = _ragged(x)
    where = "".join(f"[{i}]" for i in path)
    lengths = ", ".join(str(n) for n in rows)
    raise TypeError(
        f"mlgraph can't make a tensor from this nested list ({what}): the rows of "
        f"x{where} have different lengths ({lengths}), and a tensor needs every row of "
        "one length. Pad the short rows, or keep the pieces separate.") from None


def _ragged(x: Any, path: tuple = ()) -> tuple[tuple, list]:
    """The first place in a nested list whose rows differ in length, and the lengths."""
    rows = [len(r) if isinstance(r, (list, tuple)) else None for r in x]
    if len(set(rows)) > 1:
        return path, ["a number" if n is None else n for n in rows]
    for i, r in enumerate(x):
        if isinstance(r, (list, tuple)):
            found = _ragged(r, (*path, i))
            if found[1]:
                return found
    return path, []


_NAMES_CACHE: dict[tuple, list[str]] = {}


def param_names(f: Callable, n: int) -> list[str]:
    """f's positional parameter names for n arguments (cached per code object).

    A wrapper (``functools.wraps``) has the signature of the function it wraps, so it
    is keyed by that function's code, not by its own, which all its copies share.
    """
    while hasattr(f, "__wrapped__") and not hasattr(f, "__signature__"):
        f = f.__wrapped__
    code = getattr(f, "__code__", None)
    # NOTE: the type too: a bound method shares its function's code, not its names
    key = ((code, n, type(f)) if code is not None and not hasattr(f, "__signature__")
           else None)
    names = _NAMES_CACHE.get(key) if key is not None else None
    if names is None:
        names = _param_names_uncached(f, n)
        if key is not None:
            _NAMES_CACHE[key] = names
    return names


def _param_names_uncached(f: Callable, n: int) -> list[str]:
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        return [f"x{k + 1}" for k in range(n)]
    names = []
    for p in sig.parameters.values():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
        elif p.kind == p.VAR_POSITIONAL:
            names.extend(f"{p.name}{k}" for k in range(n - len(names)))
    return (names + [f"x{k + 1}" for k in range(len(names), n)])[:n]


def _by_name(f: Callable, args: tuple, kwargs: dict) -> tuple[list[str], list]:
    """Every argument, given by position or by name, in the order of f's parameters."""
    try:
        sig = inspect.signature(f)
        bound = sig.bind(*args, **kwargs)
    except TypeError as err:
        raise TypeError(f"can't call {getattr(f, '__name__', 'f')} with these inputs: "
                        f"{err}. Give one value per parameter.") from None
    names, values = [], []
    for name, value in bound.arguments.items():
        if sig.parameters[name].kind == inspect.Parameter.VAR_POSITIONAL:
            names.extend(f"{name}{k}" for k in range(len(value)))
            values.extend(value)
        else:
            names.append(name)
            values.append(value)
    return names, values


_POSITIONS = [tuple(range(n)) for n in range(32)]


def _positions(n: int) -> tuple[int, ...]:
    return _POSITIONS[n] if n < len(_POSITIONS) else tuple(range(n))


def bind(f: Callable, args: tuple, kwargs: Mapping[str, Any] | None = None,
         argnums: Sequence[int] | None = None
         ) -> tuple[Callable, list[str], list, dict[str, Any]]:
    """``f`` as a function of the arguments to trace, with their names.

    With ``argnums=None`` every argument, by position or by name, is an input. Otherwise
    only the positional arguments in ``argnums`` are, in that order; the other arguments
    (and every keyword argument) keep their values.

    Returns:
        ``(fn, names, values, fixed)``: ``fn`` takes the inputs positionally, ``names``
        are f's parameter names for them, ``values`` their values, and ``fixed`` maps
        the other parameters' names to their values (constants of the graph).
    """
    kwargs = kwargs or {}
    if argnums is None:
        if kwargs:
            names, values = _by_name(f, args, kwargs)
            return f, names, values, {}
        return f, param_names(f, len(args)), list(args), {}
    names = param_names(f, len(args))
    if not kwargs and tuple(argnums) == _positions(len(args)):
        return f, names, list(args), {}
    full = list(args)

    def fn(*xs: Any) -> Any:
        given = list(full)
        for k, x in zip(argnums, xs, strict=True):
            given[k] = x
        return f(*given, **kwargs)

    fixed = {names[k]: args[k] for k in range(len(args)) if k not in argnums}
    return fn, [names[k] for k in argnums], [args[k] for k in argnums], fixed
