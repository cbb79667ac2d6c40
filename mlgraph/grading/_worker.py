"""The program a submission runs in: standard library and numpy only, never mlgraph.

`mlgraph.grading.sandbox` starts it as ``python -I -S -B -c <text> REQ_FD RES_FD``, the
text being `_confine`, `_hook` and this module, with a scrubbed environment, stdin
closed and a fresh working directory. It reads its request (the submission's source,
the function's name, each case's inputs) from REQ_FD and closes it, lowers its own
resource limits, imports numpy, has the kernel confine it (`_confine`), installs the
audit hook (`_hook`), then runs the submission and calls the function once per case in
a thread of its own, and writes each result as a JSON line to RES_FD. The reference
values are never here: whatever the submission reads or forges, it only has its inputs.
"""

import os
import sys

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


def finish(_exit=os._exit):
    """Flush what the submission printed and end, with no interpreter shutdown."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # a submission may have replaced or closed them
            pass
    _exit(0)


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
    bottom; a failing .py file ends the run (returns False).
    """
    for filename, src in chunks:
        try:
            exec(compile(src, filename, "exec"), namespace)
        except BaseException as err:
            send({"type": "import", "where": filename, "error": describe(err)})
            if not notebook:
                return False
    return True


def the_function(namespace, fname, send):
    """The function the assignment asks for; if there is none, say so (None)."""
    fn = namespace.get(fname)
    if not callable(fn):
        send({"type": "import", "where": "", "error": {
            "type": "missing", "where": "",
            "message": f"the submission defines no function {fname}()" if fn is None
            else f"{fname} is a {type(fn).__name__}, not a function"}})
        return None
    return fn


def report_patches(patched, send):
    """Tell the grader of numpy or builtin names the submission replaced."""
    changed = patched()
    if changed:
        send({"type": "violation", "kind": "patch", "what": "replace numpy or builtin "
              "functions", "detail": ", ".join(changed[:10])})


def call_cases(fn, cases, send, encode, budget, describe, patched,
               report_patches=report_patches):
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


def run_submission(job, ended, steps=(run_chunks, the_function, call_cases)):
    """The submission's thread: its code, then each case; ``ended`` is released after.

    NOTE: the submission never runs in the main thread, so it can't install a signal
    handler (only the main thread may), which would be handed the frame of whatever
    runs when the signal comes, the audit hook's included (and Python 3.13 lets a
    frame's locals be rewritten). What it needs of this module is bound at definition,
    before the submission can replace a name of it.
    """
    chunks, namespace, notebook, fname, cases, send, encode, budget, describe, \
        patched = job
    try:
        if steps[0](chunks, namespace, notebook, send, describe):
            fn = steps[1](namespace, fname, send)
            if fn is not None:
                steps[2](fn, cases, send, encode, budget, describe, patched)
    finally:
        ended.release()


def prepare(req, np, builtins):
    """The cases' arguments, and the tools to encode results and describe errors.

    Made before the submission's code runs; the arguments may name the assignment's
    helpers (its preamble).
    """
    import base64
    import linecache

    refs = {}
    if req["preamble"]:
        pre = {"np": np, "__name__": "preamble", "__builtins__": builtins}
        exec(compile(req["preamble"], "<assignment helpers>", "exec"), pre)
        refs = {k: v for k, v in pre.items() if not k.startswith("__")}
    decode = decoder(np, base64.b64decode)
    cases = [decode(c, refs) for c in req["cases"]]
    encode, budget = encoder(np, base64.b64encode, int(req["max_elements"]))
    for filename, src in req["chunks"]:
        linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
    describe = describer({filename for filename, _ in req["chunks"]})
    return cases, encode, budget, describe


def main(end=finish):
    """Run a submission as the request says.

    Read the request, lower the limits, confine and guard the process, run the
    submission in its own thread, and end when it is done. ``confine`` and
    ``make_hook`` come from `_confine` and `_hook`, the program's first parts.
    """
    req = read_request(int(sys.argv[1]))
    lower_limits(req["rlimits"])
    results = int(sys.argv[2])
    send = sender(results)
    sys.path.append(req["libdir"])
    import _thread
    import builtins

    import numpy as np

    patched = watcher({"numpy": np, "numpy.linalg": np.linalg,
                       "numpy.random": np.random, "builtins": builtins})
    cases, encode, budget, describe = prepare(req, np, builtins)
    namespace = {"__name__": "submission", "__builtins__": builtins}
    job = (req["chunks"], namespace, req["notebook"], req["function"], cases, send,
           encode, budget, describe, patched)
    sys.breakpointhook = lambda *args, **kwargs: None   # a breakpoint() left in: no-op
    landlock, problem = confine(req)  # noqa: F821  (before the hook: it uses ctypes)
    sys.addaudithook(make_hook(req, results))  # noqa: F821
    del req
    send({"type": "ready", "landlock": landlock, "confinement": problem})
    ended = _thread.allocate_lock()
    ended.acquire()
    _thread.start_new_thread(run_submission, (job, ended))
    ended.acquire()
    # NOTE: no interpreter shutdown: a submission's atexit handlers or threads never run
    end()


if __name__ == "__main__":
    main()
