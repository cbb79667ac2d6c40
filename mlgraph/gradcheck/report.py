"""The gradient check's verdicts: relative errors, bands, and the report as text.

`GradcheckReport` holds one `ParamCheck` per checked argument (and, with ``localize``,
one `LocalCheck` per node rule); ``str(report)`` is the aligned text table, the HTML
beside it lives in `mlgraph.gradcheck.html`. Layer 3: numpy and the standard library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..plain import jsonable

__all__ = ["GradcheckReport", "ParamCheck", "LocalCheck", "GradcheckError",
           "relative_error", "band", "bands_for", "summarize", "PASS", "WARN",
           "SUSPECT", "Bands"]

# The bands of the relative error (CS231n's rules of thumb, float64):
PASS = 1e-7  # rel < 1e-7: the gradient is right
WARN = 1e-4  # 1e-7 ≤ rel < 1e-4: "warn", fine near kinks, otherwise worth a look
SUSPECT = 1e-2  # 1e-4 ≤ rel < 1e-2: "suspect", counted as a failure; above: "fail"

Bands = tuple[float, float, float]
"""(pass below, warn below, suspect below): above the last, "fail"."""


def bands_for(dtype: np.dtype) -> Bands:
    """The bands for a gradient computed in ``dtype``.

    float64: CS231n's (1e-7, 1e-4, 1e-2). A lower precision is judged by what its
    rounding allows: pass below 100·ε, warn below 1000·ε (float32: 1.2e-5, 1.2e-4),
    so an error of 0.1% still fails.
    """
    eps = float(np.finfo(dtype).eps) if np.dtype(dtype).kind == "f" else 2.2e-16
    lo, mid = max(PASS, 100 * eps), max(WARN, 1000 * eps)
    return lo, mid, max(SUSPECT, 10 * mid)


class GradcheckError(AssertionError):
    """Raised by `GradcheckReport.raise_if_failed`; the message is the full report."""


def relative_error(analytic: Any, numeric: Any) -> np.ndarray:
    """Entrywise |a − n| / max(|a|, |n|), with 0 where both are 0 (CS231n's formula)."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    denom = np.maximum(np.abs(a), np.abs(n))
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(denom > 0, np.abs(a - n) / np.where(denom > 0, denom, 1.0), 0.0)
    return np.where(np.isfinite(a) & np.isfinite(n), rel, np.inf)


def band(rel: float, bands: Bands = (PASS, WARN, SUSPECT)) -> str:
    """``"pass"``, ``"warn"``, ``"suspect"`` or ``"fail"`` for a relative error."""
    if rel < bands[0]:
        return "pass"
    if rel < bands[1]:
        return "warn"
    if rel < bands[2]:
        return "suspect"
    return "fail"


@dataclass
class ParamCheck:
    """The check of one parameter (one positional argument of f).

    Attributes:
        name: f's parameter name, e.g. ``"W1"``.
        shape: the parameter's shape.
        n_checked: how many entries (or, in fast mode, directions) were compared.
        max_rel_error, mean_rel_error: over the compared entries, kinks excluded.
        worst_index: the entry with the largest error, e.g. ``(1, 0)`` (``None`` in fast
            mode, where a random direction is compared instead of single entries).
        worst_analytic, worst_numeric: both numbers at that entry.
        status: ``"pass"``, ``"warn"``, ``"suspect"`` or ``"fail"``.
        kinks: entries whose ±h perturbation switched a branch of relu/abs/max, or
            changed a decision f takes (``if x > 0``, a ``where`` on a comparison),
            each as ``(index, "v7 = relu(v6)")``; flagged, not failed.
        failures: every entry in the suspect or fail band, as
            ``(index, analytic, numeric, rel_error)``.
        domain: entries whose ±h step left f's domain (``ln`` at 1e-7), each as
            ``(index, node, step, smaller step used or None)``; with ``None`` the
            entry could not be checked and is left out, flagged.
    """

    name: str
    shape: tuple[int, ...]
    n_checked: int
    max_rel_error: float
    mean_rel_error: float
    worst_index: tuple[int, ...] | None
    worst_analytic: float
    worst_numeric: float
    status: str
    kinks: list[tuple[Any, str]] = field(default_factory=list)
    failures: list[tuple[Any, float, float, float]] = field(default_factory=list)
    domain: list[tuple[Any, str | None, float, float | None]] = field(
        default_factory=list)


@dataclass
class LocalCheck:
    """One node's local rule checked at that node's inputs (``localize=True``).

    Attributes:
        node: the node's display line, e.g. ``"v7 = tanh(v5)"``.
        node_id: its id.
        op: the primitive's name.
        argnum: which argument's rule was checked.
        rule: ``"jvp"`` (against central differences of the forward) or ``"vjp"``
            (against the jvp, through ⟨x̄, ẋ⟩ = ⟨ȳ, ẏ⟩).
        rel_error: ‖a − n‖ / max(‖a‖, ‖n‖) in one random direction.
        analytic, numeric: the two compared quantities (norms for jvp, numbers for vjp).
        status: as in `ParamCheck`, or ``"kink"`` when the direction crossed a branch.
    """

    node: str
    node_id: int
    op: str
    argnum: int
    rule: str
    rel_error: float
    analytic: float
    numeric: float
    status: str


@dataclass
class GradcheckReport:
    """The outcome of `gradcheck`: one `ParamCheck` per checked parameter.

    ``str(report)`` is the text table, ``report._repr_html_()`` the notebook table.
    """

    fn_name: str
    mode: str
    h: float
    source: str
    params: list[ParamCheck]
    local: list[LocalCheck] | None = None
    notes: list[str] = field(default_factory=list)
    bands: Bands = (PASS, WARN, SUSPECT)

    @property
    def passed(self) -> bool:
        """True when no parameter (and no local rule) is in the suspect or fail band."""
        ok = all(p.status in ("pass", "warn") for p in self.params)
        if self.local is not None:
            ok = ok and all(c.status in ("pass", "warn", "kink") for c in self.local)
        return ok

    @property
    def max_rel_error(self) -> float:
        """The largest relative error over all parameters (kinks excluded)."""
        return max((p.max_rel_error for p in self.params), default=0.0)

    @property
    def first_wrong_node(self) -> LocalCheck | None:
        """With ``localize=True``: the first node (in topological order) failing."""
        for c in self.local or ():
            if c.status in ("suspect", "fail"):
                return c
        return None

    def to_json(self) -> dict[str, Any]:
        """The report as plain data (NaN as ``None``, indices as lists)."""
        return jsonable({
            "fn": self.fn_name, "mode": self.mode, "h": self.h, "source": self.source,
            "passed": self.passed, "max_rel_error": self.max_rel_error,
            "params": [vars(p) for p in self.params],
            "local": None if self.local is None else [vars(c) for c in self.local],
            "notes": self.notes,
        })

    def raise_if_failed(self) -> GradcheckReport:
        """Raise `GradcheckError` with the full report if the check failed."""
        if not self.passed:
            raise GradcheckError(str(self))
        return self

    def failure_lines(self) -> list[str]:
        """Per failing parameter: the worst entry with both numbers (the message)."""
        lines = []
        for p in self.params:
            if p.status in ("suspect", "fail"):
                lines += _failure(p, self.fn_name, self.source, self.h, self.bands[1])
        bad = self.first_wrong_node
        if bad is not None:
            lines.append(
                f"first wrong local rule: {bad.node} — its {bad.rule} for "
                f"argument {bad.argnum} is off (relative error "
                f"{bad.rel_error:.2e}: {bad.analytic:.6g} vs {bad.numeric:.6g}).")
        return lines

    def rows(self) -> list[tuple[str, ...]]:
        """The table: a header row, then one row per parameter."""
        rows = [("parameter", "shape", "checked", "max rel err", "mean rel err",
                 "worst entry", "analytic", "numeric", "status")]
        for p in self.params:
            rows.append((
                p.name, str(p.shape), str(p.n_checked), f"{p.max_rel_error:.2e}",
                f"{p.mean_rel_error:.2e}",
                "direction" if self.mode == "fast" else fmt_index(p.worst_index),
                f"{p.worst_analytic:.6g}", f"{p.worst_numeric:.6g}",
                p.status + (f" ({len(p.kinks)} kinks)" if p.kinks else "")))
        return rows

    def headline(self) -> str:
        """``gradcheck of f (reverse mode vs central differences, ...): passed``."""
        return (f"gradcheck of {self.fn_name} ({self.source} vs central differences, "
                f"mode={self.mode}, h={self.h:.2g}): "
                f"{'passed' if self.passed else 'FAILED'}")

    def __str__(self) -> str:
        rows = self.rows()
        widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
        lines = [self.headline()]
        for r in rows:
            cells = (v.ljust(w) for v, w in zip(r, widths, strict=True))
            lines.append(("  " + "  ".join(cells)).rstrip())
        for p in self.params:
            for index, node in p.kinks[:3]:
                lines.append(f"  kink: '{p.name}' entry {fmt_index(index)}: {node} "
                             "within ±h; flagged, not failed")
            lines += [f"  domain: {_domain(p.name, *d)}" for d in p.domain[:3]]
        lines += self.failure_lines()
        lines += [f"  note: {n}" for n in self.notes]
        lo, mid, hi = self.bands
        lines.append(f"  bands: pass < {lo:.2g} ≤ warn < {mid:.2g} ≤ suspect < "
                     f"{hi:.2g} ≤ fail; suspect and fail entries fail the check")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from .html import report_html

        return report_html(self)


def _domain(name: str, index: Any, node: str | None, step: float,
            smaller: float | None) -> str:
    """One entry whose step left f's domain, and what was done about it."""
    where = f" of {node}" if node else " of f"
    done = (f"checked with the step ±{smaller:.2g} instead" if smaller is not None
            else "not checked (flagged, not failed)")
    return (f"'{name}' entry {fmt_index(index)}: the step ±{step:.2g} leaves the domain"
            f"{where}; {done}. Pass a smaller h= to choose the step, or check at a "
            "point farther from the edge.")


def _failure(p: ParamCheck, fn_name: str, source: str, h: float, warn: float
             ) -> list[str]:
    where = "in a random direction" if p.worst_index is None else (
        f"entry {fmt_index(p.worst_index)}")
    lines = [
        f"gradient check failed for {fn_name} at argument '{p.name}', {where}",
        f"  {source:<14}: {p.worst_analytic: .6g}",
        f"  {'central diff.':<14}: {p.worst_numeric: .6g}   (h = {h:.2g})",
        f"  relative error {p.max_rel_error:.2e} ≥ {warn:.2g} ({p.status})",
    ]
    more = len(p.failures) - 1
    if more > 0:
        shown = ", ".join(fmt_index(f[0]) for f in p.failures[1:6])
        lines.append(f"  {more} more entr{'y' if more == 1 else 'ies'} of '{p.name}' "
                     f"disagree: {shown}{' …' if more > 5 else ''}")
    return lines


def fmt_index(index: Any) -> str:
    """An entry as Python writes it: ``(1, 0)``, ``(3,)``; ``-`` for none."""
    if index is None:
        return "-"
    if isinstance(index, tuple) and len(index) == 1:
        return f"({index[0]},)"
    return str(tuple(int(i) for i in index))


def summarize(name: str, shape: tuple, entries: np.ndarray, ana: np.ndarray,
              num: np.ndarray, kinks: list, atol: float,
              bands: Bands = (PASS, WARN, SUSPECT), domain: list = ()) -> ParamCheck:
    """A `ParamCheck` from the analytic and numeric values at the checked entries.

    ``entries`` are flat positions; the entries listed in ``kinks``, and those of
    ``domain`` that could not be checked, are left out. Below ``bands``' lowest
    precision the noise floor grows with the numbers: ``|a − n| ≤ max(atol, 10·ε·
    max|n|)`` counts as agreement.
    """
    if bands[0] > PASS:                  # single precision: rounding scales with |n|
        finite = np.abs(num[np.isfinite(num)])
        atol = max(atol, 10 * bands[0] / 100 * float(finite.max(initial=0.0)))
    rel = relative_error(ana, num)
    rel = np.where((rel >= bands[0]) & (np.abs(ana - num) <= atol), 0.0, rel)
    left_out = {j for j, _ in kinks} | {d[0] for d in domain if d[3] is None}
    mask = np.array([j not in left_out for j in range(len(entries))], dtype=bool)
    idx = [tuple(int(v) for v in np.unravel_index(int(i), shape)) for i in entries]
    kink_list = [(idx[j], node) for j, node in kinks]
    domain_list = [(idx[j], *rest) for j, *rest in domain]
    if not mask.any():
        return ParamCheck(name, shape, len(entries), 0.0, 0.0, None, math.nan, math.nan,
                          "pass", kink_list, domain=domain_list)
    checked = np.flatnonzero(mask)
    worst = int(checked[np.argmax(rel[checked])])
    order = checked[np.argsort(-rel[checked], kind="stable")]
    failures = [(idx[j], float(ana[j]), float(num[j]), float(rel[j]))
                for j in order if rel[j] >= bands[1]]
    return ParamCheck(name, tuple(shape), len(entries), float(rel[worst]),
                      float(rel[checked].mean()), idx[worst], float(ana[worst]),
                      float(num[worst]), band(float(rel[worst]), bands), kink_list,
                      failures, domain_list)
