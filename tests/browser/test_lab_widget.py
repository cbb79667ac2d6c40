"""The graph widget in a real JupyterLab: render, replay, modes, kernel/view sync."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .lab import open_notebook, run_cell

SETUP = """\
import numpy as np
import mlgraph

def f(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)

w = mlgraph.show(f, x1=2.0, x2=5.0)
w"""

def _reverse_steps():
    """Reverse-stream steps where contributions flow into x2 (v1), and its visit."""
    import numpy as np

    import mlgraph

    g = mlgraph.trace(lambda x1, x2: np.log(x1) + x1 * x2 - np.sin(x2), x1=2.0, x2=5.0)
    events = [e.to_json() for e in mlgraph.run(g, "reverse")]
    acc = [e["step"] for e in events if e["kind"] == "accumulate" and e["node"] == 1]
    visit = [
        e["step"]
        for e in events
        if e["sweep"] == "reverse" and e["kind"] == "visit" and e["node"] == 1
    ]
    return events, acc, visit[0]


def _node(widget, name):
    return widget.locator(f'[data-mlgraph-node="{name}"]')


def _seek(page, widget, cursor):
    """Move the cursor with the keyboard only: Home, then → presses."""
    widget.focus()
    page.keyboard.press("Home")
    for _ in range(cursor + 1):
        page.keyboard.press("ArrowRight")
    expect(widget).to_have_attribute("data-mlgraph-cursor", str(cursor))


@pytest.mark.browser
def test_lecture_example_in_jupyterlab(jupyter_lab, page):
    open_notebook(page, jupyter_lab, "lecture.ipynb", [
        SETUP,
        "w.mode = 'reverse'\nw.cursor = 3",
        "print('kernel cursor', w.cursor, 'mode', w.mode)",
    ])

    widget = page.locator(".mlgraph")
    expect(widget).to_have_attribute("data-mlgraph-ready", "1", timeout=60_000)
    expect(widget.locator("[data-mlgraph-node]")).to_have_count(7)
    expect(widget.locator('[data-mlgraph-state="pending"]')).to_have_count(7)

    # reverse mode to the end: the gradient (5.5, 1.716) on the inputs
    events, acc, visit = _reverse_steps()
    widget.locator('[data-mlgraph-action="end"]').click()
    expect(widget).to_have_attribute("data-mlgraph-cursor", str(len(events) - 1))
    expect(_node(widget, "v0").locator(".mlgraph-cotangent")).to_have_text(
        "v\u03040 = 5.5"
    )
    expect(_node(widget, "v1").locator(".mlgraph-cotangent")).to_have_text(
        "v\u03041 = 1.716"
    )

    # the two contributions into v1 are shown before their sum
    assert len(acc) == 2, acc
    _seek(page, widget, acc[1])
    cot = _node(widget, "v1").locator(".mlgraph-cotangent")
    expect(cot).to_contain_text("(\u22120.2837) + (2)")
    flows = widget.locator(".mlgraph-edge.mlgraph-flow .mlgraph-edge-label")
    expect(flows.filter(has_text="v\u03041 += 2")).to_have_count(1)
    expect(flows.filter(has_text="v\u03041 += \u22120.2837")).to_have_count(1)
    expect(_node(widget, "v1")).to_have_attribute("data-mlgraph-state", "active")
    widget.focus()
    page.keyboard.press("ArrowRight")  # v1 is not final yet: still the parts, not done
    expect(_node(widget, "v1")).to_have_attribute("data-mlgraph-state", "pending")
    _seek(page, widget, visit)
    expect(cot).to_have_text("v\u03041 = 1.716")
    # the trace table highlights the row being completed
    expect(widget.locator(".mlgraph-row-current")).to_have_count(1)

    # switching mode re-draws tangents
    widget.locator("select.mlgraph-mode").select_option("forward:x1")
    widget.locator('[data-mlgraph-action="end"]').click()
    expect(_node(widget, "v2").locator(".mlgraph-tangent")).to_have_text(
        "v\u03072 = 0.5"
    )
    expect(
        widget.locator(".mlgraph-edge-label").filter(has_text="\u2202v2/\u2202v0")
    ).to_have_count(1)
    widget.locator("select.mlgraph-mode").select_option("eval")
    widget.locator('[data-mlgraph-action="end"]').click()
    expect(_node(widget, "v6").locator(".mlgraph-primal")).to_contain_text("11.65")

    # kernel -> view
    run_cell(page, 1)
    expect(widget).to_have_attribute("data-mlgraph-mode", "reverse")
    expect(widget).to_have_attribute("data-mlgraph-cursor", "3")
    # view -> kernel
    widget.locator('[data-mlgraph-action="step"]').click()
    expect(widget).to_have_attribute("data-mlgraph-cursor", "4")
    run_cell(page, 2)
    out = page.locator(".jp-Cell").nth(2).locator(".jp-OutputArea-output")
    expect(out).to_contain_text("kernel cursor 4 mode reverse")

    # play runs in the view and stops at the end
    widget.locator('[data-mlgraph-action="play"]').click()
    expect(widget).to_have_attribute(
        "data-mlgraph-cursor", str(len(events) - 1), timeout=30_000
    )


MLP_SETUP = """\
import numpy as np
import mlgraph
from mlgraph import nn

m = nn.MLP([2, 4, 4, 1], seed=0)
X = np.array([[0.5, -1.0], [1.0, 2.0], [-0.5, 0.3]])
y = np.array([[1.0], [0.0], [0.5]])

def loss(W1, b1, W2, b2, W3, b3):
    return nn.mse(m.apply(X, W1, b1, W2, b2, W3, b3), y)

w = mlgraph.show(mlgraph.trace(loss, *m.params))
w"""


@pytest.mark.browser
def test_mlp_layers_collapse_in_jupyterlab(jupyter_lab, page):
    open_notebook(page, jupyter_lab, "mlp.ipynb", [MLP_SETUP])
    widget = page.locator(".mlgraph")
    expect(widget).to_have_attribute("data-mlgraph-ready", "1", timeout=60_000)
    # a tensor MLP starts with every layer collapsed into one node, and says so
    expect(widget.locator("[data-mlgraph-group]")).to_have_count(3)
    expect(widget.locator(".mlgraph-note")).to_contain_text("collapsed automatically")
    expect(_node(widget, "v11")).to_have_count(0)  # layer2's matmul is inside
    widget.locator('[data-mlgraph-group="layer2"]').click()
    expect(widget.locator('[data-mlgraph-cluster="layer2"]')).to_have_count(1)
    expect(widget.locator("[data-mlgraph-group]")).to_have_count(2)
    for name in ("v11", "v12", "v13"):
        expect(_node(widget, name)).to_have_count(1)
    # the reverse sweep still drives the states of the expanded layer's nodes
    expect(_node(widget, "v11")).to_have_attribute("data-mlgraph-state", "pending")
    widget.locator('[data-mlgraph-action="end"]').click()
    expect(_node(widget, "v11")).to_have_attribute("data-mlgraph-state", "done")
    expect(_node(widget, "v11").locator(".mlgraph-cotangent")).to_contain_text(
        "v\u030411 = (3, 4)"
    )
    expect(widget.locator('[data-mlgraph-group="layer1"]')).to_have_attribute(
        "data-mlgraph-state", "done"
    )


_TEXT_FILL = """(w) => {
  const t = w.querySelector('[data-mlgraph-node="v3"] text');
  const bg = getComputedStyle(w).getPropertyValue('--mlgraph-bg').trim();
  return {fill: getComputedStyle(t).fill, bg: bg};
}"""


def _luminance(css_rgb):
    r, g, b = (int(v) for v in css_rgb[css_rgb.index("(") + 1:css_rgb.index(")")]
               .split(",")[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.browser
def test_widget_follows_the_jupyterlab_theme(jupyter_lab, page):
    open_notebook(page, jupyter_lab, "theme.ipynb", [SETUP])
    widget = page.locator(".mlgraph")
    expect(widget).to_have_attribute("data-mlgraph-ready", "1", timeout=60_000)
    light = widget.evaluate(_TEXT_FILL)
    try:
        page.evaluate("() => window.jupyterapp.commands.execute("
                      "'apputils:change-theme', {theme: 'JupyterLab Dark'})")
        page.wait_for_function(
            "() => document.body.dataset.jpThemeLight === 'false'", timeout=30_000)
        page.wait_for_function(
            "(old) => getComputedStyle(document.querySelector('.mlgraph'))"
            ".getPropertyValue('--mlgraph-bg').trim() !== old", arg=light["bg"],
            timeout=30_000)
        dark = widget.evaluate(_TEXT_FILL)
    finally:
        page.evaluate("() => window.jupyterapp.commands.execute("
                      "'apputils:change-theme', {theme: 'JupyterLab Light'})")
        page.wait_for_function(
            "() => document.body.dataset.jpThemeLight === 'true'", timeout=30_000)
    assert _luminance(light["fill"]) < 100 < _luminance(dark["fill"]), (light, dark)
    assert light["bg"] != dark["bg"]
