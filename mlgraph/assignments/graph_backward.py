"""graph-backward: the reverse sweep of a given computation graph, node by node.

Students write ``backward(nodes, values) -> {name: adjoint}``: ``nodes`` lists the graph
in topological order (``{"name": "v3", "op": "mul", "inputs": ["v0", "v1"]}``, constants
with their ``"value"``), ``values`` the primal of every node (the forward sweep). They
return v̄ = ∂y/∂v for every input and operation node. The reference is the kernel's own
reverse sweep (`mlgraph.run`); each node is an entry group.
"""

from __future__ import annotations

import math

import numpy as np

import mlgraph as mg
from mlgraph.grading.spec import Assignment, Case, Group, Output


def lecture(x1, x2):
    """The lecture's example: ln(x1) + x1·x2 − sin(x2)."""
    return mg.log(x1) + x1 * x2 - mg.sin(x2)


def fan_out(x):
    """x / x²: x reaches the output along three paths (x·x is two edges)."""
    return x / (x * x)


def neuron(x1, x2, w1, w2, b):
    """A logistic neuron written with exp: 1 / (1 + exp(−(w1·x1 + w2·x2 + b)))."""
    return 1.0 / (1.0 + mg.exp(-(w1 * x1 + w2 * x2 + b)))


GRAPHS = {"lecture graph": lecture, "fan-out graph": fan_out, "neuron graph": neuron}
_POINTS = {"lecture graph": 4.0, "fan-out graph": 3.0, "neuron graph": 5.0}
_PUBLIC = {"lecture graph": (2.0, 5.0), "fan-out graph": (1.5,),
           "neuron graph": (0.5, -1.0, 0.3, 0.8, 0.1)}


def _operations() -> tuple[str, ...]:
    used = {n.op for name, f in GRAPHS.items()
            for n in mg.trace(f, *_PUBLIC[name]).nodes}
    return tuple(op for op in mg.PRIMITIVES if op in used)


#: The operations a student's backward meets (those the graphs use, in the registry's
#: order); the notebook template names them.
OPERATIONS = _operations()


def _graded(g: mg.Graph) -> list:
    return [n for n in g.nodes if n.op != "const"]


def _adjoints(g: mg.Graph) -> dict[int, float]:
    final = {}
    for e in mg.run(g, "reverse"):
        if e.sweep == "reverse":
            final[e.node] = float(e.value)
    return final


class GraphBackward(Assignment):
    """The reference is the kernel's reverse sweep on each graph."""

    def __init__(self) -> None:
        self.name = "graph-backward"
        self.title = "The reverse sweep of a computation graph, node by node"
        self.function = "backward"
        self.signature = ("nodes", "values")
        self.rtol, self.atol = 1e-7, 1e-10
        self.hints = {
            "fan_out_not_summed": "A node used by several others receives one "
                                  "contribution from each: v̄ = Σ over consumers of "
                                  "(consumer's v̄) · ∂consumer/∂v.",
            "local_only": "Multiply each local derivative by the adjoint of the node "
                          "it flows back from (the chain rule).",
        }
        self.credit = {}
        self.outputs = tuple(self._output(name) for name in GRAPHS)

    def _graph(self, name: str, at: tuple) -> mg.Graph:
        f = GRAPHS[name]
        return mg.trace(f, *at)

    def _output(self, name: str) -> Output:
        g = self._graph(name, _PUBLIC[name])
        nodes = _graded(g)
        each = _POINTS[name] / len(nodes)
        groups = tuple(Group(f"v\u0304{n.id} ({n.label})", np.s_[i], each)
                       for i, n in enumerate(nodes))
        listing = "; ".join(str(g).splitlines()[len(g.inputs):-1])
        return Output(name, f"{GRAPHS[name].__doc__.rstrip('.')}: {listing}", groups)

    def cases(self, rng: np.random.Generator, hidden: bool) -> list[Case]:
        """Each graph, at the public inputs or (hidden) at inputs drawn from rng."""
        out = []
        for name in GRAPHS:
            at = _PUBLIC[name]
            if hidden:
                at = tuple(float(np.round(rng.uniform(0.2, 2.5), 3)) for _ in at)
            g = self._graph(name, at)
            nodes = []
            for n in g.nodes:
                d = {"name": n.name, "op": n.op, "inputs": [f"v{j}" for j in n.inputs]}
                if n.op == "const":
                    d["value"] = float(n.value)
                nodes.append(d)
            values = {n.name: float(n.value) for n in g.nodes}
            label = f"{name} at " + ", ".join(
                f"{g.nodes[i].label} = {values[g.nodes[i].name]:g}" for i in g.inputs)
            out.append(Case(label, (nodes, values), {"graph": g, "output": name}))
        return out

    def reference(self, case: Case) -> dict[str, np.ndarray]:
        """The kernel's reverse sweep: every graded node's final adjoint."""
        g = case.context["graph"]
        adj = _adjoints(g)
        return {case.context["output"]: np.array([adj[n.id] for n in _graded(g)])}

    def unpack(self, returned, case: Case) -> dict:
        """The returned ``{name: adjoint}`` (or list) as the graded nodes' array."""
        name, g = case.context["output"], case.context["graph"]
        want = [n.name for n in _graded(g)]
        if isinstance(returned, list | tuple) and len(returned) == len(g.nodes):
            returned = {f"v{i}": v for i, v in enumerate(returned)}
        if not isinstance(returned, dict):
            return {name: f"backward() must return a dict {{node name: adjoint}}, got "
                          f"{'None' if returned is None else type(returned).__name__}"}
        missing = [n for n in want if n not in returned]
        if missing:
            return {name: f"no adjoint for {', '.join(missing)}: return one for every "
                          "input and operation node"}
        vals = []
        for n in want:
            v = returned[n]
            if not isinstance(v, np.ndarray) or v.size != 1:
                return {name: f"the adjoint of {n} is not a number"}
            vals.append(float(v.reshape(())))
        return {name: np.array(vals)}

    def alternatives(self, case: Case) -> dict[str, dict[str, np.ndarray]]:
        """The sweep with fan-out overwritten, and with local derivatives only."""
        g, name = case.context["graph"], case.context["output"]
        local = {k: v["value"] for k, v in mg.local_partials(g).items()}
        out = {}
        for mistake in ("fan_out_not_summed", "local_only"):
            adj = {g.output: 1.0}
            for n in reversed(g.nodes):
                if n.id not in adj or n.op in ("input", "const"):
                    continue
                for k, src in enumerate(n.inputs):
                    d = local.get((src, n.id, k))
                    if d is None:
                        continue
                    delta = d if mistake == "local_only" else adj[n.id] * d
                    if mistake == "fan_out_not_summed":
                        adj[src] = delta                  # overwritten, not added
                    else:
                        adj[src] = adj.get(src, 0.0) + delta
            out[mistake] = {name: np.array([adj.get(n.id, math.nan)
                                            for n in _graded(g)])}
        return out

    def messages(self) -> dict[str, str]:
        """What each of those mistakes means."""
        return {
            "fan_out_not_summed":
                "{out}: where a node feeds several others, only one contribution is "
                "kept; the contributions must be added.",
            "local_only":
                "{out}: each adjoint is only the local derivative; it must be "
                "multiplied by the adjoint of the node it comes back from.",
        }


ASSIGNMENT = GraphBackward()
