"""Binder: binder/ alone builds an environment in which the notebooks run.

`test_fresh_binder_build` simulates what repo2docker does, without Docker: the files a
clone has, a fresh venv, `pip install -r binder/requirements.txt` from the clone's root
(which builds the widget's JS from js/ through the package's build hook), then every
notebook executed by that environment's own Jupyter and kernel.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
URLPATH = "urlpath=lab/tree/notebooks/00_index.ipynb"


def test_binder_folder_holds_only_what_is_used():
    assert sorted(p.name for p in (REPO / "binder").iterdir()) == [
        "requirements.txt", "runtime.txt"]  # no apt.txt: the layout is WebAssembly
    reqs = [line.strip() for line in (REPO / "binder" / "requirements.txt").read_text(
        encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    assert reqs == [".", "jupyterlab>=4"]
    assert re.fullmatch(r"python-3\.1[0-9]\n?",
                        (REPO / "binder" / "runtime.txt").read_text(encoding="utf-8"))


def test_readme_badge_opens_the_course_map():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    badge = re.search(r"\[!\[Binder\]\(https://mybinder\.org/badge_logo\.svg\)\]"
                      r"\((https://mybinder\.org/v2/gh/[^)\s]+)\)", readme)
    assert badge, "no Binder badge in README.md"
    assert badge.group(1).endswith("?" + URLPATH)
    assert (REPO / "notebooks" / "00_index.ipynb").exists()


def test_course_map_links_every_notebook_with_a_screenshot():
    index = nbformat.read(NOTEBOOKS / "00_index.ipynb", as_version=4)
    text = "\n".join(c.source for c in index.cells if c.cell_type == "markdown")
    for nb in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        if nb.name == "00_index.ipynb":
            continue
        assert f"]({nb.name})" in text, f"00_index.ipynb has no link to {nb.name}"
        shot = f"images/{nb.stem}.png"
        assert f'src="{shot}"' in text and (NOTEBOOKS / shot).exists(), shot


def _clone(dest: Path) -> None:
    """The files a clone of this working tree has (tracked or new, not ignored)."""
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def test_fresh_binder_build(tmp_path):
    clone, venv, home = tmp_path / "repo", tmp_path / "venv", tmp_path / "home"
    clone.mkdir()
    _clone(clone)
    assert not (clone / "mlgraph" / "static").exists()  # built by the install below
    assert not (clone / "js" / "node_modules").exists()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "JUPYTER", "VIRTUAL_ENV", "PIP_"))}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env['PATH']}",
               JUPYTER_DATA_DIR=str(home / "data"), JUPYTER_CONFIG_DIR=str(home / "cfg"),
               JUPYTER_RUNTIME_DIR=str(home / "run"), PIP_DISABLE_PIP_VERSION_CHECK="1")
    timings = {}

    def run(*cmd, cwd=clone, timeout=900):
        start = time.perf_counter()
        out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                             timeout=timeout)
        timings[" ".join(str(c).split("/")[-1] for c in cmd[1:4])] = (
            time.perf_counter() - start)
        assert out.returncode == 0, f"{' '.join(map(str, cmd))}:\n{out.stderr[-4000:]}"
        return out.stdout

    run(sys.executable, "-m", "venv", str(venv))
    py = str(venv / "bin" / "python")
    run(py, "-m", "pip", "install", "-q", "-r", "binder/requirements.txt")
    # the package came from the build, JS included, not from the clone's folder
    where = json.loads(run(py, "-c", "import json, mlgraph, sys; print(json.dumps("
                           "[mlgraph.__file__, sys.prefix]))", cwd=tmp_path))
    pkg = Path(where[0]).parent
    assert Path(where[1]) == venv and venv in pkg.parents
    assert (pkg / "static" / "widget.js").stat().st_size > 1000
    assert (pkg / "static" / "engine.js").exists()
    listing = subprocess.run([py, "-m", "jupyter", "labextension", "list"], env=env,
                             capture_output=True, text=True, timeout=120)
    extensions = re.sub(r"\x1b\[[0-9;]*m", "", listing.stdout + listing.stderr)
    assert re.search(r"anywidget v\S+ enabled OK", extensions), extensions
    assert re.search(r"@jupyter-widgets/jupyterlab-manager v\S+ enabled OK", extensions)
    # every notebook runs in that environment's kernel
    probe = nbformat.v4.new_notebook()
    probe.cells = [nbformat.v4.new_code_cell("import sys, mlgraph; print(sys.prefix)")]
    nbformat.write(probe, clone / "notebooks" / "zz_probe.ipynb")
    notebooks = sorted(p.name for p in (clone / "notebooks").glob("*.ipynb"))
    run(py, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
        "--ExecutePreprocessor.kernel_name=python3", "--output-dir", str(tmp_path / "out"),
        *notebooks, cwd=clone / "notebooks")
    ran = nbformat.read(tmp_path / "out" / "zz_probe.ipynb", as_version=4)
    assert ran.cells[0].outputs[0]["text"].strip() == str(venv)
    for name in notebooks:
        nb = nbformat.read(tmp_path / "out" / name, as_version=4)
        assert all(c.get("execution_count") for c in nb.cells if c.cell_type == "code")
    print("binder simulation:", {k: f"{v:.1f} s" for k, v in timings.items()})
