"""Running one submission in its own process, with real limits.

Each submission gets a subprocess (`mlgraph.grading._worker`, standard library and numpy
only) with: wall-clock and CPU limits, an address-space limit, a process-count limit
(RLIMIT_NPROC, which counts per user: as root the grader runs the submission as a fresh
unprivileged uid, as root would ignore the limit), a fresh temporary working directory,
a scrubbed environment, stdin closed, stdout / stderr captured and truncated, and an
audit hook refusing reads outside its directory, programs, signals, sockets, ctypes,
heap searches and forbidden imports. Only the cases' inputs go in; results come back
as JSON lines on a pipe and are read as data. Grader-side module.
"""

from __future__ import annotations

import base64
import json
import os
import random
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .spec import Ref, Unreadable

__all__ = ["Limits", "SandboxRun", "run", "sandbox_python", "encode_args"]

WORKER = Path(__file__).with_name("_worker.py")

# Standard-library modules a submission can't import: they start programs without the
# audited paths, or run code outside the audit hook (subinterpreters, test modules).
BLOCKED_STDLIB = ("_posixsubprocess", "subprocess", "multiprocessing", "_xxsubinterpreters",
                  "_xxinterpchannels", "_testcapi", "_testinternalcapi", "_testbuffer",
                  "_testmultiphase", "_testimportmultiple", "_testclinic", "_ctypes_test",
                  "ctypes", "_ctypes", "pty", "socket", "_socket", "ssl", "_ssl",
                  "asyncio", "concurrent", "webbrowser", "http", "urllib", "ftplib",
                  "smtplib", "imaplib", "poplib", "telnetlib", "xmlrpc", "socketserver")


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


# --- the interpreter the submission runs in --------------------------------------------

_PYTHON: dict[int | None, str] = {}


def _numpy_dirs() -> list[str]:
    site = Path(np.__file__).resolve().parent.parent
    return [str(site / name) for name in ("numpy", "numpy.libs") if (site / name).exists()]


def _can_run(exe: str, uid: int | None) -> bool:
    probe = ("import sys; sys.path.append(sys.argv[1]); import numpy")
    kw = {"user": uid, "group": uid, "extra_groups": []} if uid is not None else {}
    try:
        out = subprocess.run([exe, "-I", "-S", "-B", "-c", probe,
                              str(Path(np.__file__).resolve().parent.parent)],
                             capture_output=True, timeout=60, cwd="/", env=_base_env(),
                             **kw)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0


def sandbox_python(uid: int | None = None) -> str:
    """The Python the submission runs in: ``MLGRAPH_SANDBOX_PYTHON``, else this one,
    else (when the unprivileged uid can't reach this one, e.g. a Python under /root)
    another interpreter of the same version that can import this numpy.

    Raises:
        RuntimeError: when none works, saying how to fix it.
    """
    key = None if uid is None else 1
    if key in _PYTHON:
        return _PYTHON[key]
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [os.environ.get("MLGRAPH_SANDBOX_PYTHON"), sys.executable,
                  f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"]
    for exe in filter(None, candidates):
        if os.path.exists(exe) and _can_run(exe, uid):
            _PYTHON[key] = exe
            return exe
    who = "an unprivileged user" if uid is not None else "this user"
    raise RuntimeError(
        f"no Python {version} that {who} can run with numpy was found for the sandbox "
        f"(tried {', '.join(filter(None, candidates))}). Set MLGRAPH_SANDBOX_PYTHON to "
        "one, or install the grader in a location every user can read.")


def _base_env() -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}


# --- counting and ending processes -----------------------------------------------------


def _proc_status(pid: str) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def _pids() -> list[str]:
    return [p for p in os.listdir("/proc") if p.isdigit()]


def tasks_of_user(uid: int) -> int:
    """Processes and threads whose real uid is ``uid`` (what RLIMIT_NPROC counts)."""
    n = 0
    for pid in _pids():
        st = _proc_status(pid)
        if st.get("Uid", "").split("\t")[0] == str(uid):
            n += int(st.get("Threads", "1") or 1)
    return n


def _sandbox_pids(uid: int | None, token: str) -> list[int]:
    found = []
    mark = f"MLGRAPH_SANDBOX={token}".encode()
    for pid in _pids():
        if int(pid) == os.getpid():
            continue
        if uid is not None:
            st = _proc_status(pid)
            if st.get("Uid", "").split("\t")[0] == str(uid) and not st.get(
                    "State", "").startswith("Z"):        # a zombie is already dead
                found.append(int(pid))
            continue
        try:
            if mark in Path(f"/proc/{pid}/environ").read_bytes():
                found.append(int(pid))
        except OSError:
            pass
    return found


def kill_all(uid: int | None, token: str, pgid: int | None) -> int:
    """SIGKILL every process of the sandbox (its uid as root, else the process group and
    every process carrying its environment token), until none is left."""
    killed = 0
    for _ in range(200):
        if pgid is not None:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        pids = _sandbox_pids(uid, token)
        if not pids:
            return killed
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.005)
    return killed


# --- the request ------------------------------------------------------------------------


def encode_args(x: Any) -> Any:
    """A case's arguments as JSON: arrays as base64 of their bytes, `Ref`s by name."""
    if isinstance(x, np.ndarray | np.generic):
        arr = np.array(x, order="C")             # (ascontiguousarray would make 0-d 1-d)
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
    """A result sent by the worker, as arrays, lists, tuples, dicts, None, `Unreadable`."""
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
    mem = limits.memory_mb * 1024 * 1024
    return [("RLIMIT_CPU", limits.cpu_seconds, limits.cpu_seconds + 1),
            ("RLIMIT_AS", mem, mem),
            ("RLIMIT_NPROC", nproc, nproc),
            ("RLIMIT_FSIZE", limits.file_mb * 1024 * 1024, limits.file_mb * 1024 * 1024),
            ("RLIMIT_NOFILE", limits.open_files, limits.open_files),
            ("RLIMIT_CORE", 0, 0)]


def _fresh_uid() -> int:
    taken = {_proc_status(p).get("Uid", "").split("\t")[0] for p in _pids()}
    while True:
        uid = random.SystemRandom().randrange(1_500_000_000, 1_600_000_000)
        if str(uid) not in taken:
            return uid


# --- one run -----------------------------------------------------------------------------


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
    uid = (run_as_uid or _fresh_uid()) if root else None
    out.uid = uid
    tmp = tempfile.mkdtemp(prefix="mlgraph-sandbox-")
    token = base64.b32encode(os.urandom(10)).decode()
    try:
        lib = Path(tmp) / ".lib"
        lib.mkdir()
        for d in _numpy_dirs():
            (lib / Path(d).name).symlink_to(d)
        if uid is not None:
            os.chown(tmp, uid, uid)
        os.chmod(tmp, 0o700)
        nproc = limits.max_processes + (0 if root else tasks_of_user(os.getuid()))
        request = {
            "rlimits": _rlimits(limits, nproc), "libdir": str(lib), "tmp": tmp,
            "read_roots": [os.path.dirname(os.__file__), *_numpy_dirs()],
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
    exe = sandbox_python(uid)
    # the worker runs in the stdlib of `exe`: let it read that one
    request["read_roots"][0] = _stdlib_of(exe)
    req_r, req_w = os.pipe()
    res_r, res_w = os.pipe()
    env = {**_base_env(), "HOME": tmp, "TMPDIR": tmp, "MLGRAPH_SANDBOX": token}
    kw = {"user": uid, "group": uid, "extra_groups": []} if uid is not None else {}
    start = time.perf_counter()
    try:
        proc = subprocess.Popen(
            [exe, "-I", "-S", "-B", "-c", WORKER.read_text(), str(req_r), str(res_w)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            pass_fds=(req_r, res_w), cwd=tmp, env=env, start_new_session=True, **kw)
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
    stdout, stderr = _Capture(limits.output_bytes), _Capture(limits.output_bytes // 2,
                                                             limits.output_bytes // 2)
    results = bytearray()
    sel = selectors.DefaultSelector()
    streams = {proc.stdout.fileno(): stdout.add, proc.stderr.fileno(): stderr.add}
    res = os.fdopen(res_r, "rb", buffering=0)
    sel.register(proc.stdout, selectors.EVENT_READ)
    sel.register(proc.stderr, selectors.EVENT_READ)
    sel.register(res, selectors.EVENT_READ)
    deadline = start + limits.wall_seconds
    ended_at = None
    try:
        while sel.get_map():
            now = time.perf_counter()
            if proc.poll() is not None and ended_at is None:
                ended_at = now
                kill_all(uid, token, proc.pid)       # whatever it left behind
            if now >= deadline and ended_at is None:
                out.timed_out = True
                kill_all(uid, token, proc.pid)
                ended_at = now
            if ended_at is not None and now - ended_at > 2.0:
                break                                 # a pipe held open: stop reading
            for key, _ in sel.select(timeout=0.05 if ended_at else
                                     min(0.5, max(0.0, deadline - now))):
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    sel.unregister(key.fileobj)
                elif key.fileobj is res:
                    results += chunk
                    if len(results) > limits.result_bytes:
                        out.too_much_data = True
                        kill_all(uid, token, proc.pid)
                        sel.unregister(res)
                else:
                    streams[key.fd](chunk)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            kill_all(uid, token, proc.pid)
            proc.wait(timeout=10)
        kill_all(uid, token, None)
        sel.close()
        res.close()
        proc.stdout.close()
        proc.stderr.close()
        writer.join(timeout=5)
    out.seconds = time.perf_counter() - start
    out.returncode = proc.returncode
    out.stdout, out.stderr = stdout.text(), stderr.text()
    out.stdout_total, out.stderr_total = stdout.total, stderr.total
    _read_results(out, bytes(results))


def _stdlib_of(exe: str) -> str:
    if os.path.realpath(exe) == os.path.realpath(sys.executable):
        return os.path.dirname(os.__file__)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    prefix = Path(os.path.realpath(exe)).parent.parent
    return str(prefix / "lib" / version)


def _read_results(out: SandboxRun, data: bytes) -> None:
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
            continue                                  # nothing before the worker is set up
        elif t == "case" and isinstance(msg.get("index"), int):
            i = msg["index"]
            if i not in out.results:
                if "error" in msg:
                    out.results[i] = ("error", msg["error"] if isinstance(msg["error"], dict)
                                      else {})
                else:
                    try:
                        out.results[i] = ("value", decode_result(msg.get("value")))
                    except (ValueError, TypeError, KeyError):
                        out.results[i] = ("value", Unreadable("malformed data"))
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


def with_overrides(limits: Limits, overrides: dict) -> Limits:
    """``limits`` with some fields replaced (an assignment's or the command line's)."""
    unknown = set(overrides) - set(Limits.__dataclass_fields__)
    if unknown:
        raise ValueError(f"unknown sandbox limit(s) {sorted(unknown)}; the limits are "
                         f"{', '.join(Limits.__dataclass_fields__)}.")
    return replace(limits, **overrides)
