"""``mlgraph grade-bundle ASSIGNMENT -o autograder.zip``: a Gradescope autograder.

It grades one submission with this same code (see `mlgraph.grading.gradescope`).
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_parser"]


def add_parser(sub: Any) -> None:
    """Register the ``grade-bundle`` subcommand."""
    p = sub.add_parser(
        "grade-bundle", help="write a Gradescope autograder .zip for an assignment",
        description="Write a Gradescope autograder (setup.sh, run_autograder, pinned "
        "requirements, this grader's code) for ASSIGNMENT.")
    p.add_argument("assignment", help="shipped name or path of a spec .py file")
    p.add_argument("-o", "--output", default="autograder.zip", help="the .zip to write")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from .gradescope import write_bundle

    path = write_bundle(args.assignment, args.output)
    print(f"wrote {path}: upload it as the assignment's autograder on Gradescope")
    return 0
