"""mlgraph.grading imports, grades and writes HTML with the UI libraries absent."""

import subprocess
import sys

CODE = r"""
import sys
for name in ("anywidget", "ipywidgets", "matplotlib", "graphviz", "traitlets", "IPython"):
    sys.modules[name] = None          # any import of them now raises ImportError
import numpy as np
import mlgraph.grading, mlgraph.grading.batch, mlgraph.grading.gradescope
from mlgraph.grading.feedback import report_html
def gradients(X, Y, W, V):
    return np.zeros_like(W), np.zeros_like(V)
r = mlgraph.grading.check(gradients, assignment="iris-backprop")
print(r.score, "<table>" in report_html(r))
for name in mlgraph.grading.SHIPPED:
    mlgraph.grading.load(name)
loaded = {m.split(".")[0] for m, mod in sys.modules.items() if mod is not None}
print(sorted(loaded & {"anywidget", "ipywidgets", "matplotlib", "graphviz", "IPython"}))
"""


def test_grading_imports_without_ui_libraries():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["0.0 True", "[]"]
