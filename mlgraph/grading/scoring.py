"""Comparing what a submission returned with the reference, into a `Report`.

Per output, per entry group, per case; diagnoses; points. The `Report` holds shapes,
relative errors, pass / fail, diagnoses and points, and never an array value; it is
shown through `mlgraph.grading.feedback` (``str(report)``, ``report._repr_html_()``),
which reads it without importing this module. Grader-side only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .diagnose import Finding, Known, close, find, shape_text
from .spec import Assignment, Case, GradientAssignment, Output

__all__ = ["Call", "CaseRow", "GroupScore", "OutputReport", "Report", "grade_calls",
           "max_relative_error"]


@dataclass
class Call:
    """What one call of the student's function gave.

    Attributes:
        value: the decoded value it returned.
        problem: or why there is none (an exception, a time-out), for students.
    """

    value: Any = None
    problem: str | None = None


@dataclass
class CaseRow:
    """One case of one output: shapes, error, each group's pass / fail, diagnosis."""

    label: str
    yours: str
    expected: str
    max_rel_error: float | None
    passed: list[bool]
    finding: Finding | None = None
    group_findings: dict[int, Finding] = field(default_factory=dict)
    problem: str | None = None


@dataclass
class GroupScore:
    """An entry group over all cases: points, and the diagnosis when it fails."""

    name: str
    points: float
    score: float
    passed: bool
    diagnosis: str | None = None
    message: str | None = None
    failed_cases: list[str] = field(default_factory=list)


@dataclass
class OutputReport:
    """One output: its table rows (one per case) and its groups' scores."""

    name: str
    description: str
    rows: list[CaseRow]
    groups: list[GroupScore]
    hint: str | None = None

    @property
    def points(self) -> float:
        """The output's points."""
        return float(sum(g.points for g in self.groups))

    @property
    def score(self) -> float:
        """The points earned."""
        return float(sum(g.score for g in self.groups))

    @property
    def passed(self) -> bool:
        """Every group passed on every case."""
        return all(g.passed for g in self.groups)


@dataclass
class Report:
    """A submission's grade: per output tables, the total, and a verdict.

    The verdict says why when the submission could not be graded as usual (a
    violation, a time-out, ...).

    Attributes:
        status: ``"graded"``, or why not: ``"not_implemented"``, ``"import_error"``,
            ``"violation"``, ``"timeout"``, ``"cpu_limit"``, ``"crashed"``,
            ``"exited"``, ``"refused"``, ``"error"`` (the grader's own failure).
        verdict: one paragraph for students when ``status`` is not ``"graded"``.
        notes: other remarks (refused notebook lines, numpy patched, ...).
        output: what the submission printed (truncated), shown to students.
    """

    assignment: str
    title: str
    function: str
    outputs: list[OutputReport]
    status: str = "graded"
    verdict: str | None = None
    notes: list[str] = field(default_factory=list)
    output: str = ""
    submission: str = ""
    seconds: float | None = None

    @property
    def points(self) -> float:
        """The assignment's total points."""
        return float(sum(o.points for o in self.outputs))

    @property
    def score(self) -> float:
        """Points earned (0 after a violation)."""
        if self.status in ("violation", "refused", "import_error", "not_implemented"):
            return 0.0
        return round(float(sum(o.score for o in self.outputs)), 6)

    @property
    def passed(self) -> bool:
        """Full marks."""
        return self.status == "graded" and all(o.passed for o in self.outputs)

    @property
    def diagnoses(self) -> list[str]:
        """The mistakes recognised, one name per failing group (for summaries)."""
        return [g.diagnosis for o in self.outputs for g in o.groups if g.diagnosis]

    def __str__(self) -> str:
        from .feedback import report_text

        return report_text(self)

    def __repr__(self) -> str:
        from .feedback import report_text

        return report_text(self)

    def _repr_html_(self) -> str:
        from .feedback import report_html

        return report_html(self, standalone=False)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary (no values, as everything here)."""
        return {
            "assignment": self.assignment, "submission": self.submission,
            "score": self.score, "points": self.points, "status": self.status,
            "verdict": self.verdict, "notes": self.notes,
            "outputs": [{"name": o.name, "score": o.score, "points": o.points,
                         "groups": [g.__dict__ for g in o.groups]}
                        for o in self.outputs],
        }


def max_relative_error(yours: np.ndarray, expected: np.ndarray) -> float:
    """max over entries of |y − e| / max(|y|, |e|); 0 where both are 0, ∞ at NaN/Inf."""
    if yours.size == 0:
        return 0.0
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        diff = np.abs(yours - expected)
        scale = np.maximum(np.abs(yours), np.abs(expected))
        rel = np.where(scale > 0, diff / np.where(scale > 0, scale, 1.0), 0.0)
    rel = np.where(np.isfinite(yours) & np.isfinite(expected), rel, np.inf)
    return float(rel.max())


def _known(a: Assignment, out: Output, case: Case, ref: np.ndarray,
           alternatives: dict) -> Known:
    others, per_example = {}, None
    if isinstance(a, GradientAssignment):
        others = {k: v for k, v in a.gradients_wrt_all(case).items() if k != out.wrt}
        per_example = a.per_example(case, out)
    alts = {m: arrs[out.name] for m, arrs in alternatives.items() if out.name in arrs}
    return Known(ref, others, alts, per_example, a.batch_size(case), out.name,
                 out.wrt or out.name, a.messages())


def _row(a: Assignment, out: Output, case: Case, yours: Any, ref: np.ndarray,
         alternatives: dict) -> CaseRow:
    n_groups = len(out.groups)
    row = CaseRow(case.label, "", shape_text(ref.shape), None, [False] * n_groups)
    if isinstance(yours, str):
        row.yours, row.problem = "—", yours
        return row
    row.yours = shape_text(yours.shape)
    k = _known(a, out, case, ref, alternatives)
    rtol, atol = case.context.get("rtol", a.rtol), case.context.get("atol", a.atol)
    if yours.shape != ref.shape:
        row.finding = find(yours, k, rtol, atol)
        return row
    ok = close(yours, ref, rtol, atol)
    row.max_rel_error = max_relative_error(yours, ref)
    for i, g in enumerate(out.groups):
        sel = np.zeros(ref.shape, bool)
        sel[() if g.index is None else g.index] = True
        row.passed[i] = bool(ok[sel].all())
        if not row.passed[i]:
            f = find(yours, k, rtol, atol, mask=sel)
            if f is not None:
                row.group_findings[i] = f
    failing = [row.group_findings.get(i) for i in range(n_groups) if not row.passed[i]]
    if (failing and all(f is not None for f in failing)
            and len({f.key for f in failing}) == 1):
        row.finding = failing[0]
    elif failing:
        whole = find(yours, k, rtol, atol)
        row.finding = whole if whole is not None else None
    return row


def grade_calls(a: Assignment, cases: list[Case], calls: list[Call]) -> Report:
    """Grade the calls' results against the reference, case by case.

    Args:
        a: the assignment.
        cases: the cases the calls were made with.
        calls: one `Call` per case (a missing result is a `Call` with a problem).
    """
    refs = [a.reference(c) for c in cases]
    alts = [a.alternatives(c) for c in cases]
    unpacked = []
    for case, call in zip(cases, calls, strict=True):
        if call.problem is not None:
            unpacked.append({o.name: call.problem for o in a.outputs})
        else:
            unpacked.append(a.unpack(call.value, case))
    outputs = []
    for out in a.outputs:
        rows = []
        for case, ref, alt, got in zip(cases, refs, alts, unpacked, strict=True):
            if out.name in ref:
                rows.append(_row(a, out, case, got[out.name], ref[out.name], alt))
        outputs.append(_output_report(a, out, rows))
    return Report(a.name, a.title, a.function, outputs)


def _output_report(a: Assignment, out: Output, rows: list[CaseRow]) -> OutputReport:
    groups, keys = [], []
    for i, g in enumerate(out.groups):
        failed = [r for r in rows if not r.passed[i]]
        gs = GroupScore(g.name, g.points, g.points if not failed else 0.0, not failed)
        if failed:
            gs.failed_cases = [r.label for r in failed]
            findings = [r.group_findings.get(i) or r.finding for r in failed]
            named = [f for f in findings if f is not None]
            if named:
                key, _ = Counter(f.key for f in named).most_common(1)[0]
                gs.diagnosis = key
                gs.message = next(f.message for f in named if f.key == key)
                if len(named) == len(findings) and all(f.key == key for f in named):
                    gs.score = g.points * float(a.credit.get(key, 0.0))
                keys.append(key)
            else:
                problems = [r.problem for r in failed if r.problem]
                gs.message = problems[0] if problems else None
        groups.append(gs)
    hint = None
    if any(not g.passed for g in groups):
        hint = next((a.hints[k] for k in keys if k in a.hints), a.hints.get(out.name))
    return OutputReport(out.name, out.description, rows, groups, hint)
