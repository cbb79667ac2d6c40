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

``--against OLD_TREE`` compares this tree's grader with the one in OLD_TREE (a checkout
of the repository, e.g. ``git worktree add /tmp/old <commit>``; its
``mlgraph/static`` is not needed): the same measures, each version in its own child
process (two versions of a package can't share one), interleaved round by round in
alternating order so that the shared machine's drift hits both alike. Per measure: the
medians and the median of the per-round ratios new/old with their interquartile range;
besides wall times, the CPU time of the grader and of the sandboxed processes, which
other work on the machine disturbs less. Writes benchmarks/results/grading_ab.md.
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
# NOTE: a child of --against measures the grader of another tree
TREE = Path(sys.argv[sys.argv.index("--tree") + 1]) if "--tree" in sys.argv else ROOT
sys.path.insert(0, str(TREE))

import numpy as np  # noqa: E402

from mlgraph.grading import load, sandbox  # noqa: E402
from mlgraph.grading.batch import grade_batch, hidden_cases  # noqa: E402

SUBMISSIONS = sorted((ROOT / "tests" / "grading" / "iris").glob("[cm]*.py"))
TRIVIAL = "def gradients(X, Y, W, V):\n    return W, V\n"


def batch_wall(n: int, jobs: int, repeats: int,
               first_seed: int = 0) -> tuple[list[float], dict]:
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
            pairs = grade_batch("iris-backprop", subs, str(out), jobs=jobs,
                                seed=first_seed + r, progress=False)
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


def child(what: str, n: int, seed: int) -> dict:
    """One measurement in this process, for --against (CPU times from getrusage)."""
    import resource

    def cpu(who: int) -> float:
        r = resource.getrusage(who)
        return r.ru_utime + r.ru_stime

    grader, boxes = cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
    if what == "batch":
        walls, _ = batch_wall(n, 2, 1, first_seed=seed)
        out = {"wall": walls[0]}
    else:
        box, bare, _ = overhead(n)
        out = {"run": statistics.median(box), "bare": statistics.median(bare)}
    out["grader_cpu"] = cpu(resource.RUSAGE_SELF) - grader
    out["sandbox_cpu"] = cpu(resource.RUSAGE_CHILDREN) - boxes
    return out


def _ratios(new: list[float], old: list[float]) -> str:
    r = sorted(a / b for a, b in zip(new, old, strict=True))
    q = statistics.quantiles(r, n=4) if len(r) > 1 else [r[0], r[0], r[0]]
    return f"{statistics.median(r):.3f} | {q[0]:.3f}–{q[2]:.3f}"


def _name(tree: Path) -> str:
    """A checkout's commit (``abc1234``), else its path."""
    out = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else str(tree)


def against(old_tree: Path, rounds: int, n: int, quick: bool,
            old_name: str | None = None) -> str:
    """Both trees' measures, interleaved round by round, as a markdown report."""
    import json

    trees = {"old": old_tree.resolve(), "new": ROOT}
    got: dict[str, list[dict]] = {"old": [], "new": []}
    for r in range(rounds):
        for name in (("old", "new") if r % 2 == 0 else ("new", "old")):
            for what, size in (("batch", n), ("overhead", 5)):
                out = subprocess.run(
                    [sys.executable, __file__, "--tree", str(trees[name]), "--child",
                     what, "--n", str(size), "--seed", str(r)],
                    check=True, capture_output=True, text=True).stdout
                row = json.loads(out.strip().splitlines()[-1])
                got[name].append({f"{what}:{k}": v for k, v in row.items()})
    merged = {name: [{**a, **b} for a, b in zip(rows[::2], rows[1::2], strict=True)]
              for name, rows in got.items()}
    measures = [("batch:wall", f"{n} submissions, `--jobs 2`, wall", "s"),
                ("batch:grader_cpu", "… CPU time of the grader", "s"),
                ("batch:sandbox_cpu", "… CPU time of the sandboxed processes", "s"),
                ("overhead:run", "one sandboxed run (median of 5), wall", "ms"),
                ("overhead:sandbox_cpu", "5 runs + 5 bare `python -c pass`, CPU of "
                 "the children", "ms")]
    lines = [f"# Batch grading: {_name(ROOT)} against {old_name or _name(old_tree)}",
             "",
             f"{platform.node()} · {os.cpu_count()} cores · Python "
             f"{platform.python_version()} · numpy {np.__version__} · {rounds} rounds, "
             "each version in its own process, alternating order · load average at "
             f"the end {tuple(round(x, 2) for x in os.getloadavg())}", "",
             "| measure | old (median) | new (median) | new / old (median of rounds) "
             "| IQR of ratios |", "|---|---|---|---|---|"]
    for key, title, unit in measures:
        old = [m[key] for m in merged["old"]]
        new = [m[key] for m in merged["new"]]
        scale = 1000 if unit == "ms" else 1
        lines.append(f"| {title} | {statistics.median(old) * scale:.3g} {unit} | "
                     f"{statistics.median(new) * scale:.3g} {unit} | "
                     f"{_ratios(new, old)} |")
    text = "\n".join([*lines, ""])
    print(text)
    if not quick:
        (ROOT / "benchmarks" / "results" / "grading_ab.md").write_text(text)
    return text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20 submissions, 1 run, 5 rounds")
    ap.add_argument("--against", type=Path, default=None, metavar="OLD_TREE",
                    help="compare with the grader of another checkout")
    ap.add_argument("--rounds", type=int, default=6, help="rounds of --against")
    ap.add_argument("--old-name", default=None,
                    help="what the report calls OLD_TREE (default: its commit or path)")
    ap.add_argument("--tree", type=Path, default=ROOT, help=argparse.SUPPRESS)
    ap.add_argument("--child", choices=("batch", "overhead"), help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, default=100, help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        import json

        print(json.dumps(child(args.child, args.n, args.seed)))
        return
    if args.against:
        against(args.against, 2 if args.quick else args.rounds, 20 if args.quick else 100,
                args.quick, args.old_name)
        return
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
