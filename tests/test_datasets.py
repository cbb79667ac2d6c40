import numpy as np
import pytest

from mlgraph import datasets

NAMES = sorted(datasets.DATASETS)


@pytest.mark.parametrize("name", NAMES)
def test_dataset_shapes_and_split(name):
    d = datasets.load(name, seed=0, test_size=0.25)
    n_total = len(d.X_train) + len(d.X_test)
    assert abs(len(d.X_test) - 0.25 * n_total) <= 1
    assert d.X_train.ndim == 2 and d.X_train.shape[1] == d.n_features
    assert d.X_train.dtype == np.float64 and np.all(np.isfinite(d.X_train))
    assert len(d.y_train) == len(d.X_train) and len(d.y_test) == len(d.X_test)
    assert d.name == name
    if d.task == "regression":
        assert d.n_classes == 0 and d.y_train.shape == (len(d.X_train), 1)
    else:
        assert d.y_train.dtype.kind == "i"
        assert set(np.unique(np.r_[d.y_train, d.y_test])) == set(range(d.n_classes))
        assert d.task == ("binary" if d.n_classes == 2 else "multiclass")


@pytest.mark.parametrize("name", NAMES)
def test_dataset_is_deterministic_per_seed(name):
    a, b, c = (datasets.load(name, seed=s) for s in (3, 3, 4))
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.X_train, c.X_train)


@pytest.mark.parametrize(
    "name", ["xor", "circles", "moons", "spiral", "blobs", "plane", "flights"]
)
def test_noise_and_n_parameters(name):
    quiet = datasets.load(name, n=120, noise=0.0, test_size=0.0, seed=1)
    noisy = datasets.load(name, n=120, noise=0.5, test_size=0.0, seed=1)
    assert len(quiet.X_train) == 120 and len(quiet.X_test) == 0
    # plane and flights put the noise on the targets, the others on the inputs
    assert not (
        np.allclose(quiet.X_train, noisy.X_train)
        and np.array_equal(quiet.y_train, noisy.y_train)
    )


def test_iris_is_the_bundled_csv():
    d = datasets.iris(test_size=0.0, standardize=False)
    assert d.X_train.shape == (150, 4) and d.n_classes == 3
    assert np.bincount(d.y_train).tolist() == [50, 50, 50]
    assert d.feature_names[0] == "sepal_length"
    # the first flower of Fisher's table (setosa)
    row = np.flatnonzero(np.all(d.X_train == [5.1, 3.5, 1.4, 0.2], axis=1))
    assert len(row) >= 1 and d.y_train[row[0]] == 0
    two = datasets.iris(features=(2, 3))
    assert two.n_features == 2 and two.feature_names == ("petal_length", "petal_width")
    np.testing.assert_allclose(
        datasets.iris(test_size=0.0).X_train.mean(axis=0), 0, atol=1e-12
    )


def test_xor_labels_follow_the_quadrants():
    d = datasets.xor(n=100, noise=0.05, test_size=0.0)
    np.testing.assert_array_equal(
        d.y_train, (np.sign(d.X_train[:, 0]) != np.sign(d.X_train[:, 1])).astype(int)
    )


def test_flights_cold_and_windy_is_delayed():
    d = datasets.flights(n=400, noise=0.0, test_size=0.0, standardize=False)
    temp, wind = d.X_train[:, 0], d.X_train[:, 1]
    assert d.feature_names == ("temperature_F", "wind_mph")
    assert np.all(d.y_train[(temp < -10) & (wind > 40)] == 1)  # the slides' [−20, 45]
    assert np.all(d.y_train[(temp > 60) & (wind < 20)] == 0)
    assert 0.1 < d.y_train.mean() < 0.9


def test_plane_is_linear():
    d = datasets.plane(noise=0.0, test_size=0.0)
    A = np.c_[d.X_train, np.ones(len(d.X_train))]
    coef = np.linalg.lstsq(A, d.y_train[:, 0], rcond=None)[0]
    np.testing.assert_allclose(coef, [2.0, -3.0, 0.5], atol=1e-10)


def test_unknown_dataset_names_the_choices():
    with pytest.raises(ValueError, match="moons"):
        datasets.load("mnist")
