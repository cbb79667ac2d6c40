"""Re-evaluating a traced graph with one checked argument moved in one entry.

Only the nodes downstream of that argument are recomputed, with plain numpy forwards;
a node whose primitive has an ``entry_update`` (a matmul) is updated by the change of
one entry instead of a new forward. That is what makes a full check cheaper than a plain
loop of 2n evaluations. The branch each kinked node takes (its primitive's ``kink``) is
read at the moved inputs too, so a difference that crosses a kink is recognised.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..graph import Graph

__all__ = ["Replay", "first_nonfinite"]


class Replay:
    """The loss at moved inputs, and which kinked nodes changed branch."""

    def __init__(self, g: Graph) -> None:
        self.g = g
        # NOTE: each node's primitive, arguments and parameters are looked up once
        # here: a full check replays the graph twice per entry of every parameter.
        step = {i: (i, p, g.args[i], g.params[i])
                for i, p in enumerate(g.prims) if p is not None}
        self.kinks = [i for i in step if step[i][1].kink is not None and g.needs[i]]
        self._kinked = [step[i] for i in self.kinks]
        self.base = [self._branch(node, g.values) for node in self._kinked]
        self.downstream = [[step[i] for i in g.downstream(inp)] for inp in g.inputs]

    @staticmethod
    def _branch(node: tuple, values: Sequence[Any]) -> np.ndarray:
        i, prim, args, params = node
        branch = prim.kink(*[values[j] for j in args], out=values[i], **params)
        return np.asarray(branch)

    def __call__(self, xs: Sequence[Any], pos: int, entry: tuple[int, ...]
                 ) -> tuple[float, list[int], int | None]:
        """f's value, the kinked nodes that switched branch, the node out of its domain.

        The kinked nodes are those whose branch differs from the unmoved one; the last
        is the first node whose value stopped being finite (``None``: none). Input
        ``pos`` is already moved, in place, at ``entry``.
        """
        g = self.g
        inp = g.inputs[pos]
        base = g.values
        values = list(base)
        values[inp] = xs[pos]
        changed = {inp}
        with np.errstate(all="ignore"):
            for i, prim, args, params in self.downstream[pos]:
                new = None
                if prim.entry_update is not None and args.count(inp) == 1 and not (
                        changed.intersection(args) - {inp}):
                    # the moved input is the node's only changed argument
                    delta = values[inp][entry] - base[inp][entry]
                    new = prim.entry_update(args.index(inp), entry, delta,
                                            *[values[j] for j in args], out=base[i],
                                            **params)
                if new is None:
                    new = prim.forward(*[values[j] for j in args], **params)
                values[i] = new
                changed.add(i)
        switched = [node[0] for node, was in zip(self._kinked, self.base, strict=True)
                    if not np.array_equal(self._branch(node, values), was)]
        value = float(np.asarray(values[g.output]))
        return value, switched, None if math.isfinite(value) else first_nonfinite(
            values, base, (i for i, *_ in self.downstream[pos]))


def first_nonfinite(values: Sequence[Any], base: Sequence[Any], order: Any
                    ) -> int | None:
    """The first node (in ``order``) whose value is not finite though its base was."""
    for i in order:
        if not np.all(np.isfinite(values[i])) and np.all(np.isfinite(base[i])):
            return i
    return None
