"""TrainingWidget's traits: every number the view prints is the engine's, as text."""

import asyncio
import json
import os
from pathlib import Path

import numpy as np
import pytest
import traitlets

import mlgraph
from mlgraph import datasets, nn
from mlgraph.tables import fmt
from mlgraph.training_widget import (
    GRAPH_BATCH,
    NEURON_GRID,
    TrainingWidget,
    loss_text,
    percent_text,
)
from mlgraph.widget import GraphWidget

FIXTURE = Path(__file__).parents[1] / "js" / "trainer" / "testing" / "state.json"
HOSTILE = '<img src=x onerror="window.__pwned=1">" URL="javascript:1" {{x}} \\n'


def _grid(bounds, n):
    x0, x1, y0, y1 = bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y1, y0, n))
    return np.c_[gx.ravel(), gy.ravel()]


def test_defaults_and_state_are_json():
    w = TrainingWidget()
    assert w.epoch == 0 and w.network["sizes"] == [2, 8, 8, 1]
    assert len(w.boundary["values"]) == w.boundary["n"] ** 2
    assert len(w.points["x"]) == len(w.points["y"]) == len(w.points["train"])
    assert w.text["train_loss"] == "–" and w.curve["epoch"] == []
    json.dumps(w.get_state())


def test_printed_numbers_are_the_kernels_history():
    w = TrainingWidget(dataset="xor", hidden="4", lr=0.5, batch_size=0)
    w.step(5)
    h = w.trainer.history
    assert w.epoch == 5 and w.text["epoch"] == "5"
    for key in ("train_loss", "test_loss"):
        assert w.text[key] == loss_text(h[key][-1]) == f"{h[key][-1]:.4f}"
        assert w.curve[key][-1] == h[key][-1]
        assert w.curve[key + "_text"] == [loss_text(v) for v in h[key]]
    for key in ("train_accuracy", "test_accuracy"):
        assert w.text[key] == percent_text(h[key][-1])
    assert w.curve["epoch"] == h["epoch"] == [1, 2, 3, 4, 5]
    top = max(h["train_loss"] + h["test_loss"])
    assert w.curve["y_max"] >= top and w.curve["y_ticks"][0] == [0.0, "0"]
    w.step_requests += 1  # the view's "1 epoch" button
    assert w.epoch == 6 and w.text["epoch"] == "6"
    w.reset_requests += 1  # the view's reset button
    assert w.epoch == 0 and w.curve["epoch"] == [] and w.text["test_loss"] == "–"


@pytest.mark.parametrize(
    "v, text",
    [
        (0.69314718, "0.6931"),
        (2.5e6, "2.500e+06"),
        (None, "–"),
        (float("nan"), "NaN"),
        (float("inf"), "∞"),
    ],
)
def test_loss_text(v, text):
    assert loss_text(v) == text


def test_boundary_is_the_models_output_on_the_grid():
    w = TrainingWidget(hidden="4")
    w.step(3)
    X = _grid(w.points["bounds"], w.boundary["n"])
    z = np.asarray(w.trainer.model(X))[:, 0]
    p = 1 / (1 + np.exp(-z))  # P(class 1) of the logits, on the colour scale 2p - 1
    np.testing.assert_allclose(w.boundary["values"], 2 * p - 1, atol=5e-4)


def test_multiclass_boundary_is_the_predicted_class():
    w = TrainingWidget(dataset="spiral", hidden="6")
    w.step(2)
    X = _grid(w.points["bounds"], w.boundary["n"])
    assert w.boundary["classes"] == list(w.trainer.predict(X))
    assert w.network["sizes"] == [2, 6, 3] and len(w.network["tiles"][-1]) == 3


def test_neuron_tiles_weights_and_gradients_are_the_engines():
    w = TrainingWidget(dataset="moons", hidden="3,2", activation="tanh")
    w.step(4)
    net, model, t = w.network, w.trainer.model, w.trainer
    X = _grid(w.points["bounds"], NEURON_GRID)
    W1, b1, W2, b2, W3, b3 = model.params
    h1 = np.tanh(X @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    out = 2 / (1 + np.exp(-(h2 @ W3 + b3))) - 1  # the output tile: 2 P(class 1) - 1
    np.testing.assert_allclose(np.array(net["tiles"][1]).T, h1, atol=6e-3)
    np.testing.assert_allclose(np.array(net["tiles"][2]).T, h2, atol=6e-3)
    np.testing.assert_allclose(np.array(net["tiles"][3]).T, out, atol=6e-3)
    assert np.abs(net["tiles"][0]).max() == 1.0  # the features span the scale
    assert net["weights"][1] == W2.tolist() and net["biases"][2] == b3.tolist()
    assert net["weight_text"][0][1][2] == fmt(W1[1, 2])
    assert net["bias_text"][1][0] == fmt(b2[0])
    _, grads = mlgraph.value_and_grad(t.objective, argnums=tuple(range(6)))(
        *model.params, t.X_train, t.y_train
    )
    assert net["weight_grad"][2] == [[fmt(v) for v in row] for row in grads[4]]
    assert net["bias_grad"][0] == [fmt(v) for v in grads[1]]


def test_controls_rebuild_or_retune():
    w = TrainingWidget()
    w.step(2)
    w.lr = 0.25  # a hyper-parameter: training continues; the view lists the value
    assert w.epoch == 2 and w.trainer.optimizer.lr == 0.25
    assert [0.25, "0.25"] in w.choices["lr"]
    w.l1 = 0.01  # L1 joins the objective without a restart
    t = w.trainer
    X, y = t.X_train[:8], t.y_train[:8]
    want = nn.make_loss(t.model, t.loss, l1=0.01)(*t.model.params, X, y)
    assert w.epoch == 2 and float(t.objective(*t.model.params, X, y)) == float(want)
    w.dataset = "spiral"  # structure: a new model
    assert w.epoch == 0 and w.network["sizes"] == [2, 8, 8, 3]
    w.dataset = "iris"
    assert w.points["features"] == ["petal_length", "petal_width"]
    w.hidden = ""
    assert w.network["sizes"] == [2, 3]
    w.hidden = "2, 3"
    assert w.hidden == "2,3" and w.network["sizes"] == [2, 2, 3, 3]


@pytest.mark.parametrize(
    "trait, value, match",
    [
        ("lr", -1.0, "lr must be positive"),
        ("hidden", "8,x", "hidden must list"),
        ("hidden", "9", "between 1 and 8"),
        ("hidden", "1,1,1,1,1,1,1", "up to 6"),
        ("dataset", "mnist", "dataset must be one of"),
        ("activation", "gelu", "activation"),
        ("batch_size", -2, "batch_size must be"),
        ("speed", -1.0, "speed must be"),
        ("stop_after", -5, "stop_after must be"),
    ],
)
def test_bad_controls_are_explained(trait, value, match):
    w = TrainingWidget()
    with pytest.raises(traitlets.TraitError, match=match):
        setattr(w, trait, value)


def test_divergence_is_shown_not_raised():
    w = TrainingWidget(dataset="plane", activation="relu", hidden="8,8", lr=3.0)
    w.step(30)
    assert "diverged" in w.message and "layer W" in w.message and not w.running
    h = w.trainer.history["train_loss"]
    assert w.text["train_loss"] == loss_text(h[-1] if h else None)


def test_play_without_an_event_loop_says_what_to_do():
    w = TrainingWidget()
    w.running = True
    assert not w.running and "step(" in w.message


def _play(w, seconds):
    async def session():
        w.running = True  # the view's play button
        await asyncio.sleep(seconds)
        w.running = False  # pause arrives between two ticks
        await asyncio.sleep(0.2)
        paused_at = w.epoch
        await asyncio.sleep(0.2)
        return paused_at, w.epoch

    return asyncio.run(session())


def test_play_keeps_to_its_speed_and_pauses():
    w = TrainingWidget(dataset="xor", hidden="4", speed=5.0, stop_after=0)
    paused_at, later = _play(w, 1.0)
    # 5 epochs/s for 1 s: the first epoch at once, then one every 0.2 s
    assert 1 <= paused_at <= 7 and later == paused_at
    assert w.text["train_loss"] == loss_text(w.trainer.history["train_loss"][-1])


def test_play_stops_after_n_epochs():
    w = TrainingWidget(dataset="xor", hidden="4", speed=0.0, stop_after=7)
    w.step(2)

    async def session():
        w.running = True
        assert w.stop_epoch == 9 and w.text.get("stop") is None
        w.stop_after = 3  # changed while playing: counted from the current epoch
        assert w.stop_epoch == 5
        for _ in range(200):
            await asyncio.sleep(0.02)
            if not w.running:
                break
        await asyncio.sleep(0.1)

    asyncio.run(session())
    assert w.epoch == 5 and not w.running and w.stop_epoch == 0
    assert w.text["epoch"] == "5" and "stop" not in w.text


def test_graph_tab_traces_the_loss_on_the_ringed_examples():
    w = TrainingWidget(hidden="4,3")
    assert isinstance(w.graph_widget, GraphWidget)
    assert w.get_state()["graph_widget"] == f"anywidget:{w.graph_widget.model_id}"
    assert w.points["traced"] == list(range(GRAPH_BATCH))
    w.step(3)
    assert w.graph_epoch == 0  # not re-traced while the tab is hidden...
    w.tab = "graph"  # ...but as soon as it is shown
    assert w.graph_epoch == 3 and "epoch 3." in w.text["graph"]
    assert "examples 1, 2, 3, 4" in w.text["graph"]
    g = w.loss_graph().to_json()
    assert {n["scope"] for n in g["nodes"]} == {"", "layer1", "layer2", "layer3"}
    assert [n["name"] for n in w.graph_widget.graph["nodes"]] == [
        n["name"] for n in g["nodes"]
    ]
    # the reverse sweep's cotangent of W1 is the kernel's gradient on those examples
    t = w.trainer
    _, grads = mlgraph.value_and_grad(t.objective, argnums=(0,))(
        *t.model.params, t.X_train[:GRAPH_BATCH], t.y_train[:GRAPH_BATCH]
    )
    final = [e for e in w.graph_widget.streams["reverse"] if e["node"] == 0][-1]
    np.testing.assert_allclose(final["value"], grads[0], rtol=1e-6, atol=1e-9)
    w.step(2)  # shown: every epoch re-traces it
    assert w.graph_epoch == 5
    w.graph_examples = [7]
    assert w.points["traced"] == [7] and "example 1 " in w.text["graph"]
    X = [n for n in w.loss_graph().to_json()["nodes"] if n["label"] == "X"]
    assert [list(n["shape"]) for n in X] == [[1, 2]]  # one example traced


def test_own_data_with_hostile_names_stays_text():
    d = datasets.moons(n=60, seed=1)
    d.name, d.feature_names = HOSTILE, (HOSTILE + "1", "<b>x2</b>")
    w = TrainingWidget(data=d, title=HOSTILE)
    assert w.dataset == HOSTILE and [HOSTILE, HOSTILE] in w.choices["dataset"]
    assert w.points["features"] == [HOSTILE + "1", "<b>x2</b>"]
    assert w.title == HOSTILE
    w.step(1)
    w.reset()
    assert w.data is d
    w.dataset = "xor"  # the dropdown's other entries are the shipped datasets
    assert w.data.name == "xor" and w.points["features"] == ["x1", "x2"]
    w.dataset = HOSTILE
    assert w.data is d
    with pytest.raises(ValueError, match="2 features"):
        TrainingWidget(data=datasets.iris())


def test_js_fixture_is_current():
    """js/trainer/testing/state.json is the state the node tests render: regenerate it
    with MLGRAPH_WRITE_FIXTURES=1 when the traits change."""
    got = fixture_state()
    if os.environ.get("MLGRAPH_WRITE_FIXTURES") == "1":
        FIXTURE.write_text(json.dumps(got, ensure_ascii=False) + "\n")
    assert json.loads(FIXTURE.read_text()) == got


def fixture_state():
    w = TrainingWidget(dataset="xor", hidden="3,2", lr=0.3, seed=0)
    w.step(4)
    state = w.get_state()
    for ref in ("graph_widget", "layout"):  # model ids: new every run
        state.pop(ref)
    keep = {k for k in state if not k.startswith("_") or k == "_view_name"}
    return json.loads(json.dumps({k: state[k] for k in sorted(keep)}))
