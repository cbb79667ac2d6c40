"""Symbolic differentiation from the primitives' local-derivative texts."""

from __future__ import annotations

import re

import numpy as np
import pytest

import mlgraph as mg
from mlgraph import symbolic


def lecture(x1, x2):
    return mg.log(x1) + x1 * x2 - mg.sin(x2)


def logistic(n):
    def f(x):
        for _ in range(n):
            x = 4 * x * (1 - x)
        return x
    return f


FUNCTIONS = {
    "lecture": (lecture, (2.0, 5.0)),
    "tanh∘tanh": (lambda x: mg.tanh(mg.tanh(x)), (0.5,)),
    "σ(x²)/x": (lambda x: mg.sigmoid(x * x) / x, (0.7,)),
    "pow and div": (lambda x: x ** 3 - 2 / x, (0.5,)),
    "exp·sqrt": (lambda x: mg.exp(-x * x) * mg.sqrt(x + 1), (0.3,)),
    "1/x²": (lambda x: 1 / (x * x), (0.5,)),
    "nested sums": (lambda x, y: (x + 1) * (y - 2) - (x - 3) * (y + x), (1.5, -0.5)),
    "logistic 3": (logistic(3), (0.3,)),
    "x^y": (lambda x, y: x ** y + mg.cos(x * y), (1.3, 2.2)),
}


def as_python(text: str) -> str:
    """The formula's text as Python, to check that it means what its value says."""
    for a, b in (("×", "*"), ("·", "*"), ("÷", "/"), ("−", "-"), ("^", "**"),
                 ("²", "**2"), ("√", "sqrt"), ("σ", "sigmoid"), ("ln", "log")):
        text = text.replace(a, b)
    return re.sub(r"\)\s*\(", ")*(", text)


NAMESPACE = {"log": np.log, "sin": np.sin, "cos": np.cos, "tanh": np.tanh,
             "exp": np.exp, "sqrt": np.sqrt, "sigmoid": lambda z: 1 / (1 + np.exp(-z))}


def test_the_lecture_example_reads_as_on_the_slides():
    g = mg.trace(lecture, 2.0, 5.0)
    assert str(symbolic.expression(g)) == "ln(x1) + x1 × x2 − sin(x2)"
    d1, d2 = symbolic.derivative(g, "x1"), symbolic.derivative(g, "x2")
    assert (d1.text, d2.text) == ("1/x1 + x2", "x1 − cos(x2)")
    assert d1.value == pytest.approx(5.5) and d2.value == pytest.approx(1.7163378)
    assert symbolic.derivative(g, 1).text == d2.text


@pytest.mark.parametrize("name", FUNCTIONS)
def test_the_formula_means_the_engines_derivative(name):
    f, args = FUNCTIONS[name]
    g = mg.trace(f, *args)
    env = dict(NAMESPACE, **dict(zip(g.input_names, args, strict=True)))
    expr = symbolic.expression(g)
    assert eval(as_python(expr.text), env) == pytest.approx(float(f(*args)))
    for k in range(len(args)):
        d = symbolic.derivative(g, k)
        want = float(mg.grad(f, argnums=k)(*args))
        assert d.value == pytest.approx(want, rel=1e-12)
        # the text alone, evaluated, gives the same number: its brackets are right
        assert eval(as_python(d.text), env) == pytest.approx(want, rel=1e-12), d.text


def test_expression_swell_against_the_traces_fixed_cost():
    costs = [symbolic.cost(mg.trace(logistic(n), 0.3)) for n in range(1, 7)]
    trace = [c.trace for c in costs]
    derivative = [c.derivative for c in costs]
    # the trace grows by the same amount per step: 3 operations, 6 edges
    assert np.diff(trace).tolist() == [9] * 5
    # the written-out derivative more than doubles per step
    assert all(b > 2 * a for a, b in zip(derivative, derivative[1:], strict=False))
    assert derivative[-1] > 20 * trace[-1]
    assert [c.expression for c in costs] == [3, 9, 21, 45, 93, 189]


def test_sizes_count_every_copy():
    def f(x):
        s = mg.sin(x)
        return s * s

    g = mg.trace(f, 1.0)
    c = symbolic.cost(g)
    # sin(x) × sin(x); sin(x)·cos(x) + sin(x)·cos(x): the graph holds sin(x) once
    assert (c.nodes, c.edges, c.expression, c.derivative, c.trace) == (3, 3, 3, 7, 5)
    assert symbolic.derivative(g).text == "sin(x)·cos(x) + sin(x)·cos(x)"


def test_an_input_the_output_does_not_use_has_derivative_zero():
    d = symbolic.derivative(mg.trace(lambda x, y: mg.sin(x) + 0 * mg.exp(x), 1.0, 2.0),
                            "y")
    assert (d.text, d.size, d.value) == ("0", 0, 0.0)


def test_tensor_nodes_are_refused_by_name_and_shape():
    g = mg.trace(lambda w: mg.numpy.sum(w * w), np.ones(3))
    with pytest.raises(ValueError, match=r"node v0 \(w\) has shape \(3,\)"):
        symbolic.derivative(g)
