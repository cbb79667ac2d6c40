"""`mlgraph export-site notebooks/ -o site/`: the course site (see mlgraph.export.site)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the `export-site` subcommand."""
    p = subparsers.add_parser(
        "export-site",
        help="execute a folder of notebooks and write a static course site",
        description="Execute every notebook in SOURCE and write pages whose widgets "
        "play and whose formulas render with no kernel and no network, plus an index "
        "page with a screenshot of each (taken with headless Chromium if installed).",
    )
    p.add_argument("source", help="a folder of notebooks (e.g. notebooks/) or one .ipynb")
    p.add_argument("-o", "--output", default="site", help="the site's folder (default: site)")
    p.add_argument("--title", default="mlgraph course", help="the index page's heading")
    p.add_argument("--timeout", type=int, default=300, help="seconds one cell may run")
    p.add_argument("--no-thumbnails", action="store_true",
                   help="skip the screenshots (no Chromium needed)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Export the site; exit code 1 if a notebook failed."""
    from mlgraph.export.site import SiteError, export_site

    try:
        export_site(args.source, args.output, title=args.title, timeout=args.timeout,
                    thumbnails=not args.no_thumbnails)
    except (SiteError, FileNotFoundError, FileExistsError) as err:
        print(f"mlgraph export-site: error: {err}", file=sys.stderr)
        return 1
    return 0
