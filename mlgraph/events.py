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


_MODE = re.compile(r"(?P<sweep>eval|reverse)|forward(?::(?P<wrt>[^\s:]+))?")


@dataclass(frozen=True, slots=True)
class Mode:
    """A run of the sweeps, as written ``"eval"``, ``"forward:x1"`` or ``"reverse"``.

    ``"eval"`` is an eval sweep; ``"forward:x1"`` a forward-mode run seeded with ones in
    the tangent of input ``x1`` (plain ``"forward"``: a one-input graph's input);
    ``"reverse"`` an eval sweep followed by the reverse sweep. ``str(mode)`` gives the
    text back, the key of the widget's event streams.

    Attributes:
        sweep: ``"eval"``, ``"forward"`` or ``"reverse"``.
        wrt: for forward mode, the input's label (``None``: not named yet).

    Example:
        >>> Mode.parse("forward:x1")
        Mode(sweep='forward', wrt='x1')
        >>> str(Mode.parse("forward").resolve(["x"]))
        'forward:x'
    """

    sweep: Sweep
    wrt: str | None = None

    @classmethod
    def parse(cls, mode: str | Mode) -> Mode:
        """The `Mode` a text names (a `Mode` is returned as it is).

        Raises:
            ValueError: for anything but ``eval``, ``forward``, ``forward:<input>`` and
                ``reverse``.
        """
        if isinstance(mode, Mode):
            return mode
        m = _MODE.fullmatch(mode) if isinstance(mode, str) else None
        if m is None:
            raise ValueError(f"unknown mode {mode!r}; use 'eval', 'forward:<input>' or "
                             "'reverse'.")
        return cls(m["sweep"] or "forward", m["wrt"])

    def resolve(self, inputs: Sequence[str]) -> Mode:
        """This mode, its input checked against a graph's ``inputs`` (labels).

        A forward mode that names no input gets the graph's only one.

        Raises:
            ValueError: if a forward mode names no input of several, or an unknown one.
        """
        if self.sweep != "forward" or self.wrt in inputs:
            return self
        if self.wrt is None and len(inputs) == 1:
            return Mode("forward", inputs[0])
        problem = ("names no input" if self.wrt is None
                   else f"names {self.wrt!r}, which is not an input")
        raise ValueError(f"the mode {str(self)!r} {problem}; the inputs are "
                         f"{', '.join(inputs)}: write e.g. 'forward:{inputs[0]}'.")

    def __str__(self) -> str:
        if self.sweep == "forward" and self.wrt:
            return f"forward:{self.wrt}"
        return self.sweep


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
