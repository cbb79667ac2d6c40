"""Homework grading: hand-written gradient code checked per parameter and entry group.

Safely, with feedback that teaches and never shows a reference value:

- `check(fn, assignment=...)`: the self-check in a student's notebook (a table per
  output; ``strict=True`` raises `AssertionError` with the same text, for nbgrader and
  otter cells).
- ``mlgraph grade ASSIGNMENT SUBMISSION... --out DIR``: batch grading, each submission
  in its own sandboxed process (`mlgraph.grading.sandbox`), Gradescope's results.json, a
  gradebook and a summary page; ``mlgraph grade-bundle`` writes a Gradescope autograder.

The shipped assignments are in `mlgraph.assignments`. Headless: imports numpy and the
kernel only (no anywidget, ipywidgets, matplotlib, graphviz or IPython).
"""

from __future__ import annotations

from .scoring import Report
from .selfcheck import check
from .spec import (
    AUTODIFF_LIBRARIES,
    SHIPPED,
    Assignment,
    Case,
    GradientAssignment,
    Group,
    Output,
    Ref,
    Variant,
    load,
    with_derivative,
)

__all__ = [
    "AUTODIFF_LIBRARIES", "Assignment", "Case", "GradientAssignment", "Group", "Output",
    "Ref", "Report", "SHIPPED", "Variant", "check", "load", "with_derivative",
]
