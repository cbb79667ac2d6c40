"""Tracing: the lectures' v0..v6, edges, constants, labels, listing, JSON."""

import numpy as np
import pytest
from conftest import lecture_f

import mlgraph as mg


def test_lecture_example_gives_the_slides_nodes(lecture_graph):
    g = lecture_graph
    assert [n.name for n in g.nodes] == [f"v{i}" for i in range(7)]
    assert [n.label for n in g.nodes] == ["x1", "x2", "ln", "×", "sin", "+", "−"]
    assert [n.op for n in g.nodes] == ["input", "input", "log", "mul", "sin", "add", "sub"]
    assert [n.inputs for n in g.nodes] == [(), (), (0,), (0, 1), (1,), (2, 3), (5, 4)]
    assert g.inputs == (0, 1) and g.outputs == (6,)
    values = [float(n.value) for n in g.nodes]
    np.testing.assert_allclose(values, [2, 5, np.log(2), 10, np.sin(5),
                                        np.log(2) + 10, np.log(2) + 10 - np.sin(5)])
    assert round(values[-1], 3) == 11.652


def test_listing_is_the_lectures(lecture_graph):
    assert str(lecture_graph) == "\n".join([
        "v0 = x1", "v1 = x2", "v2 = ln(v0)", "v3 = v0 × v1", "v4 = sin(v1)",
        "v5 = v2 + v3", "v6 = v5 − v4", "y = v6"])


def test_x_times_x_has_two_edges():
    g = mg.trace(lambda x: x * x, 3.0)
    assert g.nodes[1].inputs == (0, 0)
    assert g.edges == [(0, 1, 0), (0, 1, 1)]


def test_constants_are_marked_nodes():
    g = mg.trace(lambda x: 2.0 * x + 1.0, 3.0)
    kinds = [n.kind for n in g.nodes]
    assert kinds.count("const") == 2 and kinds[0] == "input"
    consts = [n for n in g.nodes if n.kind == "const"]
    assert sorted(n.label for n in consts) == ["1", "2"]
    assert float(g.nodes[g.output].value) == 7.0


def test_input_labels_come_from_parameter_names_or_tensor_names():
    g = mg.trace(lambda w, b: w * b, mg.Tensor(2.0, name="W1"), 3.0)
    assert [g.nodes[i].label for i in g.inputs] == ["W1", "b"]
    g = mg.trace(lecture_f, x2=5.0, x1=2.0)
    assert [g.nodes[i].label for i in g.inputs] == ["x1", "x2"]


def test_topological_order_inputs_first_and_args_before_use():
    def f(a, b):
        c = mg.tanh(a @ b)
        return (c * c).sum() + mg.exp(a).sum()
    g = mg.trace(f, np.ones((2, 3)), np.ones((3, 4)))
    assert g.inputs == (0, 1)
    for n in g.nodes:
        assert all(j < n.id for j in n.inputs)
    assert g.nodes[g.output].shape == ()
    assert g.node("v2").id == 2 and g.node("a").id == 0


def test_deep_chain_traces_without_recursion():
    def f(x):
        for _ in range(5000):
            x = x * 1.0001
        return x
    g = mg.trace(f, 1.0)
    assert len(g) == 1 + 2 * 5000
    assert mg.grad(f)(1.0) == pytest.approx(1.0001 ** 5000)


def test_to_json_is_plain_data(lecture_graph):
    import json
    d = json.loads(json.dumps(lecture_graph.to_json()))
    assert [n["name"] for n in d["nodes"]] == [f"v{i}" for i in range(7)]
    assert d["edges"][:2] == [{"src": 0, "dst": 2, "argnum": 0},
                             {"src": 0, "dst": 3, "argnum": 0}]
    assert d["nodes"][3]["listing"] == "v0 × v1"


def test_local_partials_are_the_engines_numbers(lecture_graph):
    p = mg.local_partials(lecture_graph)
    assert p[(0, 3, 0)] == {"formula": "v1", "value": 5.0}
    assert p[(1, 3, 1)] == {"formula": "v0", "value": 2.0}
    assert p[(0, 2, 0)]["formula"] == "1/v0" and p[(0, 2, 0)]["value"] == 0.5
    assert p[(1, 4, 0)]["value"] == pytest.approx(np.cos(5.0))
    assert p[(4, 6, 1)]["value"] == -1.0


def test_tensor_operators_and_reflected_numpy_forms():
    X = np.arange(6.0).reshape(2, 3)
    A = np.ones(3)

    def f(W, t):
        return (X @ W).sum() + (A + t).sum() + (A * t).sum() - (2.0 / t).sum()
    g = mg.trace(f, np.ones((3, 2)), np.full(3, 2.0))
    ops = [n.op for n in g.nodes]
    assert {"matmul", "add", "mul", "div", "sum"} <= set(ops)
    t = mg.Tensor([1.0, -2.0])
    assert isinstance(t > 0, np.ndarray) and (t > 0).tolist() == [True, False]
    assert t.shape == (2,) and t.dtype == np.float64 and mg.Tensor(3.0).item() == 3.0
    np.testing.assert_array_equal(np.asarray(t), [1.0, -2.0])
    assert mg.Tensor(np.float32(1.5)).dtype == np.float32
    m = mg.Tensor(np.arange(6.0).reshape(2, 3))
    assert m.T.shape == (3, 2) and m[1, 1:].value.tolist() == [4.0, 5.0]
    assert (-m).value[0, 1] == -1.0 and (m ** 2).value[1, 2] == 25.0


def test_float32_is_kept():
    x = np.ones(3, dtype=np.float32)
    gr = mg.grad(lambda v: (mg.tanh(v) * 2.0).sum())(x)
    assert gr.dtype == np.float32


def test_scopes_group_nodes_for_the_widget():
    def f(x, W):
        with mg.scope("layer1"):
            h = mg.tanh(x @ W)
            with mg.scope("act"):
                h = h * 2.0
        return h.sum()
    g = mg.trace(f, np.ones((2, 3)), np.ones((3, 4)))
    scopes = {n.label: n.scope for n in g.nodes if n.kind == "op"}
    assert scopes == {"@": "layer1", "tanh": "layer1", "×": "layer1/act", "Σ": ""}
    assert g.to_json()["nodes"][g.output]["scope"] == ""
    with pytest.raises(ValueError, match="without '/'"):
        with mg.scope("a/b"):
            pass


def test_mlp_layers_are_scoped():
    from mlgraph import nn
    m = nn.MLP([2, 3, 1], seed=0)
    g = mg.trace(lambda X, *p: m.apply(X, *p).sum(), np.ones((4, 2)), *m.params)
    assert {n.scope for n in g.nodes if n.kind == "op"} == {"layer1", "layer2", ""}


def test_python_number_constants_keep_float32():
    x = np.ones(3, dtype=np.float32)
    g = mg.trace(lambda v: (v * 2.0 + 1).sum() / 128, x)
    assert all(np.asarray(n.value).dtype == np.float32 for n in g.nodes if n.kind == "op")
    loss, grad = mg.value_and_grad(lambda v: (mg.tanh(v) * 0.5).sum() / 3)(x)
    assert np.asarray(loss).dtype == np.float32 and grad.dtype == np.float32
