"""`GraphWidget.save_html`: a page that plays with no kernel and all network blocked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

import mlgraph
from mlgraph.widget import GraphWidget

from .lab import block_network


@pytest.mark.browser
def test_exported_page_plays_offline(page, tmp_path):
    g = mlgraph.trace(lambda x1, x2: np.log(x1) + x1 * x2 - np.sin(x2), x1=2.0, x2=5.0)
    w = GraphWidget.from_graph(g, mode="reverse")
    path = w.save_html(tmp_path / "page.html")
    blocked = block_network(page)
    page.goto(path.as_uri())
    widget = page.locator(".mlgraph")
    expect(widget).to_have_attribute("data-mlgraph-ready", "1", timeout=30_000)
    expect(widget.locator("[data-mlgraph-node]")).to_have_count(7)
    widget.locator("select.mlgraph-speed").select_option("60")
    widget.locator('[data-mlgraph-action="play"]').click()
    last = len(w.streams["reverse"]) - 1
    expect(widget).to_have_attribute("data-mlgraph-cursor", str(last), timeout=30_000)
    expect(widget.locator('[data-mlgraph-node="v0"] .mlgraph-cotangent')).to_have_text(
        "v\u03040 = 5.5"
    )
    assert blocked == [], blocked


@pytest.mark.browser
def test_labels_render_as_text(page, tmp_path):
    evil = "<img src=x onerror=alert(1)>"
    graph = {
        "nodes": [
            {
                "id": 0,
                "name": "v0",
                "label": evil,
                "op": "input",
                "inputs": [],
                "shape": [],
                "kind": "input",
            },
            {
                "id": 1,
                "name": "v1",
                "label": "sin",
                "op": "sin",
                "inputs": [0],
                "shape": [],
                "kind": "op",
            },
        ],
        "edges": [{"src": 0, "dst": 1, "argnum": 0}],
        "inputs": [0],
        "outputs": [1],
    }
    from mlgraph.dot import to_dot

    events = [
        {"step": 0, "sweep": "eval", "kind": "seed", "node": 0, "value": 1.0},
        {"step": 1, "sweep": "eval", "kind": "visit", "node": 1, "value": 0.8415},
    ]
    rows = [
        {
            "node": 1,
            "step": 1,
            "lhs": evil,
            "rule": evil,
            "numbers": "1",
            "value": "0.8415",
        }
    ]
    w = GraphWidget(
        graph={**graph, "dot": to_dot(graph), "edge_labels": {}},
        streams={"eval": events},
        tables={"eval": rows},
        mode="eval",
    )
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    blocked = block_network(page)
    page.goto(w.save_html(tmp_path / "evil.html").as_uri())
    widget = page.locator(".mlgraph")
    expect(widget).to_have_attribute("data-mlgraph-ready", "1", timeout=30_000)
    expect(widget.locator('[data-mlgraph-node="v0"] .mlgraph-head')).to_have_text(
        f"v0  {evil}"
    )
    expect(widget.locator(".mlgraph-lhs")).to_have_text(evil)
    assert page.locator("img").count() == 0
    assert dialogs == [] and blocked == []


@pytest.mark.browser
def test_big_graph_shows_a_message_not_a_hang(page, tmp_path):
    g = mlgraph.trace(lambda x1, x2: np.log(x1) + x1 * x2 - np.sin(x2), x1=2.0, x2=5.0)
    w = GraphWidget.from_graph(g, max_nodes=5)
    block_network(page)
    page.goto(w.save_html(tmp_path / "big.html").as_uri())
    widget = page.locator(".mlgraph")
    expect(widget).to_have_attribute("data-mlgraph-ready", "1", timeout=30_000)
    expect(widget.locator(".mlgraph-message")).to_contain_text("max_nodes = 5")
    expect(widget.locator("[data-mlgraph-node]")).to_have_count(0)
    widget.locator('[data-mlgraph-action="end"]').click()  # the table still plays
    expect(widget.locator(".mlgraph-row-current")).to_have_count(1)


@pytest.mark.browser
def test_empty_widget_says_how_to_fill_it(page, tmp_path):
    page.goto(GraphWidget().save_html(tmp_path / "empty.html").as_uri())
    expect(page.locator(".mlgraph-message")).to_contain_text("No graph yet")


# -- collapsed layers, compare view, gallery -------------------------------------------

GALLERY = Path(__file__).resolve().parents[2] / "docs" / "gallery"
VIEWPORT = {"width": 1280, "height": 720}


def _lecture_graph():
    return mlgraph.trace(
        lambda x1, x2: np.log(x1) + x1 * x2 - np.sin(x2), x1=2.0, x2=5.0
    )


def _mlp_loss_graph():
    from mlgraph import nn

    m = nn.MLP([2, 4, 4, 1], seed=0)
    X = np.array([[0.5, -1.0], [1.0, 2.0], [-0.5, 0.3]])
    y = np.array([[1.0], [0.0], [0.5]])

    def loss(W1, b1, W2, b2, W3, b3):
        return nn.mse(m.apply(X, W1, b1, W2, b2, W3, b3), y)

    return mlgraph.trace(loss, *m.params)


def _open(page, w, path):
    block_network(page)
    page.set_viewport_size(VIEWPORT)
    page.goto(w.save_html(path).as_uri())
    widget = page.locator(".mlgraph")
    expect(widget).to_have_attribute("data-mlgraph-ready", "1", timeout=30_000)
    return widget


def _shot(widget, name):
    GALLERY.mkdir(parents=True, exist_ok=True)
    widget.screenshot(path=str(GALLERY / name))


@pytest.mark.browser
def test_mlp_layers_start_collapsed_and_expand_on_click(page, tmp_path):
    g = _mlp_loss_graph()
    w = GraphWidget.from_graph(g, mode="reverse")
    groups = {grp["scope"]: grp for grp in w.graph["groups"]}
    assert list(groups) == ["layer1", "layer2", "layer3"]
    inner = {i for grp in groups.values() for i in grp["nodes"]}
    widget = _open(page, w, tmp_path / "mlp.html")
    # tensor MLP graph: every layer is one node, and the view says why
    expect(widget.locator("[data-mlgraph-group]")).to_have_count(3)
    expect(widget.locator("[data-mlgraph-node]")).to_have_count(
        len(g.nodes) - len(inner)
    )
    expect(widget.locator(".mlgraph-note")).to_contain_text("collapsed automatically")
    layer1 = widget.locator('[data-mlgraph-group="layer1"]')
    expect(layer1.locator(".mlgraph-head")).to_have_text(
        f"\u25b8 layer1  ({len(groups['layer1']['nodes'])} nodes)"
    )
    # the reverse sweep to the end: collapsed layers show their output's adjoint
    widget.locator('[data-mlgraph-action="end"]').click()
    out1 = f"v{groups['layer1']['output']}"
    expect(layer1.locator(".mlgraph-cotangent")).to_contain_text(
        f"v\u0304{out1[1:]} = (3, 4)"
    )
    expect(layer1).to_have_attribute("data-mlgraph-state", "done")
    _shot(widget, "mlp_collapsed.png")
    # click: layer1 expands into a cluster whose nodes carry the node hook
    layer1.click()
    expect(widget).to_have_attribute("data-mlgraph-ready", "1", timeout=30_000)
    expect(widget.locator('[data-mlgraph-group="layer1"]')).to_have_count(0)
    expect(widget.locator('[data-mlgraph-cluster="layer1"]')).to_have_count(1)
    for i in groups["layer1"]["nodes"]:
        expect(widget.locator(f'[data-mlgraph-node="v{i}"]')).to_have_count(1)
    expect(widget.locator("[data-mlgraph-group]")).to_have_count(2)
    # stepping the reverse sweep still updates the states, inside the expanded layer too
    act = f'[data-mlgraph-node="{out1}"]'
    widget.locator('[data-mlgraph-action="start"]').click()
    expect(widget.locator(act)).to_have_attribute("data-mlgraph-state", "pending")
    events = w.streams["reverse"]
    visit = next(
        e["step"]
        for e in events
        if e["sweep"] == "reverse"
        and e["kind"] == "visit"
        and e["node"] == groups["layer1"]["output"]
    )
    widget.evaluate(
        "(el, c) => { const m = el.parentElement.mlgraphModel; m.set('cursor', c); }",
        visit,
    )
    expect(widget.locator(act)).to_have_attribute("data-mlgraph-state", "active")
    expect(widget.locator(act).locator(".mlgraph-cotangent")).to_contain_text("(3, 4)")
    widget.locator('[data-mlgraph-action="step"]').click()
    expect(widget.locator(act)).to_have_attribute("data-mlgraph-state", "done")
    # a click on the cluster collapses it again (the cached layout comes back)
    widget.locator('[data-mlgraph-cluster="layer1"] text').click()
    expect(widget.locator("[data-mlgraph-group]")).to_have_count(3)
    expect(
        widget.locator(f'[data-mlgraph-node="v{groups["layer1"]["nodes"][-1]}"]')
    ).to_have_count(0)


@pytest.mark.browser
def test_forward_and_reverse_side_by_side(page, tmp_path):
    w = GraphWidget.from_graph(_lecture_graph(), mode="forward:x1")
    widget = _open(page, w, tmp_path / "compare.html")
    widget.locator('[data-mlgraph-action="compare"]').click()
    fwd = widget.locator('[data-mlgraph-pane="forward"]')
    rev = widget.locator('[data-mlgraph-pane="reverse"]')
    expect(fwd.locator("[data-mlgraph-node]")).to_have_count(7)
    expect(rev.locator("[data-mlgraph-node]")).to_have_count(7)
    # one layout for both panes
    boxes = [
        p.locator('[data-mlgraph-node="v3"] polygon').get_attribute("points")
        for p in (fwd, rev)
    ]
    assert boxes[0] == boxes[1]
    passes = widget.locator(".mlgraph-passes")
    expect(passes).to_have_attribute("data-mlgraph-passes-forward", "2")
    expect(passes).to_have_attribute("data-mlgraph-passes-reverse", "1")
    expect(passes).to_contain_text("2 forward passes (one per input) vs 1 reverse pass")
    expect(passes).to_contain_text("R\u00b2\u2192R\u00b9")
    # the two panes step together, one cursor
    widget.locator('[data-mlgraph-action="step"]').click()
    expect(fwd.locator('[data-mlgraph-state="active"]')).to_have_count(1)
    expect(rev.locator('[data-mlgraph-state="active"]')).to_have_count(1)
    widget.locator('[data-mlgraph-action="end"]').click()
    n = max(len(w.streams["forward:x1"]), len(w.streams["reverse"]))
    expect(widget).to_have_attribute("data-mlgraph-cursor", str(n - 1))
    expect(fwd.locator('[data-mlgraph-node="v6"] .mlgraph-tangent')).to_have_text(
        "v\u03076 = 5.5"
    )
    expect(rev.locator('[data-mlgraph-node="v0"] .mlgraph-cotangent')).to_have_text(
        "v\u03040 = 5.5"
    )
    expect(widget.locator(".mlgraph-table")).to_have_count(2)
    _shot(widget, "compare.png")
    widget.locator('[data-mlgraph-action="compare"]').click()  # back to one pane
    expect(
        widget.locator('[data-mlgraph-pane="main"] [data-mlgraph-node]')
    ).to_have_count(7)


@pytest.mark.browser
def test_gallery_eval_forward_reverse(page, tmp_path):
    w = GraphWidget.from_graph(_lecture_graph(), mode="reverse")
    widget = _open(page, w, tmp_path / "gallery.html")
    for mode, name, node, text in [
        ("eval", "eval.png", "v6", "v6 = 11.652"),
        ("forward:x1", "forward_x1.png", "v6", "v\u03076 = 5.5"),
        ("reverse", "reverse.png", "v0", "v\u03040 = 5.5"),
    ]:
        widget.locator("select.mlgraph-mode").select_option(mode)
        expect(widget).to_have_attribute("data-mlgraph-ready", "1", timeout=30_000)
        widget.locator('[data-mlgraph-action="end"]').click()
        expect(widget.locator(f'[data-mlgraph-node="{node}"]')).to_contain_text(text)
        _shot(widget, name)
