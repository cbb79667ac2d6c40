"""mlgraph.export.site without a browser: notes, links, titles, the output folder, and
failures (the browser side is tests/browser/test_site.py)."""

from __future__ import annotations

import json

import nbformat
import pytest

from mlgraph import cli
from mlgraph.export import FILES
from mlgraph.export.site import (
    MANIFEST,
    SiteError,
    add_kernel_notes,
    export_site,
    index_html,
    link_pages,
    local_files,
    notebook_summary,
    notebook_title,
)

VIEW = "application/vnd.jupyter.widget-view+json"
STATE = "application/vnd.jupyter.widget-state+json"


def _model(module, name, **state):
    return {"model_module": module, "model_name": name, "state": state}


def _nb_with_widgets(state, roots):
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {STATE: {"state": state, "version_major": 2}}
    nb.cells = [nbformat.v4.new_code_cell("w", outputs=[nbformat.v4.new_output(
        "display_data", data={VIEW: {"model_id": r}, "text/plain": "w"})]) for r in roots]
    return nb


def test_kernel_notes_on_sliders_and_the_trainer_only():
    graph = _model("anywidget", "AnyModel", _anywidget_id="mlgraph.widget.GraphWidget",
                   engine="IPY_MODEL_e")
    state = {
        "e": _model("anywidget", "AnyModel", _anywidget_id="mlgraph.widget.GraphvizEngine"),
        "g": graph,
        "s1": _model("@jupyter-widgets/controls", "FloatSliderModel",
                     description="<b>x1</b>", style="IPY_MODEL_st"),
        "st": _model("@jupyter-widgets/controls", "SliderStyleModel"),
        "h": _model("@jupyter-widgets/controls", "HBoxModel", children=["IPY_MODEL_s1"]),
        "box": _model("@jupyter-widgets/controls", "VBoxModel",
                      children=["IPY_MODEL_h", "IPY_MODEL_g"]),
        "t": _model("anywidget", "AnyModel",
                    _anywidget_id="mlgraph.training_widget.TrainingWidget",
                    graph_widget="anywidget:g"),
        "lbl": _model("@jupyter-widgets/controls", "HTMLModel", value="hi"),
    }
    nb = _nb_with_widgets(state, ["g", "box", "t", "lbl"])
    assert add_kernel_notes(nb) == (4, 2)
    kinds = [[o["output_type"] for o in c.outputs] for c in nb.cells]
    assert kinds == [["display_data"], ["display_data"] * 2, ["display_data"] * 2,
                     ["display_data"]]
    slider_note = nb.cells[1].outputs[0]["data"]["text/html"]
    assert "Needs a running kernel" in slider_note
    assert "FloatSlider &lt;b&gt;x1&lt;/b&gt;" in slider_note  # names escaped
    assert "Training runs in Python" in nb.cells[2].outputs[0]["data"]["text/html"]
    assert VIEW in nb.cells[1].outputs[1]["data"]  # the widget stays, after its note


def test_links_to_exported_notebooks_point_at_pages():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(
        "[a](01_a.ipynb) [b](./01_a.ipynb#sec) [c](other.ipynb) <a href='01_a.ipynb'>d</a>"
        " [e](https://x.org/01_a.ipynb)")]
    link_pages(nb, {"01_a.ipynb": "01_a.html"})
    assert nb.cells[0].source == (
        "[a](01_a.html) [b](01_a.html#sec) [c](other.ipynb) <a href='01_a.html'>d</a>"
        " [e](https://x.org/01_a.ipynb)")


def test_local_files_are_those_inside_the_folder(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.png").write_bytes(b"png")
    (tmp_path.parent / "secret.png").write_bytes(b"no")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(
        '![a](images/a.png) <img src="images/a.png" width=3> ![m](images/missing.png)'
        " ![s](../secret.png) ![w](https://x.org/a.png) ![r](/etc/passwd)")]
    assert local_files(nb, tmp_path) == ["images/a.png"]


def test_title_and_summary():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_markdown_cell(
        "# 03 Reverse mode\n\n<img src='a.png'>\n\n**Why?** It is *fast*, `grad`.")]
    assert notebook_title(nb, "fallback") == "03 Reverse mode"
    assert notebook_summary(nb) == "Why? It is *fast*, grad."
    assert notebook_title(nbformat.v4.new_notebook(), "fallback") == "fallback"
    nb.cells[1].source = "# T\n\n" + "word " * 100
    assert len(notebook_summary(nb)) == 280 and notebook_summary(nb).endswith("…")


def _write(folder, name, *cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(c[3:]) if c.startswith("md:")
                else nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, folder / name)


def test_export_site_writes_pages_assets_index_and_manifest(tmp_path):
    src = tmp_path / "nbs"
    src.mkdir()
    _write(src, "b.ipynb", "md:# Second\n\nSee [the first](a.ipynb).", "print(2)")
    _write(src, "a.ipynb", "md:# First\n\n**What is $x$?**", "print(1)")
    out = tmp_path / "site"
    pages = export_site(src, out, thumbnails=False, log=lambda s: None)
    assert [(p.page, p.title, p.widgets) for p in pages] == [
        ("a.html", "First", 0), ("b.html", "Second", 0)]
    assert all(p.thumbnail is None and p.seconds > 0 for p in pages)
    assert {f.name for f in out.iterdir()} == {
        "a.html", "b.html", "index.html", MANIFEST, *FILES}
    assert 'href="a.html"' in (out / "b.html").read_text(encoding="utf-8")
    assert "<title>First</title>" in (out / "a.html").read_text(encoding="utf-8")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.index('href="a.html"') < index.index('href="b.html"')
    assert "What is $x$?" in index and '<script src="mathjax.js">' in index
    # a re-export replaces its own files (a removed notebook's page goes) ...
    (src / "b.ipynb").unlink()
    export_site(src, out, thumbnails=False, log=lambda s: None)
    assert not (out / "b.html").exists()
    assert json.loads((out / MANIFEST).read_text())["files"] == sorted(
        ["a.html", "index.html", *FILES])
    # ... and never touches a folder it did not write
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep")
    with pytest.raises(FileExistsError, match="not written by mlgraph export-site"):
        export_site(src, other, thumbnails=False, log=lambda s: None)
    assert [f.name for f in other.iterdir()] == ["notes.txt"]


def test_a_failing_notebook_is_named_and_no_index_is_written(tmp_path):
    src = tmp_path / "nbs"
    src.mkdir()
    _write(src, "ok.ipynb", "print(1)")
    _write(src, "bad.ipynb", "1 / 0")
    with pytest.raises(SiteError, match=r"bad\.ipynb: ZeroDivisionError"):
        export_site(src, tmp_path / "site", thumbnails=False, log=lambda s: None)
    assert (tmp_path / "site" / "ok.html").exists()
    assert not (tmp_path / "site" / "index.html").exists()


def test_cli_export_site_errors_are_one_line(tmp_path, capsys):
    assert cli.main(["export-site", str(tmp_path / "nope"), "-o",
                     str(tmp_path / "s")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("mlgraph export-site: error: ") and "does not exist" in err
    (tmp_path / "empty").mkdir()
    assert cli.main(["export-site", str(tmp_path / "empty")]) == 1
    assert "no notebooks (*.ipynb)" in capsys.readouterr().err


def test_index_without_thumbnails_says_how_to_get_them(tmp_path):
    from mlgraph.export.site import Page

    page = Page(tmp_path / "a.ipynb", "a.html", "A", "", 2, 1, 0.5)
    assert "No screenshot: export again where Chromium" in index_html([page])
    assert "2 widgets" in index_html([page])
