"""Tracing: the `Tensor` a traced function computes with, and the recorder behind it.

`trace(f, *args)` calls ``f`` once on input `Tensor`s; every primitive applied to them
is recorded as a node with a dense id, and the result is a `Graph`. Outside a trace a
`Tensor` simply computes. Every entry point binds and checks its arguments with
`mlgraph.arguments`. Imports layers 0-2.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from . import primitives as P
from .arguments import as_array, bind
from .context import OPEN, SCOPE, name, scope
from .errors import (
    ValueDependence,
    check_finite,
    debug_nans_on,
    shape_error,
    warn_domain,
)
from .graph import Graph, listing_text
from .interop import Interop, describe
from .numpy._methods import NdarrayMethods
from .primitives import Traced, value_of
from .tensor import ArrayMethods

__all__ = ["Tensor", "trace", "scope", "name", "trace_inputs"]

_LEVELS = itertools.count(1)          # NOTE: only orders nested traces
_NO_NAMES: Mapping[int, str] = MappingProxyType({})
_scope_path = SCOPE.get               # NOTE: bound once: it runs per node in a scope


class Tensor(Interop, NdarrayMethods, ArrayMethods, Traced):
    """A numpy-backed value; float64 by default, float32 kept when given.

    Operators call primitives; inside `trace` each call becomes a node of the graph.
    The ndarray-like properties (``.T``, indexing, comparisons...) are in
    `ArrayMethods`, ndarray's methods (``.sum()``, ``.std()``, ``.dot()``,
    ``.astype()``, ``.at[i].set(v)``...) in `mlgraph.numpy`'s `NdarrayMethods`;
    conversions and numpy's protocols (what is refused) in `Interop`.

    Args:
        value: a float, a numpy array, or a nested list of numbers.
        name: the label this tensor gets as a graph input (``x1``, ``W``).

    Example:
        >>> t = Tensor([1.0, 2.0], name="x")
        >>> (t * 3 + 1).value
        array([4., 7.])
    """

    __slots__ = ("value", "name", "_trace", "_id")
    __array_priority__ = 1000.0

    def __init__(self, value: Any, name: str | None = None) -> None:
        self.value = as_array(value, f"Tensor(name={name!r})" if name else "Tensor",
                              "tensor")
        self.name = name
        self._trace = None
        self._id = -1

    @classmethod
    def _new(cls, value: Any, trace: _Trace | None, node_id: int,
             name: str | None = None) -> Tensor:
        t = object.__new__(cls)
        t.value = value
        t.name = name
        t._trace = trace
        t._id = node_id
        return t

    @staticmethod
    def _bind(prim: P.Primitive, args: tuple, params: dict) -> Any:
        """Record ``prim(*args)``, or compute it when no argument's trace is open.

        A nested trace (a derivative of a derivative) records into the innermost one.
        """
        if len(args) == 1:                  # unary: its one argument's trace, if open
            t = args[0]._trace
            if t is not None and t.open:
                return t.record(prim, args, params)
        trace = None
        for a in args:
            if type(a) is Tensor:
                t = a._trace
                if t is not None and t.open and (
                        trace is None or t.level > trace.level):
                    trace = t
        if trace is not None:
            return trace.record(prim, args, params)
        values = [value_of(a) for a in args]
        try:
            out = prim.forward(*values, **params)
        except (ValueError, IndexError, TypeError) as err:
            raise shape_error(prim, [f"argument {k}" for k in range(len(values))],
                              [np.shape(v) for v in values], "", params, err) from None
        return Tensor._new(out, None, -1)

    # --- arithmetic ------------------------------------------------------------------

    def __add__(self, other: Any) -> Tensor:
        return _binary(P.add, self, other, self)

    def __radd__(self, other: Any) -> Tensor:
        return _binary(P.add, other, self, self)

    def __sub__(self, other: Any) -> Tensor:
        return _binary(P.sub, self, other, self)

    def __rsub__(self, other: Any) -> Tensor:
        return _binary(P.sub, other, self, self)

    def __mul__(self, other: Any) -> Tensor:
        return _binary(P.mul, self, other, self)

    def __rmul__(self, other: Any) -> Tensor:
        return _binary(P.mul, other, self, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _binary(P.div, self, other, self)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _binary(P.div, other, self, self)

    def __pow__(self, other: Any) -> Tensor:
        return P.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return P.pow(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _binary(P.matmul, self, other, self)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _binary(P.matmul, other, self, self)

    def __neg__(self) -> Tensor:
        return P.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return P.abs(self)

    def named(self, label: str) -> Tensor:
        """This value, named ``label`` in its graph (see `mlgraph.name`)."""
        return name(self, label)

    def __repr__(self) -> str:
        label = f", name={self.name!r}" if self.name else ""
        where = f" (traced as v{self._id})" if self._trace is not None else ""
        text = np.array2string(np.asarray(self.value), precision=4)
        return f"Tensor({text}{label}){where}"


def _binary(prim: P.Primitive, x: Any, y: Any, me: Tensor) -> Any:
    """x op y where ``me`` (one of them) is a Tensor.

    Recorded straight into me's trace when the other operand is no Tensor or one of
    the same trace (the common cases), else dispatched (it may be a deeper trace's).
    """
    t = me._trace
    other = y if x is me else x
    if t is not None and t.open and (type(other) is not Tensor or other._trace is t):
        return t.record(prim, (x, y), {})
    return prim(x, y)


# --- the recorder --------------------------------------------------------------------


class _Trace:
    """The recorder behind `trace`: the future `Graph`'s columns, one entry per node.

    ``strict`` refuses value-dependent uses of traced values (`ValueDependence`), for
    graphs that will be re-run at other values. ``debug_nans`` is read once, when the
    trace starts. ``decisions`` lists what f decided on traced numbers (comparisons,
    truth tests, argmax...), for the gradient checker's kink detection.
    """

    __slots__ = ("level", "open", "strict", "nans", "prims", "args", "params",
                 "values", "labels", "scopes", "outer", "const_names", "inputs",
                 "data", "decisions", "needs_known", "names")

    def __init__(self, strict: bool = False,
                 const_names: Mapping[int, str] | None = None) -> None:
        self.level = next(_LEVELS)
        self.open = True
        self.strict = strict
        self.nans = debug_nans_on()
        self.prims: list[P.Primitive | None] = []   # None: an input or a constant
        self.args: list[tuple[int, ...]] = []
        self.params: list[dict] = []
        self.values: list[Any] = []
        self.labels: list[str] = []
        self.scopes: dict[int, str] = {}         # node id -> "layer1/..." if in a scope
        self.outer: dict[int, Any] = {}          # node id -> a Tensor of an outer trace
        self.const_names = const_names or _NO_NAMES   # id(array) -> f's param. name
        self.inputs: list[int] = []
        # NOTE: the rest is filled only when used: tracing pays nothing for it
        self.data: list[int] = []                # the inputs that are data, not diff.
        self.decisions: list[tuple[int, str, Any]] | None = None
        self.needs_known: dict[int, bool] | None = None   # node id -> needs a gradient
        self.names: dict[int, str] | None = None          # node id -> its given name

    def _leaf(self, value: Any, label: str, outer: Any) -> int:
        nid = len(self.values)
        if OPEN:
            path = _scope_path()
            if path:
                self.scopes[nid] = path
        if outer is not None:
            self.outer[nid] = outer
        self.prims.append(None)
        self.args.append(())
        self.params.append({})
        self.values.append(value)
        self.labels.append(label)
        return nid

    def input(self, x: Any, name: str, kind: str = "input") -> Tensor:
        """A new input node for ``x`` (checked by `as_array`), as a traced `Tensor`.

        A `Tensor` keeps its own ``name``; one of an enclosing trace is remembered in
        ``outer``, so derivatives of derivatives flow back to it.
        """
        if type(x) is float and kind == "input":
            value = np.float64(x)         # NOTE: the common case, without a call
        else:
            value = as_array(x, f"argument '{name}'", kind)
        outer = None
        if type(x) is Tensor:
            name = x.name or name
            if x._trace is not None and x._trace.open:
                outer = x
        nid = self._leaf(value, name, outer)
        self.inputs.append(nid)
        if kind != "input":
            self.data.append(nid)
        t = object.__new__(Tensor)           # NOTE: Tensor._new, inlined
        t.value, t.name, t._trace, t._id = value, name, self, nid
        return t

    def const(self, x: Any) -> int:
        """A constant node for ``x``: a number, an array, or another trace's Tensor."""
        if type(x) is Tensor:
            value = x.value
            outer = x if (x._trace is not None and x._trace.open) else None
            label = x.name
        else:
            value, outer = as_array(x, "a constant", "const"), None
            label = None
        label = self.const_names.get(id(x)) or label or _const_label(value)
        return self._leaf(value, label, outer)

    def record(self, prim: P.Primitive, args: tuple, params: dict) -> Tensor:
        """Apply ``prim`` to ``args`` and record the result as a new node.

        The arguments are traced values of this trace, or constants.
        """
        n = len(args)
        x = args[0] if n else None    # NOTE: f(x) and x op y of this trace, spelled out
        if n == 1 and type(x) is Tensor and x._trace is self:
            ids, values = (x._id,), (x.value,)
        elif (n == 2 and type(x) is Tensor and x._trace is self
              and type(y := args[1]) is Tensor and y._trace is self):
            ids, values = (x._id, y._id), (x.value, y.value)
        else:
            ids, values = self._operands(args)
        node_id = len(self.values)
        if prim.domain is not None and prim.domain[0](*values):
            warn_domain(prim, self._node_text(prim, ids, params, node_id),
                        self.name_of(ids[0]), values[0])
            with np.errstate(all="ignore"):
                out = prim.forward(*values, **params)
        else:
            try:
                out = (prim.forward(*values, **params) if params
                       else prim.forward(*values))
            except (ValueError, IndexError, TypeError) as err:
                raise shape_error(
                    prim, [self.name_of(j) for j in ids], [np.shape(v) for v in values],
                    f" at node {self._node_text(prim, ids, params, node_id)}", params,
                    err) from None
        if self.nans:
            check_finite(out, node_id, "value",
                         lambda: self._node_text(prim, ids, params, node_id),
                         "while tracing")
        # NOTE: _leaf inlined: this is the hottest line of tracing.
        if OPEN:                      # NOTE: a scope open in some thread: which?
            path = _scope_path()
            if path:
                self.scopes[node_id] = path
        self.prims.append(prim)
        self.args.append(ids)
        self.params.append(params)
        self.values.append(out)
        self.labels.append(prim.symbol)
        t = object.__new__(Tensor)           # NOTE: Tensor._new, inlined
        t.value, t.name, t._trace, t._id = out, None, self, node_id
        return t

    def _operands(self, args: tuple) -> tuple[tuple[int, ...], tuple]:
        """The node ids and the values of ``args``; constants become new nodes."""
        ids = []
        for a in args:
            ids.append(a._id if type(a) is Tensor and a._trace is self
                       else self.const(a))
        values = self.values
        return tuple(ids), tuple([values[j] for j in ids])

    def name_of(self, j: int) -> str:
        """Node j as the student knows it: ``'W' (v1)``, or ``v4``.

        Inputs and named constants (arguments that are not differentiated) are quoted.
        """
        label = self.labels[j]
        if j in self.inputs or (self.prims[j] is None
                                and label in self.const_names.values()):
            return f"'{label}' (v{j})"
        return f"v{j}"

    def _node_text(self, prim: P.Primitive, ids: list[int], params: dict, node_id: int
                   ) -> str:
        return f"v{node_id} = {listing_text(prim, [f'v{j}' for j in ids], params)}"

    # --- what the conversions of `Interop` ask ----------------------------------------

    def name(self, nid: int, label: str) -> None:
        """Give node ``nid`` a name (`mlgraph.name`): its label from now on."""
        if self.names is None:
            self.names = {}
        self.names[nid] = label
        self.labels[nid] = label

    def decide(self, nid: int, test: str, outcome: Any) -> None:
        """Record that f decided ``test`` on node ``nid``'s numbers: ``outcome``."""
        if self.decisions is None:
            self.decisions = []
        self.decisions.append((nid, test, outcome))

    def check_reusable(self, nid: int, what: str) -> None:
        """In a strict trace, refuse a use of node ``nid``'s numbers."""
        if self.strict:
            raise ValueDependence(
                f"{what} of a traced value ({describe(self, nid)}) depends on its "
                "numbers, so this graph can't be reused for other values.")


def _const_label(value: Any) -> str:
    if np.ndim(value) == 0:
        return f"{float(value):.4g}"
    return f"const{tuple(np.shape(value))}"


# --- tracing -------------------------------------------------------------------------


def trace(f: Callable, *args: Any, **kwargs: Any) -> Graph:
    """Call ``f`` once on traced inputs and return its computation graph.

    Inputs may be given positionally or by f's parameter names; each becomes an input
    node labelled with its parameter name (or the ``name=`` of a `Tensor`). A function
    returning a tuple ``(y1, y2)`` gives a graph with several outputs.

    Example:
        >>> import mlgraph as mg
        >>> g = mg.trace(lambda x1, x2: mg.log(x1) + x1 * x2 - mg.sin(x2), 2.0, 5.0)
        >>> print(g)
        v0 = x1
        v1 = x2
        v2 = ln(v0)
        v3 = v0 × v1
        v4 = sin(v1)
        v5 = v2 + v3
        v6 = v5 − v4
        y = v6
    """
    fn, names, values, _ = bind(f, args, kwargs)
    return trace_inputs(fn, names, values, fn_name=getattr(f, "__name__", "f"))


def trace_inputs(f: Callable, names: Sequence[str], values: Sequence[Any], *,
                 fn_name: str | None = None, n_diff: int | None = None,
                 fixed: Mapping[str, Any] | None = None, renumber: bool = True,
                 strict: bool = False) -> Graph:
    """Trace ``f(*inputs)`` with one input node per value.

    Args:
        f: the function, taking the inputs positionally (see `bind`).
        names: the inputs' labels.
        values: their values.
        fn_name: the name shown for the graph (default: f's).
        n_diff: the first ``n_diff`` inputs are differentiable; the rest are data
            inputs (any numeric dtype, no derivative), for graphs re-run on new data.
        fixed: f's other arguments by name, so messages name the constants they become.
        renumber: number the nodes as the lectures do (depth first); off for `grad`.
        strict: refuse value-dependent uses of traced values (`ValueDependence`), for
            graphs that will be re-run at other values.
    """
    n_diff = len(values) if n_diff is None else n_diff
    t = _Trace(strict, {id(v): k for k, v in fixed.items()} if fixed else None)
    tins = []
    for k, (label, x) in enumerate(zip(names, values, strict=True)):
        tins.append(t.input(x, label, "input" if k < n_diff else "const"))
    try:
        out = f(*tins)
    finally:
        t.open = False
    fn_name = fn_name or getattr(f, "__name__", "f")
    if type(out) is Tensor and out._trace is t:
        outputs = (out._id,)
    else:
        many = type(out) in (tuple, list)
        outputs = tuple(_output_id(t, y, fn_name, many)
                        for y in (out if many else (out,)))
    ids = t.inputs                   # NOTE: the nodes of tins, in order
    if renumber or t.scopes or t.outer or t.names or t.decisions or n_diff < len(ids):
        return Graph(t.prims, t.args, t.params, t.values, t.labels, ids, outputs,
                     scopes=t.scopes, outer=t.outer, data_inputs=ids[n_diff:],
                     names=t.names, decisions=t.decisions or (), fn_name=fn_name,
                     renumber=renumber)
    # NOTE: grad's plain graph: each keyword given to Graph costs a dict entry
    return Graph(t.prims, t.args, t.params, t.values, t.labels, ids, outputs,
                 fn_name=fn_name)


def _output_id(t: _Trace, y: Any, fn_name: str, nested: bool) -> int:
    """The node of one value f returned (a constant node if it is not traced)."""
    if type(y) is Tensor and y._trace is t:
        return y._id
    if isinstance(y, (tuple, list, dict)):
        raise TypeError(
            f"{fn_name} returned a {type(y).__name__}{' inside a tuple' * nested}; "
            "mlgraph traces functions returning one value or a flat tuple of values "
            "(y1, y2). Return the values side by side, or stack them "
            "(mlgraph.numpy.stack).")
    if not isinstance(y, Tensor):
        as_array(y, "the output")
    return t.const(y)
