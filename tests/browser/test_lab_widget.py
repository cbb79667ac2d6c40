"""The graph widget in a real JupyterLab: render, replay, modes, kernel/view sync."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect

GALLERY = Path(__file__).resolve().parents[2] / "docs" / "gallery"

SETUP = """\
import numpy as np
import mlgraph

def f(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)

w = mlgraph.show(f, x1=2.0, x2=5.0)
w"""

KERNEL_IDLE = """() => {
  const nb = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = nb?.sessionContext?.session?.kernel;
  return !!k && k.status === 'idle';
}"""


def _write_notebook(root, name, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, root / name)


def _run_cell(page, index):
    page.evaluate(
        """async (i) => {
        const nb = window.jupyterapp.shell.currentWidget;
        nb.content.activeCellIndex = i;
        await window.jupyterapp.commands.execute('notebook:run-cell');
    }""",
        index,
    )
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)


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
    _write_notebook(
        jupyter_lab["root"],
        "lecture.ipynb",
        [
            SETUP,
            "w.mode = 'reverse'\nw.cursor = 3",
            "print('kernel cursor', w.cursor, 'mode', w.mode)",
        ],
    )
    page.goto(
        f"{jupyter_lab['base']}/lab/tree/lecture.ipynb?token={jupyter_lab['token']}"
    )
    page.wait_for_function(KERNEL_IDLE, timeout=90_000)
    _run_cell(page, 0)

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
    GALLERY.mkdir(parents=True, exist_ok=True)
    widget.screenshot(path=str(GALLERY / "reverse.png"))

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
    widget.screenshot(path=str(GALLERY / "forward_x1.png"))
    widget.locator("select.mlgraph-mode").select_option("eval")
    widget.locator('[data-mlgraph-action="end"]').click()
    expect(_node(widget, "v6").locator(".mlgraph-primal")).to_contain_text("11.65")
    widget.screenshot(path=str(GALLERY / "eval.png"))

    # kernel -> view
    _run_cell(page, 1)
    expect(widget).to_have_attribute("data-mlgraph-mode", "reverse")
    expect(widget).to_have_attribute("data-mlgraph-cursor", "3")
    # view -> kernel
    widget.locator('[data-mlgraph-action="step"]').click()
    expect(widget).to_have_attribute("data-mlgraph-cursor", "4")
    _run_cell(page, 2)
    out = page.locator(".jp-Cell").nth(2).locator(".jp-OutputArea-output")
    expect(out).to_contain_text("kernel cursor 4 mode reverse")

    # play runs in the view and stops at the end
    widget.locator('[data-mlgraph-action="play"]').click()
    expect(widget).to_have_attribute(
        "data-mlgraph-cursor", str(len(events) - 1), timeout=30_000
    )
