"""Training an `MLP` on a `Dataset`: minibatch SGD, history, gradchecks, NaN hunting.

`Trainer.fit` runs one `mlgraph.value_and_grad` call per step. It records train/test
loss and accuracy per epoch, can run a sampled gradient check every N epochs, and stops
on divergence with a message naming the layer and the graph node where it started.
Layer 3: numpy, the standard library, tqdm and the kernel only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .datasets import Dataset
from .gradcheck import gradcheck
from .tracer import trace
from .nn import MLP, SGD, make_loss, one_hot, value_and_grad_fn
from .transforms import value_and_grad

__all__ = ["Trainer", "TrainingDiverged"]


class TrainingDiverged(FloatingPointError):
    """Training produced a non-finite or exploding loss; the message says where."""


def _default_loss(data: Dataset) -> str:
    return {"binary": "bce", "multiclass": "ce"}.get(data.task, "mse")


class Trainer:
    """Fit a model to a dataset with minibatch SGD and keep a history.

    Args:
        model: an `MLP` whose output width matches the task (1 for binary with ``bce``
            and for regression, ``n_classes`` for ``ce``).
        data: a `Dataset`.
        loss: ``"bce"``, ``"ce"``, ``"mse"``, or ``"auto"`` (from the dataset's task).
        optimizer: an `SGD` (default: ``SGD(lr=0.1, batch_size=32)``).
        l2, l1: regularization strengths (weights only).
        check_gradients_every: run a sampled gradcheck every N epochs (and record it in
            ``history["gradcheck"]``); ``None`` for never.
        gradcheck_k: entries per parameter for those checks.
        callbacks: functions ``callback(trainer, epoch, record)`` called after every
            epoch; returning ``False`` stops training.
        progress: show a tqdm progress bar.
        divergence_factor: stop when the loss exceeds this factor times the first one.

    Example:
        >>> from mlgraph import datasets, nn
        >>> from mlgraph.trainer import Trainer
        >>> data = datasets.xor(n=40, seed=0)
        >>> t = Trainer(nn.MLP([2, 8, 1], seed=0), data, progress=False,
        ...             optimizer=nn.SGD(lr=0.5, batch_size=None))
        >>> t.fit(200)["train_accuracy"][-1]
        1.0
    """

    def __init__(
        self,
        model: MLP,
        data: Dataset,
        loss: str = "auto",
        optimizer: SGD | None = None,
        l2: float = 0.0,
        l1: float = 0.0,
        check_gradients_every: int | None = None,
        gradcheck_k: int = 5,
        callbacks: Sequence[Callable] = (),
        progress: bool = True,
        divergence_factor: float = 1e6,
    ) -> None:
        self.model, self.data = model, data
        self.loss = _default_loss(data) if loss == "auto" else loss
        self.optimizer = optimizer if optimizer is not None else SGD()
        self.l2, self.l1 = float(l2), float(l1)
        self.check_gradients_every = check_gradients_every
        self.gradcheck_k = gradcheck_k
        self.callbacks = list(callbacks)
        self.progress = progress
        self.divergence_factor = divergence_factor
        self.objective = make_loss(model, self.loss, l2=self.l2, l1=self.l1)
        self._check_shapes()
        dtype = model.dtype
        self.X_train = np.asarray(data.X_train, dtype=dtype)
        self.X_test = np.asarray(data.X_test, dtype=dtype)
        self.y_train, self.y_test = (
            self._targets(data.y_train),
            self._targets(data.y_test),
        )
        self.epoch = 0
        self.step_count = 0
        self.history: dict[str, list] = {
            "epoch": [],
            "lr": [],
            "train_loss": [],
            "test_loss": [],
            "train_accuracy": [],
            "test_accuracy": [],
            "gradcheck": [],
        }
        self._first_loss: float | None = None

    def _check_shapes(self) -> None:
        d, out = self.model.sizes[0], self.model.sizes[-1]
        if d != self.data.n_features:
            raise ValueError(
                f"the model's input width is {d} but {self.data.name} has "
                f"{self.data.n_features} features; use sizes=[{self.data.n_features}"
                f", …]."
            )
        want = self.data.n_classes if self.loss == "ce" else 1
        if out != want:
            raise ValueError(
                f"loss {self.loss!r} on {self.data.name} needs {want} output(s),"
                f" but the model has {out}; end sizes with {want}."
            )

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
        opt, params = self.optimizer, self.model.params
        try:
            for _ in range(epochs):
                lr = opt.lr_at(self.epoch)
                for idx in opt.batches(len(self.X_train)):
                    X, y = self.X_train[idx], self.y_train[idx]
                    with np.errstate(all="ignore"):
                        value, grads = vg(*params, X, y)
                    value = float(value)
                    if self._first_loss is None:
                        self._first_loss = value
                    if not (
                        math.isfinite(value)
                        and all(np.all(np.isfinite(g)) for g in grads)
                    ):
                        raise TrainingDiverged(
                            self._diagnose(X, y, value, lr, "non-finite")
                        )
                    if abs(value) > self.divergence_factor * max(
                        abs(self._first_loss), 1.0
                    ):
                        raise TrainingDiverged(
                            self._diagnose(X, y, value, lr, "exploding")
                        )
                    opt.step(params, grads, lr)
                    self.step_count += 1
                record = self._record(lr)
                if bar is not None:
                    bar.update(1)
                    # NOTE: refresh=False leaves redrawing to tqdm's mininterval
                    bar.set_postfix(
                        loss=f"{record['train_loss']:.4g}",
                        acc=f"{record['train_accuracy']:.3f}",
                        refresh=False,
                    )
                if any(
                    cb(self, self.epoch - 1, record) is False for cb in self.callbacks
                ):
                    break
        finally:
            if bar is not None:
                bar.close()
        return self.history

    def _record(self, lr: float) -> dict[str, Any]:
        train_loss, train_acc = self.evaluate(self.X_train, self.y_train)
        test_loss, test_acc = (
            self.evaluate(self.X_test, self.y_test)
            if len(self.X_test)
            else (math.nan, math.nan)
        )
        record = {
            "epoch": self.epoch + 1,
            "lr": lr,
            "train_loss": train_loss,
            "test_loss": test_loss,
            "train_accuracy": train_acc,
            "test_accuracy": test_acc,
        }
        for key, value in record.items():
            self.history[key].append(value)
        self.epoch += 1
        every = self.check_gradients_every
        if every and self.epoch % every == 0:
            self.history["gradcheck"].append(self.check_gradients(mode="sampled"))
        return record

    def check_gradients(
        self, mode: str = "sampled", batch: int = 32, k: int | None = None
    ) -> dict[str, Any]:
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
        report = gradcheck(
            self.objective,
            *f64,
            self.X_train[idx].astype(np.float64),
            self.y_train[idx].astype(np.float64),
            argnums=tuple(range(len(self.model.params))),
            mode=mode,
            k=k or self.gradcheck_k,
            seed=self.epoch,
        )
        worst = max(report.params, key=lambda p: p.max_rel_error)
        return {
            "epoch": self.epoch,
            "mode": mode,
            "passed": report.passed,
            "max_rel_error": report.max_rel_error,
            "worst_parameter": worst.name,
            "kinks": sum(len(p.kinks) for p in report.params),
            "report": str(report),
        }

    def _diagnose(
        self, X: np.ndarray, y: np.ndarray, value: float, lr: float, why: str
    ) -> str:
        """Name the first node whose value is non-finite (or huge), and its layer."""
        names = self.model.param_names
        with np.errstate(all="ignore"):
            g = trace(self.objective, *self.model.params, X, y)
        bad = None
        # NOTE: first the first non-finite node; if there is none, the first huge one.
        for test in (
            lambda a: not np.all(np.isfinite(a)),
            lambda a: a.size and np.max(np.abs(a)) > 1e4,
        ):
            for i, v in enumerate(g.values):
                arr = np.asarray(v)
                if (
                    i in g.inputs and g.labels[i] in ("X", "y")
                ) or arr.dtype.kind != "f":
                    continue
                with np.errstate(all="ignore"):
                    if test(arr):
                        bad = i
                        break
            if bad is not None:
                break
        where_ = f"epoch {self.epoch + 1}, step {self.step_count + 1}"
        head = (
            f"training diverged at {where_}: the loss became {value:.4g}"
            if why == "non-finite"
            else f"training diverged at {where_}: the loss grew to {value:.4g} "
            f"(it started at {self._first_loss:.4g})"
        )
        if bad is None:
            # the forward values are finite: the blow-up is in the reverse sweep
            where = self._reverse_culprit(X, y)
            return (
                f"{head}. The forward pass is finite, but the gradient is not: "
                f"{where}. "
                f"The learning rate {lr:g} is probably too large; try {lr / 10:g}."
            )
        layer = self._layer_of(g, bad, names)
        ratio = self._update_ratios(X, y, lr)
        arr = np.asarray(g.values[bad])
        what = (
            ("nan" if np.any(np.isnan(arr)) else "inf")
            if not np.all(np.isfinite(arr))
            else f"values up to {np.max(np.abs(arr)):.3g}"
        )
        kind = "input" if g.prims[bad] is None else "node"
        return (
            f"{head}. It started in layer {layer} at {kind} v{bad} = {g.listing(bad)}"
            f" ({what}; the first such node of the graph).{ratio} The learning rate "
            f"{lr:g} is probably too large; try {lr / 10:g}, or a smaller init / batch."
        )

    def _update_ratios(self, X: np.ndarray, y: np.ndarray, lr: float) -> str:
        """The weight matrix whose step lr·‖∇W‖/‖W‖ is largest (healthy: ~1e-3)."""
        nums = tuple(range(len(self.model.params)))
        with np.errstate(all="ignore"):
            _, grads = value_and_grad(self.objective, argnums=nums)(
                *self.model.params, X, y
            )
            ratios = {
                name: lr
                * float(np.linalg.norm(gw))
                / max(float(np.linalg.norm(w)), 1e-300)
                for name, w, gw in zip(
                    self.model.param_names[0::2],
                    self.model.params[0::2],
                    grads[0::2],
                    strict=True,
                )
            }
        finite = {k: v for k, v in ratios.items() if math.isfinite(v)}
        if not finite or max(finite.values()) == 0:
            return ""
        worst = max(finite, key=finite.get)
        return (
            f" The largest relative step is in {worst}: lr·‖∇{worst}‖/‖{worst}‖ = "
            f"{finite[worst]:.3g} (healthy training keeps it near 1e-3)."
        )

    def _layer_of(self, g: Any, node: int, names: list[str]) -> str:
        """The deepest layer whose parameters the node depends on: 'W2' (with b2)."""
        seen, stack, found = set(), [node], set()
        while stack:
            i = stack.pop()
            if i in seen:
                continue
            seen.add(i)
            if g.prims[i] is None:
                if i in g.inputs and g.labels[i] in names:
                    found.add(g.labels[i])
                continue
            stack.extend(g.args[i])
        layers = [int(n[1:]) for n in found]
        if not layers:
            return "(input data)"
        k = max(layers)
        return f"W{k} (W{k}, b{k})"

    def _reverse_culprit(self, X: np.ndarray, y: np.ndarray) -> str:
        from .errors import debug_nans

        nums = tuple(range(len(self.model.params)))
        try:
            with debug_nans(), np.errstate(all="ignore"):
                value_and_grad(self.objective, argnums=nums)(*self.model.params, X, y)
        except FloatingPointError as err:
            return str(err).split(" produced ")[0].replace("debug_nans: ", "")
        return "no single node could be named"

    # --- saving ----------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write ``path.json`` (model and trainer config, history) and ``path.npz``
        (parameters, momentum). Returns the JSON path."""
        path = Path(path)
        base = path.with_suffix("") if path.suffix in (".json", ".npz") else path
        arrays = dict(self.model.state_dict())
        if self.optimizer.velocity is not None:
            arrays.update(
                {
                    f"velocity_{n}": v
                    for n, v in zip(
                        self.model.param_names, self.optimizer.velocity, strict=True
                    )
                }
            )
        np.savez(base.with_suffix(".npz"), **arrays)
        meta = {
            "format": "mlgraph-trainer-1",
            "model": self.model.config(),
            "trainer": {
                "loss": self.loss,
                "l2": self.l2,
                "l1": self.l1,
                "check_gradients_every": self.check_gradients_every,
                "gradcheck_k": self.gradcheck_k,
                "epoch": self.epoch,
                "step_count": self.step_count,
            },
            "optimizer": self.optimizer.config(),
            "optimizer_rng": self.optimizer.rng.bit_generator.state,
            "data": {
                "name": self.data.name,
                "task": self.data.task,
                "n_classes": self.data.n_classes,
            },
            "history": self.history,
        }
        json_path = base.with_suffix(".json")
        # NOTE: strict JSON has no NaN (regression has no accuracy): saved as null.
        meta["history"] = {
            k: [_nan_to_none(v) for v in vs] for k, vs in self.history.items()
        }
        json_path.write_text(
            json.dumps(meta, indent=1, default=_json_default, allow_nan=False)
        )
        return json_path

    @classmethod
    def load(cls, path: str | Path, data: Dataset, progress: bool = False) -> Trainer:
        """Rebuild a trainer saved by `save`; ``data`` is the dataset to continue on."""
        path = Path(path)
        base = path.with_suffix("") if path.suffix in (".json", ".npz") else path
        meta = json.loads(base.with_suffix(".json").read_text())
        cfg = dict(meta["model"])
        model = MLP(cfg.pop("sizes"), dtype=np.dtype(cfg.pop("dtype")), **cfg)
        with np.load(base.with_suffix(".npz")) as arrays:
            model.load_state_dict({n: arrays[n] for n in model.param_names})
            velocity = [
                arrays[f"velocity_{n}"]
                for n in model.param_names
                if f"velocity_{n}" in arrays.files
            ]
        opt = SGD(**meta["optimizer"])
        opt.rng.bit_generator.state = meta["optimizer_rng"]
        opt.velocity = velocity or None
        t = meta["trainer"]
        trainer = cls(
            model,
            data,
            loss=t["loss"],
            optimizer=opt,
            l2=t["l2"],
            l1=t["l1"],
            check_gradients_every=t["check_gradients_every"],
            gradcheck_k=t["gradcheck_k"],
            progress=progress,
        )
        trainer.epoch, trainer.step_count = t["epoch"], t["step_count"]
        trainer.history = {
            k: [math.nan if v is None else v for v in vs]
            for k, vs in meta["history"].items()
        }
        return trainer


def _nan_to_none(v: Any) -> Any:
    return None if isinstance(v, float) and not math.isfinite(v) else v


def _json_default(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(f"can't save a {type(x).__name__} to JSON")
