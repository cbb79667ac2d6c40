"""Where mlgraph spends its time in W1a, W1b, W2 and W3: cProfile of the mlgraph
contender only (same functions as the benchmarks), top functions by own time
(tottime) and by cumulative time. Writes benchmarks/results/profile.md.

cProfile adds a fixed cost per Python call, so it over-weights many small calls:
use it to rank hotspots, and the benchmarks for times.

    python benchmarks/profile_kernel.py [--quick]
"""
from __future__ import annotations

import cProfile
import os
import pstats

import _bench
import _mlp
import bench_w1_scalar as w1
import bench_w2_mlp as w2
import bench_w3_mlp as w3


def _fn(cont, name):
    return dict(cont)[name]


def cases(quick):
    k = 0.2 if quick else 1.0
    c1a = w1.w1a_contenders()[0]
    c1b = w1.w1b_contenders()[0]
    c2 = w2.contenders()[0]
    c3 = w3.contenders()[0]
    return [("W1a mlgraph grad", _fn(c1a, "mlgraph grad"), int(20000 * k)),
            ("W1b mlgraph grad", _fn(c1b, "mlgraph grad"), int(200 * k)),
            ("W2 mlgraph step", _fn(c2, "mlgraph value_and_grad step"), int(4000 * k)),
            ("W3 mlgraph step", _fn(c3, "mlgraph value_and_grad step"), int(500 * k))] + (
        [("W2 mlgraph step, reuse_graph=True", _fn(c2, "mlgraph value_and_grad(reuse_graph=True) step"),
          int(4000 * k))] if _mlp.has_reuse_graph() else [])


def _short(path: str) -> str:
    if "mlgraph" in path:
        return path[path.rindex("mlgraph"):]
    return os.path.basename(path)


def report(name, fn, n, top=18):
    for _ in range(max(2, n // 20)):
        fn()
    pr = cProfile.Profile()
    pr.enable()
    for _ in range(n):
        fn()
    pr.disable()
    st = pstats.Stats(pr)
    total = st.total_tt
    lines = [f"## {name}: {n} calls, profiled total {total / n * 1e6:.1f} µs/call\n",
             "| own % | cum % | ncalls/call | function |", "|---|---|---|---|"]
    items = sorted(st.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    for (path, line, func), (_cc, nc, tt, ct, _callers) in items:
        lines.append(f"| {100 * tt / total:.1f} | {100 * ct / total:.1f} | {nc / n:.1f} | "
                     f"`{_short(path)}:{line}({func})` |")
    lines.append("\nTop by cumulative time (mlgraph functions):\n")
    lines.append("| cum % | own % | function |")
    lines.append("|---|---|---|")
    items = sorted(((k, v) for k, v in st.stats.items() if "mlgraph" in k[0]),
                   key=lambda kv: kv[1][3], reverse=True)[:12]
    for (path, line, func), (_cc, _nc, tt, ct, _callers) in items:
        lines.append(f"| {100 * ct / total:.1f} | {100 * tt / total:.1f} | `{_short(path)}:{line}({func})` |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    args = _bench.parse_args(__doc__.splitlines()[0], argv)
    _bench.pin_cpu()
    parts = ["# mlgraph kernel profile (cProfile, 1 BLAS thread, pinned CPU)\n"]
    for name, fn, n in cases(args.quick):
        parts.append(report(name, fn, n))
        print(parts[-1])
    os.makedirs(_bench.RESULTS, exist_ok=True)
    path = os.path.join(_bench.RESULTS, "profile.md")
    with open(path, "w") as fh:
        fh.write("\n".join(parts))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
