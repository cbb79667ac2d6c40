"""`gradcheck`: the analytic gradient against central differences, entry by entry.

The driver picks the arguments to check, gets the analytic gradient (the kernel's
reverse mode, its forward mode, or a student's function), traces f once so that each
difference re-runs only part of the graph (`Replay`), and summarizes every argument in
a `ParamCheck`. Layer 3: numpy, the standard library and the kernel.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..arguments import bind, param_names
from ..errors import ValueDependence
from ..graph import Graph
from ..tracer import trace_inputs
from ..transforms import jvp, value_and_grad
from .local import check_local, default_step
from .replay import Replay
from .report import GradcheckReport, ParamCheck, summarize

__all__ = ["gradcheck", "check_grads"]

MODES = ("full", "fast", "sampled")


@dataclass
class _Check:
    """What every difference of one `gradcheck` call needs."""

    fn: Callable                    # f of the checked arguments only
    fname: str
    xs: list[np.ndarray]            # the checked arguments, moved in place
    step: float
    rng: np.random.Generator
    replay: Replay | None = None
    listing: dict[int, str] = field(default_factory=dict)

    def evaluate(self, pos: int = -1, entry: tuple = ()) -> tuple[float, list[int]]:
        """f at the current ``xs``, and the kinked nodes that switched branch.

        Argument ``pos`` moved at ``entry`` (``-1``: any change; f itself is called).
        """
        if self.replay is not None and pos >= 0:
            return self.replay(self.xs, pos, entry)
        with np.errstate(all="ignore"):
            return _scalar(self.fn(*self.xs), self.fname), []

    def kink(self, switched: list[int], other: list[int]) -> str | None:
        """The listing of the first node that switched branch, if any."""
        first = switched or other
        return self.listing[first[0]] if first else None


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
    has a kink, in the traced graph), never failed.

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
    if mode not in MODES:
        raise ValueError(f"mode must be 'full', 'fast' or 'sampled', got {mode!r}.")
    fname = getattr(f, "__name__", "f")
    names = param_names(f, len(inputs))
    inputs = [np.asarray(x) if isinstance(x, float | int | list) else x for x in inputs]
    nums = _checked(inputs, argnums, names, fname)
    notes = _precision_notes(inputs, nums, names)
    dtype = min((np.asarray(inputs[a]).dtype for a in nums), key=lambda d: d.itemsize)
    source, analytic = _analytic(f, inputs, nums, names, fname, grads, mode)
    fn, _, values, _ = bind(f, tuple(inputs), None, nums)
    check = _Check(fn, fname, [np.array(v, dtype=np.asarray(v).dtype, copy=True)
                               for v in values],
                   h if h is not None else default_step(dtype),
                   np.random.default_rng(seed))
    graph = _trace_for_check(check, [names[a] for a in nums], values, notes,
                             strict_errors=grads is None or localize)
    params = []
    for pos, a in enumerate(nums):
        grad_x = np.broadcast_to(analytic[pos], check.xs[pos].shape)
        if mode == "fast":
            params.append(_check_direction(check, pos, grad_x, grads is None, names[a]))
        else:
            params.append(_check_entries(check, pos, grad_x, names[a],
                                         k if mode == "sampled" else None, atol))
    report = GradcheckReport(fname, mode, check.step, source, params, notes=notes)
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
        nums = tuple(a % len(inputs) for a in nums)
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


def _precision_notes(inputs: list, nums: tuple[int, ...], names: list[str]
                     ) -> list[str]:
    """A warning (and a note in the report) when an argument is in single precision."""
    low = [names[a] for a in nums if np.asarray(inputs[a]).dtype.itemsize < 8]
    if not low:
        return []
    msg = (f"gradcheck: {', '.join(low)} {'is' if len(low) == 1 else 'are'} "
           f"{np.asarray(inputs[nums[0]]).dtype}; central differences in single "
           "precision are only good to ~1e-3, so the bands below are not meaningful. "
           "Check in float64 (x.astype(np.float64)) and train in float32.")
    warnings.warn(msg, UserWarning, stacklevel=3)
    return [msg]


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


def _trace_for_check(check: _Check, names: list[str], values: list, notes: list[str],
                     strict_errors: bool) -> Graph | None:
    """Trace f once, and set up the replay if the graph can be re-run at other values.

    The replay comes with the listings of the kinked nodes, for the report.
    """
    try:
        try:
            graph = trace_inputs(check.fn, names, values, fn_name=check.fname,
                                 strict=True)
        except ValueDependence:
            # NOTE: f looks at its values (an `if`, a comparison): the checker then
            # calls f itself for every difference, and replays the graph for nothing.
            return trace_inputs(check.fn, names, values, fn_name=check.fname)
    except Exception as err:
        if strict_errors:
            raise
        # NOTE: a student's f written with plain numpy can't be traced; it can still be
        # checked, only without kink detection.
        notes.append(f"{check.fname} could not be traced ({type(err).__name__}), so "
                     "kinks are not detected; write it with mlgraph.numpy to get them.")
        return None
    check.replay = Replay(graph)
    check.listing = {i: f"v{i} = {graph.listing(i)}" for i in check.replay.kinks}
    return graph


def _check_entries(check: _Check, pos: int, grad_x: np.ndarray, name: str,
                   sample: int | None, atol: float) -> ParamCheck:
    """Every entry (or ``sample`` random entries) of argument ``pos``."""
    x = check.xs[pos]
    flat = x.reshape(-1)  # a view: moving it moves x
    if sample is not None and flat.size > sample:
        entries = np.sort(check.rng.choice(flat.size, size=sample, replace=False))
    else:
        entries = np.arange(flat.size)
    num = np.empty(len(entries))
    kinks = []
    for j, i in enumerate(entries):
        old = flat[i]
        hi = check.step * max(1.0, abs(float(old)))
        where = np.unravel_index(i, x.shape)
        flat[i] = old + hi
        plus, s1 = check.evaluate(pos, where)
        flat[i] = old - hi
        minus, s2 = check.evaluate(pos, where)
        flat[i] = old
        num[j] = (plus - minus) / (2 * hi)
        if s1 or s2:
            kinks.append((j, check.kink(s1, s2)))
    ana = grad_x.reshape(-1)[entries].astype(np.float64)
    return summarize(name, x.shape, entries, ana, num, kinks, atol)


def _check_direction(check: _Check, pos: int, grad_x: np.ndarray, kernel: bool,
                     name: str) -> ParamCheck:
    """One random direction v of argument ``pos``, against its central difference.

    The analytic side is the JVP (or ⟨grads, v⟩).
    """
    x = check.xs[pos]
    v = check.rng.standard_normal(x.shape)
    v = (v / max(np.linalg.norm(v), 1e-300)).astype(x.dtype)
    if kernel:
        tangents = [np.zeros_like(y) if k != pos else v for k, y in enumerate(check.xs)]
        _, ana = jvp(check.fn, check.xs, tangents)
        ana = float(np.asarray(getattr(ana, "value", ana)))
    else:
        ana = float(np.sum(grad_x.astype(np.float64) * v))
    hi = check.step * max(1.0, float(np.max(np.abs(x))) if x.size else 1.0)
    old = x.copy()
    x += hi * v
    plus, s1 = check.evaluate()
    x[...] = old - hi * v
    minus, s2 = check.evaluate()
    x[...] = old
    num = (plus - minus) / (2 * hi)
    kinks = [(0, check.kink(s1, s2))] if (s1 or s2) else []
    p = summarize(name, x.shape, np.zeros(1, dtype=int), np.array([ana]),
                  np.array([num]), kinks, 1e-9)
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
