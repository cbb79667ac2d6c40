"""Notebooks as pages that play their widgets and render formulas offline.

With no kernel and no network: one page (`export_notebook`), a course site
(`mlgraph.export.site`), a JupyterLite site (`mlgraph.export.lite`).

`jupyter nbconvert --to html --execute` embeds the widget state; the page then needs
scripts that by default come from CDNs: require.js, the widget renderer
(`@jupyter-widgets/html-manager`'s `embed-amd.js`), anywidget's AMD build and MathJax.
`npm run build` copies them from `js/node_modules` (devDependencies pinned in
js/package.json) to `mlgraph/static/export/`; `copy_assets` writes them beside a page,
with `mathjax.js` (this folder), which configures MathJax 3 for Jupyter's `$…$`.

    python -m mlgraph.export notebooks/01_computation_graphs.ipynb -o page.html
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from mlgraph.widget import STATIC

__all__ = ["ASSETS", "FILES", "asset_dir", "copy_assets", "export_notebook",
           "html_exporter", "nbconvert_args", "execute"]

#: The scripts beside the page, as nbconvert's options name them.
ASSETS = {
    "require_js_url": "require.js",
    "widget_renderer_url": "embed-amd.js",
    "mathjax_url": "mathjax.js",
}
#: Every file a page needs beside it. anywidget.js is found by require.js;
#: tex-svg-full.js (MathJax with its fonts) is loaded by mathjax.js.
FILES = ("require.js", "embed-amd.js", "anywidget.js", "mathjax.js", "tex-svg-full.js")
_HERE = Path(__file__).parent


def asset_dir() -> Path:
    """`mlgraph/static/export` (built by `npm --prefix js run build`)."""
    folder = STATIC / "export"
    missing = [f for f in FILES if f != "mathjax.js" and not (folder / f).exists()]
    if missing:
        raise FileNotFoundError(
            f"{', '.join(missing)} not in {folder}: run `npm --prefix js ci && npm "
            "--prefix js run build` (or ./dev test) to copy them from js/node_modules."
        )
    return folder


def copy_assets(folder: str | Path) -> list[Path]:
    """Copy the page's scripts (`FILES`) into `folder`, beside the pages."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    src = asset_dir()
    return [
        Path(shutil.copy2((_HERE if f == "mathjax.js" else src) / f, folder / f))
        for f in FILES
    ]


def nbconvert_args() -> list[str]:
    """The `jupyter nbconvert` options that point the page at the local scripts."""
    return [f"--HTMLExporter.{k}={v}" for k, v in ASSETS.items()]


def html_exporter():
    """nbconvert's HTMLExporter (lab template), pointed at the scripts by the page."""
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="lab", **ASSETS)


def execute(nb, folder: Path, timeout: int = 300) -> None:
    """Run every cell of `nb` in place, keeping the widget state.

    Args:
        nb: the notebook (an nbformat node), changed in place.
        folder: the working directory of its kernel.
        timeout: seconds one cell may run.

    Raises:
        CellExecutionError: nbconvert's, naming the failing cell.
    """
    from nbconvert.preprocessors import ExecutePreprocessor

    ExecutePreprocessor(timeout=timeout, store_widget_state=True).preprocess(
        nb, {"metadata": {"path": str(Path(folder).resolve())}}
    )


def export_notebook(
    notebook: str | Path, output: str | Path | None = None, timeout: int = 300
) -> Path:
    """Execute `notebook` and write it as an HTML page that renders offline.

    The widget state is embedded and the page's scripts are copied beside it.

    Args:
        notebook: the .ipynb file.
        output: the page (default: the notebook's path with ``.html``).
        timeout: seconds one cell may run.

    Returns:
        The page's path.
    """
    import nbformat

    notebook = Path(notebook)
    output = Path(output) if output else notebook.with_suffix(".html")
    nb = nbformat.read(notebook, as_version=4)
    execute(nb, notebook.parent, timeout)
    body, _ = html_exporter().from_notebook_node(
        nb, resources={"metadata": {"name": notebook.stem}}
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(body, encoding="utf-8")
    copy_assets(output.parent)
    return output


def main(argv: list[str] | None = None) -> None:
    """`python -m mlgraph.export NOTEBOOK [-o PAGE]`."""
    parser = argparse.ArgumentParser(
        prog="python -m mlgraph.export", description=__doc__.splitlines()[0]
    )
    parser.add_argument("notebook")
    parser.add_argument("-o", "--output", default=None)
    args = parser.parse_args(argv)
    print(export_notebook(args.notebook, args.output))
