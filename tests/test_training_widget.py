import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pytest
import traitlets

import mlgraph
from mlgraph import training_widget
from mlgraph.training_widget import (
    GRAPH_BATCH,
    TrainingWidget,
    loss_text,
    percent_text,
)
from mlgraph.widget import GraphWidget


def test_defaults_and_state_are_json():
    w = TrainingWidget()
    assert w.epoch == 0 and w.network["sizes"] == [2, 8, 8, 1]
    assert len(w.boundary["values"]) == w.boundary["n"] ** 2
    assert len(w.points["x"]) == len(w.points["y"]) == len(w.points["train"])
    json.dumps(w.get_state())


def test_step_trains_and_updates_the_view_traits():
    w = TrainingWidget(dataset="xor", hidden="8", lr=0.5, batch_size=0)
    before = list(w.boundary["values"])
    w.step(5)
    assert w.epoch == 5 and len(w.history["train_loss"]) == 5
    assert w.boundary["values"] != before
    w.step_requests += 1  # the view's step button
    assert w.epoch == 6
    w.reset_requests += 1  # the view's reset button
    assert w.epoch == 0 and w.history["epoch"] == []


def test_controls_rebuild_or_retune():
    w = TrainingWidget()
    w.step(2)
    w.lr = 0.3  # a hyper-parameter: training continues
    assert w.epoch == 2 and w.trainer.optimizer.lr == 0.3
    w.dataset = "spiral"  # structure: a new model
    assert w.epoch == 0 and w.network["sizes"] == [2, 8, 8, 3]
    assert "confidence" in w.boundary
    w.dataset = "iris"
    assert w.points["features"] == ["petal_length", "petal_width"]
    w.hidden = ""
    assert w.network["sizes"] == [2, 3]


@pytest.mark.parametrize(
    "trait, value, match",
    [
        ("lr", -1.0, "lr must be positive"),
        ("hidden", "8,x", "hidden must list"),
        ("dataset", "mnist", "dataset must be one of"),
        ("activation", "gelu", "activation"),
        ("batch_size", -2, "batch_size must be"),
    ],
)
def test_bad_controls_are_explained(trait, value, match):
    w = TrainingWidget()
    with pytest.raises(traitlets.TraitError, match=match):
        setattr(w, trait, value)


def test_divergence_is_shown_not_raised():
    w = TrainingWidget(dataset="plane", activation="relu", hidden="16,16", lr=5.0)
    w.step(30)
    assert "diverged" in w.message and "layer W" in w.message and not w.running


def test_play_without_an_event_loop_says_what_to_do():
    w = TrainingWidget()
    w.running = True
    assert not w.running and "step(" in w.message


def test_view_renders_and_writes_controls(tmp_path):
    w = TrainingWidget(hidden="4,3")
    w.step(3)
    state = tmp_path / "state.json"
    state.write_text(json.dumps(w.get_state()))
    script = Path(__file__).parent / "js" / "trainer_widget_smoke.mjs"
    out = subprocess.run(
        ["node", str(script), str(state)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    got = json.loads(out.stdout)
    assert got["lines"] == 2 * 4 + 4 * 3 + 3 * 1  # one edge per weight
    assert got["circles"] == 2 + 4 + 3 + 1  # one per neuron
    assert got["polylines"] == 2  # train and test loss
    assert got["running"] is True and got["lr"] == 0.5  # play and the lr box
    assert got["epoch"] == "epoch 3" and got["handlers_left"] == 0
    assert got["root_epoch"] == "3"
    assert got["actions"] == ["play", "pause", "step", "reset"] and got["pause_hidden"]
    # every number shown is the kernel's, printed as loss_text / percent_text print it
    h = w.trainer.history
    assert got["metrics"] == {
        "train_loss": loss_text(h["train_loss"][-1]),
        "test_loss": loss_text(h["test_loss"][-1]),
        "train_accuracy": percent_text(h["train_accuracy"][-1]),
        "test_accuracy": percent_text(h["test_accuracy"][-1]),
    }
    assert got["neurons"][:3] == ["0:0", "0:1", "1:0"] and len(got["neurons"]) == 10
    params = w.trainer.model.state_dict()
    for name, stroke, sign in got["edges"]:
        W, (i, j) = params[name[:2]], map(int, name[3:-1].split(","))
        assert sign == ("+" if W[i, j] >= 0 else "-")
        assert stroke == ("#0877bd" if W[i, j] >= 0 else "#f59322")


def test_js_and_python_print_numbers_alike(tmp_path):
    values = [0.69314718, 0.1, 1e-5, 12.345678, 0.000049999, 2.5e6, None, math.nan]
    module = Path(__file__).parents[1] / "mlgraph" / "assets" / "trainer_widget.js"
    sent = [v if v is None or math.isfinite(v) else None for v in values]
    js = (
        f"import {{ lossText, percentText }} from {json.dumps(module.as_uri())};"
        f"const vs = {json.dumps(sent)};"
        "console.log(JSON.stringify([vs.map(lossText), vs.map(percentText)]));"
    )
    script = tmp_path / "fmt.mjs"
    script.write_text(js)
    out = subprocess.run(
        ["node", str(script)], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout) == [
        [loss_text(v) for v in values],
        [percent_text(v) for v in values],
    ]


def test_history_keeps_the_last_epoch(monkeypatch):
    monkeypatch.setattr(training_widget, "MAX_CURVE", 10)
    w = TrainingWidget(dataset="xor", hidden="4", batch_size=0)
    w.step(37)
    assert w.history["epoch"][-1] == 37 and len(w.history["epoch"]) <= 20
    assert w.history["train_loss"][-1] == w.trainer.history["train_loss"][-1]


def test_graph_view_is_the_loss_graph_by_layer():
    w = TrainingWidget(hidden="4,3")
    assert isinstance(w.graph_widget, GraphWidget)
    assert w.get_state()["graph_widget"] == f"anywidget:{w.graph_widget.model_id}"
    g = w.loss_graph().to_json()
    assert {n["scope"] for n in g["nodes"]} == {"", "layer1", "layer2", "layer3"}
    assert [n["name"] for n in w.graph_widget.graph["nodes"]] == [
        n["name"] for n in g["nodes"]
    ]
    assert set(w.graph_widget.streams) == {"eval", "reverse"}
    # the reverse sweep's cotangents of W1 are the kernel's gradient on that batch
    t = w.trainer
    _, grads = mlgraph.value_and_grad(t.objective, argnums=(0,))(
        *t.model.params, t.X_train[:GRAPH_BATCH], t.y_train[:GRAPH_BATCH]
    )
    w1_events = [e for e in w.graph_widget.streams["reverse"] if e["node"] == 0]
    final = w1_events[-1]["value"]
    np.testing.assert_allclose(final, grads[0], rtol=1e-6, atol=1e-9)
    w.step(2)
    assert w.graph_epoch == 2
    w.step(3, graph=False)  # what play does on each tick
    assert w.graph_epoch == 2 and w.epoch == 5
    w.running = False  # (already paused) no change, no refresh
    w.hidden = "5"
    assert w.graph_epoch == 0 and {
        n.get("scope", "") for n in w.loss_graph().to_json()["nodes"]
    } == {"", "layer1", "layer2"}


def test_play_trains_in_the_event_loop_until_paused():
    import asyncio

    async def session():
        w = TrainingWidget(dataset="xor", hidden="8", lr=0.5)
        w.running = True  # the view's play button
        await asyncio.sleep(0.2)
        w.running = False  # pause arrives between two ticks
        await asyncio.sleep(0.1)
        paused_at = w.epoch
        await asyncio.sleep(0.1)
        return paused_at, w.epoch

    paused_at, later = asyncio.run(session())
    assert paused_at > 0 and later == paused_at


def test_boundary_is_the_models_output_on_the_grid():
    w = TrainingWidget(hidden="4")
    w.step(3)
    x0, x1, y0, y1 = w.points["bounds"]
    n = w.boundary["n"]
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y1, y0, n))
    z = np.asarray(w.trainer.model(np.c_[gx.ravel(), gy.ravel()]))[:, 0]
    p = 1 / (1 + np.exp(-z))  # P(class 1) of the logits
    np.testing.assert_allclose(w.boundary["values"], p, atol=5e-4)
