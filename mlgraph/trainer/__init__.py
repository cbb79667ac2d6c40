"""Training an `MLP` on a `Dataset`: the training loop, its diagnosis and checkpoints.

`training` holds `Trainer` (minibatch SGD, history, gradient checks during training) and
the rules that pick a loss and an output width from a task; `diagnosis` explains a
divergence with a structured `TrainingDiverged`; `trajectory` holds the parameter
snapshots a trainer records; `checkpoint` saves and loads.
Layer 4: numpy, the standard library, tqdm and the kernel only.
"""

from __future__ import annotations

from .diagnosis import TrainingDiverged
from .training import Trainer, default_loss, output_width
from .trajectory import Trajectory

__all__ = ["Trainer", "TrainingDiverged", "Trajectory", "default_loss", "output_width"]
