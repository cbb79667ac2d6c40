"""The sandbox with all its layers: its limits, its channel, and what the audit hook
refuses and reports. What the kernel holds without the hook is in test_grading_layers.py."""

import os
from pathlib import Path

import numpy as np

from mlgraph.grading import sandbox
from mlgraph.grading.batch import read_submission

HERE = Path(__file__).parent / "grading"
BOMB = (HERE / "iris" / "hostile_fork_bomb.py").read_text()
ARGS = [(np.ones((2, 3)), np.ones((2, 3)), np.ones((4, 3)), np.ones((3, 4)))]
LIMITS = sandbox.Limits(wall_seconds=2.0, cpu_seconds=2, max_processes=8)


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
