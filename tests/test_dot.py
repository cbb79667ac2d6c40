"""DOT text: one node per graph node with a stable id, one edge per argument,
escaped labels,
deterministic output."""

from __future__ import annotations

import re

import numpy as np

import mlgraph
from mlgraph.dot import to_dot


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
