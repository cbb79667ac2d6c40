"""The graph widget in a real JupyterLab at 1280×720 with the file browser open: the
lecture gallery in light and dark (readable, inside the output, the active node in view
and the table on it while playing), kernel/view sync, layers, hostile names. Writes the
README gallery's screenshots and the animation of graph 1's reverse sweep."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from mlgraph.dot import scope_groups

from .checks import (
    GALLERY_DIR,
    MEASURE,
    PLAY_CHECK,
    VIEWPORT,
    assert_played,
    assert_readable,
)
from .gallery import KEYS, SCOPES, build
from .lab import open_notebook, run_cell

TESTS = Path(__file__).resolve().parents[1]
SETUP = f"""\
import sys
sys.path.insert(0, {str(TESTS)!r})
import numpy as np
import mlgraph as mg
from browser.gallery import build, hostile_graph, TITLES
"""

LIGHT, DARK = "JupyterLab Light", "JupyterLab Dark"


def set_theme(page, theme):
    page.evaluate(
        f"() => window.jupyterapp.commands.execute('apputils:change-theme', {{theme: '{theme}'}})"
    )
    light = "true" if theme == LIGHT else "false"
    page.wait_for_function(
        f"() => document.body.dataset.jpThemeLight === '{light}'", timeout=30_000
    )


def show_cell(page, code):
    """Replace the second cell's code, run it, and return its widget (scrolled to the top
    of the notebook panel, as a lecturer would put it)."""
    page.evaluate(
        """(code) => {
      const nb = window.jupyterapp.shell.currentWidget;
      nb.content.widgets[1].model.sharedModel.setSource(code);
    }""",
        code,
    )
    run_cell(page, 1)
    widget = page.locator(".jp-Cell").nth(1).locator(".mlgraph")
    expect(widget).to_have_attribute("data-mlgraph-ready", "1", timeout=60_000)
    widget.evaluate("(el) => el.scrollIntoView({block: 'start'})")
    page.wait_for_function("() => !document.querySelector('[data-mlgraph-moving]')")
    return widget


def seek(page, widget, cursor):
    """Move the cursor with the widget's own scrubber, then let the camera settle."""
    widget.locator(".mlgraph-scrubber").evaluate(
        "(s, c) => { s.value = String(c); s.dispatchEvent(new Event('input', {bubbles: true})); }",
        cursor,
    )
    expect(widget).to_have_attribute("data-mlgraph-cursor", str(cursor))
    page.wait_for_function("() => !document.querySelector('[data-mlgraph-moving]')")


#: Resolves once every table pane has kept its scroll position for 3 frames (the smooth
#: scroll to the current row is over), so a screenshot shows the row where it stays.
TABLE_STILL = """async (root) => {
  const frame = () => new Promise((r) => requestAnimationFrame(r));
  const at = () => [...root.querySelectorAll('.mlgraph-table-pane')].map((p) => p.scrollTop).join();
  let last = at(), still = 0;
  for (let k = 0; k < 120 && still < 3; k++) {
    await frame();
    still = at() === last ? still + 1 : 0;
    last = at();
  }
}"""


def steps(widget):
    return int(widget.locator(".mlgraph-scrubber").get_attribute("max")) + 1


@pytest.mark.browser
def test_gallery_in_jupyterlab(jupyter_lab, page):
    page.set_viewport_size(VIEWPORT)
    open_notebook(page, jupyter_lab, "gallery.ipynb", [SETUP, "None"])
    page.evaluate("() => window.jupyterapp.commands.execute('filebrowser:activate')")
    expect(page.locator(".jp-FileBrowser")).to_be_visible()
    GALLERY_DIR.mkdir(parents=True, exist_ok=True)
    try:
        for theme in (LIGHT, DARK):
            set_theme(page, theme)
            for key in KEYS:
                where = f"{key} {theme}"
                widget = show_cell(
                    page,
                    f"w = mg.show(build({key!r}))\nw.title = TITLES[{key!r}]\nw.speed = 8\nw",
                )
                assert page.locator(
                    ".jp-FileBrowser"
                ).is_visible()  # the side panel is open
                n = steps(widget)
                for cursor in (-1, n // 2, n - 1):
                    if cursor >= 0:
                        seek(page, widget, cursor)
                    assert_readable(widget.evaluate(MEASURE), f"{where} step {cursor}")
                seek(page, widget, -1)
                assert_played(widget.evaluate(PLAY_CHECK), where, _layers(key))
                if (
                    theme == LIGHT
                ):  # the README gallery: a reverse step 70% into the sweep
                    seek(page, widget, min(round(0.7 * n), n - 1))
                    widget.evaluate(TABLE_STILL)  # the table has scrolled to its row
                    widget.screenshot(path=str(GALLERY_DIR / f"{key}.png"))
                    if key == "g1":
                        page.screenshot(
                            path=str(GALLERY_DIR / "jupyterlab_1280x720.png")
                        )
                        record_sweep(page, widget, GALLERY_DIR / "g1_reverse.webp")
    finally:
        set_theme(page, LIGHT)


def _layers(key):
    """Layer scope -> the names of its nodes (the same graph the kernel built)."""
    return {g["scope"]: {f"v{i}" for i in g["nodes"]} for g in scope_groups(build(key))}


def record_sweep(page, widget, path):
    """An animated WebP of the reverse sweep, one frame per step (for the README)."""
    from PIL import Image

    frames = []
    for cursor in range(-1, steps(widget)):
        seek(page, widget, cursor)
        page.wait_for_timeout(450)  # the contribution's token has arrived
        frames.append(Image.open(io.BytesIO(widget.screenshot())).convert("RGB"))
    frames[0].save(
        path,
        save_all=True,
        append_images=frames[1:],
        duration=1100,
        loop=0,
        quality=80,
        method=4,
    )
    assert len(frames) == steps(widget) + 1


@pytest.mark.browser
def test_kernel_and_view_stay_in_step(jupyter_lab, page):
    open_notebook(
        page,
        jupyter_lab,
        "sync.ipynb",
        [
            SETUP + "w = mg.show(build('g1'))\nw",
            "w.mode = 'reverse'\nw.cursor = 3",
            "print('kernel cursor', w.cursor, 'mode', w.mode)",
        ],
    )
    widget = page.locator(".mlgraph")
    expect(widget).to_have_attribute("data-mlgraph-ready", "1", timeout=60_000)
    expect(widget.locator("[data-mlgraph-node]")).to_have_count(7)
    expect(
        widget.locator('[data-mlgraph-node][data-mlgraph-state="pending"]')
    ).to_have_count(7)
    run_cell(page, 1)  # kernel -> view
    expect(widget).to_have_attribute("data-mlgraph-cursor", "3")
    widget.locator('[data-mlgraph-action="step"]').click()  # view -> kernel
    expect(widget).to_have_attribute("data-mlgraph-cursor", "4")
    run_cell(page, 2)
    out = page.locator(".jp-Cell").nth(2).locator(".jp-OutputArea-output")
    expect(out).to_contain_text("kernel cursor 4 mode reverse")
    widget.locator('[data-mlgraph-action="mode"]', has_text="Evaluate").click()
    expect(widget).to_have_attribute("data-mlgraph-mode", "eval")
    widget.locator("select.mlgraph-wrt").select_option("x2")
    expect(widget).to_have_attribute("data-mlgraph-mode", "forward:x2")
    widget.focus()  # keys: End, then ← pauses play
    page.keyboard.press("End")
    expect(widget.locator('[data-mlgraph-node="v6"] .mlgraph-tangent')).to_have_text(
        "v\u03076 = 1.716"
    )
    page.keyboard.press("Home")
    page.keyboard.press("Space")
    expect(widget.locator('[data-mlgraph-action="pause"]')).to_be_visible()
    page.keyboard.press("ArrowLeft")
    expect(widget.locator('[data-mlgraph-action="play"]')).to_be_visible()


@pytest.mark.browser
def test_mlp_layers_collapse_and_expand_in_jupyterlab(jupyter_lab, page):
    open_notebook(
        page, jupyter_lab, "mlp.ipynb", [SETUP + "w = mg.show(build('g11'))\nw"]
    )
    widget = page.locator(".mlgraph")
    expect(widget).to_have_attribute("data-mlgraph-ready", "1", timeout=60_000)
    expect(widget.locator("[data-mlgraph-group]")).to_have_count(3)
    expect(widget.locator("[data-mlgraph-narration]")).to_contain_text(
        "click a layer to open it"
    )
    expect(widget.locator('[data-mlgraph-node="v11"]')).to_have_count(0)
    widget.locator('[data-mlgraph-group="layer2"]').dispatch_event("click")
    expect(widget.locator('[data-mlgraph-cluster="layer2"]')).to_have_count(1)
    for name in ("v11", "v12", "v13"):
        expect(widget.locator(f'[data-mlgraph-node="{name}"]')).to_have_count(1)
    widget.locator('[data-mlgraph-action="end"]').click()
    expect(widget.locator('[data-mlgraph-node="v11"]')).to_have_attribute(
        "data-mlgraph-state", "done"
    )
    expect(widget.locator('[data-mlgraph-group="layer1"]')).to_have_attribute(
        "data-mlgraph-state", "done"
    )


@pytest.mark.browser
def test_hostile_names_stay_text_in_jupyterlab(jupyter_lab, page):
    evil_title = '<img src=x onerror="window.__pwned=7">'
    open_notebook(
        page,
        jupyter_lab,
        "hostile.ipynb",
        [
            SETUP
            + f"w = mg.show(hostile_graph())\nw.collapse = 'all'\nw.title = {evil_title!r}\nw"
        ],
    )
    widget = page.locator(".mlgraph")
    expect(widget).to_have_attribute("data-mlgraph-ready", "1", timeout=60_000)
    expect(widget.locator(".mlgraph-caption")).to_have_text(evil_title)
    expect(widget.locator("[data-mlgraph-group]")).to_have_count(len(SCOPES))
    for _ in SCOPES:  # open every layer, click every node, close every layer again
        widget.locator("[data-mlgraph-group]").first.dispatch_event("click")
        expect(widget).to_have_attribute("data-mlgraph-ready", "1", timeout=30_000)
    expect(widget.locator("[data-mlgraph-cluster]")).to_have_count(len(SCOPES))
    for node in widget.locator("[data-mlgraph-node] > *").all():
        node.dispatch_event("click")
    while widget.locator("[data-mlgraph-cluster] > text").count():
        widget.locator("[data-mlgraph-cluster] > text").first.dispatch_event("click")
        expect(widget).to_have_attribute("data-mlgraph-ready", "1", timeout=30_000)
    expect(widget.locator("[data-mlgraph-group]")).to_have_count(len(SCOPES))
    assert page.evaluate("() => window.__pwned") is None
    assert widget.locator("img, a, script").count() == 0
