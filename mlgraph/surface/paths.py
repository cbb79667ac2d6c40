"""Optimizer paths: gradient descent run step by step, every point kept.

`descend` runs any `mlgraph.nn` optimizer on a loss (a classic function of two
variables, or a model's loss on data, full batch or in minibatches) and returns a
`Path` of parameter snapshots and losses (a `Trainer` records its own, with
``record="epoch"``). Headless: numpy and the kernel.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..nn import SGD
from ..transforms import value_and_grad
from . import _batched
from .classics import CLASSICS
from .results import _as_params

__all__ = ["Path", "descend"]


@dataclass(eq=False)
class Path:
    """The points an optimizer visited.

    Attributes:
        snapshots: the parameters at the start and after each step.
        losses: the loss (on all the data) at each snapshot.
        label: a name for legends, e.g. ``"Adam (η = 0.05)"``.
        diverged: the run stopped because the loss became non-finite or exploded.
        message: why it stopped early, if it did.
        steps: the optimizer steps taken.
    """

    snapshots: list[list[np.ndarray]]
    losses: np.ndarray
    label: str = ""
    diverged: bool = False
    message: str = ""
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def steps(self) -> int:
        """The number of optimizer steps taken."""
        return len(self.snapshots) - 1

    @property
    def xy(self) -> np.ndarray:
        """``(T, 2)``: the path of a two-parameter problem as points (x, y)."""
        if len(self.snapshots[0]) != 2 or any(np.size(p) != 1 for p in
                                              self.snapshots[0]):
            raise ValueError("xy needs a path over two scalar parameters; project "
                             "other paths onto a surface with surface.project(path).")
        return np.array([[float(p[0]), float(p[1])] for p in self.snapshots])

    @property
    def final(self) -> list[np.ndarray]:
        """The last parameters."""
        return self.snapshots[-1]

    def __repr__(self) -> str:
        end = "diverged" if self.diverged else f"final loss {self.losses[-1]:.4g}"
        return f"<Path {self.label or 'path'}: {self.steps} steps, {end}>"


def _label(opt: SGD, rows: int) -> str:
    """``"Adam (η = 0.05)"``; with data also the batch size (``batch 8``, ``full``)."""
    name = type(opt).__name__
    if name == "SGD" and opt.momentum:
        name = f"SGD + momentum {opt.momentum:g}"
    size = ""
    if rows:
        batch = opt.batch_size
        size = ", full batch" if batch is None or batch >= rows else f", batch {batch}"
    return f"{name} (η = {opt.lr:g}{size})"


def descend(f: str | Callable, start: Sequence[Any], *data: Any,
            optimizer: SGD | None = None, steps: int = 100, noise: float = 0.0,
            seed: int = 0, label: str | None = None, max_loss: float = 1e8) -> Path:
    """Run an optimizer from ``start`` and keep every point.

    Without data each step uses the full gradient of ``f(*params)``. With data
    (``X, y``…) the optimizer's ``batch_size`` decides: each step takes the gradient
    on one minibatch (rows of every data array, reshuffled each epoch by the
    optimizer's seeded generator), ``None`` for full batch. The recorded loss is
    always on all the data, so the paths of different batch sizes compare.

    Args:
        f: the loss ``f(*params, *data)``, or a classic's name (``"rosenbrock"``).
        start: the starting parameters, e.g. ``(-1.5, 2.0)`` for a function of two
            variables, or ``model.params``.
        *data: f's other arguments.
        optimizer: an `mlgraph.nn` optimizer; copied, so it starts fresh each call
            (default: ``SGD(lr=0.01)``, full batch).
        steps: optimizer steps.
        noise: standard deviation of Gaussian noise added to each gradient (perturbed
            gradient descent: a stand-in for minibatch noise on a plain function).
        seed: seeds the noise.
        label: the path's name (default: the optimizer and its settings).
        max_loss: stop as diverged when |loss| exceeds this times max(1, |first loss|).

    Returns:
        A `Path`.

    Example:
        >>> from mlgraph import nn, surface
        >>> p = surface.descend("bowl", (1.0, 1.0), optimizer=nn.SGD(lr=0.25), steps=3)
        >>> p.xy[:, 0].tolist()
        [1.0, 0.5, 0.25, 0.125]
    """
    fn = CLASSICS[f].f if isinstance(f, str) and f in CLASSICS else f
    if not callable(fn):
        raise ValueError(f"f must be a loss function or a classic's name (one of "
                         f"{', '.join(CLASSICS)}), got {f!r}.")
    opt = copy.deepcopy(optimizer) if optimizer is not None else SGD(lr=0.01,
                                                                     batch_size=None)
    scalar = all(np.ndim(getattr(p, "value", p)) == 0 for p in start)
    params = _as_params(start)
    n = len(params)
    vg = value_and_grad(fn, argnums=tuple(range(n)), reuse_graph=True)
    rng = np.random.default_rng(seed)
    rows = len(data[0]) if data else 0
    minibatch = bool(data) and opt.batch_size is not None and opt.batch_size < rows

    def call(ps: list[np.ndarray], batch: Sequence[Any]) -> tuple[float, list]:
        # NOTE: Python floats keep value_and_grad's graph cache keyed by type, not by
        # the identity of each new numpy scalar.
        args = [float(p) for p in ps] if scalar else ps
        with np.errstate(all="ignore"):
            value, grads = vg(*args, *batch)
        return float(value), [np.asarray(g, dtype=p.dtype).reshape(p.shape)
                              for g, p in zip(grads, ps, strict=True)]

    snaps = [[p.copy() for p in params]]
    losses = [_batched.direct(fn, params, data)]
    first = losses[0]
    message, epoch, batches = "", -1, iter(())
    for step in range(steps):
        if minibatch:
            idx = next(batches, None)
            if idx is None:                    # a new epoch: reshuffle
                batches = iter(opt.batches(rows))
                idx = next(batches)
                epoch += 1
            _, grads = call(params, [np.asarray(d)[idx] for d in data])
        else:                                  # full batch: every step is an epoch
            epoch = step
            _, grads = call(params, data)
        if noise:
            grads = [g + noise * rng.standard_normal(g.shape) for g in grads]
        if not all(np.all(np.isfinite(g)) for g in grads):
            message = f"the gradient became non-finite at step {len(snaps)}"
            break
        opt.step(params, grads, opt.lr_at(epoch))
        params = [np.asarray(p) for p in params]
        loss = _batched.direct(fn, params, data)
        snaps.append([p.copy() for p in params])
        losses.append(loss)
        if not math.isfinite(loss) or abs(loss) > max_loss * max(1.0, abs(first)):
            message = (f"the loss reached {loss:.3g} at step {len(snaps) - 1} "
                       f"(it started at {first:.3g}): the step size is too large")
            break
    return Path(snaps, np.array(losses), label or _label(opt, rows), bool(message),
                message, opt.config())
