"""What holds beneath the audit hook: each OS layer on its own, the hook left out.

The grader has no switch to leave the hook (or Landlock) out; these tests run a copy of
the worker's program with that line cut (`worker_without`), so they show what the kernel
refuses when the hook has been fooled: Landlock's confinement, the fresh uid with the
permissions the grader sets (as root), RLIMIT_NPROC. They also show that the wall-clock
limit does not charge a run the time a loaded machine kept it waiting.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import mlgraph
from mlgraph.grading import interpreter, processes, sandbox
from mlgraph.grading.batch import grade_batch

HERE = Path(__file__).parent / "grading"
BOMB = (HERE / "iris" / "hostile_fork_bomb.py").read_text()
ARGS = [(np.ones((2, 3)), np.ones((2, 3)), np.ones((4, 3)), np.ones((3, 4)))]
LIMITS = sandbox.Limits(wall_seconds=2.0, cpu_seconds=2, max_processes=8)
ROOT = os.geteuid() == 0
CUTS = {"hook": ("sys.addaudithook(make_hook(req, results))", "make_hook(req, results)"),
        "landlock": ("landlock, problem = confine(req)",
                     'landlock, problem = 0, "left out by a test"')}


def worker_without(folder, *layers):
    """The worker's program parts with ``layers`` ("hook", "landlock") left out."""
    text = sandbox.WORKER_PARTS[-1].read_text()
    for layer in layers:
        old, new = CUTS[layer]
        assert text.count(old) == 1, f"the worker no longer says {old!r}"
        text = text.replace(old, new)
    path = Path(folder) / f"_worker_without_{'_'.join(layers)}.py"
    path.write_text(text)
    return (*sandbox.WORKER_PARTS[:-1], path)


@pytest.fixture
def shared_dir():
    """A folder in /tmp every user may enter, as a course's folders often are."""
    d = Path(tempfile.mkdtemp(prefix="mlgraph-test-"))
    d.chmod(0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


# --- RLIMIT_NPROC ----------------------------------------------------------------------


def _count_while(run, count):
    peak, done = [0], threading.Event()

    def watch():
        while not done.is_set():
            peak[0] = max(peak[0], count())
            time.sleep(0.005)

    t = threading.Thread(target=watch)
    t.start()
    try:
        result = run()
    finally:
        done.set()
        t.join()
    return result, peak[0]


def _bomb_counted():
    """The bomb's run, the most tasks its user had at once, the most allowed, and how
    many of those are the grader's own threads (not root: the same user's)."""
    if ROOT:
        uid = processes.fresh_uid()

        def count():
            return processes.tasks_of_user(uid)

        def run():
            return sandbox.run([("bomb.py", BOMB)], "gradients", ARGS, limits=LIMITS,
                               run_as_uid=uid)
        return (*_count_while(run, count), LIMITS.max_processes, 0)
    uid = os.getuid()
    base = processes.tasks_of_user(uid)

    def count():
        return processes.tasks_of_user(uid) - base

    def run():
        return sandbox.run([("bomb.py", BOMB)], "gradients", ARGS, limits=LIMITS)
    return (*_count_while(run, count), LIMITS.max_processes + 2, 2)


def test_the_hook_refuses_a_fork():
    result, peak, _, grader = _bomb_counted()
    assert result.violations[0]["kind"] == "fork"
    assert peak <= 2 + grader, peak          # the worker and its submission's thread


def test_fork_bomb_is_contained_for_this_user(tmp_path, monkeypatch):
    """Without the hook. As root: a fresh uid whose process count the limit bounds.
    Otherwise: this user's own count plus the allowance."""
    monkeypatch.setattr(sandbox, "WORKER_PARTS", worker_without(tmp_path, "hook"))
    result, peak, allowed, grader = _bomb_counted()
    assert result.timed_out and not result.violations
    assert 3 + grader <= peak <= allowed, peak    # it forked, and no more than allowed
    time.sleep(0.2)
    assert not ROOT or not processes.sandbox_pids(result.uid, "none")


SCRIPT = textwrap.dedent("""
    import json, os, sys, threading, time
    from pathlib import Path
    import numpy as np
    from mlgraph.grading import processes, sandbox
    assert os.geteuid() != 0
    bomb = open(sys.argv[1]).read()
    sandbox.WORKER_PARTS = (*sandbox.WORKER_PARTS[:-1], Path(sys.argv[2]))
    me = os.getuid()
    def mine():     # this uid's live processes (zombies are dead); the user may run others
        live = set()
        for p in processes.pids():
            s = processes.proc_status(p)
            if s.get("Uid", "").split("\\t")[0] == str(me) and not s.get(
                    "State", "").startswith("Z"):
                live.add(p)
        return live
    before = mine()
    base = processes.tasks_of_user(me)
    peak, done = [0], threading.Event()
    def watch():
        while not done.is_set():
            peak[0] = max(peak[0], processes.tasks_of_user(me))
            time.sleep(0.005)
    t = threading.Thread(target=watch); t.start()
    r = sandbox.run([("bomb.py", bomb)], "gradients",
                    [(np.ones((2, 3)), np.ones((2, 3)), np.ones((4, 3)), np.ones((3, 4)))],
                    limits=sandbox.Limits(wall_seconds=2.0, cpu_seconds=2, max_processes=8))
    done.set(); t.join()
    time.sleep(0.2)
    left = len(mine() - before)                    # what the run left running
    print(json.dumps({"base": base, "peak": peak[0], "left": left,
                      "timed_out": r.timed_out, "violations": r.violations}))
""")


def test_fork_bomb_is_contained_for_an_unprivileged_grader(tmp_path):
    """The grader itself as an ordinary user (when the tests run as root, a fresh uid):
    RLIMIT_NPROC then counts the grader's own processes too. Without the hook."""
    if not ROOT:
        uid, kw = os.getuid(), {}
    else:
        uid = processes.fresh_uid()
        kw = {"user": uid, "group": uid, "extra_groups": []}
    home = Path(tmp_path) / "grader"
    home.mkdir()
    shutil.copytree(Path(mlgraph.__file__).parent, home / "mlgraph",
                    ignore=shutil.ignore_patterns("static", "__pycache__"))
    site = Path(np.__file__).resolve().parent.parent
    exe = sandbox.sandbox_python(uid if ROOT else None)
    path = [str(home)]
    if not interpreter.can_run(exe, uid if ROOT else None):
        for d in interpreter.numpy_dirs():              # numpy unreadable for that uid
            shutil.copytree(d, home / Path(d).name, symlinks=True)
    else:
        path.append(str(site))
    (home / "bomb.py").write_text(BOMB)
    (home / "run.py").write_text(SCRIPT)
    worker = worker_without(home, "hook")[-1]
    for p in [tmp_path, *tmp_path.parents]:
        if str(p) in ("/", "/tmp"):
            break
        os.chmod(p, os.stat(p).st_mode | 0o755)
    subprocess.run(["chmod", "-R", "a+rX", str(home)], check=True)
    out = subprocess.run([exe, "-s", str(home / "run.py"), str(home / "bomb.py"),
                          str(worker)],
                         capture_output=True, text=True, timeout=120, cwd=str(home),
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join(path),
                              "HOME": str(home), "TMPDIR": "/tmp"}, **kw)
    assert out.returncode == 0, out.stderr[-3000:]
    r = json.loads(out.stdout.strip().splitlines()[-1])
    assert r["timed_out"] and not r["violations"]
    # the grader's own threads (main, watcher, request writer) plus the allowance
    assert r["base"] + 3 <= r["peak"] <= r["base"] + 8 + 3, r
    assert r["left"] == 0, r                     # nothing of the bomb runs on


# --- the wall clock on a loaded machine --------------------------------------------------


@pytest.fixture
def one_busy_cpu():
    """This thread (so the sandboxes it starts) pinned to one CPU that two endless
    loops share with it: each process there gets about a third of it."""
    cpu = max(os.sched_getaffinity(0))
    loop = [sys.executable, "-c", "while True: pass"]
    busy = [subprocess.Popen(loop) for _ in range(2)]
    before = os.sched_getaffinity(0)
    try:
        for p in busy:
            os.sched_setaffinity(p.pid, {cpu})
        os.sched_setaffinity(0, {cpu})
        yield cpu
    finally:
        os.sched_setaffinity(0, before)
        for p in busy:
            p.kill()
            p.wait()


def test_the_wall_clock_does_not_count_waiting_for_a_cpu(one_busy_cpu):
    """With a third of a CPU, 1 s of CPU takes about 3 s: the verdict is the CPU limit's
    (SIGXCPU), and a memory bomb's the memory limit's, not a time-out at 1.5 s."""
    limits = sandbox.Limits(wall_seconds=1.5, cpu_seconds=1, memory_mb=512)
    loop = "def gradients(X, Y, W, V):\n    while True:\n        pass\n"
    r = sandbox.run([("loop.py", loop)], "gradients", ARGS, limits=limits)
    assert not r.timed_out and r.returncode in (-24, -9), (r.returncode, r.seconds)
    assert r.seconds > limits.wall_seconds and r.waited > 0.5, (r.seconds, r.waited)
    bomb = (HERE / "iris" / "hostile_memory_bomb.py").read_text()
    r = sandbox.run([("bomb.py", bomb)], "gradients", ARGS * 3, limits=limits)
    assert not r.timed_out and r.done, (r.seconds, r.waited)
    assert all(kind == "error" and info["type"] == "MemoryError"
               for kind, info in r.results.values()), r.results


def test_a_run_that_sleeps_still_times_out(one_busy_cpu):
    limits = sandbox.Limits(wall_seconds=1.0, cpu_seconds=5)
    nap = "import time\ndef gradients(X, Y, W, V):\n    time.sleep(60)\n"
    r = sandbox.run([("nap.py", nap)], "gradients", ARGS, limits=limits)
    assert r.timed_out and r.seconds < 5, (r.seconds, r.waited)


# --- files: Landlock, then the fresh uid and the permissions the grader sets ------------

PROBE = '''
import os, socket, subprocess
TARGETS = {targets!r}


def attempt(fn):
    try:
        fn()
        return 0
    except OSError as err:
        return err.errno or -1


def read(path):
    with open(path, "rb") as fh:
        fh.read(1)


def gradients(X, Y, W, V):
    out = {{name: attempt(lambda p=path: read(p)) for name, path in TARGETS["read"].items()}}
    out["write outside"] = attempt(lambda: open(TARGETS["write"], "w").close())
    out["own folder"] = attempt(lambda: (open("mine.txt", "w").write("x"), read("mine.txt")))
    out["run a program"] = attempt(lambda: subprocess.run(["/bin/true"], check=True))
    out["signal the grader"] = attempt(lambda: os.kill(os.getppid(), 0))
    out["tcp"] = attempt(lambda: socket.create_connection(("127.0.0.1", TARGETS["port"]),
                                                          2).close())
    return out
'''
EACCES, EPERM = 13, 1


def _probe(targets):
    """What the probe submission got for each try: 0 (done) or the errno."""
    r = sandbox.run([("probe.py", PROBE.format(targets=targets))], "gradients", ARGS)
    assert r.done, (r.import_errors, r.stderr[-2000:])
    return r, {k: int(v) for k, v in r.results[0][1].items()}


@pytest.fixture
def places(shared_dir):
    """Files a submission must not read: another submission where students' files often
    are (a folder every user may enter), another batch's outputs, the shipped spec."""
    other = shared_dir / "subs" / "student_b.py"
    other.parent.mkdir(mode=0o755)
    other.write_text((HERE / "iris" / "correct.py").read_text())
    other.chmod(0o644)
    out = shared_dir / "out"
    grade_batch("iris-backprop", [str(other)], str(out), seed=1, progress=False)
    import mlgraph.assignments.iris_backprop as spec

    return {"/etc/hostname": "/etc/hostname", "another submission": str(other),
            "another batch's results": str(out / "student_b" / "results.json"),
            "the assignment": os.path.realpath(spec.__file__),
            "mlgraph": os.path.realpath(mlgraph.__file__)}


def test_without_the_hook_landlock_refuses_what_it_would(tmp_path, monkeypatch, places):
    monkeypatch.setattr(sandbox, "WORKER_PARTS", worker_without(tmp_path, "hook"))
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        readable = {"the standard library": os.path.join(
            interpreter.stdlib_of(sandbox.sandbox_python(1 if ROOT else None)), "os.py"),
            "numpy": np.__file__}
        r, got = _probe({"read": {**places, **readable}, "port": server.getsockname()[1],
                         "write": str(Path(places["another submission"]).parent / "x")})
    assert r.landlock >= 1, f"this machine's kernel has no Landlock: {r.confinement}"
    assert not r.violations                      # no hook: only the kernel said no
    assert {k: got[k] for k in places} == dict.fromkeys(places, EACCES), got
    assert got["the standard library"] == got["numpy"] == got["own folder"] == 0, got
    assert got["write outside"] == got["run a program"] == EACCES, got
    assert got["signal the grader"] == (EPERM if ROOT or r.landlock >= 6 else 0), got
    assert got["tcp"] == (EACCES if r.landlock >= 4 else 0), got


def test_without_hook_and_landlock_the_uid_and_permissions_hold(tmp_path, monkeypatch,
                                                                  places, shared_dir):
    """As root, without Landlock, a fresh uid can't enter another run's folder, a
    course folder closed to other users, or an output folder (the grader closes it);
    what every user may read stays readable, which grading.json warns about."""
    monkeypatch.setattr(sandbox, "WORKER_PARTS",
                        worker_without(tmp_path, "hook", "landlock"))
    flag = shared_dir / "go"
    first = ("import os, time\nopen('secret.txt', 'w').write('mine')\n"
             "def gradients(X, Y, W, V):\n"
             f"    while not os.path.exists({str(flag)!r}):\n        time.sleep(0.02)\n"
             "    return W, V\n")
    runs = []
    t = threading.Thread(target=lambda: runs.append(sandbox.run(
        [("first.py", first)], "gradients", ARGS)))
    t.start()
    try:
        for _ in range(500):
            secret = [p for p in Path(tempfile.gettempdir()).glob(
                "mlgraph-sandbox-*/secret.txt")]
            if secret:
                break
            time.sleep(0.02)
        course = shared_dir / "course"
        course.mkdir(mode=0o750)
        (course / "student_c.py").write_text("# a student's work\n")
        r, got = _probe({"read": {"another run's folder": str(secret[0]),
                                  "a closed course folder": str(course / "student_c.py"),
                                  "another batch's results":
                                      places["another batch's results"],
                                  "a file everyone may read":
                                      places["another submission"]},
                         "port": 9, "write": str(shared_dir / "x")})
    finally:
        flag.touch()
        t.join()
    assert runs[0].done and r.landlock == 0
    if not ROOT:                                 # one uid for all: nothing to show here
        assert r.uid is None and got["another run's folder"] == 0
        return
    assert got["another run's folder"] == got["a closed course folder"] == EACCES, got
    assert got["another batch's results"] == EACCES, got
    assert got["a file everyone may read"] == 0, got


def test_the_batch_says_what_protected_it(tmp_path, monkeypatch, shared_dir, capsys):
    sub = shared_dir / "student_d.py"
    sub.write_text((HERE / "iris" / "correct.py").read_text())
    sub.chmod(0o644)
    out = shared_dir / "out"
    from mlgraph.cli import main

    assert main(["grade", "iris-backprop", str(sub), "--out", str(out),
                 "--no-progress"]) == 0
    record = json.loads((out / "grading.json").read_text())["sandbox"]
    assert record["landlock_abi"] >= 1 and "warning" not in record, record
    assert record["readable_by_other_users"] == [str(sub)]
    assert out.stat().st_mode & 0o007 == 0                     # the grades: closed
    assert "warning" not in capsys.readouterr().err
    monkeypatch.setattr(sandbox, "WORKER_PARTS", worker_without(tmp_path, "landlock"))
    assert main(["grade", "iris-backprop", str(sub), "--out", str(out),
                 "--no-progress"]) == 0
    record = json.loads((out / "grading.json").read_text())["sandbox"]
    assert record["landlock_abi"] == 0
    err = capsys.readouterr().err
    if ROOT:
        assert "readable by other users" in record["warning"] and str(sub) in err
    else:
        assert "only the audit hook" in record["warning"] and "warning:" in err
