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

__all__ = ["eval_sweep", "forward_sweep", "reverse_sweep", "drain", "primal_values"]

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
            ids, kw = args[i], params[i]
            # NOTE: one or two arguments without parameters are passed one by one: a
            # comprehension costs a frame, and *, ** a tuple and a dict per call
            values[i] = (fn(values[ids[0]], values[ids[1]]) if len(ids) == 2 and not kw
                         else fn(values[ids[0]]) if len(ids) == 1 and not kw
                         else fn(*[values[j] for j in ids], **kw))
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


def _seeds(g: Graph, wrt: Any, tangents: Sequence[Any] | None,
           tangent: Any = None) -> dict[int, Any]:
    """The input tangents of a forward-mode run (see `forward_sweep`)."""
    if tangents is not None:
        if wrt is not None or tangent is not None:
            raise ValueError("give forward_sweep either wrt= (with tangent=) or "
                             "tangents=, not both.")
        if len(tangents) != len(g.inputs):
            raise ValueError(f"forward_sweep got {len(tangents)} tangents for a graph "
                             f"with {len(g.inputs)} inputs ({_input_names(g)}); give "
                             "one per input.")
        return {i: _tangent_for(g, i, t)
                for i, t in zip(g.inputs, tangents, strict=True)}
    if isinstance(wrt, int) and not isinstance(wrt, bool):
        wrt = g.input_names[g.input_index(wrt)]
    mode = (wrt if isinstance(wrt, Mode) else Mode("forward", wrt)
            if wrt is None or wrt in g.input_names else Mode.parse(f"forward:{wrt}"))
    mode = mode.resolve(g.input_names, [shape_of(g.values[i]) for i in g.inputs],
                        direction=tangent is not None)
    k = g.input_index(mode.wrt)
    seeds = {i: _zeros(g.values[i]) for i in g.inputs}
    i = g.inputs[k]
    if tangent is not None:
        seeds[i] = _tangent_for(g, i, tangent)
    elif mode.index is None:
        seeds[i] = _ones(g.values[i])
    else:
        one = np.zeros(shape_of(g.values[i]), dtype=np.asarray(g.values[i]).dtype)
        one[mode.index] = 1
        seeds[i] = one
    return seeds


def _tangent_for(g: Graph, i: int, t: Any) -> Any:
    """A given tangent for input node i, in the input's dtype and checked shape."""
    t = t if isinstance(t, Tensor) else np.asarray(t, dtype=np.asarray(
        g.values[i]).dtype)[()]
    if shape_of(t) != shape_of(g.values[i]):
        raise ValueError(f"the tangent for input '{g.labels[i]}' has shape "
                         f"{shape_of(t)}, but the input has shape "
                         f"{shape_of(g.values[i])}; they must match.")
    return t


def forward_sweep(g: Graph, wrt: int | str | Mode | None = None,
                  tangents: Sequence[Any] | None = None, *, tangent: Any = None
                  ) -> Iterator[Event]:
    """A forward-mode run: primals and tangents advance together, node by node.

    For each node the ``eval`` event (its primal v) is followed by the ``forward`` event
    (its tangent v̇ = Σ ∂v/∂u · u̇ over its arguments u).

    Args:
        g: a traced graph.
        wrt: the input to differentiate by: a label (``"x1"``), one entry of a
            non-scalar input (``"w[1]"``), a position, or a forward `Mode`. Its
            tangent is seeded with 1 (in that entry), the others' with zeros. A whole
            non-scalar input needs ``tangent=``: seeding every entry with 1 would give
            the sum of the partial derivatives (a `ValueError` says so).
        tangents: instead of ``wrt``, one tangent per input: any direction.
        tangent: the direction for the input ``wrt`` (the others get zeros).

    Example:
        >>> import mlgraph as mg
        >>> g = mg.trace(lambda x1, x2: mg.log(x1) + x1 * x2 - mg.sin(x2), 2.0, 5.0)
        >>> events = mg.forward_sweep(g, wrt="x1")
        >>> [float(e.value) for e in events if e.sweep == "forward"]
        [1.0, 0.0, 0.5, 5.0, 0.0, 5.5, 5.5]
    """
    seeds = _seeds(g, wrt, tangents, tangent)
    values = primal_values(g)
    return (yield from _forward(g, values, seeds, True, True))


# --- reverse mode --------------------------------------------------------------------


def _reverse(g: Graph, values: Sequence[Any], cotangent: Any, emit: bool, step: int = 0
             ) -> Generator[Event, None, list]:
    prims, args, params, needs = g.prims, g.args, g.params, g.needs
    adj: list[Any] = [None] * len(values)
    outputs = g.outputs
    if len(outputs) == 1:
        adj[outputs[0]] = cotangent
        if emit:
            yield Event(step, "reverse", "seed", outputs[0], cotangent)
            step += 1
    else:       # NOTE: one cotangent per output (None: zero); see _cotangent_seed
        for out_id, ct in zip(outputs, cotangent, strict=True):
            if ct is None:
                continue
            adj[out_id] = ct if adj[out_id] is None else adj[out_id] + ct
            if emit:
                yield Event(step, "reverse", "seed", out_id, adj[out_id])
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
        # NOTE: spelled out for one and two arguments: a comprehension costs a frame
        n_args = len(ids)
        xs = ((values[ids[0]], values[ids[1]]) if n_args == 2 else
              (values[ids[0]],) if n_args == 1 else [values[j] for j in ids])
        out, kw = values[i], params[i]
        rules = prim.vjp if not prim.variadic else prim.rules(n_args)[1]
        for k, j in enumerate(ids):
            rule = rules[k]
            if rule is None or not needs[j]:
                continue
            # NOTE: *xs, **kw build a tuple and a dict per call: 1-2 go one by one
            delta = (rule(a, *xs, out=out, **kw) if kw else
                     rule(a, xs[0], xs[1], out=out) if n_args == 2 else
                     rule(a, xs[0], out=out) if n_args == 1 else rule(a, *xs, out=out))
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
    """The output cotangent ȳ, checked; a tuple (``None``: zero) for several outputs."""
    outputs = g.outputs
    if len(outputs) == 1:
        if cotangent is None and type(g.values[outputs[0]]) is np.float64:
            return _ONE                       # NOTE: the common case, without a call
        return _one_seed(g, outputs[0], 0, cotangent)
    if not isinstance(cotangent, (tuple, list)) or len(cotangent) != len(g.outputs):
        names = ", ".join(g.output_names)
        raise ValueError(
            f"this graph has {len(g.outputs)} outputs ({names}); the reverse sweep "
            f"needs one cotangent per output, e.g. cotangent=(1.0, None) for "
            f"{g.output_names[0]} alone (None: zero), or the mode "
            f"'reverse:{g.output_names[0]}'.")
    return tuple(None if ct is None else _one_seed(g, i, k, ct)
                 for k, (i, ct) in enumerate(zip(g.outputs, cotangent, strict=True)))


def _one_seed(g: Graph, out_id: int, k: int, cotangent: Any) -> Any:
    """Output k's cotangent, checked (1 for a scalar output by default)."""
    out = g.values[out_id]
    if cotangent is None and type(out) is np.float64:
        return _ONE
    name = g.output_names[k]
    if cotangent is None:
        if shape_of(out) != ():
            raise ValueError(
                f"reverse_sweep needs a cotangent for the output {name} (v{out_id}), "
                f"which has shape {shape_of(out)}: pass cotangent=np.ones("
                f"{shape_of(out)}) for the gradient of its sum, or a one-hot array for "
                f"one entry (mode 'reverse:{name}[{','.join('0' * np.ndim(out))}]').")
        cotangent = 1.0
    if not isinstance(cotangent, Tensor):
        # NOTE: a copy: an identity rule hands ȳ on as an input's x̄, which must not
        # change when the caller reuses its array
        cotangent = np.array(cotangent, dtype=np.asarray(out).dtype)[()]
    if shape_of(cotangent) != shape_of(out):
        raise ValueError(f"the cotangent has shape {shape_of(cotangent)}, but the "
                         f"output {name} (v{out_id}) has shape {shape_of(out)}; they "
                         "must match.")
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
        cotangent: ȳ for the output (default 1.0, which needs a scalar output); for a
            graph with several outputs, a tuple with one per output (``None``: zero).
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
