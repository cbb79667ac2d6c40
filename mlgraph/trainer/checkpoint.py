"""Saving a `Trainer` to ``path.json`` and ``path.npz``, and rebuilding it from them.

The JSON holds the model's and trainer's configuration and the history; the npz the
parameters and the momentum.

Strict JSON has no NaN (a regression has no accuracy), so NaN is saved as ``null`` and
read back as NaN.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..datasets import Dataset
from ..nn import MLP, SGD
from ..plain import jsonable

if TYPE_CHECKING:
    from .training import Trainer

__all__ = ["save", "load", "FORMAT"]

FORMAT = "mlgraph-trainer-1"


def _base(path: str | Path) -> Path:
    path = Path(path)
    return path.with_suffix("") if path.suffix in (".json", ".npz") else path


def save(trainer: Trainer, path: str | Path) -> Path:
    """Write the trainer to ``path.json`` and ``path.npz``; returns the JSON path."""
    base = _base(path)
    model, opt = trainer.model, trainer.optimizer
    arrays = dict(model.state_dict())
    if opt.velocity is not None:
        arrays.update({f"velocity_{n}": v
                       for n, v in zip(model.param_names, opt.velocity, strict=True)})
    np.savez(base.with_suffix(".npz"), **arrays)
    meta = {
        "format": FORMAT,
        "model": model.config(),
        "trainer": {
            "loss": trainer.loss, "l2": trainer.l2, "l1": trainer.l1,
            "check_gradients_every": trainer.check_gradients_every,
            "gradcheck_k": trainer.gradcheck_k, "epoch": trainer.epoch,
            "step_count": trainer.step_count,
        },
        "optimizer": opt.config(),
        "optimizer_rng": opt.rng.bit_generator.state,
        "data": {"name": trainer.data.name, "task": trainer.data.task,
                 "n_classes": trainer.data.n_classes},
        "history": trainer.history,
    }
    json_path = base.with_suffix(".json")
    json_path.write_text(json.dumps(jsonable(meta), indent=1, allow_nan=False))
    return json_path


def load(cls: type[Trainer], path: str | Path, data: Dataset, progress: bool = False
         ) -> Trainer:
    """Rebuild a trainer written by `save`; ``data`` is the dataset to continue on."""
    base = _base(path)
    meta = json.loads(base.with_suffix(".json").read_text())
    cfg = dict(meta["model"])
    model = MLP(cfg.pop("sizes"), dtype=np.dtype(cfg.pop("dtype")), **cfg)
    with np.load(base.with_suffix(".npz")) as arrays:
        model.load_state_dict({n: arrays[n] for n in model.param_names})
        velocity = [arrays[f"velocity_{n}"] for n in model.param_names
                    if f"velocity_{n}" in arrays.files]
    opt = SGD(**meta["optimizer"])
    opt.rng.bit_generator.state = meta["optimizer_rng"]
    opt.velocity = velocity or None
    t = meta["trainer"]
    trainer = cls(model, data, loss=t["loss"], optimizer=opt, l2=t["l2"], l1=t["l1"],
                  check_gradients_every=t["check_gradients_every"],
                  gradcheck_k=t["gradcheck_k"], progress=progress)
    trainer.epoch, trainer.step_count = t["epoch"], t["step_count"]
    trainer.history = {k: [math.nan if v is None else v for v in vs]
                       for k, vs in meta["history"].items()}
    return trainer
