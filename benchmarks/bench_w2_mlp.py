"""W2: small-MLP SGD step, 2-16-16-1 tanh, BCE with logits, batch 32, lr 0.1, float64.

Contenders, interleaved in one process: mlgraph (``mg.value_and_grad`` of the loss
written with ``mlgraph.numpy``, then an in-place SGD update) and our hand-written
numpy forward/backward (reference floor). 64 fixed two-moons batches are cycled.
Both start from the same parameters; their first three losses must agree (rtol 1e-9).
Variant rows (not judged): value_and_grad(reuse_graph=True) where the kernel has it,
and the same loss written with mnp.softplus (fewer nodes).
Goal: mlgraph <= 2.0 x numpy, judged on the library's own training step (the row
"mlgraph.nn training step", what ``Trainer`` runs); the plain value_and_grad row, which
traces the loss anew on every call, is shown beside it.

    python benchmarks/bench_w2_mlp.py [--quick] [--json out.json]
"""
from __future__ import annotations

import _bench
import _mlp

SIZES, LR, BATCH, TOL = [2, 16, 16, 1], 0.1, 32, 1e-9
LOSS = _mlp.w2_loss


def contenders():
    params0 = _mlp.init_mlp(SIZES, seed=0)
    batches = _mlp.two_moons_batches(64, BATCH, seed=0)
    mk_np = lambda: _mlp.numpy_step(_mlp.w2_numpy_loss_grad, params0, batches, LR)  # noqa: E731
    mk_mg = lambda: _mlp.mlgraph_step(_mlp.w2_loss, params0, batches, LR)  # noqa: E731
    ref, got = _mlp.first_losses(mk_np), _mlp.first_losses(mk_mg)
    checks = {"losses_match_numpy": _bench.close(got, ref, 1e-9), "first_losses": got}
    mk_nn = lambda: _mlp.nn_step(SIZES, "bce", params0, batches, LR)  # noqa: E731
    checks["nn_step_losses_match_numpy"] = _bench.close(_mlp.first_losses(mk_nn), ref, TOL)
    cont = [("mlgraph.nn training step (what Trainer runs)", mk_nn()),
            ("mlgraph value_and_grad step", mk_mg()), ("numpy hand-written (floor)", mk_np())]
    if _mlp.has_reuse_graph():       # the kernel's trace-once option, where it exists
        mk_re = lambda: _mlp.mlgraph_step(LOSS, params0, batches, LR, reuse_graph=True)  # noqa: E731
        checks["reuse_graph_losses_match_numpy"] = _bench.close(_mlp.first_losses(mk_re), ref, TOL)
        cont.insert(1, ("mlgraph value_and_grad(reuse_graph=True) step", mk_re()))
    if hasattr(_mlp.mnp, "softplus"):  # fewer nodes: the kernel's softplus primitive
        opts = {"reuse_graph": True} if _mlp.has_reuse_graph() else {}
        for tag, o in (("", {}), (", reuse_graph=True", opts)):
            if tag and not o:
                continue
            mk = lambda o=o: _mlp.mlgraph_step(_mlp.w2_loss_softplus, params0, batches, LR, **o)  # noqa: E731
            checks[f"softplus{tag}_losses_match_numpy"] = _bench.close(_mlp.first_losses(mk), ref, TOL)
            cont.insert(-1, (f"mlgraph step, softplus loss{tag} (variant)", mk()))
    return cont, checks


def main(argv=None):
    args = _bench.parse_args(__doc__.splitlines()[0], argv)
    cpu = _bench.pin_cpu()
    cont, checks = contenders()
    print(f"pinned to CPU {cpu}; 1 BLAS thread; checks: {checks}")
    raw = _bench.measure(cont, rounds=args.rounds, quick=args.quick, min_block_s=0.3)
    ref = "numpy hand-written (floor)"
    rows = _bench.summarize(raw, ref)
    _bench.print_table("W2 2-16-16-1 tanh BCE batch 32 f64, one SGD step", rows, ref)
    out = {"workloads": [{"id": "W2", "title": "W2: 2-16-16-1 tanh MLP, BCE-logits, batch 32, float64, SGD step",
                          "reference": ref, "goal": {"contender": "mlgraph.nn training step (what Trainer runs)",
                                                     "max_ratio": 2.0, "text": "≤ 2.0 × numpy"},
                          "checks": checks, "rows": rows}]}
    _bench.write_json(args.json, out)
    return out


if __name__ == "__main__":
    main()
