"""DOT statements: one node per graph node with a stable id, one edge per argument, every
attribute quoted by `mlgraph.dot.quote` whatever the user named things, deterministic."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from browser.gallery import SCOPES, ZOO, hostile_graph, mlp_loss_graph

import mlgraph
from mlgraph.dot import dot_parts, quote, scope_groups

#: The only attributes the DOT may carry.
ALLOWED = {
    "id",
    "label",
    "width",
    "height",
    "shape",
    "fixedsize",
    "fontname",
    "fontsize",
    "arrowsize",
    "rankdir",
    "nodesep",
    "ranksep",
    "style",
    "splines",
    "nslimit",
    "nslimit1",
    "mclimit",
}

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[A-Za-z_][\w.]*|->|[\[\]{};=]|\S')


def tokens(dot: str) -> list[str]:
    """A DOT lexer for the subset we write: quoted strings (with \\" escapes), ids, ops."""
    return _TOKEN.findall(dot)


def attributes(dot: str) -> list[tuple[str, str]]:
    """Every `key=value` pair of the DOT text, values unquoted."""
    t = tokens(dot)
    return [(t[i - 1], t[i + 1]) for i, tok in enumerate(t) if tok == "="]


def unquote(s: str) -> str:
    assert s.startswith('"') and s.endswith('"'), s
    return re.sub(r"\\(.)", r"\1", s[1:-1])


def f_xy(x1, x2):
    return mlgraph.log(x1) + x1 * x2 - mlgraph.sin(x2)


def join(parts: dict) -> str:
    """All statements (every scope expanded), for checks on the text Python wrote."""
    body = "".join(parts["nodes"].values()) + "".join(e["stmt"] for e in parts["edges"])
    body += "".join(g["cluster"] + g["node"] for g in parts["groups"])
    return parts["head"] + body + parts.get("tail", "") + "}\n"


@pytest.mark.parametrize("name", ZOO, ids=lambda z: repr(z)[:24])
def test_quote_keeps_any_string_inside_one_dot_string(name):
    q = quote(name)
    assert tokens(q) == [q]  # one token: nothing breaks out
    assert unquote(q) == re.sub(r"[\x00-\x1f\x7f]", " ", name)
    assert not q.startswith("<")  # never an HTML-like label


def test_one_node_per_graph_node_with_stable_ids():
    g = mlgraph.trace(f_xy, x1=2.0, x2=5.0)
    parts = dot_parts(g)
    assert list(parts["nodes"]) == [n.name for n in g.nodes]
    for name, stmt in parts["nodes"].items():
        assert stmt.strip().startswith(f"{name} [") and f'id="{name}"' in stmt


def test_one_edge_per_argument_so_x_times_x_draws_two():
    g = mlgraph.trace(lambda x: x * x, x=3.0)
    ids = re.findall(r'id="(e\S+?)"', join(dot_parts(g)))
    assert ids == ["e0_1_0", "e0_1_1"]


def test_edges_match_the_graph():
    g = mlgraph.trace(f_xy, x1=2.0, x2=5.0)
    ids = re.findall(r'id="e(\d+)_(\d+)_(\d+)"', join(dot_parts(g)))
    assert sorted(tuple(map(int, e)) for e in ids) == sorted(g.edges)


def test_levels_share_a_column_as_on_the_slides():
    parts = dot_parts(mlgraph.trace(f_xy, x1=2.0, x2=5.0))
    assert parts["tail"] == "\t{rank=same; v0; v1}\n\t{rank=same; v2; v3; v4}\n"


def test_deterministic():
    a = dot_parts(mlgraph.trace(f_xy, x1=2.0, x2=5.0))
    assert a == dot_parts(mlgraph.trace(f_xy, x1=2.0, x2=5.0))
    assert a == dot_parts(mlgraph.trace(f_xy, x1=2.0, x2=5.0).to_json())


def test_hostile_names_stay_inside_their_strings():
    g = hostile_graph()
    parts = dot_parts(g)
    assert [grp["scope"] for grp in scope_groups(g)] == SCOPES
    dot = join(parts)
    pairs = attributes(dot)
    assert {k for k, _ in pairs} <= ALLOWED, {k for k, _ in pairs} - ALLOWED
    assert all(v.startswith('"') for _, v in pairs)
    labels = [unquote(v) for k, v in pairs if k == "label"]
    assert [x for x in labels if x.startswith("▸")] == [
        f"▸ {s}".replace("\n", " ").replace("\r", " ") for s in SCOPES
    ]
    assert "URL" not in {k for k, _ in pairs} and "href" not in dot.lower()
    # statements are one per line: a name cannot add a line (and so a statement)
    assert all(
        line.count("[") == line.count("]") for line in dot.splitlines() if "=" in line
    )


# -- scopes: collapsed layers are one node, expanded ones a cluster ----------------

DOT_FIXTURE = Path(__file__).parent / "fixtures" / "dot_collapse.json"


def test_scope_groups_of_an_mlp_are_its_layers():
    g = mlp_loss_graph()
    groups = scope_groups(g)
    assert [grp["scope"] for grp in groups] == ["layer1", "layer2", "layer3"]
    scopes = {n["id"]: n["scope"] for n in g.to_json()["nodes"]}
    for grp in groups:
        assert all(scopes[i].split("/")[0] == grp["scope"] for i in grp["nodes"])
    # the layer's output feeds the next layer: layer1's tanh, layer2's tanh
    assert [g.to_json()["nodes"][grp["output"]]["label"] for grp in groups[:2]] == [
        "tanh",
        "tanh",
    ]


def test_dot_fixture_for_js():
    """Writes tests/fixtures/dot_collapse.json: the MLP's statements and the hostile
    graph's; js/dot.test.js assembles them per collapse state and lays them out."""
    data = {
        "mlp": dot_parts(mlp_loss_graph()),
        "hostile": dot_parts(hostile_graph()),
        "scopes": SCOPES,
    }
    assert len(data["hostile"]["groups"]) == len(SCOPES)
    DOT_FIXTURE.write_text(
        json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    assert json.loads(DOT_FIXTURE.read_text(encoding="utf-8")) == data
