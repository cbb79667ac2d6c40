"""Run every kernel benchmark (each in its own fresh process, 1 BLAS thread, pinned
to one CPU) and write benchmarks/results/kernel.md plus one JSON per script.

    python benchmarks/run_all.py            # full run (~2-3 min)
    python benchmarks/run_all.py --quick    # smoke run (~30 s)
    python benchmarks/run_all.py --no-profile

Scripts: bench_w1_scalar.py (W1a, W1b), bench_w2_mlp.py (W2), bench_w3_mlp.py (W3),
bench_events.py (D: event-recording overhead); profile_kernel.py -> results/profile.md.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from _bench import fmt_time

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")
SCRIPTS = ["bench_w1_scalar.py", "bench_w2_mlp.py", "bench_w3_mlp.py", "bench_events.py"]


def render(results: list[dict], args, wall: float) -> str:
    env = next((r["env"] for r in results if "env" in r), {})
    out = ["# mlgraph kernel benchmarks", "",
           f"Run {env.get('time_utc', '?')} ({'--quick' if args.quick else 'full'}, "
           f"{wall:.0f} s). Python {env.get('python')}, numpy {env.get('numpy')}, "
           f"mlgraph {env.get('mlgraph')}. Each script in its own process, all contenders of a "
           f"workload in that process, interleaved block by block ({args.rounds or ('3' if args.quick else '9')} "
           "rounds, order rotating). **OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=MKL_NUM_THREADS=1** "
           f"(set before numpy is imported), process pinned to CPU {env.get('cpu_pinned')}; "
           f"load average at the end {tuple(round(x, 2) for x in env.get('loadavg', ()))}. "
           "Cyclic GC on, never forced.", "",
           "`× ref` is the median of the per-round ratios to the workload's reference; "
           "IQR is relative to the median. Goal verdicts use `× ref` of the goal row.", "",
           "| workload | contender | median | IQR | × ref | goal | met? |",
           "|---|---|---|---|---|---|---|"]
    verdicts = []
    for res in results:
        for w in res.get("workloads", []):
            goal = w["goal"]
            for r in w["rows"]:
                is_goal = r["contender"] == goal["contender"]
                is_ref = r["contender"] == w["reference"]
                met = ""
                if is_goal:
                    ok = r["ratio"] <= goal["max_ratio"]
                    met = "**met**" if ok else "**missed**"
                    verdicts.append((w["id"], goal["text"], r["ratio"], ok))
                name = r["contender"] + (" *(ref)*" if is_ref else "")
                out.append(f"| {w['id']} | {name} | {fmt_time(r['median_s'])} | "
                           f"{100 * r['iqr_rel']:.0f}% | {r['ratio']:.3f} | "
                           f"{goal['text'] if is_goal else ''} | {met} |")
    out += ["", "## Verdicts", "", "| workload | goal | measured | verdict |", "|---|---|---|---|"]
    for wid, text, ratio, ok in verdicts:
        out.append(f"| {wid} | {text} | {ratio:.3f} × | {'met' if ok else 'MISSED'} |")
    out += ["", "## Checks (done before timing)", ""]
    for res in results:
        for w in res.get("workloads", []):
            out.append(f"- **{w['title']}**: `{json.dumps(w.get('checks'), default=str)}`")
    out += ["", "Notes:",
            "- W1 micrograd row: micrograd has only + * ** relu, so W1a uses "
            "x1**2 + x1*x2 - relu(x2) and W1b replaces tanh and exp with relu.",
            "- W3 is float32 with glibc malloc defaults; all of W2/W3 start from the same "
            "parameters as the numpy floor and must reproduce its first three losses.",
            "- D compares three runs of the reverse sweep on one already-traced graph; "
            "(ii) is a copy of `mlgraph.sweeps._reverse` without emit code "
            f"(copied from the version with source sha1 "
            f"{next((r.get('reverse_source_sha1') for r in results if 'reverse_source_sha1' in r), '?')}).",
            "- Profile: see `profile.md` next to this file.", ""]
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--no-profile", action="store_true")
    args = ap.parse_args(argv)
    os.makedirs(RESULTS, exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    t0 = time.perf_counter()
    results = []
    for script in SCRIPTS:
        js = os.path.join(RESULTS, script.replace(".py", ".json"))
        cmd = [sys.executable, os.path.join(HERE, script), "--json", js]
        if args.quick:
            cmd.append("--quick")
        if args.rounds:
            cmd += ["--rounds", str(args.rounds)]
        print("$", " ".join(cmd), flush=True)
        rc = subprocess.call(cmd, env=env)
        if rc != 0:
            print(f"!! {script} exited {rc}", flush=True)
            continue
        with open(js) as fh:
            results.append(json.load(fh))
    if not args.no_profile:
        cmd = [sys.executable, os.path.join(HERE, "profile_kernel.py")] + (["--quick"] if args.quick else [])
        print("$", " ".join(cmd), flush=True)
        subprocess.call(cmd, env=env, stdout=subprocess.DEVNULL)
    md = render(results, args, time.perf_counter() - t0)
    path = os.path.join(RESULTS, "kernel.md")
    with open(path, "w") as fh:
        fh.write(md)
    print(md)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
