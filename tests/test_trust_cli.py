"""Defect 8 of issue 8: the command line never shows a traceback. Bad expressions get
exit code 2 and a message pointing at the column; the size of an expression is bounded;
numbers are IEEE floats (1/0 is ∞, shown as data). Also: names in expressions."""

import subprocess
import sys

import numpy as np
import pytest

import mlgraph as mg
from mlgraph.cli import main
from mlgraph.expr import MAX_DEPTH, MAX_NUMBER, MAX_TERMS, ExpressionError, parse


def run_cli(capsys, *args):
    code = main(["trace", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def subprocess_cli(*args):
    return subprocess.run([sys.executable, "-m", "mlgraph", "trace", *args],
                          capture_output=True, text=True, timeout=120)


# the reproducers of the issue, through a real process ----------------------------------

@pytest.mark.parametrize("expr,at,column,message", [
    ("1" * 400, None, 1, "has 400 characters; numbers may have at most 32"),
    ("+".join(["x"] * 999), "x=1", 2 * MAX_TERMS + 1, "999 terms"),
    ("-" * 1990 + "x", "x=1", MAX_DEPTH + 1, "nests more than 200 operations"),
], ids=["400-digit literal", "999 terms", "1990 unary minuses"])
def test_defect08_the_issues_reproducers_exit_2_at_the_column(expr, at, column, message):
    args = ["--at", at, "--", expr] if at else [expr]
    out = subprocess_cli(*args)
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    assert message in out.stderr and f"(column {column})" in out.stderr
    caret = out.stderr.rstrip("\n").splitlines()[-1]
    shown = out.stderr.rstrip("\n").splitlines()[-2]
    assert len(shown) <= 2 + 78 and caret.strip() == "^"


def test_defect08_one_over_zero_is_infinity_not_a_traceback():
    out = subprocess_cli("1/0")
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    assert "∞" in out.stdout and not out.stderr
    out = subprocess_cli("x/0 + ln(x - 1)", "--at", "x=1")
    assert out.returncode == 0 and not out.stderr.startswith("Traceback"), out.stderr
    assert "= ∞" in out.stdout and "−∞" in out.stdout


# a zoo of hostile expressions, in process (main() is the whole command) --------------

HOSTILE = [
    ("__import__('os').system('echo hi')", 1, "unknown function"),
    ("x.__class__", 1, "Attribute is not allowed"),
    ("lambda: 0", 1, "Lambda is not allowed"),
    ("[1, 2]", 1, "List is not allowed"),
    ("x if x else 1", 1, "IfExp is not allowed"),
    ("'s' + x", 1, "only numbers can be constants"),
    ("True + x", 1, "only numbers can be constants"),
    ("1e999 * x", 1, "beyond the range of a float"),
    ("x + " + "9" * (MAX_NUMBER + 1), 5, "numbers may have at most"),
    ("(" * 300 + "x" + ")" * 300, None, "too many nested parentheses"),
    ("ln(x, x)", 1, "takes 1 argument"),
    ("max(x)", 1, "takes 2 arguments"),
    ("ln(x=1)", 1, "takes no keyword arguments"),
    ("ln + x", 1, "is a function; call it"),
    ("x +", 3, "something is missing after it"),
    ("x = ; 1", None, "can't parse this"),
    ("import os", 1, "Import is not allowed"),
    ("x; y = x; x = 2", 11, "'x' is an input"),
    ("ln = x; ln", 1, "is a function; give the value another name"),
    ("x[0] = 1; x", 1, "only a plain name can be assigned"),
    ("", 1, "empty"),
    ("   ", 1, "empty"),
    ("x @ x", None, "matmul"),
    ("x ** 2 ** 2 ** 2 ** 2 ** 2 ** 2", None, None),      # fine: a finite number
    ("x * " * 600 + "x", 1, "longer than 2000 characters"),
]


@pytest.mark.parametrize("expr,column,message", HOSTILE, ids=range(len(HOSTILE)))
def test_defect08_hostile_expressions_never_show_a_traceback(capsys, expr, column,
                                                             message):
    code, out, err = run_cli(capsys, "--at", "x=1.5", "--", expr)
    if message is None:
        assert code == 0 and not err
        return
    assert code == 2, (out, err)
    assert message in err
    if column is not None:
        assert f"(column {column})" in err


def test_defect08_limits_are_tested_from_both_sides():
    parse("+".join(["x"] * MAX_TERMS))                 # at the limit: fine
    with pytest.raises(ExpressionError, match="201 terms"):
        parse("+".join(["x"] * (MAX_TERMS + 1)))
    parse("-" * (MAX_DEPTH - 1) + "x")
    with pytest.raises(ExpressionError, match="nests more than"):
        parse("-" * (MAX_DEPTH + 1) + "x")
    f, _ = parse("-" * (MAX_DEPTH - 1) + "x")
    assert mg.grad(f)(2.0) == -1.0                      # and it differentiates


def test_defect08_an_internal_error_is_one_line_not_a_traceback(capsys, monkeypatch):
    import mlgraph.expr

    def broken(text):
        raise KeyError("boom")
    monkeypatch.setattr(mlgraph.expr, "parse", broken)
    assert main(["trace", "x", "--at", "x=1"]) == 1
    err = capsys.readouterr().err
    assert "internal error (KeyError: 'boom')" in err and "Traceback" not in err
    monkeypatch.setenv("MLGRAPH_TRACEBACK", "1")
    with pytest.raises(KeyError):
        main(["trace", "x", "--at", "x=1"])


# names in expressions and on the command line -----------------------------------------

def test_names_in_an_expression_show_in_the_cli(capsys):
    code, out, err = run_cli(capsys, "z = x1*x2; h = ln(z) + z; h", "--at", "x1=2,x2=5")
    assert code == 0, err
    assert "(z) = v0 × v1" in out and "(h) = " in out
    assert "v̄2 (z) = " in out


def test_several_outputs_on_the_command_line(capsys):
    code, out, err = run_cli(capsys, "a = w1*x + w0; sin(a), cos(a)", "--at",
                             "w1=1.5,x=2,w0=0.5", "--mode", "forward:w1")
    assert code == 0, err
    assert "= −1.873" in out and "= 0.7016" in out and "y2 = v" in out
    code, out, err = run_cli(capsys, "a = w1*x + w0; sin(a), cos(a)", "--at",
                             "w1=1.5,x=2,w0=0.5")
    assert code == 0 and "ȳ1 = 1" in out               # reverse from the first output
    f, names = parse("a = w1*x + w0; sin(a), cos(a)")
    y1, y2 = f(1.5, 2.0, 0.5)
    assert (y1, y2) == pytest.approx((np.sin(3.5), np.cos(3.5)))
