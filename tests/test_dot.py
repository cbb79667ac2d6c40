"""DOT text: one node per graph node with a stable id, one edge per argument,
escaped labels,
deterministic output."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

import mlgraph
from mlgraph.dot import assemble_dot, dot_parts, scope_groups, to_dot


def f_xy(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


def test_one_node_per_graph_node_with_stable_ids():
    g = mlgraph.trace(f_xy, x1=2.0, x2=5.0)
    dot = to_dot(g)
    ids = re.findall(r"^\s*(v\d+) \[.*\bid=(v\d+)", dot, flags=re.M)
    assert ids == [(n.name, n.name) for n in g.nodes]
    assert [n.name for n in g.nodes] == [f"v{i}" for i in range(len(g.nodes))]


def test_one_edge_per_argument_so_x_times_x_draws_two():
    g = mlgraph.trace(lambda x: x * x, x=3.0)
    dot = to_dot(g)
    assert re.findall(r"v0 -> v1 \[id=(e\S+)\]", dot) == ["e0_1_0", "e0_1_1"]


def test_edges_match_the_graph():
    g = mlgraph.trace(f_xy, x1=2.0, x2=5.0)
    edges = re.findall(r"v(\d+) -> v(\d+) \[id=e(\d+)_(\d+)_(\d+)\]", to_dot(g))
    want = [(e["src"], e["dst"], e["argnum"]) for e in g.to_json()["edges"]]
    assert sorted((int(s), int(d), int(a)) for s, d, _, _, a in edges) == sorted(want)
    assert all(s == s2 and d == d2 for s, d, s2, d2, _ in edges)


def test_labels_are_escaped():
    evil = '<img src=x onerror=alert(1)> "quoted" back\\slash'
    graph = {
        "nodes": [{"id": 0, "name": "v0", "label": evil, "inputs": []}],
        "edges": [],
        "inputs": [0],
        "outputs": [0],
    }
    dot = to_dot(graph)
    (label,) = re.findall(r'label="((?:[^"\\]|\\.)*)"', dot)
    assert label == 'v0\\n<img src=x onerror=alert(1)> \\"quoted\\" back\\\\slash'
    assert "label=<" not in dot  # never an HTML-like label


def test_deterministic():
    a = to_dot(mlgraph.trace(f_xy, x1=2.0, x2=5.0))
    b = to_dot(mlgraph.trace(f_xy, x1=2.0, x2=5.0))
    assert a == b
    assert a == to_dot(mlgraph.trace(f_xy, x1=2.0, x2=5.0).to_json())


# -- scopes: collapsed layers are one node, expanded ones a cluster ----------------

DOT_FIXTURE = Path(__file__).parent / "fixtures" / "dot_collapse.json"


def mlp_loss_graph():
    from mlgraph import nn

    m = nn.MLP([2, 4, 4, 1], seed=0)
    X = np.array([[0.5, -1.0], [1.0, 2.0], [-0.5, 0.3]])
    y = np.array([[1.0], [0.0], [0.5]])

    def loss(W1, b1, W2, b2, W3, b3):
        return nn.mse(m.apply(X, W1, b1, W2, b2, W3, b3), y)

    return mlgraph.trace(loss, *m.params)


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


def test_collapsed_scope_is_one_node_and_expanded_a_cluster():
    g = mlp_loss_graph()
    expanded = to_dot(g)
    assert expanded.count("subgraph cluster_s") == 3
    collapsed = to_dot(g, collapsed=["s0", "s2"])
    assert "subgraph cluster_s1" in collapsed and "cluster_s0" not in collapsed
    assert re.search(r"^\s*s0 \[label=\"layer1\" id=s0", collapsed, flags=re.M)
    assert "v8 " not in collapsed and "v14 " not in collapsed  # inner nodes hidden
    assert re.search(r"s0 -> v11 \[id=gs0_v11\]", collapsed)
    # edges into a collapsed group are merged: one per outside node
    assert len(re.findall(r"-> s2 ", collapsed)) == 3


def test_dot_fixture_for_js_assembles_the_same_text():
    """Writes tests/fixtures/dot_collapse.json; js/dot.test.js checks dot.js on it."""
    g = mlp_loss_graph()
    parts = dot_parts(g)
    states = [[], ["s0"], ["s0", "s1", "s2"], ["s1"]]
    data = {
        "parts": parts,
        "states": [{"collapsed": c, "dot": assemble_dot(parts, c)} for c in states],
    }
    for state in data["states"]:
        assert state["dot"] == to_dot(g, collapsed=state["collapsed"])
    DOT_FIXTURE.write_text(
        json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
