"""Evaluate a traced loss at many parameter points at once: a leading grid axis.

`evaluate(f, center, directions, coeffs, data)` traces ``f`` once at ``center`` and
walks the graph node by node, running each primitive on arrays that carry a leading
axis of grid points with the primitive's own ``batch`` hook (its batching rule, which
calls its own ``forward``; see `mlgraph.primitives.batching`). A primitive without a
rule, or a case its rule does not cover, is run point by point (correct, slower) and
named in the result's notes. Every number is the engine's: no second copy of the
model's forward pass exists. Imports numpy and the kernel only.
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
    plan = [[n, n.primitive.batch, n.primitive.forward, n.inputs,
             tuple(batched[j] for j in n.inputs), dict(n.params)]
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
            for node, rule, forward, ins, flags, kw in plan:
                vals[node.id] = rule(forward, [vals[j] for j in ins], flags, b, **kw)
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
    """Apply a node's batching rule, checking the result's shape.

    A primitive without a rule, or a case its rule does not cover (it returns None),
    switches the step to the point-by-point loop for good, and says so in the notes.
    """
    node, rule, forward, ins, flags, params = step
    args = [vals[j] for j in ins]
    out = rule(forward, args, flags, b, **params) if callable(rule) else None
    if out is None:
        step[1] = _loop
        out = _loop(forward, args, flags, b, **params)
        why = "for this case" if callable(rule) else "(its block declares none)"
        note = (f"primitive '{node.op}' has no batching rule {why}; its node "
                f"{node.name} was run once per grid point.")
        if note not in notes:
            notes.append(note)
    out = np.asarray(out)
    if out.shape != (b, *node.shape):
        raise RuntimeError(
            f"the batching rule of '{node.op}' gave shape {out.shape} at node "
            f"{node.name}, expected {(b, *node.shape)}: a bug in its batch hook.")
    return out


def _loop(forward, args, batched, b, **params):
    """The fallback rule: forward once per grid point, the results stacked."""
    outs = [forward(*[a[p] if bt else a for a, bt in zip(args, batched, strict=True)],
                    **params)
            for p in range(b)]
    return np.stack([np.asarray(o) for o in outs])
