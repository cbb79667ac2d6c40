"""`gradcheck`: the analytic gradient against central differences, entry by entry.

The driver picks the arguments to check, gets the analytic gradient (the kernel's
reverse mode, its forward mode, or a student's function), traces f once so that each
difference re-runs only part of the graph (`Replay`), and summarizes every argument in
a `ParamCheck`. Layer 3: numpy, the standard library and the kernel.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..arguments import bind, param_names
from ..errors import ValueDependence
from ..graph import Decision, Graph
from ..tracer import trace_inputs
from ..transforms import jvp, value_and_grad
from .local import check_local, default_step
from .replay import Replay
from .report import Bands, GradcheckReport, ParamCheck, bands_for, summarize

__all__ = ["gradcheck", "check_grads"]

MODES = ("full", "fast", "sampled")


@dataclass
class _Check:
    """What every difference of one `gradcheck` call needs."""

    fn: Callable                    # f of the checked arguments only
    fname: str
    names: list[str]                # the checked arguments' names
    xs: list[np.ndarray]            # the checked arguments, moved in place (float64
    step: float                     # copies of float32 ones: differences in double)
    rng: np.random.Generator
    orig: list = field(default_factory=list)    # the checked arguments as given
    replay: Replay | None = None
    listing: dict[int, str] = field(default_factory=dict)
    decisions: tuple[Decision, ...] | None = None   # f decides on values: traced each
    bands: Bands = field(default_factory=lambda: bands_for(np.dtype(np.float64)))
    base: float | None = None       # f at the unmoved point, once a difference needs it

    def base_finite(self) -> bool:
        """Whether f is finite at the unmoved point (evaluated when first asked)."""
        if self.base is None:
            self.base = self.evaluate()[0]
        return math.isfinite(self.base)

    def evaluate(self, pos: int = -1, entry: tuple = ()
                 ) -> tuple[float, list[str], str | None]:
        """f at the current ``xs``, the kinks crossed, the node that left its domain.

        Argument ``pos`` moved at ``entry`` (``-1``: any change). A replayable graph
        is replayed; an f that decides on its values (an ``if``, a comparison, a
        ``where`` on a comparison) is traced, and a decision that changed is a kink;
        an f that can't be traced is called.
        """
        if self.replay is not None and pos >= 0:
            value, switched, bad = self.replay(self.xs, pos, entry)
            if not switched and bad is None:       # NOTE: texts only when needed
                return value, switched, None
            return (value, [self.listing[i] for i in switched],
                    None if bad is None else f"v{bad} = {self.replay.g.listing(bad)}")
        if self.decisions is None:
            with np.errstate(all="ignore"):
                return _scalar(self.fn(*self.xs), self.fname), [], None
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)   # domains: reported below
            g = trace_inputs(self.fn, self.names, self.xs, fn_name=self.fname)
        value = _scalar(g.values[g.output], self.fname)
        bad = next((i for i, v in enumerate(g.values) if not np.all(np.isfinite(v))),
                   None)
        return (value, _changed(self.decisions, g.decisions),
                None if bad is None else f"v{bad} = {g.listing(bad)}")


def _changed(base: tuple[Decision, ...], now: tuple[Decision, ...]) -> list[str]:
    """The first decision of f that came out differently (as text), if any."""
    for b, n in zip(base, now, strict=False):
        if b.test != n.test or not np.array_equal(b.outcome, n.outcome):
            return [_decision_text(b)]
    if len(base) != len(now):
        return [f"the tests f makes on its values ({len(base)}, now {len(now)})"]
    return []


def _decision_text(d: Decision) -> str:
    """``the test v0 > 0 changes``, ``the truth test of v3 changes``..."""
    if d.test[:1] in "<>=!":
        return f"the test v{d.node} {d.test} changes outcome"
    if d.test == "truth test":
        return f"the truth test of v{d.node} changes outcome"
    return f"{d.test}(v{d.node}) changes"


def gradcheck(f: Callable, *inputs: Any, grads: Callable | None = None,
              argnums: int | Sequence[int] | None = None, mode: str = "full",
              k: int = 10, h: float | None = None, seed: int = 0,
              localize: bool = False, atol: float = 1e-9) -> GradcheckReport:
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
    instead (an entry whose ±h perturbation switches a branch of a node whose primitive
    has a kink, in the traced graph, or changes a decision f takes on its values: an
    ``if x > 0``, a ``where`` on a comparison, an argmax), never failed.

    A float32 (or float16) argument's gradient is checked against central differences
    of f computed in float64, with bands for its precision (float32: pass < 1.2e-5,
    warn < 1.2e-4, so a 0.1% error still fails). An entry whose step leaves f's domain
    (ln at 1e-7 with h = 6e-6) is checked again with the step h·|xᵢ| and reported.

    Args:
        f: a function returning a scalar, traced with plain numpy arrays.
        *inputs: f's positional arguments (parameters and data).
        grads: a hand-written gradient function with f's signature, returning one
            gradient per checked argument (a tuple, a single array, or a dict by name).
            By default the kernel's reverse mode (`mlgraph.value_and_grad`) is checked.
        argnums: which arguments to check; by default every floating-point argument.
            Numbers outside ``-n .. n-1`` are refused.
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
    if mode not in MODES:
        raise ValueError(f"mode must be 'full', 'fast' or 'sampled', got {mode!r}.")
    fname = getattr(f, "__name__", "f")
    names = param_names(f, len(inputs))
    inputs = [np.asarray(x) if isinstance(x, float | int | list) else x for x in inputs]
    nums = _checked(inputs, argnums, names, fname)
    dtype = min((np.asarray(inputs[a]).dtype for a in nums), key=lambda d: d.itemsize)
    source, analytic = _analytic(f, inputs, nums, names, fname, grads, mode)
    fn, checked, values, _ = bind(f, tuple(inputs), None, nums)
    # NOTE: single precision is checked against differences in double precision: a
    # float32 gradient is good to ~1e-6, float32 central differences only to ~1e-3.
    wide = np.float64 if dtype.itemsize < 8 else None
    check = _Check(fn, fname, checked, [np.array(v, dtype=wide or np.asarray(v).dtype,
                                                  copy=True) for v in values],
                   h if h is not None else default_step(np.dtype(wide or dtype)),
                   np.random.default_rng(seed), orig=list(values),
                   bands=bands_for(dtype))
    notes: list[str] = []
    graph = _trace_for_check(check, notes, strict_errors=grads is None or localize)
    notes += _precision_notes(check, graph, dtype, h)
    params = []
    for pos, a in enumerate(nums):
        grad_x = np.broadcast_to(analytic[pos], check.xs[pos].shape)
        if mode == "fast":
            params.append(_check_direction(check, pos, grad_x, grads is None, names[a]))
        else:
            params.append(_check_entries(check, pos, grad_x, names[a],
                                         k if mode == "sampled" else None, atol))
    if check.base is not None and not math.isfinite(check.base):
        notes.append(f"{fname} is not finite at this point ({check.base}), so its "
                     "central differences are not either: check at another point.")
    report = GradcheckReport(fname, mode, check.step, source, params, notes=notes,
                             bands=check.bands)
    if localize:
        report.local = check_local(graph, check.rng)
    return report


#: STYLE.md's name for the checker; ``mlgraph.check_grads`` can re-export it without
#: clashing with the ``mlgraph.gradcheck`` package.
check_grads = gradcheck


def _checked(inputs: list, argnums: Any, names: list[str], fname: str
             ) -> tuple[int, ...]:
    """The positions of the arguments to check (every float one by default)."""
    if argnums is None:
        nums = tuple(i for i, x in enumerate(inputs) if _is_float(x))
    else:
        nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
        n = len(inputs)
        for a in nums:
            if not -n <= a < n:
                raise ValueError(
                    f"argnums={argnums!r} but {fname} was called with {n} positional "
                    f"argument{'s' * (n != 1)} ({', '.join(names)}); give argnums "
                    f"between 0 and {n - 1}.")
        nums = tuple(a % n for a in nums)
    if not nums:
        raise ValueError(f"gradcheck found no floating-point argument of {fname} to "
                         "check. Pass the parameters as float arrays, or give argnums.")
    for a in nums:
        if not _is_float(inputs[a]):
            raise TypeError(
                f"argument '{names[a]}' of {fname} has dtype "
                f"{np.asarray(inputs[a]).dtype}; only float arguments can be checked. "
                "Convert it with x.astype(float) or leave it out of argnums.")
    return nums


def _precision_notes(check: _Check, graph: Graph | None, dtype: np.dtype,
                     h: float | None) -> list[str]:
    """What the report says about single precision, and the step and bands it needs."""
    if dtype.itemsize >= 8:
        return []
    lo, mid, hi = check.bands
    if graph is not None and np.asarray(graph.values[graph.output]).dtype.itemsize < 8:
        # NOTE: f computes in single precision even from double inputs: its
        # differences can't be better than single precision's ~1e-3.
        check.step = h if h is not None else default_step(dtype)
        check.bands = (1e-3, 1e-2, 1e-1)
        return [f"{check.fname} computes in {dtype} even from float64 inputs, so its "
                "central differences are only good to ~1e-3: the bands are widened to "
                "pass < 1e-3 ≤ warn < 1e-2 ≤ suspect < 1e-1. Compute in float64 for a "
                "sharper check."]
    return [f"{', '.join(check.names)}: {dtype}; the {dtype} gradient is checked "
            "against central differences of f in float64 (the same inputs, computed in "
            f"double), with bands for {dtype}: pass < {lo:.1e} ≤ warn < {mid:.1e} ≤ "
            f"suspect < {hi:g}."]


def _analytic(f: Callable, inputs: list, nums: tuple[int, ...], names: list[str],
              fname: str, grads: Callable | None, mode: str
              ) -> tuple[str, list[np.ndarray]]:
    """(what is checked, the analytic gradient of each checked argument)."""
    if grads is None and mode == "fast":
        # NOTE: fast mode checks forward mode (one JVP per argument); no reverse pass
        return "forward mode", [np.zeros(np.shape(inputs[a])) for a in nums]
    if grads is None:
        _, analytic = value_and_grad(f, argnums=nums)(*inputs)
        return "reverse mode", [np.asarray(a) for a in analytic]
    return (f"{getattr(grads, '__name__', 'grads')}()",
            _user_grads(grads, inputs, nums, names, fname))


def _trace_for_check(check: _Check, notes: list[str], strict_errors: bool
                     ) -> Graph | None:
    """Trace f once, and set up the replay if the graph can be re-run at other values.

    The replay comes with the listings of the kinked nodes, for the report. If f
    decides on its values, its decisions are kept: each difference traces f again and
    compares them (a changed decision is a kink).
    """
    # NOTE: traced on copies: the replay's base values must not move with check.xs
    xs = [x.copy() for x in check.xs]
    try:
        try:
            graph = trace_inputs(check.fn, check.names, xs, fn_name=check.fname,
                                 strict=True)
        except ValueDependence:
            # NOTE: f looks at its values (an `if`, a comparison): no replay; each
            # difference traces f and compares the decisions it takes.
            graph = trace_inputs(check.fn, check.names, xs, fn_name=check.fname)
            check.decisions = graph.decisions
            return graph
    except Exception as err:
        if strict_errors:
            raise
        # NOTE: a student's f written with plain numpy can't be traced; it can still be
        # checked, only without kink detection.
        notes.append(f"{check.fname} could not be traced ({type(err).__name__}), so "
                     "kinks are not detected; write it with mlgraph.numpy to get them.")
        return None
    check.replay = Replay(graph)
    check.listing = {i: f"v{i} = {graph.listing(i)} switches branch"
                     for i in check.replay.kinks}
    return graph


def _check_entries(check: _Check, pos: int, grad_x: np.ndarray, name: str,
                   sample: int | None, atol: float) -> ParamCheck:
    """Every entry (or ``sample`` random entries) of argument ``pos``.

    An entry whose ±h step leaves f's domain (f was finite, a moved value is not: ln
    at 1e-7 with h = 6e-6) is tried again with the step h·|x|, and reported.
    """
    x = check.xs[pos]
    flat = x.reshape(-1)  # a view: moving it moves x
    if sample is not None and flat.size > sample:
        entries = np.sort(check.rng.choice(flat.size, size=sample, replace=False))
    else:
        entries = np.arange(flat.size)
    num = np.empty(len(entries))
    kinks, domain = [], []
    for j, i in enumerate(entries):
        old = flat[i]
        hi = check.step * max(1.0, abs(float(old)))
        where = np.unravel_index(i, x.shape)
        d, switched, bad = _central(check, flat, i, old, pos, where, hi)
        if not math.isfinite(d) and check.base_finite():
            small = check.step * abs(float(old))
            if 0 < small < hi:
                d, switched, _ = _central(check, flat, i, old, pos, where, small)
            domain.append((j, bad, hi, small if math.isfinite(d) else None))
        num[j] = d
        if switched:
            kinks.append((j, switched[0]))
    ana = grad_x.reshape(-1)[entries].astype(np.float64)
    return summarize(name, x.shape, entries, ana, num, kinks, atol, check.bands, domain)


def _central(check: _Check, flat: np.ndarray, i: int, old: Any, pos: int,
             where: tuple, hi: float) -> tuple[float, list[str], str | None]:
    """(f(x + hᵢeᵢ) − f(x − hᵢeᵢ)) / 2hᵢ, the kinks crossed, the node out of domain."""
    flat[i] = old + hi
    plus, s1, b1 = check.evaluate(pos, where)
    flat[i] = old - hi
    minus, s2, b2 = check.evaluate(pos, where)
    flat[i] = old
    return (plus - minus) / (2 * hi), s1 or s2, b1 or b2


def _check_direction(check: _Check, pos: int, grad_x: np.ndarray, kernel: bool,
                     name: str) -> ParamCheck:
    """One random direction v of argument ``pos``, against its central difference.

    The analytic side is the JVP (or ⟨grads, v⟩).
    """
    x = check.xs[pos]
    v = check.rng.standard_normal(x.shape)
    v = v / max(np.linalg.norm(v), 1e-300)
    if kernel:
        # NOTE: the JVP at the arguments as given (float32 stays float32)
        vk = v.astype(np.asarray(check.orig[pos]).dtype)
        tangents = [vk if k == pos else np.zeros_like(y)
                    for k, y in enumerate(check.orig)]
        _, ana = jvp(check.fn, check.orig, tangents)
        ana = float(np.asarray(getattr(ana, "value", ana)))
    else:
        ana = float(np.sum(grad_x.astype(np.float64) * v))
    hi = check.step * max(1.0, float(np.max(np.abs(x))) if x.size else 1.0)
    old = x.copy()
    x += hi * v
    plus, s1, _ = check.evaluate()
    x[...] = old - hi * v
    minus, s2, _ = check.evaluate()
    x[...] = old
    num = (plus - minus) / (2 * hi)
    kinks = [(0, (s1 or s2)[0])] if (s1 or s2) else []
    p = summarize(name, x.shape, np.zeros(1, dtype=int), np.array([ana]),
                  np.array([num]), kinks, 1e-9, check.bands)
    p.worst_index = None
    p.failures = [(None, *f[1:]) for f in p.failures]
    p.kinks = [(None, node) for _, node in p.kinks]
    return p


def _user_grads(grads: Callable, inputs: list, nums: tuple, names: list[str], fname: str
                ) -> list[np.ndarray]:
    """A student's gradients, one per checked argument, each of its argument's shape."""
    out = grads(*inputs)
    if isinstance(out, dict):
        missing = [names[a] for a in nums if names[a] not in out]
        if missing:
            raise ValueError(f"grads returned a dict without {', '.join(missing)}; "
                             "give one gradient per checked argument.")
        out = [out[names[a]] for a in nums]
    elif not isinstance(out, tuple | list):
        out = [out]
    out = [np.asarray(getattr(o, "value", o)) for o in out]
    if len(out) != len(nums):
        raise ValueError(
            f"grads returned {len(out)} gradient(s) but {len(nums)} argument(s) of "
            f"{fname} are checked ({', '.join(names[a] for a in nums)}); return one "
            "per argument, in order, or pass argnums.")
    for o, a in zip(out, nums, strict=True):
        if o.shape != np.shape(inputs[a]):
            raise ValueError(
                f"grads returned shape {o.shape} for '{names[a]}', which has shape "
                f"{np.shape(inputs[a])}. A gradient has its parameter's shape (a "
                "transpose may be missing).")
    return out


def _is_float(x: Any) -> bool:
    return np.asarray(x).dtype.kind == "f"


def _scalar(y: Any, fname: str) -> float:
    y = np.asarray(getattr(y, "value", y))
    if y.shape != ():
        raise ValueError(f"gradcheck needs {fname} to return a scalar, but it returned "
                         f"shape {y.shape}. Reduce it first (e.g. return loss.mean()).")
    return float(y)
