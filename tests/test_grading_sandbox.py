"""The sandbox's limits are real: a fork bomb is contained by RLIMIT_NPROC both when the
grader runs as root (the submission then runs as a fresh unprivileged uid, since root
ignores RLIMIT_NPROC) and when it runs as an ordinary user; nothing is left running."""

import json
import os
import shutil
import subprocess
import textwrap
import threading
import time
from pathlib import Path

import numpy as np

import mlgraph
from mlgraph.grading import interpreter, processes, sandbox
from mlgraph.grading.batch import read_submission

HERE = Path(__file__).parent / "grading"
BOMB = (HERE / "iris" / "hostile_fork_bomb.py").read_text()
ARGS = [(np.ones((2, 3)), np.ones((2, 3)), np.ones((4, 3)), np.ones((3, 4)))]
LIMITS = sandbox.Limits(wall_seconds=2.0, cpu_seconds=2, max_processes=8)


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


def test_fork_bomb_is_contained_for_this_user():
    """As root: a fresh uid whose process count the limit bounds. Otherwise: this
    user's own count plus the allowance."""
    if os.geteuid() == 0:
        uid = processes.fresh_uid()

        def count():
            return processes.tasks_of_user(uid)

        def run():
            return sandbox.run([("bomb.py", BOMB)], "gradients", ARGS, limits=LIMITS,
                               run_as_uid=uid)
        allowed = LIMITS.max_processes
    else:
        uid = os.getuid()
        base = processes.tasks_of_user(uid)

        def count():
            return processes.tasks_of_user(uid) - base

        def run():
            return sandbox.run([("bomb.py", BOMB)], "gradients", ARGS, limits=LIMITS)
        allowed = LIMITS.max_processes + 2
    result, peak = _count_while(run, count)
    assert result.timed_out and result.violations[0]["kind"] == "fork"
    assert 2 <= peak <= allowed, peak           # it forked, and no more than allowed
    time.sleep(0.2)
    left = processes.sandbox_pids(uid if os.geteuid() == 0 else None, "none")
    assert os.geteuid() != 0 or not left


SCRIPT = textwrap.dedent("""
    import json, os, sys, threading, time
    import numpy as np
    from mlgraph.grading import processes, sandbox
    assert os.geteuid() != 0
    bomb = open(sys.argv[1]).read()
    me = os.getuid()
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
    states = [processes.proc_status(p) for p in processes.pids()]
    left = sum(1 for s in states if s.get("Uid", "").split("\t")[0] == str(me)
               and not s.get("State", "").startswith("Z"))     # zombies are dead
    print(json.dumps({"base": base, "peak": peak[0], "left": left,
                      "timed_out": r.timed_out, "violations": r.violations}))
""")


def test_fork_bomb_is_contained_for_an_unprivileged_grader(tmp_path):
    """The grader itself as an ordinary user (when the tests run as root, a fresh uid):
    RLIMIT_NPROC then counts the grader's own processes too."""
    if os.geteuid() != 0:
        uid, kw = os.getuid(), {}
    else:
        uid = processes.fresh_uid()
        kw = {"user": uid, "group": uid, "extra_groups": []}
    home = Path(tmp_path) / "grader"
    home.mkdir()
    shutil.copytree(Path(mlgraph.__file__).parent, home / "mlgraph",
                    ignore=shutil.ignore_patterns("static", "__pycache__"))
    site = Path(np.__file__).resolve().parent.parent
    exe = sandbox.sandbox_python(uid if os.geteuid() == 0 else None)
    path = [str(home)]
    if not interpreter.can_run(exe, uid if os.geteuid() == 0 else None):
        for d in interpreter.numpy_dirs():              # numpy unreadable for that uid
            shutil.copytree(d, home / Path(d).name, symlinks=True)
    else:
        path.append(str(site))
    (home / "bomb.py").write_text(BOMB)
    (home / "run.py").write_text(SCRIPT)
    for p in [tmp_path, *tmp_path.parents]:
        if str(p) in ("/", "/tmp"):
            break
        os.chmod(p, os.stat(p).st_mode | 0o755)
    subprocess.run(["chmod", "-R", "a+rX", str(home)], check=True)
    out = subprocess.run([exe, "-s", str(home / "run.py"), str(home / "bomb.py")],
                         capture_output=True, text=True, timeout=120, cwd=str(home),
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join(path),
                              "HOME": str(home), "TMPDIR": "/tmp"}, **kw)
    assert out.returncode == 0, out.stderr[-3000:]
    r = json.loads(out.stdout.strip().splitlines()[-1])
    assert r["timed_out"] and r["violations"][0]["kind"] == "fork"
    # the grader's own threads (main, watcher, request writer) plus the allowance
    assert r["base"] + 2 <= r["peak"] <= r["base"] + 8 + 3, r
    assert r["left"] == 1, r                     # only the grader: nothing of the bomb runs


def test_limits_and_channel():
    cpu = "def gradients(X, Y, W, V):\n    while True:\n        pass\n"
    r = sandbox.run([("loop.py", cpu)], "gradients", ARGS,
                    limits=sandbox.Limits(wall_seconds=20, cpu_seconds=1))
    assert not r.timed_out and r.returncode in (-24, -9)    # SIGXCPU, then SIGKILL
    env = ("import os, sys\n"
           "def gradients(X, Y, W, V):\n"
           "    return ({k: 0 for k in os.environ}, len(sys.stdin.read()),\n"
           "            {os.getcwd(): 0}, {p: 0 for p in sys.path})\n")
    r = sandbox.run([("env.py", env)], "gradients", ARGS)
    environ, stdin, cwd, path = r.results[0][1]
    assert set(environ) == {"PATH", "LANG", "LC_ALL", "OPENBLAS_NUM_THREADS",
                            "OMP_NUM_THREADS", "MKL_NUM_THREADS", "PYTHONHASHSEED",
                            "PYTHONDONTWRITEBYTECODE", "HOME", "TMPDIR", "MLGRAPH_SANDBOX"}
    assert float(stdin) == 0
    (where,) = cwd
    assert "mlgraph-sandbox-" in where and not Path(where).exists()   # removed after
    assert not any("mlgraph" in p.replace("mlgraph-sandbox-", "") for p in path)
    assert not any(Path(p, "mlgraph").exists() for p in path)


def test_notebook_magics_are_refused(tmp_path):
    sub = read_submission(HERE / "iris" / "correct_notebook.ipynb")
    code = "\n".join(src for _, src in sub.chunks)
    assert "%matplotlib" not in code and "!pip" not in code and "%time" not in code
    assert "mlgraph" not in code                      # the self-check and tagged cells
    assert [f for f, _ in sub.chunks][0] == "correct_notebook.ipynb, cell 2"
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    assert "not a valid notebook" in read_submission(bad).problem
    assert "not a .py or .ipynb" in read_submission(tmp_path / "x.txt").problem


def test_results_are_data_and_inputs_are_copies():
    src = ("import numpy as np\n"
           "def gradients(X, Y, W, V):\n"
           "    W[:] = 0\n"
           "    return np.float32(1.5), [1, 2.5], {'a': np.eye(2)}, None, 1j, 'text'\n")
    args = [(np.ones((2, 3)), np.ones((2, 3)), np.full((4, 3), 7.0), np.ones((3, 4)))]
    r = sandbox.run([("d.py", src)], "gradients", args)
    value = r.results[0][1]
    assert value[0].shape == () and float(value[0]) == 1.5
    assert [float(v) for v in value[1]] == [1.0, 2.5]
    assert np.array_equal(value[2]["a"], np.eye(2)) and value[3] is None
    assert str(value[4]) == "a complex" and str(value[5]) == "a str"
    assert (args[0][2] == 7.0).all()                 # the grader's arrays are untouched


def test_the_assignment_file_is_not_readable_even_by_its_exact_path():
    import mlgraph.assignments.iris_backprop as spec

    path = os.path.realpath(spec.__file__)
    src = ("import os\n"
           "def gradients(X, Y, W, V):\n"
           f"    for p in [{path!r}, {os.path.dirname(path)!r}]:\n"
           "        try:\n"
           "            open(p).read() if p.endswith('.py') else os.listdir(p)\n"
           "        except PermissionError:\n"
           "            pass\n"
           "    fd = os.open(os.path.dirname(os.__file__), os.O_RDONLY)\n"
           "    return W, V\n")
    r = sandbox.run([("peek.py", src)], "gradients", ARGS)
    assert r.violations[0]["kind"] == "file" and r.violations[0]["detail"] == path
    assert "read files outside its working directory" in r.violations[0]["what"]
    assert r.results[0][0] == "error"                 # a directory fd is refused too
    assert "open a directory" in r.results[0][1]["message"]


def test_ctypes_paths_and_chdir_are_refused():
    src = ("import ctypes, os, pathlib\n"
           "def gradients(X, Y, W, V):\n"
           "    out = {}\n"
           "    for name, fn in [('cdll', lambda: ctypes.CDLL(None).getpid()),\n"
           "                     ('pythonapi', lambda: ctypes.pythonapi.Py_GetVersion()),\n"
           "                     ('string_at', lambda: ctypes.string_at(id(W), 8)),\n"
           "                     ('path', lambda: open(pathlib.Path('/etc/hostname')).read()),\n"
           "                     ('own_file', lambda: pathlib.Path('mine.txt').write_text('x')),\n"
           "                     ('chdir', lambda: os.chdir('/'))]:\n"
           "        try:\n"
           "            fn()\n"
           "            out[name] = 0\n"
           "        except PermissionError:\n"
           "            out[name] = 1\n"
           "    return out\n")
    r = sandbox.run([("c.py", src)], "gradients", ARGS)
    refused = {k: float(v) for k, v in r.results[0][1].items()}
    assert refused == {"cdll": 1, "pythonapi": 1, "string_at": 1, "path": 1, "own_file": 0,
                       "chdir": 1}
    assert [v["kind"] for v in r.violations] == ["ctypes", "file", "os"]
