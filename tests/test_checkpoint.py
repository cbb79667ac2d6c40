"""Checkpoints restore what they save: every optimizer with its state, MLP and DeepMLP,
batch normalization's statistics, the recorded trajectory; a loaded trainer continues
exactly as the saved one."""

import json

import numpy as np
import pytest

from mlgraph import datasets, nn
from mlgraph.trainer import Trainer

OPTIMIZERS = {
    "sgd": lambda: nn.SGD(lr=0.1, batch_size=16, seed=1),
    "sgd+momentum": lambda: nn.SGD(lr=0.1, momentum=0.8, batch_size=16, seed=1),
    "momentum": lambda: nn.Momentum(lr=0.05, momentum=0.9, batch_size=16, seed=1),
    "nesterov": lambda: nn.Nesterov(lr=0.05, momentum=0.9, batch_size=16, seed=1),
    "rmsprop": lambda: nn.RMSprop(lr=0.01, rho=0.8, batch_size=16, seed=1,
                                  schedule="exp", decay=0.9),
    "adam": lambda: nn.Adam(lr=0.01, beta1=0.8, beta2=0.99, batch_size=16, seed=1),
}
MODELS = {
    "mlp": lambda: nn.MLP([2, 5, 3], activation="relu", seed=2),
    "deep": lambda: nn.DeepMLP(2, 4, 3, depth=4, skip=True, batch_norm=True, seed=2),
}


def _assert_same_arrays(a, b):
    assert len(a) == len(b)
    for p, q in zip(a, b, strict=True):
        assert p.dtype == q.dtype
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("model", sorted(MODELS))
@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
def test_a_loaded_trainer_continues_exactly_as_the_saved_one(tmp_path, opt, model):
    data = datasets.spiral(n=60, seed=0)
    t = Trainer(MODELS[model](), data, loss="ce", optimizer=OPTIMIZERS[opt](),
                l2=1e-3, record="epoch", progress=False)
    t.fit(3)
    t.save(tmp_path / "run")
    u = Trainer.load(tmp_path / "run.json", data)
    assert type(u.model) is type(t.model) and type(u.optimizer) is type(t.optimizer)
    assert u.model.config() == t.model.config()
    assert u.optimizer.config() == t.optimizer.config()
    for attr in type(t.optimizer).STATE:           # the state between steps
        mine, theirs = getattr(t.optimizer, attr), getattr(u.optimizer, attr)
        if isinstance(mine, list):
            _assert_same_arrays(mine, theirs)
        else:                                      # Adam's t; plain SGD's None
            assert mine == theirs
    assert len(u.trajectory) == 4 and u.trajectory.epochs == t.trajectory.epochs
    t.fit(3)
    u.fit(3)
    _assert_same_arrays(t.model.params, u.model.params)
    assert json.dumps(u.history) == json.dumps(t.history)
    assert u.trajectory.steps == t.trajectory.steps and len(u.trajectory) == 7
    for a, b in zip(t.trajectory, u.trajectory, strict=True):
        _assert_same_arrays(a, b)


def test_batch_norm_statistics_and_evaluation_mode_are_restored(tmp_path):
    data = datasets.moons(n=60, seed=0)
    model = nn.DeepMLP(2, 4, 1, depth=3, batch_norm=True, seed=0)
    t = Trainer(model, data, progress=False)
    t.fit(2)
    model.set_statistics(t.X_train).eval()
    t.save(tmp_path / "bn")
    u = Trainer.load(tmp_path / "bn", data)
    assert u.model.training is False
    for a, b in zip(model.norms, u.model.norms, strict=True):
        np.testing.assert_array_equal(a.mean, b.mean)
        np.testing.assert_array_equal(a.var, b.var)
    X = data.X_test[:3]                          # evaluation mode: row by row
    np.testing.assert_array_equal(u.model(X), model(X))


def test_a_checkpoint_says_what_it_cannot_hold(tmp_path):
    data = datasets.moons(n=40, seed=0)
    t = Trainer(nn.MLP([2, 3, 1]), data, progress=False,
                optimizer=nn.SGD(schedule=lambda epoch: 0.1))
    with pytest.warns(UserWarning, match="schedule is a function"):
        t.save(tmp_path / "fn")

    class MyAdam(nn.Adam):
        pass

    t.optimizer = MyAdam()
    with pytest.raises(TypeError, match="optimizer MyAdam"):
        t.save(tmp_path / "mine")
    path = Trainer(nn.MLP([2, 3, 1]), data, progress=False).save(tmp_path / "other")
    meta = json.loads(path.read_text())
    path.write_text(json.dumps({**meta, "format": "someone-else-7"}))
    with pytest.raises(ValueError, match="not an mlgraph trainer checkpoint"):
        Trainer.load(path, data)


def test_a_first_format_checkpoint_still_loads_and_continues(tmp_path):
    """The first format: parameters by name, SGD's velocity as velocity_<name>, no
    classes, no optimizer state beyond it, no trajectory."""
    data = datasets.spiral(n=60, seed=0)
    t = Trainer(nn.MLP([2, 6, 3], seed=1), data, loss="ce", progress=False,
                optimizer=nn.SGD(lr=0.1, momentum=0.9, batch_size=16, seed=2))
    t.fit(2)
    model, opt = t.model, t.optimizer
    np.savez(tmp_path / "v1.npz", **model.state_dict(), **{
        f"velocity_{n}": v for n, v in zip(model.param_names, opt.velocity, strict=True)})
    meta = {"format": "mlgraph-trainer-1", "model": model.config(),
            "trainer": {"loss": "ce", "l2": 0.0, "l1": 0.0, "check_gradients_every": None,
                        "gradcheck_k": 5, "epoch": t.epoch, "step_count": t.step_count},
            "optimizer": opt.config(), "optimizer_rng": opt.rng.bit_generator.state,
            "data": {}, "history": t.history}
    (tmp_path / "v1.json").write_text(json.dumps(meta))
    u = Trainer.load(tmp_path / "v1", data)
    _assert_same_arrays(u.optimizer.velocity, opt.velocity)
    t.fit(2)
    u.fit(2)
    _assert_same_arrays(t.model.params, u.model.params)
