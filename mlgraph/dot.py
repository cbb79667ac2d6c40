"""Graph -> the DOT statements the widget's in-browser Graphviz lays out (no binary).

Python writes one statement per node, edge and scope; `js/dot.js` joins them for the
collapse state on screen (that assembly lives only there). Node ids are the slide names
(`v3`), edge ids `e{src}_{dst}_{argnum}` (so `x * x` gives two edges), scope `k` is
`s{k}`. Every attribute value goes through `quote`, the one escaping path for DOT; user
strings (input and scope names) appear only as placeholder labels that size the layout,
since the view draws every text itself as plain text. No URL, href or HTML-like label is
ever written.
"""

from __future__ import annotations

from typing import Any

#: Sizes in DOT inches (72 pt = 72 SVG units = 72 CSS px at 100% zoom). The view draws
#: node text at 15-16 px, so a scalar node fits "v̄1 = −0.2837" and a header line.
NODE_WIDTH, NODE_HEIGHT = 1.95, 0.9
CONST_WIDTH, CONST_HEIGHT = 0.9, 0.5
GROUP_WIDTH = 2.4
#: Tensor nodes: two heatmaps (value | derivative) of `cell`-px cells side by side.
HEAT_MIN_CELL, HEAT_MAX_CELL, HEAT_SPAN = 6, 14, 96
TENSOR_SLOT = 78  # px: a scale label such as "±0.01202" under each map
#: Edge label placeholders (Courier metrics, 14 pt): room for a badge such as "−0.2837"
#: or a shape "(120×16)", so badges never sit on another edge's label.
BADGE_ROOM = "−0.000"
EDGE_FONT = 14
NODE_DEFAULTS = {
    "shape": "box",
    "fixedsize": "true",
    "label": "",
    "fontname": "Courier",
    "fontsize": EDGE_FONT,
    "width": NODE_WIDTH,
    "height": NODE_HEIGHT,
}
EDGE_DEFAULTS = {"arrowsize": "0.7", "fontname": "Courier", "fontsize": EDGE_FONT}

#: Above this many nodes the layout is tuned for speed: straight edges, capped
#: network-simplex and crossing-minimization passes (a 1,000-node DAG: ~6 s -> ~0.15 s
#: in Graphviz WASM), and edges get no label boxes.
EDGE_LABEL_BUDGET = 150
FAST_LAYOUT = {
    "splines": "line",
    "nslimit": "0.1",
    "nslimit1": "0.1",
    "mclimit": "0.01",
}


def quote(text: Any) -> str:
    r"""`text` as one DOT double-quoted string, inert whatever it contains.

    Backslashes and double quotes are escaped (so `"` can never end the string and start
    a new attribute such as `URL=...`, and `\\N`, `\\G`, `\\l` stay literal); control
    characters, newlines included, become spaces; the result is always quoted, so
    `<...>` is never read as an HTML-like label.

    >>> print(quote('L" URL="javascript:x" \\'))
    "L\" URL=\"javascript:x\" \\"
    """
    s = "".join(c if c >= " " and c != "\x7f" else " " for c in str(text))
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _attrs(**attrs: Any) -> str:
    return " ".join(f"{k}={quote(v)}" for k, v in attrs.items())


def graph_json(graph: Any) -> dict:
    """The Graph JSON of a `Graph` (or of an already serialized one)."""
    return graph if isinstance(graph, dict) else graph.to_json()


def heat_dims(shape: Any) -> tuple[int, int]:
    """Rows and columns of a tensor's heatmap, at most 16 × 16 (longer axes pooled).

    A vector is one row, a matrix as is, more axes are folded into the rows.
    """
    shape = tuple(shape)
    if not shape:
        return 1, 1
    cols = shape[-1]
    rows = 1
    for d in shape[:-1]:
        rows *= d
    return min(rows, 16), min(cols, 16)


def heat_cell(shape: Any) -> int:
    """Cell size (px) of a tensor's heatmaps: 96 px over the longer side, 6 to 14 px."""
    rows, cols = heat_dims(shape)
    return max(HEAT_MIN_CELL, min(HEAT_MAX_CELL, HEAT_SPAN // max(rows, cols)))


def node_size(node: dict) -> tuple[float, float]:
    """Box of a node in inches: constants small, tensors sized to their two heatmaps."""
    if node.get("kind") == "const":  # as wide as its label ("2", "const(3, 1)")
        return round(
            max(CONST_WIDTH, (len(str(node.get("label", ""))) * 9.6 + 16) / 72), 2
        ), CONST_HEIGHT
    shape = node.get("shape") or []
    if not shape:
        return NODE_WIDTH, NODE_HEIGHT
    rows, cols = heat_dims(shape)
    cell = heat_cell(shape)
    width = (2 * max(cols * cell, TENSOR_SLOT) + 24) / 72  # two maps or scale labels
    height = (rows * cell + 68) / 72  # header, tags, maps, scale line
    return round(max(NODE_WIDTH, width), 2), round(max(NODE_HEIGHT, height), 2)


def shape_text(shape: Any) -> str:
    """`(2×3)`, `(4)`, or `()` for a scalar."""
    return "(" + "×".join(str(d) for d in shape) + ")"


def scope_groups(graph: Any) -> list[dict]:
    """The top-level scopes in order of first node.

    Each is `{"scope", "id": "s0", "nodes": [ids], "output": id}`; the output is the
    last node with a consumer outside the scope (or a graph output).
    """
    g = graph_json(graph)
    members: dict[str, list[int]] = {}
    for node in g["nodes"]:
        top = (node.get("scope") or "").split("/")[0]
        if top:
            members.setdefault(top, []).append(node["id"])
    groups = []
    for k, (name, ids) in enumerate(members.items()):
        inside = set(ids)
        leaving = {
            e["src"]
            for e in g["edges"]
            if e["src"] in inside and e["dst"] not in inside
        }
        leaving |= inside & set(g["outputs"])
        out = max(leaving) if leaving else ids[-1]
        groups.append({"scope": name, "id": f"s{k}", "nodes": ids, "output": out})
    return groups


def dot_parts(graph: Any, rankdir: str = "LR") -> dict:
    """The DOT statements of a graph, for `js/dot.js` to join per collapse state.

    Args:
        graph: a `mlgraph.Graph`, or its `to_json()` dict.
        rankdir: Graphviz rank direction; `"LR"` draws inputs on the left, as on the
            slides.

    Returns:
        `{"head", "nodes": {name: statement}, "edges": [{"src", "dst", "stmt"}],
        "groups": [{"id", "nodes", "node", "cluster"}]}`: `head` opens the digraph,
        `node` is a collapsed scope's statement and `cluster` opens its subgraph.
    """
    g = graph_json(graph)
    big = len(g["nodes"]) > EDGE_LABEL_BUDGET
    layout = {
        "rankdir": rankdir,
        "nodesep": "0.3",
        "ranksep": "0.3",
        **(FAST_LAYOUT if big else {}),
    }
    head = (
        "digraph mlgraph {\n"
        f"\tgraph [{_attrs(**layout)}]\n"
        f"\tnode [{_attrs(**NODE_DEFAULTS)}]\n"
        f"\tedge [{_attrs(**EDGE_DEFAULTS, label='' if big else BADGE_ROOM)}]\n"
    )
    nodes, names = {}, {}
    by_id = {n["id"]: n for n in g["nodes"]}
    for node in g["nodes"]:
        name = f"v{int(node['id'])}"
        names[node["id"]] = name
        size = dict(zip(("width", "height"), node_size(node), strict=True))
        size = {
            k: v
            for k, v in size.items()
            if v != {"width": NODE_WIDTH, "height": NODE_HEIGHT}[k]
        }
        nodes[name] = f"\t{name} [{_attrs(id=name, **size)}]\n"
    edges = []
    for edge in g["edges"]:
        src, dst, argnum = (int(edge[k]) for k in ("src", "dst", "argnum"))
        attrs = {"id": f"e{src}_{dst}_{argnum}"}
        if not big and by_id[src].get("kind") == "const":
            attrs["label"] = ""  # no derivative on a constant's edge
        elif not big and by_id[src].get("shape"):
            attrs["label"] = shape_text(by_id[src]["shape"])
        stmt = f"\t{names[src]} -> {names[dst]} [{_attrs(**attrs)}]\n"
        edges.append({"src": names[src], "dst": names[dst], "stmt": stmt})
    groups, tail = [], ""
    scopes = scope_groups(g)
    if (
        not scopes and not big
    ):  # the lecture's levels: nodes of one depth share a column
        tail = "".join(
            f"\t{{rank=same; {'; '.join(level)}}}\n"
            for level in _levels(g, names)
            if len(level) > 1
        )
    for grp in scopes:
        sid, label = grp["id"], f"▸ {grp['scope']}"
        node = _attrs(id=sid, width=GROUP_WIDTH, height=NODE_HEIGHT)
        cluster = _attrs(
            id=f"cluster_{sid}", label=label, style="rounded,dashed", fontsize=16
        )
        groups.append(
            {
                "id": sid,
                "nodes": [names[i] for i in grp["nodes"]],
                "node": f"\t{sid} [{node}]\n",
                "cluster": f"\tsubgraph cluster_{sid} {{\n\t\tgraph [{cluster}]\n",
            }
        )
    return {
        "head": head,
        "nodes": nodes,
        "edges": edges,
        "groups": groups,
        "tail": tail,
    }


def _levels(g: dict, names: dict[int, str]) -> list[list[str]]:
    """Nodes grouped by depth: the levels the lecture numbers v0..vn by.

    An input or constant has depth 0, an op one more than its deepest argument.
    """
    depth: dict[int, int] = {}
    for node in g["nodes"]:
        args = node.get("inputs") or []
        depth[node["id"]] = 1 + max((depth[a] for a in args), default=-1) if args else 0
    levels: dict[int, list[str]] = {}
    for i, d in depth.items():
        levels.setdefault(d, []).append(names[i])
    return [levels[d] for d in sorted(levels)]
