"""Random scalar DAGs of a given size, traced with mlgraph (for the widget benchmarks)."""

from __future__ import annotations

import numpy as np

import mlgraph


def random_dag(n_nodes: int, n_inputs: int = 4, seed: int = 0):
    """Trace a function with about `n_nodes` nodes: each op reads one or two earlier values."""
    rng = np.random.default_rng(seed)
    names = [f"x{i + 1}" for i in range(n_inputs)]

    def f(*xs):
        vals = list(xs)
        count = len(vals)
        while count < n_nodes - 19:
            a = vals[int(rng.integers(max(0, len(vals) - 30), len(vals)))]
            b = vals[int(rng.integers(0, len(vals)))]
            op = int(rng.integers(0, 4))
            count += 2 if op == 3 else 1
            if op == 0:
                vals.append(a * b)
            elif op == 1:
                vals.append(a + b)
            elif op == 2:
                vals.append(mlgraph.sin(a))
            else:
                vals.append(mlgraph.tanh(a) - b)
        out = vals[-1]
        for v in vals[-19:-1]:  # tie loose ends into the output
            out = out + v
        return out

    values = {
        name: float(v)
        for name, v in zip(names, rng.uniform(0.5, 1.5, n_inputs), strict=True)
    }
    return mlgraph.trace(_named(f, names), **values)


def _named(f, names):
    """`f(*xs)` as a function with parameters named x1..xn (trace binds by name)."""
    src = f"def g({', '.join(names)}):\n    return f({', '.join(names)})\n"
    scope = {"f": f}
    exec(src, scope)  # noqa: S102 - fixed, generated parameter list
    return scope["g"]
