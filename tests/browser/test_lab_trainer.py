"""The training widget in a real JupyterLab: boundary, epoch, step/play/pause, controls,
network diagram and the computation-graph view, each checked against the kernel."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .lab import open_notebook, run_cell

GALLERY = Path(__file__).resolve().parents[2] / "docs" / "gallery"

CELLS = [
    """\
import json
import mlgraph
from mlgraph.training_widget import TrainingWidget, loss_text

w = TrainingWidget(dataset="moons", hidden="4,3", lr=0.3, seed=0, epochs_per_tick=1)
w""",
    """\
h = w.trainer.history
last = loss_text(h["train_loss"][-1]) if h["epoch"] else "-"
print("kernel epoch", w.epoch, "loss", last)""",
    """\
print("kernel lr", w.lr, w.trainer.optimizer.lr, "hidden", repr(w.hidden),
      "sizes", w.trainer.model.sizes)""",
    """\
model = w.trainer.model
signs = {f"{name}[{i},{j}]": "+" if W[i, j] >= 0 else "-"
         for name, W in zip(model.param_names[0::2], model.params[0::2])
         for i in range(W.shape[0]) for j in range(W.shape[1])}
g = w.loss_graph().to_json()
print("SIGNS", json.dumps(signs))
print("GRAPH", json.dumps({"names": [n["name"] for n in g["nodes"]],
                           "unscoped": [n["name"] for n in g["nodes"]
                                        if not n["scope"]],
                           "scopes": sorted({n["scope"] for n in g["nodes"]})}))""",
]
BLUE, ORANGE = "#0877bd", "#f59322"  # PALETTE[1] (w ≥ 0) and PALETTE[0] (w < 0)


def _output(page, index):
    return page.locator(".jp-Cell").nth(index).locator(".jp-OutputArea-output")


def _kernel_epoch_and_loss(page):
    run_cell(page, 1)
    out = _output(page, 1)
    expect(out).to_contain_text("kernel epoch")
    m = re.search(r"kernel epoch (\d+) loss (\S+)", out.inner_text())
    assert m, out.inner_text()
    return int(m.group(1)), m.group(2)


def _kernel_json(page, tag):
    run_cell(page, 3)
    text = _output(page, 3).inner_text()
    line = next(ln for ln in text.splitlines() if ln.startswith(tag + " "))
    return json.loads(line[len(tag) + 1 :])


def _check_graph_view(graph, info):
    """The GraphWidget shows the kernel's loss graph: every node outside a layer, and
    each layer as a box (expanded cluster or collapsed node), none from elsewhere."""
    expect(graph).to_have_attribute("data-mlgraph-ready", "1", timeout=60_000)
    for layer in info["scopes"][1:]:
        sel = f'[data-mlgraph-group="{layer}"], [data-mlgraph-cluster="{layer}"]'
        expect(graph.locator(sel)).not_to_have_count(0)
    expect(graph.locator("[data-mlgraph-node]")).not_to_have_count(0)
    shown = graph.locator("[data-mlgraph-node]").evaluate_all(
        "(gs) => gs.map((g) => g.getAttribute('data-mlgraph-node'))"
    )
    assert set(info["unscoped"]) <= set(shown) <= set(info["names"]), shown


def _epoch(root):
    return int(root.get_attribute("data-mlgraph-epoch"))


@pytest.mark.browser
def test_trainer_in_jupyterlab(jupyter_lab, page):
    open_notebook(page, jupyter_lab, "trainer.ipynb", CELLS)

    root = page.locator(".mlgraph-trainer")
    expect(root).to_have_attribute("data-mlgraph-epoch", "0", timeout=60_000)
    expect(root.locator(".mlgraph-trainer-epoch")).to_have_text("epoch 0")
    buttons = root.locator(".mlgraph-trainer-buttons")

    # the heatmap is drawn: many non-white pixels, both class colours
    stats = root.locator("canvas.mlgraph-trainer-boundary").evaluate(
        """(c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let coloured = 0, orange = 0, blue = 0;
        for (let k = 0; k < d.length; k += 4) {
          const [r, g, b] = [d[k], d[k + 1], d[k + 2]];
          if (r < 250 || g < 250 || b < 250) coloured++;
          if (r > b + 40) orange++;
          if (b > r + 40) blue++;
        }
        return { coloured, orange, blue, total: d.length / 4 };
    }"""
    )
    assert stats["coloured"] > 0.3 * stats["total"], stats
    assert stats["orange"] > 100 and stats["blue"] > 100, stats

    # step: the view and the kernel agree on the epoch and on the printed loss
    buttons.locator('[data-mlgraph-action="step"]').click()
    expect(root).to_have_attribute("data-mlgraph-epoch", "1")
    epoch, loss = _kernel_epoch_and_loss(page)
    assert epoch == 1
    expect(root.locator('[data-mlgraph-metric="train_loss"]')).to_have_text(loss)
    buttons.locator('[data-mlgraph-action="step"]').click()
    expect(root).to_have_attribute("data-mlgraph-epoch", "2")
    epoch, loss2 = _kernel_epoch_and_loss(page)
    assert epoch == 2 and loss2 != loss
    expect(root.locator('[data-mlgraph-metric="train_loss"]')).to_have_text(loss2)

    # play trains, pause stops it
    buttons.locator('[data-mlgraph-action="play"]').click()
    expect(buttons.locator('[data-mlgraph-action="pause"]')).to_be_visible()
    page.wait_for_function(
        """() => +document.querySelector('.mlgraph-trainer')
               .getAttribute('data-mlgraph-epoch') >= 8""",
        timeout=30_000,
    )
    buttons.locator('[data-mlgraph-action="pause"]').click()
    expect(root).to_have_attribute("data-mlgraph-running", "0")
    expect(buttons.locator('[data-mlgraph-action="play"]')).to_be_visible()
    time.sleep(0.5)  # a tick already under way when pause arrived may still land
    paused = _epoch(root)
    time.sleep(1.0)
    assert _epoch(root) == paused
    epoch, loss = _kernel_epoch_and_loss(page)
    assert epoch == paused >= 8
    expect(root.locator('[data-mlgraph-metric="train_loss"]')).to_have_text(loss)

    # the network diagram: one circle per neuron, edge colour = sign of the weight
    net = root.locator("svg.mlgraph-trainer-network")
    expect(net.locator("[data-mlgraph-neuron]")).to_have_count(2 + 4 + 3 + 1)
    expect(net.locator('[data-mlgraph-neuron="1:3"]')).to_have_count(1)
    expect(net.locator('[data-mlgraph-neuron="1:4"]')).to_have_count(0)
    signs = _kernel_json(page, "SIGNS")
    edges = net.locator("line[data-mlgraph-weight]").evaluate_all(
        "(ls) => ls.map((l) => [l.getAttribute('data-mlgraph-weight'),"
        " l.getAttribute('stroke')])"
    )
    assert len(edges) == len(signs) == 2 * 4 + 4 * 3 + 3 * 1
    assert {name: stroke for name, stroke in edges} == {
        name: BLUE if s == "+" else ORANGE for name, s in signs.items()
    }
    assert {BLUE, ORANGE} <= {stroke for _, stroke in edges}

    # the computation-graph view next to it: the loss graph, layers scoped
    info = _kernel_json(page, "GRAPH")
    assert info["scopes"] == ["", "layer1", "layer2", "layer3"]
    graph = root.locator(".mlgraph-trainer-graph .mlgraph")
    _check_graph_view(graph, info)
    expect(root.locator(".mlgraph-trainer-graph-panel")).to_contain_text(
        f"parameters of epoch {paused}"
    )
    box_net, box_graph = net.bounding_box(), graph.bounding_box()
    assert box_graph["x"] >= box_net["x"] + box_net["width"] - 1, (box_net, box_graph)
    assert abs(box_graph["y"] - box_net["y"]) < 200, (box_net, box_graph)

    # a control changed in the view reaches the kernel: lr retunes, hidden rebuilds
    lr = root.locator("label", has_text="lr").locator("input")
    lr.fill("0.05")
    lr.dispatch_event("change")
    hidden = root.locator("label", has_text="hidden").locator("input")
    hidden.fill("6")
    hidden.dispatch_event("change")
    expect(root).to_have_attribute("data-mlgraph-epoch", "0")
    expect(net.locator("[data-mlgraph-neuron]")).to_have_count(2 + 6 + 1)
    run_cell(page, 2)
    expect(_output(page, 2)).to_have_text(
        "kernel lr 0.05 0.05 hidden '6' sizes [2, 6, 1]"
    )
    info = _kernel_json(page, "GRAPH")
    assert info["scopes"] == ["", "layer1", "layer2"]
    _check_graph_view(graph, info)

    # reset: a fresh model in the view and in the kernel
    buttons.locator('[data-mlgraph-action="step"]').click()
    expect(root).to_have_attribute("data-mlgraph-epoch", "1")
    buttons.locator('[data-mlgraph-action="reset"]').click()
    expect(root).to_have_attribute("data-mlgraph-epoch", "0")
    expect(root.locator('[data-mlgraph-metric="train_loss"]')).to_have_text("\u2013")
    assert _kernel_epoch_and_loss(page) == (0, "-")

    # the gallery picture: a few steps trained, the reverse sweep played to the end
    hidden.fill("8,8")
    hidden.dispatch_event("change")
    lr.fill("0.3")
    lr.dispatch_event("change")
    buttons.locator('[data-mlgraph-action="play"]').click()
    page.wait_for_function(
        """() => +document.querySelector('.mlgraph-trainer')
               .getAttribute('data-mlgraph-epoch') >= 60""",
        timeout=60_000,
    )
    buttons.locator('[data-mlgraph-action="pause"]').click()
    expect(root).to_have_attribute("data-mlgraph-running", "0")
    expect(graph).to_have_attribute("data-mlgraph-ready", "1", timeout=60_000)
    graph.locator('[data-mlgraph-action="end"]').click()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.evaluate("window.jupyterapp.commands.execute('application:toggle-left-area')")
    root.scroll_into_view_if_needed()
    root.evaluate("(el) => el.scrollIntoView({block: 'start'})")
    GALLERY.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(GALLERY / "trainer.png"))
