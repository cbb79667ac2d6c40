"""The errors a student can act on, built from plain data, and the `debug_nans` switch.

Each builder takes names, shapes and node listings from its caller (the tracer, the
sweeps, the trainer), so one message template serves them all: what went wrong, what we
saw, how to fix it. Imports numpy and the standard library only.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any

import numpy as np

__all__ = ["ValueDependence", "TracedValueError", "NonFiniteError", "debug_nans",
           "debug_nans_on", "check_finite", "shape_error", "warn_domain",
           "user_stacklevel", "user_line"]

_HERE = os.path.dirname(os.path.abspath(__file__)) + os.sep


class ValueDependence(TypeError):
    """f used a traced value as a plain number while being traced for graph reuse."""


class TracedValueError(TypeError):
    """A value that needs a gradient was turned into a plain number or numpy array.

    ``float(x)``, ``math.log(x)``, ``np.asarray(x)``, writing ``x`` into a numpy array:
    the result would count as a constant and the derivative would come out wrong, so
    mlgraph refuses. The message names the node and the fix.

    Attributes:
        node: the id of the traced node (its number while tracing).
        what: the conversion, e.g. ``"float()"``.
    """

    def __init__(self, node: int, what: str, message: str) -> None:
        self.node, self.what = node, what
        super().__init__(message)


class NonFiniteError(FloatingPointError):
    """A value, tangent or cotangent became NaN or ±∞ while `debug_nans` was on.

    Attributes:
        node: the id of the node whose quantity is not finite.
        quantity: ``"value"``, ``"tangent"`` or ``"cotangent"``.
        where: that quantity as the message names it, e.g. ``"v3 = √(v2)"`` or
            ``"the cotangent v̄2 (from v3 = v2 × v1)"``.
        bad: ``"nan"`` or ``"inf"``.
        during: ``"while tracing"``, ``"in the reverse-mode sweep"``, ...
    """

    def __init__(self, node: int, quantity: str, where: str, bad: str, during: str
                 ) -> None:
        self.node, self.quantity, self.where = node, quantity, where
        self.bad, self.during = bad, during
        super().__init__(
            f"debug_nans: {where} produced {bad} {during}. This is the first node "
            "with a non-finite value; look at its inputs' values (print the graph's "
            "trace table) to see which one is out of range.")


# NOTE: a context variable, not a global: debug_nans in one thread (or asyncio task)
# must not make another thread's sweeps raise.
_DEBUG_NANS: ContextVar[bool] = ContextVar("mlgraph_debug_nans", default=False)


def debug_nans_on() -> bool:
    """Whether `debug_nans` is switched on in this thread (context)."""
    return _DEBUG_NANS.get()


class debug_nans:  # noqa: N801 - used like a function, as jax.debug_nans
    """Raise at the first node whose value, tangent or cotangent is NaN or Inf.

    Use ``mlgraph.debug_nans()`` to switch it on for the current thread,
    ``mlgraph.debug_nans(False)`` to switch it off, or ``with mlgraph.debug_nans():``
    for one block. The error is a `NonFiniteError` naming the node. The switch is
    per thread (a context variable): other threads are not affected.
    """

    def __init__(self, on: bool = True) -> None:
        self._token = _DEBUG_NANS.set(bool(on))

    def __enter__(self) -> debug_nans:
        return self

    def __exit__(self, *exc: Any) -> None:
        _DEBUG_NANS.reset(self._token)


def check_finite(value: Any, node: int, quantity: str, where: Callable[[], str],
                 during: str) -> None:
    """Raise `NonFiniteError` if ``value`` has a NaN or an Inf.

    ``value`` is an array, a number or a traced value; ``where()`` names it.
    """
    arr = np.asarray(getattr(value, "value", value))
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        bad = "nan" if np.any(np.isnan(arr)) else "inf"
        raise NonFiniteError(node, quantity, where(), bad, during)


def shape_error(prim: Any, names: Sequence[str], shapes: Sequence[tuple[int, ...]],
                at: str, params: dict, err: Exception) -> ValueError:
    """A ValueError naming the op, every operand's shape, and the node being built.

    Args:
        prim: the `Primitive` whose forward failed (its ``hint`` says how to fix it).
        names: the operands as the student knows them, ``"'X' (v1)"`` or ``"v4"``.
        shapes: their shapes.
        at: where, e.g. ``" at node v2 = v0 @ v1"`` (empty outside a trace).
        params: the primitive's static parameters.
        err: numpy's own error.
    """
    seen = ", ".join(f"{n} has shape {s}" for n, s in zip(names, shapes, strict=True))
    hint = (prim.hint(list(shapes), **params) if prim.hint is not None
            else "Check the shapes above; numpy broadcasting rules apply.")
    return ValueError(f"{prim.name}{at}: {seen}. {hint} (numpy said: {err})")


def warn_domain(prim: Any, node: str, operand: str, x: Any) -> None:
    """Warn that a primitive got input outside its domain (``prim.domain``).

    The warning names the node (``"v1 = ln(v0)"``), the operand (``"'x' (v0)"``) and
    its smallest entry.
    """
    _, problem, fix = prim.domain
    smallest = np.min(np.asarray(x))
    warnings.warn(f"{prim.symbol} at node {node} got a {problem} (smallest entry of "
                  f"{operand}: {smallest:.4g}). {fix}", RuntimeWarning,
                  stacklevel=user_stacklevel())


def user_line() -> tuple[str, str]:
    """The code of the first frame outside mlgraph: ``(its line, the expression run)``.

    The expression is the part of the line being evaluated (Python ≥ 3.11; the line
    again before). ``("", "")`` if unknown.
    """
    import linecache

    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_HERE):
        frame = frame.f_back
    if frame is None:
        return "", ""
    line = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
    part = line
    positions = getattr(frame.f_code, "co_positions", None)
    if positions is not None:
        try:
            first, last, start, end = list(positions())[frame.f_lasti // 2]
        except (IndexError, ValueError):
            first = None
        if first == last == frame.f_lineno and start is not None and end is not None:
            part = line.encode()[start:end].decode(errors="replace")
    return line.strip(), part.strip()


def user_stacklevel() -> int:
    """The stacklevel of the first frame outside mlgraph, so warnings name user code."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_HERE):
        frame, level = frame.f_back, level + 1
    return level
