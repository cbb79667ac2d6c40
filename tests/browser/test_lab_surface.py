"""The loss-surface explorer in a real JupyterLab: the picture, the paths drawn where
the kernel computed them, a click that moves the start, controls that re-run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .lab import cell_json, open_notebook

GALLERY = Path(__file__).resolve().parents[2] / "docs" / "gallery"

CELLS = [
    """\
import json
from mlgraph.surface_explorer import SurfaceExplorer

ex = SurfaceExplorer("two_minima", lr=0.05, steps=40)
ex""",
    """\
v = ex.view
print("STATE", json.dumps({"start": v.start, "extent": v.extent, "frame": v.frame,
      "size": v.size, "n": [len(p["points"]) for p in v.paths],
      "first": v.paths[-1]["points"][0], "last": v.paths[-1]["points"][-1],
      "label": ex.path.label}))""",
]


def _state(page):
    return cell_json(page, 1, "STATE")


def _to_page(box, state, x, y):
    """Data coordinates → page pixels, through the picture's axes box."""
    x0, x1, y0, y1 = state["extent"]
    left, bottom, width, height = state["frame"]
    fx = left + (x - x0) / (x1 - x0) * width
    fy = 1 - (bottom + (y - y0) / (y1 - y0) * height)
    return box["x"] + fx * box["width"], box["y"] + fy * box["height"]


@pytest.mark.browser
def test_surface_explorer_in_jupyterlab(jupyter_lab, page):
    open_notebook(page, jupyter_lab, "surface.ipynb", CELLS)
    root = page.locator(".mlgraph-surface")
    expect(root).to_have_attribute("data-mlgraph-start", "0.0000,1.2000",
                                   timeout=60_000)
    img = root.locator("img.mlgraph-surface-image")
    expect(img).to_be_visible()
    assert img.evaluate("(i) => i.complete && i.naturalWidth") > 300

    # the path is drawn where the kernel computed it: its first and last points
    state = _state(page)
    path = root.locator('polyline[data-mlgraph-path="0"]')
    expect(path).to_have_attribute("data-mlgraph-points", str(state["n"][-1]))
    box = root.locator("svg.mlgraph-surface-paths").bounding_box()
    pts = path.evaluate("""(p) => {
        const m = p.getScreenCTM();
        return Array.from(p.points).map((q) => [q.x * m.a + m.e, q.y * m.d + m.f]);
    }""")
    for drawn, data in ((pts[0], state["first"]), (pts[-1], state["last"])):
        want = _to_page(box, state, *data)
        assert abs(drawn[0] - want[0]) < 1.5 and abs(drawn[1] - want[1]) < 1.5

    # a click on the picture moves the start there and the kernel re-runs from it
    px, py = _to_page(box, state, 0.5, -0.8)
    page.mouse.click(px, py)
    expect(root).not_to_have_attribute("data-mlgraph-start", "0.0000,1.2000")
    start = [float(v) for v in root.get_attribute("data-mlgraph-start").split(",")]
    assert start == pytest.approx([0.5, -0.8], abs=0.02)
    state = _state(page)
    assert state["start"] == pytest.approx(start, abs=1e-4)
    assert state["first"] == pytest.approx(start, abs=1e-4)
    assert state["last"][0] == pytest.approx(1.0, abs=0.05)   # down into (1, 0)

    # a control changed in the front end reaches the kernel, and the view follows
    steps = page.locator(".widget-slider", has_text="steps").locator(".widget-readout")
    steps.fill("10")
    steps.press("Enter")
    expect(path).to_have_attribute("data-mlgraph-points", "11")
    state = _state(page)
    assert state["n"][-1] == 11 and state["label"] == "SGD (η = 0.05)"

    readout = page.locator(".mlgraph-surface-readout")
    expect(readout).to_contain_text("SGD (η = 0.05): 10 steps")
    assert re.search(r"computed in \d+ ms", readout.inner_text())
    GALLERY.mkdir(parents=True, exist_ok=True)
    page.locator(".mlgraph-surface-explorer").screenshot(
        path=str(GALLERY / "surface_explorer.png"))
