"""Saving a `Trainer` to ``path.json`` and ``path.npz``, and rebuilding it from them.

The JSON holds the classes and configurations of the model and the optimizer, the
trainer's settings, counters and history; the npz every array: the parameters, the
optimizer's state between steps (momentum's velocity, RMSprop's running mean of g²,
Adam's moments), batch normalization's training-set statistics and the recorded
trajectory. A loaded trainer continues exactly as the saved one would have.

Strict JSON has no NaN (a regression has no accuracy), so NaN is saved as ``null`` and
read back as NaN.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..datasets import Dataset
from ..nn import MLP, OPTIMIZERS, DeepMLP
from ..plain import jsonable
from .trajectory import Trajectory

if TYPE_CHECKING:
    from .training import Trainer

__all__ = ["save", "load", "FORMAT", "MODELS"]

FORMAT = "mlgraph-trainer-2"

#: The model classes a checkpoint can rebuild, by class name.
MODELS: dict[str, type] = {"MLP": MLP, "DeepMLP": DeepMLP}
_OPTIMIZERS = {cls.__name__: cls for cls in OPTIMIZERS.values()}


def _base(path: str | Path) -> Path:
    path = Path(path)
    return path.with_suffix("") if path.suffix in (".json", ".npz") else path


def _class_name(obj: Any, known: dict[str, type], what: str) -> str:
    name = type(obj).__name__
    if known.get(name) is not type(obj):
        raise TypeError(f"a checkpoint can't rebuild the {what} {name}; it knows "
                        f"{', '.join(known)}.")
    return name


def _optimizer_state(opt: Any, names: list[str]) -> tuple[dict, dict]:
    """(arrays, scalars) of the optimizer's state between steps (its ``STATE``)."""
    arrays, scalars = {}, {}
    for attr in type(opt).STATE:
        value = getattr(opt, attr)
        if isinstance(value, list):
            arrays.update({f"optimizer/{attr}/{n}": v
                           for n, v in zip(names, value, strict=True)})
        elif value is not None:
            scalars[attr] = value
    return arrays, scalars


def _norm_statistics(model: Any) -> dict[str, np.ndarray]:
    """Batch normalization's training-set statistics (`DeepMLP.set_statistics`)."""
    out = {}
    for norm in getattr(model, "norms", ()):
        if norm.mean is not None:
            out[f"norm/{norm.index}/mean"] = norm.mean
            out[f"norm/{norm.index}/var"] = norm.var
    return out


def save(trainer: Trainer, path: str | Path) -> Path:
    """Write the trainer to ``path.json`` and ``path.npz``; returns the JSON path.

    Raises:
        TypeError: for a model or an optimizer class a checkpoint cannot rebuild.
    """
    base = _base(path)
    model, opt = trainer.model, trainer.optimizer
    names = list(model.param_names)
    model_class = _class_name(model, MODELS, "model")
    opt_class = _class_name(opt, _OPTIMIZERS, "optimizer")
    if callable(opt.schedule):
        warnings.warn("the learning-rate schedule is a function, which a checkpoint "
                      "cannot hold: the loaded trainer has a constant rate. Set "
                      "trainer.optimizer.schedule again after Trainer.load.",
                      stacklevel=3)
    opt_arrays, opt_scalars = _optimizer_state(opt, names)
    traj = trainer.trajectory
    arrays = {**{f"param/{n}": p for n, p in zip(names, model.params, strict=True)},
              **opt_arrays, **_norm_statistics(model),
              **{f"trajectory/{n}": a for n, a in traj.arrays().items()}}
    np.savez(base.with_suffix(".npz"), **arrays)
    meta = {
        "format": FORMAT,
        "model_class": model_class,
        "model": model.config(),
        "model_training": getattr(model, "training", True),
        "trainer": {
            "loss": trainer.loss, "l2": trainer.l2, "l1": trainer.l1,
            "check_gradients_every": trainer.check_gradients_every,
            "gradcheck_k": trainer.gradcheck_k, "epoch": trainer.epoch,
            "step_count": trainer.step_count, "first_loss": trainer.first_loss,
            "divergence_factor": trainer.divergence_factor, "record": trainer.record,
        },
        "optimizer_class": opt_class,
        "optimizer": opt.config(),
        "optimizer_state": opt_scalars,
        "optimizer_rng": opt.rng.bit_generator.state,
        "trajectory": {"epochs": traj.epochs, "steps": traj.steps},
        "data": {"name": trainer.data.name, "task": trainer.data.task,
                 "n_classes": trainer.data.n_classes},
        "history": trainer.history,
    }
    json_path = base.with_suffix(".json")
    json_path.write_text(json.dumps(jsonable(meta), indent=1, allow_nan=False))
    return json_path


def _rebuild_model(meta: dict, arrays: Any) -> Any:
    model = MODELS[meta["model_class"]](**meta["model"])
    names = list(model.param_names)
    model.load_state_dict({n: arrays[f"param/{n}"] for n in names})
    for norm in getattr(model, "norms", ()):
        if f"norm/{norm.index}/mean" in arrays.files:
            norm.mean = arrays[f"norm/{norm.index}/mean"]
            norm.var = arrays[f"norm/{norm.index}/var"]
    if hasattr(model, "training"):
        model.training = meta["model_training"]
    return model


def _rebuild_optimizer(meta: dict, arrays: Any, names: list[str]) -> Any:
    opt = _OPTIMIZERS[meta["optimizer_class"]](**meta["optimizer"])
    opt.rng.bit_generator.state = meta["optimizer_rng"]
    for attr in type(opt).STATE:
        if f"optimizer/{attr}/{names[0]}" in arrays.files:
            setattr(opt, attr, [arrays[f"optimizer/{attr}/{n}"] for n in names])
        elif attr in meta["optimizer_state"]:
            setattr(opt, attr, meta["optimizer_state"][attr])
    return opt


class _Format1:
    """A first-format checkpoint (an MLP trained by SGD) read with today's names."""

    def __init__(self, meta: dict, npz: Any) -> None:
        self.npz = npz
        self.files = [f"optimizer/velocity/{k[9:]}" if k.startswith("velocity_")
                      else f"param/{k}" for k in npz.files]
        self.meta = {**meta, "model_class": "MLP", "model_training": True,
                     "optimizer_class": "SGD", "optimizer_state": {},
                     "trajectory": {"epochs": [], "steps": []},
                     "trainer": {"first_loss": None, "divergence_factor": 1e6,
                                 "record": None, **meta["trainer"]}}

    def __getitem__(self, key: str) -> np.ndarray:
        kind, _, rest = key.partition("/")
        return self.npz[f"velocity_{rest[9:]}" if kind == "optimizer" else rest]


def load(cls: type[Trainer], path: str | Path, data: Dataset, progress: bool = False
         ) -> Trainer:
    """Rebuild a trainer written by `save`; ``data`` is the dataset to continue on.

    Checkpoints of the first format (an MLP with SGD, before optimizers, DeepMLP and
    trajectories were saved) load too.

    Raises:
        ValueError: for a file that is not an mlgraph checkpoint.
    """
    base = _base(path)
    meta = json.loads(base.with_suffix(".json").read_text())
    if meta.get("format") not in (FORMAT, "mlgraph-trainer-1"):
        raise ValueError(f"{base.with_suffix('.json')} is not an mlgraph trainer "
                         f"checkpoint (its format is {meta.get('format')!r}, expected "
                         f"{FORMAT!r}).")
    with np.load(base.with_suffix(".npz")) as npz:
        arrays = npz
        if meta["format"] == "mlgraph-trainer-1":
            arrays = _Format1(meta, npz)
            meta = arrays.meta
        model = _rebuild_model(meta, arrays)
        names = list(model.param_names)
        opt = _rebuild_optimizer(meta, arrays, names)
        traj = meta["trajectory"]
        trajectory = Trajectory.from_arrays(
            names, {n: arrays[f"trajectory/{n}"] for n in names} if traj["epochs"]
            else {}, traj["epochs"], traj["steps"])
    t = meta["trainer"]
    trainer = cls(model, data, loss=t["loss"], optimizer=opt, l2=t["l2"], l1=t["l1"],
                  check_gradients_every=t["check_gradients_every"],
                  gradcheck_k=t["gradcheck_k"], progress=progress,
                  divergence_factor=t["divergence_factor"], record=t["record"])
    trainer.epoch, trainer.step_count = t["epoch"], t["step_count"]
    trainer.first_loss = t["first_loss"]
    trainer.trajectory = trajectory
    trainer.history = {k: [math.nan if v is None else v for v in vs]
                       for k, vs in meta["history"].items()}
    return trainer
