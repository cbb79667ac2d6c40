"""What crosses between the grader and a submission's process, as data, and only so.

The cases' arguments go to the worker as JSON (arrays as base64 of their bytes); what
comes back, JSON lines on a pipe, is read into a `SandboxRun` without importing or
calling anything the submission controls. Grader-side module.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .spec import Ref, Unreadable

__all__ = ["SandboxRun", "case_result", "decode_result", "encode_args", "read_results"]


@dataclass
class SandboxRun:
    """What came back from one run.

    Attributes:
        ready: the worker started (numpy imported, hook installed) before the
            submission ran; if not, the failure is the grader's, not the student's.
        landlock: the Landlock ABI the kernel confined it with (0: none, and
            ``confinement`` says why).
        results: per case index, ``("value", data)`` or ``("error", info)``.
        import_errors: errors while running the submission's code.
        violations: ``{"kind", "what", "detail"}`` records, first of each kind.
        done: every case was called.
        timed_out: the wall-clock limit was hit.
        waited: seconds it waited for a CPU the machine's other work held, added to
            its wall-clock limit (read when the limit came).
        returncode: the worker's exit status (negative: the signal that ended it).
        stdout, stderr: the kept output; ``*_total``: bytes printed in all.
        uid: the uid it ran as (root mode), else None.
        seconds: wall time of the run.
    """

    ready: bool = False
    landlock: int = 0
    confinement: str = ""
    results: dict[int, tuple[str, Any]] = field(default_factory=dict)
    import_errors: list[dict] = field(default_factory=list)
    violations: list[dict] = field(default_factory=list)
    done: bool = False
    timed_out: bool = False
    waited: float = 0.0
    too_much_data: bool = False
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""
    stdout_total: int = 0
    stderr_total: int = 0
    uid: int | None = None
    seconds: float = 0.0
    notebook: bool = False


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


def read_results(out: SandboxRun, data: bytes) -> None:
    """Read the worker's JSON lines into ``out``, as data, whatever they hold."""
    kinds, seen = set(), set()
    for line in data.split(b"\n"):
        if not line.strip() or line in seen:
            continue
        if line.startswith(b'{"type": "violation"'):
            seen.add(line)          # a loop of refused calls repeats the same line
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if not isinstance(msg, dict):
            continue
        t = msg.get("type")
        if t == "ready" and not out.ready:
            out.ready = True
            landlock = msg.get("landlock")
            out.landlock = landlock if isinstance(landlock, int) else 0
            out.confinement = str(msg.get("confinement", ""))[:300]
        elif not out.ready:
            continue                          # nothing before the worker is set up
        elif t == "case" and isinstance(msg.get("index"), int):
            if msg["index"] not in out.results:
                out.results[msg["index"]] = case_result(msg)
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


def case_result(msg: dict) -> tuple[str, Any]:
    """A case's message as ``("error", info)`` or ``("value", data)``."""
    if "error" in msg:
        return "error", msg["error"] if isinstance(msg["error"], dict) else {}
    try:
        return "value", decode_result(msg.get("value"))
    except (ValueError, TypeError, KeyError):
        return "value", Unreadable("malformed data")
