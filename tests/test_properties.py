"""Property-based: random expression graphs, gradients against central differences."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import mlgraph as mg

UNARY = [mg.sin, mg.cos, mg.tanh, mg.sigmoid, lambda v: mg.exp(v * 0.3),
         lambda v: mg.log(v * v + 1.0), lambda v: mg.sqrt(v * v + 0.5), lambda v: -v]
BINARY = [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b,
          lambda a, b: a / (b * b + 1.0), lambda a, b: (a * a + 1.0) ** (b * 0.3)]


@st.composite
def programs(draw):
    """A random DAG over 3 inputs: each step applies an op to earlier values."""
    steps = []
    for k in range(draw(st.integers(1, 12))):
        if draw(st.booleans()):
            steps.append(("u", draw(st.integers(0, len(UNARY) - 1)),
                          draw(st.integers(0, 2 + k))))
        else:
            steps.append(("b", draw(st.integers(0, len(BINARY) - 1)),
                          draw(st.integers(0, 2 + k)), draw(st.integers(0, 2 + k))))
    return steps


def build(steps):
    def f(x1, x2, x3):
        vals = [x1, x2, x3]
        for s in steps:
            if s[0] == "u":
                vals.append(UNARY[s[1]](vals[s[2]]))
            else:
                vals.append(BINARY[s[1]](vals[s[2]], vals[s[3]]))
        return sum(vals[3:], 0.0 * vals[0])
    return f


@settings(max_examples=60, deadline=None)
@given(programs(), st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3))
def test_random_graphs_match_central_differences(steps, point):
    f = build(steps)
    x = [float(v) for v in point]
    grads = mg.grad(f, argnums=(0, 1, 2))(*x)
    h = 1e-6
    for k in range(3):
        plus, minus = list(x), list(x)
        plus[k] += h
        minus[k] -= h
        numeric = (float(f(*plus)) - float(f(*minus))) / (2 * h)
        assert np.isclose(grads[k], numeric, rtol=1e-5, atol=1e-5), (k, steps, x)
    # forward mode agrees with reverse mode on the same graph
    g = mg.trace(f, *x)
    d = list(mg.forward_sweep(g, tangents=(1.0, 0.0, 0.0)))[-1].value
    assert np.isclose(d, grads[0], rtol=1e-9, atol=1e-12)
