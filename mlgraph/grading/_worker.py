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

# File events checked against the paths they name (`path_checker`).
WRITES = frozenset({
    "os.remove", "os.rmdir", "os.rename", "os.mkdir", "os.chmod", "os.chown",
    "os.truncate", "os.utime", "os.chflags", "os.setxattr", "os.removexattr",
    "shutil.copyfile", "shutil.copymode", "shutil.copystat", "shutil.copytree",
    "shutil.move", "shutil.rmtree", "shutil.make_archive", "shutil.unpack_archive",
})
READS = frozenset({"os.listdir", "os.scandir", "glob.glob", "glob.glob/2",
                   "os.listxattr", "os.getxattr"})


def denied_events():
    """Audit events a submission may never raise, with what they would have done."""
    program, signal = "start a program", "send a signal"
    heap = "search the interpreter's objects (the heap)"
    limits, link = "change its resource limits", "create a link"
    return {
        "subprocess.Popen": program, "os.system": program, "os.exec": program,
        "os.posix_spawn": program, "os.spawn": program, "pty.spawn": program,
        "os.kill": signal, "os.killpg": signal, "signal.pthread_kill": signal,
        "gc.get_objects": heap, "gc.get_referrers": heap, "gc.get_referents": heap,
        "resource.setrlimit": limits, "resource.prlimit": limits, "os.symlink": link,
        "os.link": link, "os.chdir": "change its working directory",
        "sys.addaudithook": "install an audit hook",
    }


# --- the request and the answer -------------------------------------------------------


def read_request(fd):
    """The request the grader wrote to ``fd``, read to its end; ``fd`` is closed."""
    blocks = []
    while True:
        block = os.read(fd, 1 << 16)
        if not block:
            break
        blocks.append(block)
    os.close(fd)
    import json

    return json.loads(b"".join(blocks))


def lower_limits(rlimits):
    """Set the request's resource limits (``[name, soft, hard]``) on this process."""
    import resource

    for name, soft, hard in rlimits:
        resource.setrlimit(getattr(resource, name), (soft, hard))


def sender(fd):
    """``send(msg)``: one JSON line to the grader; a closed pipe is ignored."""
    import json

    write, dumps = os.write, json.dumps

    def send(msg):
        data = (dumps(msg) + "\n").encode()
        try:
            while data:
                data = data[write(fd, data):]
        except OSError:
            pass

    return send


def finish():
    """Flush what the submission printed and end, with no interpreter shutdown."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # a submission may have replaced or closed them
            pass
    os._exit(0)


# --- what a submission may not change: numpy's and the builtins' names --------------


def watcher(modules):
    """``patched()``: the names in ``modules`` (name -> module) rebound since now."""
    before = {m: {k: id(v) for k, v in vars(mod).items()}
              for m, mod in modules.items()}

    def patched():
        out = []
        for m, mod in modules.items():
            now = vars(mod)
            out += [f"{m}.{k}" for k, i in before[m].items()
                    if k not in now or id(now[k]) != i]
        return out

    return patched


# --- the audit hook -------------------------------------------------------------------


def refuser(send):
    """``refuse(kind, what, detail)``: tell the grader, then raise PermissionError."""

    def refuse(kind, what, detail=""):
        send({"type": "violation", "kind": kind, "what": what, "detail": detail[:300]})
        raise PermissionError(f"the grader does not allow a submission to {what}")

    return refuse


def path_checker(req, refuse):
    """``check(event, args)``: refuses a file event outside what a submission may touch.

    It may write in its working directory only, and read there, in the request's read
    roots (the standard library, numpy), /dev/null, /dev/urandom and its own /proc.
    """
    import pathlib

    realpath, isdir, getpid = os.path.realpath, os.path.isdir, os.getpid
    tmp = realpath(req["tmp"])
    read_roots = tuple(realpath(p) for p in req["read_roots"]) + (tmp,)
    writing = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    plain_paths = (pathlib.PosixPath, pathlib.PurePosixPath)

    def under(p, roots):
        return any(p == r or p.startswith(r + "/") for r in roots)

    def path_of(x):
        if type(x) in plain_paths:
            x = str(x)
        if type(x) is bytes:
            x = os.fsdecode(x)
        if type(x) is str:
            return realpath(x)
        if x is None or type(x) is int:            # a file descriptor it already has
            return None
        # NOTE: another path-like object could name one file when checked and another
        # when opened (its __fspath__ is the submission's code)
        refuse("file", "open files through a path object of its own", type(x).__name__)

    def readable(p):
        pid = str(getpid())
        return (under(p, read_roots) or p in ("/dev/null", "/dev/urandom")
                or p == "/proc/" + pid or p.startswith("/proc/" + pid + "/"))

    def check_open(args):
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

    def check(event, args):
        if event == "open":
            return check_open(args)
        for a in args:
            p = path_of(a)
            if p is None:
                continue
            if event in WRITES and not under(p, (tmp,)):
                refuse("file", "change files outside its working directory", p)
            if event in READS and not readable(p):
                refuse("file", "list or enter directories outside its working "
                       "directory", p)

    return check


def import_checker(req, report):
    """``check(name)``: refuses an import the assignment does not allow.

    A forbidden package is reported (``report``) and refused with ImportError; one that
    is neither in the standard library nor allowed is not found.
    """
    forbidden = frozenset(req["forbidden"])
    allowed = frozenset(req["allowed"])
    blocked = frozenset(req["blocked_stdlib"])
    stdlib = frozenset(sys.stdlib_module_names) - blocked
    others = ", ".join(sorted(allowed)) or "nothing else"

    def check(name):
        top = name.partition(".")[0]
        if top in forbidden:
            report({"type": "violation", "kind": "import",
                    "what": f"import {top}, which this assignment forbids",
                    "detail": name})
            raise ImportError(f"{top} may not be imported in this assignment")
        if top in blocked or (top not in stdlib and top not in allowed):
            raise ModuleNotFoundError(
                f"{name} is not available to submissions (allowed: the standard "
                f"library and {others})")

    return check


def audit_hook(req, send):
    """The hook that refuses what a submission may not do, and reports it.

    Denied events, ctypes and sockets raise PermissionError; forbidden imports
    ImportError; files are checked by `path_checker`. A fork is reported once per
    process (RLIMIT_NPROC bounds it), a change to the hook itself refused. While the
    hook reports or checks, the events that causes are let through.
    """
    getpid = os.getpid
    deny = denied_events()
    busy = [False]
    forked = [0]
    refuse = refuser(send)

    def guarded(fn, *args):
        busy[0] = True
        try:
            fn(*args)
        finally:
            busy[0] = False

    check_paths = path_checker(req, refuse)
    check_import = import_checker(req, lambda msg: guarded(send, msg))

    def hook(event, args):
        if busy[0]:
            return
        what = deny.get(event)
        if what is None and event.startswith(("ctypes.", "socket.", "_ctypes")):
            what = ("call C functions through ctypes" if "ctypes" in event
                    else "use the network")
        if what is not None:
            guarded(refuse, event.split(".")[0], what, event)
        if event == "import":
            return check_import(args[0])
        if event in ("os.fork", "os.forkpty"):
            if forked[0] != getpid():
                forked[0] = getpid()
                send({"type": "violation", "kind": "fork",
                      "what": "start child processes (os.fork)", "detail": event})
            return
        if event == "object.__setattr__" and args and args[0] is hook:
            refuse("tamper", "change the grader's audit hook")
        if event == "open" or event in WRITES or event in READS:
            guarded(check_paths, event, args)

    return hook


# --- reading the request's arguments and encoding results -----------------------------


def decoder(np, b64decode):
    """``decode(x, refs)``: a case's arguments from the request's JSON."""

    def decode(x, refs):
        if isinstance(x, list):
            return [decode(v, refs) for v in x]
        if isinstance(x, dict):
            if "__nd__" in x:
                dtype, shape, b64 = x["__nd__"]
                data = np.frombuffer(b64decode(b64), dtype=dtype)
                return data.reshape(shape).copy()
            if "__ref__" in x:
                return refs[x["__ref__"]]
            if "__tuple__" in x:
                return tuple(decode(v, refs) for v in x["__tuple__"])
            return {k: decode(v, refs) for k, v in x["__dict__"]}
        return x

    return decode


def encoder(np, b64encode, max_elements):
    """``encode(value)``, a returned value as JSON data, and its ``budget``.

    ``budget[0]`` counts the numbers encoded (reset it before each case); past
    ``max_elements`` an array is sent as unreadable.
    """
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
            if budget[0] > max_elements:
                return {"kind": "unreadable", "what": f"too large ({arr.size} numbers)"}
            arr = np.array(arr, dtype="<f8", order="C")
            return {"kind": "array", "shape": list(arr.shape),
                    "b64": b64encode(arr.tobytes()).decode()}
        if t in (list, tuple):
            if len(v) > 10000:
                return {"kind": "unreadable",
                        "what": f"a {t.__name__} of {len(v)} items"}
            return {"kind": "seq", "tuple": t is tuple,
                    "items": [encode(i, depth + 1) for i in v]}
        if t is dict:
            if len(v) > 10000:
                return {"kind": "unreadable", "what": f"a dict of {len(v)} items"}
            return {"kind": "dict", "items": [[str(k)[:200], encode(i, depth + 1)]
                                              for k, i in v.items()]}
        return {"kind": "unreadable", "what": "a " + t.__name__[:60]}

    return encode, budget


def describer(own):
    """``describe(err, tb)``: an exception as data, located in the files in ``own``."""
    import traceback

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

    return describe


# --- run ------------------------------------------------------------------------------


def run_chunks(chunks, namespace, notebook, send, describe):
    """Run the submission's own code: a .py file at once, a notebook cell by cell.

    A failing cell is reported and the next ones still run, as in a notebook run top to
    bottom; a failing .py file ends the run.
    """
    for filename, src in chunks:
        try:
            exec(compile(src, filename, "exec"), namespace)
        except BaseException as err:
            send({"type": "import", "where": filename, "error": describe(err)})
            if not notebook:
                finish()


def the_function(namespace, fname, send):
    """The function the assignment asks for; if there is none, say so and end."""
    fn = namespace.get(fname)
    if not callable(fn):
        send({"type": "import", "where": "", "error": {
            "type": "missing", "where": "",
            "message": f"the submission defines no function {fname}()" if fn is None
            else f"{fname} is a {type(fn).__name__}, not a function"}})
        finish()
    return fn


def report_patches(patched, send):
    """Tell the grader of numpy or builtin names the submission replaced."""
    changed = patched()
    if changed:
        send({"type": "violation", "kind": "patch", "what": "replace numpy or builtin "
              "functions", "detail": ", ".join(changed[:10])})


def call_cases(fn, cases, send, encode, budget, describe, patched):
    """Call ``fn`` once per case; send each result (or error), then ``done``."""
    report_patches(patched, send)
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
        report_patches(patched, send)
    send({"type": "done"})


def main():
    """Read the request, lower the limits, guard the interpreter, run the submission."""
    req = read_request(int(sys.argv[1]))
    lower_limits(req["rlimits"])
    send = sender(int(sys.argv[2]))
    sys.path.append(req["libdir"])
    import base64
    import builtins
    import linecache

    import numpy as np

    patched = watcher({"numpy": np, "numpy.linalg": np.linalg,
                       "numpy.random": np.random, "builtins": builtins})
    hook = audit_hook(req, send)
    encode, budget = encoder(np, base64.b64encode, int(req["max_elements"]))
    refs = {}
    if req["preamble"]:
        pre = {"np": np, "__name__": "preamble", "__builtins__": builtins}
        exec(compile(req["preamble"], "<assignment helpers>", "exec"), pre)
        refs = {k: v for k, v in pre.items() if not k.startswith("__")}
    decode = decoder(np, base64.b64decode)
    cases = [decode(c, refs) for c in req["cases"]]
    fname, notebook, chunks = req["function"], req["notebook"], req["chunks"]
    namespace = {"__name__": "submission", "__builtins__": builtins}
    for filename, src in chunks:
        linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
    describe = describer({filename for filename, _ in chunks})
    del req
    sys.addaudithook(hook)
    send({"type": "ready"})
    run_chunks(chunks, namespace, notebook, send, describe)
    fn = the_function(namespace, fname, send)
    call_cases(fn, cases, send, encode, budget, describe, patched)
    # NOTE: no interpreter shutdown: a submission's atexit handlers or threads never run
    finish()


if __name__ == "__main__":
    main()
