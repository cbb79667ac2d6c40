"""W3: MNIST-size MLP SGD step, 784-256-10 ReLU, softmax cross-entropy (log_softmax),
batch 128, lr 0.01, float32, random data (8 fixed N(0,1) batches, uniform labels).

Contenders, interleaved in one process: mlgraph (``mg.value_and_grad`` + in-place SGD)
and our hand-written numpy forward/backward (reference floor: the same BLAS calls).
BLAS is pinned to ONE thread (OMP/OPENBLAS/MKL_NUM_THREADS=1, set in _bench before
numpy is imported) and the process to one CPU. glibc malloc is left at its defaults.
First three losses must agree (rtol 1e-4, float32); gradients must stay float32.
Variant row (not judged): value_and_grad(reuse_graph=True) with one-hot targets (the
integer-label index cannot be a data input there; the check records the error).
Goal: mlgraph <= 1.1 x numpy, judged on the library's own training step (what Trainer runs).

    python benchmarks/bench_w3_mlp.py [--quick] [--json out.json]
"""
from __future__ import annotations

import _bench
import _mlp
import numpy as np

SIZES, LR, BATCH, DTYPE, TOL = [784, 256, 10], 0.01, 128, np.float32, 1e-4
LOSS = _mlp.w3_loss


def contenders():
    params0 = _mlp.init_mlp(SIZES, seed=0, dtype=DTYPE)
    batches = _mlp.random_class_batches(8, BATCH, SIZES[0], SIZES[-1], seed=0, dtype=DTYPE)
    mk_np = lambda: _mlp.numpy_step(_mlp.w3_numpy_loss_grad, params0, batches, LR)  # noqa: E731
    mk_mg = lambda: _mlp.mlgraph_step(_mlp.w3_loss, params0, batches, LR)  # noqa: E731
    ref, got = _mlp.first_losses(mk_np), _mlp.first_losses(mk_mg)
    import mlgraph as mg
    X, y = batches[0]
    _, grads = mg.value_and_grad(_mlp.w3_loss, argnums=(0, 1, 2, 3))(*params0, X, y)
    checks = {"losses_match_numpy": _bench.close(got, ref, 1e-4), "first_losses": got,
              "grad_dtypes": sorted({str(g.dtype) for g in grads})}
    cont = [("mlgraph value_and_grad step", mk_mg()), ("numpy hand-written (floor)", mk_np())]
    if _mlp.has_reuse_graph():       # the kernel's trace-once option, where it exists
        try:                          # integer labels as an index into a data input
            _mlp.first_losses(lambda: _mlp.mlgraph_step(LOSS, params0, batches, LR, reuse_graph=True))
            checks["reuse_graph_int_labels"] = "ok"
        except Exception as e:  # noqa: BLE001
            checks["reuse_graph_int_labels"] = f"{type(e).__name__}: {str(e)[:80]}"
        oh = _mlp.one_hot_batches(batches, SIZES[-1], DTYPE)
        mk_re = lambda: _mlp.mlgraph_step(_mlp.w3_loss_onehot, params0, oh, LR, reuse_graph=True)  # noqa: E731
        checks["reuse_graph_onehot_losses_match_numpy"] = _bench.close(_mlp.first_losses(mk_re), ref, TOL)
        cont.insert(1, ("mlgraph value_and_grad(reuse_graph=True) step, one-hot loss", mk_re()))
        # what Trainer runs: nn.make_loss("ce") on one-hot targets (Trainer one-hots labels)
        mk_nn = lambda: _mlp.nn_step(SIZES, "ce", params0, oh, LR, activation="relu")  # noqa: E731
        checks["nn_step_losses_match_numpy"] = _bench.close(_mlp.first_losses(mk_nn), ref, TOL)
        cont.insert(0, ("mlgraph.nn training step (what Trainer runs)", mk_nn()))
    return cont, checks


def main(argv=None):
    args = _bench.parse_args(__doc__.splitlines()[0], argv)
    cpu = _bench.pin_cpu()
    cont, checks = contenders()
    print(f"pinned to CPU {cpu}; 1 BLAS thread; checks: {checks}")
    raw = _bench.measure(cont, rounds=args.rounds, quick=args.quick, min_block_s=0.4)
    ref = "numpy hand-written (floor)"
    rows = _bench.summarize(raw, ref)
    _bench.print_table("W3 784-256-10 ReLU softmax-CE batch 128 f32, one SGD step", rows, ref)
    flops = 3 * 2 * BATCH * (SIZES[0] * SIZES[1] + SIZES[1] * SIZES[2])
    for r in rows:
        r["gflops_per_s"] = flops / r["median_s"] / 1e9
    out = {"workloads": [{"id": "W3", "title": "W3: 784-256-10 ReLU MLP, log_softmax CE, batch 128, float32, SGD step (1 BLAS thread)",
                          "reference": ref, "goal": {"contender": "mlgraph.nn training step (what Trainer runs)",
                                                     "max_ratio": 1.1, "text": "≤ 1.1 × numpy"},
                          "checks": checks, "rows": rows}]}
    _bench.write_json(args.json, out)
    return out


if __name__ == "__main__":
    main()
