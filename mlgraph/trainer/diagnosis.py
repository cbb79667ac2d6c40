"""Why training diverged: the first bad node, its layer, and the step that got there.

The first node is the first whose value went non-finite (or huge); the step is the
learning rate's relative step on the weights.

`diagnose` walks the traced objective's values (and, when they are finite, runs the
reverse sweep under `debug_nans`, whose `NonFiniteError` names the cotangent) and
returns a `TrainingDiverged` carrying those facts as fields and as a message.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import NonFiniteError, debug_nans
from ..graph import Graph
from ..tracer import trace
from ..transforms import value_and_grad

if TYPE_CHECKING:
    from .training import Trainer

__all__ = ["TrainingDiverged", "diagnose"]

#: A forward value this large counts as the start of an explosion.
HUGE = 1e4


class TrainingDiverged(FloatingPointError):
    """Training produced a non-finite or exploding loss; the message says where.

    Attributes:
        epoch, step: where it happened (1-based).
        loss: the loss of that step.
        reason: ``"non-finite"`` or ``"exploding"``.
        node: the first node of the objective's graph with a non-finite (or huge) value,
            or whose cotangent became non-finite; ``None`` if none could be named.
        where: that node as the message shows it, ``"v12 = tanh(v11)"``.
        layer: the deepest layer it depends on, ``"W2 (W2, b2)"``.
        lr: the learning rate of the step.
    """

    def __init__(self, message: str, *, epoch: int, step: int, loss: float, reason: str,
                 node: int | None, where: str, layer: str | None, lr: float) -> None:
        super().__init__(message)
        self.epoch, self.step, self.loss, self.reason = epoch, step, loss, reason
        self.node, self.where, self.layer, self.lr = node, where, layer, lr


def diagnose(trainer: Trainer, X: np.ndarray, y: np.ndarray, value: float, lr: float,
             reason: str) -> TrainingDiverged:
    """The `TrainingDiverged` for a step whose loss is ``value``.

    ``reason`` is ``"non-finite"`` or ``"exploding"``.
    """
    with np.errstate(all="ignore"):
        g = trace(trainer.objective, *trainer.model.params, X, y)
    at = f"epoch {trainer.epoch + 1}, step {trainer.step_count + 1}"
    head = (f"training diverged at {at}: the loss became {value:.4g}"
            if reason == "non-finite" else
            f"training diverged at {at}: the loss grew to {value:.4g} (it started at "
            f"{trainer.first_loss:.4g})")
    facts = {"epoch": trainer.epoch + 1, "step": trainer.step_count + 1, "loss": value,
             "reason": reason, "lr": lr}
    bad = _first_bad_node(g)
    if bad is None:
        # the forward values are finite: the blow-up is in the reverse sweep
        node, where = _reverse_culprit(trainer, X, y)
        return TrainingDiverged(
            f"{head}. The forward pass is finite, but the gradient is not: {where}. "
            f"The learning rate {lr:g} is probably too large; try {lr / 10:g}.",
            node=node, where=where, layer=None, **facts)
    layer = _layer_of(g, bad, trainer.model.param_names)
    where = f"v{bad} = {g.listing(bad)}"
    arr = np.asarray(g.values[bad])
    what = (("nan" if np.any(np.isnan(arr)) else "inf") if not np.all(np.isfinite(arr))
            else f"values up to {np.max(np.abs(arr)):.3g}")
    kind = "input" if g.kind(bad) == "input" else "node"
    return TrainingDiverged(
        f"{head}. It started in layer {layer} at {kind} {where} ({what}; the first "
        f"such node of the graph).{_update_ratios(trainer, X, y, lr)} The learning "
        f"rate {lr:g} is probably too large; try {lr / 10:g}, or a smaller init / "
        "batch.",
        node=bad, where=where, layer=layer, **facts)


def _first_bad_node(g: Graph) -> int | None:
    """The first node (not data) with a non-finite value; failing that, a huge one."""
    data = {i for i in g.inputs if not g.needs[i]} | {
        i for i in g.inputs if g.labels[i] in ("X", "y")}
    for test in (lambda a: not np.all(np.isfinite(a)),
                 lambda a: a.size and np.max(np.abs(a)) > HUGE):
        for i, v in enumerate(g.values):
            arr = np.asarray(v)
            if i in data or arr.dtype.kind != "f":
                continue
            with np.errstate(all="ignore"):
                if test(arr):
                    return i
    return None


def _layer_of(g: Graph, node: int, names: list[str]) -> str:
    """The deepest layer whose parameters the node depends on: 'W2 (W2, b2)'."""
    found = {g.labels[i] for i in g.upstream(node)
             if g.kind(i) == "input" and g.labels[i] in names}
    layers = [int(n[1:]) for n in found]
    if not layers:
        return "(input data)"
    k = max(layers)
    return f"W{k} (W{k}, b{k})"


def _update_ratios(trainer: Trainer, X: np.ndarray, y: np.ndarray, lr: float) -> str:
    """The weight matrix whose step lr·‖∇W‖/‖W‖ is largest (healthy: ~1e-3)."""
    model = trainer.model
    nums = tuple(range(len(model.params)))
    with np.errstate(all="ignore"):
        _, grads = value_and_grad(trainer.objective, argnums=nums)(*model.params, X, y)
        ratios = {name: lr * float(np.linalg.norm(gw)) / max(float(np.linalg.norm(w)),
                                                             1e-300)
                  for name, w, gw in zip(model.param_names[0::2], model.params[0::2],
                                         grads[0::2], strict=True)}
    finite = {k: v for k, v in ratios.items() if math.isfinite(v)}
    if not finite or max(finite.values()) == 0:
        return ""
    worst = max(finite, key=finite.get)
    return (f" The largest relative step is in {worst}: lr·‖∇{worst}‖/‖{worst}‖ = "
            f"{finite[worst]:.3g} (healthy training keeps it near 1e-3).")


def _reverse_culprit(trainer: Trainer, X: Any, y: Any) -> tuple[int | None, str]:
    """The first cotangent the reverse sweep makes non-finite, as (node, text)."""
    nums = tuple(range(len(trainer.model.params)))
    try:
        with debug_nans(), np.errstate(all="ignore"):
            value_and_grad(trainer.objective, argnums=nums)(*trainer.model.params, X, y)
    except NonFiniteError as err:
        return err.node, err.where
    return None, "no single node could be named"
