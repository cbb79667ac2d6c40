"""Small datasets for the lectures: XOR, circles, moons, spiral, blobs, Iris, flights.

Every generator is seeded and returns a `Dataset` split into train and test parts.
Iris is read from the CSV shipped in ``mlgraph/data`` (no downloads). Layer 0: imports
numpy and the standard library only.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "Dataset",
    "load",
    "xor",
    "circles",
    "moons",
    "spiral",
    "blobs",
    "plane",
    "iris",
    "flights",
    "DATASETS",
]


@dataclass
class Dataset:
    """A train/test split of one dataset.

    Attributes:
        X_train, X_test: inputs, shape ``(n, d)``, float64.
        y_train, y_test: targets. Classification: integer labels, shape ``(n,)``.
            Regression: floats, shape ``(n, 1)``.
        name: the dataset's name, e.g. ``"moons"``.
        n_classes: number of classes (0 for regression).
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        feature_names: one name per input column.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    name: str
    n_classes: int
    task: str
    feature_names: tuple[str, ...] = ("x1", "x2")

    @property
    def n_features(self) -> int:
        """Number of input columns."""
        return int(self.X_train.shape[1])

    def __repr__(self) -> str:
        return (
            f"<Dataset {self.name}: {self.task}, {len(self.X_train)} train / "
            f"{len(self.X_test)} test, {self.n_features} features>"
        )


def _split(
    X: np.ndarray,
    y: np.ndarray,
    name: str,
    n_classes: int,
    task: str,
    test_size: float,
    rng: np.random.Generator,
    feature_names: tuple[str, ...] | None = None,
) -> Dataset:
    if not 0.0 <= test_size < 1.0:
        raise ValueError(f"test_size must be in [0, 1), got {test_size}.")
    order = rng.permutation(len(X))
    n_test = int(round(test_size * len(X)))
    test, train = order[:n_test], order[n_test:]
    names = feature_names or tuple(f"x{k + 1}" for k in range(X.shape[1]))
    return Dataset(
        X[train].astype(np.float64),
        y[train],
        X[test].astype(np.float64),
        y[test],
        name,
        n_classes,
        task,
        names,
    )


def xor(
    n: int = 200, noise: float = 0.1, test_size: float = 0.2, seed: int = 0
) -> Dataset:
    """Four Gaussian clusters at (±1, ±1); the label is 1 where the signs differ."""
    rng = np.random.default_rng(seed)
    corners = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], dtype=float)
    k = np.arange(n) % 4
    X = corners[k] + noise * rng.standard_normal((n, 2))
    y = (corners[k, 0] != corners[k, 1]).astype(np.int64)
    return _split(X, y, "xor", 2, "binary", test_size, rng)


def circles(
    n: int = 200,
    noise: float = 0.1,
    factor: float = 0.5,
    test_size: float = 0.2,
    seed: int = 0,
) -> Dataset:
    """A small circle (label 1) inside a large one (label 0)."""
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 2).astype(np.int64)
    t = rng.uniform(0, 2 * np.pi, n)
    r = np.where(y == 1, factor, 1.0)
    X = np.c_[r * np.cos(t), r * np.sin(t)] + noise * rng.standard_normal((n, 2))
    return _split(X, y, "circles", 2, "binary", test_size, rng)


def moons(
    n: int = 200, noise: float = 0.1, test_size: float = 0.2, seed: int = 0
) -> Dataset:
    """Two interleaving half circles (as scikit-learn's make_moons)."""
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 2).astype(np.int64)
    t = rng.uniform(0, np.pi, n)
    X = np.where(
        y[:, None] == 0,
        np.c_[np.cos(t), np.sin(t)],
        np.c_[1 - np.cos(t), 0.5 - np.sin(t)],
    )
    X = X + noise * rng.standard_normal((n, 2))
    return _split(X, y, "moons", 2, "binary", test_size, rng)


def spiral(
    n: int = 300,
    noise: float = 0.2,
    n_classes: int = 3,
    test_size: float = 0.2,
    seed: int = 0,
) -> Dataset:
    """Interleaved spiral arms, one per class (the CS231n toy)."""
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % n_classes).astype(np.int64)
    r = rng.uniform(0.05, 1.0, n)
    t = y * (2 * np.pi / n_classes) + 4.0 * r + noise * rng.standard_normal(n)
    X = np.c_[r * np.sin(t), r * np.cos(t)]
    task = "binary" if n_classes == 2 else "multiclass"
    return _split(X, y, "spiral", n_classes, task, test_size, rng)


def blobs(
    n: int = 200,
    noise: float = 0.5,
    n_classes: int = 3,
    test_size: float = 0.2,
    seed: int = 0,
) -> Dataset:
    """Gaussian blobs with centres spread on a circle of radius 2."""
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % n_classes).astype(np.int64)
    angle = 2 * np.pi * np.arange(n_classes) / n_classes
    centres = 2.0 * np.c_[np.cos(angle), np.sin(angle)]
    X = centres[y] + noise * rng.standard_normal((n, 2))
    task = "binary" if n_classes == 2 else "multiclass"
    return _split(X, y, "blobs", n_classes, task, test_size, rng)


def plane(
    n: int = 200, noise: float = 0.1, test_size: float = 0.2, seed: int = 0
) -> Dataset:
    """Regression: y = 2·x1 − 3·x2 + 0.5 + noise, x uniform in [−1, 1]²."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    y = (2.0 * X[:, 0] - 3.0 * X[:, 1] + 0.5 + noise * rng.standard_normal(n))[:, None]
    return _split(X, y, "plane", 0, "regression", test_size, rng)


IRIS_CSV = Path(__file__).with_name("data") / "iris.csv"
IRIS_CLASSES = ("setosa", "versicolor", "virginica")


def iris(
    features: tuple[int, ...] | None = None,
    standardize: bool = True,
    test_size: float = 0.2,
    seed: int = 0,
    noise: float = 0.0,
    n: int | None = None,
) -> Dataset:
    """Fisher's Iris (150 flowers, 3 classes), from the bundled CSV.

    Args:
        features: column indices to keep (the lecture uses 2); all 4 by default.
        standardize: scale each feature to mean 0, standard deviation 1.
        test_size: fraction held out.
        seed: seeds the split (and the noise).
        noise: standard deviation of Gaussian noise added after standardizing.
        n: ignored unless smaller than 150 (a random subset).
    """
    with IRIS_CSV.open(newline="") as fh:
        rows = list(csv.reader(fh))
    header, rows = rows[0], rows[1:]
    X = np.array([[float(v) for v in r[:4]] for r in rows])
    y = np.array([IRIS_CLASSES.index(r[4]) for r in rows], dtype=np.int64)
    names = tuple(header[:4])
    if features is not None:
        X, names = X[:, list(features)], tuple(names[k] for k in features)
    if standardize:
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    rng = np.random.default_rng(seed)
    if noise:
        X = X + noise * rng.standard_normal(X.shape)
    if n is not None and n < len(X):
        keep = rng.choice(len(X), n, replace=False)
        X, y = X[keep], y[keep]
    return _split(X, y, "iris", 3, "multiclass", test_size, rng, names)


def flights(
    n: int = 200,
    noise: float = 0.3,
    test_size: float = 0.2,
    seed: int = 0,
    standardize: bool = True,
) -> Dataset:
    """The slides' toy: will my flight be delayed? (temperature °F, wind speed mph).

    Synthetic: a flight is delayed (1) when it is cold and windy, i.e. when
    ``wind/10 − temperature/20 + noise > 3``. The slides' example flight,
    [−20 °F, 45 mph], is delayed. With ``standardize`` the features are scaled to
    mean 0, standard deviation 1 (the raw units are in ``feature_names``).
    """
    rng = np.random.default_rng(seed)
    temp = rng.uniform(-30, 90, n)
    wind = rng.uniform(0, 60, n)
    score = wind / 10 - temp / 20 + noise * rng.standard_normal(n)
    y = (score > 3.0).astype(np.int64)
    X = np.c_[temp, wind]
    if standardize:
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    return _split(
        X, y, "flights", 2, "binary", test_size, rng, ("temperature_F", "wind_mph")
    )


DATASETS: dict[str, Callable[..., Dataset]] = {
    "xor": xor,
    "circles": circles,
    "moons": moons,
    "spiral": spiral,
    "blobs": blobs,
    "plane": plane,
    "iris": iris,
    "flights": flights,
}


def load(name: str, **kwargs) -> Dataset:
    """A dataset by name, e.g. ``load("moons", noise=0.2, seed=1)``.

    Example:
        >>> from mlgraph import datasets
        >>> d = datasets.load("xor", n=8, test_size=0.25)
        >>> d.X_train.shape, d.task
        ((6, 2), 'binary')
    """
    try:
        fn = DATASETS[name]
    except KeyError:
        raise ValueError(
            f"no dataset {name!r}; choose one of " f"{', '.join(sorted(DATASETS))}."
        ) from None
    return fn(**kwargs)
