"""Safe parsing of a math expression, ``ln(x1) + x1*x2 - sin(x2)``, into a function.

The text is parsed by Python's ``ast`` module and only a whitelist of node types is
interpreted (numbers, names, + − × ÷ ** @, and the functions in `FUNCTIONS`); nothing
is ever passed to ``eval``. Errors point at the column. Layer 3.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from typing import Any

from . import primitives as P
from .primitives import PRIMITIVES

__all__ = ["parse", "ExpressionError", "FUNCTIONS"]

#: The functions an expression may call: every primitive's ``expr_names``.
FUNCTIONS: dict[str, Callable] = {
    name: prim for prim in PRIMITIVES.values() for name in prim.expr_names}
_BINOPS = {ast.Add: P.add, ast.Sub: P.sub, ast.Mult: P.mul,
           ast.Div: P.div, ast.Pow: P.pow, ast.MatMult: P.matmul}
MAX_LENGTH = 2000


class ExpressionError(ValueError):
    """A bad expression, with the column it went wrong at (1-based)."""

    def __init__(self, text: str, column: int, message: str) -> None:
        self.text, self.column = text, column
        caret = " " * (column - 1) + "^"
        super().__init__(f"{message} (column {column})\n  {text}\n  {caret}")


def parse(text: str) -> tuple[Callable, list[str]]:
    """Turn an expression into a function of its variables.

    Args:
        text: e.g. ``"ln(x1) + x1*x2 - sin(x2)"``. Variables are plain names; the
            functions are ``ln log exp sin cos tanh sigmoid relu sqrt abs max``.

    Returns:
        ``(f, names)``: ``f`` takes one positional argument per name, in order of first
        appearance, and its parameters carry those names (so graph inputs are labelled).

    Raises:
        ExpressionError: naming what is wrong and the column.

    Example:
        >>> f, names = parse("ln(x1) + x1*x2 - sin(x2)")
        >>> names, round(float(f(2.0, 5.0)), 3)
        (['x1', 'x2'], 11.652)
    """
    if len(text) > MAX_LENGTH:
        raise ExpressionError(text[:60] + "…", 1, f"the expression is longer than "
                              f"{MAX_LENGTH} characters")
    if not text.strip():
        raise ExpressionError(text, 1, "the expression is empty")
    try:
        tree = ast.parse(text.replace("^", "**"), mode="eval")
    except SyntaxError as err:
        stripped = text.rstrip()
        if stripped and stripped[-1] in "+-*/@^(,":
            raise ExpressionError(text, len(stripped), f"the expression ends with "
                                  f"'{stripped[-1]}': something is missing after it"
                                  ) from None
        col = min(err.offset or 1, len(text) + 1)
        raise ExpressionError(text, col, f"can't parse this: {err.msg}") from None
    names: list[str] = []
    _check(tree.body, text, names)

    def f(*args: Any) -> Any:
        env = dict(zip(names, args, strict=True))
        return _eval(tree.body, env)

    f.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names])
    f.__name__ = "f"
    return f, names


def _check(node: ast.AST, text: str, names: list[str]) -> None:
    col = getattr(node, "col_offset", 0) + 1
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ExpressionError(text, col, f"only numbers can be constants, not "
                                  f"{node.value!r}")
    elif isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise ExpressionError(text, col, f"'{node.id}' is a function; call it, "
                                  f"e.g. {node.id}(x1)")
        if node.id not in names:
            names.append(node.id)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            raise ExpressionError(text, col, f"the operator {type(node.op).__name__} "
                                  "is not supported; use + - * / ** @")
        _check(node.left, text, names)
        _check(node.right, text, names)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise ExpressionError(text, col, "only unary + and - are supported")
        _check(node.operand, text, names)
    elif isinstance(node, ast.Call):
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
            _check(a, text, names)
    else:
        raise ExpressionError(text, col, f"{type(node).__name__} is not allowed in an "
                              "expression; use numbers, variables, + - * / ** and "
                              "functions such as ln(x)")


def _eval(node: ast.AST, env: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return float(node.value)
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
