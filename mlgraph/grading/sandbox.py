"""Running one submission in its own process, with real limits.

Each submission gets a subprocess (`mlgraph.grading._worker`, standard library and numpy
only) with: wall-clock and CPU limits, an address-space limit, a process-count limit
(RLIMIT_NPROC, which counts per user: as root the grader runs the submission as a fresh
unprivileged uid, as root would ignore the limit), a fresh temporary working directory
only that uid may enter, a scrubbed environment, stdin closed, stdout / stderr captured
and truncated; the kernel's Landlock confinement (`_confine`: files outside the Python
installation, numpy and its directory, programs, TCP, signals to the grader); and an
audit hook (`_hook`) refusing and reporting reads outside its directory, programs,
signals, sockets, ctypes, heap and frame searches, tracing and forbidden imports. Only
the cases' inputs go in; results come back as JSON lines on a pipe and are read as
data. The wall-clock limit does not count the time the run waited for a CPU the
machine's other work held, so what must come from the CPU or memory limit does.
`mlgraph.grading.interpreter` chooses the Python it runs in,
`mlgraph.grading.processes` counts and ends its processes. Grader-side module.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import selectors
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

from .channel import SandboxRun, encode_args, read_results
from .interpreter import base_env, numpy_dirs, sandbox_python, stdlib_of
from .processes import fresh_uid, kill_all, run_delay, sandbox_pids, tasks_of_user

__all__ = ["Limits", "SandboxRun", "run", "sandbox_python", "encode_args",
           "readable_by_others"]

# The program the submission runs in, in this order (one text, run with ``python -c``).
WORKER_PARTS = tuple(Path(__file__).with_name(name)
                     for name in ("_confine.py", "_hook.py", "_worker.py"))

# Standard-library modules a submission can't import: they start programs without the
# audited paths, run code outside the audit hook (subinterpreters, whose hooks are
# their own; test modules), or write files through a C library the hook can't see.
# A name ending in * is a prefix; a dotted name is that module only (urllib.parse is
# harmless, and pathlib needs it).
BLOCKED_STDLIB = ("_posixsubprocess", "subprocess", "multiprocessing",
                  "_multiprocessing", "_posixshmem", "_xx*", "_interp*", "_test*",
                  "_ctypes_test", "ctypes", "_ctypes", "pty", "socket", "_socket",
                  "ssl", "_ssl", "asyncio", "concurrent", "webbrowser", "http",
                  "urllib.request", "ftplib", "smtplib", "imaplib", "poplib",
                  "telnetlib", "xmlrpc", "socketserver", "sqlite3", "_sqlite3", "dbm",
                  "_dbm", "_gdbm", "shelve", "syslog")


@dataclass(frozen=True)
class Limits:
    """What one submission may use.

    Attributes:
        wall_seconds: real time for the whole run (start, import, every case).
        cpu_seconds: CPU time per process (RLIMIT_CPU).
        memory_mb: address space per process (RLIMIT_AS).
        max_processes: processes and threads at once (RLIMIT_NPROC) for the
            submission's user; when not root, counted on top of the user's own.
        output_bytes: printed output kept (the rest is counted, not stored).
        result_bytes: the most result data read back.
        file_mb: the largest file it may write (RLIMIT_FSIZE).
        open_files: RLIMIT_NOFILE.
        max_elements: numbers it may return per case.
    """

    wall_seconds: float = 30.0
    cpu_seconds: int = 15
    memory_mb: int = 1024
    max_processes: int = 8
    output_bytes: int = 16_000
    result_bytes: int = 32_000_000
    file_mb: int = 16
    open_files: int = 64
    max_elements: int = 2_000_000


def _rlimits(limits: Limits, nproc: int) -> list[tuple[str, int, int]]:
    mem, fsize = limits.memory_mb * 1024 * 1024, limits.file_mb * 1024 * 1024
    return [("RLIMIT_CPU", limits.cpu_seconds, limits.cpu_seconds + 1),
            ("RLIMIT_AS", mem, mem),
            ("RLIMIT_NPROC", nproc, nproc),
            ("RLIMIT_FSIZE", fsize, fsize),
            ("RLIMIT_NOFILE", limits.open_files, limits.open_files),
            ("RLIMIT_CORE", 0, 0)]


# --- one run --------------------------------------------------------------------------


class _Capture:
    """Keeps the head (and for stderr the tail) of a stream; counts the rest."""

    def __init__(self, head: int, tail: int = 0) -> None:
        self.head, self.tail = bytearray(), bytearray()
        self.head_cap, self.tail_cap, self.total = head, tail, 0

    def add(self, data: bytes) -> None:
        self.total += len(data)
        room = self.head_cap - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data and self.tail_cap:
            self.tail = (self.tail + data)[-self.tail_cap:]

    def text(self) -> str:
        out = self.head.decode("utf-8", "replace")
        if self.total > len(self.head) + len(self.tail):
            out += f"\n[… {self.total - len(self.head) - len(self.tail)} bytes cut …]\n"
        return out + self.tail.decode("utf-8", "replace")


def run(chunks: list[tuple[str, str]], function: str, cases: list[tuple], *,
        limits: Limits = Limits(), forbidden: tuple[str, ...] = (),
        allowed: tuple[str, ...] = ("numpy",), preamble: str = "",
        notebook: bool = False, run_as_uid: int | None = None) -> SandboxRun:
    """Run a submission's code and call ``function`` on each case, in a sandbox.

    Args:
        chunks: ``(filename, source)`` pieces run in order (a notebook's cells).
        function: the function to call.
        cases: each case's positional arguments (arrays, numbers, lists, dicts, `Ref`).
        limits: the `Limits`.
        forbidden: top-level packages whose import is a violation.
        allowed: third-party packages it may import.
        preamble: source defining the names `Ref` arguments refer to.
        notebook: keep going after a failing chunk (as a notebook run does).
        run_as_uid: as root, the uid to run as (default: a fresh one per run).

    Returns:
        The `SandboxRun`; reading it into a grade is `mlgraph.grading.batch`'s job.
    """
    out = SandboxRun(notebook=notebook)
    root = os.geteuid() == 0
    uid = (run_as_uid or fresh_uid()) if root else None
    out.uid = uid
    tmp = tempfile.mkdtemp(prefix="mlgraph-sandbox-")
    token = base64.b32encode(os.urandom(10)).decode()
    try:
        lib = Path(tmp) / ".lib"
        lib.mkdir()
        for d in numpy_dirs():
            (lib / Path(d).name).symlink_to(d)
        if uid is not None:
            os.chown(tmp, uid, uid)
        os.chmod(tmp, 0o700)
        nproc = limits.max_processes + (0 if root else tasks_of_user(os.getuid()))
        request = {
            "rlimits": _rlimits(limits, nproc), "libdir": str(lib), "tmp": tmp,
            "stdlib": os.path.dirname(os.__file__), "numpy": numpy_dirs(),
            "forbidden": list(forbidden), "allowed": list(allowed),
            "blocked_stdlib": list(BLOCKED_STDLIB), "max_elements": limits.max_elements,
            "preamble": preamble, "function": function, "notebook": notebook,
            "chunks": [list(c) for c in chunks],
            "cases": [encode_args(list(c)) for c in cases],
        }
        _run(out, request, limits, uid, tmp, token)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _run(out: SandboxRun, request: dict, limits: Limits, uid: int | None, tmp: str,
         token: str) -> None:
    """Run the worker and fill ``out`` with what came back.

    Starts it, reads what it sends until it ends or its time is up, and leaves nothing
    of it running.
    """
    exe = sandbox_python(uid)
    # the worker runs in the standard library of `exe`: let it read that one
    request["stdlib"] = stdlib_of(exe)
    start = time.perf_counter()
    proc, res, writer = _start(exe, request, uid, tmp, token)
    stdout = _Capture(limits.output_bytes)
    stderr = _Capture(limits.output_bytes // 2, limits.output_bytes // 2)
    try:
        results = _collect(proc, res, stdout, stderr, out, limits, start,
                           functools.partial(kill_all, uid, token, proc.pid),
                           functools.partial(_waited, proc.pid, uid, token, limits))
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            kill_all(uid, token, proc.pid)
            proc.wait(timeout=10)
        kill_all(uid, token, None)
        res.close()
        proc.stdout.close()
        proc.stderr.close()
        writer.join(timeout=5)
    out.seconds = time.perf_counter() - start
    out.returncode = proc.returncode
    out.stdout, out.stderr = stdout.text(), stderr.text()
    out.stdout_total, out.stderr_total = stdout.total, stderr.total
    read_results(out, results)


def worker_program() -> str:
    """The text the worker runs: its parts, in order."""
    return "\n".join(part.read_text() for part in WORKER_PARTS)


def _start(exe: str, request: dict, uid: int | None, tmp: str,
           token: str) -> tuple[subprocess.Popen, BinaryIO, threading.Thread]:
    """Start the worker: its process, its results' pipe, its request's writer.

    The request is written by a thread, so a worker that never reads it can't block
    the grader.
    """
    req_r, req_w = os.pipe()
    res_r, res_w = os.pipe()
    env = {**base_env(), "HOME": tmp, "TMPDIR": tmp, "MLGRAPH_SANDBOX": token}
    kw = {"user": uid, "group": uid, "extra_groups": []} if uid is not None else {}
    try:
        proc = subprocess.Popen(
            [exe, "-I", "-S", "-B", "-c", worker_program(), str(req_r), str(res_w)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            pass_fds=(req_r, res_w), cwd=tmp, env=env, start_new_session=True, **kw)
    except BaseException:
        os.close(req_w)
        os.close(res_r)
        raise
    finally:
        os.close(req_r)
        os.close(res_w)
    data = json.dumps(request).encode()

    def feed() -> None:
        try:
            with os.fdopen(req_w, "wb") as fh:
                fh.write(data)
        except OSError:
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    return proc, os.fdopen(res_r, "rb", buffering=0), writer


def _waited(pid: int, uid: int | None, token: str, limits: Limits) -> float:
    """Seconds a run's worker waited for a CPU while it could run.

    At most 9 times its wall-clock limit; 0 for a run of several processes, which may
    have kept itself waiting (only a fooled hook lets it fork).
    """
    if len(sandbox_pids(uid, token)) > 1:
        return 0.0
    return min(run_delay(pid), 9 * limits.wall_seconds)


def _collect(proc: subprocess.Popen, res: BinaryIO, stdout: _Capture, stderr: _Capture,
             out: SandboxRun, limits: Limits, start: float,
             end: Callable[[], Any], waited: Callable[[], float]) -> bytes:
    """Read the worker's stdout, stderr and results until every pipe is closed.

    ``end()`` kills what is left of the sandbox: when the worker has exited, at its
    deadline (``out.timed_out``) and when the results pass ``limits.result_bytes``
    (``out.too_much_data``). A pipe still open 2 s after that is no longer read.

    The deadline is ``limits.wall_seconds`` after ``start``, plus ``waited()``, the
    time the worker waited for a CPU the machine's other work held (`_waited`): on a
    loaded machine a run that computes reaches its CPU or memory limit, and only one
    that sleeps or blocks runs into the wall clock. ``out.waited`` is that time.

    Returns:
        The result lines the worker wrote.
    """
    results = bytearray()
    deadline = start + limits.wall_seconds
    sinks = {proc.stdout.fileno(): stdout.add, proc.stderr.fileno(): stderr.add}
    ended_at = None
    with selectors.DefaultSelector() as sel:
        for stream in (proc.stdout, proc.stderr, res):
            sel.register(stream, selectors.EVENT_READ)
        while sel.get_map():
            now = time.perf_counter()
            if proc.poll() is not None and ended_at is None:
                ended_at = now
                end()                                 # whatever it left behind
            if now >= deadline and ended_at is None:
                out.waited = waited()
                deadline = max(deadline, start + limits.wall_seconds + out.waited)
            if now >= deadline and ended_at is None:
                out.timed_out = True
                end()
                ended_at = now
            if ended_at is not None and now - ended_at > 2.0:
                break                                 # a pipe held open: stop reading
            wait = 0.05 if ended_at else min(0.5, max(0.0, deadline - now))
            for key, _ in sel.select(timeout=wait):
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    sel.unregister(key.fileobj)
                elif key.fileobj is res:
                    results += chunk
                    if len(results) > limits.result_bytes:
                        out.too_much_data = True
                        end()
                        sel.unregister(res)
                else:
                    sinks[key.fd](chunk)
    return bytes(results)


def readable_by_others(path: str | os.PathLike) -> bool:
    """Whether a user with no part in ``path`` may read it, by its permission bits.

    That user (the sandbox's fresh uid) neither owns it nor is in its group: every
    folder above it must be searchable by others, and it readable by others.
    """
    p = Path(path).resolve()
    try:
        return bool(p.stat().st_mode & 0o004) and all(
            d.stat().st_mode & 0o001 for d in p.parents)
    except OSError:
        return False


def with_overrides(limits: Limits, overrides: dict) -> Limits:
    """``limits`` with some fields replaced (an assignment's or the command line's)."""
    unknown = set(overrides) - set(Limits.__dataclass_fields__)
    if unknown:
        raise ValueError(f"unknown sandbox limit(s) {sorted(unknown)}; the limits are "
                         f"{', '.join(Limits.__dataclass_fields__)}.")
    return replace(limits, **overrides)
