"""Defects 13 (modes by entry, pass counts in scalar entries) and 14 (several outputs,
has_aux, tuple argnums) of issue 8, and the kernel features issues 10 and 13 need:
names for intermediate values, Jacobian layouts, pass counts."""

import numpy as np
import pytest

import mlgraph as mg
import mlgraph.numpy as mnp
from mlgraph.events import Mode

X = np.array([2.0, 3.0, -1.0, 5.0])
W = np.array([0.1, 0.5, 2.5, 0.2])


def perceptron(x, w, b):
    return mg.sigmoid(x @ w + b)


@pytest.fixture
def perceptron_graph():
    return mg.trace(perceptron, X, W, 3.0)


# --- defect 13: forward mode by one entry; pass counts in scalar entries -------------

def test_defect13_forward_by_one_entry_of_a_vector_input(perceptron_graph):
    g = perceptron_graph
    events = mg.run(g, "forward:w[1]")
    assert round(float(events[-1].value), 4) == 0.1129          # the gallery's number
    grads = mg.grad(perceptron, argnums=(0, 1, 2))(X, W, 3.0)
    for k in range(4):
        tangent = mg.run(g, f"forward:w[{k}]")[-1].value
        assert tangent == pytest.approx(grads[1][k], rel=1e-12)
    assert mg.run(g, "forward:x[-1]")[-1].value == pytest.approx(grads[0][3])
    assert mg.run(g, "forward:b")[-1].value == pytest.approx(grads[2])


def test_defect13_a_whole_vector_input_needs_an_explicit_direction(perceptron_graph):
    g = perceptron_graph
    with pytest.raises(ValueError, match=r"forward:w would seed all 4 entries.*sum of "
                                         r"their partial derivatives.*'forward:w\[0\]'.*"
                                         r"tangent="):
        mg.run(g, "forward:w")
    with pytest.raises(ValueError, match="forward:w would seed"):
        list(mg.forward_sweep(g, wrt="w"))
    direction = np.array([0.0, 1.0, 0.0, 0.0])
    t = mg.run(g, "forward:w", tangent=direction)[-1].value
    assert t == pytest.approx(mg.run(g, "forward:w[1]")[-1].value)
    t = list(mg.forward_sweep(g, wrt="w", tangent=np.ones(4)))[-1].value
    assert t == pytest.approx(np.sum(mg.grad(perceptron, argnums=1)(X, W, 3.0)))


@pytest.mark.parametrize("mode,problem", [
    ("forward:w[4]", r"shape \(4,\).*1 index within it, got \[4\]"),
    ("forward:w[0,1]", r"needs 1 index"),
    ("forward:v", r"'v', which is not an input; the inputs are x, w, b"),
    ("forward", r"names no input; the inputs are x, w, b"),
    ("forward:w[a]", r"must be integers"),
])
def test_defect13_bad_entries_are_refused_naming_the_choices(perceptron_graph, mode,
                                                            problem):
    with pytest.raises(ValueError, match=problem):
        mg.run(perceptron_graph, mode)


def test_defect13_modes_are_parsed_once_with_entries():
    mode = Mode.parse("forward:W[1, -1]")
    assert mode == Mode("forward", "W", (1, -1))
    resolved = mode.resolve(["W"], [(2, 3)])
    assert str(resolved) == "forward:W[1,2]" and Mode.parse(str(resolved)) == resolved
    assert str(Mode.parse("reverse:y2")) == "reverse:y2"
    assert Mode.parse("reverse").resolve(["y"], [()]) == Mode("reverse")


def test_defect13_pass_counts_are_scalar_entries(perceptron_graph):
    counts = mg.pass_counts(perceptron_graph)
    assert (counts.forward, counts.reverse) == (9, 1)
    assert counts.inputs == {"x": 4, "w": 4, "b": 1}
    assert mg.pass_counts(perceptron_graph, wrt=("w", "b")).forward == 5
    assert "9 forward passes" in str(counts) and "1 reverse pass (" in str(counts)
    # the lecture's 1-hidden-layer network: x (3), α (2×3), β (2), y* -> 12, not 4
    alpha = np.array([[0.1, -0.2, 0.3], [0.4, 0.1, -0.5]])
    g = mg.trace(lambda x, a, b, y: -(y * mnp.log(mg.sigmoid(b @ mg.sigmoid(a @ x)))),
                 np.array([1.0, 0.5, -1.0]), alpha, np.array([0.7, -0.3]), 1.0)
    assert mg.pass_counts(g).forward == 12 and mg.pass_counts(g).reverse == 1


def test_defect13_pass_counts_of_a_training_objective_count_every_entry():
    from mlgraph import nn

    model = nn.MLP([2, 16, 3], seed=0)
    loss = nn.make_loss(model, "mse")
    Xd, yd = np.zeros((4, 2)), np.zeros((4, 3))
    g = mg.trace(loss, *model.params, Xd, yd)
    entries = sum(p.size for p in model.params) + Xd.size + yd.size
    assert mg.pass_counts(g).forward == entries == 2 * 16 + 16 + 16 * 3 + 3 + 8 + 12
    names = [n for n in model.param_names]
    assert mg.pass_counts(g, wrt=names).forward == sum(p.size for p in model.params)


def test_defect13_a_jacobian_column_per_forward_pass_equals_jacobian(perceptron_graph):
    g = perceptron_graph
    columns = [mg.run(g, m)[-1].value for m in mg.default_modes(g) if
               m.startswith("forward:w[")]
    np.testing.assert_allclose(columns, mg.jacobian(perceptron, argnums=1)(X, W, 3.0))


def test_defect13_default_modes_name_entries_not_whole_vectors(perceptron_graph):
    modes = mg.default_modes(perceptron_graph)
    assert modes[0] == "eval" and modes[-1] == "reverse"
    assert [m for m in modes if m.startswith("forward")] == (
        [f"forward:x[{k}]" for k in range(4)] + [f"forward:w[{k}]" for k in range(4)]
        + ["forward:b"])
    for m in modes:
        mg.run(perceptron_graph, m)          # every default mode runs
    big = mg.trace(lambda W: mnp.sum(W @ W), np.ones((5, 5)))
    assert mg.default_modes(big) == ["eval", "forward:W[0,0]", "reverse"]


# --- defect 14: several outputs --------------------------------------------------------

def sincos(w0, w1, x):
    a = w1 * x + w0
    return mg.sin(a), mg.cos(a)


def test_defect14_trace_a_function_with_two_outputs():
    g = mg.trace(sincos, 0.5, 1.5, 2.0)
    assert len(g.outputs) == 2 and g.output_names == ("y1", "y2")
    text = str(g)
    assert text.endswith(f"y1 = v{g.outputs[0]}\ny2 = v{g.outputs[1]}")
    data = g.to_json()
    assert data["outputs"] == list(g.outputs) and data["output_names"] == ["y1", "y2"]
    with pytest.raises(ValueError, match=r"2 outputs \(y1 = v\d, y2 = v\d\).*outputs"):
        _ = g.output


def test_defect14_both_tangents_in_one_forward_pass():
    (y1, y2), (t1, t2) = mg.jvp(sincos, (0.5, 1.5, 2.0), (0.0, 1.0, 0.0))
    a = 3.5
    assert (y1, y2) == pytest.approx((np.sin(a), np.cos(a)))
    assert round(t1, 3) == -1.873 and round(t2, 4) == 0.7016
    g = mg.trace(sincos, 0.5, 1.5, 2.0)
    events = mg.run(g, "forward:w1")
    final = {e.node: e.value for e in events if e.sweep == "forward"}
    assert final[g.outputs[0]] == pytest.approx(t1) and final[g.outputs[1]] == (
        pytest.approx(t2))
    table = str(mg.trace_table(g, events, wrt="w1"))
    assert "−1.873" in table and "0.7016" in table


def test_defect14_reverse_mode_names_the_output():
    g = mg.trace(sincos, 0.5, 1.5, 2.0)
    with pytest.raises(ValueError, match=r"'reverse' names no output; the outputs are "
                                         r"y1, y2.*'reverse:y1'"):
        mg.run(g, "reverse")
    events = mg.run(g, "reverse:y2")
    adj = {e.node: e.value for e in events if e.sweep == "reverse"}
    grads = mg.grad(lambda *a: sincos(*a)[1], argnums=(0, 1, 2))(0.5, 1.5, 2.0)
    assert [adj[i] for i in g.inputs] == pytest.approx(list(grads))
    table = mg.trace_table(g, events)
    assert any(r.rule == "ȳ2" for r in table.rows)
    both = mg.run(g, "reverse", cotangent=(1.0, 1.0))
    adj = {e.node: e.value for e in both if e.sweep == "reverse"}
    total = mg.grad(lambda *a: sincos(*a)[0] + sincos(*a)[1], argnums=(0, 1, 2))(
        0.5, 1.5, 2.0)
    assert [adj[i] for i in g.inputs] == pytest.approx(list(total))


def test_defect14_vjp_and_jacobian_of_two_outputs():
    (y1, y2), pullback = mg.vjp(sincos, 0.5, 1.5, 2.0)
    assert pullback((1.0, None)) == pytest.approx(
        mg.grad(lambda *a: sincos(*a)[0], argnums=(0, 1, 2))(0.5, 1.5, 2.0))
    for mode in ("reverse", "forward"):
        j1, j2 = mg.jacobian(sincos, argnums=(0, 1), mode=mode)(0.5, 1.5, 2.0)
        a = 3.5
        assert j1 == pytest.approx((np.cos(a), 2 * np.cos(a)))
        assert j2 == pytest.approx((-np.sin(a), -2 * np.sin(a)))


def test_defect14_stacked_outputs_get_a_reverse_mode_per_entry():
    f = lambda w1: mnp.stack([mg.sin(w1 * 2.0), mg.cos(w1 * 2.0)])  # noqa: E731
    g = mg.trace(f, 1.5)
    modes = mg.default_modes(g)
    assert modes == ["eval", "forward:w1", "reverse:y[0]", "reverse:y[1]"]
    with pytest.raises(ValueError, match=r"reverse:y would seed all 2 entries.*"
                                         r"'reverse:y\[0\]'"):
        mg.run(g, "reverse:y")
    rows = [mg.run(g, m)[-1].value for m in modes[2:]]
    np.testing.assert_allclose(np.ravel(rows), mg.jacobian(f)(1.5))


def test_defect14_the_widget_data_of_several_outputs():
    from mlgraph.widget import GraphWidget

    g = mg.trace(sincos, 0.5, 1.5, 2.0)
    w = GraphWidget.from_graph(g, mode="forward:w1")
    assert set(w.streams) == {"eval", "forward:w0", "forward:w1", "forward:x",
                              "reverse:y1", "reverse:y2"}
    assert w.graph["outputs"] == list(g.outputs)
    stacked = mg.trace(lambda w1: mnp.stack([mg.sin(w1), mg.cos(w1)]), 1.5)
    assert "reverse:y[1]" in GraphWidget.from_graph(stacked, mode="forward:w1").streams


def test_defect14_jacobian_takes_tuple_argnums(rng):
    f = lambda a, b: mnp.tanh(a * b)  # noqa: E731
    a, b = rng.normal(size=3), rng.normal(size=3)
    ja, jb = mg.jacobian(f, argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ja, np.diag(b * (1 - np.tanh(a * b) ** 2)))
    np.testing.assert_allclose(jb, np.diag(a * (1 - np.tanh(a * b) ** 2)))
    ha, hb = mg.hessian(lambda a, b: mnp.sum(a * a * b), argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ha[0], np.diag(2 * b))
    np.testing.assert_allclose(ha[1], np.diag(2 * a))


def test_defect14_has_aux_in_value_and_grad_and_grad(rng):
    def loss(w, X, y):
        pred = X @ w
        return mnp.mean((pred - y) ** 2), {"pred": pred, "n": len(y)}
    w, X, y = rng.normal(size=2), rng.normal(size=(5, 2)), rng.normal(size=5)
    (value, aux), g = mg.value_and_grad(loss, has_aux=True)(w, X, y)
    np.testing.assert_allclose(aux["pred"], X @ w)
    assert aux["n"] == 5 and isinstance(aux["pred"], np.ndarray)
    assert value == pytest.approx(np.mean((X @ w - y) ** 2))
    np.testing.assert_allclose(g, 2 * X.T @ (X @ w - y) / 5)
    g2, aux2 = mg.grad(loss, has_aux=True)(w, X, y)
    np.testing.assert_allclose(g2, g)
    reused = mg.value_and_grad(loss, has_aux=True, reuse_graph=True)
    for _ in range(3):
        X = rng.normal(size=(5, 2))
        (_, aux), g = reused(w, X, y)
        np.testing.assert_allclose(aux["pred"], X @ w)
        np.testing.assert_allclose(g, 2 * X.T @ (X @ w - y) / 5)
    with pytest.raises(TypeError, match=r"has_aux=True needs .* to return a pair"):
        mg.grad(lambda w: mnp.sum(w), has_aux=True)(w)


# --- names, Jacobian layouts (issues 10 and 13) ------------------------------------------

def test_names_show_in_the_listing_the_tables_and_the_json():
    def neuron(x, w, b):
        z = mg.name(x @ w + b, "z")
        return mg.name(mg.sigmoid(z), "ŷ")
    g = mg.trace(neuron, X, W, 3.0)
    assert mg.trace(lambda x: (x * 2.0).named("h"), 1.0).names == {2: "h"}
    assert "(z) = v" in str(g) and str(g).endswith(f"ŷ = v{g.outputs[0]}")
    table = mg.trace_table(g, mg.run(g, "reverse"))
    named = {r.name for r in table.rows if r.name}
    assert named == {"z", "ŷ"}
    assert any(str(r).startswith("v̄") and "(z)" in str(r) for r in table.rows)
    labels = {n["label"] for n in g.to_json()["nodes"]}
    assert {"z", "ŷ"} <= labels
    assert g.node("z").op == "add" and g.names[g.node("z").id] == "z"
    # outside a trace the same code runs: a plain value is returned as it is
    assert neuron(X, W, 3.0) == pytest.approx(1 / (1 + np.exp(-3.2)))


def test_names_are_stored_raw():
    hostile = '<b>"z"</b> & {x}'
    g = mg.trace(lambda x: mg.name(x * 2.0, hostile), 1.0)
    out = g.outputs[0]
    assert g.names[out] == hostile and g.to_json()["nodes"][out]["label"] == hostile
    with pytest.raises(ValueError, match="non-empty string"):
        mg.trace(lambda x: mg.name(x, ""), 1.0)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_layouts(mode, rng):
    A = rng.normal(size=(2, 3))
    f = lambda x: mnp.tanh(A @ x)  # noqa: E731
    x = rng.normal(size=3)
    num = mg.jacobian(f, mode=mode)(x)
    den = mg.jacobian(f, mode=mode, layout="denominator")(x)
    want = (1 - np.tanh(A @ x) ** 2)[:, None] * A
    np.testing.assert_allclose(num, want)
    np.testing.assert_allclose(den, want.T)
    M = rng.normal(size=(2, 2))
    den = mg.jacobian(lambda M: M @ M, mode=mode, layout="denominator")(M)
    np.testing.assert_allclose(den, np.transpose(mg.jacobian(lambda M: M @ M)(M),
                                                 (2, 3, 0, 1)))
    with pytest.raises(ValueError, match="layout must be 'numerator'"):
        mg.jacobian(f, layout="rows")


def test_defect13_the_widgets_pass_counts_are_the_kernels(perceptron_graph):
    from mlgraph.widget import GraphWidget

    counts = mg.pass_counts(perceptron_graph)
    shown = GraphWidget.from_graph(perceptron_graph).graph["passes"]
    assert shown == {"forward": counts.forward, "reverse": counts.reverse} == {
        "forward": 9, "reverse": 1}
    two = mg.trace(sincos, 0.5, 1.5, 2.0)
    assert GraphWidget.from_graph(two).graph["passes"] == {"forward": 3, "reverse": 2}
    assert (mg.pass_counts(two).forward, mg.pass_counts(two).reverse) == (3, 2)
