"""W1: scalar-graph overhead, reverse mode, all contenders in one process.

W1a  y = ln(x1) + x1*x2 - sin(x2) at (2, 5); one call = build + reverse sweep,
     ``mg.grad(f, argnums=(0, 1))(2.0, 5.0)``.
W1b  a 1,000-op random scalar chain over 10 inputs (ops + * tanh exp; each
     binary op combines the running value with one input, so every input is
     reused ~100 times); one call = build + backward for all 10 inputs.

Contenders: mlgraph; micrograd (PyPI micrograd==0.1.0 if importable, else the
labelled micrograd-equivalent ``MicroValue`` below); python floors (W1a closed
form; W1b a hand-written reverse sweep and the forward pass alone).
micrograd has only + * ** relu: W1a uses x1**2 + x1*x2 - relu(x2), W1b uses
relu for both tanh and exp (same node count, cheaper maths).
Goal: mlgraph per-call median at or below micrograd's (ratio <= 1.0).

    python benchmarks/bench_w1_scalar.py [--quick] [--json out.json]
"""
from __future__ import annotations

import math
import random
import sys

import _bench  # noqa: F401  (sets 1 BLAS thread before numpy; sys.path)

import mlgraph as mg

X1, X2 = 2.0, 5.0
N_OPS, N_IN, SEED = 1000, 10, 0


# ---------------------------------------------------------------- micrograd
class MicroValue:
    """micrograd-EQUIVALENT scalar (only used when ``pip install micrograd`` is not
    available). Written here to mirror karpathy/micrograd's engine.Value: data,
    grad, a ``_backward`` closure capturing ``out`` (so each graph is a reference
    cycle), ``_prev`` as a set, ops + * ** relu (and -, / built on them), and a
    recursive topological sort in ``backward``. Not micrograd's code."""

    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, MicroValue) else MicroValue(other)
        out = MicroValue(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, MicroValue) else MicroValue(other)
        out = MicroValue(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, other):
        out = MicroValue(self.data ** other, (self,), f"**{other}")

        def _backward():
            self.grad += (other * self.data ** (other - 1)) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = MicroValue(0 if self.data < 0 else self.data, (self,), "ReLU")

        def _backward():
            self.grad += (out.data > 0) * out.grad
        out._backward = _backward
        return out

    def backward(self):
        topo, visited = [], set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)
        build_topo(self)
        self.grad = 1
        for v in reversed(topo):
            v._backward()

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other


def micrograd_value():
    try:
        from micrograd.engine import Value
        return Value, "micrograd 0.1.0 (PyPI)"
    except ImportError:
        return MicroValue, "micrograd-equivalent (MicroValue, in this file)"


# ---------------------------------------------------------------- W1a
def _reuse_variant(cont, checks, f, args, want):
    """Variant row (not the goal): value_and_grad(reuse_graph=True), the kernel's
    trace-once option, where this version of mlgraph has it."""
    import inspect
    if "reuse_graph" not in inspect.signature(mg.value_and_grad).parameters:
        return
    vg = mg.value_and_grad(f, argnums=tuple(range(len(args))), reuse_graph=True)

    def call():
        return vg(*args)[1]
    checks["mlgraph reuse_graph"] = _bench.close(call(), want, 1e-8)
    cont.insert(1, ("mlgraph value_and_grad(reuse_graph=True) (variant)", call))


def w1a_contenders():
    Value, mname = micrograd_value()
    f = lambda x1, x2: mg.log(x1) + x1 * x2 - mg.sin(x2)  # noqa: E731
    g = mg.grad(f, argnums=(0, 1))

    def mlgraph_call():
        return g(X1, X2)

    def micro_call():
        x1, x2 = Value(X1), Value(X2)
        y = x1 ** 2 + x1 * x2 - x2.relu()
        y.backward()
        return x1.grad, x2.grad

    log, sin, cos = math.log, math.sin, math.cos

    def floor_call():
        x1, x2 = X1, X2
        y = log(x1) + x1 * x2 - sin(x2)
        return y, (1.0 / x1 + x2, x1 - cos(x2))

    want = (1 / X1 + X2, X1 - math.cos(X2))
    checks = {"mlgraph": _bench.close(mlgraph_call(), want),
              mname: _bench.close(micro_call(), (2 * X1 + X2, X1 - 1.0)),
              "python closed-form (floor)": _bench.close(floor_call()[1], want)}
    cont = [("mlgraph grad", mlgraph_call), (mname, micro_call),
            ("python closed-form (floor)", floor_call)]
    _reuse_variant(cont, checks, f, (X1, X2), want)
    return cont, mname, checks


# ---------------------------------------------------------------- W1b
def chain_spec(n_ops=N_OPS, n_in=N_IN, seed=SEED):
    """Random ops over inputs in [-1, 1]; an exp whose argument would exceed 1 is
    replaced by tanh (decided on the real values) so the chain stays bounded."""
    rng = random.Random(seed)
    xs = [rng.uniform(-1.0, 1.0) for _ in range(n_in)]
    ops, v = [], xs[0]
    for _ in range(n_ops):
        op, j = rng.choice(("add", "mul", "tanh", "exp")), rng.randrange(n_in)
        if op == "exp" and v > 1.0:
            op = "tanh"
        if op == "add":
            v = v + xs[j]
        elif op == "mul":
            v = v * xs[j]
        else:
            v = math.tanh(v) if op == "tanh" else math.exp(v)
        ops.append((op, j))
    return xs, ops


def chain_fn(ops, ns, tanh="tanh({})", exp="exp({})"):
    """The chain as generated straight-line Python (no per-op interpreter dispatch)."""
    lines = [f"def f({', '.join(f'x{j}' for j in range(N_IN))}):", "    v = x0"]
    for op, j in ops:
        rhs = {"add": f"v + x{j}", "mul": f"v * x{j}",
               "tanh": tanh.format("v"), "exp": exp.format("v")}[op]
        lines.append(f"    v = {rhs}")
    lines.append("    return v")
    exec(compile("\n".join(lines) + "\n", "<w1b-chain>", "exec"), ns)
    return ns["f"]


def chain_hand(xs, ops, relu=False):
    """Pure-Python forward + hand-written reverse sweep: the floor for scalar AD."""
    tanh, exp = math.tanh, math.exp
    vals = [xs[0]]
    v = xs[0]
    for op, j in ops:
        if op == "add":
            v = v + xs[j]
        elif op == "mul":
            v = v * xs[j]
        elif relu:
            v = v if v > 0 else 0.0
        elif op == "tanh":
            v = tanh(v)
        else:
            v = exp(v)
        vals.append(v)
    g = [0.0] * len(xs)
    dv = 1.0
    for i in range(len(ops) - 1, -1, -1):
        op, j = ops[i]
        if op == "add":
            g[j] += dv
        elif op == "mul":
            g[j] += dv * vals[i]
            dv = dv * xs[j]
        elif relu:
            dv = dv if vals[i] > 0 else 0.0
        elif op == "tanh":
            dv = dv * (1.0 - vals[i + 1] ** 2)
        else:
            dv = dv * vals[i + 1]
    g[0] += dv
    return vals[-1], g


def w1b_contenders():
    Value, mname = micrograd_value()
    xs, ops = chain_spec()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20 * N_OPS + 1000))  # micrograd's sort
    f_mg = chain_fn(ops, {"tanh": mg.tanh, "exp": mg.exp})
    g = mg.grad(f_mg, argnums=tuple(range(N_IN)))
    f_micro = chain_fn(ops, {}, tanh="{}.relu()", exp="{}.relu()")
    f_fwd = chain_fn(ops, {"tanh": math.tanh, "exp": math.exp})

    def mlgraph_call():
        return g(*xs)

    def micro_call():
        leaves = [Value(x) for x in xs]
        f_micro(*leaves).backward()
        return [v.grad for v in leaves]

    def hand_call():
        return chain_hand(xs, ops)

    def fwd_call():
        return f_fwd(*xs)

    checks = {"mlgraph": _bench.close(mlgraph_call(), chain_hand(xs, ops)[1], 1e-8),
              mname: _bench.close(micro_call(), chain_hand(xs, ops, relu=True)[1], 1e-8)}
    counts = {k: sum(o == k for o, _ in ops) for k in ("add", "mul", "tanh", "exp")}
    cont = [("mlgraph grad", mlgraph_call), (mname, micro_call),
            ("python hand reverse sweep (floor)", hand_call),
            ("python forward only, no AD", fwd_call)]
    _reuse_variant(cont, checks, f_mg, tuple(xs), chain_hand(xs, ops)[1])
    return cont, mname, checks, counts


def main(argv=None):
    args = _bench.parse_args(__doc__.splitlines()[0], argv)
    cpu = _bench.pin_cpu()
    out = {"workloads": []}
    cont, mname, checks = w1a_contenders()
    print(f"pinned to CPU {cpu}; 1 BLAS thread; W1a checks: {checks}")
    raw = _bench.measure(cont, rounds=args.rounds, quick=args.quick, min_block_s=0.3)
    rows = _bench.summarize(raw, mname)
    _bench.print_table("W1a ln(x1)+x1*x2-sin(x2), build+reverse per call", rows, mname)
    out["workloads"].append({"id": "W1a", "title": "W1a: ln(x1)+x1*x2−sin(x2) at (2,5), build + reverse, per call",
                             "reference": mname, "goal": {"contender": "mlgraph grad", "max_ratio": 1.0,
                                                          "text": "≤ 1.0 × micrograd"},
                             "checks": checks, "rows": rows})
    cont, mname, checks, counts = w1b_contenders()
    print(f"W1b op counts {counts}; checks: {checks}")
    raw = _bench.measure(cont, rounds=args.rounds, quick=args.quick, min_block_s=0.3)
    rows = _bench.summarize(raw, mname)
    _bench.print_table(f"W1b {N_OPS}-op chain, {N_IN} inputs, build+reverse per call", rows, mname)
    out["workloads"].append({"id": "W1b", "title": f"W1b: {N_OPS}-op random scalar chain, {N_IN} inputs, build + reverse",
                             "reference": mname, "goal": {"contender": "mlgraph grad", "max_ratio": 1.0,
                                                          "text": "≤ 1.0 × micrograd"},
                             "checks": checks, "op_counts": counts, "rows": rows})
    _bench.write_json(args.json, out)
    return out


if __name__ == "__main__":
    main()
