"""Runs of the sweeps by mode, and what a full Jacobian costs in each mode.

`run(g, "forward:w[1]")` is every event of one run; `default_modes(g)` the runs a graph
widget precomputes; `pass_counts(g)` the number of sweeps a full Jacobian takes: one
forward pass per scalar input entry (n), one reverse pass per scalar output entry (m);
`forward_memory(g)` what a forward sweep must hold at each step and may free.
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

__all__ = ["run", "resolve_mode", "default_modes", "pass_counts", "PassCounts",
           "forward_memory", "ForwardMemory", "MemoryStep"]


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
        fwd, rev = (f"{n} {sweep} pass" + ("" if n == 1 else "es") for n, sweep in
                    ((self.forward, "forward"), (self.reverse, "reverse")))
        return (f"full Jacobian: {fwd} (one per input entry: "
                f"{ins}) or {rev} (one per output entry: "
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


@dataclass(frozen=True)
class MemoryStep:
    """One node of a forward-mode sweep, and the values held while it is computed.

    Attributes:
        node: the node computed at this step (its primal and, if a derivative flows
            through it, its tangent).
        held: every node whose values are in memory while ``node`` is computed: its
            arguments, ``node`` itself, and whatever a later node still reads.
        freed: the nodes whose last reader is ``node``: their primal and tangent may
            be dropped once it is computed (an output is never freed).
        numbers: how many scalars ``held`` amounts to (primal entries, plus tangent
            entries where a derivative flows).
    """

    node: int
    held: tuple[int, ...]
    freed: tuple[int, ...]
    numbers: int


@dataclass(frozen=True)
class ForwardMemory:
    """What a forward-mode sweep keeps in memory, step by step, and what it may free.

    Attributes:
        steps: one `MemoryStep` per input and operation node, in topological order
            (a constant is part of the program: held only while a node reading it
            is computed).
        peak: the most nodes held at once.
        peak_numbers: the most scalars held at once (primals and tangents).
        reverse_nodes: the nodes a reverse-mode run keeps from its forward pass until
            the backward sweep has used them: all of them (the tape).
        reverse_numbers: the scalars of those primals, plus the adjoints of the nodes a
            derivative flows through.
    """

    steps: tuple[MemoryStep, ...]
    peak: int
    peak_numbers: int
    reverse_nodes: int
    reverse_numbers: int

    def __str__(self) -> str:
        rows = [("step", "holds", "frees")]
        rows += [(f"v{s.node}", " ".join(f"v{j}" for j in s.held),
                  " ".join(f"v{j}" for j in s.freed) or "—") for s in self.steps]
        width = [max(len(r[k]) for r in rows) for k in range(2)]
        lines = [f"{r[0]:<{width[0]}}  {r[1]:<{width[1]}}  {r[2]}" for r in rows]
        return "\n".join([*lines, f"forward mode holds at most {self.peak} nodes "
                          f"({self.peak_numbers} numbers); reverse mode keeps all "
                          f"{self.reverse_nodes} ({self.reverse_numbers} numbers)"])


def forward_memory(g: Graph) -> ForwardMemory:
    """What forward mode holds while it sweeps ``g``, and when it may free each node.

    Forward mode computes each node's primal and tangent from its arguments' and never
    looks back, so a node's values can be dropped as soon as its last reader is
    computed. Reverse mode cannot: its backward sweep reads the forward pass's values in
    reverse order, so it keeps them all.

    Args:
        g: a traced graph.

    Returns:
        A `ForwardMemory`; ``str()`` of it is the step-by-step table.

    Example:
        >>> import mlgraph as mg
        >>> g = mg.trace(lambda x1, x2: mg.log(x1) + x1 * x2 - mg.sin(x2),
        ...              x1=2.0, x2=5.0)
        >>> m = mg.forward_memory(g)
        >>> m.steps[3].freed, m.peak, m.reverse_nodes
        ((0,), 4, 7)
    """
    last_reader = {j: i for i, args in enumerate(g.args) for j in args}
    keep = set(g.outputs)
    size = [math.prod(shape_of(v)) * (2 if g.needs[i] else 1)
            for i, v in enumerate(g.values)]
    held: list[int] = []
    steps = []
    for i in range(len(g)):
        if g.kind(i) == "const":  # NOTE: a literal of the program, held while read
            continue
        held += [j for j in g.args[i] if j not in held] + [i]
        freed = tuple(j for j in held if last_reader.get(j) == i and j not in keep)
        steps.append(MemoryStep(i, tuple(held), freed, sum(size[j] for j in held)))
        held = [j for j in held if j not in freed and (j in keep or j in last_reader)]
    primals = sum(math.prod(shape_of(v)) for v in g.values)
    adjoints = sum(math.prod(shape_of(v)) for i, v in enumerate(g.values) if g.needs[i])
    return ForwardMemory(tuple(steps), max(len(s.held) for s in steps),
                         max(s.numbers for s in steps), len(g), primals + adjoints)
