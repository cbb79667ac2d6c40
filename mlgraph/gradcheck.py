"""Gradient checking by central differences, with reports that teach.

`gradcheck(f, *inputs)` compares the kernel's reverse-mode gradient (or a student's
hand-written one, ``grads=``) with central differences, entry by entry, and says which
parameter and which entry disagree, with both numbers. Layer 2: imports numpy, the
standard library and the kernel only (no matplotlib, anywidget, ipywidgets, graphviz).
"""

from __future__ import annotations

import html
import inspect
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .arguments import param_names
from .errors import ValueDependence
from .graph import Graph
from .sweeps import _unbroadcast
from .tracer import trace, trace_inputs
from .transforms import jvp, value_and_grad

__all__ = [
    "gradcheck",
    "check_grads",
    "GradcheckReport",
    "ParamCheck",
    "LocalCheck",
    "GradcheckError",
    "relative_error",
    "PASS",
    "WARN",
    "SUSPECT",
    "FAIL",
]

# The bands of the relative error (CS231n's rules of thumb, float64):
PASS = 1e-7  # rel < 1e-7: the gradient is right
WARN = 1e-4  # 1e-7 ≤ rel < 1e-4: "warn", fine near kinks, otherwise worth a look
SUSPECT = 1e-2  # 1e-4 ≤ rel < 1e-2: "suspect", counted as a failure (see gradcheck)
FAIL = 1e-2  # rel ≥ 1e-2: "fail", the gradient is wrong


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


def _band(rel: float) -> str:
    if rel < PASS:
        return "pass"
    if rel < WARN:
        return "warn"
    if rel < SUSPECT:
        return "suspect"
    return "fail"


# --- the report ----------------------------------------------------------------------


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
        kinks: entries whose ±h perturbation switched a branch of relu/abs/max, each as
            ``(index, "v7 = relu(v6)")``; flagged, not failed.
        failures: every entry in the suspect or fail band, as
            ``(index, analytic, numeric, rel_error)``.
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

        def clean(v: Any) -> Any:
            if isinstance(v, float):
                return v if math.isfinite(v) else None
            if isinstance(v, tuple | list):
                return [clean(x) for x in v]
            if isinstance(v, np.integer):
                return int(v)
            return v

        return {
            "fn": self.fn_name,
            "mode": self.mode,
            "h": self.h,
            "source": self.source,
            "passed": self.passed,
            "max_rel_error": clean(self.max_rel_error),
            "params": [{k: clean(v) for k, v in vars(p).items()} for p in self.params],
            "local": None
            if self.local is None
            else [{k: clean(v) for k, v in vars(c).items()} for c in self.local],
            "notes": list(self.notes),
        }

    def raise_if_failed(self) -> GradcheckReport:
        """Raise `GradcheckError` with the full report if the check failed."""
        if not self.passed:
            raise GradcheckError(str(self))
        return self

    def _failure_lines(self) -> list[str]:
        lines = []
        label = self.source
        for p in self.params:
            if p.status not in ("suspect", "fail"):
                continue
            where = (
                "in a random direction"
                if p.worst_index is None
                else f"entry {_fmt_index(p.worst_index)}"
            )
            lines += [
                f"gradient check failed for {self.fn_name} at argument '{p.name}', "
                f"{where}",
                f"  {label:<14}: {p.worst_analytic: .6g}",
                f"  {'central diff.':<14}: {p.worst_numeric: .6g}   (h = {self.h:.2g})",
                f"  relative error {p.max_rel_error:.2e} ≥ {WARN:g} ({p.status})",
            ]
            more = len(p.failures) - 1
            if more > 0:
                shown = ", ".join(_fmt_index(f[0]) for f in p.failures[1:6])
                lines.append(
                    f"  {more} more entr{'y' if more == 1 else 'ies'} of "
                    f"'{p.name}' disagree: {shown}{' …' if more > 5 else ''}"
                )
        bad = self.first_wrong_node
        if bad is not None:
            lines.append(
                f"first wrong local rule: {bad.node} — its {bad.rule} for "
                f"argument {bad.argnum} is off (relative error "
                f"{bad.rel_error:.2e}: {bad.analytic:.6g} vs {bad.numeric:.6g})."
            )
        return lines

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        head = (
            f"gradcheck of {self.fn_name} ({self.source} vs central differences, "
            f"mode={self.mode}, h={self.h:.2g}): {verdict}"
        )
        rows = [
            (
                "parameter",
                "shape",
                "checked",
                "max rel err",
                "mean rel err",
                "worst entry",
                "analytic",
                "numeric",
                "status",
            )
        ]
        for p in self.params:
            rows.append(
                (
                    p.name,
                    str(p.shape),
                    str(p.n_checked),
                    f"{p.max_rel_error:.2e}",
                    f"{p.mean_rel_error:.2e}",
                    "direction" if p.worst_index is None else _fmt_index(p.worst_index),
                    f"{p.worst_analytic:.6g}",
                    f"{p.worst_numeric:.6g}",
                    p.status + (f" ({len(p.kinks)} kinks)" if p.kinks else ""),
                )
            )
        widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
        lines = [head] + [
            "  "
            + "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
            for r in rows
        ]
        for p in self.params:
            for index, node in p.kinks[:3]:
                lines.append(
                    f"  kink: '{p.name}' entry {_fmt_index(index)} moves {node} "
                    "across its corner within ±h; flagged, not failed"
                )
        lines += self._failure_lines()
        lines += [f"  note: {n}" for n in self.notes]
        lines.append(
            f"  bands: pass < {PASS:g} ≤ warn < {WARN:g} ≤ suspect < {SUSPECT:g} ≤ "
            "fail; suspect and fail entries fail the check"
        )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        e = html.escape
        colour = {
            "pass": "#1a7f37",
            "warn": "#9a6700",
            "suspect": "#bc4c00",
            "fail": "#cf222e",
        }
        verdict = "passed" if self.passed else "FAILED"
        out = [
            f"<div class='mlgraph-gradcheck'><p><b>gradcheck of {e(self.fn_name)}</b> "
            f"({e(self.source)} vs central differences, mode={e(self.mode)}, "
            f"h={self.h:.2g}): <b>{verdict}</b></p><table>",
            "<tr><th>parameter</th><th>shape</th><th>checked</th><th>max rel err</th>"
            "<th>mean rel err</th><th>worst entry</th><th>analytic</th><th>numeric</th>"
            "<th>status</th></tr>",
        ]
        for p in self.params:
            idx = "direction" if p.worst_index is None else _fmt_index(p.worst_index)
            status = p.status + (f" ({len(p.kinks)} kinks)" if p.kinks else "")
            out.append(
                f"<tr><td>{e(p.name)}</td><td>{e(str(p.shape))}</td><td>{p.n_checked}</td>"
                f"<td>{p.max_rel_error:.2e}</td><td>{p.mean_rel_error:.2e}</td>"
                f"<td>{e(idx)}</td><td>{p.worst_analytic:.6g}</td>"
                f"<td>{p.worst_numeric:.6g}</td><td style='color:{colour[p.status]}'>"
                f"{e(status)}</td></tr>"
            )
        out.append("</table>")
        lines = self._failure_lines() + [f"note: {n}" for n in self.notes]
        if lines:
            out.append("<pre>" + e("\n".join(lines)) + "</pre>")
        out.append("</div>")
        return "".join(out)


def _fmt_index(index: Any) -> str:
    if index is None:
        return "-"
    if isinstance(index, tuple) and len(index) == 1:
        return f"({index[0]},)"
    return str(tuple(int(i) for i in index))


# --- helpers -------------------------------------------------------------------------


def _is_float(x: Any) -> bool:
    return np.asarray(x).dtype.kind == "f"


def _default_step(dtype: np.dtype) -> float:
    # NOTE: central differences err by O(h²) (truncation) + O(ε/h) (rounding); the sum
    # is smallest near h = ε^(1/3): 6.1e-6 in float64, 4.9e-3 in float32.
    return float(np.finfo(dtype).eps) ** (1.0 / 3.0)


def _scalar(y: Any, fname: str) -> float:
    y = np.asarray(getattr(y, "value", y))
    if y.shape != ():
        raise ValueError(
            f"gradcheck needs {fname} to return a scalar, but it returned "
            f"shape {y.shape}. Reduce it first (e.g. return loss.mean())."
        )
    return float(y)


def _partial(
    f: Callable, inputs: list, nums: Sequence[int], names: list[str]
) -> Callable:
    """f as a function of the checked arguments only, keeping their names."""

    def g(*xs):
        full = list(inputs)
        for k, x in zip(nums, xs, strict=False):
            full[k] = x
        return f(*full)

    g.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(names[k], inspect.Parameter.POSITIONAL_ONLY) for k in nums]
    )
    g.__name__ = getattr(f, "__name__", "f")
    return g


class _Replay:
    """Re-evaluates a traced graph with one checked argument perturbed in one entry.

    Only the nodes downstream of that argument are recomputed, with plain numpy
    forwards; a matmul fed directly by it is updated by the rank-one change instead of
    a new product (z = X·W with W[r, c] moved by δ changes only z[:, c], by δ·X[:, r]).
    That is what makes a full check cheaper than a plain loop of 2n evaluations. The
    branch each relu/abs/max node takes is read at the perturbed inputs too, so a
    difference that crosses a kink is recognised.
    """

    def __init__(self, g: Graph) -> None:
        self.g = g
        self.kinks = [
            i
            for i, p in enumerate(g.prims)
            if p is not None and p.kink is not None and g.needs[i]
        ]
        self.base = {i: self._branch(i, g.values) for i in self.kinks}
        # per input position: the nodes it reaches
        self.downstream = [g.downstream(inp) for inp in g.inputs]

    def _branch(self, i: int, values: list) -> np.ndarray:
        g = self.g
        vals = [values[j] for j in g.args[i]]
        return np.asarray(g.prims[i].kink(*vals, out=values[i], **g.params[i]))

    def __call__(self, xs: Sequence[Any], pos: int, entry: tuple[int, ...]
                 ) -> tuple[float, list[int]]:
        """f with argument ``pos`` (already perturbed in place at ``entry``)."""
        g = self.g
        inp = g.inputs[pos]
        values = list(g.values)
        values[inp] = xs[pos]
        changed = {inp}
        with np.errstate(all="ignore"):
            for i in self.downstream[pos]:
                args = g.args[i]
                values[i] = self._rank_one(i, args, values, inp, entry, changed)
                changed.add(i)
        switched = [
            i
            for i in self.kinks
            if not np.array_equal(self._branch(i, values), self.base[i])
        ]
        return float(np.asarray(values[g.output])), switched

    def _rank_one(self, i: int, args: tuple, values: list, inp: int,
                  entry: tuple[int, ...], changed: set) -> Any:
        g = self.g
        prim = g.prims[i]
        if prim.entry_update is not None and args.count(inp) == 1 and not (
                changed & set(args) - {inp}):
            delta = values[inp][entry] - g.values[inp][entry]
            new = prim.entry_update(args.index(inp), entry, delta,
                                    *(values[j] for j in args), out=g.values[i],
                                    **g.params[i])
            if new is not None:
                return new
        return prim.forward(*(values[j] for j in args), **g.params[i])


# --- the checker ---------------------------------------------------------------------


def gradcheck(
    f: Callable,
    *inputs: Any,
    grads: Callable | None = None,
    argnums: int | Sequence[int] | None = None,
    mode: str = "full",
    k: int = 10,
    h: float | None = None,
    seed: int = 0,
    localize: bool = False,
    atol: float = 1e-9,
) -> GradcheckReport:
    """Check f's gradient against central differences, entry by entry.

    For each checked argument x and entry i, the numeric derivative is
    ``n = (f(x + hᵢeᵢ) − f(x − hᵢeᵢ)) / 2hᵢ``, ``hᵢ = h·max(1, |xᵢ|)``, and by default
    ``h = ε^(1/3)`` (6.1e-6 for float64). The relative error of an entry is CS231n's

        rel = |a − n| / max(|a|, |n|),   and rel = 0 when a = n = 0,

    except that an entry with ``rel ≥ 1e-7`` but ``|a − n| ≤ atol`` counts as 0 (its
    error is below the noise of the difference itself, so tiny gradients don't look
    wrong). The bands are:
    ``rel < 1e-7`` pass, ``< 1e-4`` warn, ``< 1e-2`` suspect, else fail. **Suspect
    counts as a failure**: in float64 a smooth function is checked to ~1e-9, so an
    error of 1e-4 means a real bug (typically a small missing term), and the corners of
    relu/abs/max, where 1e-4 would be excusable, are detected and flagged as kinks
    instead (an entry whose ±h perturbation switches a branch of a relu, abs, maximum
    or max node in the traced graph), never failed.

    Args:
        f: a function returning a scalar, traced with plain numpy arrays.
        *inputs: f's positional arguments (parameters and data).
        grads: a hand-written gradient function with f's signature, returning one
            gradient per checked argument (a tuple, a single array, or a dict by name).
            By default the kernel's reverse mode (`mlgraph.value_and_grad`) is checked.
        argnums: which arguments to check; by default every floating-point argument.
        mode: ``"full"`` (every entry, 2 evaluations each), ``"sampled"`` (``k``
            random entries per argument) or ``"fast"`` (one random direction per
            argument: the forward-mode JVP, or ⟨grads, v⟩, against the directional
            central difference: 3 passes per argument, whatever its size, and a
            failure still names the argument, though not an entry).
        k: entries per argument in sampled mode.
        h: the relative step (see above).
        seed: seeds the sampled entries and the random directions.
        localize: also check every node's local rule (its jvp against central
            differences of its forward at that node's inputs, and its vjp against its
            jvp) and name the first wrong one.
        atol: the absolute noise floor described above.

    Returns:
        A `GradcheckReport`; ``report.passed``, ``report.max_rel_error``,
        ``report.raise_if_failed()``.

    Example:
        >>> import numpy as np, mlgraph.numpy as mnp
        >>> from mlgraph.gradcheck import gradcheck
        >>> def loss(w, x):
        ...     return mnp.sum(mnp.tanh(x @ w))
        >>> w, x = np.array([0.5, -0.3]), np.array([[1.0, 2.0], [3.0, 4.0]])
        >>> r = gradcheck(loss, w, x,
        ...               argnums=0)
        >>> r.passed, r.params[0].name
        (True, 'w')
    """
    if mode not in ("full", "fast", "sampled"):
        raise ValueError(f"mode must be 'full', 'fast' or 'sampled', got {mode!r}.")
    fname = getattr(f, "__name__", "f")
    names = param_names(f, len(inputs))
    inputs = [np.asarray(x) if isinstance(x, float | int | list) else x for x in inputs]
    if argnums is None:
        nums = tuple(i for i, x in enumerate(inputs) if _is_float(x))
    else:
        nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
        nums = tuple(a % len(inputs) for a in nums)
    if not nums:
        raise ValueError(
            f"gradcheck found no floating-point argument of {fname} to "
            "check. Pass the parameters as float arrays, or give argnums."
        )
    for a in nums:
        if not _is_float(inputs[a]):
            raise TypeError(
                f"argument '{names[a]}' of {fname} has dtype "
                f"{np.asarray(inputs[a]).dtype}; only float arguments can be "
                "checked. Convert it with x.astype(float) or leave it out of "
                "argnums."
            )
    dtypes = {np.asarray(inputs[a]).dtype for a in nums}
    notes = []
    low = [names[a] for a in nums if np.asarray(inputs[a]).dtype.itemsize < 8]
    if low:
        msg = (
            f"gradcheck: {', '.join(low)} {'is' if len(low) == 1 else 'are'} "
            f"{np.asarray(inputs[nums[0]]).dtype}; central differences in single "
            "precision are only good to ~1e-3, so the bands below are not meaningful. "
            "Check in float64 (x.astype(np.float64)) and train in float32."
        )
        warnings.warn(msg, UserWarning, stacklevel=2)
        notes.append(msg)
    step = h if h is not None else _default_step(min(dtypes, key=lambda d: d.itemsize))
    rng = np.random.default_rng(seed)

    # analytic gradients: the kernel's reverse mode, or the student's function
    if grads is None and mode == "fast":
        # NOTE: fast mode checks forward mode (one JVP per argument); no reverse pass
        source = "forward mode"
        analytic = [np.zeros(np.shape(inputs[a])) for a in nums]
    elif grads is None:
        source = "reverse mode"
        _, analytic = value_and_grad(f, argnums=nums)(*inputs)
        analytic = [np.asarray(a) for a in analytic]
    else:
        source = f"{getattr(grads, '__name__', 'grads')}()"
        analytic = _user_grads(grads, inputs, nums, names, fname)

    g = _partial(f, inputs, nums, names)
    branchy = False
    try:
        try:
            graph = trace_inputs(g, [names[a] for a in nums], [inputs[a] for a in nums],
                                 strict=True)
        except ValueDependence:
            # NOTE: f looks at its values (an `if`, a comparison): the checker then
            # calls f itself for every difference, and replays the graph for nothing.
            branchy = True
            graph = trace(g, *[inputs[a] for a in nums])
    except Exception as err:
        if grads is None or localize:
            raise
        # NOTE: a student's f written with plain numpy can't be traced; it can still be
        # checked, only without kink detection.
        graph = None
        notes.append(
            f"{fname} could not be traced ({type(err).__name__}), so kinks "
            "are not detected; write it with mlgraph.numpy to get them."
        )
    replay = _Replay(graph) if graph is not None and not branchy else None
    listing = {i: f"v{i} = {graph.listing(i)}" for i in replay.kinks} if replay else {}

    def evaluate(xs: list, pos: int = -1, entry: tuple = ()) -> tuple[float, list[int]]:
        if replay is not None and pos >= 0:
            return replay(xs, pos, entry)
        with np.errstate(all="ignore"):
            return _scalar(g(*xs), fname), []

    xs = [
        np.array(inputs[a], dtype=np.asarray(inputs[a]).dtype, copy=True) for a in nums
    ]
    params = []
    for pos, a in enumerate(nums):
        x = xs[pos]
        grad_x = np.broadcast_to(analytic[pos], x.shape)
        if mode == "fast":
            params.append(
                _check_direction(
                    g,
                    xs,
                    pos,
                    grad_x,
                    grads is None,
                    step,
                    rng,
                    evaluate,
                    listing,
                    names[a],
                    fname,
                )
            )
            continue
        flat = x.reshape(-1)  # a view: perturbing it perturbs x
        if mode == "sampled" and flat.size > k:
            entries = np.sort(rng.choice(flat.size, size=k, replace=False))
        else:
            entries = np.arange(flat.size)
        num = np.empty(len(entries))
        kinks = []
        for j, i in enumerate(entries):
            old = flat[i]
            hi = step * max(1.0, abs(float(old)))
            where = np.unravel_index(i, x.shape)
            flat[i] = old + hi
            plus, s1 = evaluate(xs, pos, where)
            flat[i] = old - hi
            minus, s2 = evaluate(xs, pos, where)
            flat[i] = old
            num[j] = (plus - minus) / (2 * hi)
            if s1 or s2:
                kinks.append((j, listing[(s1 or s2)[0]]))
        ana = grad_x.reshape(-1)[entries].astype(np.float64)
        params.append(_summarize(names[a], x.shape, entries, ana, num, kinks, atol))

    report = GradcheckReport(fname, mode, step, source, params, notes=notes)
    if localize:
        report.local = _check_local(graph, rng)
    return report


def _user_grads(
    grads: Callable, inputs: list, nums: tuple, names: list[str], fname: str
) -> list[np.ndarray]:
    out = grads(*inputs)
    if isinstance(out, dict):
        missing = [names[a] for a in nums if names[a] not in out]
        if missing:
            raise ValueError(
                f"grads returned a dict without {', '.join(missing)}; give "
                "one gradient per checked argument."
            )
        out = [out[names[a]] for a in nums]
    elif not isinstance(out, tuple | list):
        out = [out]
    out = [np.asarray(getattr(o, "value", o)) for o in out]
    if len(out) != len(nums):
        raise ValueError(
            f"grads returned {len(out)} gradient(s) but {len(nums)} "
            f"argument(s) of {fname} are checked "
            f"({', '.join(names[a] for a in nums)}); return one per argument, "
            "in order, or pass argnums."
        )
    for o, a in zip(out, nums, strict=False):
        if o.shape != np.shape(inputs[a]):
            raise ValueError(
                f"grads returned shape {o.shape} for '{names[a]}', which has "
                f"shape {np.shape(inputs[a])}. A gradient has its "
                "parameter's shape (a transpose may be missing)."
            )
    return out


def _summarize(
    name: str,
    shape: tuple,
    entries: np.ndarray,
    ana: np.ndarray,
    num: np.ndarray,
    kinks: list,
    atol: float,
) -> ParamCheck:
    rel = relative_error(ana, num)
    rel = np.where((rel >= PASS) & (np.abs(ana - num) <= atol), 0.0, rel)
    kink_pos = {j for j, _ in kinks}
    mask = np.array([j not in kink_pos for j in range(len(entries))], dtype=bool)
    idx = [tuple(int(v) for v in np.unravel_index(int(i), shape)) for i in entries]
    kink_list = [(idx[j], node) for j, node in kinks]
    if not mask.any():
        return ParamCheck(
            name,
            shape,
            len(entries),
            0.0,
            0.0,
            None,
            math.nan,
            math.nan,
            "pass",
            kink_list,
        )
    checked = np.flatnonzero(mask)
    worst = int(checked[np.argmax(rel[checked])])
    order = checked[np.argsort(-rel[checked], kind="stable")]
    failures = [
        (idx[j], float(ana[j]), float(num[j]), float(rel[j]))
        for j in order
        if rel[j] >= WARN
    ]
    return ParamCheck(
        name,
        tuple(shape),
        len(entries),
        float(rel[worst]),
        float(rel[checked].mean()),
        idx[worst],
        float(ana[worst]),
        float(num[worst]),
        _band(float(rel[worst])),
        kink_list,
        failures,
    )


def _check_direction(
    g: Callable,
    xs: list,
    pos: int,
    grad_x: np.ndarray,
    kernel: bool,
    step: float,
    rng: np.random.Generator,
    evaluate: Callable,
    listing: dict,
    name: str,
    fname: str,
) -> ParamCheck:
    x = xs[pos]
    v = rng.standard_normal(x.shape)
    v = (v / max(np.linalg.norm(v), 1e-300)).astype(x.dtype)
    if kernel:
        tangents = [np.zeros_like(y) if k != pos else v for k, y in enumerate(xs)]
        _, ana = jvp(g, xs, tangents)
        ana = float(np.asarray(getattr(ana, "value", ana)))
    else:
        ana = float(np.sum(grad_x.astype(np.float64) * v))
    hi = step * max(1.0, float(np.max(np.abs(x))) if x.size else 1.0)
    old = x.copy()
    x += hi * v
    plus, s1 = evaluate(xs)
    x[...] = old - hi * v
    minus, s2 = evaluate(xs)
    x[...] = old
    num = (plus - minus) / (2 * hi)
    kinks = [(0, listing[(s1 or s2)[0]])] if (s1 or s2) else []
    p = _summarize(
        name,
        x.shape,
        np.zeros(1, dtype=int),
        np.array([ana]),
        np.array([num]),
        kinks,
        1e-9,
    )
    p.worst_index = None
    p.failures = [(None, *f[1:]) for f in p.failures]
    p.kinks = [(None, node) for _, node in p.kinks]
    return p


# --- localize: every node's own rule --------------------------------------------------


def _check_local(g: Graph, rng: np.random.Generator) -> list[LocalCheck]:
    """Each node's jvp vs central differences of its forward; its vjp vs its jvp."""
    needs = g.needs
    checks = []
    for i, prim in enumerate(g.prims):
        if prim is None or not needs[i]:
            continue
        args, params = g.args[i], g.params[i]
        vals = [np.asarray(g.values[j]) for j in args]
        out = np.asarray(g.values[i])
        line = f"v{i} = {g.listing(i)}"
        for k, j in enumerate(args):
            rule = prim.jvp_rule(k)
            if not needs[j] or rule is None or vals[k].dtype.kind != "f":
                continue
            x = vals[k].astype(np.float64)
            u = rng.standard_normal(x.shape)
            step = _default_step(np.dtype(np.float64)) * max(
                1.0, float(np.max(np.abs(x))) if x.size else 1.0
            )

            plus, minus = (
                _forward_at(prim, vals, params, k, x + step * u),
                _forward_at(prim, vals, params, k, x - step * u),
            )
            num = (plus - minus) / (2 * step)
            ana = np.broadcast_to(
                np.asarray(rule(u, *vals, out=out, **params), dtype=np.float64),
                out.shape,
            )
            status = None
            if prim.kink is not None and _switches(prim, vals, params, k, step * u):
                status = "kink"
            na, nn = float(np.linalg.norm(ana)), float(np.linalg.norm(num))
            rel = (
                0.0
                if max(na, nn) == 0
                else float(np.linalg.norm(ana - num) / max(na, nn))
            )
            if not np.isfinite(rel):
                status = status or "warn"
            if status is None:
                status = _band(rel) if rel >= 1e-6 else "pass"
            checks.append(LocalCheck(line, i, prim.name, k, "jvp", rel, na, nn, status))
            vrule = prim.vjp_rule(k)
            if vrule is None:
                continue
            y_bar = rng.standard_normal(out.shape)
            x_bar = _unbroadcast(
                np.asarray(vrule(y_bar, *vals, out=out, **params), dtype=np.float64),
                x.shape,
            )
            lhs, rhs = float(np.sum(x_bar * u)), float(np.sum(y_bar * ana))
            rel_v = float(relative_error(lhs, rhs))
            rel_v = 0.0 if abs(lhs - rhs) <= 1e-12 else rel_v
            checks.append(
                LocalCheck(
                    line,
                    i,
                    prim.name,
                    k,
                    "vjp",
                    rel_v,
                    lhs,
                    rhs,
                    _band(rel_v) if rel_v >= 1e-9 else "pass",
                )
            )
    return checks


def _forward_at(prim: Any, vals: list, params: dict, k: int, xk: np.ndarray) -> Any:
    """The primitive's forward with argument k replaced by xk, in float64."""
    args = list(vals)
    args[k] = xk
    with np.errstate(all="ignore"):
        return np.asarray(prim.forward(*args, **params), dtype=np.float64)


def _switches(prim: Any, vals: list, params: dict, k: int, delta: np.ndarray) -> bool:
    """Whether moving argument k by ±delta changes a branch of the primitive's kink."""
    def branch(v):
        with np.errstate(all="ignore"):
            out = prim.forward(*v, **params)
        return np.asarray(prim.kink(*v, out=out, **params))

    up, down = list(vals), list(vals)
    up[k], down[k] = vals[k] + delta, vals[k] - delta
    base = branch(vals)
    return not (np.array_equal(branch(up), base) and np.array_equal(branch(down), base))


#: STYLE.md's name for the checker; ``mlgraph.check_grads`` can re-export it without
#: clashing with the ``mlgraph.gradcheck`` submodule.
check_grads = gradcheck
