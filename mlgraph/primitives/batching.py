"""Batching rules: how a primitive runs on arguments that carry a leading batch axis.

A primitive's ``batch`` hook computes its output for ``b`` points at once (the grid
points of a loss surface): some arguments carry a leading axis of length ``b``, shape
``(b, *core)``, the others keep the shape they were traced with. The rule calls the
primitive's own ``forward`` with that axis placed where numpy leaves it alone, so every
number is the primitive's own. The rules shared by a family are defined once here; the
family modules name theirs in each block (``batch=batching.elementwise``). Layer 0:
numpy and the standard library only.

Rule signature, the same for every rule::

    batch(forward, args, batched, b, **params) -> out | None

- ``forward``: the primitive's forward (a family rule serves many primitives).
- ``args``: the node's arguments; ``batched[i]`` says whether ``args[i]`` carries the
  batch axis (then its core shape is ``args[i].shape[1:]``).
- ``b``: the length of the batch axis.
- ``params``: the node's static parameters, as its forward takes them.
- returns the output of shape ``(b, *out_core)``, or ``None`` for a case the rule does
  not cover: the caller then runs ``forward`` once per point (slower, as exact).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["elementwise", "reduction", "along_axis", "matmul", "reshape", "transpose",
           "broadcast_to", "getitem", "index_add", "concatenate", "stack"]

Forward = Callable[..., Any]


def _core_rank(args: Sequence[Any], batched: Sequence[bool]) -> int:
    """The largest core rank among the arguments (the batch axis not counted)."""
    # NOTE: a loop, not max(np.ndim(...)): rules run once per node and chunk of a grid,
    # so their own overhead shows next to small arrays. A constant may be a float.
    rank = 0
    for a, bt in zip(args, batched, strict=True):
        r = getattr(a, "ndim", 0) - bt
        if r > rank:
            rank = r
    return rank


def _lift(x: Any, rank: int) -> Any:
    """Reshape (b, *core) to (b, 1, …, 1, *core) with ``rank`` core axes.

    Then numpy's right-aligned broadcasting never pairs the batch axis with a core axis.
    """
    core = x.shape[1:]
    if len(core) >= rank:
        return x
    return x.reshape((x.shape[0],) + (1,) * (rank - len(core)) + core)


def _shift(axis: Any, core: int) -> tuple[int, ...]:
    """A reduction's axes (None: all) as axes of the batched array."""
    if axis is None:
        return tuple(range(1, core + 1))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(a % core + 1 for a in axes)


# --- families ------------------------------------------------------------------------


def elementwise(forward: Forward, args: Sequence[Any], batched: Sequence[bool], b: int,
                **params: Any) -> Any:
    """Entry by entry, with numpy broadcasting: + − × ÷, exp, tanh, where, relu ...

    Batched arguments of lower core rank get unit axes after the batch axis, so the
    batch axis stays in front and the core axes broadcast as they did when traced.
    """
    if len(args) == 1:                 # the batch axis is in front already
        return forward(args[0], **params)
    # NOTE: the hottest rule of a grid: _core_rank inlined, and zip without strict=
    # (which costs as much as the rest here); there is one flag per argument.
    pairs = tuple(zip(args, batched))  # noqa: B905
    rank = 0
    for a, bt in pairs:
        r = getattr(a, "ndim", 0) - bt
        if r > rank:
            rank = r
    for a, bt in pairs:
        if bt and a.ndim <= rank:      # usually none: x·W + b's batched x is widest
            return forward(*[_lift(a, rank) if bt else a for a, bt in pairs],
                           **params)
    return forward(*args, **params)


def reduction(forward: Forward, args: Sequence[Any], batched: Sequence[bool], b: int,
              **params: Any) -> Any:
    """Σ, mean, max, logΣexp over ``axis`` (None: all core axes): axes shift by 1."""
    (x,) = args
    return forward(x, **{**params, "axis": _shift(params.get("axis"), x.ndim - 1)})


def along_axis(forward: Forward, args: Sequence[Any], batched: Sequence[bool], b: int,
               *, axis: int = -1) -> Any:
    """softmax and log_softmax along one axis: a non-negative axis shifts by 1."""
    (x,) = args
    return forward(x, axis=axis if axis < 0 else axis + 1)


# --- linear algebra ------------------------------------------------------------------


def matmul(forward: Forward, args: Sequence[Any], batched: Sequence[bool], b: int
           ) -> Any:
    """x @ y with the batch axis as a stack axis (2-D @ 2-D as one wide product)."""
    x, y = args
    bx, by = batched
    cx, cy = getattr(x, "ndim", 0) - bx, getattr(y, "ndim", 0) - by
    if cx == 2 and cy == 2 and not by:          # (b, n, k) @ (k, m): one GEMM
        n, k = x.shape[1:]
        return forward(x.reshape(b * n, k), y).reshape(b, n, y.shape[1])
    if cx == 2 and cy == 2 and not bx:          # (n, k) @ (b, k, m): one GEMM
        k, m = y.shape[1:]
        wide = forward(x, y.transpose(1, 0, 2).reshape(k, b * m))
        return wide.reshape(x.shape[0], b, m).transpose(1, 0, 2)
    # NOTE: the general case promotes 1-D cores to matrices, as np.matmul does, so
    # the batch axis is always a stack axis, then drops the added axes again.
    if cx == 1:
        x = np.expand_dims(x, -2)
    if cy == 1:
        y = y[..., None]
    rank = max(x.ndim - bx, y.ndim - by)
    out = forward(_lift(x, rank) if bx else x, _lift(y, rank) if by else y)
    if cy == 1:
        out = out[..., 0]
    if cx == 1:
        out = out[..., 0] if cy == 1 else out[..., 0, :]
    return out


# --- shapes and indexing -------------------------------------------------------------


def reshape(forward: Forward, args: Sequence[Any], batched: Sequence[bool], b: int,
            *, shape: tuple[int, ...]) -> Any:
    """Every point keeps its own entries: (b, *core) → (b, *shape)."""
    return forward(args[0], shape=(b, *shape))


def transpose(forward: Forward, args: Sequence[Any], batched: Sequence[bool], b: int,
              *, axes: tuple[int, ...] | None = None) -> Any:
    """The core axes permuted, the batch axis left in front."""
    (x,) = args
    core = x.ndim - 1
    order = (tuple(range(core, 0, -1)) if axes is None
             else tuple(a % core + 1 for a in axes))
    return forward(x, axes=(0, *order))


def broadcast_to(forward: Forward, args: Sequence[Any], batched: Sequence[bool], b: int,
                 *, shape: tuple[int, ...]) -> Any:
    """(b, *core) broadcast to (b, *shape)."""
    shape = tuple(shape)
    return forward(_lift(args[0], len(shape)), shape=(b, *shape))


def _batch_index(index: Any) -> tuple | None:
    """The index with a leading ``:`` for the batch axis.

    None when numpy would move the batch axis (advanced indices that are not next to
    each other go first in numpy's result).
    """
    parts = index if isinstance(index, tuple) else (index,)
    arrays = [isinstance(p, np.ndarray) and p.ndim > 0 or isinstance(p, list)
              for p in parts]
    if any(arrays):
        advanced = [k for k, p in enumerate(parts) if arrays[k]
                    or isinstance(p, (int, np.integer)) and not isinstance(p, bool)]
        if advanced != list(range(advanced[0], advanced[-1] + 1)):
            return None
    return (slice(None), *parts)


def getitem(forward: Forward, args: Sequence[Any], batched: Sequence[bool], b: int,
            *, index: Any) -> Any:
    """x[index] at every point: x[:, index]."""
    at = _batch_index(index)
    return None if at is None else forward(args[0], index=at)


def index_add(forward: Forward, args: Sequence[Any], batched: Sequence[bool], b: int,
              *, index: Any, shape: tuple[int, ...]) -> Any:
    """The scatter of getitem's cotangent, at every point: out[:, index] += y."""
    at = _batch_index(index)
    return None if at is None else forward(args[0], index=at, shape=(b, *shape))


def _join(forward: Forward, args: Sequence[Any], batched: Sequence[bool], b: int,
          axis: int, new_axis: int) -> Any:
    full = [a if bt else np.broadcast_to(a, (b, *np.shape(a)))
            for a, bt in zip(args, batched, strict=True)]
    return forward(*full, axis=axis % (_core_rank(args, batched) + new_axis) + 1)


def concatenate(forward: Forward, args: Sequence[Any], batched: Sequence[bool], b: int,
                *, axis: int = 0) -> Any:
    """Joined along a core axis; unbatched arguments repeated at every point."""
    return _join(forward, args, batched, b, axis, 0)


def stack(forward: Forward, args: Sequence[Any], batched: Sequence[bool], b: int,
          *, axis: int = 0) -> Any:
    """Stacked on a new core axis; unbatched arguments repeated at every point."""
    return _join(forward, args, batched, b, axis, 1)
