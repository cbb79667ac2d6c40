"""The sandbox's processes: the uid they run as, counting them, and ending them all.

RLIMIT_NPROC counts the processes and threads of a user, so the grader counts them the
same way (`tasks_of_user`). After a run, `kill_all` ends whatever it left behind, found
by its uid (as root) or by the token in its environment. Reads ``/proc`` (Linux).
Grader-side module.
"""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

__all__ = ["fresh_uid", "kill_all", "pids", "proc_status", "sandbox_pids",
           "tasks_of_user"]


def proc_status(pid: str) -> dict[str, str]:
    """The fields of ``/proc/<pid>/status`` by name; ``{}`` once the process is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def pids() -> list[str]:
    """The ids of every process now running, as ``/proc`` names them."""
    return [p for p in os.listdir("/proc") if p.isdigit()]


def tasks_of_user(uid: int) -> int:
    """Processes and threads whose real uid is ``uid`` (what RLIMIT_NPROC counts)."""
    n = 0
    for pid in pids():
        st = proc_status(pid)
        if st.get("Uid", "").split("\t")[0] == str(uid):
            n += int(st.get("Threads", "1") or 1)
    return n


def sandbox_pids(uid: int | None, token: str) -> list[int]:
    """The live processes of a sandbox.

    Those of ``uid`` (root mode), else those whose environment carries
    ``MLGRAPH_SANDBOX=<token>``.
    """
    found = []
    mark = f"MLGRAPH_SANDBOX={token}".encode()
    for pid in pids():
        if int(pid) == os.getpid():
            continue
        if uid is not None:
            st = proc_status(pid)
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
    """SIGKILL every process of the sandbox until none is left.

    Args:
        uid: the sandbox's uid (root mode), else None.
        token: the value of ``MLGRAPH_SANDBOX`` in the sandbox's environment.
        pgid: a process group to kill first (the worker's), or None.

    Returns:
        How many processes were sent SIGKILL one by one.
    """
    killed = 0
    for _ in range(200):
        if pgid is not None:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        found = sandbox_pids(uid, token)
        if not found:
            return killed
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.005)
    return killed


def fresh_uid() -> int:
    """An unprivileged uid no running process has (for one run, as root)."""
    taken = {proc_status(p).get("Uid", "").split("\t")[0] for p in pids()}
    while True:
        uid = random.SystemRandom().randrange(1_500_000_000, 1_600_000_000)
        if str(uid) not in taken:
            return uid
