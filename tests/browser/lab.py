"""Helpers shared by the browser tests: notebooks in a real JupyterLab, offline pages."""

from __future__ import annotations

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
