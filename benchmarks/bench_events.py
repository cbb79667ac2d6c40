"""Event-recording overhead of the reverse sweep, on two traced graphs:
the W2 loss graph (2-16-16-1 tanh, BCE, batch 32, float64; X, y closed over as
constants) and the W1b 1,000-op scalar chain (10 inputs).

Contenders, interleaved in one process, all on the SAME traced graph and primals:
 (i)   ``drain(mlgraph.sweeps._reverse(g, values, seed, False))``: emit=False,
       the path grad/value_and_grad take;
 (ii)  ``reverse_no_events``: a stripped copy of ``_reverse``'s loop written here
       with every emit branch and the generator machinery removed (the
       "no event objects" baseline; reference);
 (iii) ``list(mg.reverse_sweep(g))``: event recording on.
Goal: (i) <= 1.05 x (ii).

    python benchmarks/bench_events.py [--quick] [--json out.json]
"""
from __future__ import annotations

import ast
import hashlib
import inspect
import textwrap
from typing import Any

import _bench
import _mlp
import bench_w1_scalar as w1

import mlgraph as mg
from mlgraph import sweeps
from mlgraph.errors import check_finite, debug_nans_on
from mlgraph.sweeps import _F64, _unbroadcast, _zeros, drain


def reverse_no_events(g, values, cotangent):
    """mlgraph/sweeps.py ``_reverse`` with the emit branches removed: a plain function,
    no generator, no Event objects, no step counter. Otherwise line for line
    (``copy_in_sync`` in the checks compares it with the current source)."""
    prims, args, params, needs = g.prims, g.args, g.params, g.needs
    adj: list[Any] = [None] * len(values)
    outputs = g.outputs
    if len(outputs) == 1:
        adj[outputs[0]] = cotangent
    else:       # NOTE: one cotangent per output (None: zero); see _cotangent_seed
        for out_id, ct in zip(outputs, cotangent, strict=True):
            if ct is None:
                continue
            adj[out_id] = ct if adj[out_id] is None else adj[out_id] + ct
    inputs = g.inputs
    nans = debug_nans_on()
    for i in range(len(values) - 1, -1, -1):
        a = adj[i]
        if a is None:
            if i not in inputs or not needs[i]:     # data inputs get no cotangent
                continue
            a = adj[i] = _zeros(values[i])
        prim = prims[i]
        if prim is None:
            continue
        ids = args[i]
        # NOTE: spelled out for one and two arguments: a comprehension costs a frame
        n_args = len(ids)
        xs = ((values[ids[0]], values[ids[1]]) if n_args == 2 else
              (values[ids[0]],) if n_args == 1 else [values[j] for j in ids])
        out, kw = values[i], params[i]
        rules = prim.vjp if not prim.variadic else prim.rules(n_args)[1]
        for k, j in enumerate(ids):
            rule = rules[k]
            if rule is None or not needs[j]:
                continue
            # NOTE: *xs, **kw build a tuple and a dict per call: 1-2 go one by one
            delta = (rule(a, *xs, out=out, **kw) if kw else
                     rule(a, xs[0], xs[1], out=out) if n_args == 2 else
                     rule(a, xs[0], out=out) if n_args == 1 else rule(a, *xs, out=out))
            x = values[j]
            if type(delta) is not _F64 or type(x) is not _F64:   # NOTE: scalars skip it
                shape = getattr(x, "shape", ())
                if getattr(delta, "shape", ()) != shape:
                    delta = _unbroadcast(delta, shape)
            prev = adj[j]
            adj[j] = delta if prev is None else prev + delta
            if nans:
                check_finite(adj[j], j, "cotangent", lambda i=i, j=j: (
                    f"the cotangent v̄{j} (from v{i} = {g.listing(i)})"),
                    "in the reverse-mode sweep")
    return adj


def _body_without_emit(fn) -> str:
    """ast dump of a function body with every ``if emit:`` block and docstring removed."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]

    class Strip(ast.NodeTransformer):
        def visit_If(self, node):
            if isinstance(node.test, ast.Name) and node.test.id == "emit":
                return None
            return self.generic_visit(node)
    body = [Strip().visit(st) for st in tree.body
            if not (isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant))]
    return "\n".join(ast.dump(b) for b in body if b is not None)


def copy_in_sync() -> bool:
    """Is reverse_no_events still _reverse minus its emit branches?"""
    try:
        return _body_without_emit(sweeps._reverse) == _body_without_emit(reverse_no_events)
    except Exception:
        return False


def graphs():
    params = _mlp.init_mlp([2, 16, 16, 1], seed=0)
    X, y = _mlp.two_moons_batches(1, 32, seed=0)[0]
    g_w2 = mg.trace(lambda W1, b1, W2, b2, W3, b3: _mlp.w2_loss(W1, b1, W2, b2, W3, b3, X, y),
                    *params)
    xs, ops = w1.chain_spec()
    f = w1.chain_fn(ops, {"tanh": mg.tanh, "exp": mg.exp})
    g_w1b = mg.trace(f, *xs)
    return [("W2 loss graph", g_w2), ("W1b 1,000-op chain", g_w1b)]


def contenders(g):
    values = g.values
    seed = sweeps._cotangent_seed(g, None)
    a = drain(sweeps._reverse(g, values, seed, False))
    b = reverse_no_events(g, values, seed)
    ok = all(_bench.close(a[i], b[i], 0) for i in g.inputs)
    n_events = len(list(mg.reverse_sweep(g)))
    return [("(i) drain(_reverse(emit=False))", lambda: drain(sweeps._reverse(g, values, seed, False))),
            ("(ii) stripped loop, no events (baseline)", lambda: reverse_no_events(g, values, seed)),
            ("(iii) list(reverse_sweep(g)), recording", lambda: list(mg.reverse_sweep(g)))], \
        {"same_gradients": ok, "copy_in_sync": copy_in_sync(), "nodes": len(g), "events": n_events}


def main(argv=None):
    args = _bench.parse_args(__doc__.splitlines()[0], argv)
    cpu = _bench.pin_cpu()
    src = inspect.getsource(sweeps._reverse)
    src_hash = hashlib.sha1(src.encode()).hexdigest()[:10]
    sync = copy_in_sync()
    print(f"pinned to CPU {cpu}; sweeps._reverse source sha1 {src_hash}; stripped copy in sync: {sync}")
    if not sync:
        print("WARNING: mlgraph.sweeps._reverse changed; update reverse_no_events (baseline (ii))")
    ref = "(ii) stripped loop, no events (baseline)"
    out = {"workloads": [], "reverse_source_sha1": src_hash, "copy_in_sync": sync}
    for tag, g in graphs():
        cont, checks = contenders(g)
        print(f"{tag}: {checks}")
        raw = _bench.measure(cont, rounds=args.rounds, quick=args.quick, min_block_s=0.25)
        rows = _bench.summarize(raw, ref)
        _bench.print_table(f"Events on {tag}", rows, ref)
        out["workloads"].append({
            "id": "D-" + ("W2" if "W2" in tag else "W1b"),
            "title": f"D: reverse-sweep event overhead, {tag} ({checks['nodes']} nodes, {checks['events']} events)",
            "reference": ref, "goal": {"contender": "(i) drain(_reverse(emit=False))", "max_ratio": 1.05,
                                       "text": "(i) ≤ 1.05 × (ii)"},
            "checks": checks, "rows": rows})
    _bench.write_json(args.json, out)
    return out


if __name__ == "__main__":
    main()
