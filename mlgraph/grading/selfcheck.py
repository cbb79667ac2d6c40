"""The self-check a student runs in the notebook: ``check(gradients, assignment=...)``.

It calls the student's function on the assignment's public cases in this process (the
batch grader uses other, hidden cases in a sandbox), grades the results like the batch
grader and returns the `Report`: an HTML table per output in Jupyter, text elsewhere.
With ``strict=True`` (nbgrader / otter test cells) a report that is not full marks
raises `AssertionError` whose message is the same text.
"""

from __future__ import annotations

import traceback
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from ..tracer import Tensor
from .scoring import Call, Report, grade_calls
from .spec import Assignment, Case, Ref, Unreadable, load

__all__ = ["check", "as_data", "describe_exception", "resolve_refs"]


def as_data(value: Any, depth: int = 0) -> Any:
    """A returned value as the data the grader reads (what the sandbox would send).

    Float arrays, lists, tuples, dicts, None; anything else is `Unreadable`.
    """
    if depth > 20:
        return Unreadable("nested too deeply")
    if value is None:
        return None
    if isinstance(value, tuple | list):
        items = [as_data(v, depth + 1) for v in value]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, dict):
        return {str(k): as_data(v, depth + 1) for k, v in value.items()}
    raw = value.value if isinstance(value, Tensor) else value
    if isinstance(raw, np.ndarray | np.generic | float | int | bool):
        arr = np.asarray(raw)
        if arr.dtype.kind in "biuf":
            return arr.astype(np.float64)
        return Unreadable(f"an array of dtype {arr.dtype}")
    return Unreadable(f"a {type(value).__name__}")


def describe_exception(err: BaseException, fn_name: str, tb: Any = None) -> str:
    """``"gradients() raised ValueError: … (at line 12: …)"``.

    The line is the last one in the student's own code.
    """
    where = ""
    frames = traceback.extract_tb(tb or err.__traceback__)
    own = [f for f in frames if "mlgraph/grading" not in f.filename.replace("\\", "/")]
    if own:
        where = f" (at line {own[-1].lineno}: {(own[-1].line or '').strip()[:80]})"
    msg = str(err)[:500]
    return f"{fn_name}() raised {type(err).__name__}{': ' + msg if msg else ''}{where}"


def resolve_refs(a: Assignment, args: tuple) -> tuple:
    """Replace `Ref`s by the objects the assignment's preamble defines (with numpy)."""
    if not any(isinstance(x, Ref) for x in args):
        return args
    namespace: dict[str, Any] = {"np": np, "__name__": "preamble"}
    exec(compile(a.preamble, f"<{a.name} preamble>", "exec"), namespace)  # noqa: S102
    return tuple(namespace[x.name] if isinstance(x, Ref) else x for x in args)


def _copy(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return x.copy()
    if isinstance(x, list | tuple):
        return type(x)(_copy(v) for v in x)
    if isinstance(x, dict):
        return {k: _copy(v) for k, v in x.items()}
    return x


def _forbidden_uses(fn: Callable, a: Assignment) -> list[str]:
    """Names in fn's code bound to modules or functions of forbidden packages."""
    found = set()
    code_objects = [getattr(fn, "__code__", None)]
    while code_objects:
        code = code_objects.pop()
        if code is None:
            continue
        code_objects += [c for c in code.co_consts if isinstance(c, types.CodeType)]
        for name in code.co_names:
            obj = getattr(fn, "__globals__", {}).get(name)
            mod = obj.__name__ if isinstance(obj, types.ModuleType) else getattr(
                obj, "__module__", None)
            if isinstance(mod, str) and mod.split(".")[0] in a.forbidden_imports:
                found.add(f"{name} ({mod.split('.')[0]})")
    return sorted(found)


def check(fn: Callable, assignment: str | Assignment, *,
          strict: bool = False) -> Report:
    """Check a student's function on the assignment's public cases.

    Args:
        fn: the function the assignment asks for (e.g. ``gradients``).
        assignment: a shipped name (``"iris-backprop"``) or a spec module's path.
        strict: raise `AssertionError` (with the report's text) unless full marks, as
            nbgrader and otter test cells expect.

    Returns:
        The `Report`: a table per output (shapes yours vs expected, max relative error,
        pass / fail per entry group, a diagnosis of recognisable mistakes), no values.

    Raises:
        AssertionError: with ``strict=True``, when anything fails.
        TypeError: if ``fn`` is not callable.
    """
    if not callable(fn):
        raise TypeError(f"check() needs the function you wrote, e.g. check(gradients, "
                        f"assignment=...), got {type(fn).__name__}.")
    a = load(assignment)
    cases: list[Case] = a.cases(np.random.default_rng(0), hidden=False)
    name = getattr(fn, "__name__", a.function)
    calls, not_implemented = [], False
    for case in cases:
        try:
            value = fn(*_copy(resolve_refs(a, case.args)))
        except NotImplementedError:
            not_implemented = True
            calls.append(Call(problem=f"{name}() is not implemented yet"))
        except Exception as err:  # the student's bug, reported per case
            calls.append(Call(problem=describe_exception(err, name)))
        else:
            calls.append(Call(value=as_data(value)))
    report = grade_calls(a, cases, calls)
    if not_implemented:
        report.status = "not_implemented"
        report.verdict = (f"{name}() is not implemented yet (it raises "
                          "NotImplementedError): write it, then run this check again.")
    uses = _forbidden_uses(fn, a)
    if uses:
        report.notes.append(f"{name}() uses {', '.join(uses)}, which this assignment "
                            "forbids: the grader gives such a submission 0 points.")
    if strict and (not report.passed or uses):
        raise AssertionError(str(report))
    return report
