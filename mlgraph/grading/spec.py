"""What an assignment is: the function students write, its cases, outputs and points.

An instructor writes a Python module defining ``ASSIGNMENT`` (a `GradientAssignment` for
"write the gradients of this forward cost"); the four shipped ones live in
`mlgraph.assignments`. This module runs only in the grader's process: nothing in it, and
no reference value, is ever sent to a submission's process.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import keyword
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..tracer import Tensor
from ..transforms import grad

__all__ = [
    "AUTODIFF_LIBRARIES", "Assignment", "Case", "Group", "GradientAssignment", "Output",
    "Ref", "SHIPPED", "Variant", "load", "with_derivative",
]

# What the shipped backprop assignments forbid (import of any of these is a violation).
AUTODIFF_LIBRARIES = ("mlgraph", "autograd", "torch", "jax", "jaxlib", "tensorflow",
                      "micrograd", "mygrad", "chainer", "theano", "keras")

# name -> module in mlgraph.assignments
SHIPPED = {
    "iris-backprop": "iris_backprop",
    "sigmoid-bce-backprop": "sigmoid_bce_backprop",
    "graph-backward": "graph_backward",
    "numerical-gradient": "numerical_gradient",
}


@dataclass(frozen=True)
class Ref:
    """An argument that is a name defined by the assignment's ``preamble``.

    E.g. a function ``f`` a student differentiates numerically; it is built inside the
    submission's process.
    """

    name: str


@dataclass
class Case:
    """One call of the student's function.

    Attributes:
        label: what students see, e.g. ``"N = 1 (a batch of one)"``; never a value.
        args: the positional arguments: numpy arrays, numbers, strings, lists, dicts
            and `Ref`s. They are the only thing the submission's process receives.
        context: grader-side data for the reference and the diagnoses (never sent).
    """

    label: str
    args: tuple
    context: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Group:
    """A group of entries of one output, graded and shown together.

    Attributes:
        name: e.g. ``"bias row"``.
        index: a numpy index into the output (``np.s_[-1, :]``); ``None``: every entry.
        points: what the group is worth.
    """

    name: str
    index: Any
    points: float


@dataclass(frozen=True)
class Output:
    """One array the student's function returns.

    Attributes:
        name: e.g. ``"dW"``.
        description: one line for students, e.g. ``"∂J/∂W, shape M × C"``.
        groups: entry groups with their points (at least one).
        wrt: for a `GradientAssignment`, the cost argument this is the gradient of.
        bias: the argument is a bias broadcast over the batch (axis 0 of the data), so
            "not summed over the batch" is a mistake worth recognising.
    """

    name: str
    description: str
    groups: tuple[Group, ...]
    wrt: str | None = None
    bias: bool = False

    @property
    def points(self) -> float:
        """The output's total points."""
        return float(sum(g.points for g in self.groups))


@dataclass(frozen=True)
class Variant:
    """A recognisable mistake that is not a transformation of the reference array.

    The grader computes what a student making this mistake would return (for a
    `GradientAssignment`: reverse mode on the forward cost called with ``kwargs``) and
    compares. ``message`` is shown to students; it must not contain numbers.
    """

    name: str
    message: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)


class Assignment:
    """The base of every assignment; subclasses say how references are made.

    Attributes:
        name: the name students and staff use, e.g. ``"iris-backprop"``.
        title: a heading.
        function: the name of the function students write.
        signature: its parameter names.
        outputs: what it returns, in order.
        rtol, atol: an entry passes when ``|yours − expected| ≤ atol +
            rtol·|expected|``.
        hints: by output name or by mistake name, shown with a failure.
        credit: by mistake name, the fraction of a group's points kept when that
            mistake is the diagnosis (partial credit); 0 when absent.
        forbidden_imports: top-level packages whose import is a violation.
        allowed_imports: third-party packages a submission may import (the standard
            library is always allowed, except what could start programs or escape).
        preamble: Python source run in the submission's process before it is called,
            defining the names `Ref` arguments point at (numpy is imported as ``np``).
        limits: overrides of `mlgraph.grading.sandbox.Limits` (e.g. ``{"cpu_seconds":
            20}``).
    """

    name: str = ""
    title: str = ""
    function: str = ""
    signature: tuple[str, ...] = ()
    outputs: tuple[Output, ...] = ()
    rtol: float = 1e-5
    atol: float = 1e-8
    hints: Mapping[str, str] = {}
    credit: Mapping[str, float] = {}
    forbidden_imports: tuple[str, ...] = AUTODIFF_LIBRARIES
    allowed_imports: tuple[str, ...] = ("numpy",)
    preamble: str = ""
    limits: Mapping[str, Any] = {}
    source_file: str | None = None

    # --- what subclasses provide ------------------------------------------------------

    def cases(self, rng: np.random.Generator, hidden: bool) -> list[Case]:
        """The calls to make.

        ``hidden=False``: the self-check's fixed public cases; ``hidden=True``: the
        grader's, drawn from ``rng`` (a new seed per run).
        """
        raise NotImplementedError

    def reference(self, case: Case) -> dict[str, np.ndarray]:
        """The expected value of every output for a case (grader-side only)."""
        raise NotImplementedError

    def alternatives(self, case: Case) -> dict[str, dict[str, np.ndarray]]:
        """What recognisable mistakes would return: ``{mistake: {output: array}}``."""
        return {}

    def messages(self) -> dict[str, str]:
        """Student-facing explanations of the mistakes `alternatives` produces."""
        return {}

    def group_name(self, output: Output, group: Group, case: Case) -> str:
        """The name a group is shown under; a subclass may name it per case."""
        return group.name

    def batch_size(self, case: Case) -> int | None:
        """N, the number of examples a cost averages over (for 1/N diagnoses)."""
        return None

    # --- shared -----------------------------------------------------------------------

    @property
    def points(self) -> float:
        """The assignment's total points."""
        return float(sum(o.points for o in self.outputs))

    def unpack(self, returned: Any, case: Case) -> dict[str, Any]:
        """Map what the function returned (decoded data) to ``{output: array}``.

        A value that can't be read as an array becomes a string saying why (the
        grader shows it as that output's problem).
        """
        names = [o.name for o in self.outputs]
        if len(names) == 1:
            items = [returned]
        elif isinstance(returned, dict):
            items = [returned.get(n, f"the returned dict has no key {n!r}")
                     for n in names]
        elif isinstance(returned, list | tuple):
            if len(returned) != len(names):
                problem = (f"{self.function}() returned {len(returned)} value(s); it "
                           f"must return {len(names)}: {', '.join(names)}, in that "
                           "order")
                return {n: problem for n in names}
            items = list(returned)
        else:
            problem = (f"{self.function}() returned {_kind(returned)}; it must return "
                       f"a tuple ({', '.join(names)})")
            return {n: problem for n in names}
        return {n: as_array(v, n) for n, v in zip(names, items, strict=True)}


def _kind(x: Any) -> str:
    if x is None:
        return "None"
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    if isinstance(x, Unreadable):
        return str(x)
    return f"a {type(x).__name__}"


class Unreadable:
    """A returned value the submission's process could not send as data."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __str__(self) -> str:
        return self.what


def as_array(value: Any, name: str) -> np.ndarray | str:
    """A returned value as a float array, or a string saying why it is not one."""
    if isinstance(value, str):
        return value  # already a problem found by `Assignment.unpack`
    if isinstance(value, Unreadable):
        return f"{name} is {value}, not an array of numbers"
    if value is None:
        return f"{name} is None (a missing return statement?)"
    if isinstance(value, dict):
        return f"{name} is a dict, not an array"
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return (f"{name} is a {type(value).__name__} that can't be read as an array of "
                "numbers (ragged nested lists?)")
    return arr


# --- gradient assignments: the reference is reverse mode on a forward cost ------------


class GradientAssignment(Assignment):
    """Students write the gradients of a scalar forward cost.

    mlgraph's reverse mode on that cost is the reference, so no hand-written solution
    exists anywhere.

    Args:
        cost: the forward cost, written with `mlgraph.numpy`, taking the arguments in
            ``signature`` order (keyword arguments configure `Variant`s).
        make_cases: ``(rng, hidden) -> list[Case]``.
        batch_axis_arg: the argument whose axis 0 is the batch (for N and for the
            per-example gradients of biases).
        variants: mistakes expressed as the cost with other keyword arguments.
        **attrs: any `Assignment` attribute (name, title, function, signature,
            outputs, rtol, atol, hints, credit, ...).
    """

    def __init__(self, *, cost: Callable, make_cases: Callable,
                 batch_axis_arg: str | None = None, variants: Sequence[Variant] = (),
                 **attrs: Any) -> None:
        for key, value in attrs.items():
            if not hasattr(Assignment, key):
                raise TypeError(f"GradientAssignment got an unknown setting {key!r}.")
            setattr(self, key, value)
        self.cost = cost
        self.make_cases = make_cases
        self.batch_axis_arg = batch_axis_arg
        self.variants = tuple(variants)
        unknown = [o.wrt for o in self.outputs if o.wrt not in self.signature]
        if unknown:
            raise ValueError(f"outputs of {self.name} refer to {unknown}, which are "
                             f"not in the signature {self.signature}.")

    def cases(self, rng: np.random.Generator, hidden: bool) -> list[Case]:
        """The calls to make: ``make_cases(rng, hidden)``."""
        return self.make_cases(rng, hidden)

    def _grads(self, args: tuple, **kwargs: Any) -> dict[str, np.ndarray]:
        nums = tuple(i for i, a in enumerate(args)
                     if np.asarray(a).dtype.kind == "f")
        cost = functools.partial(self.cost, **kwargs) if kwargs else self.cost
        grads = grad(cost, argnums=nums)(*args)
        return {self.signature[i]: np.asarray(g, dtype=np.float64)
                for i, g in zip(nums, grads, strict=True)}

    def reference(self, case: Case) -> dict[str, np.ndarray]:
        """Reverse mode on the cost at the case's arguments (once per case)."""
        key = "_reference"
        if key not in case.context:
            case.context[key] = self._grads(case.args)
        grads = case.context[key]
        return {o.name: grads[o.wrt] for o in self.outputs}

    def gradients_wrt_all(self, case: Case) -> dict[str, np.ndarray]:
        """∂cost/∂(every float argument), data included (for "wrong argument")."""
        self.reference(case)
        return case.context["_reference"]

    def batch_size(self, case: Case) -> int | None:
        """N: the length of axis 0 of ``batch_axis_arg`` (None without one)."""
        if self.batch_axis_arg is None:
            return None
        x = np.asarray(case.args[self.signature.index(self.batch_axis_arg)])
        return int(x.shape[0]) if x.ndim else None

    def per_example(self, case: Case, output: Output) -> np.ndarray | None:
        """For a bias: the gradient of each example's share before the batch sum.

        The bias is replaced by its copy per example (shape N × bias shape); reverse
        mode on the same cost then gives each example's contribution.
        """
        n = self.batch_size(case)
        if not output.bias or n is None:
            return None
        key = f"_per_example_{output.name}"
        if key in case.context:
            return case.context[key]
        k = self.signature.index(output.wrt)
        b = np.asarray(case.args[k], dtype=np.float64)
        args = list(case.args)
        args[k] = np.broadcast_to(b, (n, *b.shape)).copy()
        case.context[key] = self._grads(tuple(args))[output.wrt]
        return case.context[key]

    def alternatives(self, case: Case) -> dict[str, dict[str, np.ndarray]]:
        """Each `Variant`'s gradients: reverse mode on the cost with its kwargs."""
        if "_alternatives" not in case.context:   # once per case, not per submission
            out = {}
            for v in self.variants:
                grads = self._grads(case.args, **v.kwargs)
                out[v.name] = {o.name: grads[o.wrt] for o in self.outputs}
            case.context["_alternatives"] = out
        return case.context["_alternatives"]

    def messages(self) -> dict[str, str]:
        """Each `Variant`'s message, by its name."""
        return {v.name: v.message for v in self.variants}


def with_derivative(f: Callable, derivative: Callable) -> Callable:
    """``f`` with another local derivative: ``derivative(a, s)`` where s = f(a).

    Used to express a student's mistake in the chain rule as a forward cost, e.g.
    "σ used where σ′ is needed" is ``with_derivative(sigmoid, lambda a, s: s)``. The
    value is computed as f(a₀) + d₀·(a − a₀) with a₀, d₀ constants, so the forward
    value is unchanged and reverse mode sees the derivative d₀.
    """
    def wrong(a: Any) -> Any:
        a0 = np.asarray(a.value if isinstance(a, Tensor) else a, dtype=np.float64)
        s0 = np.asarray(f(a0), dtype=np.float64)
        d0 = np.asarray(derivative(a0, s0), dtype=np.float64)
        return s0 + d0 * (a - a0)

    return wrong


# --- finding an assignment ------------------------------------------------------------


def load(assignment: str | Assignment) -> Assignment:
    """An assignment by its shipped name, or by the path of a module defining it.

    ``load("iris-backprop")``, or ``load("my_assignment.py")`` for a module that
    defines ``ASSIGNMENT``.

    Raises:
        ValueError: naming the shipped assignments when the name is unknown.
    """
    if isinstance(assignment, Assignment):
        return assignment
    if assignment in SHIPPED:
        # NOTE: by name, not by an import statement: the shipped assignments are
        # instructors' code on the public API, a layer above the grader (the grader
        # loads them as it loads any instructor's file)
        mod = importlib.import_module(f"mlgraph.assignments.{SHIPPED[assignment]}")
        spec = mod.ASSIGNMENT
        spec.source_file = os.path.realpath(mod.__file__)
        return spec
    if assignment.endswith(".py") and os.path.isfile(assignment):
        path = os.path.realpath(assignment)
        stem = os.path.splitext(os.path.basename(path))[0]
        modname = f"_mlgraph_assignment_{stem if stem.isidentifier() else 'spec'}"
        if keyword.iskeyword(stem):
            modname += "_"
        loader_spec = importlib.util.spec_from_file_location(modname, path)
        mod = importlib.util.module_from_spec(loader_spec)
        loader_spec.loader.exec_module(mod)
        spec = getattr(mod, "ASSIGNMENT", None)
        if not isinstance(spec, Assignment):
            raise ValueError(f"{assignment} must define ASSIGNMENT = "
                             "GradientAssignment(...) (or another "
                             "mlgraph.grading.Assignment).")
        spec.source_file = path
        return spec
    raise ValueError(f"unknown assignment {assignment!r}: use one of "
                     f"{', '.join(SHIPPED)}, or the path of a .py file defining "
                     "ASSIGNMENT.")
