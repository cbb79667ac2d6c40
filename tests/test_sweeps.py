"""The three sweeps: the lectures' traces, event invariants, replay, and the JS fixture."""

import json
from pathlib import Path

import numpy as np
import pytest

import mlgraph as mg
from mlgraph.events import Mode, replay

FIXTURE = Path(__file__).parent / "fixtures" / "sweep_f_xy.json"


def by(events, sweep, kind=None):
    return [e for e in events if e.sweep == sweep and (kind is None or e.kind == kind)]


def test_eval_sweep_reproduces_the_forward_evaluation_trace(lecture_graph):
    events = list(mg.eval_sweep(lecture_graph))
    assert [e.node for e in events] == list(range(7))
    assert [e.kind for e in events] == ["seed", "seed"] + ["visit"] * 5
    np.testing.assert_allclose([float(e.value) for e in events],
                               [2, 5, 0.693147, 10, -0.958924, 10.693147, 11.652071],
                               atol=1e-6)


def test_eval_sweep_with_new_inputs_recomputes(lecture_graph):
    last = list(mg.eval_sweep(lecture_graph, 1.0, 0.0))[-1]
    assert float(last.value) == pytest.approx(0.0)


def test_forward_mode_tangent_trace_interleaves(lecture_graph):
    events = list(mg.forward_sweep(lecture_graph, wrt="x1"))
    sweeps = [e.sweep for e in events]
    assert sweeps == ["eval", "forward"] * 7     # primal and tangent advance together
    tangents = [float(e.value) for e in by(events, "forward")]
    assert tangents == [1.0, 0.0, 0.5, 5.0, 0.0, 5.5, 5.5]
    assert [e.step for e in events] == list(range(14))


def test_forward_mode_in_any_direction(lecture_graph):
    events = list(mg.forward_sweep(lecture_graph, tangents=(1.0, 1.0)))
    assert float(events[-1].value) == pytest.approx(5.5 + 1.716337814, abs=1e-9)


def test_reverse_mode_adjoint_trace(lecture_graph):
    events = mg.run(lecture_graph, "reverse")
    assert [e.sweep for e in events[:7]] == ["eval"] * 7
    assert [e.step for e in events] == list(range(len(events)))
    rev = by(events, "reverse")
    assert rev[0].kind == "seed" and rev[0].node == 6 and float(rev[0].value) == 1.0
    visits = by(events, "reverse", "visit")
    assert [e.node for e in visits] == [6, 5, 4, 3, 2, 1, 0]
    adj = {e.node: float(e.value) for e in visits}
    assert adj[6] == 1 and adj[5] == 1 and adj[4] == -1 and adj[3] == 1 and adj[2] == 1
    assert round(adj[1], 3) == 1.716 and adj[0] == 5.5


def test_two_contributions_into_x2_come_before_its_visit(lecture_graph):
    events = mg.run(lecture_graph, "reverse")
    into_v1 = [e for e in events if e.kind == "accumulate" and e.node == 1]
    assert [(e.src, e.argnum) for e in into_v1] == [(4, 0), (3, 1)]
    assert float(into_v1[0].delta) == pytest.approx(-np.cos(5.0))
    assert float(into_v1[1].delta) == 2.0
    assert float(into_v1[1].value) == pytest.approx(2.0 - np.cos(5.0))   # running total
    visit = next(e for e in events if e.sweep == "reverse" and e.kind == "visit"
                 and e.node == 1)
    assert all(e.step < visit.step for e in into_v1)


def test_x_times_x_gets_two_accumulate_events():
    g = mg.trace(lambda x: x * x, 3.0)
    acc = [e for e in mg.reverse_sweep(g) if e.kind == "accumulate"]
    assert [(e.node, e.src, e.argnum, float(e.delta)) for e in acc] == [
        (0, 1, 0, 3.0), (0, 1, 1, 3.0)]
    assert float(acc[-1].value) == 6.0


@pytest.mark.parametrize("seed", range(5))
def test_event_invariants_on_tensor_graphs(seed):
    rng = np.random.default_rng(seed)
    W, x = rng.normal(size=(3, 4)), rng.normal(size=(1, 4))

    def f(W, x):
        h = mg.tanh(x * W + 0.5)              # broadcasting (1,4) against (3,4)
        return mg.numpy.logsumexp(h @ W.T).sum() + (h * h).mean()
    g = mg.trace(f, W, x)
    events = mg.run(g, "reverse")
    assert [e.step for e in events] == list(range(len(events)))
    evals = [e.node for e in by(events, "eval")]
    assert evals == sorted(evals)
    visits = [e.node for e in by(events, "reverse", "visit")]
    assert visits == sorted(visits, reverse=True)
    for e in by(events, "reverse"):
        assert np.shape(e.value) == g.nodes[e.node].shape
        if e.kind == "accumulate":
            assert np.shape(e.delta) == g.nodes[e.node].shape
    final = {e.node: e.value for e in by(events, "reverse", "visit")}
    gW, gx = mg.grad(f, argnums=(0, 1))(W, x)
    np.testing.assert_array_equal(final[0], gW)
    np.testing.assert_array_equal(final[1], gx)
    direction = (rng.normal(size=W.shape), rng.normal(size=x.shape))
    last = list(mg.forward_sweep(g, tangents=direction))[-1]
    assert float(last.value) == pytest.approx(
        np.sum(gW * direction[0]) + np.sum(gx * direction[1]), rel=1e-10)


def test_unused_inputs_get_zero_gradients():
    g = mg.trace(lambda a, b: a * 2.0, 1.0, 7.0)
    visits = {e.node: float(e.value) for e in mg.reverse_sweep(g) if e.kind == "visit"}
    assert visits[1] == 0.0
    assert mg.grad(lambda a, b: a * 2.0, argnums=(0, 1))(1.0, 7.0) == (2.0, 0.0)


def test_event_json_is_compact_and_summarizes_big_arrays():
    g = mg.trace(lambda W: (W * 2.0).sum(), np.ones((20, 20)))
    d = mg.run(g, "reverse")[-1].to_json()
    assert d["value"] == {"shape": [20, 20], "min": 2.0, "max": 2.0, "mean": 2.0,
                          "summary": True}
    acc = next(e for e in mg.run(g, "reverse") if e.kind == "accumulate").to_json()
    assert set(acc) == {"step", "sweep", "kind", "node", "value", "src", "argnum", "delta"}
    json.dumps(acc)


def test_replay_statuses(lecture_graph):
    events = mg.run(lecture_graph, "reverse")
    assert all(s["status"] == "pending" for s in replay(events, -1).values())
    end_eval = replay(events, 6)
    assert end_eval[6]["status"] == "active" and end_eval[0]["status"] == "done"
    first_rev = replay(events, 7)            # the seed of the output's cotangent
    assert first_rev[6]["status"] == "active" and first_rev[0]["status"] == "pending"
    assert first_rev[0]["primal"] == 2.0 and first_rev[0]["cotangent"] is None
    end = replay(events, len(events) - 1)
    assert end[0]["cotangent"] == 5.5 and round(end[1]["cotangent"], 3) == 1.716
    with pytest.raises(ValueError, match="cursor must be between -1 and"):
        replay(events, len(events))


def test_write_the_js_fixture(lecture_graph):
    """The contract between Python and js/state.js: same events, same replayed state."""
    g = lecture_graph
    modes = {}
    for mode in ("eval", "forward:x1", "forward:x2", "reverse"):
        events = [e.to_json() for e in mg.run(g, mode)]
        modes[mode] = {"events": events,
                       "states": [{str(k): v for k, v in replay(events, c).items()}
                                  for c in range(-1, len(events))]}
    x2 = mg.trace(lambda x: x * x, 3.0)
    events = [e.to_json() for e in mg.run(x2, "reverse")]
    modes["square:reverse"] = {"events": events, "states": [
        {str(k): v for k, v in replay(events, c).items()} for c in range(-1, len(events))]}
    data = {"graph": g.to_json(), "modes": modes}
    FIXTURE.parent.mkdir(exist_ok=True)
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    if FIXTURE.exists() and FIXTURE.read_text() == text:
        return
    FIXTURE.write_text(text)
    assert json.loads(FIXTURE.read_text()) == data


@pytest.mark.parametrize("text", ["eval", "reverse", "forward", "forward:x1", "forward:W_1"])
def test_mode_text_round_trips(text):
    assert str(Mode.parse(text)) == text
    assert Mode.parse(Mode.parse(text)) == Mode.parse(text)


@pytest.mark.parametrize("text", ["", "Forward:x1", "forward:", "forward:x y", "back", 3])
def test_unknown_modes_are_refused_with_the_choices(text):
    with pytest.raises(ValueError, match="use 'eval', 'forward:<input>' or 'reverse'"):
        Mode.parse(text)


def test_a_mode_is_resolved_against_the_graphs_inputs(lecture_graph):
    assert Mode.parse("forward").resolve(["x"]) == Mode("forward", "x")
    with pytest.raises(ValueError, match="names no input.*x1, x2.*'forward:x1'"):
        Mode.parse("forward").resolve(["x1", "x2"])
    with pytest.raises(ValueError, match="'x3', which is not an input"):
        Mode.parse("forward:x3").resolve(["x1", "x2"])
    same = [e.to_json() for e in mg.run(lecture_graph, Mode("forward", "x2"))]
    assert same == [e.to_json() for e in mg.run(lecture_graph, "forward:x2")]
