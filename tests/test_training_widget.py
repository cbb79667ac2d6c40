import json
import shutil
import subprocess
from pathlib import Path

import pytest

import traitlets

from mlgraph.training_widget import TrainingWidget  # noqa: E402


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
