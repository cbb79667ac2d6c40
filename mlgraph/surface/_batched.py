"""Evaluate a traced loss at many parameter points at once: a leading grid axis.

`evaluate(f, center, directions, coeffs, data)` traces ``f`` once at ``center`` and
walks the graph node by node, calling each primitive's own ``forward`` on arrays that
carry a leading axis of grid points. How a primitive treats that axis is a small
batching rule in ``_RULES`` below; a primitive without a rule is run point by point
(correct, slower) and named in the result's notes. Every number is the engine's: no
second copy of the model's forward pass exists. Imports numpy and the kernel only.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# NOTE: the kernel through its public API only (mlgraph's top level), so the core's
# modules can be rearranged without touching this file.
from ..tracer import Tensor, trace

__all__ = ["evaluate", "direct", "GridResult"]

#: Largest number of entries of one intermediate array per chunk of grid points, so a
#: chunk's arrays stay small, in cache, and in memory malloc reuses (measured best
#: between 2¹⁵ and 2¹⁶ on the surface benchmarks).
CHUNK_ENTRIES = 1 << 15

#: Grid points checked against a direct call of f after every batched evaluation.
_CHECKS = 3


@dataclass
class GridResult:
    """The loss at every grid point, and how it was computed.

    Attributes:
        values: ``(B,)`` losses, ``values[p]`` at ``center + Σₖ coeffs[p, k]·dₖ``.
        seconds: wall time of the evaluation.
        batched: True when the graph was evaluated with a leading grid axis.
        notes: what the evaluator could not batch (primitives run point by point,
            or why the whole grid fell back to one call of f per point).
    """

    values: np.ndarray
    seconds: float
    batched: bool
    notes: list[str] = field(default_factory=list)


def direct(f: Callable, params: Sequence[Any], data: Sequence[Any]) -> float:
    """The loss at one point: f called on plain arrays (the eager primitives)."""
    with np.errstate(all="ignore"):
        out = f(*params, *data)
    return float(np.asarray(out.value if isinstance(out, Tensor) else out))


def point(center: Sequence[np.ndarray], directions: Sequence[Sequence[Any]],
          c: Sequence[float]) -> list[np.ndarray]:
    """``center + Σₖ c[k]·directions[k]``, parameter by parameter."""
    out = []
    for i, p in enumerate(center):
        v = p
        for ck, d in zip(c, directions, strict=True):
            if d[i] is not None:
                v = v + float(ck) * d[i]
        out.append(np.asarray(v, dtype=p.dtype))
    return out


def evaluate(f: Callable, center: Sequence[np.ndarray],
             directions: Sequence[Sequence[np.ndarray | None]], coeffs: np.ndarray,
             data: Sequence[Any] = (), names: Sequence[str] | None = None,
             progress: bool | None = None, desc: str = "loss surface") -> GridResult:
    """The loss ``f(*θ, *data)`` at ``θ = center + Σₖ coeffs[p, k]·directions[k]``.

    This is the one function the surface API calls to fill a grid; swap it to change
    how grids are computed. It traces f once, evaluates the graph on a leading axis
    of grid points chunk by chunk, then checks a few grid points against direct calls
    of f. If they disagree (f branched on its values while being traced, so its graph
    only holds near the centre), it recomputes every point with a direct call.

    Args:
        f: the loss, ``f(*params, *data)`` returning a scalar.
        center: the parameter arrays at the origin of the grid.
        directions: K directions, each one array per parameter (``None``: zero).
        coeffs: ``(B, K)`` coefficients, one row per grid point.
        data: f's remaining arguments (not moved).
        names: the parameters' names (for the graph's labels).
        progress: a tqdm bar; ``None`` shows one when the grid takes over a second.
        desc: the bar's label.
    """
    t0 = time.perf_counter()
    coeffs = np.asarray(coeffs, dtype=np.float64).reshape(len(coeffs), -1)
    names = list(names) if names else [f"p{i}" for i in range(len(center))]
    moving = [any(d[i] is not None and np.any(d[i]) for d in directions)
              for i in range(len(center))]
    notes: list[str] = []
    with np.errstate(all="ignore"):
        inputs = [Tensor(np.array(p), name=n)
                  for p, n in zip(center, names, strict=True)]
        g = trace(lambda *ps: f(*ps, *data), *inputs)
        values = _run_graph(g, center, directions, coeffs, moving, notes, progress,
                            desc)
    bad = _disagreement(f, center, directions, coeffs, data, values)
    if bad is not None:
        notes.append(
            f"the graph traced at the centre gave {bad[1]:.6g} at grid point "
            f"{bad[0]} where f itself gives {bad[2]:.6g}: f branches on its values "
            "(a comparison, np.asarray or an if on a parameter), so every grid point "
            "was computed by one call of f.")
        values = _per_point(f, center, directions, coeffs, data, progress, desc)
        return GridResult(values, time.perf_counter() - t0, False, notes)
    return GridResult(values, time.perf_counter() - t0, True, notes)


def _disagreement(f, center, directions, coeffs, data, values):
    """The first checked grid point where the batched value differs from f's own."""
    n = len(coeffs)
    for p in sorted({0, n // 2, n - 1})[:_CHECKS]:
        want = direct(f, point(center, directions, coeffs[p]), data)
        got = float(values[p])
        same = (got == want or (math.isnan(got) and math.isnan(want))
                or abs(got - want) <= 1e-9 * max(1.0, abs(want)))
        if not same:
            return p, got, want
    return None


def _per_point(f, center, directions, coeffs, data, progress, desc) -> np.ndarray:
    out = np.empty(len(coeffs))
    bar, t_start = None, time.perf_counter()
    for p, c in enumerate(coeffs):
        out[p] = direct(f, point(center, directions, c), data)
        bar = _progress(bar, progress, p + 1, len(coeffs), t_start, desc)
    if bar is not None:
        bar.close()
    return out


def _bar(total: int, desc: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=" points", leave=False)


def _run_graph(g, center, directions, coeffs, moving, notes, progress, desc):
    nodes = g.nodes
    input_pos = {nid: k for k, nid in enumerate(g.inputs)}
    batched = [False] * len(nodes)
    for nid, k in input_pos.items():
        batched[nid] = moving[k]
    for node in nodes:
        if node.kind == "op" and any(batched[j] for j in node.inputs):
            batched[node.id] = True
    out_id = g.output
    if not batched[out_id]:            # f does not depend on the moving parameters
        return np.full(len(coeffs), float(nodes[out_id].value))
    widest = max(math.prod(n.shape) for n in nodes if batched[n.id])
    chunk = max(1, CHUNK_ENTRIES // max(widest, 1))
    # NOTE: unbatched nodes keep their traced values: they don't depend on the grid
    vals: list[Any] = [None if batched[n.id] else n.value for n in nodes]
    moved = []                         # (node id, centre, K × size directions)
    for n in nodes:
        if n.kind == "input" and batched[n.id]:
            base = center[input_pos[n.id]]
            flat = np.stack([np.zeros(base.size) if d[input_pos[n.id]] is None else
                             np.ravel(d[input_pos[n.id]]) for d in directions])
            moved.append((n.id, base, flat.astype(base.dtype)))
    plan = [[n, _RULES.get(n.op), n.primitive, n.inputs,
             _Static([batched[j] for j in n.inputs],
                     [nodes[j].shape for j in n.inputs]), dict(n.params)]
            for n in nodes if n.kind == "op" and batched[n.id]]
    out = np.empty(len(coeffs))
    bar, t_start = None, time.perf_counter()
    # NOTE: each chunk's arrays replace the previous chunk's one by one, so numpy gets
    # memory malloc just freed instead of fresh pages from the system (page faults
    # cost more than the arithmetic here).
    for start in range(0, len(coeffs), chunk):
        c = coeffs[start:start + chunk]
        b = len(c)
        for i, base, flat in moved:
            vals[i] = (c @ flat).reshape((b, *base.shape)) + base
        if start == 0 or b != chunk:       # the first and a short last chunk: checked
            for step in plan:
                vals[step[0].id] = _first_apply(step, vals, b, notes)
        else:
            for node, rule, prim, ins, static, params in plan:
                vals[node.id] = rule(prim, [vals[j] for j in ins], static, params, b)
        out[start:start + b] = vals[out_id]
        bar = _progress(bar, progress, start + b, len(coeffs), t_start, desc)
    if bar is not None:
        bar.close()
    return out


def _progress(bar, progress, done, total, t_start, desc):
    """Show a bar once the grid is predicted to take more than a second."""
    if bar is None and progress is not False and done < total:
        elapsed = time.perf_counter() - t_start
        # NOTE: the first chunks pay one-off costs; predict only after 0.2 s
        if progress or (elapsed > 0.2 and elapsed / done * total > 1.0):
            bar = _bar(total, desc)
    if bar is not None:
        bar.update(done - bar.n)       # NOTE: update() redraws at most every 0.1 s
    return bar


def _first_apply(step, vals, b, notes):
    """Apply a node's rule, checking the result's shape.

    A case its rule does not cover switches the step to the point-by-point loop for
    good, and says so in the notes.
    """
    node, rule, prim, ins, static, params = step
    args = [vals[j] for j in ins]
    out = rule(prim, args, static, params, b) if rule is not None else None
    if out is None:
        step[1] = rule = _loop
        out = _loop(prim, args, static, params, b)
        note = (f"primitive '{node.op}' has no batching rule for this case; its node "
                f"{node.name} was run once per grid point.")
        if note not in notes:
            notes.append(note)
    out = np.asarray(out)
    if out.shape != (b, *node.shape):
        raise RuntimeError(
            f"the batching rule of '{node.op}' gave shape {out.shape} at node "
            f"{node.name}, expected {(b, *node.shape)}: a bug in mlgraph.surface.")
    return out


def _loop(prim, args, static, params, b):
    flags = static.batched
    outs = [prim.forward(*[a[p] if bt else a
                           for a, bt in zip(args, flags, strict=True)], **params)
            for p in range(b)]
    return np.stack([np.asarray(o) for o in outs])


# --- batching rules: how each primitive treats a leading axis of grid points ---------
#
# A rule gets the primitive, its arguments (a batched one has shape (b, *core), an
# unbatched one its traced shape), a `_Static` record (which arguments are batched,
# and every argument's traced shape, i.e. its core shape), the node's params and b.
# It returns the batched output, computed with prim.forward, or None to fall back.


class _Static:
    """What a rule may know before it sees a chunk: batched flags and core shapes."""

    __slots__ = ("batched", "shapes", "rank")

    def __init__(self, batched: list[bool], shapes: list[tuple[int, ...]]) -> None:
        self.batched, self.shapes = batched, shapes
        self.rank = max(len(s) for s in shapes)


def _lift(x: np.ndarray, rank: int) -> np.ndarray:
    """Reshape (b, *core) to (b, 1, …, 1, *core) with ``rank`` core axes.

    Then numpy's right-aligned broadcasting never pairs the grid axis with a core axis.
    """
    core = x.shape[1:]
    if len(core) >= rank:
        return x
    return x.reshape((x.shape[0],) + (1,) * (rank - len(core)) + core)


def _elementwise(prim, args, static, params, b):
    rank = static.rank
    lifted = [_lift(a, rank) if bt and len(s) < rank else a
              for a, bt, s in zip(args, static.batched, static.shapes, strict=True)]
    return prim.forward(*lifted, **params)


def _shift(axis: Any, core: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(1, core + 1))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(a % core + 1 for a in axes)


def _reduce(prim, args, static, params, b):
    (x,) = args
    return prim.forward(x, **{**params, "axis": _shift(params.get("axis"), x.ndim - 1)})


def _along_axis(prim, args, static, params, b):
    (x,) = args
    axis = params.get("axis", -1)
    return prim.forward(x, **{**params, "axis": axis if axis < 0 else axis + 1})


def _matmul(prim, args, static, params, b):
    x, y = args
    bx, by = static.batched
    cx, cy = (len(s) for s in static.shapes)
    if cx == 2 and cy == 2 and not by:          # (b, n, k) @ (k, m): one GEMM
        n, k = x.shape[1:]
        return prim.forward(x.reshape(b * n, k), y).reshape(b, n, y.shape[1])
    if cx == 2 and cy == 2 and not bx:          # (n, k) @ (b, k, m): one GEMM
        k, m = y.shape[1:]
        wide = prim.forward(x, y.transpose(1, 0, 2).reshape(k, b * m))
        return wide.reshape(x.shape[0], b, m).transpose(1, 0, 2)
    # NOTE: the general case promotes 1-D cores to matrices, as np.matmul does, so
    # the grid axis is always a stack axis, then drops the added axes again.
    if cx == 1:
        x = np.expand_dims(x, -2)
    if cy == 1:
        y = y[..., None]
    rank = max(x.ndim - bx, y.ndim - by)
    x = _lift(x, rank) if bx else x
    y = _lift(y, rank) if by else y
    out = prim.forward(x, y)
    if cy == 1:
        out = out[..., 0]
    if cx == 1:
        out = out[..., 0] if cy == 1 else out[..., 0, :]
    return out


def _reshape(prim, args, static, params, b):
    return prim.forward(args[0], shape=(b, *params["shape"]))


def _transpose(prim, args, static, params, b):
    (x,) = args
    core = x.ndim - 1
    axes = params.get("axes")
    order = (tuple(range(core, 0, -1)) if axes is None
             else tuple(a % core + 1 for a in axes))
    return prim.forward(x, axes=(0, *order))


def _broadcast_to(prim, args, static, params, b):
    shape = tuple(params["shape"])
    return prim.forward(_lift(args[0], len(shape)), shape=(b, *shape))


def _grid_index(index: Any) -> tuple | None:
    """The index with a leading ``:`` for the grid axis.

    None when numpy would move the grid axis (advanced indices that are not next to
    each other).
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


def _getitem(prim, args, static, params, b):
    index = _grid_index(params["index"])
    return None if index is None else prim.forward(args[0], index=index)


def _index_add(prim, args, static, params, b):
    index = _grid_index(params["index"])
    if index is None:
        return None
    return prim.forward(args[0], index=index, shape=(b, *params["shape"]))


def _join(prim, args, static, params, b, new_axis: int):
    full = [a if bt else np.broadcast_to(a, (b, *np.shape(a)))
            for a, bt in zip(args, static.batched, strict=True)]
    axis = params.get("axis", 0) % (static.rank + new_axis) + 1
    return prim.forward(*full, axis=axis)


def _concatenate(prim, args, static, params, b):
    return _join(prim, args, static, params, b, 0)


def _stack(prim, args, static, params, b):
    return _join(prim, args, static, params, b, 1)


_RULES: dict[str, Callable] = {
    **dict.fromkeys(
        ("add", "sub", "mul", "div", "pow", "maximum", "where", "neg", "exp", "log",
         "sin", "cos", "tanh", "sigmoid", "softplus", "relu", "abs", "sqrt"),
        _elementwise),
    **dict.fromkeys(("sum", "mean", "max", "logsumexp"), _reduce),
    **dict.fromkeys(("softmax", "log_softmax"), _along_axis),
    "matmul": _matmul,
    "reshape": _reshape,
    "transpose": _transpose,
    "broadcast_to": _broadcast_to,
    "getitem": _getitem,
    "index_add": _index_add,
    "concatenate": _concatenate,
    "stack": _stack,
}
