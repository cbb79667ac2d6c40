"""Grading submissions in a batch, each in the sandbox on the hidden cases.

Reads a .py or .ipynb, runs it, turns what came back into a `Report` with a clear
verdict, and writes the outputs (``<stem>/results.json``, ``<stem>/feedback.html``,
``gradebook.csv``, ``summary.html``). Submissions run in parallel (``jobs``), with a
progress bar.
"""

from __future__ import annotations

import ast
import json
import os
import re
import secrets
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import sandbox
from .feedback import gradebook_csv, report_html, results_json, summary_html
from .scoring import Call, Report, grade_calls
from .spec import Assignment, Case, load

__all__ = ["Submission", "read_submission", "grade_submission", "grade_batch",
           "hidden_cases"]

_SKIP_TAGS = {"skip-grading", "mlgraph-skip"}
_MAGIC = re.compile(r"^\s*(%|!|[\w\s,\[\]]+=\s*[!%])")


@dataclass
class Submission:
    """A submission read for running: its code pieces and remarks about refused lines.

    Attributes:
        chunks: ``(filename, source)``: one for a .py file, one per code cell.
        notebook: whether it came from a notebook.
        notes: what was not run, and why (magics, shell escapes, self-check cells).
        problem: why it can't be run at all (not text, not a notebook, too large).
    """

    chunks: list[tuple[str, str]]
    notebook: bool
    notes: list[str]
    problem: str | None = None


def _is_self_check(src: str) -> bool:
    """A cell that only imports mlgraph(.grading) and calls check(...)."""
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return False
    if not tree.body:
        return False
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [
                node.module or ""]
            if not all(m.split(".")[0] == "mlgraph" for m in mods):
                return False
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            f = node.value.func
            name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", "")
            if name != "check":
                return False
        else:
            return False
    return True


def read_submission(path: str | os.PathLike, max_bytes: int = 2_000_000) -> Submission:
    """Read a .py file, or a notebook's code cells, for running.

    In a notebook, IPython magics and shell escapes are refused (each replaced by
    ``pass`` and named in a note) and self-check cells are left out (cells tagged
    ``skip-grading`` too).
    """
    p = Path(path)
    if p.suffix not in (".py", ".ipynb"):
        return Submission([], False, [], f"{p.name} is not a .py or .ipynb file")
    try:
        raw = p.read_bytes()
    except OSError as err:
        return Submission([], False, [], f"{p.name} can't be read ({err.strerror})")
    if len(raw) > max_bytes:
        return Submission([], False, [], f"{p.name} is larger than {max_bytes} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Submission([], False, [], f"{p.name} is not UTF-8 text")
    if p.suffix == ".py":
        return Submission([(p.name, text)], False, [])
    try:
        nb = json.loads(text)
        cells = nb["cells"]
    except (ValueError, KeyError, TypeError):
        return Submission([], True, [], f"{p.name} is not a valid notebook (JSON with "
                          "cells)")
    chunks, notes = [], []
    for k, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        tags = set(cell.get("metadata", {}).get("tags", []) or [])
        if tags & _SKIP_TAGS or _is_self_check(src):
            continue
        lines = src.splitlines()
        if lines and lines[0].lstrip().startswith("%%"):
            notes.append(f"cell {k}: the cell magic {lines[0].strip()[:60]!r} is "
                         "IPython, not Python: the cell was not run")
            continue
        for j, line in enumerate(lines):
            if _MAGIC.match(line) and not line.lstrip().startswith(("%=", "!=")):
                indent = line[: len(line) - len(line.lstrip())]
                notes.append(f"cell {k}, line {j + 1}: {line.strip()[:60]!r} is an "
                             "IPython magic or shell escape: it was not run")
                lines[j] = indent + "pass"
        chunks.append((f"{p.name}, cell {k}", "\n".join(lines) + "\n"))
    return Submission(chunks, True, notes)


def hidden_cases(a: Assignment, seed: int) -> list[Case]:
    """The grader's cases: drawn afresh from ``seed`` (a new one per run by default)."""
    return a.cases(np.random.default_rng(seed), hidden=True)


# --- from a sandbox run to a report ---------------------------------------------------


def _error_text(function: str, info: dict, limits: sandbox.Limits) -> str:
    kind, msg = info.get("type", "Error"), info.get("message", "")
    where = info.get("where")
    if kind in ("MemoryError", "_ArrayMemoryError"):
        text = f"{function}() ran out of memory (the limit is {limits.memory_mb} MB)"
    elif kind == "SystemExit":
        text = f"{function}() called sys.exit(); a function must return its result"
    elif kind == "PermissionError" and "grader does not allow" in msg:
        text = f"{function}() tried something the grader does not allow: {msg}"
    else:
        text = f"{function}() raised {kind}{': ' + msg if msg else ''}"
    return text + (f" ({where})" if where else "")


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def report_from_run(a: Assignment, cases: list[Case], run: sandbox.SandboxRun,
                    limits: sandbox.Limits) -> Report:
    """Grade what a sandbox run returned and give the run a verdict."""
    calls = []
    for i in range(len(cases)):
        got = run.results.get(i)
        if got is None:
            calls.append(Call(problem="not run: your code stopped before this case"))
        elif got[0] == "error":
            calls.append(Call(problem=_error_text(a.function, got[1], limits)))
        else:
            calls.append(Call(value=got[1]))
    report = grade_calls(a, cases, calls)
    report.seconds = run.seconds
    status, verdict = _verdict(run, limits)
    report.status, report.verdict = status, verdict
    cut = run.stdout_total > len(run.stdout.encode())
    if cut or run.stderr_total > limits.output_bytes:
        report.notes.append(f"your code printed {run.stdout_total + run.stderr_total} "
                            "bytes; only the first part is kept")
    printed = run.stdout.strip()
    if run.stderr.strip() and status != "graded":
        printed += ("\n" if printed else "") + run.stderr.strip()
    report.output = printed[: limits.output_bytes]
    return report


def _verdict(run: sandbox.SandboxRun,
             limits: sandbox.Limits) -> tuple[str, str | None]:
    """The run's status and, unless it was graded as usual, a paragraph saying why."""
    if not run.ready:
        tail = run.stderr.strip().splitlines()[-3:]
        return "error", ("The grader could not start the process your code runs in "
                         f"({' / '.join(tail) or 'no message'}). This is not your "
                         "code's fault: please tell the course staff.")
    if run.violations:
        stopped = ""
        if run.timed_out:
            stopped = (" It was stopped after the time limit of "
                       f"{limits.wall_seconds:g} s.")
        return "violation", _violation_text(run.violations) + stopped
    fatal = [e for e in run.import_errors
             if not run.notebook or e.get("type") == "missing"]
    if fatal:
        return "import_error", _load_failure_text(fatal[0], limits)
    return _ending(run, limits)


def _violation_text(violations: list[dict]) -> str:
    """What the submission tried that it may not do (the first try of each kind)."""
    v = violations[0]
    what = v["what"]
    if v["kind"] == "import":
        text = (f"Not graded: your code tried to {what} (the point of this assignment "
                "is to compute the gradients yourself). Remove the import and submit "
                "again.")
    elif v["kind"] == "patch":
        text = ("Not graded: your code replaced functions of numpy or Python itself "
                f"({v['detail']}), which a submission may not do.")
    else:
        text = (f"Not graded: your code tried to {what}, which a submission may not "
                "do.")
    others = [w["what"] for w in violations[1:]]
    if others:
        text += f" It also tried to {'; to '.join(others)}."
    return text


def _load_failure_text(e: dict, limits: sandbox.Limits) -> str:
    """Why nothing could be called: the submission failed while being loaded."""
    if e.get("type") == "missing":
        return f"Not graded: {e['message']}."
    if e.get("type") == "SystemExit":
        return ("Not graded: your code called sys.exit() (or exit()) while being "
                "loaded; remove it.")
    raised = _error_text("", e, limits).replace("() raised ", "", 1)
    return (f"Not graded: your code raised {raised} while being loaded, so nothing "
            "could be called.")


def _ending(run: sandbox.SandboxRun,
            limits: sandbox.Limits) -> tuple[str, str | None]:
    """How the run ended: as usual (``"graded"``), or stopped or ended early."""
    if run.timed_out:
        return "timeout", (f"Stopped: your code was still running after "
                           f"{limits.wall_seconds:g} s (the time limit), an endless "
                           "loop? Cases that finished before are graded; the others "
                           "count as failed.")
    code = run.returncode
    if code is not None and -code in (signal.SIGXCPU, signal.SIGKILL):
        return "cpu_limit", (f"Stopped: your code used more than {limits.cpu_seconds} "
                             "s of CPU time (the limit), an endless loop? Cases that "
                             "finished before are graded.")
    if run.too_much_data:
        return "crashed", "Stopped: your function returned more data than allowed."
    if not run.done:
        if code is not None and code < 0:
            return "crashed", (f"Your code's process ended with {_signal_name(code)}"
                               f" (out of memory? the limit is {limits.memory_mb} MB). "
                               "Cases that finished before are graded.")
        return "exited", (f"Your code ended the grading process (exit status {code}) "
                          "before every case ran: don't call sys.exit(), exit() or "
                          "os._exit() in a submission. Cases that finished before are "
                          "graded.")
    return "graded", None


def grade_submission(a: Assignment, path: str | os.PathLike, cases: list[Case],
                     limits: sandbox.Limits | None = None) -> Report:
    """Grade one submission file in the sandbox."""
    limits = limits or sandbox.with_overrides(sandbox.Limits(), dict(a.limits))
    name = Path(path).stem
    sub = read_submission(path)
    if sub.problem:
        r = grade_calls(a, cases, [Call(problem="not run") for _ in cases])
        r.status, r.verdict = "refused", f"Not graded: {sub.problem}."
        r.submission = name
        return r
    run = sandbox.run(sub.chunks, a.function, [c.args for c in cases], limits=limits,
                      forbidden=a.forbidden_imports, allowed=a.allowed_imports,
                      preamble=a.preamble, notebook=sub.notebook)
    report = report_from_run(a, cases, run, limits)
    report.submission = name
    report.notes[:0] = sub.notes
    if sub.notebook:
        for e in (e for e in run.import_errors if e.get("type") != "missing"):
            report.notes.append(f"{e.get('where') or 'a cell'} raised {e.get('type')}: "
                                f"{e.get('message', '')[:200]} (the later cells still "
                                "ran)")
    return report


def _stems(paths: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for p in paths:
        stem = re.sub(r"[^\w.-]", "_", Path(p).stem) or "submission"
        seen[stem] = seen.get(stem, 0) + 1
        out.append(stem if seen[stem] == 1 else f"{stem}-{seen[stem]}")
    return out


def grade_batch(assignment: str | Assignment, paths: Sequence[str], out_dir: str,
                jobs: int = 1, seed: int | None = None,
                limits: sandbox.Limits | None = None, progress: bool = True,
                on_report: Callable[[str, Report], None] | None = None
                ) -> list[tuple[str, Report]]:
    """Grade many submissions and write every output under ``out_dir``.

    Args:
        assignment: a shipped name or a spec module's path.
        paths: submission files (.py / .ipynb).
        out_dir: created if needed.
        jobs: submissions graded at once.
        seed: the hidden cases' seed (default: a new random one, written to
            ``out_dir/grading.json`` for staff).
        limits: the sandbox's limits (default: the assignment's).
        progress: show a progress bar (tqdm) on stderr.
        on_report: called with ``(path, report)`` as each submission is graded (in
            the order they finish).

    Returns:
        ``(path, report)`` per submission, in the order given.
    """
    a = load(assignment)
    seed = secrets.randbits(32) if seed is None else int(seed)
    cases = hidden_cases(a, seed)
    for c in cases:                              # the reference, once, in this process
        a.reference(c)
    limits = limits or sandbox.with_overrides(sandbox.Limits(), dict(a.limits))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stems = _stems(paths)
    reports: list[Report | None] = [None] * len(paths)
    start = time.perf_counter()
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(paths), desc=f"grading {a.name}", unit="submission")
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(grade_submission, a, p, cases, limits): i
                   for i, p in enumerate(paths)}
        for fut in as_completed(futures):
            i = futures[fut]
            r = fut.result()
            r.submission = stems[i]
            reports[i] = r
            _write_one(out / stems[i], r)
            if on_report:
                on_report(paths[i], r)
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    pairs = [(str(p), r) for p, r in zip(paths, reports, strict=True)]
    (out / "gradebook.csv").write_text(gradebook_csv(pairs), encoding="utf-8")
    (out / "summary.html").write_text(summary_html(pairs, f"{a.name}: {a.title}"),
                                      encoding="utf-8")
    (out / "grading.json").write_text(json.dumps({
        "assignment": a.name, "seed": seed, "submissions": len(paths), "jobs": jobs,
        "seconds": round(time.perf_counter() - start, 3),
        "limits": limits.__dict__}, indent=2) + "\n", encoding="utf-8")
    return pairs


def _write_one(folder: Path, r: Report) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results_json(r), indent=2,
                                                    ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    (folder / "feedback.html").write_text(report_html(r), encoding="utf-8")

