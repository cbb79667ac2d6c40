"""Two versions of mlgraph side by side in ONE process: is a change within 3%?

    python benchmarks/bench_ab.py OLD_TREE [NEW_TREE] [--quick] [--only W1a,W2]
                                  [--out results/ab.md]

OLD_TREE and NEW_TREE are checkouts of the repository (NEW_TREE defaults to this one),
e.g. ``git worktree add /tmp/old <commit>``. Each tree's mlgraph (and its benchmark
helpers) is imported under its own module objects, then the workloads of both are timed
interleaved block by block (``_bench.measure``: rotating order, one BLAS thread, pinned
CPU), so machine drift hits both alike. The verdict per workload is the median of the
per-round ratios new/old, with the interquartile range of those ratios.

Workloads: W1a and W1b (``grad``, per call), W2 and W3 (the library's training step),
D-W2 (the reverse sweep with recording off, on the W2 loss graph) and G (a full and a
fast gradient check of the 2-16-16-1 model, a full one of the 784-32-10 model).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

import _bench  # noqa: F401  (1 BLAS thread before numpy; sys.path)

HERE = os.path.dirname(os.path.abspath(__file__))
OWN = ("mlgraph", "_mlp", "bench_w1_scalar", "bench_gradcheck")


def load(tree: str) -> dict:
    """The workloads of the mlgraph in ``tree``, bound to that tree's modules."""
    for name in [m for m in sys.modules if m.split(".")[0] in OWN]:
        del sys.modules[name]
    sys.path[:0] = [tree, os.path.join(tree, "benchmarks")]
    try:
        import _mlp
        import bench_gradcheck as bg
        import bench_w1_scalar as w1

        import mlgraph as mg
        from mlgraph import nn, sweeps
        from mlgraph.gradcheck import gradcheck
        assert mg.__file__.startswith(os.path.abspath(tree)), mg.__file__
        return _workloads(mg, nn, sweeps, gradcheck, _mlp, w1, bg)
    finally:
        del sys.path[:2]


def _workloads(mg, nn, sweeps, gradcheck, _mlp, w1, bg) -> dict:
    f = lambda x1, x2: mg.log(x1) + x1 * x2 - mg.sin(x2)  # noqa: E731
    g1a = mg.grad(f, argnums=(0, 1))
    xs, ops = w1.chain_spec()
    g1b = mg.grad(w1.chain_fn(ops, {"tanh": mg.tanh, "exp": mg.exp}),
                  argnums=tuple(range(len(xs))))
    p2 = _mlp.init_mlp([2, 16, 16, 1], seed=0)
    b2 = _mlp.two_moons_batches(64, 32, seed=0)
    w2 = _mlp.nn_step([2, 16, 16, 1], "bce", p2, b2, 0.1)
    p3 = _mlp.init_mlp([784, 256, 10], seed=0, dtype=_mlp.np.float32)
    b3 = _mlp.one_hot_batches(
        _mlp.random_class_batches(8, 128, 784, 10, seed=0, dtype=_mlp.np.float32), 10,
        _mlp.np.float32)
    w3 = _mlp.nn_step([784, 256, 10], "ce", p3, b3, 0.01, activation="relu")
    X, y = b2[0]
    gw2 = mg.trace(lambda *p: _mlp.w2_loss(*p, X, y), *p2)
    values = sweeps.primal_values(gw2)      # the stored primals, in either version
    seed = sweeps._cotangent_seed(gw2, None)
    _, loss, params, Xg, yg, _ = bg.problem([2, 16, 16, 1])
    nums = tuple(range(len(params)))
    _, big, bparams, Xb, yb, _ = bg.problem([784, 32, 10])
    return {
        "W1a": lambda: g1a(2.0, 5.0),
        "W1b": lambda: g1b(*xs),
        "W2": w2,
        "W3": w3,
        "D-W2": lambda: sweeps.drain(sweeps._reverse(gw2, values, seed, False)),
        "G full": lambda: gradcheck(loss, *params, Xg, yg, argnums=nums, h=1e-6),
        "G fast": lambda: gradcheck(loss, *params, Xg, yg, argnums=nums, mode="fast"),
        "G large full": lambda: gradcheck(big, *bparams, Xb, yb,
                                          argnums=tuple(range(len(bparams))), h=1e-6),
    }


def _commit(tree: str) -> str:
    """The tree's commit, and whether it has uncommitted changes."""
    git = ["git", "-C", tree]
    try:
        head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run([*git, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "(not a git checkout)"
    return head + (" with uncommitted changes" if dirty else "")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old")
    ap.add_argument("new", nargs="?", default=os.path.dirname(HERE))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--out", default=None, help="write a markdown table here")
    ap.add_argument("--only", default=None, help="comma-separated workloads, e.g. W1a,W2")
    args = ap.parse_args(argv)
    old, new = load(args.old), load(args.new)
    cpu = _bench.pin_cpu()
    rounds = args.rounds or (3 if args.quick else 15)
    lines = ["| workload | old (median) | new (median) | new / old | IQR of ratios |",
             "|---|---|---|---|---|"]
    names = args.only.split(",") if args.only else list(old)
    for name in names:
        raw = _bench.measure([("old", old[name]), ("new", new[name])], rounds=rounds,
                             quick=args.quick, min_block_s=0.2)
        rows = {r["contender"]: r for r in _bench.summarize(raw, "old")}
        q1, q3 = _bench._quartiles(rows["new"]["ratios"])
        lines.append(f"| {name} | {_bench.fmt_time(rows['old']['median_s'])} | "
                     f"{_bench.fmt_time(rows['new']['median_s'])} | "
                     f"{rows['new']['ratio']:.3f} | {q1:.3f}–{q3:.3f} |")
        print(lines[-1], flush=True)
    env = _bench.env_info()
    head = [f"# mlgraph {_commit(args.new)} against {_commit(args.old)}", "",
            f"One process, {rounds} interleaved rounds per workload, CPU {cpu}, "
            f"Python {env['python']}, numpy {env['numpy']}, load average at the end "
            f"{tuple(round(x, 2) for x in os.getloadavg())} ({env['time_utc']}).", ""]
    text = "\n".join(head + lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
