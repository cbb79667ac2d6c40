import numpy as np
import pytest
from hypothesis import settings

import mlgraph as mg

# Property-based tests: a fixed number of examples, derandomized, so the suite is the
# same on every run ("ci"); `pytest --hypothesis-profile=thorough` draws many more.
settings.register_profile("ci", max_examples=120, derandomize=True, deadline=None,
                          database=None, print_blob=True)
settings.register_profile("thorough", max_examples=3000, deadline=None)
settings.load_profile("ci")


def lecture_f(x1, x2):
    """The lectures' running example: y = ln(x1) + x1·x2 − sin(x2)."""
    return mg.log(x1) + x1 * x2 - mg.sin(x2)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def lecture_graph():
    return mg.trace(lecture_f, 2.0, 5.0)


#: The layers of mlgraph (docs/architecture.md): a module may import from its own layer
#: and the layers below, never above. A subpackage's modules share its entry. The
#: layers below "ui" are the headless core.
LAYERS = {
    "primitives": 0, "events": 0, "errors": 0, "plain": 0, "datasets": 0,  # data
    "corpus": 0,
    "graph": 1,                                                             # graph
    "arguments": 2, "tensor": 2, "interop": 2, "context": 2, "tracer": 2,   # tracing
    "numpy": 2,
    "sweeps": 3, "modes": 3, "transforms": 3, "jacobians": 3, "reuse": 3,   # autodiff
    "tables": 3, "expr": 3, "gradcheck": 3, "symbolic": 3,
    "nn": 4, "trainer": 4, "surface": 4, "grading": 4,                      # learning
    "__init__": 5, "cli": 5, "cli_train": 5,                                # entry points
    "assignments": 5,       # instructors' code on the public API; grading loads it by name
    "dot": 6, "display": 6, "widget": 6, "controls": 6, "training_widget": 6, "export": 6,  # ui
    "cli_html": 6, "cli_site": 6, "cli_surface": 6, "__main__": 6, "plots": 6, "surface_explorer": 6,
}
UI_LAYER = 6
