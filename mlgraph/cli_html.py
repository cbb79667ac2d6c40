"""`mlgraph html EXPR --at x1=2,x2=5 --mode reverse -o page.html`.

Writes a self-contained page that animates the sweeps with no kernel and no network.
"""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the `html` subcommand."""
    p = subparsers.add_parser(
        "html",
        help="write a self-contained HTML page animating the sweeps of an expression",
        description="Trace EXPR at the given point and write a page that plays with no "
        "kernel and no network.",
    )
    p.add_argument("expr", help="the expression, e.g. 'log(x1) + x1*x2 - sin(x2)'")
    p.add_argument("--at", default="", help="input values, e.g. x1=2,x2=5")
    p.add_argument(
        "--mode",
        default="reverse",
        help="mode shown first: eval, forward:<input> or reverse (default: reverse)",
    )
    p.add_argument("-o", "--output", default="mlgraph.html", help="output file")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Trace, build the widget state and write the page. Returns the exit code."""
    import mlgraph
    from mlgraph.cli import inputs_for
    from mlgraph.expr import parse
    from mlgraph.widget import GraphWidget

    f, names = parse(args.expr)
    values = inputs_for(names, args.at)  # ValueError -> exit code 2, said by cli.main
    graph = mlgraph.trace(f, **values)
    widget = GraphWidget.from_graph(graph, mode=args.mode)
    path = widget.save_html(args.output, title=f"mlgraph: {args.expr}")
    print(f"wrote {path} ({path.stat().st_size // 1024} KB, {len(graph.nodes)} nodes)")
    return 0
