"""Batch grading: 100 submissions with --jobs 2, and the sandbox's cost per submission.

1. Wall time of ``grade_batch`` on 100 iris-backprop submissions (the correct one and
   the planted mistakes of tests/grading/iris, repeated), ``jobs=2``: median of 3 runs.
   Goal: ≤ 60 s.
2. The sandbox's overhead per submission: one sandboxed run of a trivial submission on
   the assignment's cases against a bare ``python -c pass`` subprocess of the same
   interpreter, interleaved in rounds; overhead = median(sandbox) − median(bare), with
   the median of the per-round differences. Goal: ≤ 0.3 s.

Not pinned to one CPU (two jobs need both). Writes benchmarks/results/grading.md.
Run: ``.venv/bin/python benchmarks/bench_grading.py [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from mlgraph.grading import load, sandbox  # noqa: E402
from mlgraph.grading.batch import grade_batch, hidden_cases  # noqa: E402

SUBMISSIONS = sorted((ROOT / "tests" / "grading" / "iris").glob("[cm]*.py"))
TRIVIAL = "def gradients(X, Y, W, V):\n    return W, V\n"


def batch_wall(n: int, jobs: int, repeats: int) -> tuple[list[float], dict]:
    times, statuses = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        subs = []
        for i in range(n):
            src = SUBMISSIONS[i % len(SUBMISSIONS)]
            dst = Path(tmp) / f"student{i:03d}_{src.stem}.py"
            shutil.copy(src, dst)
            subs.append(str(dst))
        for r in range(repeats):
            out = Path(tmp) / f"out{r}"
            start = time.perf_counter()
            pairs = grade_batch("iris-backprop", subs, str(out), jobs=jobs, seed=r,
                                progress=False)
            times.append(time.perf_counter() - start)
            for _, rep in pairs:
                statuses[rep.status] = statuses.get(rep.status, 0) + 1
    return times, statuses


def overhead(rounds: int) -> tuple[list[float], list[float], str]:
    a = load("iris-backprop")
    cases = [c.args for c in hidden_cases(a, 0)]
    exe = sandbox.sandbox_python(1 if os.geteuid() == 0 else None)
    box, bare = [], []
    for r in range(rounds):
        order = (0, 1) if r % 2 == 0 else (1, 0)
        for which in order:
            start = time.perf_counter()
            if which == 0:
                run = sandbox.run([("trivial.py", TRIVIAL)], "gradients", cases)
                assert run.done, run.stderr
                box.append(time.perf_counter() - start)
            else:
                subprocess.run([exe, "-c", "pass"], check=True)
                bare.append(time.perf_counter() - start)
    return box, bare, exe


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20 submissions, 1 run, 5 rounds")
    args = ap.parse_args()
    n, repeats, rounds = (20, 1, 5) if args.quick else (100, 3, 21)
    box, bare, exe = overhead(rounds)
    walls, statuses = batch_wall(n, 2, repeats)
    diffs = [b - p for b, p in zip(box, bare, strict=True)]
    wall = statistics.median(walls)
    over = statistics.median(box) - statistics.median(bare)
    lines = [
        "# Batch grading benchmark",
        "",
        f"{platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()} · "
        f"numpy {np.__version__} · running as {'root (sandbox as a fresh uid)' if os.geteuid() == 0 else 'a user'}"
        f" · sandbox interpreter {exe}",
        "",
        "| measure | goal | measured |",
        "|---|---|---|",
        f"| {n} iris-backprop submissions, `--jobs 2`, wall time (median of {repeats}) "
        f"| ≤ 60 s | {wall:.1f} s ({wall / n * 1000:.0f} ms per submission) |",
        f"| sandbox overhead per submission vs bare `python -c pass` (median of {rounds} "
        f"interleaved rounds) | ≤ 0.3 s | {over:.3f} s (per-round median "
        f"{statistics.median(diffs):.3f} s) |",
        f"| one sandboxed run (start, numpy, 3 cases, results back) | | "
        f"{statistics.median(box) * 1000:.0f} ms |",
        f"| bare `python -c pass` | | {statistics.median(bare) * 1000:.0f} ms |",
        "",
        f"Batch runs: {', '.join(f'{t:.1f} s' for t in walls)}; outcomes "
        f"{dict(sorted(statuses.items()))}.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.quick:
        (ROOT / "benchmarks" / "results" / "grading.md").write_text(text)


if __name__ == "__main__":
    main()
