"""Symbolic differentiation of a traced graph: the derivative as one formula.

`expression` writes a node as a formula of the inputs; `derivative` applies the sum,
product and chain rules with each primitive's local derivative as text (its
``partials``), substituting every intermediate value by its formula, as symbolic
differentiation does: a value used twice is written out twice (expression swell).
`cost` sets the sizes of those formulas beside the trace's fixed cost. Scalar graphs
only. Layer 3: numpy and the graph; no UI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .graph import Graph, listing_text

__all__ = ["Expr", "Cost", "expression", "derivative", "cost"]

_PLACEHOLDER = re.compile(r"\{(\d+|out)\}")


@dataclass(frozen=True)
class Expr:
    """A formula written out in full, with its size and its value at the traced point.

    Attributes:
        text: the formula, e.g. ``1/x1 + x2``.
        size: its elementary operations when written out: each primitive, each local
            derivative, each + and × of the chain rule counts one; nothing is shared.
        value: its value at the point the graph was traced at.
    """

    text: str
    size: int
    value: float

    def __str__(self) -> str:
        return self.text

    @property
    def prec(self) -> int:
        """How tightly the text binds: 0 a sum, 1 a product or quotient, 2 an atom."""
        return _prec(self.text)


@dataclass(frozen=True)
class Cost:
    """What one derivative costs written out symbolically and as a trace.

    Attributes:
        nodes: the graph's nodes (inputs and constants included).
        edges: its edges: one local derivative each in a sweep.
        expression: the size of f written out as one formula.
        derivative: the size of ∂f/∂x written out as one formula.
        trace: the operations of an evaluation and a reverse sweep: one per operation
            node and one local derivative per edge, each intermediate value computed
            once and reused.
    """

    nodes: int
    edges: int
    expression: int
    derivative: int
    trace: int


ZERO, ONE = Expr("0", 0, 0.0), Expr("1", 0, 1.0)


def expression(g: Graph, node: int | None = None) -> Expr:
    """Node ``node`` (default: the output) written as one formula of the inputs.

    Example:
        >>> import mlgraph as mg
        >>> g = mg.trace(lambda x1, x2: mg.log(x1) + x1 * x2 - mg.sin(x2), 2.0, 5.0)
        >>> print(expression(g))
        ln(x1) + x1 × x2 − sin(x2)
    """
    return _expressions(g)[g.output if node is None else node]


def derivative(g: Graph, wrt: int | str = 0) -> Expr:
    """∂y/∂x by symbolic differentiation: the output's derivative as one formula.

    Forward through the graph, each node's derivative is the sum over its arguments of
    the local derivative (the primitive's ``partials`` text, the arguments written out)
    times the argument's derivative. Only x·1 = x, x·0 = 0 and x + 0 = x are
    simplified, so what a formula shares is repeated.

    Args:
        g: a traced graph with one scalar output and scalar nodes.
        wrt: the input, by its position among f's arguments or its name.

    Returns:
        The derivative as an `Expr` (its value is the engine's ∂y/∂x at the point).

    Raises:
        ValueError: if a node is not a scalar.
        NotImplementedError: if a primitive has no local derivative as text.

    Example:
        >>> import mlgraph as mg
        >>> g = mg.trace(lambda x1, x2: mg.log(x1) + x1 * x2 - mg.sin(x2), 2.0, 5.0)
        >>> d = derivative(g, "x1")
        >>> print(d)
        1/x1 + x2
        >>> round(d.value, 4)
        5.5
    """
    x = g.inputs[wrt] if isinstance(wrt, int) else g.inputs[g.input_index(wrt)]
    exprs = _expressions(g)
    d: list[Expr] = []
    for i, prim in enumerate(g.prims):
        if prim is None:
            d.append(ONE if i == x else ZERO)
            continue
        terms = []
        for k, j in enumerate(g.args[i]):
            if d[j] is ZERO:
                continue
            local = _local(g, exprs, i, k)
            if local is not ZERO:
                terms.append(_times(local, d[j]))
        d.append(_sum(terms))
    return d[g.output]


def cost(g: Graph, wrt: int | str = 0) -> Cost:
    """The sizes of f and ∂f/∂x written out, beside the trace's fixed cost.

    Example:
        >>> import mlgraph as mg
        >>> def f(x):
        ...     s = mg.sin(x)
        ...     return s * s
        >>> c = cost(mg.trace(f, 1.0))
        >>> c.expression, c.derivative, c.trace
        (3, 7, 5)
    """
    n_ops = sum(p is not None for p in g.prims)
    return Cost(nodes=len(g), edges=len(g.edges), expression=expression(g).size,
                derivative=derivative(g, wrt).size, trace=n_ops + len(g.edges))


def _expressions(g: Graph) -> list[Expr]:
    exprs: list[Expr] = []
    for i, prim in enumerate(g.prims):
        value = g.values[i]
        if np.ndim(value) != 0:
            raise ValueError(f"symbolic differentiation here writes scalar formulas, "
                             f"but node v{i} ({g.labels[i]}) has shape "
                             f"{np.shape(value)}. Trace f at scalar arguments.")
        if prim is None:
            exprs.append(Expr(g.labels[i], 0, float(value)))
            continue
        args = [exprs[j] for j in g.args[i]]
        slots = [f"{{{k}}}" for k in range(len(args))]
        text = _fill(listing_text(prim, slots, g.params[i]), args, None)
        exprs.append(Expr(text, 1 + sum(a.size for a in args), float(value)))
    return exprs


def _local(g: Graph, exprs: list[Expr], i: int, k: int) -> Expr:
    """∂v_i/∂(argument k) as the primitive's text with the arguments written out."""
    prim = g.prims[i]
    if prim.partials is None or k >= len(prim.partials):
        raise NotImplementedError(
            f"primitive {prim.name!r} (node v{i}) has no local derivative as text, so "
            "it cannot be differentiated symbolically. Add `partials` to its block in "
            "mlgraph/primitives/.")
    template = prim.partials[k]
    part = g.local_jvp(i, k, np.float64(1.0))
    value = 0.0 if part is None else float(part)
    if template in ("0", "1"):
        return ZERO if template == "0" else ONE
    args = [exprs[j] for j in g.args[i]]
    filled = [exprs[i] if m.group(1) == "out" else args[int(m.group(1))]
              for m in _PLACEHOLDER.finditer(template)]
    # NOTE: a template that is one placeholder ({1} of ×) adds no operation
    size = (not _PLACEHOLDER.fullmatch(template)) + sum(e.size for e in filled)
    return Expr(_fill(template, args, exprs[i]), size, value)


def _times(a: Expr, b: Expr) -> Expr:
    if a is ONE:
        return b
    if b is ONE:
        return a
    if b.text == "−1":
        a, b = b, a
    if a.text == "−1":
        if b.text.startswith("−") and b.prec == 1:          # −(−u) = u
            return Expr(b.text[1:], b.size - 1, -b.value)
        return Expr(f"−{_operand(b)}", b.size + 1, -b.value)
    return Expr(f"{_operand(a, 1)}·{_operand(b)}", a.size + b.size + 1,
                a.value * b.value)


def _sum(terms: list[Expr]) -> Expr:
    if len(terms) < 2:
        return terms[0] if terms else ZERO
    text = terms[0].text
    for t in terms[1:]:
        # NOTE: a − b·c, never a + −b·c: a leading − binds to the whole term
        text += f" − {t.text[1:]}" if t.text.startswith("−") else f" + {t.text}"
    return Expr(text, sum(t.size for t in terms) + len(terms) - 1,
                sum(t.value for t in terms))


def _operand(e: Expr, need: int = 2) -> str:
    return e.text if e.prec >= need else f"({e.text})"


def _fill(template: str, args: list[Expr], out: Expr | None) -> str:
    """The template with its placeholders replaced, parenthesised where needed."""

    def one(m: re.Match) -> str:
        e = out if m.group(1) == "out" else args[int(m.group(1))]
        head = template[:m.start()].rstrip()
        before, after = head[-1:], template[m.end():].lstrip()[:1]
        if before in ("(", ",") and after in (")", ","):
            return e.text                                  # a function's argument
        unary = before == "−" and (head == "−" or head.endswith("(−"))
        if unary or before in ("/", "÷", "^", "×", "·", "@") or after in (
                "^", "²", "(", "ᵀ", "["):
            return _operand(e, 2)
        if before == "−" or after in ("×", "·", "÷", "/", "@"):
            return _operand(e, 1)
        return e.text

    return _PLACEHOLDER.sub(one, template)


def _prec(text: str) -> int:
    """How tightly ``text`` binds, from what stands outside its parentheses.

    0 if a + or a binary − does, else 1 if × ÷ · / @ ^ or a leading − does, else 2.
    """
    depth, prec = 0, 2
    for n, c in enumerate(text):
        depth += {"(": 1, ")": -1, "[": 1, "]": -1}.get(c, 0)
        if depth:
            continue
        if c in "+−-" and n > 0:
            return 0
        if c in "×÷·/@^−-":
            prec = 1
    return prec
