"""`GraphWidget.save_html`: a page that plays with no kernel and all network blocked."""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import expect

import mlgraph
from mlgraph.widget import GraphWidget


def _block_network(page):
    blocked: list[str] = []

    def handle(route):
        url = route.request.url
        if url.startswith(("file:", "blob:", "data:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    page.route("**/*", handle)
    return blocked


@pytest.mark.browser
def test_exported_page_plays_offline(page, tmp_path):
    g = mlgraph.trace(lambda x1, x2: np.log(x1) + x1 * x2 - np.sin(x2), x1=2.0, x2=5.0)
    w = GraphWidget.from_graph(g, mode="reverse")
    path = w.save_html(tmp_path / "page.html")
    blocked = _block_network(page)
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
    blocked = _block_network(page)
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
    _block_network(page)
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
