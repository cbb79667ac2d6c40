"""Helpers shared by the browser tests: notebooks in a real JupyterLab, offline pages."""

from __future__ import annotations

from pathlib import Path

import nbformat

# one network blocker for the tests and the site's screenshots
from mlgraph.export.thumbnails import block_network  # noqa: F401

KERNEL_IDLE = """() => {
  const nb = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = nb?.sessionContext?.session?.kernel;
  return !!k && k.status === 'idle';
}"""


def write_notebook(root, name, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, root / name)


def run_cell(page, index):
    page.evaluate(
        """async (i) => {
        const nb = window.jupyterapp.shell.currentWidget;
        nb.content.activeCellIndex = i;
        await window.jupyterapp.commands.execute('notebook:run-cell');
    }""",
        index,
    )
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)


def open_notebook(page, jupyter_lab, name, cells):
    """Write a notebook, open it in a JupyterLab workspace of its own (so no other
    test's tab is restored over it), wait for the kernel, and run its first cell."""
    write_notebook(jupyter_lab["root"], name, cells)
    workspace = name.removesuffix(".ipynb")
    page.goto(f"{jupyter_lab['base']}/lab/workspaces/{workspace}/tree/{name}"
              f"?token={jupyter_lab['token']}")
    page.wait_for_function(KERNEL_IDLE, timeout=90_000)
    run_cell(page, 0)


def set_theme(page, dark):
    """Switch JupyterLab to its dark or light theme and wait until it applies."""
    import time

    name = "JupyterLab Dark" if dark else "JupyterLab Light"
    page.evaluate(
        "(t) => window.jupyterapp.commands.execute('apputils:change-theme',"
        " {theme: t})",
        name,
    )
    page.wait_for_selector(
        f'body[data-jp-theme-light="{str(not dark).lower()}"]', state="attached"
    )
    time.sleep(1.0)  # the theme's stylesheet settles


def side_panel_open(page):
    """Open JupyterLab's left panel (the file browser), as a lecturer's screen has it."""
    if page.evaluate("window.jupyterapp.shell.leftCollapsed"):
        page.evaluate("window.jupyterapp.commands.execute('filebrowser:activate')")
    box = page.locator("#jp-left-stack").bounding_box()
    assert box and box["width"] > 150, box


def cell_json(page, index, tag):
    """Run cell `index`, which prints a line "TAG {json}", and return the JSON."""
    import json

    from playwright.sync_api import expect

    run_cell(page, index)
    out = page.locator(".jp-Cell").nth(index).locator(".jp-OutputArea-output")
    expect(out).to_contain_text(tag)
    lines = out.inner_text().splitlines()
    line = next(ln for ln in lines if ln.startswith(tag + " "))
    return json.loads(line[len(tag) + 1:])



# --- what is on screen: text size and contrast, from the rendered colours ---------------

VISIBLE_TEXT = "\n".join(  # the function, without its leading comment
    line
    for line in (Path(__file__).parent / "visible_text.js").read_text().splitlines()
    if not line.startswith("//")
)


def _luminance(rgb):
    def channel(c):
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg, bg):
    """WCAG contrast ratio of two sRGB colours (0-255 triples)."""
    hi, lo = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def text_problems(locator, min_px=14.0, min_contrast=4.5, skip=None):
    """Every visible text under `locator` (not under the CSS selector `skip`) that is
    smaller than `min_px` or below `min_contrast` against its rendered background.
    Returns (problems, number of texts checked)."""
    texts = locator.evaluate(VISIBLE_TEXT, skip)
    bad = [
        {**t, "contrast": round(contrast(t["fg"], t["bg"]), 2)}
        for t in texts
        if t["size"] < min_px - 0.05 or contrast(t["fg"], t["bg"]) < min_contrast
    ]
    return bad, len(texts)
