"""A notebook as one HTML page whose widgets play with no kernel and no network.

`jupyter nbconvert --to html --execute` embeds the widget state; the page then needs
three scripts, which by default come from CDNs: require.js, the widget renderer
(`@jupyter-widgets/html-manager`'s `embed-amd.js`) and anywidget's AMD build. `npm run
build` copies them from `js/node_modules` (devDependencies pinned in js/package.json) to
`mlgraph/static/export/`; `export_notebook` writes them beside the page.

    python -m mlgraph.export notebooks/01_computation_graphs.ipynb -o page.html
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from mlgraph.widget import STATIC

#: The scripts beside the page, as nbconvert's options name them.
ASSETS = {"require_js_url": "require.js", "widget_renderer_url": "embed-amd.js"}
FILES = ("require.js", "embed-amd.js", "anywidget.js")  # anywidget.js: found by require


def asset_dir() -> Path:
    """`mlgraph/static/export` (built by `npm --prefix js run build`)."""
    folder = STATIC / "export"
    missing = [f for f in FILES if not (folder / f).exists()]
    if missing:
        raise FileNotFoundError(
            f"{', '.join(missing)} not in {folder}: run `npm --prefix js ci && npm "
            "--prefix js run build` (or ./dev test) to copy them from js/node_modules."
        )
    return folder


def copy_assets(folder: str | Path) -> list[Path]:
    """Copy require.js, embed-amd.js and anywidget.js into `folder` (beside a page)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy2(asset_dir() / f, folder / f)) for f in FILES]


def nbconvert_args() -> list[str]:
    """The `jupyter nbconvert` options that point the page at the local scripts."""
    return [f"--HTMLExporter.{k}={v}" for k, v in ASSETS.items()]


def export_notebook(
    notebook: str | Path, output: str | Path | None = None, timeout: int = 300
) -> Path:
    """Execute `notebook` and write it as HTML (widget state embedded) with the three
    scripts beside it, so it renders offline. Returns the page's path."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import ExecutePreprocessor

    notebook = Path(notebook)
    output = Path(output) if output else notebook.with_suffix(".html")
    nb = nbformat.read(notebook, as_version=4)
    ExecutePreprocessor(timeout=timeout, store_widget_state=True).preprocess(
        nb, {"metadata": {"path": str(notebook.parent.resolve())}}
    )
    exporter = HTMLExporter(template_name="lab", **ASSETS)
    body, _ = exporter.from_notebook_node(nb)
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


if __name__ == "__main__":
    main()
