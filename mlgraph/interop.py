"""How a traced value meets Python and numpy: what runs, what is a constant, what not.

A value that needs a gradient never leaves the graph silently. `Interop` (a base class
of `mlgraph.Tensor`) gives it Python's conversions (``float``, ``int``, ``round``,
``bool``, ``math.*``, ``np.float64``, ``np.asarray``, writes into numpy arrays), which
raise `TracedValueError` naming the node and the fix, and numpy's protocols
(``__array_function__``, ``__array_ufunc__``), which dispatch by three tables:

- `NUMPY_RULES`: numpy function → `mlgraph.numpy`'s function of the same name, filled
  by `register_rules` from ``mlgraph.numpy.COVERAGE`` (``np.sum`` → ``mnp.sum``), plus
  the primitives' ``ufuncs`` (``np.exp`` → ``exp``). `mlgraph.numpy`'s function decides
  by its kind: differentiable, run on the values, or refused naming the alternative.
- `ON_VALUES`: numpy functions `mlgraph.numpy` does not list that may run on the
  numbers (printing: ``np.array2string``...). Those it lists with kind ``"values"``
  (``np.argmax``, ``np.isfinite``, comparisons) run there and record their result as a
  decision of the trace (the gradient checker finds kinks with them).
- everything else is refused, naming the `mlgraph.numpy` function to use.

Add a numpy function to the first table by adding it to `mlgraph.numpy` (it joins
``COVERAGE``) or giving a primitive ``ufuncs=``/``numpy_names=``. Layer 2: imports
layers 0-1.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from .errors import TracedValueError, user_line
from .graph import listing_text
from .primitives import UFUNCS

__all__ = ["Interop", "NUMPY_RULES", "ON_VALUES", "register_rules", "needs_grad",
           "describe"]

NUMPY_RULES: dict[Callable, Callable] = {}
"""numpy function or ufunc → the mlgraph function run on a traced value instead."""
_OURS: dict[Callable, str] = {}     # mlgraph.numpy's function → its full name

ON_VALUES: set[Callable] = {np.array2string, np.array_repr, np.array_str}
"""numpy functions outside ``COVERAGE`` that may read a traced value: printing."""

#: A ufunc's reduction and the numpy function it stands for (np.add.reduce is np.sum).
_REDUCTIONS = {np.add: np.sum, np.maximum: np.max, np.minimum: np.min,
               np.multiply: np.prod}
_COMPARE = {operator.lt: "<", operator.le: "<=", operator.gt: ">", operator.ge: ">=",
            operator.eq: "==", operator.ne: "!="}


def register_rules(coverage: Mapping[str, Callable]) -> None:
    """Dispatch each numpy function to its `mlgraph.numpy` function (``COVERAGE``).

    Every kind goes through `mlgraph.numpy`'s function, which knows what to do with a
    traced value: a differentiable one records primitives, one of kind ``"values"``
    runs on the numbers (recorded as a decision), a refused one raises naming the
    alternative.
    """
    for name, ours in coverage.items():
        theirs = getattr(ours, "numpy", None)
        if callable(theirs) and ours is not theirs and not isinstance(theirs, type):
            NUMPY_RULES.setdefault(theirs, ours)
            _OURS.setdefault(ours, f"mlgraph.numpy.{name}")


def numpy_name(fn: Any) -> str:
    """``np.sum``, ``np.linalg.norm``, ``np.add.reduce``: how the student wrote it."""
    module = (getattr(fn, "__module__", None) or "numpy").replace("numpy", "np", 1)
    module = "np" if module in ("np", "np.core.fromnumeric", "np._core.fromnumeric",
                                "np.core.numeric", "np._core.numeric") else module
    return f"{module}.{getattr(fn, '__name__', repr(fn))}"


def _mnp_name(fn: Any) -> str | None:
    """The mlgraph.numpy function that runs instead of numpy's ``fn`` (None: none)."""
    rule = NUMPY_RULES.get(fn) or UFUNCS.get(fn)
    if rule is None:
        return None
    if rule in _OURS:
        return _OURS[rule]
    names = getattr(rule, "numpy_names", None) or (getattr(rule, "__name__", "?"),)
    return f"mlgraph.numpy.{names[0]}"


class Interop:
    """Python's conversions and numpy's protocols for a traced value (see the module).

    A subclass provides ``value``, ``_trace`` and ``_id``; its trace (the recorder of
    `mlgraph.tracer`) its columns, ``decide(id, test, outcome)`` and
    ``check_reusable(id, what)``.
    """

    __slots__ = ()
    value: Any

    # --- the one gate ----------------------------------------------------------------

    def _leave(self, what: str, fix: str) -> Any:
        """The numbers, for a use that leaves the graph; refused if they need gradients.

        In a strict trace (a graph to re-run at other values) any such use raises
        `ValueDependence`, so the caller traces again instead.
        """
        t = self._trace
        if t is None or not t.open:
            return self.value
        if needs_grad(t, self._id):
            where, part = user_line()
            what, fix = _explain(what, fix, part, where)
            raise TracedValueError(
                self._id, what,
                f"{what} of the traced value {describe(t, self._id)}"
                f"{f' (in `{where}`)' if where else ''} would drop its gradient: the "
                "result is a plain number, so everything computed from it counts as a "
                f"constant and the derivative comes out wrong. {fix}")
        t.check_reusable(self._id, what)
        return self.value

    def _concrete(self, what: str) -> Any:
        """The numbers, for a use that decides on them (indexing with a traced value).

        Recorded as a decision; refused in a strict trace. What may index is checked
        by the caller (a float index is refused there: indices are not differentiable).
        """
        return self._decide(what, self.value)

    def _read(self, what: str) -> Any:
        """The numbers, for a composition that builds masks or orders from them.

        Not a decision by itself (the caller records what it decides); refused in a
        strict trace.
        """
        t = self._trace
        if t is not None and t.open:
            t.check_reusable(self._id, what)
        return self.value

    def _decide(self, test: str, outcome: Any) -> Any:
        """Record a decision taken on this value's numbers (a comparison, an argmax)."""
        t = self._trace
        if t is not None and t.open:
            t.check_reusable(self._id, test)
            t.decide(self._id, test, outcome)
        return outcome

    # --- Python's conversions --------------------------------------------------------

    def __float__(self) -> float:
        return float(self._leave("float() (or math.*, np.float64)", _FIX_FLOAT))

    def __complex__(self) -> complex:
        return complex(self._leave("complex()", _FIX_FLOAT))

    def __int__(self) -> int:
        return int(self._leave("int()", _FIX_INT))

    def __index__(self) -> int:
        value = np.asarray(self._leave("using it as an index or a count", _FIX_INT))
        if value.dtype.kind not in "iub" or value.ndim:
            raise TypeError(f"a {value.dtype} tensor of shape {value.shape} can't be "
                            "an index or a count; only integer scalars can. Use "
                            "int(x.value) for a deliberate constant.")
        return int(value)

    def __round__(self, ndigits: int | None = None) -> Any:
        value = self._leave("round()", _FIX_INT)
        return round(float(value)) if ndigits is None else np.round(value, ndigits)

    def item(self, *args: Any) -> Any:
        """One entry as a Python number, (refused if it needs a gradient)."""
        return np.asarray(self._leave(".item()", _FIX_FLOAT)).item(*args)

    def tolist(self) -> Any:
        """The entries as nested Python lists (refused if they need gradients)."""
        return np.asarray(self._leave(".tolist()", _FIX_FLOAT)).tolist()

    def __bool__(self) -> bool:
        value = self._leave("a truth test (if x:, and, or, not)", _FIX_BOOL)
        return bool(self._decide("truth test", bool(value)))

    def __format__(self, spec: str) -> str:
        # NOTE: printing keeps working: f"{loss:.3f}" formats the numbers.
        return format(self.value, spec) if spec else repr(self)

    def __setitem__(self, index: Any, value: Any) -> None:
        raise TypeError(
            "a Tensor can't be changed in place (x[i] = v): mlgraph records each value "
            "once, and overwriting an entry would cut the gradient of the old one. "
            "Build the new value instead: x.at[i].set(v) (or .add(v)), or collect the "
            "pieces in a list and join them with mlgraph.numpy.stack / concatenate.")

    def _compare(self, op: Callable, other: Any) -> Any:
        """A comparison: a numpy bool array (not differentiable), and a decision."""
        outcome = op(self.value, getattr(other, "value", other))
        return self._decide(f"{_COMPARE[op]} {_short(other)}", outcome)

    # --- numpy's protocols -----------------------------------------------------------

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        arr = np.asarray(self._leave(
            "np.asarray (or np.array, or writing it into a numpy array)", _FIX_ARRAY),
            dtype=dtype)
        return arr.copy() if copy else arr

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any,
                        **kw: Any) -> Any:
        out = kw.get("out")
        if (out is not None or method != "__call__" or kw) and not _any_open(
                (*inputs, *(out or ()))):
            # NOTE: no value here is being traced: numbers, as numpy computes them
            return getattr(ufunc, method)(*_values(inputs), **_plain_kw(kw))
        if out is not None:
            raise _in_place(self, ufunc, out)
        if method == "__call__":
            if not kw:
                rule = UFUNCS.get(ufunc) or NUMPY_RULES.get(ufunc)
                if rule is not None:
                    return rule(*inputs)
            if ufunc in ON_VALUES:
                return self._on_values(ufunc, inputs, kw)
        elif method == "reduce" and ufunc in _REDUCTIONS:
            return self.__array_function__(_REDUCTIONS[ufunc], (), inputs, kw)
        name = numpy_name(ufunc) + ("" if method == "__call__" else f".{method}")
        raise _refusal(self, name, _mnp_name(ufunc) if kw else None, kw)

    def __array_function__(self, func: Callable, types: Any, args: tuple,
                           kwargs: dict) -> Any:
        if func not in NUMPY_RULES and not _any_open((*args, *kwargs.values())):
            return func(*_values(args), **_plain_kw(kwargs))   # nothing traced here
        if kwargs.get("out") is not None:
            raise _in_place(self, func, kwargs["out"])
        rule = NUMPY_RULES.get(func)
        if rule is not None:
            try:
                return rule(*args, **kwargs)
            except TypeError as err:
                if err.__traceback__.tb_next is not None:    # raised inside the rule
                    raise
                raise _refusal(self, numpy_name(func), _mnp_name(func), kwargs,
                               err) from None
        if func in ON_VALUES:
            return self._on_values(func, args, kwargs)
        raise _refusal(self, numpy_name(func), None, kwargs)

    def _on_values(self, fn: Callable, args: Iterable[Any], kwargs: dict) -> Any:
        """fn on the numbers of every traced argument; the result is a constant."""
        plain = [_values(a) for a in args]
        outcome = fn(*plain, **kwargs)
        for a in _traced(args):
            a._decide(numpy_name(fn), outcome)
        return outcome


def needs_grad(t: Any, nid: int) -> bool:
    """Whether node ``nid`` of trace ``t`` depends on a differentiable input.

    Of this trace, or through a value of an enclosing trace that needs one.
    """
    if t.needs_known is None:
        t.needs_known = {}
    known = t.needs_known.get(nid)
    if known is not None:
        return known
    found, stack, seen = False, [nid], {nid}
    while stack and not found:
        j = stack.pop()
        if t.prims[j] is None:
            outer = t.outer.get(j)
            found = (j in t.inputs and j not in t.data) or (
                outer is not None and outer._trace.open
                and needs_grad(outer._trace, outer._id))
            continue
        for k in t.args[j]:
            if k not in seen:
                seen.add(k)
                stack.append(k)
    t.needs_known[nid] = found
    return found


def describe(t: Any, nid: int) -> str:
    """Node ``nid`` for a message: ``'x' (v0)``, or ``v3 = ln(x)``.

    Inputs and constants are written by their labels.
    """
    prim = t.prims[nid]
    if prim is None:
        return t.name_of(nid)
    names = [t.labels[j] if t.prims[j] is None else f"v{j}" for j in t.args[nid]]
    return f"v{nid} = {listing_text(prim, names, t.params[nid])}"


def _explain(what: str, fix: str, part: str, line: str) -> tuple[str, str]:
    """The conversion and its fix, made precise by the user's code.

    ``part`` (the expression being run) may be a ``math.f(...)`` call, ``line`` an
    assignment into an array (``a[i] = x``).
    """
    for code in (part, line):
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        found = _conversion_in(tree)
        if found is not None:
            return found
    return what, fix


def _conversion_in(tree: ast.AST) -> tuple[str, str] | None:
    for node in ast.walk(tree):
        targets = (node.targets if isinstance(node, ast.Assign) else
                   [node.target] if isinstance(node, ast.AugAssign) else [])
        if any(isinstance(t, ast.Subscript) for t in targets):
            return "writing it into an array (a[i] = x)", _FIX_ARRAY
        func = getattr(node, "func", None)
        if isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "math":
            return (f"math.{func.attr}()", f"math.{func.attr} works on plain Python "
                    f"numbers only: use mg.{func.attr} (or mlgraph.numpy.{func.attr}), "
                    "which records the operation, or write x.value if a constant is "
                    "what you mean.")
    return None


def _values(a: Any) -> Any:
    if isinstance(a, Interop):
        return a.value
    if isinstance(a, (list, tuple)):
        return type(a)(_values(x) for x in a)
    return a


def _plain_kw(kw: dict) -> dict:
    return {k: _values(v) for k, v in kw.items()}


def _any_open(args: Iterable[Any]) -> bool:
    """Whether a value in ``args`` (or in a list or tuple there) is being traced."""
    for a in _traced(args):
        t = a._trace
        if t is not None and t.open:
            return True
    return False


def _traced(args: Iterable[Any]) -> list[Interop]:
    found = []
    for a in args:
        if isinstance(a, Interop):
            found.append(a)
        elif isinstance(a, (list, tuple)):
            found += _traced(a)
    return found


def _short(x: Any) -> str:
    value = getattr(x, "value", x)
    if np.ndim(value) == 0:
        return f"{float(value):.4g}" if np.asarray(value).dtype.kind in "fiub" else "?"
    return f"array{list(np.shape(value))}"


def _who(x: Interop) -> str:
    t = x._trace
    return describe(t, x._id) if t is not None and t.open else "a Tensor"


def _in_place(x: Interop, fn: Any, out: Any) -> TypeError:
    target = out[0] if isinstance(out, tuple) and len(out) == 1 else out
    shape = np.shape(getattr(target, "value", target))
    return TracedValueError(
        x._id, "in-place write",
        f"{numpy_name(fn)}(..., out=...) (or an in-place operator such as acc += t) "
        f"would write the traced value {_who(x)} into a numpy array of shape {shape}, "
        "and a numpy array keeps numbers, not gradients. Write a new value instead "
        "(acc = acc + t), or collect the pieces in a list and join them with "
        "mlgraph.numpy.stack.")


def _refusal(x: Interop, name: str, ours: str | None, kwargs: dict,
             err: Exception | None = None) -> TypeError:
    if ours is not None:
        given = ", ".join(f"{k}=" for k in kwargs) or str(err)
        return TypeError(
            f"{name} on the traced value {_who(x)} runs {ours}, which does not take "
            f"these arguments ({given}). Call {ours} with the arguments it documents "
            f"(help({ours})).")
    return TypeError(
        f"{name} has no differentiation rule in mlgraph, so it can't run on the traced "
        f"value {_who(x)} (its gradient would be lost). Use the mlgraph.numpy function "
        "if there is one (import mlgraph.numpy as np), compose it from those, or apply "
        "it to x.value if a constant (no gradient through it) is what you mean.")


_FIX_FLOAT = ("Compute with mlgraph's functions instead (mg.log, mg.sin, or "
              "import mlgraph.numpy as np: np.log...), never math.* or float(); write "
              "x.value (e.g. float(x.value)) if a constant is what you mean.")
_FIX_INT = ("For a rounded value inside the computation use np.floor / np.round (their "
            "derivative is 0); write int(x.value) if a constant is what you mean.")
_FIX_BOOL = ("Write the condition out (if x > 0:): comparisons are allowed and the "
             "branch taken is recorded; or keep both branches with "
             "mlgraph.numpy.where(cond, a, b); write bool(x.value) if a constant test "
             "is what you mean.")
_FIX_ARRAY = ("Use the mlgraph.numpy functions on it (import mlgraph.numpy as np); "
              "build arrays from traced pieces with mlgraph.numpy.stack or "
              "x.at[i].set(v), not by assigning into a numpy array; write x.value if a "
              "constant is what you mean.")
