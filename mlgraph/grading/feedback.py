"""What students and staff read, written from a `Report`.

The report as text and HTML, Gradescope's results.json, the gradebook CSV and the
staff summary page.

Everything here is written from a `Report`, which holds shapes, relative errors, pass /
fail, diagnoses and points, never a reference value. Every string that came from a
submission (file names, exception messages, printed output) is escaped in HTML.
"""

from __future__ import annotations

import csv
import html
import io
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # NOTE: for type hints only: a `Report` renders itself through this module
    # (``str(report)``, ``report._repr_html_()``), so importing it here would close a
    # circle; everything below only reads a report's fields.
    from .scoring import OutputReport, Report

__all__ = ["report_text", "report_html", "results_json", "gradebook_csv",
           "summary_html"]


# Reports whose tables are all "not run": their per-output notes would only repeat it.
_UNGRADED = ("not_implemented", "violation", "import_error", "refused", "error")


def _err(x: float | None) -> str:
    if x is None:
        return "—"
    if x != x or x == float("inf"):
        return "not finite"
    return f"{x:.1e}"


def _pts(x: float) -> str:
    return f"{x:.4g}"


def _status(ok: bool) -> str:
    return "pass" if ok else "FAIL"


def _table_rows(o: OutputReport) -> tuple[list[str], list[list[str]]]:
    head = ["case", "shape: yours", "expected", "max rel. error",
            *[g.name for g in o.groups]]
    rows = [[r.label, r.yours, r.expected, _err(r.max_rel_error),
             *[_status(p) for p in r.passed]] for r in o.rows]
    return head, rows


def _output_notes(o: OutputReport) -> list[str]:
    failing = [g for g in o.groups if not g.passed]
    texts = [g.message or "the values differ from the expected gradient"
             for g in failing]
    if len(set(texts)) == 1:
        notes = [f"diagnosis: {texts[0]}"] if texts else []
    else:
        notes = [f"{g.name}: {t}" for g, t in zip(failing, texts, strict=True)]
    seen = set(texts)
    for r in o.rows:
        if r.problem and r.problem not in seen:
            notes.append(f"{r.label}: {r.problem}")
            seen.add(r.problem)
    if o.hint:
        notes.append(f"hint: {o.hint}")
    return notes


def headline(report: Report) -> str:
    """``"iris-backprop: 7.5 / 10 points"`` (with the submission's name when known)."""
    who = f"{report.submission}: " if report.submission else ""
    score = f"{_pts(report.score)} / {_pts(report.points)} points"
    return f"{who}{report.assignment}: {score}"


def _output_lines(o: OutputReport, notes: bool) -> list[str]:
    """One output's heading and aligned table, then (``notes``) its diagnosis."""
    lines = [f"{o.name}  ({o.description})  {_pts(o.score)} / {_pts(o.points)}"]
    head, rows = _table_rows(o)
    widths = [max(len(c) for c in col) for col in zip(head, *rows, strict=True)]
    for row in [head, *rows]:
        lines.append("  " + "  ".join(c.ljust(w) for c, w in
                                      zip(row, widths, strict=True)).rstrip())
    if notes:
        lines += [f"  {n}" for n in _output_notes(o)]
    return lines


def report_text(report: Report) -> str:
    """The report as aligned text tables, one per output (terminals, AssertionError)."""
    lines = [headline(report) + f"  ({report.title})"]
    if report.verdict:
        lines += ["", report.verdict]
    lines += [f"note: {n}" for n in report.notes]
    for o in report.outputs:
        lines += ["", *_output_lines(o, notes=report.status not in _UNGRADED)]
    if report.output:
        lines += ["", "what your code printed (cut to the first lines):",
                  *("  | " + ln for ln in report.output.splitlines()[:40])]
    return "\n".join(lines)


_CSS = """
.mlgraph-grade { font-family: system-ui, sans-serif; font-size: 14px; color: #1b1b1b;
  max-width: 60rem; }
.mlgraph-grade table { border-collapse: collapse; margin: 0.3rem 0 0.6rem; }
.mlgraph-grade th, .mlgraph-grade td { border: 1px solid #c8c8c8; padding: 2px 8px;
  text-align: left; }
.mlgraph-grade th { background: #f0f0f0; }
.mlgraph-grade .pass { color: #0a6b2a; font-weight: 600; }
.mlgraph-grade .fail { color: #a4000f; font-weight: 700; }
.mlgraph-grade .verdict { border-left: 4px solid #a4000f; padding: 0.3rem 0.6rem;
  background: #fff3f3; }
.mlgraph-grade pre { background: #f6f6f6; padding: 0.4rem; max-height: 20rem;
  overflow: auto; }
"""


def _cell(text: str) -> str:
    cls = {"pass": ' class="pass"', "FAIL": ' class="fail"'}.get(text, "")
    return f"<td{cls}>{html.escape(text)}</td>"


def report_html(report: Report, standalone: bool = True) -> str:
    """The report as HTML tables (escaped); ``standalone``: a whole page."""
    e = html.escape
    parts = [f'<div class="mlgraph-grade"><h3>{e(headline(report))}</h3>',
             f"<p>{e(report.title)}</p>"]
    if report.verdict:
        parts.append(f'<p class="verdict">{e(report.verdict)}</p>')
    parts += [f"<p>note: {e(n)}</p>" for n in report.notes]
    for o in report.outputs:
        parts.append(f"<h4>{e(o.name)} — {e(o.description)}: "
                     f"{e(_pts(o.score))} / {e(_pts(o.points))}</h4>")
        head, rows = _table_rows(o)
        parts.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in head)
                     + "</tr>")
        parts += ["<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in rows]
        parts.append("</table>")
        if report.status not in _UNGRADED:
            parts += [f"<p>{e(n)}</p>" for n in _output_notes(o)]
    if report.output:
        parts.append("<p>What your code printed (cut):</p>"
                     f"<pre>{e(report.output)}</pre>")
    parts.append("</div>")
    body = "\n".join(parts)
    if not standalone:
        return f"<style>{_CSS}</style>{body}"
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{e(headline(report))}</title><style>{_CSS}</style></head>"
            f"<body>{body}</body></html>\n")


def results_json(report: Report) -> dict[str, Any]:
    """Gradescope's autograder results for one submission.

    Returns:
        ``score``, and ``tests`` (one per output and group) with ``name``, ``score``,
        ``max_score``, ``output``, ``visibility``.
    """
    tests = []
    if report.verdict:
        tests.append({"name": "Running your code", "score": 0.0, "max_score": 0.0,
                      "output": report.verdict, "visibility": "visible",
                      "status": "failed"})
    for o in report.outputs:
        table = "\n".join(_output_lines(o, notes=True))
        for g in o.groups:
            passing = len(o.rows) - len(g.failed_cases)
            lines = [f"{passing} of {len(o.rows)} cases pass."]
            if not g.passed:
                lines.append(f"Fails for: {', '.join(g.failed_cases)}.")
                if g.message:
                    lines.append(g.message)
            tests.append({
                "name": f"{o.name}: {g.name}",
                "score": 0.0 if report.score == 0 else round(g.score, 6),
                "max_score": g.points,
                "output": "\n".join(lines) + "\n\n" + table,
                "visibility": "visible",
                "status": "passed" if g.passed and report.score else "failed",
            })
    return {
        "score": report.score,
        "output": headline(report) + (f"\n\n{report.verdict}" if report.verdict else "")
        + "".join(f"\nnote: {n}" for n in report.notes),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "execution_time": round(report.seconds or 0.0, 3),
        "tests": tests,
    }


GRADEBOOK_FIELDS = ["submission", "file", "score", "points", "status", "diagnoses",
                    "seconds"]


def gradebook_csv(reports: Sequence[tuple[str, Report]]) -> str:
    """The gradebook: one row per submission.

    Its name, file, score, points, status, diagnoses, seconds, then the score of every
    output.
    """
    outputs = [o.name for o in reports[0][1].outputs] if reports else []
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(GRADEBOOK_FIELDS + [f"score:{n}" for n in outputs])
    for path, r in reports:
        w.writerow([r.submission, path, _pts(r.score), _pts(r.points), r.status,
                    "; ".join(sorted(set(r.diagnoses))), f"{r.seconds or 0:.2f}",
                    *[_pts(o.score if r.score else 0.0) for o in r.outputs]])
    return buf.getvalue()


def _histogram_svg(scores: list[float], points: float, bins: int = 10) -> str:
    counts = [0] * bins
    for s in scores:
        counts[min(bins - 1, int(bins * s / points)) if points else 0] += 1
    top = max(counts) or 1
    w, h, pad = 36, 160, 28
    bars = []
    for i, c in enumerate(counts):
        bh = int((h - 20) * c / top)
        x = pad + i * w
        lo, hi = points * i / bins, points * (i + 1) / bins
        bars.append(f'<rect x="{x + 2}" y="{h - bh}" width="{w - 4}" height="{bh}" '
                    f'fill="#3b6ea8"><title>{lo:.3g}–{hi:.3g} points: {c}</title>'
                    "</rect>"
                    f'<text x="{x + w / 2}" y="{h - bh - 4}" text-anchor="middle" '
                    f'font-size="12">{c}</text>'
                    f'<text x="{x + w / 2}" y="{h + 16}" text-anchor="middle" '
                    f'font-size="11">{lo:.3g}</text>')
    width = pad * 2 + bins * w
    return ('<svg xmlns="http://www.w3.org/2000/svg" '
            f'width="{width}" height="{h + 40}" role="img" '
            'aria-label="histogram of scores">'
            f'<line x1="{pad}" y1="{h}" x2="{width - pad}" y2="{h}" stroke="#333"/>'
            + "".join(bars) + "</svg>")


def summary_html(reports: Sequence[tuple[str, Report]], title: str) -> str:
    """The staff page of a batch.

    A score histogram, the most common diagnosed mistakes, the outcomes, and a table
    of every submission.
    """
    e = html.escape
    rs = [r for _, r in reports]
    points = rs[0].points if rs else 0.0
    scores = [r.score for r in rs]
    mistakes = Counter(d for r in rs for d in set(r.diagnoses))
    statuses = Counter(r.status for r in rs)
    mean = sum(scores) / len(scores) if scores else 0.0
    parts = [f'<div class="mlgraph-grade"><h2>{e(title)}</h2>',
             f"<p>{len(rs)} submissions, mean {mean:.3g} / {points:g} points, "
             f"{sum(r.passed for r in rs)} with full marks.</p>",
             "<h3>Scores</h3>", _histogram_svg(scores, points),
             "<h3>Most common diagnosed mistakes</h3><table><tr><th>mistake</th>"
             "<th>submissions</th></tr>"]
    parts += [f"<tr><td>{e(k)}</td><td>{c}</td></tr>"
              for k, c in mistakes.most_common(15)]
    parts.append("</table><h3>Outcomes</h3><table><tr><th>status</th><th>submissions"
                 "</th></tr>")
    parts += [f"<tr><td>{e(k)}</td><td>{c}</td></tr>"
              for k, c in statuses.most_common()]
    parts.append("</table><h3>Submissions</h3><table><tr><th>submission</th><th>score"
                 "</th><th>status</th><th>diagnoses</th></tr>")
    for path, r in reports:
        link = f"{r.submission}/feedback.html"
        diagnoses = "; ".join(sorted(set(r.diagnoses)))
        parts.append(f'<tr><td><a href="{e(link, quote=True)}">{e(r.submission)}</a> '
                     f"<small>{e(path)}</small></td><td>{_pts(r.score)}</td>"
                     f"<td>{e(r.status)}</td><td>{e(diagnoses)}</td></tr>")
    parts.append("</table></div>")
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>'
            f"{e(title)}</title><style>{_CSS}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")
