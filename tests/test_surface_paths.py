"""Optimizer paths, the Trainer's recorded trajectory, and the one-call demos."""

import numpy as np
import pytest

import mlgraph.numpy as mnp
from mlgraph import datasets, nn, surface
from mlgraph.surface import demos
from mlgraph.trainer import Trainer


def test_gradient_descent_on_the_bowl_is_the_closed_form():
    p = surface.descend("bowl", (1.0, -2.0), optimizer=nn.SGD(lr=0.1), steps=20)
    k = np.arange(21)[:, None]
    np.testing.assert_allclose(p.xy, np.array([[1.0, -2.0]]) * 0.8**k, rtol=1e-13)
    np.testing.assert_allclose(p.losses, 5.0 * 0.64 ** np.arange(21), rtol=1e-12)
    assert p.label == "SGD (η = 0.1)" and not p.diverged and p.steps == 20


def test_divergence_stops_the_path_and_says_why():
    p = surface.descend("bowl", (1.0, 1.0), optimizer=nn.SGD(lr=1.5), steps=100)
    assert p.diverged and p.steps < 100
    assert "the step size is too large" in p.message
    assert np.all(np.abs(np.diff(p.xy[:, 0][:5])) > 0)


def test_full_batch_and_minibatch_steps_on_data():
    x, y = demos.line_fit_data(40, seed=1)
    full = surface.descend(demos.line_loss, (0.0, 0.0), x, y, steps=5,
                           optimizer=nn.SGD(lr=0.05, batch_size=None))
    w, b = 0.0, 0.0
    for _ in range(5):                                  # by hand: ∂/∂w, ∂/∂b of MSE
        r = w * x + b - y
        w, b = w - 0.05 * np.mean(2 * r * x), b - 0.05 * np.mean(2 * r)
    assert full.xy[-1] == pytest.approx((w, b), rel=1e-12)
    opt = nn.SGD(lr=0.05, batch_size=8, seed=3)
    mini = surface.descend(demos.line_loss, (0.0, 0.0), x, y, steps=7, optimizer=opt)
    w, b, twin = 0.0, 0.0, nn.SGD(lr=0.05, batch_size=8, seed=3)
    idx = [i for _ in range(2) for i in twin.batches(len(x))][:7]
    for i in idx:                                       # the optimizer's own batches
        r = w * x[i] + b - y[i]
        w, b = w - 0.05 * np.mean(2 * r * x[i]), b - 0.05 * np.mean(2 * r)
    assert mini.xy[-1] == pytest.approx((w, b), rel=1e-12)
    assert mini.label == "SGD (η = 0.05, batch 8)"
    # the losses are on all the data, whatever the batch
    assert mini.losses[3] == pytest.approx(float(demos.line_loss(*mini.xy[3], x, y)))
    assert opt.velocity is None and opt.rng.integers(10**9) == \
        nn.SGD(seed=3).rng.integers(10**9)        # the given optimizer is untouched


def test_gradient_noise_is_seeded():
    a = surface.descend("two_minima", (0.0, 1.0), optimizer=nn.SGD(lr=0.1), steps=30,
                        noise=0.1, seed=4)
    b = surface.descend("two_minima", (0.0, 1.0), optimizer=nn.SGD(lr=0.1), steps=30,
                        noise=0.1, seed=4)
    np.testing.assert_array_equal(a.xy, b.xy)
    assert not np.all(a.xy[:, 0] == 0)


def _spy(seen):
    def spy(trainer, epoch, record):
        seen[epoch + 1] = [p.copy() for p in trainer.model.params]
    return spy


def test_the_trainer_records_its_parameters_per_epoch():
    data = datasets.moons(n=60, seed=0)
    model = nn.MLP([2, 4, 1], seed=0)
    start = [p.copy() for p in model.params]
    seen = {}
    t = Trainer(model, data, callbacks=[_spy(seen)], progress=False, record="epoch")
    t.fit(4)
    traj = t.trajectory
    assert traj.epochs == [0, 1, 2, 3, 4] and len(traj) == 5
    assert traj.steps == [0, 2, 4, 6, 8]               # 48 rows in batches of 32
    for a, b in zip(traj[0], start, strict=True):
        np.testing.assert_array_equal(a, b)
    for e, snap in zip(traj.epochs[1:], traj.snapshots[1:], strict=True):
        for a, b in zip(snap, seen[e], strict=True):
            np.testing.assert_array_equal(a, b)
    # copies: training on changes the model, never a snapshot
    before = [p.copy() for p in traj[-1]]
    t.fit(1)
    for a, b in zip(traj[-2], before, strict=True):
        np.testing.assert_array_equal(a, b)
    assert traj.epochs[-1] == 5 and not np.array_equal(traj[-1][0], traj[-2][0])


def test_the_trainer_records_every_step_or_nothing():
    data = datasets.moons(n=60, seed=0)
    t = Trainer(nn.MLP([2, 4, 1], seed=0), data, progress=False, record="step")
    t.fit(2)
    assert t.trajectory.steps == list(range(5)) and t.trajectory.epochs == [0, 0, 0, 1, 1]
    np.testing.assert_array_equal(t.trajectory[-1][0], t.model.params[0])
    quiet = Trainer(nn.MLP([2, 4, 1], seed=0), data, progress=False)
    quiet.fit(2)
    assert len(quiet.trajectory) == 0
    with pytest.raises(ValueError, match="record='epoch'"):
        surface.pca_plane(quiet.objective, quiet)
    with pytest.raises(ValueError, match="record must be 'epoch', 'step' or None"):
        Trainer(nn.MLP([2, 4, 1]), data, record="epochs")


def test_pca_plane_and_plots_read_the_trainer_directly():
    data = datasets.moons(n=60, seed=0)
    t = Trainer(nn.MLP([2, 4, 1], seed=0), data, progress=False, record="epoch",
                optimizer=nn.SGD(lr=0.5, batch_size=None))
    t.fit(6)
    s = surface.pca_plane(t.objective, t, steps=5)     # data: the trainer's own
    listed = surface.pca_plane(t.objective, t.trajectory.snapshots, t.X_train,
                               t.y_train, steps=5)
    np.testing.assert_array_equal(s.values, listed.values)
    np.testing.assert_allclose(s.trajectory.coords, listed.trajectory.coords)
    np.testing.assert_allclose(s.project(t).coords, s.trajectory.coords, atol=1e-12)
    assert s.trajectory.coords.shape == (7, 2)
    sharp = surface.sharpness(t.objective, t, t.X_train, t.y_train, iters=20)
    assert len(sharp) == 7


def test_optimizer_race_runs_each_optimizer_from_one_start():
    race = surface.optimizer_race("rosenbrock", steps=60, grid=11)
    assert list(race.paths) == ["SGD (η = 0.002)", "Momentum (η = 0.001)",
                                "Nesterov (η = 0.001)", "RMSprop (η = 0.01)",
                                "Adam (η = 0.1)"]
    for path, opt in zip(race.paths.values(), demos.default_racers(), strict=True):
        again = surface.descend("rosenbrock", (-1.2, 1.0), optimizer=opt, steps=60)
        np.testing.assert_array_equal(path.xy, again.xy)
    assert "Adam (η = 0.1)" in race.table()


def test_minibatch_noise_shrinks_with_the_batch():
    c = surface.minibatch_vs_full_batch(steps=120, grid=11)
    noise = [demos.spread(p) for p in c.paths.values()]
    assert noise[0] > 5 * noise[1] > 5 * noise[2]
    assert c.surface.labels == ("w", "b")
    for p in c.paths.values():                          # the paths lie in the surface
        x, y = demos.line_fit_data()
        assert p.losses[-1] == pytest.approx(float(demos.line_loss(*p.xy[-1], x, y)))


def test_saddle_escape():
    c = surface.saddle_escape(steps=80)
    stuck, noisy = c.paths.values()
    assert np.all(stuck.xy[:, 0] == 0.0)                # on the ridge, no x gradient
    assert stuck.xy[-1] == pytest.approx((0.0, 0.0), abs=1e-6)
    assert stuck.losses[-1] == pytest.approx(1.0)       # the saddle's height
    assert abs(noisy.xy[-1, 0]) == pytest.approx(1.0, abs=0.05)
    assert noisy.losses[-1] < 1e-2
    assert sorted(c.curvature.eigenvalues) == pytest.approx([-4.0, 2.0])


def test_architectures_demo_numbers():
    lands = surface.architectures(variants=(("plain", False, False),
                                            ("skip + bn", True, True)),
                                  depth=4, width=6, n=60, grid=7, train_steps=20,
                                  progress=False)
    for name, land in lands.items():
        s = land.surface
        assert s.batched and s.title == name and land.path.steps == 20
        assert land.stats["train_loss"] == pytest.approx(land.path.losses[-1])
        assert land.stats["median_loss"] == pytest.approx(np.median(s.values))
        below = np.mean(s.values < np.log(2))
        assert land.stats["below_chance"] == pytest.approx(below)
        assert land.model.skip == (name == "skip + bn")
    table = surface.landscape_table(lands)
    assert table.splitlines()[0].split() == ["model", "train", "loss", "median", "loss",
                                             "below", "ln", "2", "grid", "minima"]


def test_descend_refuses_a_non_function():
    with pytest.raises(ValueError, match="a loss function or a classic's name"):
        surface.descend("bowel", (0.0, 0.0))


def test_two_parameter_paths_only_have_xy():
    p = surface.descend(lambda w: mnp.sum(w * w), [np.ones(3)], steps=2)
    with pytest.raises(ValueError, match="project other paths onto a surface"):
        _ = p.xy
