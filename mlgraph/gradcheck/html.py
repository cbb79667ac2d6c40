"""The gradient-check report as an HTML table for notebooks (beside the text report).

Every string from the report (function and parameter names, notes) is escaped. Layer 3:
the standard library only.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .report import GradcheckReport

__all__ = ["report_html"]

_COLOUR = {"pass": "#1a7f37", "warn": "#9a6700", "suspect": "#bc4c00",
           "fail": "#cf222e"}


def report_html(report: GradcheckReport) -> str:
    """The report's table, its failures and notes, as escaped HTML."""
    e = html.escape
    header, *rows = report.rows()
    out = [f"<div class='mlgraph-gradcheck'><p><b>gradcheck of {e(report.fn_name)}</b> "
           f"({e(report.source)} vs central differences, mode={e(report.mode)}, "
           f"h={report.h:.2g}): <b>{'passed' if report.passed else 'FAILED'}</b></p>"
           "<table>", "<tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>"]
    for p, row in zip(report.params, rows, strict=True):
        cells = "".join(f"<td>{e(v)}</td>" for v in row[:-1])
        out.append(f"<tr>{cells}<td style='color:{_COLOUR[p.status]}'>{e(row[-1])}"
                   "</td></tr>")
    out.append("</table>")
    lines = report.failure_lines() + [f"note: {n}" for n in report.notes]
    if lines:
        out.append("<pre>" + e("\n".join(lines)) + "</pre>")
    out.append("</div>")
    return "".join(out)
