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


def to_dot(
    graph: Any,
    rankdir: str = "LR",
    edge_labels: dict | None = None,
    collapsed: Any = (),
) -> str:
    """DOT text of a traced graph.

    Args:
        graph: a `mlgraph.Graph`, or its `to_json()` dict.
        rankdir: Graphviz rank direction; `"LR"` draws inputs on the left, as on
            the slides.
        edge_labels: optional `{"src_dst_argnum": {"formula", "value"}}`; for graphs up
            to `EDGE_LABEL_BUDGET` nodes each edge then gets a label (the local
            derivative and room for the reverse contribution), so the layout leaves
            space for it.
        collapsed: top-level scopes (`mlgraph.scope`) drawn as one node each; the other
            scopes are drawn as clusters.

    Returns:
        The DOT source. Node `v3` has `id="v3"`; the edge from `v0` into argument 1 of
        `v3` has `id="e0_3_1"`; scope number k is node or cluster `s{k}`.
    """
    return assemble_dot(dot_parts(graph, rankdir, edge_labels), collapsed)


def scope_groups(graph: Any) -> list[dict]:
    """The top-level scopes in order of first node: `{"scope", "id": "s0",
    "nodes": [ids],
    "output": id}`; the output is the last node with a consumer outside the scope (or a
    graph output)."""
    g = graph_json(graph)
    members: dict[str, list[int]] = {}
    for node in g["nodes"]:
        top = (node.get("scope") or "").split("/")[0]
        if top:
            members.setdefault(top, []).append(node["id"])
    groups = []
    for k, (name, ids) in enumerate(members.items()):
        inside = set(ids)
        leaving = {e["src"] for e in g["edges"] if e["src"] in inside}
        leaving = {
            i
            for i in leaving
            if any(e["src"] == i and e["dst"] not in inside for e in g["edges"])
        }
        leaving |= inside & set(g["outputs"])
        out = max(leaving) if leaving else ids[-1]
        groups.append({"scope": name, "id": f"s{k}", "nodes": ids, "output": out})
    return groups


def dot_parts(graph: Any, rankdir: str = "LR", edge_labels: dict | None = None) -> dict:
    """The pieces `assemble_dot` (and `js/dot.js`, in the browser, per collapse state)
    joins: `head`, one statement per node and edge, and the scope groups."""
    g = graph_json(graph)
    big = len(g["nodes"]) > EDGE_LABEL_BUDGET
    width = TENSOR_NODE_WIDTH if any(n.get("shape") for n in g["nodes"]) else NODE_WIDTH
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
            "width": str(width),
            "height": str(NODE_HEIGHT),
            "fontsize": "11",
        },
        edge_attr={"arrowsize": "0.6"},
    )
    head = dot.source.rstrip().removesuffix("}")
    nodes = {}
    for node in g["nodes"]:
        name = node["name"]
        label = graphviz.nohtml(f"{_text(name)}\\n{_text(node['label'])}")
        dot.node(name, label=label, id=name)
        nodes[name] = dot.body[-1]
    names = {node["id"]: node["name"] for node in g["nodes"]}
    edges = []
    for edge in g["edges"]:
        src, dst, argnum = edge["src"], edge["dst"], edge["argnum"]
        attrs = {"id": f"e{src}_{dst}_{argnum}"}
        lab = (edge_labels or {}).get(f"{src}_{dst}_{argnum}")
        if lab is not None and not big:
            attrs["label"] = graphviz.nohtml(_edge_text(names[src], names[dst], lab))
            attrs["fontsize"] = "10"
        dot.edge(names[src], names[dst], **attrs)
        edges.append({"src": names[src], "dst": names[dst], "stmt": dot.body[-1]})
    groups, wide = [], round(width + 0.4, 2)
    for grp in scope_groups(g):
        sid, label = grp["id"], _text(grp["scope"])
        groups.append(
            {
                "id": sid,
                "nodes": [names[i] for i in grp["nodes"]],
                "node": f'\t{sid} [label="{label}" id={sid} width={wide}]\n',
                "cluster": f"\tsubgraph cluster_{sid} {{\n\t\tid=cluster_{sid} "
                f'label="{label}" style="rounded,dashed" fontsize=11\n',
            }
        )
    return {"head": head, "nodes": nodes, "edges": edges, "groups": groups}


def assemble_dot(parts: dict, collapsed: Any = ()) -> str:
    """DOT text from `dot_parts` with the groups of `collapsed` scopes as single nodes
    (mirrored line for line by `assembleDot` in js/dot.js)."""
    group_of, out = {}, [parts["head"]]
    by_first = {grp["nodes"][0]: grp for grp in parts["groups"]}
    closed = {grp["id"] for grp in parts["groups"] if grp["id"] in set(collapsed)}
    for grp in parts["groups"]:
        for name in grp["nodes"]:
            group_of[name] = grp
    for name, stmt in parts["nodes"].items():
        grp = group_of.get(name)
        if grp is None:
            out.append(stmt)
        elif by_first.get(name) is grp and grp["id"] in closed:
            out.append(grp["node"])
        elif by_first.get(name) is grp:
            inner = "".join("\t" + parts["nodes"][n] for n in grp["nodes"])
            out.append(grp["cluster"] + inner + "\t}\n")
    seen = set()
    for edge in parts["edges"]:
        src, dst = edge["src"], edge["dst"]
        a = group_of[src]["id"] if group_of.get(src, {}).get("id") in closed else src
        b = group_of[dst]["id"] if group_of.get(dst, {}).get("id") in closed else dst
        if (a, b) == (src, dst):
            out.append(edge["stmt"])
        elif a != b and (a, b) not in seen:
            seen.add((a, b))
            out.append(f"\t{a} -> {b} [id=g{a}_{b}]\n")
    return "".join(out) + "}\n"


def _edge_text(src: str, dst: str, lab: dict) -> str:
    """`∂v3/∂v0 = v1 = 5` over a line as wide as `v̄0 += −0.2837` (the reverse flow)."""
    value = lab.get("value")
    text = f"∂{dst}/∂{src} = {lab['formula']}"
    shown = None if value is None else f"{value:.4g}".replace("-", "−")
    if shown is not None and shown != str(lab["formula"]):
        text += f" = {shown}"
    return f"{_text(text)}\\n{_text(f'v̄{src[1:]} += −0.0000')}"
