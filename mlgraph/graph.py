"""`Graph`: a traced computation as plain data, and the small API its interpreters use.

A graph is a set of parallel columns, one entry per node in topological order (inputs
first): the primitive, the argument ids, the static parameters, the value recorded while
tracing, the label, whether a derivative flows through it. The sweeps, the transforms,
the trace tables, the gradient checker and the trainer's diagnosis all walk these
columns; `Node` is the friendly one-node view. Layer 1: imports layer 0 only (never
the tracer).
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, NamedTuple

import numpy as np

from .plain import jsonable
from .primitives import PRIMITIVES, Primitive

__all__ = ["Node", "Graph", "Decision", "local_partials", "listing_text"]

_NO_SCOPES: Mapping[int, str] = types.MappingProxyType({})


class Decision(NamedTuple):
    """A choice f made on traced numbers (``if x > 0``, ``np.argmax(x)``).

    Attributes:
        node: the node whose numbers were looked at.
        test: what was asked, ``"> 0"``, ``"truth test"``, ``"np.argmax"``.
        outcome: the answer (a numpy bool or array, or a number).
    """

    node: int
    test: str
    outcome: Any


@dataclass(frozen=True)
class Node:
    """One variable of the computation: an input, a constant, or a primitive's output.

    Attributes:
        id: position in topological order, ``0..n-1``.
        name: ``"v{id}"``, as on the slides.
        label: the input's name (``x1``), a constant's value, else the op's symbol.
        op: the primitive's name, or ``"input"`` / ``"const"``.
        inputs: argument node ids in argument order (``x*x`` gives ``(0, 0)``).
        shape: the numpy shape of the value.
        value: the primal computed while tracing.
        params: static keyword parameters of the primitive (``axis``...).
        scope: the `mlgraph.scope` blocks it was recorded in, ``"layer1"`` (``""``:
            none).
    """

    id: int
    name: str
    label: str
    op: str
    inputs: tuple[int, ...]
    shape: tuple[int, ...]
    value: Any = field(repr=False, compare=False)
    params: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    scope: str = ""

    @property
    def kind(self) -> str:
        """``"input"``, ``"const"`` or ``"op"``."""
        return self.op if self.op in ("input", "const") else "op"

    @property
    def primitive(self) -> Primitive | None:
        """The registered primitive of an op node (``None``: an input or a constant)."""
        return PRIMITIVES.get(self.op)


class Graph:
    """A traced computation: nodes in topological order (inputs first) and the output.

    Every field is read-only; each column has one entry per node id ``0..n-1``.

    Attributes:
        prims: the node's `Primitive`, or ``None`` for an input or a constant.
        args: the argument node ids, in argument order (``()`` for inputs and
            constants).
        params: the primitive's static keyword parameters (``{"axis": 0}``).
        values: the primal of each node, computed while tracing.
        labels: what the student wrote: the input's name, a constant's value, or the
            op's symbol.
        needs: whether the node depends on a differentiable input, so that a tangent or
            a cotangent flows through it (constants and data inputs: ``False``).
        scopes: node id → ``"layer1/act"`` for the nodes recorded inside
            `mlgraph.scope`.
        outer: node id → the traced value of an enclosing trace that this input or
            constant stands for (a derivative of a derivative); empty at first order.
        names: node id → the name given with `mlgraph.name` (``z``); it is also the
            node's label.
        decisions: what f decided on traced numbers while being traced (comparisons,
            truth tests, argmax...), as `Decision`s: the graph holds for inputs that
            decide the same way.
        inputs: the input node ids, in the order of f's arguments.
        outputs: the output node ids: one, or one per value of a tuple f returns.
        fn_name: the traced function's name.
    """

    __slots__ = ("_prims", "_args", "_params", "_values", "_labels", "_needs",
                 "_scopes", "_outer", "_inputs", "_outputs", "_fn_name", "_nodes",
                 "_is_input", "_names", "_decisions")

    def __init__(self, prims: Sequence[Primitive | None],
                 args: Sequence[tuple[int, ...]], params: Sequence[Mapping[str, Any]],
                 values: Sequence[Any], labels: Sequence[str], inputs: Sequence[int],
                 outputs: Sequence[int], *, scopes: Mapping[int, str] | None = None,
                 outer: Mapping[int, Any] | None = None, fn_name: str = "f",
                 data_inputs: Sequence[int] = (), renumber: bool = False,
                 names: Mapping[int, str] | None = None,
                 decisions: Sequence[tuple[int, str, Any]] = ()) -> None:
        # NOTE: grad and friends skip the lecture numbering: nobody sees those ids.
        order = _lecture_order(prims, args, inputs) if renumber else None
        if order is not None:
            new = [0] * len(order)
            for n, o in enumerate(order):
                new[o] = n
            prims, params, values, labels = (
                [col[o] for o in order] for col in (prims, params, values, labels))
            args = [tuple(new[j] for j in args[o]) for o in order]
            scopes = {new[k]: v for k, v in (scopes or {}).items()}
            outer = {new[k]: v for k, v in (outer or {}).items()}
            names = {new[k]: v for k, v in (names or {}).items()}
            decisions = [(new[k], *rest) for k, *rest in decisions]
            inputs, outputs, data_inputs = ([new[i] for i in ids]
                                            for ids in (inputs, outputs, data_inputs))
        self._prims, self._args, self._params = tuple(prims), tuple(args), tuple(params)
        self._values, self._labels = tuple(values), tuple(labels)
        self._scopes = types.MappingProxyType(scopes) if scopes else _NO_SCOPES
        self._outer = types.MappingProxyType(outer) if outer else _NO_SCOPES
        self._names = types.MappingProxyType(dict(names)) if names else _NO_SCOPES
        self._decisions = tuple(Decision(*d) for d in decisions) if decisions else ()
        self._inputs, self._outputs = tuple(inputs), tuple(outputs)
        self._fn_name = fn_name
        self._nodes: tuple[Node, ...] | None = None
        self._is_input: frozenset[int] | None = None
        self._needs = _needs(self._prims, self._args, self._inputs, data_inputs)

    # --- the fields (read-only) ------------------------------------------------------

    # NOTE: attrgetter properties: read-only fields at the cost of a C call.
    prims = property(attrgetter("_prims"), doc="Each node's primitive (or None).")
    args = property(attrgetter("_args"), doc="Each node's argument ids.")
    params = property(attrgetter("_params"), doc="Each node's static parameters.")
    values = property(attrgetter("_values"), doc="Each node's primal, from tracing.")
    labels = property(attrgetter("_labels"), doc="Each node's label.")
    needs = property(attrgetter("_needs"), doc="Whether a derivative flows through.")
    scopes = property(attrgetter("_scopes"), doc="node id → its scope path.")
    outer = property(attrgetter("_outer"), doc="node id → an enclosing trace's value.")
    names = property(attrgetter("_names"), doc="node id → the name given by mg.name.")
    decisions = property(attrgetter("_decisions"),
                         doc="What f decided on traced numbers, in order (`Decision`).")
    inputs = property(attrgetter("_inputs"), doc="The input node ids.")
    outputs = property(attrgetter("_outputs"), doc="The output node ids.")
    fn_name = property(attrgetter("_fn_name"), doc="The traced function's name.")

    @property
    def output(self) -> int:
        """The id of the output node (of a graph with one output).

        Raises:
            ValueError: if f returned several values; use `outputs`.
        """
        if len(self._outputs) != 1:
            listed = ", ".join(f"{n} = v{i}" for n, i in zip(
                self.output_names, self._outputs, strict=True))
            raise ValueError(f"this graph has {len(self._outputs)} outputs ({listed}); "
                             "use graph.outputs, or say which one (e.g. mode "
                             f"'reverse:{self.output_names[0]}').")
        return self._outputs[0]

    @property
    def output_names(self) -> tuple[str, ...]:
        """The outputs' names: given with `mlgraph.name`, else ``y`` (``y1, y2, …``)."""
        if len(self._outputs) == 1:
            return (self._names.get(self._outputs[0], "y"),)
        return tuple(self._names.get(i, f"y{k + 1}")
                     for k, i in enumerate(self._outputs))

    @property
    def input_names(self) -> tuple[str, ...]:
        """The inputs' labels, in the order of f's arguments."""
        return tuple(self._labels[i] for i in self._inputs)

    def __len__(self) -> int:
        return len(self._values)

    # --- walking ---------------------------------------------------------------------

    def kind(self, i: int) -> str:
        """``"input"``, ``"const"`` or ``"op"``."""
        if self._prims[i] is not None:
            return "op"
        if self._is_input is None:
            self._is_input = frozenset(self._inputs)
        return "input" if i in self._is_input else "const"

    def args_of(self, i: int, values: Sequence[Any] | None = None) -> list[Any]:
        """The arguments of node i, read from ``values`` (default: the primals)."""
        values = self._values if values is None else values
        return [values[j] for j in self._args[i]]

    def apply(self, i: int, values: Sequence[Any], dispatch: bool = False) -> Any:
        """Node i's primitive applied to its arguments' entries of ``values``.

        With ``dispatch`` the primitive records when an argument is traced (higher
        order); without, its numpy forward runs directly.
        """
        prim = self._prims[i]
        fn = prim if dispatch else prim.forward
        return fn(*[values[j] for j in self._args[i]], **self._params[i])

    def local_jvp(self, i: int, k: int, x_dot: Any,
                  values: Sequence[Any] | None = None) -> Any:
        """∂v_i/∂(argument k) · ẋ by the primitive's own JVP rule.

        At ``values`` (default: the primals); ``None`` if argument k has no derivative.
        """
        rule = self._prims[i].jvp_rule(k)
        if rule is None:
            return None
        values = self._values if values is None else values
        return rule(x_dot, *self.args_of(i, values), out=values[i], **self._params[i])

    def local_vjp(self, i: int, k: int, out_bar: Any,
                  values: Sequence[Any] | None = None) -> Any:
        """v̄_i · ∂v_i/∂(argument k) by the primitive's own VJP rule.

        Before un-broadcasting; ``None`` if argument k has no derivative.
        """
        rule = self._prims[i].vjp_rule(k)
        if rule is None:
            return None
        values = self._values if values is None else values
        return rule(out_bar, *self.args_of(i, values), out=values[i],
                    **self._params[i])

    def downstream(self, source: int) -> list[int]:
        """The nodes that depend on ``source`` (not itself), in topological order."""
        reach = [False] * len(self._values)
        reach[source] = True
        out = []
        for i in range(source + 1, len(self._values)):
            for j in self._args[i]:
                if reach[j]:
                    reach[i] = True
                    out.append(i)
                    break
        return out

    def upstream(self, target: int) -> list[int]:
        """The nodes ``target`` depends on, itself included, in topological order."""
        seen = {target}
        stack = [target]
        while stack:
            for j in self._args[stack.pop()]:
                if j not in seen:
                    seen.add(j)
                    stack.append(j)
        return sorted(seen)

    @property
    def edges(self) -> list[tuple[int, int, int]]:
        """Every ``(src, dst, argnum)``; ``x*x`` contributes two edges."""
        return [(src, dst, k) for dst, args in enumerate(self._args)
                for k, src in enumerate(args)]

    # --- the friendly view -----------------------------------------------------------

    @property
    def nodes(self) -> tuple[Node, ...]:
        """One `Node` per node id."""
        if self._nodes is None:
            self._nodes = tuple(
                Node(i, f"v{i}", self._labels[i], self.op(i), self._args[i],
                     tuple(np.shape(v)), v, self._params[i], self._scopes.get(i, ""))
                for i, v in enumerate(self._values))
        return self._nodes

    def op(self, i: int) -> str:
        """Node i's primitive name, or ``"input"`` / ``"const"``."""
        prim = self._prims[i]
        return prim.name if prim is not None else self.kind(i)

    def node(self, key: int | str) -> Node:
        """A node by id, by name (``"v3"``) or by input label (``"x1"``)."""
        if isinstance(key, int):
            return self.nodes[key]
        for n in self.nodes:
            if n.name == key or (n.op == "input" and n.label == key):
                return n
        for i, given in self._names.items():
            if given == key:
                return self.nodes[i]
        names = ", ".join(self._labels[i] for i in self._inputs)
        raise KeyError(f"no node {key!r} in this graph; its inputs are {names} "
                       f"and its nodes v0..v{len(self) - 1}.")

    def input_index(self, key: int | str) -> int:
        """The position among the inputs of an input given by label, name or number."""
        if isinstance(key, int) and not isinstance(key, bool):
            if 0 <= key < len(self._inputs):
                return key
        else:
            for k, i in enumerate(self._inputs):
                if key in (self._labels[i], f"v{i}"):
                    return k
        names = ", ".join(repr(self._labels[i]) for i in self._inputs)
        raise ValueError(f"{key!r} is not an input of this graph; its inputs are "
                         f"{names}.")

    def listing(self, i: int, names: Sequence[str] | None = None) -> str:
        """The right-hand side of node i as on the slides: ``ln(v0)``, ``v0 × v1``.

        ``names`` replaces the arguments' names (e.g. by their numbers).
        """
        prim = self._prims[i]
        if prim is None:
            return self._labels[i]
        names = [f"v{j}" for j in self._args[i]] if names is None else list(names)
        return listing_text(prim, names, self._params[i])

    def lhs(self, i: int) -> str:
        """How node i is written on the left of its line: ``v3``, or ``v3 (z)``."""
        given = self._names.get(i)
        return f"v{i}" if given is None or self._prims[i] is None else f"v{i} ({given})"

    def __str__(self) -> str:
        lines = [f"{self.lhs(i)} = {self.listing(i)}" for i in range(len(self))]
        lines += [f"{name} = v{i}" for name, i in zip(self.output_names, self._outputs,
                                                    strict=True)]
        return "\n".join(lines)

    def __repr__(self) -> str:
        outs = ", ".join(f"v{i}" for i in self._outputs)
        return (f"<Graph of {self._fn_name}: {len(self)} nodes, "
                f"output{'s' * (len(self._outputs) > 1)} {outs}>")

    def to_json(self) -> dict:
        """The graph as plain data (see docs/architecture.md)."""
        nodes = []
        for n in self.nodes:
            prim = n.primitive
            nodes.append({
                "id": n.id, "name": n.name, "label": n.label, "op": n.op,
                "symbol": prim.symbol if prim else n.label, "inputs": list(n.inputs),
                "shape": list(n.shape), "dtype": str(np.asarray(n.value).dtype),
                "kind": n.kind, "params": jsonable(dict(n.params), other=repr),
                "listing": self.listing(n.id), "scope": n.scope,
            })
        return {
            "nodes": nodes,
            "edges": [{"src": s, "dst": d, "argnum": k} for s, d, k in self.edges],
            "inputs": list(self._inputs),
            "outputs": list(self._outputs),
            "output_names": list(self.output_names),
        }


def _needs(prims: tuple, args: tuple, inputs: tuple[int, ...],
           data_inputs: Sequence[int]) -> tuple[bool, ...]:
    """Which nodes depend on a differentiable input (data inputs get no derivative)."""
    needs = [False] * len(prims)
    for i in inputs:
        needs[i] = True
    for i in data_inputs:
        needs[i] = False
    for i, prim in enumerate(prims):
        if prim is not None:
            for j in args[i]:            # NOTE: a plain loop; any() is 7x slower here
                if needs[j]:
                    needs[i] = True
                    break
    return tuple(needs)


def _lecture_order(prims: Sequence, args: Sequence, inputs: Sequence[int]
                   ) -> list[int] | None:
    """Node order by depth (inputs, then constants, then each level in creation order).

    This is the lectures' numbering: in ln(x1) + x1·x2 − sin(x2) the three first-level
    operations come before the sums, so sin(x2) is v4 as on the slides. ``None`` when
    the creation order is already that order.
    """
    n = len(prims)
    depth = [0] * n
    for i in range(n):
        if prims[i] is not None:
            depth[i] = 1 + max((depth[j] for j in args[i]), default=0)
    is_input = set(inputs)
    key = [(depth[i], 0 if i in is_input else (1 if prims[i] is None else 2), i)
           for i in range(n)]
    order = sorted(range(n), key=key.__getitem__)
    if all(o == i for i, o in enumerate(order)):
        return None
    return order


def listing_text(prim: Primitive, names: Sequence[str], params: Mapping[str, Any]
                 ) -> str:
    """How a node of ``prim`` with arguments ``names`` is written.

    ``ln(v0)``, ``v0 × v1``, ``Σ(v3, axis=0)``, or the primitive's own ``listing``.
    """
    names = list(names)
    if prim.listing is not None:
        text = prim.listing(names, **params)
        if text is not None:
            return text
    if prim.infix and len(names) == 2:
        return f"{names[0]} {prim.symbol} {names[1]}"
    shown = {k: v for k, v in params.items() if k != "keepdims" or v}
    extra = [f"{k}={jsonable(v, other=repr)}" for k, v in shown.items()
             if v is not None]
    return f"{prim.symbol}({', '.join(names + extra)})"


def local_partials(g: Graph) -> dict[tuple[int, int, int], dict[str, Any]]:
    """The local derivative ∂v_dst/∂v_src of every edge, as a formula and a number.

    Numbers are computed with the primitive's own JVP rule (a unit tangent), so they
    are the engine's; they are given for scalar nodes, tensors get the formula only.
    """
    out = {}
    for src, dst, k in g.edges:
        prim, args = g.prims[dst], g.args[dst]
        formula = ""
        if prim.partials is not None and k < len(prim.partials):
            formula = prim.partials[k].format(*[f"v{j}" for j in args], out=f"v{dst}")
        value = None
        if g.needs[src] and np.ndim(g.values[dst]) == 0 and all(
                np.ndim(g.values[j]) == 0 for j in args):
            part = g.local_jvp(dst, k, np.float64(1.0))
            value = None if part is None else float(part)
        out[(src, dst, k)] = {"formula": formula, "value": value}
    return out
