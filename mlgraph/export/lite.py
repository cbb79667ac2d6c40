"""A JupyterLite site: JupyterLab in the browser, Python from Pyodide.

The notebooks, the mlgraph wheel and the widget front ends (anywidget, the ipywidgets
manager) are bundled.

    mlgraph lite notebooks/ -o lite/

Each notebook's copy in the site starts with a ``%pip install mlgraph`` cell (the
source notebooks are not changed); piplite installs the bundled wheels from the site
itself. The Pyodide runtime (and numpy, matplotlib) load from Pyodide's CDN when a
reader starts a kernel: serving the site needs no server code, reading it needs that
CDN.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path

import mlgraph
from mlgraph.export.site import find_notebooks, local_files

__all__ = ["INSTALL_CELL", "PURE_WHEELS", "build_lite", "build_wheel",
           "with_install_cell"]

#: The first cell of every notebook in the site.
INSTALL_CELL = (
    "# In JupyterLite: install mlgraph (bundled with this site) into the browser's "
    "Python\n"
    "%pip install -q mlgraph"
)
#: Pure-Python dependencies bundled at the versions installed here, so the widget
#: front ends in the site (taken from this environment) match their Python side.
PURE_WHEELS = ("anywidget", "psygnal", "ipywidgets", "widgetsnbextension",
               "jupyterlab_widgets", "comm", "tqdm", "graphviz", "typing_extensions")


def with_install_cell(notebook: Path, dest: Path) -> None:
    """Copy `notebook` to `dest` with `INSTALL_CELL` as its first cell."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(INSTALL_CELL))
    nbformat.write(nb, dest)


def _source_tree() -> Path | None:
    root = Path(mlgraph.__file__).resolve().parents[1]
    pyproject = root / "pyproject.toml"
    if pyproject.exists() and re.search(r'(?m)^name = "mlgraph"$',
                                        pyproject.read_text()):
        return root
    return None


def build_wheel(dest: Path) -> Path:
    """Build the mlgraph wheel from the source tree this mlgraph was imported from.

    Raises:
        FileNotFoundError: if mlgraph is not imported from a source tree.
    """
    root = _source_tree()
    if root is None:
        raise FileNotFoundError(
            f"mlgraph is installed from a wheel ({Path(mlgraph.__file__).parent}), so "
            "there is no source tree to build it from: pass the wheel to bundle with "
            "--wheel (build one with `pip wheel --no-deps .` in a clone)."
        )
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "-w", str(dest), str(root)], check=True, capture_output=True)
    return next(dest.glob("mlgraph-*.whl"))


def _pure_wheels(dest: Path) -> list[Path]:
    specs = []
    for name in PURE_WHEELS:
        try:
            specs.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            specs.append(name)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps",
         "--only-binary=:all:", "--platform", "any", "--implementation", "py",
         "--abi", "none", "--python-version", "3.12", "-d", str(dest), *specs],
        check=True, capture_output=True,
    )
    return sorted(dest.glob("*.whl"))


def build_lite(
    source: str | Path,
    output: str | Path,
    *,
    wheels: Sequence[str | Path] = (),
    log: Callable[[str], None] = print,
) -> Path:
    """Build the JupyterLite site for the notebooks in `source` into `output`.

    Args:
        source: a folder of notebooks or one notebook.
        output: the site's folder (replaced if it holds an earlier JupyterLite build).
        wheels: the mlgraph wheel (and any others) to bundle; by default mlgraph is
            built from its source tree.
        log: where progress lines go.

    Returns:
        `output`.

    Raises:
        FileExistsError: if `output` holds files that are not a JupyterLite build.
    """
    notebooks = find_notebooks(source)
    output = Path(output)
    if output.exists() and any(output.iterdir()):
        if not (output / "jupyter-lite.json").exists():
            raise FileExistsError(f"{output}/ is not empty and is not a JupyterLite "
                                  "site; nothing was changed. Pass a new folder with "
                                  "-o.")
        shutil.rmtree(output)
    with tempfile.TemporaryDirectory(prefix="mlgraph-lite-") as tmp:
        work = Path(tmp)
        contents = work / "contents"
        contents.mkdir()
        for nb in notebooks:
            with_install_cell(nb, contents / nb.name)
            for rel in local_files(_read(nb), nb.parent):
                (contents / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(nb.parent / rel, contents / rel)
        bundled = work / "wheels"
        bundled.mkdir()
        ours = [Path(w) for w in wheels] or [build_wheel(bundled)]
        pure = _pure_wheels(work / "pure")
        log(f"bundling {', '.join(p.name for p in [*ours, *pure])}")
        (work / "jupyter-lite.json").write_text(json.dumps({
            "jupyter-lite-schema-version": 0,
            "jupyter-config-data": {"appName": "mlgraph", "exposeAppInBrowser": True},
        }), encoding="utf-8")
        cmd = [sys.executable, "-m", "jupyter", "lite", "build",
               "--lite-dir", str(work), "--contents", str(contents),
               "--output-dir", str(output.resolve())]
        for w in [*ours, *pure]:
            cmd += ["--piplite-wheels", str(Path(w).resolve())]
        run = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
        if run.returncode:
            raise RuntimeError(f"jupyter lite build failed:\n{run.stdout[-3000:]}"
                               f"\n{run.stderr[-3000:]}")
    log(f"wrote {output}/ ({len(notebooks)} notebooks): serve it over HTTP, e.g. "
        f"`python -m http.server -d {output}`, and open /lab/index.html")
    return output


def _read(path: Path):
    import nbformat

    return nbformat.read(path, as_version=4)
