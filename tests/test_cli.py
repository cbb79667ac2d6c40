"""The CLI, through a real subprocess: tables, JSON events, and errors at the column."""

import json
import subprocess
import sys

import mlgraph as mg
from mlgraph.expr import ExpressionError, parse

EXPR = "ln(x1) + x1*x2 - sin(x2)"


def cli(*args):
    return subprocess.run([sys.executable, "-m", "mlgraph", *args],
                          capture_output=True, text=True, timeout=120)


def test_trace_prints_the_lecture_tables():
    out = cli("trace", EXPR, "--at", "x1=2,x2=5", "--mode", "reverse")
    assert out.returncode == 0, out.stderr
    assert "v6 = v5 − v4 = 10.693 − (−0.9589) = 11.652" in out.stdout
    assert "v̄1 = v̄3·v0 + v̄4·cos(v1) = 1·2 + (−1)·0.2837 = 1.716" in out.stdout
    out = cli("trace", EXPR, "--at", "x1=2,x2=5", "--mode", "forward:x1")
    assert "v̇2 = v̇0·(1/v0) = 1·0.5 = 0.5" in out.stdout


def test_trace_json_events_equal_the_engines():
    out = cli("trace", EXPR, "--at", "x1=2,x2=5", "--mode", "reverse", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    g = mg.trace(parse(EXPR)[0], 2.0, 5.0)
    assert data["events"] == [e.to_json() for e in mg.run(g, "reverse")]
    assert data["graph"] == g.to_json()


def test_bad_expression_points_at_the_column():
    out = cli("trace", "ln(x1) + x1*x2 - foo(x2)", "--at", "x1=2,x2=5")
    assert out.returncode == 2
    assert "unknown function 'foo'" in out.stderr and "(column 18)" in out.stderr
    assert "\n  " + " " * 17 + "^" in out.stderr


def test_missing_values_and_bad_at():
    out = cli("trace", EXPR, "--at", "x1=2")
    assert out.returncode == 2 and "no value for x2" in out.stderr
    out = cli("trace", EXPR, "--at", "x1:2")
    assert out.returncode == 2 and "name=value" in out.stderr


def test_parser_refuses_anything_but_math():
    for text, col in [("__import__('os').system('x')", 1), ("x1.real", 1),
                      ("[x for x in y]", 1), ("x1 if x2 else x1", 1), ("x1 +", 4)]:
        try:
            parse(text)
        except ExpressionError as err:
            assert err.column == col, (text, err)
        else:
            raise AssertionError(f"{text!r} was accepted")


def test_parsed_function_is_traceable_with_names():
    f, names = parse("x**2 + 3*y")
    g = mg.trace(f, 2.0, 1.0)
    assert names == ["x", "y"] and [g.nodes[i].label for i in g.inputs] == ["x", "y"]
    assert float(g.nodes[g.output].value) == 7.0
