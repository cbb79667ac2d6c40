"""The audit hook on every Python the package supports (3.10 to 3.13, those on this
machine): real audit events, not a list of them. On each, a harness seals the hook as
the worker does, installs it, and runs in a thread of its own (as a submission runs)
the ways found to switch it off or get round it, then things a submission may do."""

import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlgraph.grading import sandbox

HOOK = Path(sandbox.__file__).with_name("_hook.py")


def _pythons() -> dict[str, str]:
    """One interpreter per version 3.10 to 3.13 found here (this one's among them)."""
    found = {f"{sys.version_info.major}.{sys.version_info.minor}": sys.executable}
    pyenv = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    for minor in range(10, 14):
        version = f"3.{minor}"
        candidates = [shutil.which(f"python{version}"),
                      *sorted(glob.glob(f"{pyenv}/versions/{version}.*/bin/python{version}"))]
        for exe in filter(None, candidates):
            if version not in found and subprocess.run(
                    [exe, "-c", f"import sys; assert sys.version_info[:2] == (3, {minor})"],
                    capture_output=True).returncode == 0:
                found[version] = exe
    return found


PYTHONS = _pythons()

HARNESS = r'''
import json, os, sys, _thread
hook_file, tmp, blocked = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
parts = {"__name__": "worker_parts"}
exec(compile(open(hook_file).read(), hook_file, "exec"), parts)
req = {"tmp": tmp, "stdlib": os.path.dirname(os.__file__), "numpy": [],
       "forbidden": ["torch"], "allowed": [], "blocked_stdlib": blocked}
report_r, report_w = os.pipe()
hook = parts["make_hook"](req, report_w)


def sealed_problems():
    """Anything a sealed function reads by name (globals, builtins, closures)."""
    import dis
    names = ("GLOBAL", "NAME", "DEREF", "CLOSURE", "BUILD_CLASS", "FREE_VARS", "IMPORT")
    todo, seen, problems = [hook], set(), []
    while todo:
        fn = todo.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        if fn.__globals__ != {"__builtins__": {}} or fn.__closure__:
            problems.append(fn.__name__ + ": globals or closure")
        problems += [f"{fn.__name__}: {i.opname} {i.argval}"
                     for i in dis.get_instructions(fn) if any(n in i.opname for n in names)]
        problems += [fn.__name__ + ": nested code" for c in fn.__code__.co_consts
                     if hasattr(c, "co_code")]
        todo += [v for v in fn.__defaults__[0] if type(v) is type(sealed_problems)]
    return problems


problems = sealed_problems()
os.chdir(tmp)
sys.addaudithook(hook)
del hook
SECRET = "/etc/hostname"


def steal():
    with open(SECRET) as fh:
        fh.read()
    return "read"


def busy_flag():
    try:
        import scipy
    except ImportError as err:
        tb = err.__traceback__
        while tb is not None:
            for v in list(tb.tb_frame.f_locals.values()):
                if isinstance(v, list) and v and isinstance(v[0], bool):
                    v[0] = True
            tb = tb.tb_next
    return steal()


def frames():
    found = []
    try:
        open(SECRET)
    except PermissionError as err:
        tb = err.__traceback__
        while tb is not None:
            found.append(tb.tb_frame)
            tb = tb.tb_next
    f = sys._getframe()
    while f is not None:
        found.append(f)
        f = f.f_back
    for frame in found:
        for name, value in list(frame.f_locals.items()):
            if isinstance(value, tuple) and value and isinstance(value[0], str):
                frame.f_locals[name] = ("/",)          # 3.13: written through
            if isinstance(value, list) and all(isinstance(v, bool) for v in value):
                value[:] = [True] * len(value)             # flags
    return steal()


def functions_of_the_hook():
    try:
        open(SECRET)
    except PermissionError as err:
        tb = err.__traceback__
        while tb.tb_next is not None:
            tb = tb.tb_next
        K = tb.tb_frame.f_locals["K"]
    return [v for v in K if type(v) is type(steal)]


def defaults():
    for fn in functions_of_the_hook():
        fn.__defaults__ = ((),)
    return steal()


def code():
    for fn in functions_of_the_hook():
        fn.__code__ = (lambda event, args, K=None: None).__code__
    return steal()


def globals_():
    yes = lambda *a, **k: True
    for fn in functions_of_the_hook():
        fn.__globals__["__builtins__"].update(any=yes, isinstance=yes, len=yes)
        fn.__globals__.update(readable=yes, file_refusal=lambda *a: None)
    return steal()


def gc_():
    import gc
    for obj in gc.get_referrers(sys.audit):
        pass
    return steal()


def patched():
    import builtins, posixpath
    here = os.getcwd()
    posixpath.realpath = os.path.realpath = lambda p, *a, **k: here
    os.lstat = os.stat = lambda *a, **k: os.fstat(0)
    os.readlink = lambda *a, **k: here
    builtins.any = lambda it: True
    return steal()


def tracing():
    def tracer(frame, *args):
        for name, value in list(frame.f_locals.items()):
            if isinstance(value, tuple):
                frame.f_locals[name] = ("/",)
        return tracer
    sys.settrace(tracer)
    return steal()


def monitoring():
    if not hasattr(sys, "monitoring"):
        raise PermissionError("(no sys.monitoring before 3.12)")
    sys.monitoring.use_tool_id(3, "spy")
    sys.monitoring.register_callback(3, sys.monitoring.events.PY_START, print)
    return steal()


def signal_handler():
    import signal
    signal.signal(signal.SIGUSR1, lambda sig, frame: None)
    return steal()


def proc_root():
    with open("/proc/self/root" + SECRET) as fh:
        return "read" if fh.read() else ""


def dir_fd():
    fd = os.open(("../" * 12) + SECRET[1:], os.O_RDONLY, dir_fd=os.open(".", os.O_RDONLY))
    return "read" if os.read(fd, 10) else ""


def symlink():
    os.symlink(SECRET, "link")
    return "read" if open("link").read() else ""


def ok(fn):
    fn()
    return "ok"


def legit():
    import collections, dataclasses, enum, logging, io, pathlib, traceback, typing, warnings
    return {
        "read the standard library": lambda: ok(lambda: open(os.__file__).read()),
        "write and read its folder": lambda: ok(lambda: (
            pathlib.Path("mine.txt").write_text("x"), pathlib.Path("mine.txt").read_text(),
            list(pathlib.Path(".").iterdir()), os.remove("mine.txt"))),
        "namedtuple, enum, TypeVar": lambda: ok(lambda: (
            collections.namedtuple("P", "a b"), enum.Enum("E", "a b"), typing.TypeVar("T"))),
        "dataclass": lambda: ok(lambda: dataclasses.make_dataclass("D", ["a"])),
        "logging": lambda: ok(lambda: logging.getLogger("x").addHandler(
            logging.StreamHandler(io.StringIO())) or logging.getLogger("x").warning("hi")),
        "a traceback": lambda: ok(lambda: traceback.format_exception(ValueError("x"))),
        "warnings": lambda: ok(lambda: warnings.warn("w")),
        "import decimal, json": lambda: ok(lambda: (__import__("decimal"), __import__("json"))),
        "a thread": lambda: ok(lambda: __import__("threading").Thread(target=len, args=((),)).start()),
    }


ATTACKS = [busy_flag, frames, defaults, code, globals_, gc_, patched, tracing, monitoring,
           signal_handler, proc_root, dir_fd, symlink]
results = {}


def run():
    for name, fn in legit().items():
        try:
            results[name] = fn()
        except BaseException as err:
            results[name] = f"{type(err).__name__}: {err}"
    for attack in ATTACKS:                         # last: they may break things
        try:
            results[attack.__name__] = attack()
        except BaseException as err:
            results[attack.__name__] = type(err).__name__
    done.release()


done = _thread.allocate_lock()
done.acquire()
_thread.start_new_thread(run, ())
done.acquire()
os.close(report_w)
reports = os.read(report_r, 1 << 20).decode().splitlines()
sys.stdout.write(json.dumps({"results": results, "problems": problems,
                             "kinds": sorted({json.loads(r)["kind"] for r in reports})}))
sys.stdout.flush()
os._exit(0)
'''

LEGIT = ["read the standard library", "write and read its folder",
         "namedtuple, enum, TypeVar", "dataclass", "logging", "a traceback", "warnings",
         "import decimal, json", "a thread"]


@pytest.mark.parametrize("version", sorted(PYTHONS))
def test_the_hook_holds_on(version, tmp_path):
    exe = PYTHONS[version]
    out = subprocess.run([exe, "-I", "-S", "-c", HARNESS, str(HOOK), str(tmp_path),
                          json.dumps(sandbox.BLOCKED_STDLIB)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout)
    assert got["problems"] == []                       # sealed: nothing read by name
    results = got["results"]
    assert {k: results[k] for k in LEGIT} == dict.fromkeys(LEGIT, "ok"), results
    attacks = {k: v for k, v in results.items() if k not in LEGIT}
    assert "read" not in attacks.values(), attacks
    assert attacks["signal_handler"] == "ValueError"   # not in the main thread
    assert set(attacks.values()) <= {"PermissionError", "ValueError"}, attacks
    assert set(got["kinds"]) >= {"file", "gc", "sys", "tamper", "os"}, got["kinds"]

