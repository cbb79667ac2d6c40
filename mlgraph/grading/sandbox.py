"""Running one submission in its own process, with real limits.

Each submission gets a subprocess (`mlgraph.grading._worker`, standard library and numpy
only) with: wall-clock and CPU limits, an address-space limit, a process-count limit
(RLIMIT_NPROC, which counts per user: as root the grader runs the submission as a fresh
unprivileged uid, as root would ignore the limit), a fresh temporary working directory,
a scrubbed environment, stdin closed, stdout / stderr captured and truncated, and an
audit hook refusing reads outside its directory, programs, signals, sockets, ctypes,
heap searches and forbidden imports. Only the cases' inputs go in; results come back
as JSON lines on a pipe and are read as data. `mlgraph.grading.interpreter` chooses
the Python it runs in, `mlgraph.grading.processes` counts and ends its processes.
Grader-side module.
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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .interpreter import base_env, numpy_dirs, sandbox_python, stdlib_of
from .processes import fresh_uid, kill_all, tasks_of_user
from .spec import Ref, Unreadable

__all__ = ["Limits", "SandboxRun", "run", "sandbox_python", "encode_args"]

WORKER = Path(__file__).with_name("_worker.py")

# Standard-library modules a submission can't import: they start programs without the
# audited paths, or run code outside the audit hook (subinterpreters, test modules).
BLOCKED_STDLIB = ("_posixsubprocess", "subprocess", "multiprocessing",
                  "_xxsubinterpreters", "_xxinterpchannels", "_testcapi",
                  "_testinternalcapi", "_testbuffer", "_testmultiphase",
                  "_testimportmultiple", "_testclinic", "_ctypes_test", "ctypes",
                  "_ctypes", "pty", "socket", "_socket", "ssl", "_ssl", "asyncio",
                  "concurrent", "webbrowser", "http", "urllib", "ftplib", "smtplib",
                  "imaplib", "poplib", "telnetlib", "xmlrpc", "socketserver")


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


@dataclass
class SandboxRun:
    """What came back from one run.

    Attributes:
        ready: the worker started (numpy imported, hook installed) before the
            submission ran; if not, the failure is the grader's, not the student's.
        results: per case index, ``("value", data)`` or ``("error", info)``.
        import_errors: errors while running the submission's code.
        violations: ``{"kind", "what", "detail"}`` records, first of each kind.
        done: every case was called.
        timed_out: the wall-clock limit was hit.
        returncode: the worker's exit status (negative: the signal that ended it).
        stdout, stderr: the kept output; ``*_total``: bytes printed in all.
        uid: the uid it ran as (root mode), else None.
        seconds: wall time of the run.
    """

    ready: bool = False
    results: dict[int, tuple[str, Any]] = field(default_factory=dict)
    import_errors: list[dict] = field(default_factory=list)
    violations: list[dict] = field(default_factory=list)
    done: bool = False
    timed_out: bool = False
    too_much_data: bool = False
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""
    stdout_total: int = 0
    stderr_total: int = 0
    uid: int | None = None
    seconds: float = 0.0
    notebook: bool = False


# --- the request and the results, as data --------------------------------------------


def encode_args(x: Any) -> Any:
    """A case's arguments as JSON: arrays as base64 of their bytes, `Ref`s by name."""
    if isinstance(x, np.ndarray | np.generic):
        arr = np.array(x, order="C")         # (ascontiguousarray would make 0-d 1-d)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"a case argument has dtype {arr.dtype}; use numbers.")
        return {"__nd__": [arr.dtype.str, list(arr.shape),
                           base64.b64encode(arr.tobytes()).decode()]}
    if isinstance(x, Ref):
        return {"__ref__": x.name}
    if isinstance(x, tuple):
        return {"__tuple__": [encode_args(v) for v in x]}
    if isinstance(x, list):
        return [encode_args(v) for v in x]
    if isinstance(x, dict):
        return {"__dict__": [[str(k), encode_args(v)] for k, v in x.items()]}
    if x is None or isinstance(x, bool | int | float | str):
        return x
    raise TypeError(f"a case argument of type {type(x).__name__} can't be sent to a "
                    "submission; use arrays, numbers, strings, lists, dicts or Ref.")


def decode_result(v: dict) -> Any:
    """A result the worker sent, as arrays, lists, tuples, dicts, None, `Unreadable`."""
    kind = v.get("kind") if isinstance(v, dict) else None
    if kind == "array":
        shape = tuple(int(d) for d in v["shape"])
        data = base64.b64decode(v["b64"], validate=True)
        if len(data) != 8 * int(np.prod(shape, dtype=np.int64)):
            return Unreadable("malformed data")
        return np.frombuffer(data, dtype="<f8").reshape(shape).astype(np.float64)
    if kind == "seq":
        items = [decode_result(i) for i in v["items"]]
        return tuple(items) if v.get("tuple") else items
    if kind == "dict":
        return {str(k): decode_result(i) for k, i in v["items"]}
    if kind == "none":
        return None
    if kind == "unreadable":
        return Unreadable(str(v.get("what", "unreadable"))[:200])
    return Unreadable("malformed data")


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
            "read_roots": [os.path.dirname(os.__file__), *numpy_dirs()],
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
    request["read_roots"][0] = stdlib_of(exe)
    start = time.perf_counter()
    proc, res, writer = _start(exe, request, uid, tmp, token)
    stdout = _Capture(limits.output_bytes)
    stderr = _Capture(limits.output_bytes // 2, limits.output_bytes // 2)
    try:
        results = _collect(proc, res, stdout, stderr, out, limits,
                           start + limits.wall_seconds,
                           functools.partial(kill_all, uid, token, proc.pid))
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
    _read_results(out, results)


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
            [exe, "-I", "-S", "-B", "-c", WORKER.read_text(), str(req_r), str(res_w)],
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


def _collect(proc: subprocess.Popen, res: BinaryIO, stdout: _Capture, stderr: _Capture,
             out: SandboxRun, limits: Limits, deadline: float,
             end: Callable[[], Any]) -> bytes:
    """Read the worker's stdout, stderr and results until every pipe is closed.

    ``end()`` kills what is left of the sandbox: when the worker has exited, at the
    ``deadline`` (``out.timed_out``) and when the results pass ``limits.result_bytes``
    (``out.too_much_data``). A pipe still open 2 s after that is no longer read.

    Returns:
        The result lines the worker wrote.
    """
    results = bytearray()
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


def _read_results(out: SandboxRun, data: bytes) -> None:
    """Read the worker's JSON lines into ``out``, as data, whatever they hold."""
    kinds = set()
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if not isinstance(msg, dict):
            continue
        t = msg.get("type")
        if t == "ready":
            out.ready = True
        elif not out.ready:
            continue                          # nothing before the worker is set up
        elif t == "case" and isinstance(msg.get("index"), int):
            if msg["index"] not in out.results:
                out.results[msg["index"]] = _case_result(msg)
        elif t == "import" and isinstance(msg.get("error"), dict):
            out.import_errors.append({"where": str(msg.get("where", ""))[:200],
                                      **msg["error"]})
        elif t == "violation":
            kind = str(msg.get("kind", ""))[:40]
            if kind not in kinds:
                kinds.add(kind)
                out.violations.append({k: str(msg.get(k, ""))[:300]
                                       for k in ("kind", "what", "detail")})
        elif t == "done":
            out.done = True


def _case_result(msg: dict) -> tuple[str, Any]:
    """A case's message as ``("error", info)`` or ``("value", data)``."""
    if "error" in msg:
        return "error", msg["error"] if isinstance(msg["error"], dict) else {}
    try:
        return "value", decode_result(msg.get("value"))
    except (ValueError, TypeError, KeyError):
        return "value", Unreadable("malformed data")


def with_overrides(limits: Limits, overrides: dict) -> Limits:
    """``limits`` with some fields replaced (an assignment's or the command line's)."""
    unknown = set(overrides) - set(Limits.__dataclass_fields__)
    if unknown:
        raise ValueError(f"unknown sandbox limit(s) {sorted(unknown)}; the limits are "
                         f"{', '.join(Limits.__dataclass_fields__)}.")
    return replace(limits, **overrides)
