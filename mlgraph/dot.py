"""Graph -> DOT text for the widget's in-browser Graphviz layout (no `dot` binary).

Node ids are the slide names (`v3`), edge ids are `e{src}_{dst}_{argnum}` (so `x * x`
gives two edges), every label is escaped, and the text is deterministic.
"""

from __future__ import annotations

from typing import Any

import graphviz

#: Node box size in inches. Fixed, so the layout does not depend on label text and the
#: widget has room for the name, value, tangent and adjoint lines.
NODE_WIDTH, NODE_HEIGHT = 1.7, 0.95
TENSOR_NODE_WIDTH = (
    2.6  # when some node is an array: room for "v̄0 = (3, 2) [1.302, 0.9457, …]"
)


def graph_json(graph: Any) -> dict:
    """The Graph JSON of a `Graph` (or of an already serialized one)."""
    return graph if isinstance(graph, dict) else graph.to_json()


def _text(s: Any) -> str:
    """A label piece without Graphviz's special meanings (backslash escapes, <html>)."""
    return str(graphviz.escape(str(s)))


#: Above this many nodes the layout is tuned for speed: straight edges, capped
#: network-simplex and crossing-minimization passes (a 1,000-node DAG: ~6 s -> ~0.15 s
#: in Graphviz WASM), and edges get no label boxes (the widget writes derivative labels
#: at the edge's middle).
EDGE_LABEL_BUDGET = 150
FAST_LAYOUT = {
    "splines": "line",
    "nslimit": "0.1",
    "nslimit1": "0.1",
    "mclimit": "0.01",
}


def to_dot(graph: Any, rankdir: str = "LR", edge_labels: dict | None = None) -> str:
    """DOT text of a traced graph.

    Args:
        graph: a `mlgraph.Graph`, or its `to_json()` dict.
        rankdir: Graphviz rank direction; `"LR"` draws inputs on the left, as on
            the slides.
        edge_labels: optional `{"src_dst_argnum": {"formula", "value"}}`; for graphs up
            to
            `EDGE_LABEL_BUDGET` nodes each edge then gets a label (the local derivative
            and room for the reverse contribution), so the layout leaves space for it.

    Returns:
        The DOT source. Node `v3` has `id="v3"`; the edge from `v0` into argument 1 of
        `v3` has `id="e0_3_1"`.
    """
    g = graph_json(graph)
    big = len(g["nodes"]) > EDGE_LABEL_BUDGET
    dot = graphviz.Digraph(
        "mlgraph",
        graph_attr={
            "rankdir": rankdir,
            "nodesep": "0.25",
            "ranksep": "0.45",
            **(FAST_LAYOUT if big else {}),
        },
        node_attr={
            "shape": "box",
            "fixedsize": "true",
            "width": str(
                TENSOR_NODE_WIDTH
                if any(n.get("shape") for n in g["nodes"])
                else NODE_WIDTH
            ),
            "height": str(NODE_HEIGHT),
            "fontsize": "11",
        },
        edge_attr={"arrowsize": "0.6"},
    )
    for node in g["nodes"]:
        name = node["name"]
        label = graphviz.nohtml(f"{_text(name)}\\n{_text(node['label'])}")
        dot.node(name, label=label, id=name)
    names = {node["id"]: node["name"] for node in g["nodes"]}
    for edge in g["edges"]:
        src, dst, argnum = edge["src"], edge["dst"], edge["argnum"]
        attrs = {"id": f"e{src}_{dst}_{argnum}"}
        lab = (edge_labels or {}).get(f"{src}_{dst}_{argnum}")
        if lab is not None and not big:
            attrs["label"] = graphviz.nohtml(_edge_text(names[src], names[dst], lab))
            attrs["fontsize"] = "10"
        dot.edge(names[src], names[dst], **attrs)
    return dot.source


def _edge_text(src: str, dst: str, lab: dict) -> str:
    """`∂v3/∂v0 = v1 = 5` over a line as wide as `v̄0 += −0.2837` (the reverse flow)."""
    value = lab.get("value")
    text = f"∂{dst}/∂{src} = {lab['formula']}"
    shown = None if value is None else f"{value:.4g}".replace("-", "−")
    if shown is not None and shown != str(lab["formula"]):
        text += f" = {shown}"
    return f"{_text(text)}\\n{_text(f'v̄{src[1:]} += −0.0000')}"
