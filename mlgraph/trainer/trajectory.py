"""`Trajectory`: copies of a model's parameters taken while it trains (its path).

`Trainer(..., record="epoch")` keeps one snapshot before training and one after every
epoch (``"step"``: after every optimizer step); `mlgraph.surface.pca_plane`,
`Surface.project`, `sharpness` and `mlgraph.plots` read it from the trainer, and
checkpoints save it. Layer 4: numpy and the standard library only.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Trajectory", "RECORD_MODES"]

#: When a `Trainer` takes a snapshot (``None``: never).
RECORD_MODES = ("epoch", "step", None)


@dataclass(eq=False)
class Trajectory:
    """Parameter snapshots in the order they were taken, with when each was taken.

    Attributes:
        names: the parameters' names (``W1, b1, …``).
        snapshots: one list of parameter arrays per snapshot, each a copy.
        epochs: the epochs completed at each snapshot (0: before training).
        steps: the optimizer steps taken at each snapshot.
    """

    names: list[str]
    snapshots: list[list[np.ndarray]] = field(default_factory=list)
    epochs: list[int] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)

    def append(self, params: Sequence[np.ndarray], epoch: int, step: int) -> None:
        """Keep a copy of ``params`` (later updates of the model never reach it)."""
        self.snapshots.append([np.array(p, copy=True) for p in params])
        self.epochs.append(int(epoch))
        self.steps.append(int(step))

    def __len__(self) -> int:
        return len(self.snapshots)

    def __getitem__(self, t: int | slice) -> Any:
        """Snapshot ``t`` (a slice: a list of snapshots)."""
        return self.snapshots[t]

    def __iter__(self) -> Iterator[list[np.ndarray]]:
        return iter(self.snapshots)

    def arrays(self) -> dict[str, np.ndarray]:
        """Each parameter's snapshots stacked, ``(T, *shape)``, by name (for saving)."""
        return {name: np.stack([s[k] for s in self.snapshots])
                for k, name in enumerate(self.names)} if self.snapshots else {}

    @classmethod
    def from_arrays(cls, names: Sequence[str], arrays: dict[str, np.ndarray],
                    epochs: Sequence[int], steps: Sequence[int]) -> Trajectory:
        """The trajectory `arrays` describes (the inverse of `arrays`)."""
        names = list(names)
        snaps = [[np.array(arrays[n][t]) for n in names] for t in range(len(epochs))]
        return cls(names, snaps, [int(e) for e in epochs], [int(s) for s in steps])

    def __repr__(self) -> str:
        if not self.snapshots:
            return "<Trajectory: no snapshots>"
        return (f"<Trajectory: {len(self)} snapshots of {', '.join(self.names)}, "
                f"epochs {self.epochs[0]}…{self.epochs[-1]}, steps "
                f"{self.steps[0]}…{self.steps[-1]}>")
