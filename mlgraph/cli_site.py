"""The ``export-site`` and ``lite`` subcommands of ``mlgraph``.

``mlgraph export-site notebooks/ -o site/`` writes a static course site (see
`mlgraph.export.site`); ``mlgraph lite notebooks/ -o lite/`` a JupyterLite site (see
`mlgraph.export.lite`).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from typing import Any


def _command(subparsers: Any, name: str, help: str, description: str,
             default: str) -> argparse.ArgumentParser:
    p = subparsers.add_parser(name, help=help, description=description)
    p.add_argument("source",
                   help="a folder of notebooks (e.g. notebooks/) or one .ipynb")
    p.add_argument("-o", "--output", default=default,
                   help=f"the site's folder (default: {default})")
    return p


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the `export-site` and `lite` subcommands."""
    p = _command(
        subparsers, "export-site",
        "execute a folder of notebooks and write a static course site",
        "Execute every notebook in SOURCE and write pages whose widgets play and whose "
        "formulas render with no kernel and no network, plus an index page with a "
        "screenshot of each (taken with headless Chromium if installed).", "site")
    p.add_argument("--title", default="mlgraph course", help="the index page's heading")
    p.add_argument("--timeout", type=int, default=300, help="seconds one cell may run")
    p.add_argument("--no-thumbnails", action="store_true",
                   help="skip the screenshots (no Chromium needed)")
    p.set_defaults(func=run_site)
    lite = _command(
        subparsers, "lite",
        "build a JupyterLite site (JupyterLab in the browser) with the notebooks",
        "Build a JupyterLite site with the notebooks in SOURCE, the mlgraph wheel, "
        "anywidget and the widget manager; each notebook starts with a `%pip install "
        "mlgraph` cell. Pyodide loads from its CDN at run time.", "lite")
    lite.add_argument("--wheel", action="append", default=[],
                      help="a wheel to bundle instead of building mlgraph from its "
                      "source tree (repeatable)")
    lite.set_defaults(func=run_lite)
    return p


def _fail(command: str, err: Exception) -> int:
    print(f"mlgraph {command}: error: {err}", file=sys.stderr)
    return 1


def run_site(args: argparse.Namespace) -> int:
    """Export the site; exit code 1 if a notebook failed."""
    try:
        from mlgraph.export.site import SiteError, export_site
    except ImportError as err:
        return _fail("export-site", f"{err}. Run `pip install mlgraph[export]`.")
    try:
        export_site(args.source, args.output, title=args.title, timeout=args.timeout,
                    thumbnails=not args.no_thumbnails)
    except (SiteError, FileNotFoundError, FileExistsError) as err:
        return _fail("export-site", err)
    return 0


def run_lite(args: argparse.Namespace) -> int:
    """Build the JupyterLite site; exit code 1 on failure."""
    try:
        from mlgraph.export.lite import build_lite
    except ImportError as err:
        return _fail("lite", f"{err}. Run `pip install mlgraph[export]`.")
    try:
        build_lite(args.source, args.output, wheels=args.wheel)
    except (FileNotFoundError, FileExistsError, RuntimeError,
            subprocess.CalledProcessError) as err:
        return _fail("lite", err)
    return 0
