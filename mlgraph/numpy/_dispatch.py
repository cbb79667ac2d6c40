"""How each function of `mlgraph.numpy` chooses between numpy and mlgraph.

Given no traced value, every function is numpy itself, called with the very same
arguments, so data-side code behaves exactly as with numpy. Given a traced value, a
function is one of three kinds, recorded in `COVERAGE`:

- ``"differentiable"``: it records primitives, so derivatives flow through it;
- ``"values"``: its result is a constant by nature (integers, booleans, a shape, a
  rounded value), so it runs on the traced value's numbers, with no warning;
- ``"refused"``: it has no derivative in mlgraph; it raises, naming the alternative.

`wrap_ufunc` gives numpy's ufunc a rule for traced values (``np.exp``, ``np.add.at``).
Layer 2.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import primitives as P
from ..primitives import Primitive, Traced

__all__ = ["COVERAGE", "wrap_ufunc", "differentiable", "on_values", "refused", "traced",
           "values", "decided", "constant", "no_out", "ufunc_on_values", "assemble",
           "cast", "offer", "numpy_attr", "AxisError", "keep_dtype"]

AxisError = getattr(np, "exceptions", np).AxisError

COVERAGE: dict[str, Callable] = {}
"""numpy's name (``"std"``, ``"linalg.norm"``) -> mlgraph.numpy's function for it.

Each function has ``.numpy`` (numpy's own) and ``.kind`` (``"differentiable"``,
``"values"`` or ``"refused"``); a refused one also has ``.alternative``. A dispatch
table from numpy functions to mlgraph's is ``{f.numpy: f for f in
COVERAGE.values()}``.
"""


def numpy_attr(name: str, module: Any = np) -> Callable:
    """numpy's function ``name`` (``"linalg.svdvals"``), or a stand-in.

    Where this numpy is older than the function, the stand-in says so when called on
    plain arrays (traced values still work).
    """
    target: Any = module
    for part in name.split("."):
        target = getattr(target, part, None)
    if target is not None:
        return target

    def absent(*args: Any, **kwargs: Any) -> Any:
        raise AttributeError(f"numpy {np.__version__} has no {name}; update numpy.")
    absent.__name__ = name.rpartition(".")[2]
    return absent


def traced(args: Any, kwargs: dict | None = None) -> bool:
    """Whether a traced value is among ``args`` (or inside a list or tuple of them)."""
    for a in args:
        if isinstance(a, Traced) or (type(a) in (list, tuple) and traced(a)):
            return True
    return bool(kwargs) and traced(tuple(kwargs.values()))


def assemble(x: Any) -> Any:
    """A traced value from ``x``: itself, or a (nested) list of pieces stacked.

    Plain pieces are constants; a list without traced values stays numpy's array.
    """
    if type(x) in (list, tuple):
        if not traced(x):
            return np.array(x)
        return P.stack(*[assemble(piece) for piece in x], axis=0)
    return x


def values(x: Any, what: str) -> Any:
    """``x`` with every traced value replaced by its numbers (lists and tuples too).

    The one place mlgraph.numpy reads a traced value's numbers: the arguments of the
    functions run on values, and the masks, orders and indices compositions build.
    ``what`` names the use, for the refusal of a graph that will be re-run (a value
    read here would be frozen into it). What is decided from the numbers is recorded
    by `decided`.
    """
    if isinstance(x, Traced):
        return x._read(what)  # type: ignore[attr-defined]
    if type(x) in (list, tuple):
        return type(x)(values(a, what) for a in x)
    return x


def decided(args: Any, what: str, outcome: Any) -> Any:
    """Record ``outcome`` as a decision taken on every traced value in ``args``.

    The gradient checker compares decisions at x ± h: a changed one is a kink.
    """
    for a in args:
        if isinstance(a, Traced):
            a._decide(what, outcome)  # type: ignore[attr-defined]
        elif type(a) in (list, tuple):
            decided(a, what, outcome)
    return outcome


def constant(x: Any, what: str) -> np.ndarray:
    """The numbers of ``x`` as a numpy array, for masks and indices built from them."""
    return np.asarray(values(x, what))


def _register(fn: Callable, np_fn: Callable, name: str | None, kind: str) -> Callable:
    fn.numpy = np_fn  # type: ignore[attr-defined]
    fn.kind = kind  # type: ignore[attr-defined]
    COVERAGE[name or np_fn.__name__] = fn
    return fn


def differentiable(np_fn: Callable, name: str | None = None) -> Callable:
    """Decorator: ``impl`` for traced arguments, ``np_fn`` (with the same ones) else.

    ``name`` is numpy's name when it is not ``np_fn.__name__`` (``"linalg.norm"``).
    """
    def register(impl: Callable) -> Callable:
        @functools.wraps(impl)
        def fn(*args: Any, **kwargs: Any) -> Any:
            for a in args:                  # NOTE: the common case without a scan
                if isinstance(a, Traced):
                    return impl(*args, **kwargs)
            if traced(args, kwargs):
                return impl(*args, **kwargs)
            return np_fn(*args, **kwargs)
        if impl.__name__ == "<lambda>":
            fn.__name__ = fn.__qualname__ = (name or np_fn.__name__).rpartition(".")[2]
            fn.__doc__ = f"numpy's {name or np_fn.__name__}, differentiable."
        return _register(fn, np_fn, name, "differentiable")
    return register


def on_values(np_fn: Callable, name: str | None = None, numbers: bool = True
              ) -> Callable:
    """numpy's ``np_fn``, run on the numbers of any traced argument: a constant.

    ``numbers=False``: the result depends on shapes and dtypes only (np.zeros_like),
    so a graph re-run at other numbers stays right.
    """
    label = f"np.{name or np_fn.__name__}"

    def plain(x: Any) -> Any:
        return values(x, label) if numbers else _unboxed(x)

    @functools.wraps(np_fn)
    def fn(*args: Any, **kwargs: Any) -> Any:
        if not traced(args, kwargs):
            return np_fn(*args, **kwargs)
        outcome = np_fn(*plain(args), **dict(
            zip(kwargs, plain(tuple(kwargs.values())), strict=True)))
        if numbers:
            decided((*args, *kwargs.values()), label, outcome)
        return outcome
    return _register(fn, np_fn, name, "values")


def _unboxed(x: Any) -> Any:
    if isinstance(x, Traced):
        return x.value  # type: ignore[attr-defined]
    if type(x) in (list, tuple):
        return type(x)(_unboxed(a) for a in x)
    return x


def refused(np_fn: Callable, alternative: str, name: str | None = None) -> Callable:
    """numpy's ``np_fn`` on plain arrays; on a traced value, an error.

    The error names ``alternative``: what to write instead.
    """
    label = name or np_fn.__name__

    @functools.wraps(np_fn)
    def fn(*args: Any, **kwargs: Any) -> Any:
        if traced(args, kwargs):
            raise TypeError(f"np.{label} has no derivative in mlgraph, so it can't "
                            f"take a traced value. {alternative}")
        return np_fn(*args, **kwargs)
    fn.alternative = alternative  # type: ignore[attr-defined]
    return _register(fn, np_fn, name, "refused")


def no_out(name: str, out: Any, where: Any = True) -> None:
    """Refuse numpy's in-place options (``out=``, ``where=``) for a traced value."""
    if out is not None:
        raise TypeError(f"np.{name}(..., out=...) writes into an array in place, and "
                        "mlgraph's values can't change once computed. Use the returned "
                        f"value: y = np.{name}(...).")
    if where is not True:
        raise TypeError(f"np.{name}(..., where=...) leaves entries of an output array "
                        f"unwritten; for a traced value write np.{name}(np.where(mask, "
                        "x, neutral)) instead.")


def keep_dtype(out: Any, like: Any) -> Any:
    """out in like's float dtype, as numpy's in-place update would leave it."""
    want = np.asarray(P.value_of(like)).dtype
    if want.kind == "f" and out.dtype != want:
        return P.astype(out, dtype=want.name)
    return out


def cast(x: Any, dtype: Any) -> Any:
    """``x.astype(dtype)`` when a dtype was asked for (numpy's ``dtype=`` option)."""
    return x if dtype is None else x.astype(dtype)


def wrap_ufunc(rule: Callable, ufunc: np.ufunc,
               methods: dict[str, Callable] | None = None,
               kind: str = "differentiable") -> Callable:
    """numpy's ufunc, with a rule (a primitive or a composition) for traced values.

    ``np.exp(x)`` records ``exp`` when ``x`` is traced and is numpy's ``np.exp`` when
    it is not. The result is a function (a call costs no more than a primitive's),
    carrying the ufunc's methods and attributes: ``np.add.at(a, idx, b)`` mutates ``a``
    as numpy does; with a traced value it returns the result instead, and asks for
    ``inplace=False`` to say so (JAX's convention): a discarded result would otherwise
    leave ``a`` silently unchanged. ``methods`` gives the rules of ``at``, ``reduce``,
    ``accumulate`` and ``outer`` for traced values.
    """
    prim = rule if isinstance(rule, Primitive) else None
    name = ufunc.__name__
    rules = methods or {}

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not kwargs:
            for a in args:                  # NOTE: the common case, as Primitive does
                if isinstance(a, Traced):
                    return a._bind(prim, args, {}) if prim is not None else rule(*args)
            return ufunc(*args)
        if not traced(args, kwargs):
            return ufunc(*args, **kwargs)
        dtype = kwargs.pop("dtype", None)
        no_out(name, kwargs.pop("out", None), kwargs.pop("where", True))
        if kwargs:
            raise TypeError(f"np.{name} on a traced value takes no "
                            f"{', '.join(kwargs)} option.")
        return cast(rule(*args), dtype)

    def method(which: str) -> Callable:
        def run(*args: Any, **kwargs: Any) -> Any:
            if not traced(args, kwargs):
                return getattr(ufunc, which)(*args, **kwargs)
            if which not in rules:
                raise TypeError(
                    f"np.{name}.{which} has no derivative in mlgraph, so it can't take "
                    "a traced value. Write it with whole-array functions (np.sum, "
                    "np.cumsum, np.max...) or x.at[i].")
            return rules[which](*args, **kwargs)
        run.__name__ = which
        run.__doc__ = getattr(getattr(ufunc, which), "__doc__", None)
        return run

    def at(a: Any, indices: Any, b: Any = None, *, inplace: bool = True) -> Any:
        """numpy's unbuffered in-place operation, or its result (``inplace=False``).

        ``inplace=False`` leaves ``a`` as it is (for plain arrays too); a traced value
        requires it.
        """
        args = (a, indices) if b is None else (a, indices, b)
        if traced(args):
            return method("at")(*args, inplace=inplace)
        if inplace:
            return ufunc.at(*args)
        result = np.array(a, copy=True)
        ufunc.at(result, *args[1:])
        return result

    for attr in ("nin", "nout", "nargs", "ntypes", "types", "identity", "signature"):
        setattr(wrapped, attr, getattr(ufunc, attr))
    wrapped.__name__ = wrapped.__qualname__ = name
    wrapped.__doc__ = ufunc.__doc__
    wrapped.at = at  # type: ignore[attr-defined]
    for which in ("reduce", "accumulate", "outer", "reduceat"):
        setattr(wrapped, which, method(which))
    wrapped.rule, wrapped.ufunc, wrapped.numpy = rule, ufunc, ufunc  # type: ignore
    wrapped.primitive, wrapped.kind = prim, kind  # type: ignore[attr-defined]
    return wrapped


def offer(name: str, rule: Callable, methods: dict[str, Callable] | None = None
          ) -> Any:
    """numpy's ufunc ``name`` with ``rule`` for traced values, in `COVERAGE`.

    ``None`` where this numpy has no such ufunc.
    """
    ufunc = getattr(np, name, None)
    if not isinstance(ufunc, np.ufunc):
        return None
    wrapped = wrap_ufunc(rule, ufunc, methods)
    COVERAGE[name] = wrapped
    return wrapped


def ufunc_on_values(ufunc: np.ufunc) -> Callable:
    """numpy's ufunc whose result on a traced value is computed from its numbers."""
    label = f"np.{ufunc.__name__}"
    wrapped = wrap_ufunc(
        lambda *args: decided(args, label, ufunc(*values(args, label))), ufunc,
        kind="values")
    COVERAGE[ufunc.__name__] = wrapped
    return wrapped
