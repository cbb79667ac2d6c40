"""The sandbox's audit hook: what a submission may not do, refused and reported.

Part of the program a submission runs in (`_worker`), so standard library only. The
hook keeps no state a submission could reach and change. Its functions are *sealed*:
each reads no global, builtin or closure variable (globals and builtins of their own,
empty), and all they use comes in one positional default, a tuple of C functions,
types, frozensets and strings, fixed before the submission runs. They call no code of
the submission's (a path object is not asked for its path) and raise no audit event
of their own but one, reading a function's ``__code__``, which they let through. So
neither frames, tracebacks, closures, ``gc``, the worker's modules nor a patched
``os``, ``io`` or ``builtins`` change what the hook decides. It also refuses what would
let code see or rewrite running code: the heap (``gc``), other threads' frames, tracing
and monitoring, a function's ``__code__``, and a change to its own functions.
"""

import os
import sys

# File events whose path arguments must stay in the working directory, and those
# that list or enter a directory; the paths they name are args[0] (TWO_PATHS: and 1).
WRITES = frozenset({
    "os.remove", "os.rmdir", "os.rename", "os.mkdir", "os.chmod", "os.chown",
    "os.truncate", "os.utime", "os.chflags", "os.setxattr", "os.removexattr",
    "shutil.copyfile", "shutil.copymode", "shutil.copystat", "shutil.copytree",
    "shutil.move", "shutil.rmtree", "shutil.make_archive", "shutil.unpack_archive",
})
READS = frozenset({"os.listdir", "os.scandir", "glob.glob", "glob.glob/2",
                   "os.listxattr", "os.getxattr"})
TWO_PATHS = frozenset({"os.rename", "shutil.copyfile", "shutil.copymode",
                       "shutil.copystat", "shutil.copytree", "shutil.move"})
WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def denied_events():
    """Audit events a submission may never raise: ``{event: (kind, what)}``."""
    groups = {
        "start a program": ("subprocess.Popen", "os.system", "os.exec",
                            "os.posix_spawn", "os.spawn", "pty.spawn"),
        "start child processes (os.fork)": ("os.fork", "os.forkpty"),
        "send a signal": ("os.kill", "os.killpg", "signal.pthread_kill"),
        "search the interpreter's objects (the heap)": (
            "gc.get_objects", "gc.get_referrers", "gc.get_referents"),
        "look at other threads' frames": ("sys._current_frames",
                                          "sys._current_exceptions"),
        "trace or monitor running code": ("sys.settrace", "sys.setprofile",
                                          "sys.monitoring.register_callback"),
        "change its resource limits": ("resource.setrlimit", "resource.prlimit"),
        "create a link": ("os.symlink", "os.link"),
        "change its working directory": ("os.chdir",),
        "install an audit hook": ("sys.addaudithook",),
    }
    return {e: ("fork" if e.startswith("os.fork") else e.split(".")[0], what)
            for what, events in groups.items() for e in events}


# --- the sealed functions: everything they use is in K -------------------------------


def hook(event, args, K=None):
    """The audit hook: raises what refuses an event, after reporting it; else None."""
    (denied, deny_names, deny_info, prefixed, file_events, file_refusal, on_import,
     kind_of, function_type, protected, report, permission_error) = K
    if event in file_events:
        found = file_refusal(event, args)
        if found is None:
            return
        kind, what, detail = found
    elif event == "import":
        found = on_import(args[0])
        if found is None:
            return
        if found[0] is not None:
            report(found[0][0], found[0][1], found[0][2])
        raise found[1]
    elif event in denied:
        kind, what = deny_info[deny_names.index(event)]
        detail = event
    elif event.startswith("object.__"):         # __getattr__, __setattr__, __delattr__
        if kind_of(args[0]) is not function_type:
            return
        if args[1] == "__code__":
            if event == "object.__getattr__":
                return                      # reading code, the hook's too, is harmless
        elif args[0].__code__ not in protected:
            return
        kind, what = "tamper", "replace a function's code, or look into the grader's"
        detail = args[1]
    elif event.startswith(prefixed[0]):
        kind = event.partition(".")[0]
        what, detail = prefixed[1][prefixed[0].index(kind + ".")], event
    else:
        return
    report(kind, what, detail)
    raise permission_error("the grader does not allow a submission to " + what)


def file_refusal(event, args, K=None):
    """``(kind, what, detail)`` when a file event goes where it may not."""
    (path_text, resolve, readable, tmp, kind_of, int_type, str_type, length, is_dir,
     writes, two_paths, writing) = K
    if event == "open":
        text = path_text(args[0])
        if text is None:
            return None
        p = resolve(text)
        flags = args[2] if length(args) > 2 and kind_of(args[2]) is int_type else 0
        mode = args[1] if length(args) > 1 and kind_of(args[1]) is str_type else ""
        if flags & writing or "w" in mode or "a" in mode or "x" in mode or "+" in mode:
            if p != tmp and not p.startswith(tmp + "/") and p != "/dev/null":
                return "file", "write outside its working directory", p
        elif not readable(p):
            return "file", "read files outside its working directory", p
        elif p != tmp and not p.startswith(tmp + "/") and is_dir(p):
            return "file", "open a directory outside its working directory", p
        return None
    where = (0, 2) if event == "glob.glob/2" else (0, 1) if event in two_paths else (0,)
    for i in where:
        if i >= length(args):
            continue
        text = path_text(args[i])
        if text is None:
            continue
        p = resolve(text)
        if event in writes and p != tmp and not p.startswith(tmp + "/"):
            return "file", "change files outside its working directory", p
        if event not in writes and not readable(p):
            return ("file", "list or enter directories outside its working directory",
                    p)
    return None


def path_text(x, K=None):
    """The path ``x`` names as text, read without running any code of its; or None.

    The interpreter's own file events pass a path as text (a path object has already
    given its ``__fspath__``, once, for the call being checked), bytes or a file
    descriptor (None: nothing to check, as for None, the working directory). Other
    objects come only from events raised in Python (``shutil.*``, ``glob.*``, or the
    submission's own ``sys.audit``), whose real file operations raise events of their
    own: they are not asked.
    """
    kind_of, str_type, bytes_type, dir_entry, subclass = K
    t = kind_of(x)
    if t is dir_entry:                          # its path is fixed, read in C
        x = x.path
        t = kind_of(x)
    if t is str_type:
        return x
    if t is bytes_type:
        return x.decode("utf-8", "surrogateescape")
    if subclass(t, str_type):                   # e.g. numpy.str_: its characters
        return "".join((x,))
    if subclass(t, bytes_type):
        return b"".join((x,)).decode("utf-8", "surrogateescape")
    return None


def resolve(p, K=None):
    """The absolute path ``p`` names, symbolic links (those of /proc too) resolved."""
    getcwd, lstat, readlink, os_error = K
    if not p.startswith("/"):
        p = getcwd() + "/" + p
    todo = p.split("/")[::-1]
    done = ""
    hops = 0
    while todo:
        name = todo.pop()
        if name == "" or name == ".":
            continue
        if name == "..":
            done = done[:done.rfind("/")]
            continue
        here = done + "/" + name
        try:
            mode = lstat(here).st_mode
        except os_error:
            mode = 0                    # missing or out of reach: taken as it is
        if mode & 0o170000 != 0o120000:
            done = here
            continue
        hops += 1
        try:
            target = readlink(here)
        except os_error:
            return "/"                   # unreadable link: the root, refused
        if hops > 40:
            return "/"
        if target.startswith("/"):
            done = ""
        todo += target.split("/")[::-1]
    return done or "/"


def readable(p, K=None):
    """Whether a submission may read ``p``.

    Its directory, the standard library (not the packages inside it), numpy,
    /dev/null, /dev/urandom and its own /proc.
    """
    exact, open_prefixes, library, hidden, hidden_exact, getpid = K
    if p in exact or p.startswith(open_prefixes):
        return True
    if p.startswith(library):
        return not p.startswith(hidden) and p not in hidden_exact
    own = f"/proc/{getpid()}"
    return p == own or p.startswith(own + "/")


def is_dir(p, K=None):
    """Whether ``p`` is a directory."""
    stat, os_error = K
    try:
        return stat(p).st_mode & 0o170000 == 0o040000
    except os_error:
        return False


def on_import(name, K=None):
    """``None``, or ``(report or None, the exception)`` for an import it may not do."""
    (forbidden, allowed, stdlib, blocked, blocked_prefixes, others, kind_of, str_type,
     import_error, not_found) = K
    if kind_of(name) is not str_type:
        return None, not_found("a module name must be text")
    top = name.partition(".")[0]
    if top in forbidden:
        return (("import", "import " + top + ", which this assignment forbids", name),
                import_error(top + " may not be imported in this assignment"))
    if (top in blocked or name in blocked or top.startswith(blocked_prefixes)
            or (top not in stdlib and top not in allowed)):
        return None, not_found(name + " is not available to submissions (allowed: the "
                               "standard library and " + others + ")")
    return None


def report(kind, what, detail, K=None):
    """Tell the grader, one JSON line on the results' pipe; a closed pipe is ignored."""
    fd, write, quote, os_error = K
    line = ('{"type": "violation", "kind": ' + quote(kind) + ', "what": ' + quote(what)
            + ', "detail": ' + quote(detail[:300]) + "}\n")
    try:
        write(fd, line.encode())
    except os_error:
        pass


SEALED = (hook, file_refusal, path_text, resolve, readable, is_dir, on_import, report)


def make_hook(req, fd):
    """The sealed hook for a request, reporting on ``fd`` (for sys.addaudithook).

    ``req`` gives ``tmp``, ``stdlib``, ``numpy`` (folders), ``forbidden`` and
    ``allowed`` (top-level packages) and ``blocked_stdlib`` (names and, ending in
    ``*``, prefixes).
    """
    import _json
    import types

    def seal(fn, *K):
        return types.FunctionType(fn.__code__, {"__builtins__": {}}, fn.__name__, (K,))

    real = os.path.realpath
    tmp, stdlib = real(req["tmp"]), real(req["stdlib"])
    numpy = tuple(real(d) for d in req["numpy"])
    error = OSError
    text = seal(path_text, type, str, bytes, os.DirEntry, issubclass)
    where = seal(resolve, os.getcwd, os.lstat, os.readlink, error)
    hidden = tuple(os.path.join(stdlib, n) for n in ("site-packages", "dist-packages"))
    may_read = seal(readable, frozenset({tmp, stdlib, *numpy, "/dev/null",
                                          "/dev/urandom"}),
                    tuple(d + "/" for d in (tmp, *numpy)), stdlib + "/",
                    tuple(h + "/" for h in hidden), frozenset(hidden), os.getpid)
    files = seal(file_refusal, text, where, may_read, tmp, type, int, str, len,
                 seal(is_dir, os.stat, error), WRITES, TWO_PATHS, WRITING)
    blocked = [b for b in req["blocked_stdlib"] if not b.endswith("*")]
    imports = seal(on_import, frozenset(req["forbidden"]), frozenset(req["allowed"]),
                   frozenset(sys.stdlib_module_names) - frozenset(blocked),
                   frozenset(blocked), tuple(b[:-1] for b in req["blocked_stdlib"]
                                             if b.endswith("*")),
                   ", ".join(sorted(req["allowed"])) or "nothing else", type, str,
                   ImportError, ModuleNotFoundError)
    deny = denied_events()
    names = tuple(sorted(deny))
    protected = frozenset(f.__code__ for f in SEALED)
    return seal(hook, frozenset(deny), names, tuple(deny[n] for n in names),
                (("ctypes.", "socket."), ("call C functions through ctypes",
                                          "use the network")),
                WRITES | READS | {"open"}, files, imports, type, types.FunctionType,
                protected, seal(report, fd, os.write, _json.encode_basestring_ascii,
                                error), PermissionError)
