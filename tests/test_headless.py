"""The headless core imports with anywidget, ipywidgets, matplotlib and graphviz absent."""

import subprocess
import sys

from conftest import LAYERS, UI_LAYER

UI = {name for name, layer in LAYERS.items() if layer == UI_LAYER}

CODE = r"""
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"anywidget", "ipywidgets", "matplotlib", "graphviz",
                                  "traitlets", "IPython"}:
            raise ImportError(f"blocked: {name}")
        return None
sys.meta_path.insert(0, Block())
import mlgraph, mlgraph.numpy, mlgraph.cli
import importlib, pkgutil
core = [m.name for m in pkgutil.walk_packages(mlgraph.__path__, "mlgraph.")
        if m.name.split(".")[1] not in UI]
for mod in core:
    importlib.import_module(mod)
f = lambda x1, x2: mlgraph.log(x1) + x1 * x2 - mlgraph.sin(x2)
print(mlgraph.grad(f, argnums=(0, 1))(2.0, 5.0))
loaded = {m.split(".")[0] for m in sys.modules}
print(sorted(loaded & {"anywidget", "ipywidgets", "matplotlib", "graphviz"}))
"""


def test_core_imports_without_ui_libraries():
    code = f"UI = {sorted(UI)!r}\n" + CODE
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0].startswith("(np.float64(5.5), np.float64(1.716")
    assert lines[1] == "[]"
