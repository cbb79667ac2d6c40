"""Re-evaluating a traced graph with one checked argument moved in one entry.

Only the nodes downstream of that argument are recomputed, with plain numpy forwards;
a node whose primitive has an ``entry_update`` (a matmul) is updated by the change of
one entry instead of a new forward. That is what makes a full check cheaper than a plain
loop of 2n evaluations. The branch each kinked node takes (its primitive's ``kink``) is
read at the moved inputs too, so a difference that crosses a kink is recognised.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..graph import Graph

__all__ = ["Replay"]


class Replay:
    """The loss at moved inputs, and which kinked nodes changed branch."""

    def __init__(self, g: Graph) -> None:
        self.g = g
        self.kinks = [i for i, p in enumerate(g.prims)
                      if p is not None and p.kink is not None and g.needs[i]]
        self.base = {i: self.branch(i, g.values) for i in self.kinks}
        self.downstream = [g.downstream(inp) for inp in g.inputs]

    def branch(self, i: int, values: Sequence[Any]) -> np.ndarray:
        """The branch each entry of kinked node i is on, at ``values``."""
        g = self.g
        return np.asarray(g.prims[i].kink(*g.args_of(i, values), out=values[i],
                                           **g.params[i]))

    def __call__(self, xs: Sequence[Any], pos: int, entry: tuple[int, ...]
                 ) -> tuple[float, list[int]]:
        """f's value, and the kinked nodes whose branch differs from the unmoved one.

        Input ``pos`` is already moved, in place, at ``entry``.
        """
        g = self.g
        inp = g.inputs[pos]
        values = list(g.values)
        values[inp] = xs[pos]
        changed = {inp}
        with np.errstate(all="ignore"):
            for i in self.downstream[pos]:
                values[i] = self._update(i, values, inp, entry, changed)
                changed.add(i)
        switched = [i for i in self.kinks
                    if not np.array_equal(self.branch(i, values), self.base[i])]
        return float(np.asarray(values[g.output])), switched

    def _update(self, i: int, values: list, inp: int, entry: tuple[int, ...],
                changed: set) -> Any:
        """Node i's new value: an ``entry_update`` if possible, else its forward.

        The update applies when the moved input is the node's only changed argument.
        """
        g = self.g
        prim, args = g.prims[i], g.args[i]
        if prim.entry_update is not None and args.count(inp) == 1 and not (
                changed & set(args) - {inp}):
            delta = values[inp][entry] - g.values[inp][entry]
            new = prim.entry_update(args.index(inp), entry, delta,
                                    *g.args_of(i, values), out=g.values[i],
                                    **g.params[i])
            if new is not None:
                return new
        return g.apply(i, values)
