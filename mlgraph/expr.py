"""Safe parsing of a math expression, ``ln(x1) + x1*x2 - sin(x2)``, into a function.

The text is parsed by Python's ``ast`` module and only a whitelist of node types is
interpreted (numbers, names, + − × ÷ ** @, the functions in `FUNCTIONS`, assignments
that name a value, ``z = x*w + b; sigmoid(z)``, and a final tuple for several outputs);
nothing is ever passed to ``eval``. Numbers are IEEE floats (``1/0`` is ∞). The size
of the input is bounded (characters, digits of a number, terms, nesting), so no text
makes the parser overflow; every error points at the column. Layer 3.
"""

from __future__ import annotations

import ast
import inspect
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import primitives as P
from .context import name
from .primitives import PRIMITIVES

__all__ = ["parse", "ExpressionError", "FUNCTIONS"]

#: The functions an expression may call: every primitive's ``expr_names``.
FUNCTIONS: dict[str, Callable] = {
    name: prim for prim in PRIMITIVES.values() for name in prim.expr_names}
_BINOPS = {ast.Add: P.add, ast.Sub: P.sub, ast.Mult: P.mul,
           ast.Div: P.div, ast.Pow: P.pow, ast.MatMult: P.matmul}
MAX_LENGTH = 2000     # characters of the whole text
MAX_NUMBER = 32       # characters of one number
MAX_TERMS = 200       # numbers and names
MAX_DEPTH = 200       # operations nested in one another


class ExpressionError(ValueError):
    """A bad expression, with the column it went wrong at (1-based)."""

    def __init__(self, text: str, column: int, message: str) -> None:
        self.text, self.column = text, column
        # NOTE: a long text is shown as the 76 characters around the column
        start = max(0, min(column - 39, len(text) - 76))
        shown = text[start:start + 76]
        before = "…" if start > 0 else ""
        after = "…" if start + 76 < len(text) else ""
        caret = " " * (column - 1 - start + len(before)) + "^"
        super().__init__(f"{message} (column {column})\n  {before}{shown}{after}\n  "
                         f"{caret}")


def parse(text: str) -> tuple[Callable, list[str]]:
    """Turn an expression into a function of its variables.

    Args:
        text: e.g. ``"ln(x1) + x1*x2 - sin(x2)"``. Variables are plain names; the
            functions are ``ln log exp sin cos tanh sigmoid relu sqrt abs max``.
            Statements separated by ``;`` may name values (``z = x*w + b;
            sigmoid(z)``: the node of ``z`` is named, as by `mlgraph.name`); the
            last one is the output, or ``y1, y2`` for several outputs.

    Returns:
        ``(f, names)``: ``f`` takes one positional argument per name, in order of first
        appearance, and its parameters carry those names (so graph inputs are labelled).

    Raises:
        ExpressionError: naming what is wrong and the column.

    Example:
        >>> f, names = parse("ln(x1) + x1*x2 - sin(x2)")
        >>> names, round(float(f(2.0, 5.0)), 3)
        (['x1', 'x2'], 11.652)
        >>> f, names = parse("a = w1*x + w0; sin(a), cos(a)")
        >>> names
        ['w1', 'x', 'w0']
    """
    if len(text) > MAX_LENGTH:
        raise ExpressionError(text[:60] + "…", 1, f"the expression is longer than "
                              f"{MAX_LENGTH} characters")
    if not text.strip():
        raise ExpressionError(text, 1, "the expression is empty")
    source = text.replace("^", "**")
    body = _statements(text, source)
    _limits(text, source, body)
    names: list[str] = []
    assigned: set[str] = set()
    for k, stmt in enumerate(body):
        last = k == len(body) - 1
        value = stmt.value
        if last and isinstance(value, ast.Tuple) and not isinstance(stmt, ast.Assign):
            for v in value.elts:
                _check(v, text, names, assigned)
        else:
            _check(value, text, names, assigned)
        if isinstance(stmt, ast.Assign):
            target = stmt.targets[0]
            if target.id in names:
                raise ExpressionError(text, target.col_offset + 1, f"'{target.id}' is "
                                      "an input (used before this); give the value "
                                      "another name")
            assigned.add(target.id)

    def f(*args: Any) -> Any:
        env = dict(zip(names, args, strict=True))
        out = None
        for stmt in body:
            if isinstance(stmt.value, ast.Tuple):
                out = tuple(_eval(v, env) for v in stmt.value.elts)
            else:
                out = _eval(stmt.value, env)
            if isinstance(stmt, ast.Assign):
                out = env[stmt.targets[0].id] = name(out, stmt.targets[0].id)
        return out

    f.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names])
    f.__name__ = "f"
    return f, names


def _statements(text: str, source: str) -> list[ast.stmt]:
    """The statements of the text: expressions, and ``name = expression``."""
    try:
        tree = ast.parse(source, mode="exec")
    except SyntaxError as err:
        stripped = text.rstrip()
        if stripped and stripped[-1] in "+-*/@^(,;=":
            raise ExpressionError(text, len(stripped), f"the expression ends with "
                                  f"'{stripped[-1]}': something is missing after it"
                                  ) from None
        col = min(err.offset or 1, len(text) + 1)
        raise ExpressionError(text, col, f"can't parse this: {err.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError(text, 1, f"the expression nests too deeply to parse; "
                              f"at most {MAX_DEPTH} operations may be nested") from None
    if not tree.body:
        raise ExpressionError(text, 1, "the expression is empty")
    for stmt in tree.body:
        col = stmt.col_offset + 1
        if isinstance(stmt, ast.Assign):
            target = stmt.targets[0]
            if len(stmt.targets) != 1 or not isinstance(target, ast.Name):
                raise ExpressionError(text, col, "only a plain name can be assigned, "
                                      "e.g. z = x*w + b")
            if target.id in FUNCTIONS:
                raise ExpressionError(text, col, f"'{target.id}' is a function; give "
                                      "the value another name")
        elif not isinstance(stmt, ast.Expr):
            raise ExpressionError(text, col, f"{type(stmt).__name__} is not allowed; "
                                  "write expressions, or name = expression, separated "
                                  "by ;")
    if not isinstance(tree.body[-1], (ast.Expr, ast.Assign)):
        raise ExpressionError(text, 1, "the last statement must give the output")
    return tree.body


def _limits(text: str, source: str, body: list[ast.stmt]) -> None:
    """Refuse numbers too long or out of range, too many terms, too deep a nesting.

    Iterative (``ast.walk`` and an explicit stack), so it can't overflow the stack.
    """
    nodes = [n for stmt in body for n in ast.walk(stmt)]
    for node in nodes:
        if isinstance(node, ast.Constant):
            _check_number(text, source, node)
    terms = sorted((n for n in nodes if isinstance(n, (ast.Constant, ast.Name))),
                   key=lambda n: (n.lineno, n.col_offset))
    if len(terms) > MAX_TERMS:
        raise ExpressionError(text, terms[MAX_TERMS].col_offset + 1, f"the expression "
                              f"has {len(terms)} terms (numbers and names); at most "
                              f"{MAX_TERMS} are allowed")
    stack = [(stmt, 0) for stmt in body]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Call)):
            depth += 1
            if depth > MAX_DEPTH:
                raise ExpressionError(text, node.col_offset + 1, f"the expression "
                                      f"nests more than {MAX_DEPTH} operations in one "
                                      "another")
        stack.extend((child, depth) for child in ast.iter_child_nodes(node))


def _check_number(text: str, source: str, node: ast.Constant) -> None:
    col = node.col_offset + 1
    if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
        return                                   # _check says what is wrong
    written = ast.get_source_segment(source, node) or str(node.value)
    if len(written) > MAX_NUMBER:
        raise ExpressionError(text, col, f"the number {written[:12]}… has "
                              f"{len(written)} characters; numbers may have at most "
                              f"{MAX_NUMBER}")
    try:
        value = float(node.value)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        raise ExpressionError(text, col, f"the number {written} is beyond the range "
                              "of a float (about ±1.8e308)")


def _check(node: ast.AST, text: str, names: list[str], assigned: set[str]) -> None:
    col = getattr(node, "col_offset", 0) + 1
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ExpressionError(text, col, f"only numbers can be constants, not "
                                  f"{node.value!r}")
    elif isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise ExpressionError(text, col, f"'{node.id}' is a function; call it, "
                                  f"e.g. {node.id}(x1)")
        if node.id not in names and node.id not in assigned:
            names.append(node.id)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            raise ExpressionError(text, col, f"the operator {type(node.op).__name__} "
                                  "is not supported; use + - * / ** @")
        _check(node.left, text, names, assigned)
        _check(node.right, text, names, assigned)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise ExpressionError(text, col, "only unary + and - are supported")
        _check(node.operand, text, names, assigned)
    elif isinstance(node, ast.Call):
        _check_call(node, text, names, assigned)
    else:
        raise ExpressionError(text, col, f"{type(node).__name__} is not allowed in an "
                              "expression; use numbers, variables, + - * / ** and "
                              "functions such as ln(x)")


def _check_call(node: ast.Call, text: str, names: list[str], assigned: set[str]
                ) -> None:
    col = node.col_offset + 1
    fname = getattr(node.func, "id", None)
    if fname not in FUNCTIONS:
        shown = fname or ast.get_source_segment(text, node.func) or "this"
        raise ExpressionError(text, col, f"unknown function '{shown}'; known: "
                              f"{', '.join(sorted(FUNCTIONS))}")
    if node.keywords:
        raise ExpressionError(text, col, f"{fname}() takes no keyword arguments")
    want = FUNCTIONS[fname].arity
    if len(node.args) != want:
        raise ExpressionError(text, col, f"{fname}() takes {want} argument"
                              f"{'s' * (want > 1)}, got {len(node.args)}")
    for a in node.args:
        _check(a, text, names, assigned)


def _eval(node: ast.AST, env: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        # NOTE: numpy floats, not Python's: 1/0 is ∞ (IEEE), not ZeroDivisionError
        return np.float64(node.value)
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.BinOp):
        return _BINOPS[type(node.op)](_eval(node.left, env), _eval(node.right, env))
    if isinstance(node, ast.UnaryOp):
        x = _eval(node.operand, env)
        return P.neg(x) if isinstance(node.op, ast.USub) else x
    if isinstance(node, ast.Call):
        return FUNCTIONS[node.func.id](*[_eval(a, env) for a in node.args])
    raise AssertionError(f"unchecked node {type(node).__name__}")  # _check rejects it
