"""`mlgraph lite`: a real `jupyter lite build` with the notebooks (each led by a
`%pip install mlgraph` cell), our wheel and the widget front ends; served on
127.0.0.1, JupyterLab starts in Chromium with anywidget's extension and lists the
notebooks. (A Python kernel needs Pyodide from its CDN, which this machine cannot
reach.)"""

from __future__ import annotations

import functools
import http.server
import json
import threading
import zipfile
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect

from mlgraph import cli
from mlgraph.export.lite import INSTALL_CELL, build_lite

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"


@pytest.fixture(scope="module")
def lite_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("lite") / "lite"
    build_lite(NOTEBOOKS, out, log=lambda s: None)
    return out


def test_site_has_the_notebooks_with_an_install_cell(lite_site):
    names = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    assert sorted(p.name for p in (lite_site / "files").glob("*.ipynb")) == names
    for name in names:
        built = nbformat.read(lite_site / "files" / name, as_version=4)
        source = nbformat.read(NOTEBOOKS / name, as_version=4)
        assert built.cells[0].source == INSTALL_CELL
        assert [c.source for c in built.cells[1:]] == [c.source for c in source.cells]
        assert "%pip install" not in source.cells[0].source  # the source is untouched
    assert (lite_site / "files" / "images" / "01_computation_graphs.png").exists()
    contents = json.loads((lite_site / "api" / "contents" / "all.json").read_text())
    assert {c["name"] for c in contents["content"]} >= set(names)


def test_site_bundles_our_wheel_and_the_widget_wheels(lite_site):
    index = json.loads((lite_site / "pypi" / "all.json").read_text())
    assert {"mlgraph", "anywidget", "ipywidgets", "comm"} <= set(index)
    wheel = next((lite_site / "pypi").glob("mlgraph-*-py3-none-any.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "mlgraph/static/widget.js" in names and "mlgraph/static/engine.js" in names
    assert "mlgraph/data/genesis_kjv.txt" in names


def test_site_has_the_anywidget_and_widget_manager_extensions(lite_site):
    config = json.loads((lite_site / "jupyter-lite.json").read_text())["jupyter-config-data"]
    names = {e["name"] for e in config["federated_extensions"]}
    assert {"anywidget", "@jupyter-widgets/jupyterlab-manager"} <= names
    assert (lite_site / "extensions" / "anywidget" / "package.json").exists()
    assert config["exposeAppInBrowser"] is True
    pip_urls = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert any(u.startswith("./pypi/all.json") for u in pip_urls["pipliteUrls"])


def test_lite_refuses_a_folder_it_did_not_build(tmp_path, capsys):
    (tmp_path / "mine.txt").write_text("keep")
    assert cli.main(["lite", str(NOTEBOOKS), "-o", str(tmp_path)]) == 1
    assert "not a JupyterLite site" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]


@pytest.fixture(scope="module")
def served(lite_site):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=str(lite_site))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.browser
def test_lite_lab_starts_with_anywidget_and_the_notebooks(page, served):
    outside: list[str] = []

    def only_local(route):
        if route.request.url.startswith(served):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.goto(f"{served}/lab/index.html")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started",
                           timeout=90_000)
    page.evaluate("() => window.jupyterapp.started")
    plugins = page.evaluate("() => window.jupyterapp.listPlugins()")
    assert any(p.startswith("anywidget") for p in plugins), plugins
    assert any(p.startswith("@jupyter-widgets/jupyterlab-manager") for p in plugins)
    listing = page.locator(".jp-DirListing-itemText")
    expect(listing.filter(has_text="01_computation_graphs.ipynb")).to_have_count(1)
    expect(listing.filter(has_text="00_index.ipynb")).to_have_count(1)
    # nothing but Pyodide's CDN was asked for from outside (and only when a kernel starts)
    assert all("pyodide" in u or "jsdelivr" in u for u in outside), outside
