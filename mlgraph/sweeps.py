"""The three sweeps over a `Graph`, generators of `Event`s: the only derivative code.

`eval_sweep` computes primals in topological order; `forward_sweep` carries tangents
along with them (forward mode); `reverse_sweep` carries cotangents back in reverse
topological order (reverse mode), un-broadcasting them centrally. `grad`, `jvp` and
`vjp` drain these same generators with event recording off. Layer 3.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from typing import Any

import numpy as np

from . import primitives as P
from .errors import check_finite, debug_nans_on
from .events import Event, Mode
from .graph import Graph
from .primitives import shape_of
from .tracer import Tensor

__all__ = ["eval_sweep", "forward_sweep", "reverse_sweep", "run"]

_F64 = np.float64


def _unbroadcast(x_bar: Any, shape: tuple[int, ...]) -> Any:
    """Sum a cotangent back to its input's shape (the reverse of numpy broadcasting)."""
    got = shape_of(x_bar)
    if got == shape:
        return x_bar
    if type(x_bar) is np.ndarray and got[1:] == shape:     # a bias: sum over the batch
        return np.add.reduce(x_bar, axis=0)
    lead = len(got) - len(shape)
    if lead >= 0:
        ones = tuple(lead + i for i, d in enumerate(shape)
                     if d == 1 and got[lead + i] != 1)
        # NOTE: plain arrays are summed with numpy directly; traced cotangents (higher
        # order) go through the sum primitive so the reduction is recorded.
        total = np.add.reduce if isinstance(x_bar, np.ndarray) else P.sum
        if lead:                                    # sum the leading axes away
            x_bar = total(x_bar, axis=tuple(range(lead)))
        if ones:                                    # and the stretched size-1 axes
            x_bar = total(x_bar, axis=tuple(a - lead for a in ones), keepdims=True)
    if shape_of(x_bar) != shape:
        x_bar = P.broadcast_to(x_bar, shape=shape)
    return x_bar


def _ones(x: Any) -> Any:
    return np.ones(shape_of(x), dtype=np.asarray(getattr(x, "value", x)).dtype)[()]


def _zeros(x: Any) -> Any:
    return np.zeros(shape_of(x), dtype=np.asarray(getattr(x, "value", x)).dtype)[()]


def primal_values(g: Graph) -> Sequence[Any]:
    """The primals a derivative sweep uses.

    Those stored when tracing, or, when the graph holds values of an enclosing trace
    (higher order), an evaluation with them.
    """
    return drain(_eval(g, None, False)) if g.outer else g.values


# --- eval ----------------------------------------------------------------------------


def _eval(g: Graph, inputs: Sequence[Any] | None, emit: bool, step: int = 0
          ) -> Generator[Event, None, list]:
    outer = g.outer
    recompute = inputs is not None or bool(outer)
    values = list(g.values)
    given = dict(zip(g.inputs, inputs, strict=True)) if inputs is not None else {}
    live = bool(outer)
    for x in given.values():            # NOTE: a loop: any(genexpr) costs 3x more here
        if isinstance(x, Tensor):
            live = True
            break
    prims, args, params = g.prims, g.args, g.params
    nans = debug_nans_on()
    for i in range(len(values)):
        prim = prims[i]
        if prim is None:
            if i in given:
                values[i] = given[i]
            elif i in outer:
                values[i] = outer[i]
            if emit:
                yield Event(step, "eval", "seed", i, values[i])
                step += 1
            continue
        if recompute:
            # NOTE: with only numpy values around, call the forward (no dispatch).
            fn = prim if live else prim.forward
            values[i] = fn(*[values[j] for j in args[i]], **params[i])
            if nans:
                check_finite(values[i], i, "value", lambda i=i: (
                    f"v{i} = {g.listing(i)}"), "while evaluating it")
        if emit:
            yield Event(step, "eval", "visit", i, values[i])
            step += 1
    return values


def eval_sweep(g: Graph, *inputs: Any) -> Iterator[Event]:
    """Evaluate the graph node by node, yielding its events.

    A ``seed`` per input and constant, a ``visit`` per operation.

    Args:
        g: a traced graph.
        *inputs: new input values (default: the values it was traced with).

    Example:
        >>> import mlgraph as mg
        >>> g = mg.trace(lambda x1, x2: mg.log(x1) + x1 * x2 - mg.sin(x2), 2.0, 5.0)
        >>> [round(float(e.value), 3) for e in mg.eval_sweep(g)]
        [2.0, 5.0, 0.693, 10.0, -0.959, 10.693, 11.652]
    """
    if inputs and len(inputs) != len(g.inputs):
        raise ValueError(f"eval_sweep got {len(inputs)} input values for a graph with "
                         f"{len(g.inputs)} inputs ({_input_names(g)}).")
    if inputs:
        new = [x if isinstance(x, Tensor) else np.asarray(x, float)[()] for x in inputs]
    else:
        new = [g.values[i] for i in g.inputs]
    return (yield from _eval(g, new, True))


def _input_names(g: Graph) -> str:
    return ", ".join(g.labels[i] for i in g.inputs)


# --- forward mode --------------------------------------------------------------------


def _forward(g: Graph, values: Sequence[Any], seeds: dict[int, Any], emit: bool,
             interleave: bool, step: int = 0) -> Generator[Event, None, list]:
    prims, args, params, needs = g.prims, g.args, g.params, g.needs
    n = len(values)
    tangents: list[Any] = [None] * n
    nans = debug_nans_on()
    for i in range(n):
        prim = prims[i]
        if prim is None:
            if emit and interleave:
                yield Event(step, "eval", "seed", i, values[i])
                step += 1
            if i in seeds:
                tangents[i] = seeds[i]
                if emit:
                    yield Event(step, "forward", "seed", i, tangents[i])
                    step += 1
            continue
        if emit and interleave:
            yield Event(step, "eval", "visit", i, values[i])
            step += 1
        if not needs[i]:
            continue
        xs = [values[j] for j in args[i]]
        out = values[i]
        total = None
        rules = prim.rules(len(xs))[0]
        for k, j in enumerate(args[i]):
            if tangents[j] is None or rules[k] is None:
                continue
            part = rules[k](tangents[j], *xs, out=out, **params[i])
            total = part if total is None else total + part
        if total is None:
            total = _zeros(out)
        elif shape_of(total) != shape_of(out):
            total = P.broadcast_to(total, shape=shape_of(out))
        tangents[i] = total
        if nans:
            check_finite(total, i, "tangent",
                         lambda i=i: f"the tangent v̇{i} of v{i} = {g.listing(i)}",
                         "in the forward-mode sweep")
        if emit:
            yield Event(step, "forward", "visit", i, total)
            step += 1
    return tangents


def _seeds(g: Graph, wrt: Any, tangents: Sequence[Any] | None) -> dict[int, Any]:
    if tangents is not None:
        if wrt is not None:
            raise ValueError("give forward_sweep either wrt= or tangents=, not both.")
        if len(tangents) != len(g.inputs):
            raise ValueError(f"forward_sweep got {len(tangents)} tangents for a graph "
                             f"with {len(g.inputs)} inputs ({_input_names(g)}); give "
                             "one per input.")
        seeds = {}
        for i, t in zip(g.inputs, tangents, strict=True):
            t = t if isinstance(t, Tensor) else np.asarray(t, dtype=np.asarray(
                g.values[i]).dtype)[()]
            if shape_of(t) != shape_of(g.values[i]):
                raise ValueError(f"the tangent for input '{g.labels[i]}' has shape "
                                 f"{shape_of(t)}, but the input has shape "
                                 f"{shape_of(g.values[i])}; they must match.")
            seeds[i] = t
        return seeds
    if wrt is None:
        if len(g.inputs) != 1:
            raise ValueError(f"this graph has {len(g.inputs)} inputs "
                             f"({_input_names(g)}); say which one with wrt='x1', or "
                             "give tangents=(...).")
        wrt = 0
    k = g.input_index(wrt)
    return {i: (_ones(g.values[i]) if n == k else _zeros(g.values[i]))
            for n, i in enumerate(g.inputs)}


def forward_sweep(g: Graph, wrt: int | str | None = None,
                  tangents: Sequence[Any] | None = None) -> Iterator[Event]:
    """A forward-mode run: primals and tangents advance together, node by node.

    For each node the ``eval`` event (its primal v) is followed by the ``forward`` event
    (its tangent v̇ = Σ ∂v/∂u · u̇ over its arguments u).

    Args:
        g: a traced graph.
        wrt: the input to differentiate by (label such as ``"x1"`` or position); its
            tangent is seeded with ones, the others with zeros.
        tangents: instead of ``wrt``, one tangent per input: any direction.

    Example:
        >>> import mlgraph as mg
        >>> g = mg.trace(lambda x1, x2: mg.log(x1) + x1 * x2 - mg.sin(x2), 2.0, 5.0)
        >>> events = mg.forward_sweep(g, wrt="x1")
        >>> [float(e.value) for e in events if e.sweep == "forward"]
        [1.0, 0.0, 0.5, 5.0, 0.0, 5.5, 5.5]
    """
    seeds = _seeds(g, wrt, tangents)
    values = primal_values(g)
    return (yield from _forward(g, values, seeds, True, True))


# --- reverse mode --------------------------------------------------------------------


def _reverse(g: Graph, values: Sequence[Any], cotangent: Any, emit: bool, step: int = 0
             ) -> Generator[Event, None, list]:
    prims, args, params, needs = g.prims, g.args, g.params, g.needs
    out_id = g.output
    adj: list[Any] = [None] * len(values)
    adj[out_id] = cotangent
    if emit:
        yield Event(step, "reverse", "seed", out_id, cotangent)
        step += 1
    inputs = g.inputs
    nans = debug_nans_on()
    for i in range(len(values) - 1, -1, -1):
        a = adj[i]
        if a is None:
            if i not in inputs or not needs[i]:     # data inputs get no cotangent
                continue
            a = adj[i] = _zeros(values[i])
        if emit:
            yield Event(step, "reverse", "visit", i, a)
            step += 1
        prim = prims[i]
        if prim is None:
            continue
        ids = args[i]
        xs = [values[j] for j in ids]
        out, kw = values[i], params[i]
        rules = prim.vjp if not prim.variadic else prim.rules(len(ids))[1]
        for k, j in enumerate(ids):
            rule = rules[k]
            if rule is None or not needs[j]:
                continue
            delta = rule(a, *xs, out=out, **kw) if kw else rule(a, *xs, out=out)
            x = values[j]
            if type(delta) is not _F64 or type(x) is not _F64:   # NOTE: scalars skip it
                shape = getattr(x, "shape", ())
                if getattr(delta, "shape", ()) != shape:
                    delta = _unbroadcast(delta, shape)
            prev = adj[j]
            adj[j] = delta if prev is None else prev + delta
            if nans:
                check_finite(adj[j], j, "cotangent", lambda i=i, j=j: (
                    f"the cotangent v̄{j} (from v{i} = {g.listing(i)})"),
                    "in the reverse-mode sweep")
            if emit:
                yield Event(step, "reverse", "accumulate", j, adj[j], i, k, delta)
                step += 1
    return adj


_ONE = np.float64(1.0)


def _cotangent_seed(g: Graph, cotangent: Any) -> Any:
    out = g.values[g.output]
    if cotangent is None and type(out) is np.float64:
        return _ONE
    if cotangent is None:
        if shape_of(out) != ():
            raise ValueError(
                f"reverse_sweep needs a cotangent for the output v{g.output}, which "
                f"has shape {shape_of(out)}: pass cotangent=np.ones({shape_of(out)}) "
                "for the gradient of its sum, or a one-hot array for one entry.")
        cotangent = 1.0
    if not isinstance(cotangent, Tensor):
        cotangent = np.asarray(cotangent, dtype=np.asarray(out).dtype)[()]
    if shape_of(cotangent) != shape_of(out):
        raise ValueError(f"the cotangent has shape {shape_of(cotangent)}, but the "
                         f"output v{g.output} has shape {shape_of(out)}; they must "
                         "match.")
    return cotangent


def reverse_sweep(g: Graph, cotangent: Any = None, *, start: int = 0
                  ) -> Iterator[Event]:
    """Reverse mode: cotangents flow from the output back to every input.

    Yields a ``seed`` for the output, then per node (in reverse topological order) a
    ``visit`` once its cotangent v̄ is final, followed by one ``accumulate`` per
    argument it sends a contribution v̄ · ∂v/∂u to. Uses the primals stored when
    tracing, so it follows an evaluation; `run` with ``mode="reverse"`` shows both.

    Args:
        g: a traced graph.
        cotangent: ȳ for the output (default 1.0, which needs a scalar output).
        start: the step number of the first event (to continue another sweep's steps).
    """
    seed = _cotangent_seed(g, cotangent)
    values = primal_values(g)
    return (yield from _reverse(g, values, seed, True, start))


def drain(gen: Generator) -> Any:
    """Run a sweep generator to its end and return what it returns."""
    try:
        while True:
            next(gen)
    except StopIteration as stop:
        return stop.value


def run(g: Graph, mode: str | Mode = "reverse", cotangent: Any = None) -> list[Event]:
    """Every event of a complete run, with steps numbered densely from 0.

    Args:
        g: a traced graph.
        mode: a `Mode` or its text: ``"eval"``; ``"forward:x1"`` (forward mode by input
            ``x1``; plain ``"forward"`` for a one-input graph); or ``"reverse"`` (an
            eval sweep, then the reverse sweep).
        cotangent: ȳ for reverse mode.

    Returns:
        The list of `Event`s.
    """
    mode = Mode.parse(mode)
    if mode.sweep == "eval":
        return list(eval_sweep(g))
    if mode.sweep == "forward":
        return list(forward_sweep(g, wrt=mode.wrt))
    events = list(eval_sweep(g))
    return events + list(reverse_sweep(g, cotangent, start=len(events)))
