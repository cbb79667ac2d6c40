"""`jupyter nbconvert --to html --execute` of notebook 03 (reverse mode): the embedded
widget state renders and plays in Chromium with every non-file request aborted (require.js, the
widget renderer and anywidget's AMD build sit beside the page, copied from
js/node_modules at build)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from mlgraph.export import FILES, copy_assets, export_notebook, nbconvert_args

from .lab import block_network

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "03_reverse_mode.ipynb"


def _check_plays(page, path: Path):
    blocked = block_network(page)
    page.goto(path.as_uri())
    widget = page.locator(".mlgraph").first
    expect(widget).to_have_attribute("data-mlgraph-ready", "1", timeout=60_000)
    expect(widget.locator("[data-mlgraph-node]")).to_have_count(7)
    expect(widget.locator('[data-mlgraph-state="pending"]')).to_have_count(7)
    widget.locator('[data-mlgraph-action="speed"]', has_text="4").click()
    widget.locator('[data-mlgraph-action="play"]').click()
    last = widget.locator("input.mlgraph-scrubber").get_attribute("max")
    assert last and int(last) > 10
    expect(widget).to_have_attribute("data-mlgraph-cursor", last, timeout=30_000)
    expect(widget.locator('[data-mlgraph-node="v0"] .mlgraph-cotangent')).to_have_text(
        "v\u03040 = 5.5"
    )
    # the widget scripts came from beside the page; only MathJax (the markdown's
    # formulas, shown as TeX offline) asked a CDN
    assert all("mathjax" in url.lower() for url in blocked), blocked


@pytest.mark.browser
def test_nbconvert_cli_page_renders_the_widget_offline(page, tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "nbconvert",
        "--to",
        "html",
        "--execute",
        str(NOTEBOOK),
        "--output-dir",
        str(tmp_path),
        *nbconvert_args(),
    ]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=REPO)
    assert run.returncode == 0, run.stderr
    page_path = tmp_path / "03_reverse_mode.html"
    text = page_path.read_text(encoding="utf-8")
    assert "application/vnd.jupyter.widget-state+json" in text
    assert 'src="require.js"' in text and "embed-amd.js" in text
    assert "unpkg.com" not in text and "jsdelivr" not in text
    copy_assets(tmp_path)
    _check_plays(page, page_path)


@pytest.mark.browser
def test_export_notebook_helper_writes_page_and_assets(page, tmp_path):
    out = export_notebook(NOTEBOOK, tmp_path / "site" / "nb03.html")
    assert sorted(p.name for p in out.parent.iterdir()) == sorted([out.name, *FILES])
    _check_plays(page, out)
