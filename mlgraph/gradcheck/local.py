"""Checking every node's own rules at that node's inputs (``localize=True``).

A node's JVP is compared with central differences of its forward, in one random
direction, and its VJP with its JVP through ⟨x̄, ẋ⟩ = ⟨ȳ, ẏ⟩; a direction that moves the
node across a kink of its primitive is marked ``"kink"`` instead of judged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..graph import Graph
from ..sweeps import _unbroadcast
from .report import LocalCheck, band, relative_error

__all__ = ["check_local", "default_step"]


def default_step(dtype: np.dtype) -> float:
    """The relative step of central differences for a dtype: ε^(1/3)."""
    # NOTE: central differences err by O(h²) (truncation) + O(ε/h) (rounding); the sum
    # is smallest near h = ε^(1/3): 6.1e-6 in float64, 4.9e-3 in float32.
    return float(np.finfo(dtype).eps) ** (1.0 / 3.0)


def check_local(g: Graph, rng: np.random.Generator) -> list[LocalCheck]:
    """Each node's jvp vs central differences of its forward; its vjp vs its jvp."""
    checks = []
    for i, prim in enumerate(g.prims):
        if prim is None or not g.needs[i]:
            continue
        vals = [np.asarray(v) for v in g.args_of(i)]
        for k, j in enumerate(g.args[i]):
            differentiable = prim.jvp_rule(k) is not None and vals[k].dtype.kind == "f"
            if g.needs[j] and differentiable:
                checks += _check_argument(g, i, k, vals, rng)
    return checks


def _check_argument(g: Graph, i: int, k: int, vals: list, rng: np.random.Generator
                    ) -> list[LocalCheck]:
    prim, params = g.prims[i], g.params[i]
    line, out = f"v{i} = {g.listing(i)}", np.asarray(g.values[i])
    x = vals[k].astype(np.float64)
    u = rng.standard_normal(x.shape)
    step = default_step(np.dtype(np.float64)) * max(
        1.0, float(np.max(np.abs(x))) if x.size else 1.0)
    num = (_forward_at(prim, vals, params, k, x + step * u)
           - _forward_at(prim, vals, params, k, x - step * u)) / (2 * step)
    ana = np.broadcast_to(np.asarray(g.local_jvp(i, k, u), dtype=np.float64), out.shape)
    status = "kink" if prim.kink is not None and _switches(prim, vals, params, k,
                                                            step * u) else None
    na, nn = float(np.linalg.norm(ana)), float(np.linalg.norm(num))
    rel = 0.0 if max(na, nn) == 0 else float(np.linalg.norm(ana - num) / max(na, nn))
    if not np.isfinite(rel):
        status = status or "warn"
    status = status or (band(rel) if rel >= 1e-6 else "pass")
    checks = [LocalCheck(line, i, prim.name, k, "jvp", rel, na, nn, status)]
    y_bar = rng.standard_normal(out.shape)
    x_bar = g.local_vjp(i, k, y_bar)
    if x_bar is None:
        return checks
    x_bar = _unbroadcast(np.asarray(x_bar, dtype=np.float64), x.shape)
    lhs, rhs = float(np.sum(x_bar * u)), float(np.sum(y_bar * ana))
    rel_v = float(relative_error(lhs, rhs))
    rel_v = 0.0 if abs(lhs - rhs) <= 1e-12 else rel_v
    checks.append(LocalCheck(line, i, prim.name, k, "vjp", rel_v, lhs, rhs,
                             band(rel_v) if rel_v >= 1e-9 else "pass"))
    return checks


def _forward_at(prim: Any, vals: list, params: dict, k: int, xk: np.ndarray) -> Any:
    """The primitive's forward with argument k replaced by xk, in float64."""
    args = list(vals)
    args[k] = xk
    with np.errstate(all="ignore"):
        return np.asarray(prim.forward(*args, **params), dtype=np.float64)


def _switches(prim: Any, vals: list, params: dict, k: int, delta: np.ndarray) -> bool:
    """Whether moving argument k by ±delta changes a branch of the primitive's kink."""
    def branch(v):
        with np.errstate(all="ignore"):
            out = prim.forward(*v, **params)
        return np.asarray(prim.kink(*v, out=out, **params))

    up, down = list(vals), list(vals)
    up[k], down[k] = vals[k] + delta, vals[k] - delta
    base = branch(vals)
    return not (np.array_equal(branch(up), base) and np.array_equal(branch(down), base))
