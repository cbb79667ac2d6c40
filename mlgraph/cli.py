"""The ``mlgraph`` command line: ``trace``, ``html`` and ``train`` subcommands.

``mlgraph trace "ln(x1) + x1*x2 - sin(x2)" --at x1=2,x2=5 --mode reverse`` prints the
graph and the lecture's trace tables (or, with ``--json``, the graph and its events).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["main", "parse_at", "inputs_for"]

# Subcommands living in their own modules, each with add_parser(subparsers).
_SUBCOMMANDS = ("cli_html", "cli_train", "cli_site", "grading.cli_grade",
                "grading.cli_bundle", "cli_surface")


def parse_at(text: str) -> dict[str, float]:
    """``"x1=2,x2=5"`` → ``{"x1": 2.0, "x2": 5.0}``.

    Raises:
        ValueError: naming the malformed part and showing the expected form.
    """
    values: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        try:
            if not sep or not name.strip():
                raise ValueError
            values[name.strip()] = float(value)
        except ValueError:
            raise ValueError(f"--at needs name=value pairs separated by commas, got "
                             f"{part!r}. Write e.g. --at x1=2,x2=5.") from None
    return values


def inputs_for(names: list[str], at: str) -> dict[str, float]:
    """The values of an expression's inputs from ``--at``, in the expression's order.

    Raises:
        ValueError: if an input is missing or an unknown one is given.
    """
    values = parse_at(at)
    missing = [n for n in names if n not in values]
    extra = [n for n in values if n not in names]
    if extra and not names:
        raise ValueError(f"the expression has no inputs, so {', '.join(extra)} is not "
                         "one of them: leave out --at.")
    if missing or extra:
        problem = (f"no value for {', '.join(missing)}" if missing
                   else f"{', '.join(extra)} is not in the expression")
        raise ValueError(f"{problem}: the expression's inputs are {', '.join(names)}. "
                         f"Write e.g. --at {','.join(f'{n}=1' for n in names)}.")
    return {n: values[n] for n in names}


def _add_trace(sub: Any) -> None:
    p = sub.add_parser("trace", help="print an expression's graph and trace tables",
                       description="Trace EXPR at a point and print the lecture's "
                       "trace tables for one mode, or its events as JSON.")
    p.add_argument("expr", help="e.g. 'ln(x1) + x1*x2 - sin(x2)'")
    p.add_argument("--at", default="", help="input values, e.g. x1=2,x2=5")
    p.add_argument("--mode", default=None,
                   help="eval, forward:<input> (e.g. forward:x1, forward:w[1]) or "
                   "reverse (default; reverse:y2 for one of several outputs)")
    p.add_argument("--json", action="store_true", help="print graph and events as JSON")
    p.set_defaults(func=_run_trace)


def _run_trace(args: argparse.Namespace) -> int:
    import numpy as np

    import mlgraph
    from mlgraph.expr import parse
    from mlgraph.plain import jsonable

    f, names = parse(args.expr)
    values = inputs_for(names, args.at)
    mode = mlgraph.events.Mode.parse(args.mode or "reverse")    # typos before tracing
    # NOTE: ±∞ and NaN are numbers to show (1/0 = ∞), not warnings to print
    with np.errstate(all="ignore"):
        g = mlgraph.trace(f, **values)
        if args.mode is None and len(g.outputs) > 1:
            mode = mlgraph.events.Mode("reverse", g.output_names[0])
        mode = mlgraph.modes.resolve_mode(g, mode)
        events = mlgraph.run(g, mode)
    table = mlgraph.trace_table(g, events, wrt=str(mode).partition(":")[2] or None)
    if args.json:
        json.dump({"expr": args.expr, "mode": str(mode), "inputs": jsonable(values),
                   "graph": g.to_json(), "events": [e.to_json() for e in events],
                   "table": table.to_json()}, sys.stdout, ensure_ascii=False,
                  allow_nan=False)
        print()
        return 0
    at = ", ".join(f"{k} = {v:g}" for k, v in values.items())
    print(f"y = {args.expr}   at {at}")
    print()
    print(g)
    print()
    print(table)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="mlgraph", description="Computation graphs and autodiff, step by step.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_trace(sub)
    for name in _SUBCOMMANDS:
        importlib.import_module(f"mlgraph.{name}").add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for bad input).

    No input makes it print a traceback: bad input is reported in one message with exit
    code 2, anything else as an internal error with exit code 1 (the traceback is
    printed when the environment variable ``MLGRAPH_TRACEBACK`` is set).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError, ArithmeticError) as err:
        print(f"mlgraph {args.command}: error: {err}", file=sys.stderr)
        return 2
    except Exception as err:  # noqa: BLE001 - the one place that keeps tracebacks out
        if os.environ.get("MLGRAPH_TRACEBACK"):
            raise
        print(f"mlgraph {args.command}: internal error ({type(err).__name__}: {err}). "
              "Please report it; set MLGRAPH_TRACEBACK=1 to see where it happened.",
              file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
