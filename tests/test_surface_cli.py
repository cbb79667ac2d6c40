"""``mlgraph surface`` through a real subprocess: JSON grid, figure, errors."""

import json
import subprocess
import sys

import numpy as np
import pytest

from mlgraph import datasets, nn, surface
from mlgraph.trainer import Trainer


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "mlgraph", "surface", *args],
                          capture_output=True, text=True, timeout=300, cwd=cwd)


def trained(epochs=20, seed=0):
    """The CLI's pipeline rebuilt from the public API, for independent numbers."""
    data = datasets.load("moons", seed=seed, n=200)
    model = nn.MLP([2, 8, 1], activation="tanh", seed=seed)
    t = Trainer(model, data, loss="bce", record="epoch", progress=False,
                optimizer=nn.SGD(lr=0.3, batch_size=32, seed=seed))
    t.fit(epochs)
    return t, model


def test_json_grid_equals_the_library_and_direct_evaluations():
    out = cli("--dataset", "moons", "--hidden", "8", "--directions", "random",
              "--grid", "7", "--epochs", "20", "--json")
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert set(got) >= {"alphas", "betas", "values", "center_loss", "seconds"}
    t, model = trained()
    s = surface.random_plane(t.objective, model.params, t.X_train, t.y_train, steps=7)
    np.testing.assert_allclose(got["values"], s.values, rtol=1e-12)
    np.testing.assert_allclose(got["alphas"], np.linspace(-1, 1, 7))
    assert got["center_loss"] == pytest.approx(
        float(t.objective(*model.params, t.X_train, t.y_train)), rel=1e-12)
    assert got["values"][3][3] == pytest.approx(got["center_loss"], rel=1e-12)
    assert 0 < got["seconds"] < 60 and got["batched"] is True
    i, j = 1, 5                                       # a grid point, evaluated directly
    assert got["values"][i][j] == pytest.approx(s.loss_at(s.alphas[i], s.betas[j]),
                                                rel=1e-12)


def test_pca_and_params_planes_from_the_command_line():
    out = cli("--directions", "pca", "--grid", "5", "--epochs", "20", "--json")
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    t, model = trained()
    s = surface.pca_plane(t.objective, t, steps=5)
    np.testing.assert_allclose(got["values"], s.values, rtol=1e-12)
    np.testing.assert_allclose(got["explained_variance"], s.explained_variance)
    path = got["trajectory"]
    assert len(path["coords"]) == 21 and path["epochs"][-1] == 20
    out = cli("--directions", "params:W1[1,3],b2[0]", "--grid", "5", "--epochs", "20",
              "--span", "0.5", "--json")
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["labels"] == ["W1[1,3]", "b2[0]"]
    w = model.params[0][1, 3]
    np.testing.assert_allclose(got["alphas"], np.linspace(w - 0.5, w + 0.5, 5))
    assert got["origin"] == pytest.approx([w, model.params[3][0]])


def test_figure_is_written(tmp_path):
    out = cli("--grid", "15", "--epochs", "10", "-o", "surface.png", "--no-progress",
              cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "random plane 15×15" in out.stdout and "wrote surface.png" in out.stdout
    import matplotlib.pyplot as plt

    img = plt.imread(tmp_path / "surface.png")
    assert img.shape[0] > 300 and img[..., :3].std() > 0.05


def test_bad_arguments_are_named():
    out = cli("--directions", "params:W9[0,0],b1[0]", "--epochs", "1")
    assert out.returncode == 2
    assert "no parameter named 'W9'; the parameters are W1, b1, W2, b2" in out.stderr
    out = cli("--directions", "params:W1[0,0]", "--epochs", "1")
    assert out.returncode == 2 and "needs two entries" in out.stderr
    out = cli("--directions", "diagonal", "--epochs", "1")
    assert out.returncode == 2 and "--directions must be random, pca or" in out.stderr
