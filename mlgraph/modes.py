"""Runs of the sweeps by mode, and what a full Jacobian costs in each mode.

`run(g, "forward:w[1]")` is every event of one run; `default_modes(g)` the runs a graph
widget precomputes; `pass_counts(g)` the number of sweeps a full Jacobian takes: one
forward pass per scalar input entry (n), one reverse pass per scalar output entry (m).
Mode strings are parsed once, by `mlgraph.events.Mode`. Layer 3.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .events import Event, Mode
from .graph import Graph
from .primitives import shape_of
from .sweeps import eval_sweep, forward_sweep, reverse_sweep

__all__ = ["run", "resolve_mode", "default_modes", "pass_counts", "PassCounts"]


def resolve_mode(g: Graph, mode: str | Mode, *, tangent: Any = None,
                 cotangent: Any = None) -> Mode:
    """``mode`` checked against g's inputs (forward) or outputs (reverse).

    Raises:
        ValueError: naming g's inputs or outputs, e.g. for ``forward:w`` on a vector
            ``w`` without ``tangent=`` (see `Mode`).
    """
    mode = Mode.parse(mode)
    if mode.sweep == "forward":
        return mode.resolve(g.input_names, [shape_of(g.values[i]) for i in g.inputs],
                            direction=tangent is not None)
    if mode.sweep == "reverse":
        return mode.resolve(g.output_names, [shape_of(g.values[i]) for i in g.outputs],
                            direction=cotangent is not None)
    return mode


def run(g: Graph, mode: str | Mode = "reverse", cotangent: Any = None,
        tangent: Any = None) -> list[Event]:
    """Every event of a complete run, with steps numbered densely from 0.

    Args:
        g: a traced graph.
        mode: a `Mode` or its text: ``"eval"``; ``"forward:x1"`` (forward mode by the
            scalar input ``x1``), ``"forward:w[1]"`` (by one entry of ``w``),
            ``"forward:w"`` with ``tangent=``; ``"reverse"`` (an eval sweep, then the
            reverse sweep), ``"reverse:y2"`` / ``"reverse:y[0]"`` (from one output or
            output entry).
        cotangent: ȳ for reverse mode (a tuple, one per output, for several outputs).
        tangent: the direction for the input of a forward mode.

    Returns:
        The list of `Event`s.

    Example:
        >>> import numpy as np, mlgraph as mg
        >>> x, w = np.array([2.0, 3.0, -1.0, 5.0]), np.array([0.1, 0.5, 2.5, 0.2])
        >>> g = mg.trace(lambda x, w, b: mg.sigmoid(x @ w + b), x, w, 3.0)
        >>> round(float(mg.run(g, "forward:w[1]")[-1].value), 4)
        0.1129
    """
    mode = resolve_mode(g, mode, tangent=tangent, cotangent=cotangent)
    if mode.sweep == "eval":
        return list(eval_sweep(g))
    if mode.sweep == "forward":
        return list(forward_sweep(g, wrt=mode, tangent=tangent))
    if mode.wrt is not None and cotangent is None:
        cotangent = _one_hot_cotangent(g, mode)
    events = list(eval_sweep(g))
    return events + list(reverse_sweep(g, cotangent, start=len(events)))


def _one_hot_cotangent(g: Graph, mode: Mode) -> Any:
    """The cotangent of ``reverse:y2`` or ``reverse:y[1]``: 1 there, zero elsewhere."""
    k = g.output_names.index(mode.wrt)
    out = g.values[g.outputs[k]]
    seed = np.zeros(shape_of(out), dtype=np.asarray(out).dtype)
    seed[mode.index or ()] = 1
    if len(g.outputs) == 1:
        return seed[()]
    return tuple(seed[()] if j == k else None for j in range(len(g.outputs)))


def _entries(name: str, shape: tuple[int, ...]) -> list[str]:
    if not shape:
        return [name]
    return [f"{name}[{','.join(map(str, idx))}]" for idx in np.ndindex(*shape)]


def default_modes(g: Graph, limit: int = 16) -> list[str]:
    """The runs a graph widget precomputes: eval, forward per input, reverse per output.

    ``eval``; forward by each input entry (up to ``limit``; beyond that only the first
    entry of each input); reverse from each output entry likewise (``"reverse"`` for
    one scalar output).
    """
    forward = _modes_by_entry("forward", g.input_names,
                              [shape_of(g.values[i]) for i in g.inputs], limit)
    reverse = _modes_by_entry("reverse", g.output_names,
                              [shape_of(g.values[i]) for i in g.outputs], limit)
    return ["eval", *forward, *(reverse if reverse != ["reverse:y"] else ["reverse"])]


def _modes_by_entry(sweep: str, names: tuple[str, ...], shapes: list, limit: int
                    ) -> list[str]:
    every = [e for name, shape in zip(names, shapes, strict=True)
             for e in _entries(name, shape)]
    if len(names) == 1 and shapes[0] == () and sweep == "reverse":
        return ["reverse"]
    if len(every) > limit:
        every = [_entries(name, shape)[0] for name, shape in zip(names, shapes,
                                                                 strict=True)][:limit]
    return [f"{sweep}:{e}" for e in every]


@dataclass(frozen=True)
class PassCounts:
    """What a full Jacobian costs: sweeps by forward mode and by reverse mode.

    Attributes:
        forward: forward passes, one per scalar entry of the inputs differentiated by
            (n).
        reverse: reverse passes, one per scalar entry of the outputs (m).
        inputs: each input's label and its number of entries.
        outputs: each output's name and its number of entries.
    """

    forward: int
    reverse: int
    inputs: dict[str, int]
    outputs: dict[str, int]

    def __str__(self) -> str:
        ins = " + ".join(f"{n} ({k})" for k, n in self.inputs.items())
        outs = " + ".join(f"{n} ({k})" for k, n in self.outputs.items())
        return (f"full Jacobian: {self.forward} forward passes (one per input entry: "
                f"{ins}) or {self.reverse} reverse passes (one per output entry: "
                f"{outs})")


def pass_counts(g: Graph, wrt: Any = None) -> PassCounts:
    """The forward and reverse passes a full Jacobian of ``g`` takes, in scalar entries.

    Args:
        g: a traced graph.
        wrt: the inputs differentiated by (labels or positions; default: all).

    Example:
        >>> import numpy as np, mlgraph as mg
        >>> x, w = np.array([2.0, 3.0, -1.0, 5.0]), np.array([0.1, 0.5, 2.5, 0.2])
        >>> g = mg.trace(lambda x, w, b: mg.sigmoid(x @ w + b), x, w, 3.0)
        >>> counts = mg.pass_counts(g)
        >>> counts.forward, counts.reverse, mg.pass_counts(g, wrt=("w", "b")).forward
        (9, 1, 5)
    """
    keys = range(len(g.inputs)) if wrt is None else (
        (wrt,) if isinstance(wrt, (str, int)) else tuple(wrt))
    picked = [g.inputs[g.input_index(k)] for k in keys]
    inputs = {g.labels[i]: math.prod(shape_of(g.values[i])) for i in picked}
    outputs = {name: math.prod(shape_of(g.values[i]))
               for name, i in zip(g.output_names, g.outputs, strict=True)}
    return PassCounts(sum(inputs.values()), sum(outputs.values()), inputs, outputs)
