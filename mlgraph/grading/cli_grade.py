"""``mlgraph grade ASSIGNMENT SUBMISSION... --out DIR [--jobs N]``: batch grading.

Writes ``DIR/<stem>/results.json`` (Gradescope's format), ``DIR/<stem>/feedback.html``,
``DIR/gradebook.csv`` and ``DIR/summary.html``; each submission runs in its own sandbox.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_parser"]


def add_parser(sub: Any) -> None:
    """Register the ``grade`` subcommand."""
    p = sub.add_parser(
        "grade", help="grade homework submissions (.py / .ipynb) in a sandbox",
        description="Grade submissions against an assignment (a shipped name: "
        "iris-backprop, sigmoid-bce-backprop, graph-backward, numerical-gradient; or "
        "the path of a spec module defining ASSIGNMENT). Each submission runs in its "
        "own sandboxed process on freshly drawn hidden cases.")
    p.add_argument("assignment", help="shipped name or path of a spec .py file")
    p.add_argument("submissions", nargs="+", metavar="SUBMISSION", help=".py or .ipynb")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--jobs", type=int, default=1, help="submissions graded at once")
    p.add_argument("--seed", type=int, default=None,
                   help="seed of the hidden cases (default: new each run, kept in "
                   "DIR/grading.json)")
    p.add_argument("--timeout", type=float, default=None,
                   help="wall-clock seconds per submission (default: the assignment's)")
    p.add_argument("--memory", type=int, default=None, help="MB of address space")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import os

    from . import sandbox
    from .batch import grade_batch
    from .spec import load

    if args.jobs < 1:
        raise ValueError(f"--jobs must be at least 1, got {args.jobs}.")
    missing = [s for s in args.submissions if not os.path.isfile(s)]
    if missing:
        raise ValueError(f"no such file: {', '.join(missing[:5])}.")
    a = load(args.assignment)
    overrides = dict(a.limits)
    if args.timeout is not None:
        overrides["wall_seconds"] = args.timeout
        overrides["cpu_seconds"] = max(1, int(args.timeout))
    if args.memory is not None:
        overrides["memory_mb"] = args.memory
    limits = sandbox.with_overrides(sandbox.Limits(), overrides)
    pairs = grade_batch(a, args.submissions, args.out, jobs=args.jobs, seed=args.seed,
                        limits=limits, progress=not args.no_progress)
    errors = [p for p, r in pairs if r.status == "error"]
    full = sum(r.passed for _, r in pairs)
    mean = sum(r.score for _, r in pairs) / len(pairs)
    summary = os.path.join(args.out, "summary.html")
    print(f"graded {len(pairs)} submission(s) of {a.name}: mean {mean:.3g} / "
          f"{a.points:g}, {full} with full marks; see {summary}")
    for p in errors:
        print(f"grader error on {p}: see its feedback.html")
    return 1 if errors else 0
