"""mg.forward_memory: what a forward sweep holds at each step, and what it may free."""

import numpy as np
import pytest

import mlgraph as mg


def _replay_with_only_held(g, memory):
    """Recompute every node from the values `memory` says are held at each step."""
    values = {}
    for step in memory.steps:
        i = step.node
        values |= {j: g.values[j] for j in step.held if g.kind(j) == "const"}
        assert set(g.args[i]) <= set(values), f"v{i} reads a value no longer held"
        row = [values.get(j) for j in range(len(g))]
        values[i] = g.values[i] if g.prims[i] is None else g.apply(i, row)
        values = {j: v for j, v in values.items()
                  if j in step.held and j not in step.freed}
    return values


def test_lecture_graph_frees_each_value_after_its_last_reader(lecture_graph):
    m = mg.forward_memory(lecture_graph)
    assert [s.freed for s in m.steps] == [(), (), (), (0,), (1,), (2, 3), (4, 5)]
    assert m.steps[3].held == (0, 1, 2, 3)
    assert (m.peak, m.peak_numbers) == (4, 8)  # primal and tangent of four scalars
    assert (m.reverse_nodes, m.reverse_numbers) == (7, 14)
    assert str(m).splitlines()[4].split() == ["v3", "v0", "v1", "v2", "v3", "v0"]
    assert str(m).endswith("holds at most 4 nodes (8 numbers); reverse mode keeps all "
                           "7 (14 numbers)")


def test_a_chain_holds_two_nodes_however_long_it_is():
    def chain(x):
        for _ in range(50):
            x = mg.sin(x)
        return x

    m = mg.forward_memory(mg.trace(chain, x=0.5))
    assert m.peak == 2 and m.reverse_nodes == 51
    assert all(len(s.freed) == (1 if s.node else 0) for s in m.steps)


def test_constants_are_held_only_while_read():
    def deep(x):
        for _ in range(40):
            x = mg.tanh(1.5 * x)
        return x

    g = mg.trace(deep, x=0.3)
    m = mg.forward_memory(g)
    assert len(m.steps) == 81 and m.reverse_nodes == 121  # x, 40 × and 40 tanh
    assert m.peak == 3  # the previous value, the constant 1.5 and the product
    assert list(_replay_with_only_held(g, m)) == list(g.outputs)


@pytest.mark.parametrize("case", ["lecture", "shared", "several_outputs", "vectors"])
def test_the_values_held_suffice_to_recompute_every_node(case, lecture_graph):
    x, w = np.array([2.0, 3.0, -1.0, 5.0]), np.array([0.1, 0.5, 2.5, 0.2])
    g = {
        "lecture": lambda: lecture_graph,
        "shared": lambda: mg.trace(
            lambda x, y: x * (x + y) + mg.log(x + y) + y * y, x=2.0, y=3.0),
        "several_outputs": lambda: mg.trace(
            lambda x, w0, w1: (mg.sin(w1 * x + w0), mg.cos(w1 * x + w0)),
            x=2.0, w0=0.5, w1=1.5),
        "vectors": lambda: mg.trace(lambda x, w, b: mg.sigmoid(x @ w + b), x, w, 3.0),
    }[case]()
    m = mg.forward_memory(g)
    values = _replay_with_only_held(g, m)
    for out in g.outputs:  # an output is never freed, and comes out right
        assert np.allclose(values[out], g.values[out])
        assert all(out not in s.freed for s in m.steps)
    freed = [j for s in m.steps for j in s.freed]
    assert len(freed) == len(set(freed))  # each value is freed at most once
    assert m.peak == max(len(s.held) for s in m.steps) <= m.reverse_nodes


def test_numbers_count_entries_and_tangents_only_where_a_derivative_flows():
    x, w = np.array([2.0, 3.0, -1.0, 5.0]), np.array([0.1, 0.5, 2.5, 0.2])
    g = mg.trace(lambda x, w, b: mg.sigmoid(x @ w + b), x, w, 3.0)
    m = mg.forward_memory(g)
    # x @ w is computed while x and w (4 entries each) and b are held: 2·(4 + 4 + 1 + 1)
    matmul = next(s for s in m.steps if g.op(s.node) == "matmul")
    assert matmul.numbers == 2 * (4 + 4 + 1 + 1)
    assert m.reverse_numbers == 2 * (4 + 4 + 1 + 1 + 1 + 1)
