import numpy as np
import pytest

import mlgraph as mg


def lecture_f(x1, x2):
    """The lectures' running example: y = ln(x1) + x1·x2 − sin(x2)."""
    return mg.log(x1) + x1 * x2 - mg.sin(x2)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def lecture_graph():
    return mg.trace(lecture_f, 2.0, 5.0)
