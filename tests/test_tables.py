"""The lecture's trace tables, as text and HTML, with the engine's numbers."""

import numpy as np

import mlgraph as mg


def rows(table, sweep):
    return [str(r) for r in table.rows if r.sweep == sweep]


def test_forward_evaluation_trace(lecture_graph):
    t = mg.trace_table(lecture_graph, mg.run(lecture_graph, "eval"))
    assert rows(t, "eval") == [
        "v0 = x1 = 2", "v1 = x2 = 5", "v2 = ln(v0) = ln(2) = 0.6931",
        "v3 = v0 × v1 = 2 × 5 = 10", "v4 = sin(v1) = sin(5) = −0.9589",
        "v5 = v2 + v3 = 0.6931 + 10 = 10.693", "v6 = v5 − v4 = 10.693 − (−0.9589) = 11.652"]


def test_forward_derivative_trace(lecture_graph):
    t = mg.trace_table(lecture_graph, mg.run(lecture_graph, "forward:x1"), wrt="x1")
    assert rows(t, "forward") == [
        "v̇0 = 1", "v̇1 = 0", "v̇2 = v̇0·(1/v0) = 1·0.5 = 0.5",
        "v̇3 = v̇0·v1 + v̇1·v0 = 1·5 + 0·2 = 5", "v̇4 = v̇1·cos(v1) = 0·0.2837 = 0",
        "v̇5 = v̇2 + v̇3 = 0.5 + 5 = 5.5", "v̇6 = v̇5 − v̇4 = 5.5 − 0 = 5.5"]
    assert "Forward Derivative Trace (∂/∂x1)" in str(t)


def test_backward_adjoint_trace(lecture_graph):
    events = mg.run(lecture_graph, "reverse")
    t = mg.trace_table(lecture_graph, events)
    assert rows(t, "reverse") == [
        "v̄6 = ȳ = 1", "v̄5 = v̄6 = 1", "v̄4 = −v̄6 = −1", "v̄3 = v̄5 = 1", "v̄2 = v̄5 = 1",
        "v̄1 = v̄3·v0 + v̄4·cos(v1) = 1·2 + (−1)·0.2837 = 1.716",
        "v̄0 = v̄2·(1/v0) + v̄3·v1 = 1·0.5 + 1·5 = 5.5"]
    # every row's value is the event it names
    for r in t.rows:
        assert r.value == mg.tables.fmt(events[r.step].value)
    assert t.rows[-1].step == events[-1].step and t.rows[-1].lhs == "v̄0"


def test_html_is_escaped_and_marks_steps(lecture_graph):
    g = mg.trace(lambda x: x * 2.0, mg.Tensor(1.0, name="<img src=x onerror=alert(1)>"))
    html = mg.trace_table(g, mg.run(g, "eval"))._repr_html_()
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    html = mg.trace_table(lecture_graph, mg.run(lecture_graph, "reverse"))._repr_html_()
    assert "Backward Adjoint Trace" in html and 'data-step="' in html


def test_tensor_rows_show_shapes_not_fake_numbers():
    g = mg.trace(lambda W: mg.tanh(W).sum(), np.ones((3, 3)))
    t = mg.trace_table(g, mg.run(g, "reverse"))
    assert any("⟨3×3⟩" in str(r) for r in t.rows)
    assert t.to_json()[0].keys() == {"step", "sweep", "node", "lhs", "rule", "numbers", "value", "name"}


def test_a_row_whose_numbers_only_repeat_its_value_skips_them():
    """A lone contribution (a tensor's, or one with no numeric partial) is the value
    itself: the row reads v̄3 = v̄4 = [−1, −1], not v̄3 = v̄4 = ([−1, −1]) = [−1, −1]."""
    def f(x):
        return -mg.numpy.sum(mg.numpy.tanh(x))
    g = mg.trace(f, np.array([0.3, 0.3]))
    table = mg.trace_table(g, mg.run(g, "reverse"))
    text = str(table)
    row = next(r for r in table.rows if r.sweep == "reverse" and r.rule == "v̄2")
    assert row.numbers == f"({row.value})" and row.shown_numbers == ""
    assert f"= {row.rule} = {row.value}" in text and f"({row.value})" not in text
    assert f"({row.value})" not in table._repr_html_()


def test_the_seed_of_an_output_named_with_an_accent_reads_as_a_derivative():
    """ŷ with a bar over its hat does not render: its seed row reads ∂ŷ/∂ŷ."""
    g = mg.trace(lambda x: mg.name(mg.sigmoid(x), "ŷ"), 0.5)
    seed = next(r for r in mg.trace_table(g, mg.run(g, "reverse")).rows
                if r.sweep == "reverse" and r.numbers == "")
    assert seed.rule == "∂ŷ/∂ŷ" and seed.value == "1"
    g = mg.trace(lambda x: mg.sigmoid(x), 0.5)
    assert "ȳ" in str(mg.trace_table(g, mg.run(g, "reverse")))
