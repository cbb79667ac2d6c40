"""The loss-surface explorer in a real JupyterLab at 1280×720 with the side panel open,
light and dark: the picture, the paths drawn where the kernel computed them, a click
that moves the start, controls that re-run, the readout's texts the kernel's, every
text ≥ 14 px and ≥ 4.5:1 (the picture's own text too), hostile strings as text."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .lab import (
    cell_json,
    open_notebook,
    run_cell,
    set_theme,
    side_panel_open,
    text_problems,
)

GALLERY = Path(__file__).resolve().parents[2] / "docs" / "gallery"
HOSTILE = '<img src=x onerror="window.__pwned=1">" {{x}} URL="javascript:1"'

CELLS = [
    """\
import json
from mlgraph.surface_explorer import SurfaceExplorer, render_png

ex = SurfaceExplorer("two_minima", lr=0.05, steps=40)
ex""",
    """\
v = ex.view
print("STATE", json.dumps({"start": v.start, "extent": v.extent, "frame": v.frame,
      "size": v.size, "n": [len(p["points"]) for p in v.paths],
      "first": v.paths[-1]["points"][0], "last": v.paths[-1]["points"][-1],
      "label": ex.path.label, "texts": [p["text"] for p in v.paths],
      "title": v.title, "status": v.status,
      "text_px": render_png(ex.current.surface).text_px}))""",
    """\
from mlgraph import surface
from mlgraph.surface_explorer import SurfaceView

bad = SurfaceView()
bad.show(surface.function("bowl", steps=11), title=HOSTILE)
bad.paths = [{"label": HOSTILE, "color": "#e69f00", "points": [[0.0, 0.0], [1.0, 1.0]],
              "text": HOSTILE}]
bad""".replace("HOSTILE", repr(HOSTILE)),
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


def _check_reads(page, explorer, img, state, where):
    """Every DOM text of the explorer (its view and its controls) ≥ 14 px and
    ≥ 4.5:1 on its rendered background; the picture's smallest text, drawn at
    text_px in the PNG, ≥ 14 px as the picture is shown; nothing wider than the
    notebook's output column."""
    bad, checked = text_problems(explorer)
    assert checked >= 12 and not bad, (where, checked, bad)
    scale = img.evaluate("(i) => i.getBoundingClientRect().width / i.naturalWidth")
    assert state["text_px"] * scale >= 14.0, (where, state["text_px"], scale)
    column = explorer.locator(
        "xpath=ancestor::div[contains(@class, 'jp-OutputArea-output')]").bounding_box()
    box = explorer.bounding_box()
    assert box["x"] + box["width"] <= column["x"] + column["width"] + 1, (where, box)
    controls = explorer.locator(".mlgraph-surface-controls").bounding_box()
    picture = img.bounding_box()
    assert controls["x"] >= picture["x"] + picture["width"], (where, "side by side")


def _shot(page, explorer, name):
    explorer.evaluate("(el) => el.scrollIntoView({block: 'start'})")
    page.mouse.move(1, 1)
    time.sleep(0.3)
    GALLERY.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(GALLERY / name))


@pytest.mark.browser
def test_surface_explorer_in_jupyterlab(jupyter_lab, page):
    page.set_viewport_size({"width": 1280, "height": 720})
    open_notebook(page, jupyter_lab, "surface.ipynb", CELLS)
    side_panel_open(page)
    explorer = page.locator(".mlgraph-surface-explorer")
    root = explorer.locator(".mlgraph-surface")
    expect(root).to_have_attribute("data-mlgraph-start", "0,1.2", timeout=60_000)
    img = root.locator("img.mlgraph-surface-image")
    expect(img).to_be_visible()
    assert img.evaluate("(i) => i.complete && i.naturalWidth") > 300

    # the path is drawn where the kernel computed it: its first and last points
    state = _state(page)
    explorer.evaluate("(el) => el.scrollIntoView({block: 'start'})")
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

    # the readout shows the kernel's texts, as they are
    expect(root.locator(".mlgraph-surface-title")).to_have_text(state["title"])
    expect(root.locator(".mlgraph-surface-status")).to_have_text(state["status"])
    expect(root.locator("[data-mlgraph-legend]")).to_have_text(state["texts"])

    # a click on the picture moves the start there and the kernel re-runs from it
    px, py = _to_page(box, state, 0.5, -0.8)
    page.mouse.click(px, py)
    expect(root).not_to_have_attribute("data-mlgraph-start", "0,1.2")
    start = [float(v) for v in root.get_attribute("data-mlgraph-start").split(",")]
    assert start == pytest.approx([0.5, -0.8], abs=0.02)
    state = _state(page)
    assert state["start"] == pytest.approx(start, abs=1e-12)
    assert state["first"] == pytest.approx(start, abs=1e-12)
    assert state["last"][0] == pytest.approx(1.0, abs=0.05)   # down into (1, 0)
    expect(root.locator("[data-mlgraph-legend]")).to_have_text(state["texts"])

    # a control changed in the front end reaches the kernel, and the view follows
    steps = explorer.locator(".widget-slider", has_text="steps").locator(
        ".widget-readout")
    steps.fill("10")
    steps.press("Enter")
    expect(path).to_have_attribute("data-mlgraph-points", "11")
    state = _state(page)
    assert state["n"][-1] == 11 and state["label"] == "SGD (η = 0.05)"
    assert state["texts"][-1].startswith("SGD (η = 0.05): 10 steps, loss ")
    expect(root.locator("[data-mlgraph-legend]")).to_have_text(state["texts"])
    expect(root.locator(".mlgraph-surface-status")).to_have_text(state["status"])

    # a pinned path stays, a long label wraps under the picture, both are the kernel's
    explorer.locator("button", has_text="pin path").click()
    noise = explorer.locator(".widget-slider", has_text="noise").locator(
        ".widget-readout")
    noise.fill("0.3")
    noise.press("Enter")
    expect(root.locator("[data-mlgraph-legend]")).to_have_count(2)
    state = _state(page)
    assert state["texts"][-1].startswith("SGD (η = 0.05), gradient noise σ = 0.3: ")
    expect(root.locator("[data-mlgraph-legend]")).to_have_text(state["texts"])

    for theme in ("light", "dark"):
        set_theme(page, theme == "dark")
        _check_reads(page, explorer, img, state, theme)
        _shot(page, explorer, "surface_explorer.png" if theme == "light"
              else "surface_explorer_dark.png")
    set_theme(page, dark=False)

    # hostile strings from Python are shown as text, never run
    run_cell(page, 2)
    bad = page.locator(".jp-Cell").nth(2).locator(".mlgraph-surface")
    expect(bad.locator(".mlgraph-surface-title")).to_have_text(HOSTILE)
    expect(bad.locator("[data-mlgraph-legend]")).to_have_text([HOSTILE])
    assert bad.locator("img").count() == 1
    assert page.evaluate("window.__pwned") is None
