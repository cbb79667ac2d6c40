"""Shared in-process timing harness for the mlgraph kernel benchmarks.

Import this module FIRST in every benchmark script: it pins BLAS/OpenMP to one
thread (the env vars must be set before numpy is imported) and puts the repo
root on sys.path so ``import mlgraph`` finds the working tree.

Method (after bench-peers' harness, re-written for one process):

* all contenders of a workload live in the same process;
* each is warmed up (>= 2 calls and >= warmup_s) and calibrated so that one
  timed block lasts >= min_block_s (k calls);
* then ``rounds`` rounds are run; in each round every contender runs one
  block, the order rotating each round, so slow machine drifts hit everyone;
* per contender we report the median per-call time over rounds, the
  interquartile range relative to the median, and the **median of the
  per-round ratios** to the workload's reference contender;
* the cyclic GC stays on and is never forced (steady state, as in a loop);
* the process is pinned to one CPU ($BENCH_CPU, default the last allowed).
"""
from __future__ import annotations

import os

for _k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
           "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_k] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

perf = time.perf_counter


def pin_cpu() -> int | None:
    try:
        allowed = sorted(os.sched_getaffinity(0))
        cpu = int(os.environ.get("BENCH_CPU", allowed[-1]))
        os.sched_setaffinity(0, {cpu})
        return cpu
    except (AttributeError, OSError, ValueError):
        return None


def parse_args(desc: str, argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=desc)
    ap.add_argument("--quick", action="store_true", help="smoke run: 3 short rounds")
    ap.add_argument("--rounds", type=int, default=None, help="timed rounds (default 9, quick 3)")
    ap.add_argument("--json", default=None, help="write results JSON here")
    a = ap.parse_args(argv)
    if a.rounds is None:
        a.rounds = 3 if a.quick else 9
    return a


def calibrate(fn: Callable, warmup_s: float, min_block_s: float, max_inner: int) -> int:
    t0 = perf()
    n = 0
    while n < 2 or perf() - t0 < warmup_s:
        fn()
        n += 1
    t0 = perf()
    n = 0
    while n < 1 or (perf() - t0 < min(0.05, min_block_s) and n < max_inner):
        fn()
        n += 1
    per_call = max((perf() - t0) / n, 1e-9)
    return int(min(max_inner, max(1, round(min_block_s / per_call))))


def measure(contenders: list[tuple[str, Callable]], *, rounds: int, quick: bool,
            min_block_s: float = 0.2, warmup_s: float = 0.2, max_inner: int = 100_000,
            log=print) -> dict:
    """Interleave contenders block by block; return {name: {"times": [...], ...}}."""
    if quick:
        min_block_s, warmup_s = min(min_block_s, 0.04), min(warmup_s, 0.05)
    inner = {}
    for name, fn in contenders:
        inner[name] = calibrate(fn, warmup_s, min_block_s, max_inner)
    out = {name: {"times": [], "inner": inner[name], "minflt": []} for name, _ in contenders}
    m = len(contenders)
    for r in range(rounds):
        k = r % m
        for name, fn in contenders[k:] + contenders[:k]:
            n = inner[name]
            ru0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            t0 = perf()
            for _ in range(n):
                fn()
            t = (perf() - t0) / n
            ru1 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            out[name]["times"].append(t)
            out[name]["minflt"].append((ru1 - ru0) / n)
    return out


def _quartiles(xs):
    if len(xs) < 2:
        return xs[0], xs[0]
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], q[2]


def summarize(raw: dict, reference: str) -> list[dict]:
    ref = raw[reference]["times"]
    rows = []
    for name, d in raw.items():
        ts = d["times"]
        med = statistics.median(ts)
        q1, q3 = _quartiles(ts)
        ratios = [a / b for a, b in zip(ts, ref, strict=False)]
        rows.append({"contender": name, "median_s": med, "min_s": min(ts),
                     "iqr_rel": (q3 - q1) / med, "ratio": statistics.median(ratios),
                     "ratios": ratios, "times": ts, "calls_per_block": d["inner"],
                     "minflt_per_call": statistics.median(d["minflt"])})
    return rows


def fmt_time(s: float) -> str:
    if s < 1e-6:
        return f"{s * 1e9:.0f} ns"
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.3g} ms"
    return f"{s:.3g} s"


def print_table(title: str, rows: list[dict], reference: str) -> None:
    print(f"\n## {title}  (ratio = median of per-round ratios to '{reference}')")
    w = max(len(r["contender"]) for r in rows)
    print(f"{'contender':<{w}}  {'median':>10}  {'ratio':>7}  {'IQR':>5}  {'calls/blk':>9}")
    for r in rows:
        print(f"{r['contender']:<{w}}  {fmt_time(r['median_s']):>10}  {r['ratio']:7.3f}  "
              f"{100 * r['iqr_rel']:4.0f}%  {r['calls_per_block']:9d}")


def env_info() -> dict:
    import numpy as np
    info = {"python": platform.python_version(), "numpy": np.__version__,
            "cpu_pinned": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
            "loadavg": os.getloadavg(), "time_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    try:
        import mlgraph
        info["mlgraph"] = getattr(mlgraph, "__version__", "?")
    except Exception:  # pragma: no cover
        pass
    return info


def write_json(path: str | None, payload: dict) -> None:
    if not path:
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    payload = {**payload, "env": env_info()}
    with open(path, "w") as fh:
        json.dump(payload, fh, indent=1, default=float)


def close(a, b, rtol=1e-9) -> bool:
    import numpy as np
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return bool(np.all(np.abs(a - b) <= rtol * np.maximum(1.0, np.abs(b))))
