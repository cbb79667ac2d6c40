import argparse
import json

import numpy as np
import pytest

from mlgraph import cli_train, datasets, nn
from mlgraph.trainer import Trainer, TrainingDiverged


def train(
    name,
    sizes,
    activation="tanh",
    lr=0.1,
    batch_size=32,
    epochs=100,
    momentum=0.0,
    data_kwargs=None,
    **kw,
):
    data = datasets.load(name, seed=0, **(data_kwargs or {}))
    model = nn.MLP(sizes, activation=activation, seed=0)
    t = Trainer(
        model,
        data,
        optimizer=nn.SGD(lr=lr, batch_size=batch_size, momentum=momentum, seed=0),
        progress=False,
        **kw,
    )
    t.fit(epochs)
    return t


def test_two_moons_reaches_97_percent_on_test():
    t = train("moons", [2, 16, 16, 1], epochs=300)
    assert t.history["test_accuracy"][-1] >= 0.97


def test_spiral_reaches_95_percent_on_train():
    t = train("spiral", [2, 32, 32, 3], activation="relu", epochs=150, momentum=0.9)
    assert t.history["train_accuracy"][-1] >= 0.95


def test_iris_reaches_95_percent_on_train():
    t = train("iris", [4, 16, 3], batch_size=16, epochs=200)
    assert t.history["train_accuracy"][-1] >= 0.95


def test_xor_is_learned_exactly():
    t = train("xor", [2, 8, 1], lr=0.5, batch_size=None, epochs=300)
    assert t.history["train_accuracy"][-1] == 1.0
    assert t.history["test_accuracy"][-1] == 1.0


def test_training_is_deterministic_with_a_seed():
    a = train("moons", [2, 8, 1], epochs=20)
    b = train("moons", [2, 8, 1], epochs=20)
    assert a.history["train_loss"] == b.history["train_loss"]
    for p, q in zip(a.model.params, b.model.params, strict=False):
        np.testing.assert_array_equal(p, q)


def test_history_callbacks_and_gradient_checks():
    seen = []

    def stop_after_6(trainer, epoch, record):
        seen.append((epoch, record["train_loss"]))
        return epoch < 5

    t = train(
        "circles",
        [2, 8, 1],
        epochs=50,
        check_gradients_every=3,
        callbacks=[stop_after_6],
    )
    h = t.history
    assert len(seen) == 6 and t.epoch == 6
    assert h["epoch"] == [1, 2, 3, 4, 5, 6]
    assert all(
        len(h[k]) == 6
        for k in ("train_loss", "test_loss", "train_accuracy", "test_accuracy", "lr")
    )
    assert [r["epoch"] for r in h["gradcheck"]] == [3, 6]
    assert all(r["passed"] and r["max_rel_error"] < 1e-6 for r in h["gradcheck"])
    assert h["train_loss"][-1] < h["train_loss"][0]


def test_regression_and_float32_training():
    data = datasets.plane(seed=0)
    model = nn.MLP([2, 1], activation="identity", seed=0, dtype=np.float32)
    t = Trainer(model, data, optimizer=nn.SGD(lr=0.1), progress=False)
    t.fit(60)
    assert t.loss == "mse" and np.isnan(t.history["test_accuracy"][-1])
    assert t.history["test_loss"][-1] < 0.02
    assert all(p.dtype == np.float32 for p in model.params)
    np.testing.assert_allclose(model.params[0][:, 0], [2.0, -3.0], atol=0.05)


def test_too_large_a_learning_rate_names_the_layer_and_node():
    with pytest.raises(TrainingDiverged) as info:
        train(
            "plane",
            [2, 16, 16, 1],
            activation="relu",
            lr=5.0,
            epochs=50,
            divergence_factor=np.inf,
        )
    msg = str(info.value)
    assert "the loss became inf" in msg or "the loss became nan" in msg
    assert "in layer W" in msg and " v" in msg and "learning rate 5" in msg


def test_exploding_loss_is_stopped_early():
    with pytest.raises(TrainingDiverged, match=r"grew to .* layer W\d"):
        train("plane", [2, 16, 16, 1], activation="relu", lr=5.0, epochs=50)


def test_mismatched_model_is_explained():
    with pytest.raises(ValueError, match="3 output"):
        Trainer(nn.MLP([4, 8, 1]), datasets.iris(), progress=False)
    with pytest.raises(ValueError, match="features"):
        Trainer(nn.MLP([2, 8, 3]), datasets.iris(), progress=False)


def test_save_load_round_trip_reproduces_predictions_and_training(tmp_path):
    t = train("spiral", [2, 16, 3], epochs=10, momentum=0.9)
    path = t.save(tmp_path / "run")
    assert path.suffix == ".json" and (tmp_path / "run.npz").exists()
    meta = json.loads(path.read_text())
    assert meta["model"]["sizes"] == [2, 16, 3] and len(meta["history"]["epoch"]) == 10
    u = Trainer.load(tmp_path / "run.json", t.data)
    X = t.data.X_test
    np.testing.assert_array_equal(u.model(X), t.model(X))
    np.testing.assert_array_equal(u.predict(X), t.predict(X))
    assert u.history == t.history and u.epoch == 10
    t.fit(5)  # continuing gives the same run
    u.fit(5)
    for p, q in zip(t.model.params, u.model.params, strict=False):
        np.testing.assert_array_equal(p, q)


def _cli(*argv):
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    cli_train.add_parser(sub)
    return parser.parse_args(["train", *argv])


def test_cli_json_output(capsys):
    args = _cli(
        "--dataset",
        "moons",
        "--hidden",
        "16,16",
        "--activation",
        "tanh",
        "--loss",
        "bce",
        "--lr",
        "0.1",
        "--batch-size",
        "32",
        "--epochs",
        "300",
        "--seed",
        "0",
        "--gradcheck",
        "--json",
    )
    assert cli_train.run(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == [
        "train_accuracy",
        "test_accuracy",
        "final_loss",
        "gradcheck_max_rel_error",
    ]
    assert out["test_accuracy"] >= 0.97 and out["gradcheck_max_rel_error"] < 1e-6


def test_cli_text_output_and_divergence(capsys, tmp_path):
    args = _cli(
        "--dataset",
        "iris",
        "--hidden",
        "8",
        "--epochs",
        "20",
        "--no-progress",
        "--save",
        str(tmp_path / "iris"),
    )
    assert cli_train.run(args) == 0
    out = capsys.readouterr().out
    assert "test accuracy" in out and (tmp_path / "iris.npz").exists()
    args = _cli(
        "--dataset",
        "plane",
        "--hidden",
        "16,16",
        "--activation",
        "relu",
        "--lr",
        "5",
        "--epochs",
        "50",
        "--no-progress",
    )
    assert cli_train.run(args) == 2
    assert "layer W" in capsys.readouterr().err


def test_regression_history_saves_as_strict_json(tmp_path):
    t = train("plane", [2, 1], activation="identity", epochs=3)
    path = t.save(tmp_path / "plane.json")
    text = path.read_text()
    assert "NaN" not in text
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    u = Trainer.load(path, t.data)
    assert np.isnan(u.history["test_accuracy"]).all()
    assert u.history["train_loss"] == t.history["train_loss"]


def test_float32_training_checks_gradients_in_float64_without_warnings():
    import warnings

    data = datasets.moons(seed=0)
    model = nn.MLP([2, 8, 1], seed=0, dtype=np.float32)
    t = Trainer(model, data, check_gradients_every=2, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t.fit(4)
    assert [r["passed"] for r in t.history["gradcheck"]] == [True, True]
    assert all(p.dtype == np.float32 for p in model.params)
