"""The lecture's trace tables, built from a run's events.

Forward Evaluation Trace (v), Forward Derivative Trace (v̇) and Backward Adjoint Trace
(v̄): each row shows the rule and the numbers, e.g.
``v̄1 = v̄3·v0 + v̄4·cos(v1) = 1·2 + (−1)·0.2837 = 1.716``. Every number is an event's
value or a local derivative computed by the primitive's own rule. Layer 3: imports
layers 0-1.
"""

from __future__ import annotations

import html
import unicodedata
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from .events import Event
from .graph import Graph, local_partials

__all__ = ["TraceTable", "Row", "trace_table", "fmt"]

TITLES = {
    "eval": "Forward Evaluation Trace",
    "forward": "Forward Derivative Trace",
    "reverse": "Backward Adjoint Trace",
}
_DOT = {"eval": "", "forward": "\u0307", "reverse": "\u0304"}   # v, v̇, v̄


def fmt(x: Any) -> str:
    """A number as in the lectures (see `_num_text`); arrays as a compact preview."""
    arr = np.asarray(getattr(x, "value", x), dtype=float)
    if arr.ndim == 0:
        return _num_text(float(arr))
    if arr.size <= 4:
        return "[" + ", ".join(fmt(v) for v in arr.ravel()) + "]"
    return "⟨" + "×".join(str(d) for d in arr.shape) + "⟩"


def _num_text(v: float) -> str:
    """At least 4 significant digits and 3 decimals below 10⁵ (11.652, 0.2837, 5.5)."""
    if v == 0:
        return "0"
    if not np.isfinite(v):
        return "NaN" if np.isnan(v) else ("∞" if v > 0 else "−∞")
    a = abs(v)
    if 1e-4 <= a < 1e5:
        decimals = max(3, 3 - int(np.floor(np.log10(a))))
        text = f"{v:.{decimals}f}".rstrip("0").rstrip(".")
    else:
        text = f"{v:.4g}"
    return text.replace("-", "−")


def _paren(text: str) -> str:
    if text.startswith("−") or any(c in text for c in " +·/"):
        return f"({text})"
    return text


@dataclass(frozen=True)
class Row:
    """One line of a trace table.

    Attributes:
        step: the event that completes this row.
        sweep: ``"eval"``, ``"forward"`` or ``"reverse"``.
        node: the node id.
        lhs: ``"v2"``, ``"v̇2"`` or ``"v̄2"``.
        rule: the formula, ``"ln(v0)"``.
        numbers: the formula with numbers, ``"ln(2)"`` (empty for a seed).
        value: the result, 4 significant digits.
        name: the name given to the node with `mlgraph.name` (``"z"``), else ``""``.
    """

    step: int
    sweep: str
    node: int
    lhs: str
    rule: str
    numbers: str
    value: str
    name: str = ""

    @property
    def head(self) -> str:
        """The left-hand side with the node's name: ``v̄3 (z)``."""
        return f"{self.lhs} ({self.name})" if self.name else self.lhs

    @property
    def shown_numbers(self) -> str:
        """The numbers, unless they only repeat the value (``(−1)`` before ``−1``)."""
        if self.numbers in ("", self.value, f"({self.value})"):
            return ""
        return self.numbers

    def __str__(self) -> str:
        parts = [self.head, self.rule]
        if self.shown_numbers:
            parts.append(self.numbers)
        if self.value != self.rule:
            parts.append(self.value)
        return " = ".join(parts)


class TraceTable:
    """The trace tables of one run: rows in event order, printed grouped by sweep."""

    def __init__(self, rows: list[Row], wrt: str | None = None) -> None:
        self.rows = rows
        self.wrt = wrt

    def sweeps(self) -> list[str]:
        """The sweeps that have rows, in the order they first appear."""
        return list(dict.fromkeys(r.sweep for r in self.rows))

    def title(self, sweep: str) -> str:
        """The lecture's title of a sweep's table."""
        if sweep == "forward" and self.wrt:
            return f"{TITLES[sweep]} (∂/∂{self.wrt})"
        return TITLES[sweep]

    def __str__(self) -> str:
        blocks = []
        for sweep in self.sweeps():
            lines = [self.title(sweep)]
            lines += ["  " + str(r) for r in self.rows if r.sweep == sweep]
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)

    def _repr_html_(self) -> str:
        e = html.escape
        out = ['<div class="mlgraph-trace-tables" style="display:flex;gap:2em;'
               'flex-wrap:wrap">']
        for sweep in self.sweeps():
            out.append(f'<table class="mlgraph-trace mlgraph-trace-{sweep}">'
                       '<caption style="font-weight:bold">'
                       f'{e(self.title(sweep))}</caption>')
            for r in self.rows:
                if r.sweep != sweep:
                    continue
                nums = r.shown_numbers
                out.append(
                    f'<tr data-step="{r.step}">'
                    f'<td style="text-align:left">{e(r.head)}</td>'
                    f'<td style="text-align:left">= {e(r.rule)}</td>'
                    f'<td style="text-align:left">{"= " + e(nums) if nums else ""}</td>'
                    f'<td style="text-align:right"><b>= {e(r.value)}</b></td></tr>')
            out.append("</table>")
        out.append("</div>")
        return "".join(out)

    def to_json(self) -> list[dict]:
        """The rows as dicts (for the widget)."""
        return [asdict(r) for r in self.rows]


def trace_table(g: Graph, events: list[Event], wrt: str | None = None) -> TraceTable:
    """Build the trace tables of a run.

    Args:
        g: the traced graph.
        events: the run's events (from `mlgraph.run` or the sweeps).
        wrt: the input of a forward-mode run, for the title.

    Example:
        >>> import mlgraph as mg
        >>> g = mg.trace(lambda x1, x2: mg.log(x1) + x1 * x2 - mg.sin(x2), 2.0, 5.0)
        >>> table = mg.trace_table(g, mg.run(g, "reverse"))
        >>> print(table.rows[-2])
        v̄1 = v̄3·v0 + v̄4·cos(v1) = 1·2 + (−1)·0.2837 = 1.716
    """
    partials = local_partials(g)
    cur = {"eval": {}, "forward": {}, "reverse": {}}
    incoming: dict[int, list[Event]] = {}
    rows: list[Row] = []
    for ev in events:
        cur[ev.sweep][ev.node] = ev.value
        if ev.kind == "accumulate":
            incoming.setdefault(ev.node, []).append(ev)
            continue
        if ev.sweep == "eval":
            rows.append(_eval_row(g, ev, cur["eval"]))
        elif ev.sweep == "forward":
            rows.append(_forward_row(g, ev, cur["forward"], partials))
        elif ev.kind == "visit":
            rows.append(_reverse_row(g, ev, cur["reverse"], incoming.get(ev.node, []),
                                     partials))
    if g.names:
        rows = [replace(r, name=g.names[r.node]) if r.node in g.names and
                g.prims[r.node] is not None else r for r in rows]
    return TraceTable(rows, wrt)


def _eval_row(g: Graph, ev: Event, primal: dict) -> Row:
    i = ev.node
    prim = g.prims[i]
    if prim is None:
        return Row(ev.step, "eval", i, f"v{i}", g.labels[i], "", fmt(ev.value))
    shown = [fmt(primal[j]) for j in g.args[i]]
    if prim.infix:
        shown = [_paren(v) if v.startswith("−") else v for v in shown]
    numbers = g.listing(i, shown)
    return Row(ev.step, "eval", i, f"v{i}", g.listing(i), numbers, fmt(ev.value))


def _sum(terms: list[str]) -> str:
    """Join terms with + and −: ``a + −b`` reads ``a − b``."""
    out = ""
    for t in terms:
        if not out:
            out = t
        elif t.startswith("−"):
            out += " − " + t[1:]
        else:
            out += " + " + t
    return out


def _term(delta_name: str, partial: str) -> str:
    if partial == "1":
        return delta_name
    if partial == "−1":
        return f"−{delta_name}"
    return f"{delta_name}·{_paren(partial)}"


def _forward_row(g: Graph, ev: Event, tangent: dict, partials: dict) -> Row:
    i = ev.node
    d = _DOT["forward"]
    if ev.kind == "seed":
        return Row(ev.step, "forward", i, f"v{d}{i}", fmt(ev.value), "", fmt(ev.value))
    rules, numbers = [], []
    for k, j in enumerate(g.args[i]):
        if j not in tangent:
            continue
        p = partials.get((j, i, k), {})
        rules.append(_term(f"v{d}{j}", p.get("formula") or f"∂v{i}/∂v{j}"))
        if p.get("value") is not None:
            numbers.append(_term(_paren(fmt(tangent[j])), fmt(p["value"])))
    rule = _sum(rules) or "0"
    nums = _sum(numbers) if len(numbers) == len(rules) else ""
    return Row(ev.step, "forward", i, f"v{d}{i}", rule, nums, fmt(ev.value))


def _reverse_row(g: Graph, ev: Event, adjoint: dict, incoming: list[Event],
                 partials: dict) -> Row:
    i = ev.node
    b = _DOT["reverse"]
    if i in g.outputs and not incoming:
        name = g.output_names[g.outputs.index(i)]
        if len(unicodedata.normalize("NFD", name[:1])) == 1:
            bar = unicodedata.normalize("NFC", f"{name[0]}{b}{name[1:]}")  # ȳ, ȳ2
        else:       # NOTE: a bar over a hat (ŷ̄) does not render: write ∂ŷ/∂ŷ
            bar = f"∂{name}/∂{name}"
        return Row(ev.step, "reverse", i, f"v{b}{i}", bar, "", fmt(ev.value))
    rules, numbers = [], []
    for acc in sorted(incoming, key=lambda a: (a.src, a.argnum)):
        p = partials.get((i, acc.src, acc.argnum), {})
        rules.append(_term(f"v{b}{acc.src}", p.get("formula") or f"∂v{acc.src}/∂v{i}"))
        if p.get("value") is not None:
            numbers.append(_term(_paren(fmt(adjoint[acc.src])), fmt(p["value"])))
        else:
            numbers.append(_paren(fmt(acc.delta)))
    rule = _sum(rules) or "0"
    return Row(ev.step, "reverse", i, f"v{b}{i}", rule, _sum(numbers), fmt(ev.value))
