"""The `Primitive` record, the registry, and the helpers every family of rules shares.

A primitive carries everything mlgraph knows about one operation: its numpy forward, its
JVP and VJP rules, how a node of it is written, the hints its errors give, where its
derivative has kinks, how it runs on a leading batch axis, and the numpy, ufunc and
expression names it answers to. Every other module reads these fields generically.
Imports numpy and the standard library only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["Primitive", "PRIMITIVES", "UFUNCS", "define", "Traced", "value_of",
           "shape_of", "UNDECLARED"]


class Traced:
    """Marker base class of values that record into a trace (`mlgraph.Tensor`)."""

    __slots__ = ()

    @staticmethod
    def _bind(prim: Primitive, args: tuple, params: dict) -> Any:  # pragma: no cover
        raise NotImplementedError


def value_of(x: Any) -> Any:
    """The numpy value of ``x``, whether or not it is a traced value.

    Rules use it for quantities that are not differentiated (masks, branch tests).
    """
    return x.value if isinstance(x, Traced) else x


def shape_of(x: Any) -> tuple[int, ...]:
    """The shape of an array, a numpy scalar, a Python number or a `Tensor`."""
    return tuple(getattr(x, "shape", ()))


class _Undeclared:
    """The value of a hook a primitive has not declared (``batch`` must be declared)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNDECLARED"


UNDECLARED = _Undeclared()
"""A ``batch`` hook left out of ``define``: neither a rule nor a considered ``None``."""


class Primitive:
    """An operation the kernel knows how to differentiate, and all it knows about it.

    Rule conventions, fixed once for every primitive:

    - ``forward(*primals, **params) -> out``: plain numpy.
    - ``jvp[i](x_dot, *primals, out, **params)``: the tangent of ``out`` contributed by
      argument ``i``'s tangent ``x_dot`` (that is ∂out/∂xᵢ · ẋᵢ). The sweep adds the
      contributions of all arguments whose tangent is not zero.
    - ``vjp[i](out_bar, *primals, out, **params)``: the cotangent flowing back into
      argument ``i`` (that is ōut · ∂out/∂xᵢ), before un-broadcasting, which the
      reverse sweep does centrally.
    - Rules are only called for arguments that need them, so the gradient of the data
      ``X`` in ``X @ W`` is never computed.
    - A variadic primitive (``concatenate``, ``stack``) has one jvp and one vjp function
      taking the argument number first: ``vjp(i, out_bar, *primals, out, **params)``.

    Args:
        name: registry key, e.g. ``"mul"``.
        forward: the numpy computation.
        jvp: per-argument JVP rules (``None`` where an argument is not differentiable).
        vjp: per-argument VJP rules (``None`` where an argument is not differentiable).
        symbol: what a graph node shows, e.g. ``"×"`` or ``"ln"``.
        infix: print as ``v0 × v1`` rather than ``mul(v0, v1)``.
        partials: the local derivative ∂out/∂xᵢ of each argument as text, with ``{0}``,
            ``{1}``… standing for the arguments' names and ``{out}`` for the node's own.
        domain: optional ``(test, problem, fix)``: when ``test(*primals)`` (numpy
            values) is true the forward warns, naming the node (log and sqrt of
            non-positive values).
        variadic: takes any number of arguments (see above).
        kink: ``kink(*primals, out, **params)``: which branch of a piecewise rule each
            entry is on (relu: ``x > 0``). Where the branches differ between two points,
            a finite difference across them is not the derivative (the gradient checker
            flags such entries instead of failing them).
        listing: ``listing(names, **params)``: how a node is written when the default
            (``symbol(v0, axis=1)`` or infix) does not fit, e.g. ``v0ᵀ``, ``v0[1:]``;
            returning ``None`` falls back to the default.
        hint: ``hint(shapes, **params)``: how to fix a shape error of this operation,
            for the message that names the operands and their shapes.
        ufuncs: the numpy ufuncs a `Tensor` answers with this primitive (``np.add``).
        numpy_names: numpy's names for it (``"exp"``, ``"linalg.inv"``): `mlgraph.numpy`
            offers it under them (a ufunc's name: numpy's ufunc around it).
        expr_names: the function names of the command line's expressions (``ln``).
        entry_update: ``entry_update(argnum, index, delta, *primals, out, **params)``:
            the new output after entry ``index`` of argument ``argnum`` moved by
            ``delta``, when that is cheaper than the forward (a matmul changes one row
            or column), or ``None``; the primals are those after the move.
        entry_terms: ``entry_terms(index, *primals, **params)``: output entry ``index``
            as a weighted sum, the pairs ``[(a, b), ...]`` whose products add up to it
            (a matmul's row times column), or ``None``; the graph widget expands a node
            into it.
        batch: ``batch(forward, args, batched, b, **params)``: the output for ``b``
            points at once, where ``args[i]`` carries a leading axis of length ``b``
            if ``batched[i]`` (see `mlgraph.primitives.batching`), or ``None`` for a
            case it does not cover. Loss surfaces evaluate their grids with it. Every
            primitive declares it: a rule, or ``None`` with a comment saying why
            there is none (then each point is computed on its own).
    """

    __slots__ = (
        "name", "forward", "jvp", "vjp", "symbol", "infix", "partials", "domain",
        "variadic", "kink", "listing", "hint", "ufuncs", "numpy_names", "expr_names",
        "entry_update", "entry_terms", "batch", "_by_arity",
    )

    def __init__(
        self,
        name: str,
        forward: Callable,
        jvp: Sequence[Callable | None] | Callable,
        vjp: Sequence[Callable | None] | Callable,
        *,
        symbol: str,
        infix: bool = False,
        partials: Sequence[str] | None = None,
        domain: tuple[Callable, str, str] | None = None,
        variadic: bool = False,
        kink: Callable | None = None,
        listing: Callable | None = None,
        hint: Callable | None = None,
        ufuncs: Sequence[np.ufunc] = (),
        numpy_names: Sequence[str] = (),
        expr_names: Sequence[str] = (),
        entry_update: Callable | None = None,
        entry_terms: Callable | None = None,
        batch: Callable | None | _Undeclared = UNDECLARED,
    ) -> None:
        self.name = name
        self.forward = forward
        self.jvp = jvp if variadic else tuple(jvp)
        self.vjp = vjp if variadic else tuple(vjp)
        self.symbol = symbol
        self.infix = infix
        self.partials = tuple(partials) if partials is not None else None
        self.domain = domain
        self.variadic = variadic
        self.kink = kink
        self.listing = listing
        self.hint = hint
        self.ufuncs = tuple(ufuncs)
        self.numpy_names = tuple(numpy_names)
        self.expr_names = tuple(expr_names)
        self.entry_update = entry_update
        self.entry_terms = entry_terms
        self.batch = batch
        self._by_arity: dict[int, tuple] = {}

    def __call__(self, *args: Any, **params: Any) -> Any:
        """Apply the primitive: record it if an argument is traced, else compute it."""
        for a in args:
            if isinstance(a, Traced):
                return a._bind(self, args, params)
        return self.forward(*args, **params)

    @property
    def arity(self) -> int | None:
        """The number of arguments (``None`` for a variadic primitive)."""
        return None if self.variadic else len(self.jvp)

    def jvp_rule(self, argnum: int) -> Callable | None:
        """The JVP rule of argument ``argnum`` (``None``: not differentiable)."""
        rules = self.rules(argnum + 1)[0]
        return rules[argnum] if argnum < len(rules) else None

    def vjp_rule(self, argnum: int) -> Callable | None:
        """The VJP rule of argument ``argnum`` (``None``: not differentiable)."""
        rules = self.rules(argnum + 1)[1]
        return rules[argnum] if argnum < len(rules) else None

    def rules(self, n_args: int) -> tuple[tuple, tuple]:
        """``(jvp rules, vjp rules)`` for a call with ``n_args`` arguments.

        One rule per argument (``None`` where no derivative flows).
        """
        if not self.variadic:
            return self.jvp, self.vjp
        pair = self._by_arity.get(n_args)
        if pair is None:
            pair = self._by_arity[n_args] = (
                tuple(_slot(self.jvp, k) for k in range(n_args)),
                tuple(_slot(self.vjp, k) for k in range(n_args)))
        return pair

    def __repr__(self) -> str:
        return f"<primitive {self.name} '{self.symbol}'>"


def _slot(rule: Callable, argnum: int) -> Callable:
    """A variadic rule bound to one argument number."""
    def bound(*args: Any, **kw: Any) -> Any:
        return rule(argnum, *args, **kw)
    return bound


PRIMITIVES: dict[str, Primitive] = {}
"""Every primitive by name: the single list that tests and the widget's legend read."""

UFUNCS: dict[np.ufunc, Primitive] = {}
"""The numpy ufuncs that have a primitive (from each primitive's ``ufuncs``)."""


def define(name: str, forward: Callable, jvp: Any, vjp: Any, **meta: Any) -> Primitive:
    """Create a primitive and register it in ``PRIMITIVES`` (its ufuncs in ``UFUNCS``).

    Raises:
        ValueError: if a primitive of that name, or one answering to the same ufunc,
            exists already.
    """
    if name in PRIMITIVES:
        raise ValueError(f"primitive {name!r} is defined twice; names must be unique.")
    prim = Primitive(name, forward, jvp, vjp, **meta)
    for u in prim.ufuncs:
        if u in UFUNCS:
            raise ValueError(f"np.{u.__name__} is claimed by both "
                             f"{UFUNCS[u].name!r} and {name!r}; a ufunc maps to one "
                             "primitive.")
    PRIMITIVES[name] = prim
    UFUNCS.update(dict.fromkeys(prim.ufuncs, prim))
    return prim


# --- helpers the rules share ---------------------------------------------------------


def any_true(mask: Any) -> bool:
    """Whether any entry of a boolean mask (an array or a numpy bool) is true."""
    return bool(mask.any()) if isinstance(mask, np.ndarray) else bool(mask)


def scalar_fast(np_fn: Callable, math_fn: Callable) -> Callable:
    """numpy's function, with Python's math for a float64 scalar (10x less overhead).

    Where math refuses (overflow, a domain error), numpy answers, with its inf or nan.
    """
    def forward(x):
        if type(x) is np.float64:
            try:
                return np.float64(math_fn(x))
            except (OverflowError, ValueError):
                pass
        return np_fn(x)
    forward.__name__ = np_fn.__name__
    return forward


def broadcast_hint(shapes: Sequence[tuple[int, ...]], **params: Any) -> str:
    """The fix for operands that don't broadcast (add, mul, maximum, where...)."""
    return ("These shapes don't broadcast: trailing axes must be equal or 1. "
            "Reshape one operand (e.g. b.reshape(1, -1)) or fix the layer sizes.")
