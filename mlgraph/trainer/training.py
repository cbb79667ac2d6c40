"""`Trainer`: minibatch SGD on a `Dataset`, with history, gradient checks and stops.

`Trainer.fit` runs one `mlgraph.value_and_grad` call per step (on a graph traced once
per batch shape). It records train/test loss and accuracy per epoch, can run a sampled
gradient check every N epochs, and stops on divergence with a `TrainingDiverged` naming
the layer and the graph node where it started (see `mlgraph.trainer.diagnosis`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..datasets import Dataset
from ..gradcheck import gradcheck
from ..nn import MLP, SGD, make_loss, one_hot, value_and_grad_fn
from . import checkpoint
from .diagnosis import diagnose
from .trajectory import RECORD_MODES, Trajectory

__all__ = ["Trainer", "default_loss", "output_width"]


def default_loss(task: str) -> str:
    """The loss a task trains with by default.

    ``"bce"`` for binary classification, ``"ce"`` for multiclass, ``"mse"`` for
    regression.
    """
    return {"binary": "bce", "multiclass": "ce"}.get(task, "mse")


def output_width(loss: str, n_classes: int) -> int:
    """The model's output width for a loss: one logit per class for ``"ce"``, else 1."""
    return n_classes if loss == "ce" else 1


class Trainer:
    """Fit a model to a dataset with minibatch SGD and keep a history.

    Args:
        model: an `MLP` whose output width matches the task (`output_width`: 1 for
            binary with ``bce`` and for regression, ``n_classes`` for ``ce``).
        data: a `Dataset`.
        loss: ``"bce"``, ``"ce"``, ``"mse"``, or ``"auto"`` (`default_loss` of the
            task).
        optimizer: an `SGD` (default: ``SGD(lr=0.1, batch_size=32)``).
        l2, l1: regularization strengths (weights only).
        check_gradients_every: run a sampled gradcheck every N epochs (and record it in
            ``history["gradcheck"]``); ``None`` for never.
        gradcheck_k: entries per parameter for those checks.
        callbacks: functions ``callback(trainer, epoch, record)`` called after every
            epoch; returning ``False`` stops training.
        progress: show a tqdm progress bar.
        divergence_factor: stop when the loss exceeds this factor times the first one.
        record: keep copies of the parameters in ``trajectory`` for loss surfaces
            (`mlgraph.surface.pca_plane(f, trainer)`): ``"epoch"`` (before training
            and after every epoch), ``"step"`` (after every optimizer step) or
            ``None`` (keep none: a snapshot costs a copy of every parameter).

    Attributes:
        trajectory: the recorded `Trajectory` (snapshots, with their epochs and
            steps); saved with the checkpoint.

    Example:
        >>> from mlgraph import datasets, nn
        >>> from mlgraph.trainer import Trainer
        >>> data = datasets.xor(n=40, seed=0)
        >>> t = Trainer(nn.MLP([2, 8, 1], seed=0), data, progress=False,
        ...             optimizer=nn.SGD(lr=0.5, batch_size=None))
        >>> t.fit(200)["train_accuracy"][-1]
        1.0
    """

    def __init__(self, model: MLP, data: Dataset, loss: str = "auto",
                 optimizer: SGD | None = None, l2: float = 0.0, l1: float = 0.0,
                 check_gradients_every: int | None = None, gradcheck_k: int = 5,
                 callbacks: Sequence[Callable] = (), progress: bool = True,
                 divergence_factor: float = 1e6, record: str | None = None) -> None:
        if record not in RECORD_MODES:
            raise ValueError(f"record must be 'epoch', 'step' or None, got {record!r}.")
        self.model, self.data = model, data
        self.loss = default_loss(data.task) if loss == "auto" else loss
        self.optimizer = optimizer if optimizer is not None else SGD()
        self.l2, self.l1 = float(l2), float(l1)
        self.check_gradients_every = check_gradients_every
        self.gradcheck_k = gradcheck_k
        self.callbacks = list(callbacks)
        self.progress = progress
        self.divergence_factor = divergence_factor
        self.objective = make_loss(model, self.loss, l2=self.l2, l1=self.l1)
        self._check_shapes()
        self.X_train = np.asarray(data.X_train, dtype=model.dtype)
        self.X_test = np.asarray(data.X_test, dtype=model.dtype)
        self.y_train = self._targets(data.y_train)
        self.y_test = self._targets(data.y_test)
        self.epoch = 0
        self.step_count = 0
        self.history: dict[str, list] = {
            k: [] for k in ("epoch", "lr", "train_loss", "test_loss", "train_accuracy",
                            "test_accuracy", "gradcheck")}
        self.first_loss: float | None = None
        self.record = record
        self.trajectory = Trajectory(list(model.param_names))
        if record is not None:
            self.trajectory.append(model.params, 0, 0)

    def _check_shapes(self) -> None:
        d, out = self.model.sizes[0], self.model.sizes[-1]
        if d != self.data.n_features:
            raise ValueError(
                f"the model's input width is {d} but {self.data.name} has "
                f"{self.data.n_features} features; use sizes=[{self.data.n_features}"
                f", …].")
        want = output_width(self.loss, self.data.n_classes)
        if out != want:
            raise ValueError(
                f"loss {self.loss!r} on {self.data.name} needs {want} output(s),"
                f" but the model has {out}; end sizes with {want}.")

    def _targets(self, y: np.ndarray) -> np.ndarray:
        # NOTE: float targets (one-hot for ce) are data inputs of the traced graph, so
        # the graph can be traced once and re-run on every batch.
        if self.loss == "ce":
            return one_hot(y, self.model.sizes[-1], self.model.dtype)
        return np.asarray(y, dtype=self.model.dtype)

    # --- evaluation ------------------------------------------------------------------

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Class labels (classification) or values (regression) for X."""
        z = np.asarray(self.model(X))
        if self.loss == "ce":
            return np.argmax(z, axis=1)
        if self.loss == "bce":
            return (z[:, 0] > 0).astype(np.int64)
        if self.data.task == "binary":  # mse on 0/1 labels
            return (z[:, 0] > 0.5).astype(np.int64)
        return z

    def evaluate(self, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        """(loss, accuracy) on X, y; accuracy is ``nan`` for regression."""
        with np.errstate(all="ignore"):
            value = float(np.asarray(self.objective(*self.model.params, X, y)))
            if self.data.task == "regression":
                return value, math.nan
            pred = self.predict(X)
        labels = np.argmax(y, axis=1) if self.loss == "ce" else np.asarray(y)
        return value, float(np.mean(pred == labels.reshape(pred.shape)))

    # --- training --------------------------------------------------------------------

    def fit(self, epochs: int) -> dict[str, list]:
        """Train for ``epochs`` more epochs and return the history.

        Raises:
            TrainingDiverged: when the loss or a gradient becomes non-finite, or the
                loss grows past ``divergence_factor`` times its first value.
        """
        bar = None
        if self.progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=epochs, desc=f"training on {self.data.name}", unit="epoch")
        vg = value_and_grad_fn(self.objective, len(self.model.params))
        try:
            for _ in range(epochs):
                lr = self.optimizer.lr_at(self.epoch)
                for idx in self.optimizer.batches(len(self.X_train)):
                    self._step(vg, self.X_train[idx], self.y_train[idx], lr)
                record = self._end_epoch(lr)
                if bar is not None:
                    bar.update(1)
                    # NOTE: refresh=False leaves redrawing to tqdm's mininterval
                    bar.set_postfix(loss=f"{record['train_loss']:.4g}",
                                    acc=f"{record['train_accuracy']:.3f}",
                                    refresh=False)
                stops = [cb(self, self.epoch - 1, record) for cb in self.callbacks]
                if any(s is False for s in stops):
                    break
        finally:
            if bar is not None:
                bar.close()
        return self.history

    def _step(self, vg: Callable, X: np.ndarray, y: np.ndarray, lr: float) -> None:
        """One SGD step on a batch, or `TrainingDiverged` instead of a bad update."""
        with np.errstate(all="ignore"):
            value, grads = vg(*self.model.params, X, y)
        value = float(value)
        if self.first_loss is None:
            self.first_loss = value
        if not (math.isfinite(value) and all(np.all(np.isfinite(g)) for g in grads)):
            raise diagnose(self, X, y, value, lr, "non-finite")
        if abs(value) > self.divergence_factor * max(abs(self.first_loss), 1.0):
            raise diagnose(self, X, y, value, lr, "exploding")
        self.optimizer.step(self.model.params, grads, lr)
        self.step_count += 1
        if self.record == "step":
            self.trajectory.append(self.model.params, self.epoch, self.step_count)

    def _end_epoch(self, lr: float) -> dict[str, Any]:
        train_loss, train_acc = self.evaluate(self.X_train, self.y_train)
        test_loss, test_acc = (self.evaluate(self.X_test, self.y_test)
                               if len(self.X_test) else (math.nan, math.nan))
        record = {"epoch": self.epoch + 1, "lr": lr, "train_loss": train_loss,
                  "test_loss": test_loss, "train_accuracy": train_acc,
                  "test_accuracy": test_acc}
        for key, value in record.items():
            self.history[key].append(value)
        self.epoch += 1
        if self.record == "epoch":
            self.trajectory.append(self.model.params, self.epoch, self.step_count)
        every = self.check_gradients_every
        if every and self.epoch % every == 0:
            self.history["gradcheck"].append(self.check_gradients(mode="sampled"))
        return record

    def check_gradients(self, mode: str = "sampled", batch: int = 32,
                        k: int | None = None) -> dict[str, Any]:
        """Gradcheck the objective at the current parameters on a batch of train data.

        Returns a JSON-ready summary: epoch, mode, passed, max_rel_error,
        worst_parameter, kinks, and the report's text.
        """
        n = min(batch, len(self.X_train))
        rng = np.random.default_rng(self.epoch)
        idx = np.sort(rng.choice(len(self.X_train), n, replace=False))
        # NOTE: checked in float64 even when training in float32: central differences
        # in single precision are only good to ~1e-3; the math checked is the same.
        f64 = [np.asarray(a, dtype=np.float64) for a in self.model.params]
        report = gradcheck(self.objective, *f64, self.X_train[idx].astype(np.float64),
                           self.y_train[idx].astype(np.float64),
                           argnums=tuple(range(len(self.model.params))), mode=mode,
                           k=k or self.gradcheck_k, seed=self.epoch)
        worst = max(report.params, key=lambda p: p.max_rel_error)
        return {"epoch": self.epoch, "mode": mode, "passed": report.passed,
                "max_rel_error": report.max_rel_error, "worst_parameter": worst.name,
                "kinks": sum(len(p.kinks) for p in report.params),
                "report": str(report)}

    # --- saving ----------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write ``path.json`` and ``path.npz``; returns the JSON path.

        The JSON holds the model's and optimizer's classes and configurations, the
        trainer's settings and the history; the npz the parameters, the optimizer's
        state (velocity, Adam's moments...), batch norm statistics and the recorded
        trajectory. `load` rebuilds all of it: training continues exactly.
        """
        return checkpoint.save(self, path)

    @classmethod
    def load(cls, path: str | Path, data: Dataset, progress: bool = False) -> Trainer:
        """Rebuild a trainer saved by `save`; ``data`` is the dataset to continue on."""
        return checkpoint.load(cls, path, data, progress)
