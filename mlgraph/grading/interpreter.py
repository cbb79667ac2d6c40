"""The Python a submission runs in, what it may read of it, and its environment.

The worker runs in an interpreter of this Python's version that can import this numpy
(as the sandbox's uid, when the grader is root), with only the standard library and
numpy readable and a scrubbed environment. Grader-side module.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

__all__ = ["base_env", "can_run", "numpy_dirs", "sandbox_python", "stdlib_of"]

_PYTHON: dict[int | None, str] = {}


def base_env() -> dict[str, str]:
    """The whole environment of a sandboxed process (the run adds HOME and TMPDIR)."""
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}


def numpy_dirs() -> list[str]:
    """numpy's folders in site-packages: what the worker imports besides the stdlib."""
    site = Path(np.__file__).resolve().parent.parent
    return [str(site / name) for name in ("numpy", "numpy.libs")
            if (site / name).exists()]


def can_run(exe: str, uid: int | None) -> bool:
    """Whether ``exe``, run isolated (as ``uid`` if given), can import this numpy."""
    probe = "import sys; sys.path.append(sys.argv[1]); import numpy"
    kw = {"user": uid, "group": uid, "extra_groups": []} if uid is not None else {}
    try:
        out = subprocess.run([exe, "-I", "-S", "-B", "-c", probe,
                              str(Path(np.__file__).resolve().parent.parent)],
                             capture_output=True, timeout=60, cwd="/", env=base_env(),
                             **kw)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0


def sandbox_python(uid: int | None = None) -> str:
    """The Python the submission runs in.

    ``MLGRAPH_SANDBOX_PYTHON``, else this one, else (when the unprivileged uid can't
    reach this one, e.g. a Python under /root) another interpreter of the same version
    that can import this numpy.

    Args:
        uid: the uid it will run as (root mode), else None.

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
        if os.path.exists(exe) and can_run(exe, uid):
            _PYTHON[key] = exe
            return exe
    who = "an unprivileged user" if uid is not None else "this user"
    raise RuntimeError(
        f"no Python {version} that {who} can run with numpy was found for the sandbox "
        f"(tried {', '.join(filter(None, candidates))}). Set MLGRAPH_SANDBOX_PYTHON to "
        "one, or install the grader in a location every user can read.")


def stdlib_of(exe: str) -> str:
    """The standard library's folder of the interpreter ``exe`` (the worker's)."""
    if os.path.realpath(exe) == os.path.realpath(sys.executable):
        return os.path.dirname(os.__file__)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    prefix = Path(os.path.realpath(exe)).parent.parent
    return str(prefix / "lib" / version)
