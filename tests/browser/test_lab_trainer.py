"""The training widget in a real JupyterLab at 1280×720 with the side panel open, light
and dark: it fits, every text is ≥ 14 px and ≥ 4.5:1, the transport works, every number
shown is the kernel's, hostile names stay text; and the gallery's screenshots."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .checks import MEASURE
from .lab import open_notebook, run_cell, set_theme, side_panel_open, text_problems

GALLERY = Path(__file__).resolve().parents[2] / "docs" / "gallery"
HOSTILE = '<img src=x onerror="window.__pwned=1">" {{x}} URL="javascript:1"'

CELLS = [
    """\
import json
from mlgraph.training_widget import TrainingWidget, loss_text

w = TrainingWidget(dataset="moons", hidden="8,8", lr=0.3, seed=0, speed=5.0)
w""",
    """\
import mlgraph
from mlgraph.tables import fmt

t = w.trainer
h = t.history
_, g = mlgraph.value_and_grad(t.objective, argnums=(0,))(
    *t.model.params, t.X_train, t.y_train)
print("KERNEL", json.dumps({"epoch": w.epoch, "graph_epoch": w.graph_epoch,
      "test_loss": loss_text(h["test_loss"][-1]) if h["epoch"] else "-",
      "train_loss": loss_text(h["train_loss"][-1]) if h["epoch"] else "-",
      "W1[1,0]": fmt(t.model.params[0][1, 0]), "dW1[1,0]": fmt(g[0][1, 0]),
      "l1": t.l1}))""",
    """\
from mlgraph import datasets

d = datasets.moons(n=80, seed=3)
d.name, d.feature_names = HOSTILE, (HOSTILE, "<script>window.__pwned=2</script>")
bad = TrainingWidget(data=d, title=HOSTILE, hidden="2")
bad""".replace("HOSTILE", repr(HOSTILE)),
]


def _kernel(page):
    run_cell(page, 1)
    out = page.locator(".jp-Cell").nth(1).locator(".jp-OutputArea-output")
    expect(out).to_contain_text("KERNEL")
    line = next(ln for ln in out.inner_text().splitlines() if ln.startswith("KERNEL "))
    return json.loads(line[len("KERNEL ") :])


def _epoch(root):
    return int(root.get_attribute("data-mlgraph-epoch"))


def _wait_stopped(root):
    expect(root).to_have_attribute("data-mlgraph-running", "0", timeout=60_000)


def _check_fits_and_reads(page, root, where):
    """Width within the notebook's output column, height ≤ 600 px, nothing clipped
    sideways, every text ≥ 14 px and ≥ 4.5:1 (the embedded graph widget excepted: its
    own tests hold it to the same rules)."""
    box = root.bounding_box()
    column = root.locator(
        "xpath=ancestor::div[contains(@class, 'jp-OutputArea-output')]"
    ).bounding_box()
    assert box["height"] <= 600, (where, box)
    assert box["x"] >= column["x"] - 1, (where, box, column)
    assert box["x"] + box["width"] <= column["x"] + column["width"] + 1, (where, box)
    overflow = root.evaluate(
        """(r) => { const right = r.getBoundingClientRect().right + 1;
          return [...r.querySelectorAll('*')].filter((e) => !e.closest('.mlgraph'))
            .filter((e) => { const b = e.getBoundingClientRect();
                             return b.width && b.right > right; })
            .map((e) => e.className.baseVal ?? e.className); }"""
    )
    assert not overflow, (where, overflow)
    bad, checked = text_problems(root, skip=".mlgraph")
    assert checked > 40 and not bad, (where, checked, bad)


def _shot(page, root, name, keep_mouse=False):
    root.evaluate("(el) => el.scrollIntoView({block: 'start'})")
    if not keep_mouse:
        page.mouse.move(1, 1)
    time.sleep(0.3)
    GALLERY.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(GALLERY / f"trainer_{name}.png"))


def _select(root, name, text):
    root.locator(f'[data-mlgraph-control="{name}"]').select_option(label=text)


@pytest.mark.browser
def test_trainer_in_jupyterlab(jupyter_lab, page):
    page.set_viewport_size({"width": 1280, "height": 720})
    open_notebook(page, jupyter_lab, "trainer.ipynb", CELLS)
    side_panel_open(page)
    root = page.locator(".mlgraph-trainer").first
    expect(root).to_have_attribute("data-mlgraph-epoch", "0", timeout=60_000)
    metric = lambda key: root.locator(f'[data-mlgraph-metric="{key}"]')  # noqa: E731
    action = lambda name: root.locator(  # noqa: E731
        f'.mlgraph-trainer-bar [data-mlgraph-action="{name}"]'
    )

    for theme in ("light", "dark"):
        set_theme(page, theme == "dark")
        action("reset").click()
        expect(root).to_have_attribute("data-mlgraph-epoch", "0")
        expect(root.locator(".mlgraph-trainer-spark")).to_have_text("not trained yet")
        _check_fits_and_reads(page, root, f"{theme}, before training")
        _shot(page, root, f"{theme}_before")

        # "1 epoch": the view shows the kernel's epoch and losses
        action("step").click()
        expect(root).to_have_attribute("data-mlgraph-epoch", "1")
        k = _kernel(page)
        assert k["epoch"] == 1
        expect(metric("test_loss")).to_have_text(k["test_loss"])
        expect(metric("train_loss")).to_have_text(k["train_loss"])

        # speed: at 1 epoch/s, 2.5 s of play gives at most 4 epochs
        root.locator('[data-mlgraph-speed="1"]').click()
        action("play").click()
        expect(root).to_have_attribute("data-mlgraph-running", "1")
        time.sleep(2.5)
        action("pause").click()
        _wait_stopped(root)
        time.sleep(0.5)
        slow = _epoch(root)
        assert 2 <= slow <= 5, slow
        time.sleep(1.0)
        assert _epoch(root) == slow  # paused means paused

        # stop after N: at 20 epochs/s it pauses by itself, 100 epochs on
        root.locator('[data-mlgraph-speed="20"]').click()
        _select(root, "stop_after", "100")
        action("play").click()
        expect(root.locator(".mlgraph-trainer-stop")).to_have_text(
            f"(pauses at epoch {slow + 100})"
        )
        page.wait_for_function(
            f"""() => +document.querySelector('.mlgraph-trainer')
                   .getAttribute('data-mlgraph-epoch') >= {slow + 12}""",
            timeout=30_000,
        )
        expect(root).to_have_attribute("data-mlgraph-running", "1")
        _check_fits_and_reads(page, root, f"{theme}, during training")
        _shot(page, root, f"{theme}_during")
        _wait_stopped(root)
        expect(root).to_have_attribute("data-mlgraph-epoch", str(slow + 100))
        k = _kernel(page)
        assert k["epoch"] == slow + 100
        expect(metric("test_loss")).to_have_text(k["test_loss"])
        expect(metric("train_loss")).to_have_text(k["train_loss"])
        expect(metric("epoch")).to_have_text(str(slow + 100))
        _check_fits_and_reads(page, root, f"{theme}, after training")
        _shot(page, root, f"{theme}_after")

        # a hovered link reads out the kernel's weight and gradient, in the
        # graph widget's adjoint colour (measured with the rest)
        hit = root.locator('[data-mlgraph-weight="W1[1,0]"] + .mlgraph-trainer-hit')
        hit.dispatch_event("mouseenter")
        expect(root.locator("[data-mlgraph-readout]").first).to_have_text(
            f"W1[1,0] = {k['W1[1,0]']}∂L/∂W1[1,0] = {k['dW1[1,0]']}"
        )
        _check_fits_and_reads(page, root, f"{theme}, a link hovered")
        hit.dispatch_event("mouseleave")
        _select(root, "stop_after", "300")

    # L1 among the controls reaches the kernel's objective
    _select(root, "l1", "0.001")
    expect(root.locator('[data-mlgraph-control="l1"]')).to_have_value("0.001")
    time.sleep(0.5)
    assert _kernel(page)["l1"] == 0.001

    # the graph tab: the graph widget at full width, re-traced while training plays
    root.locator('[data-mlgraph-tab="graph"]').click()
    graph = root.locator(".mlgraph-trainer-graph .mlgraph")
    expect(graph).to_have_attribute("data-mlgraph-ready", "1", timeout=60_000)
    banner = root.locator("[data-mlgraph-graph-banner]")
    expect(banner).to_contain_text(f"epoch {_epoch(root)}.")
    assert graph.bounding_box()["width"] >= 0.95 * root.bounding_box()["width"] - 30
    tab = root.locator(".mlgraph-trainer-graph").bounding_box()
    box = graph.bounding_box()  # the graph widget fills the tab, none of it cut off
    assert box["height"] >= 330 and box["y"] + box["height"] <= tab["y"] + tab["height"] + 1
    before = _epoch(root)
    root.locator('[data-mlgraph-speed="5"]').click()
    action("play").click()
    page.wait_for_function(
        f"""() => /epoch (\\d+)\\./.exec(document.querySelector(
              '[data-mlgraph-graph-banner]').textContent)[1] > {before}""",
        timeout=30_000,
    )
    action("pause").click()
    _wait_stopped(root)
    k = _kernel(page)
    expect(banner).to_contain_text(f"epoch {k['graph_epoch']}.")
    assert k["graph_epoch"] == k["epoch"]  # a pause re-traces at the last epoch
    bad, _ = text_problems(root, skip=".mlgraph")
    assert not bad, bad
    m = graph.evaluate(MEASURE)  # the graph widget's own measure (camera scale, chips)
    assert m["texts"] > 10 and not m["small"] and not m["contrast"], m
    assert root.bounding_box()["height"] <= 600, root.bounding_box()  # still one screen
    _shot(page, root, "dark_graph")
    set_theme(page, dark=False)
    _shot(page, root, "light_graph")
    root.locator('[data-mlgraph-tab="loss"]').click()
    expect(root.locator('[data-mlgraph-readout="loss"]')).to_contain_text(
        f"epoch {k['epoch']}: test {k['test_loss']}"
    )
    _check_fits_and_reads(page, root, "loss tab")
    _shot(page, root, "light_loss")
    root.locator('[data-mlgraph-tab="network"]').click()

    # the network: hover a link for its live weight, a neuron to see it on the map
    root.evaluate("(el) => el.scrollIntoView({block: 'start'})")
    root.locator('[data-mlgraph-neuron="1:2"]').hover()
    expect(root.locator('[data-mlgraph-legend="scale"]')).to_contain_text("h1[2]:")
    _shot(page, root, "hover", keep_mouse=True)

    # hostile names and titles render as text, and run nothing
    run_cell(page, 2)
    other = page.locator(".mlgraph-trainer").nth(1)
    expect(other).to_have_attribute("data-mlgraph-epoch", "0", timeout=60_000)
    expect(other.locator(".mlgraph-trainer-title")).to_have_text(HOSTILE)
    expect(other.locator(".mlgraph-trainer-feature").first).to_have_text(HOSTILE)
    expect(other.locator('[data-mlgraph-axis="y"]')).to_have_text(
        "<script>window.__pwned=2</script>"
    )
    options = other.locator('[data-mlgraph-control="dataset"] option')
    assert options.last.inner_text() == HOSTILE
    assert other.locator("img, script").count() == 0
    other.locator('[data-mlgraph-action="step"]').click()
    expect(other).to_have_attribute("data-mlgraph-epoch", "1")
    assert page.evaluate("window.__pwned") is None
    shown = other.locator('[data-mlgraph-metric="test_loss"]').inner_text()
    assert re.fullmatch(r"\d+\.\d{4}", shown), shown
