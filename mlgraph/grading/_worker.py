"""The program a submission runs in: standard library and numpy only, never mlgraph.

`mlgraph.grading.sandbox` starts it as ``python -I -S -B -c <this text> REQ_FD RES_FD``
with a scrubbed environment, stdin closed and a fresh working directory. It reads its
request (the submission's source, the function's name, each case's inputs) from REQ_FD
and closes it, lowers its own resource limits, imports numpy, installs an audit hook
that refuses what a submission may not do, runs the submission and calls the function
once per case, and writes each result as a JSON line to RES_FD. The reference values
are never here: whatever the submission reads or forges, it only has its inputs.
"""

import os
import sys


def main():  # noqa: C901 - one linear program, read top to bottom
    req_fd, res_fd = int(sys.argv[1]), int(sys.argv[2])
    chunks = []
    while True:
        block = os.read(req_fd, 1 << 16)
        if not block:
            break
        chunks.append(block)
    os.close(req_fd)

    import json
    import resource

    req = json.loads(b"".join(chunks))
    del chunks
    for name, soft, hard in req["rlimits"]:
        resource.setrlimit(getattr(resource, name), (soft, hard))

    write, dumps, getpid = os.write, json.dumps, os.getpid

    def send(msg):
        data = (dumps(msg) + "\n").encode()
        try:
            while data:
                data = data[write(res_fd, data):]
        except OSError:
            pass

    sys.path.append(req["libdir"])
    import base64
    import builtins
    import linecache
    import pathlib
    import traceback

    import numpy as np

    # --- what a submission may not change: numpy's and the builtins' names ---------------
    watched = {"numpy": np, "numpy.linalg": np.linalg, "numpy.random": np.random,
               "builtins": builtins}
    before = {m: {k: id(v) for k, v in vars(mod).items()} for m, mod in watched.items()}

    def patched():
        out = []
        for m, mod in watched.items():
            now = vars(mod)
            out += [f"{m}.{k}" for k, i in before[m].items()
                    if k not in now or id(now[k]) != i]
        return out

    # --- the audit hook ------------------------------------------------------------------
    realpath, isdir = os.path.realpath, os.path.isdir
    tmp = realpath(req["tmp"])
    read_roots = tuple(realpath(p) for p in req["read_roots"]) + (tmp,)
    forbidden = frozenset(req["forbidden"])
    allowed = frozenset(req["allowed"])
    stdlib = frozenset(sys.stdlib_module_names) - frozenset(req["blocked_stdlib"])
    blocked_std = frozenset(req["blocked_stdlib"])
    writing = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    deny = {
        "subprocess.Popen": "start a program", "os.system": "start a program",
        "os.exec": "start a program", "os.posix_spawn": "start a program",
        "os.spawn": "start a program", "pty.spawn": "start a program",
        "os.kill": "send a signal", "os.killpg": "send a signal",
        "signal.pthread_kill": "send a signal",
        "gc.get_objects": "search the interpreter's objects (the heap)",
        "gc.get_referrers": "search the interpreter's objects (the heap)",
        "gc.get_referents": "search the interpreter's objects (the heap)",
        "sys.addaudithook": "install an audit hook",
        "resource.setrlimit": "change its resource limits",
        "resource.prlimit": "change its resource limits",
        "os.symlink": "create a link", "os.link": "create a link",
        "os.chdir": "change its working directory",
    }
    writes = frozenset({
        "os.remove", "os.rmdir", "os.rename", "os.mkdir", "os.chmod", "os.chown",
        "os.truncate", "os.utime", "os.chflags", "os.setxattr", "os.removexattr",
        "shutil.copyfile", "shutil.copymode", "shutil.copystat", "shutil.copytree",
        "shutil.move", "shutil.rmtree", "shutil.make_archive", "shutil.unpack_archive",
    })
    reads = frozenset({"os.listdir", "os.scandir", "glob.glob", "glob.glob/2",
                       "os.listxattr", "os.getxattr"})
    busy = [False]
    forked = [0]

    def under(p, roots):
        return any(p == r or p.startswith(r + "/") for r in roots)

    plain_paths = (pathlib.PosixPath, pathlib.PurePosixPath)

    def path_of(x):
        if type(x) in plain_paths:
            x = str(x)
        if type(x) is bytes:
            x = os.fsdecode(x)
        if type(x) is str:
            return realpath(x)
        if x is None or type(x) is int:                # a file descriptor it already has
            return None
        # NOTE: another path-like object could name one file when checked and another
        # when opened (its __fspath__ is the submission's code)
        refuse("file", "open files through a path object of its own", type(x).__name__)

    def readable(p):
        pid = str(getpid())
        return (under(p, read_roots) or p in ("/dev/null", "/dev/urandom")
                or p == "/proc/" + pid or p.startswith("/proc/" + pid + "/"))

    def refuse(kind, what, detail=""):
        send({"type": "violation", "kind": kind, "what": what, "detail": detail[:300]})
        raise PermissionError(f"the grader does not allow a submission to {what}")

    def hook(event, args):
        if busy[0]:
            return
        what = deny.get(event)
        if what is None and event.startswith(("ctypes.", "socket.", "_ctypes")):
            what = ("call C functions through ctypes" if "ctypes" in event
                    else "use the network")
        if what is not None:
            busy[0] = True
            try:
                refuse(event.split(".")[0], what, event)
            finally:
                busy[0] = False
        if event == "import":
            top = args[0].partition(".")[0]
            if top in forbidden:
                busy[0] = True
                try:
                    send({"type": "violation", "kind": "import", "what":
                          f"import {top}, which this assignment forbids", "detail": args[0]})
                finally:
                    busy[0] = False
                raise ImportError(f"{top} may not be imported in this assignment")
            if top in blocked_std or (top not in stdlib and top not in allowed):
                raise ModuleNotFoundError(
                    f"{args[0]} is not available to submissions (allowed: the standard "
                    f"library and {', '.join(sorted(allowed)) or 'nothing else'})")
            return
        if event in ("os.fork", "os.forkpty"):
            if forked[0] != getpid():
                forked[0] = getpid()
                send({"type": "violation", "kind": "fork",
                      "what": "start child processes (os.fork)", "detail": event})
            return
        if event == "object.__setattr__" and args and args[0] is hook:
            refuse("tamper", "change the grader's audit hook")
        if event == "open" or event in writes or event in reads:
            busy[0] = True
            try:
                check_paths(event, args)
            finally:
                busy[0] = False

    def check_paths(event, args):
        if event == "open":
            p = path_of(args[0])
            if p is None:
                return
            flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
            mode = args[1] if len(args) > 1 and isinstance(args[1], str) else ""
            if flags & writing or any(c in mode for c in "wax+"):
                if not under(p, (tmp,)) and p != "/dev/null":
                    refuse("file", "write outside its working directory", p)
            elif not readable(p):
                refuse("file", "read files outside its working directory", p)
            elif isdir(p) and not under(p, (tmp,)):
                refuse("file", "open a directory outside its working directory", p)
            return
        for a in args:
            p = path_of(a)
            if p is None:
                continue
            if event in writes and not under(p, (tmp,)):
                refuse("file", "change files outside its working directory", p)
            if event in reads and not readable(p):
                refuse("file", "list or enter directories outside its working directory", p)

    # --- reading the request's arguments and encoding results ----------------------------
    max_elems = int(req["max_elements"])

    def decode(x, refs):
        if isinstance(x, list):
            return [decode(v, refs) for v in x]
        if isinstance(x, dict):
            if "__nd__" in x:
                dtype, shape, b64 = x["__nd__"]
                return np.frombuffer(base64.b64decode(b64), dtype=dtype).reshape(shape).copy()
            if "__ref__" in x:
                return refs[x["__ref__"]]
            if "__tuple__" in x:
                return tuple(decode(v, refs) for v in x["__tuple__"])
            return {k: decode(v, refs) for k, v in x["__dict__"]}
        return x

    budget = [0]

    def encode(v, depth=0):
        t = type(v)
        if depth > 20:
            return {"kind": "unreadable", "what": "nested too deeply"}
        if v is None:
            return {"kind": "none"}
        if t in (float, int, bool) or isinstance(v, (np.ndarray, np.generic)):
            arr = np.asarray(v)
            if arr.dtype.kind not in "biuf":
                return {"kind": "unreadable", "what": f"an array of dtype {arr.dtype}"}
            budget[0] += arr.size
            if budget[0] > max_elems:
                return {"kind": "unreadable", "what": f"too large ({arr.size} numbers)"}
            arr = np.array(arr, dtype="<f8", order="C")
            return {"kind": "array", "shape": list(arr.shape),
                    "b64": base64.b64encode(arr.tobytes()).decode()}
        if t in (list, tuple):
            if len(v) > 10000:
                return {"kind": "unreadable", "what": f"a {t.__name__} of {len(v)} items"}
            return {"kind": "seq", "tuple": t is tuple,
                    "items": [encode(i, depth + 1) for i in v]}
        if t is dict:
            if len(v) > 10000:
                return {"kind": "unreadable", "what": f"a dict of {len(v)} items"}
            return {"kind": "dict", "items": [[str(k)[:200], encode(i, depth + 1)]
                                              for k, i in v.items()]}
        return {"kind": "unreadable", "what": "a " + t.__name__[:60]}

    own = set()

    def describe(err, tb=None):
        try:
            message = str(err)[:800]
        except BaseException:  # a student's exception whose str() fails
            message = ""
        frames = [f for f in traceback.extract_tb(tb or err.__traceback__)
                  if f.filename in own]
        where = ""
        if frames:
            f = frames[-1]
            where = f"{f.filename}, line {f.lineno}: {(f.line or '').strip()[:120]}"
        return {"type": type(err).__name__[:80], "message": message, "where": where}

    def finish():
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # a submission may have replaced or closed them
                pass
        os._exit(0)

    # --- run -----------------------------------------------------------------------------
    refs = {}
    if req["preamble"]:
        pre = {"np": np, "__name__": "preamble", "__builtins__": builtins}
        exec(compile(req["preamble"], "<assignment helpers>", "exec"), pre)
        refs = {k: v for k, v in pre.items() if not k.startswith("__")}
    cases = [decode(c, refs) for c in req["cases"]]
    fname, notebook, chunks = req["function"], req["notebook"], req["chunks"]
    namespace = {"__name__": "submission", "__builtins__": builtins}
    for filename, src in chunks:
        own.add(filename)
        linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
    del req
    sys.addaudithook(hook)
    send({"type": "ready"})

    # The submission's own code: a .py file at once, a notebook cell by cell (a failing
    # cell is reported and the next ones still run, as in a notebook run top to bottom).
    for filename, src in chunks:
        try:
            exec(compile(src, filename, "exec"), namespace)
        except BaseException as err:
            send({"type": "import", "where": filename, "error": describe(err)})
            if not notebook:
                finish()
    fn = namespace.get(fname)
    if not callable(fn):
        send({"type": "import", "where": "", "error": {
            "type": "missing", "where": "",
            "message": f"the submission defines no function {fname}()" if fn is None
            else f"{fname} is a {type(fn).__name__}, not a function"}})
        finish()
    changed = patched()
    if changed:
        send({"type": "violation", "kind": "patch", "what": "replace numpy or builtin "
              "functions", "detail": ", ".join(changed[:10])})
    for i, args in enumerate(cases):
        budget[0] = 0
        try:
            out = fn(*args)
        except BaseException as err:
            send({"type": "case", "index": i, "error": describe(err)})
            continue
        try:
            value = encode(out)
        except BaseException as err:
            value = {"kind": "unreadable", "what": "a value that could not be read ("
                     + type(err).__name__ + ")"}
        send({"type": "case", "index": i, "value": value})
        changed = patched()
        if changed:
            send({"type": "violation", "kind": "patch", "what": "replace numpy or "
                  "builtin functions", "detail": ", ".join(changed[:10])})
    send({"type": "done"})
    # NOTE: no interpreter shutdown: a submission's atexit handlers or threads never run
    finish()


if __name__ == "__main__":
    main()
