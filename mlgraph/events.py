"""The one event model: what a sweep emits, its JSON form, and replay to display state.

`Event` is plain frozen data; `replay(events, cursor)` defines what every node shows
after a given step, and `js/state.js` mirrors it line for line. A `Mode` names a run
(one stream of events): ``"eval"``, ``"forward:x1"`` or ``"reverse"``, parsed here once.
Imports numpy and stdlib only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

__all__ = ["Event", "Mode", "replay", "summarize", "SUMMARY_SIZE"]

Sweep = Literal["eval", "forward", "reverse"]
Kind = Literal["seed", "visit", "accumulate"]

SUMMARY_SIZE = 64
"""Arrays with more entries than this go to JSON as ``{shape, min, max, mean}``."""

_FIELD = {"eval": "primal", "forward": "tangent", "reverse": "cotangent"}
_PHASE = {"eval": "forward", "forward": "forward", "reverse": "reverse"}


@dataclass(frozen=True, slots=True)
class Event:
    """One step of a sweep.

    Attributes:
        step: index in this run's event list, dense from 0.
        sweep: ``"eval"`` (primals), ``"forward"`` (tangents) or ``"reverse"``
            (cotangents).
        kind: ``"seed"`` (a value is given), ``"visit"`` (a node's quantity is computed,
            or in reverse mode is final) or ``"accumulate"`` (one contribution flows
            in).
        node: the node whose quantity changes.
        value: that quantity after this event.
        src: for ``accumulate``, the consumer node sending the contribution.
        argnum: for ``accumulate``, which argument slot of ``src`` (tells ``x*x``
            apart).
        delta: for ``accumulate``, the contribution added.
    """

    step: int
    sweep: Sweep
    kind: Kind
    node: int
    value: Any
    src: int | None = None
    argnum: int | None = None
    delta: Any = None

    def to_json(self) -> dict:
        """Compact JSON-ready dict; large arrays are summarized (see `summarize`)."""
        d = {"step": self.step, "sweep": self.sweep, "kind": self.kind,
             "node": self.node, "value": summarize(self.value)}
        if self.kind == "accumulate":
            d.update(src=self.src, argnum=self.argnum, delta=summarize(self.delta))
        return d


_MODE = re.compile(r"(?P<eval>eval)|(?P<sweep>forward|reverse)"
                   r"(?::(?P<wrt>[^\s:\[\]]+)(?:\[(?P<index>[^\]]*)\])?)?")


@dataclass(frozen=True, slots=True)
class Mode:
    """A run of the sweeps: ``"eval"``, ``"forward:w[1]"``, ``"reverse"``...

    ``"eval"`` is an eval sweep. ``"forward:x1"`` is a forward-mode run seeded with 1 in
    the tangent of the scalar input ``x1``; ``"forward:w[1]"`` seeded with 1 in entry 1
    of the vector input ``w`` (one column of the Jacobian). A whole non-scalar input
    (``"forward:w"``) needs an explicit direction (``tangent=``): seeding every entry
    with 1 would show the sum of the partial derivatives, not ∂y/∂w. ``"reverse"`` is an
    eval sweep followed by the reverse sweep from a scalar output; ``"reverse:y2"`` or
    ``"reverse:y[0]"`` from one output (entry) of several (one row of the Jacobian).
    Plain ``"forward"`` and ``"reverse"`` name a graph's only input or output. Mode
    strings are parsed once, here; ``str(mode)`` gives the text back, the key of the
    widget's event streams.

    Attributes:
        sweep: ``"eval"``, ``"forward"`` or ``"reverse"``.
        wrt: the input (forward) or output (reverse) it is about (``None``: not named).
        index: the entry of that input or output (``None``: all of it).

    Example:
        >>> Mode.parse("forward:w[1]")
        Mode(sweep='forward', wrt='w', index=(1,))
        >>> str(Mode.parse("forward").resolve(["x"], [()]))
        'forward:x'
        >>> str(Mode.parse("forward:W[-1, 0]").resolve(["W"], [(2, 3)]))
        'forward:W[1,0]'
    """

    sweep: Sweep
    wrt: str | None = None
    index: tuple[int, ...] | None = None

    @classmethod
    def parse(cls, mode: str | Mode) -> Mode:
        """The `Mode` a text names (a `Mode` is returned as it is).

        Raises:
            ValueError: for anything but ``eval``, ``forward[:<input>[<entry>]]`` and
                ``reverse[:<output>[<entry>]]``.
        """
        if isinstance(mode, Mode):
            return mode
        m = _MODE.fullmatch(mode.strip()) if isinstance(mode, str) else None
        if m is None:
            raise ValueError(f"unknown mode {mode!r}; use 'eval', 'forward:<input>' or "
                             "'reverse' (one entry of a vector input: 'forward:w[1]'; "
                             "one of several outputs: 'reverse:y2').")
        if m["eval"]:
            return cls("eval")
        index = None
        if m["index"] is not None:
            try:
                index = tuple(int(p) for p in m["index"].split(","))
            except ValueError:
                raise ValueError(f"the entry in the mode {mode!r} must be integers, "
                                 "e.g. 'forward:w[1]' or 'forward:W[0,2]'.") from None
        return cls(m["sweep"], m["wrt"], index)

    def resolve(self, names: Sequence[str], shapes: Sequence[tuple[int, ...]] | None
                = None, *, direction: bool = False) -> Mode:
        """This mode checked against a graph's inputs (forward) or outputs (reverse).

        Args:
            names: the inputs' labels (forward) or the outputs' names (reverse).
            shapes: their shapes (``None``: not checked).
            direction: a direction (``tangent=`` / ``cotangent=``) is given, so a whole
                non-scalar input or output may be named.

        Returns:
            The mode with its input or output named (a graph's only one), and its entry
            made non-negative. A reverse mode of a graph with one output stays
            ``"reverse"``.

        Raises:
            ValueError: naming the inputs or outputs there are and what to write.
        """
        if self.sweep == "eval":
            return self
        role = "input" if self.sweep == "forward" else "output"
        wrt = self.wrt
        if wrt is None and direction and self.sweep == "reverse":
            return self                  # a cotangent for every output is given
        if wrt is None:
            if len(names) != 1:
                raise ValueError(
                    f"the mode {str(self)!r} names no {role}; the {role}s are "
                    f"{', '.join(names)}: write e.g. '{self.sweep}:{names[0]}'.")
            wrt = names[0]
        elif wrt not in names:
            raise ValueError(
                f"the mode {str(self)!r} names {wrt!r}, which is not an {role}; the "
                f"{role}s are {', '.join(names)}: write e.g. "
                f"'{self.sweep}:{names[0]}'.")
        shape = None if shapes is None else tuple(shapes[list(names).index(wrt)])
        index = self.index if shape is None else self._entry(wrt, shape, direction)
        if self.sweep == "reverse" and len(names) == 1 and index is None:
            return Mode("reverse")
        return Mode(self.sweep, wrt, index)

    def _entry(self, wrt: str, shape: tuple[int, ...], direction: bool
               ) -> tuple[int, ...] | None:
        """The checked, non-negative entry of ``wrt`` (of ``shape``) this mode seeds."""
        size = math.prod(shape)
        if self.index is None:
            if shape and not direction:
                raise ValueError(_whole(self.sweep, wrt, shape, size))
            return None
        if len(self.index) != len(shape) or not all(
                -n <= i < n for i, n in zip(self.index, shape, strict=True)):
            raise ValueError(
                f"{wrt} has shape {shape}, so {self.sweep}:{wrt}[...] needs "
                f"{len(shape)} ind{'ex' if len(shape) == 1 else 'ices'} within it, got "
                f"{list(self.index)}.")
        return tuple(i % n for i, n in zip(self.index, shape, strict=True))

    def __str__(self) -> str:
        if self.wrt is None:
            return self.sweep
        entry = "" if self.index is None else f"[{','.join(map(str, self.index))}]"
        return f"{self.sweep}:{self.wrt}{entry}"


def _whole(sweep: str, wrt: str, shape: tuple[int, ...], size: int) -> str:
    """Why a whole non-scalar input (or output) can't be a mode without a direction."""
    first = f"{wrt}[{','.join('0' * len(shape))}]"
    if sweep == "forward":
        return (f"forward:{wrt} would seed all {size} entries of {wrt} (shape {shape}) "
                "with 1, so every tangent would be the sum of their partial "
                f"derivatives, not ∂y/∂{wrt}. Seed one entry ('forward:{first}'; a "
                f"full Jacobian takes one forward pass per entry, {size} for {wrt}) or "
                "give the direction explicitly (tangent=...).")
    return (f"reverse:{wrt} would seed all {size} entries of the output {wrt} (shape "
            f"{shape}) with 1, which gives the gradient of their sum. Seed one entry "
            f"('reverse:{first}'; one reverse pass per output entry) or give the "
            "cotangent explicitly (cotangent=...).")


def summarize(x: Any) -> Any:
    """A number, a nested list, or ``{shape, min, max, mean, summary}`` (big arrays)."""
    if x is None:
        return None
    arr = np.asarray(getattr(x, "value", x), dtype=float)
    if arr.ndim == 0:
        return _num(float(arr))
    if arr.size <= SUMMARY_SIZE:
        return _nested(arr.tolist())
    return {"shape": list(arr.shape), "min": _num(float(arr.min())),
            "max": _num(float(arr.max())), "mean": _num(float(arr.mean())),
            "summary": True}


def _num(v: float) -> Any:
    if math.isfinite(v):
        return v
    return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")


def _nested(v: Any) -> Any:
    if isinstance(v, list):
        return [_nested(x) for x in v]
    return _num(v)


def replay(events: list[Event] | list[dict], cursor: int) -> dict[int, dict[str, Any]]:
    """The display state of every node touched by ``events`` after step ``cursor``.

    Each node gets ``primal``, ``tangent`` and ``cotangent`` (the latest value of the
    matching sweep, else ``None``) and ``status``: ``"active"`` for the current event's
    node; ``"done"`` if a ``seed`` or ``visit`` for it lies at or before the cursor
    within the current phase (eval and forward events form one phase, reverse the
    other); ``"pending"`` otherwise. ``cursor = -1`` means nothing has happened yet.

    Args:
        events: `Event`s, or their JSON dicts.
        cursor: the last applied step, ``-1 .. len(events) - 1``.

    Returns:
        node id → ``{"primal", "tangent", "cotangent", "status"}``.
    """
    if not -1 <= cursor < len(events):
        raise ValueError(f"cursor must be between -1 and {len(events) - 1} "
                         f"(there are {len(events)} events), got {cursor}.")
    evs = [e if isinstance(e, dict) else e.to_json() for e in events]
    state: dict[int, dict[str, Any]] = {}
    for e in evs:
        state.setdefault(e["node"], {"primal": None, "tangent": None, "cotangent": None,
                                     "status": "pending"})
        if e.get("src") is not None:
            state.setdefault(e["src"], {"primal": None, "tangent": None,
                                        "cotangent": None, "status": "pending"})
    if cursor < 0:
        return state
    phase = _PHASE[evs[cursor]["sweep"]]
    done = set()
    for e in evs[: cursor + 1]:
        state[e["node"]][_FIELD[e["sweep"]]] = e["value"]
        if _PHASE[e["sweep"]] == phase and e["kind"] in ("seed", "visit"):
            done.add(e["node"])
    for nid, s in state.items():
        s["status"] = "done" if nid in done else "pending"
    state[evs[cursor]["node"]]["status"] = "active"
    return state
