"""Gradescope: the autograder bundle, and the entry point it runs in the container.

``write_bundle(assignment, "autograder.zip")`` writes ``setup.sh`` (installs the pinned
requirements), ``run_autograder`` (grades the one submission in
``$AUTOGRADER_ROOT/submission`` and writes ``$AUTOGRADER_ROOT/results/results.json``),
``requirements.txt`` and a copy of mlgraph's code. ``AUTOGRADER_ROOT`` defaults to
Gradescope's ``/autograder``; tests point it elsewhere.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

from .batch import grade_batch
from .spec import SHIPPED, load

__all__ = ["write_bundle", "main"]

_RUN = """#!/usr/bin/env bash
# Gradescope runs this as root in the autograder's container. It grades the one
# submission with mlgraph's sandbox (as an unprivileged uid) and writes results.json.
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PY="${{MLGRAPH_PYTHON:-python3}}"
# nobody but root may read the grader's code and the assignment
chmod -R go-rwx "$ROOT/source" 2>/dev/null || true
cd "$ROOT/source"
PYTHONPATH="$ROOT/source" exec "$PY" -m mlgraph.grading.gradescope \\
  --root "$ROOT" {assignment}
"""

_SETUP = """#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder's image.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v python3 >/dev/null; then
  apt-get update -qq && apt-get install -y -qq python3 python3-pip
fi
python3 -m pip install --no-cache-dir -r requirements.txt
"""


def _requirements() -> str:
    pins = [f"{name}=={metadata.version(name)}" for name in ("numpy", "tqdm")]
    return "# the versions the assignment was prepared with\n" + "\n".join(pins) + "\n"


def write_bundle(assignment: str, output: str | os.PathLike) -> Path:
    """Write the Gradescope autograder .zip for ``assignment``; returns its path."""
    a = load(assignment)
    package = Path(__file__).resolve().parent.parent
    out = Path(output)
    arg = a.name if assignment in SHIPPED else "assignment.py"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in (("run_autograder", _RUN.format(assignment=arg)),
                           ("setup.sh", _SETUP), ("requirements.txt", _requirements())):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text)
        for f in sorted(package.rglob("*")):
            rel = f.relative_to(package.parent)
            if (f.is_file() and "__pycache__" not in rel.parts
                    and rel.parts[1] != "static"):
                z.write(f, str(rel))
        if assignment not in SHIPPED:
            z.write(a.source_file, "assignment.py")
    return out


def _the_submission(folder: Path) -> Path | None:
    files = sorted(p for p in folder.rglob("*") if p.suffix in (".ipynb", ".py")
                   and ".ipynb_checkpoints" not in p.parts)
    notebooks = [p for p in files if p.suffix == ".ipynb"]
    return (notebooks or files or [None])[0]


def main(argv: list[str] | None = None) -> int:
    """Grade ``ROOT/submission``'s .ipynb (else .py) into ``ROOT/results/``."""
    ap = argparse.ArgumentParser(prog="python -m mlgraph.grading.gradescope")
    ap.add_argument("assignment")
    ap.add_argument("--root", default=os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    args = ap.parse_args(argv)
    root = Path(args.root)
    results = root / "results"
    results.mkdir(parents=True, exist_ok=True)
    sub = _the_submission(root / "submission")
    if sub is None:
        payload = {"score": 0.0, "output": "No .ipynb or .py file was found in your "
                   "submission.", "visibility": "visible", "tests": []}
    else:
        with tempfile.TemporaryDirectory() as tmp:
            pairs = grade_batch(args.assignment, [str(sub)], tmp, jobs=1,
                                progress=False)
            payload = json.loads((Path(tmp) / pairs[0][1].submission /
                                  "results.json").read_text())
            shutil.copy(Path(tmp) / pairs[0][1].submission / "feedback.html",
                        results / "feedback.html")
    text = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    (results / "results.json").write_text(text, encoding="utf-8")
    print(f"graded {sub}: {payload['score']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
