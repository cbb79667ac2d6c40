"""The kernel's share of the sandbox: Linux Landlock, set up by the worker on itself.

Part of the program a submission runs in (`_worker`), so standard library only. Before
any of the submission's code runs, the worker asks the kernel to refuse, for itself and
every thread or process it starts: reading files outside the Python installation, numpy
and the shared libraries it loads; writing, creating or removing anything outside its
temporary directory; running any program; TCP connections (Landlock ABI 4); signals to
processes outside the sandbox, the grader among them, and abstract Unix sockets (ABI
6). Nothing in the process can lift it again. It does not depend on the audit hook and
holds when the grader is not root. Where the kernel has no Landlock it does nothing and
says so (``confine`` returns 0); the run records it.
"""

import os

# Access rights, by the ABI that introduced them (linux/landlock.h).
FS_RIGHTS = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_DIR, MAKE_REG, MAKE_FIFO = (
    1 << 4, 1 << 5, 1 << 7, 1 << 8, 1 << 10)
REFER, TRUNCATE = 1 << 13, 1 << 14
FILE_ONLY = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | (1 << 15)
READ = READ_FILE | READ_DIR
WORK = (READ | WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG | MAKE_FIFO
        | REFER | TRUNCATE)
NET_TCP = 0b11                       # bind, connect (ABI 4)
SCOPES = 0b11                        # abstract Unix sockets, signals (ABI 6)
SYS_CREATE, SYS_ADD_RULE, SYS_RESTRICT = 444, 445, 446   # the same on every arch
PR_SET_NO_NEW_PRIVS, RULE_PATH_BENEATH = 38, 1
HIDDEN = ("site-packages", "dist-packages")


def confinement(plan):
    """``(path, rights)`` pairs: what the worker may still reach once confined.

    ``plan`` names the standard library, numpy's folders and the temporary directory.
    A ``site-packages`` inside the standard library's folder (a Python installed with
    its packages beside its library) is left out: only its listing stays readable.
    """
    stdlib, tmp = plan["stdlib"], plan["tmp"]
    rules = [(tmp, WORK), ("/dev/null", READ_FILE | WRITE_FILE | TRUNCATE),
             ("/dev/urandom", READ_FILE), ("/etc/ld.so.cache", READ_FILE),
             ("/etc/localtime", READ_FILE), ("/proc/self", READ)]
    rules += [(d, READ) for d in plan["numpy"]]
    inside = os.listdir(stdlib)
    if any(name in HIDDEN for name in inside):
        rules.append((stdlib, READ_DIR))
        rules += [(os.path.join(stdlib, n), READ) for n in inside if n not in HIDDEN]
    else:
        rules.append((stdlib, READ))
    # the shared libraries' folders, for extension modules loaded later (libexpat...),
    # but never a folder that holds the standard library or the packages
    keep = (stdlib, *(os.path.dirname(d) for d in plan["numpy"]))
    with open("/proc/self/maps") as fh:
        libs = {os.path.dirname(line.split(None, 5)[5].strip())
                for line in fh if ".so" in line and len(line.split(None, 5)) == 6}
    covered = tuple(p + "/" for p, r in rules if r & READ_FILE and r & READ_DIR)
    rules += [(d, READ_FILE) for d in sorted(libs) if d.startswith("/")
              and not (d + "/").startswith(covered)
              and not any(k == d or k.startswith(d + "/") for k in keep)]
    return rules


def confine(plan):
    """Confine this process with Landlock; returns ``(abi, problem)``.

    ``abi`` is the Landlock ABI applied (0: none, the kernel has no Landlock or it
    failed, ``problem`` says why). Must run while the process has one thread, before
    the audit hook (it uses ctypes).
    """
    import ctypes
    import struct

    libc = ctypes.CDLL(None, use_errno=True)
    syscall = libc.syscall
    syscall.restype = ctypes.c_long
    abi = syscall(ctypes.c_long(SYS_CREATE), None, ctypes.c_size_t(0), ctypes.c_uint(1))
    if abi < 1:
        return 0, f"this kernel has no Landlock ({os.strerror(ctypes.get_errno())})"
    fs = FS_RIGHTS[max(k for k in FS_RIGHTS if k <= abi)]
    attr = [fs] + ([NET_TCP] if abi >= 4 else []) + ([SCOPES] if abi >= 6 else [])
    buf = struct.pack(f"={len(attr)}Q", *attr)
    ruleset = syscall(ctypes.c_long(SYS_CREATE), buf, ctypes.c_size_t(len(buf)),
                      ctypes.c_uint(0))
    if ruleset < 0:
        return 0, "landlock_create_ruleset: " + os.strerror(ctypes.get_errno())
    try:
        for path, rights in confinement(plan):
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue                                  # not on this machine
            try:
                if not os.path.isdir(path):
                    rights &= FILE_ONLY
                rule = struct.pack("=Qi", rights & fs, fd)
                if syscall(ctypes.c_long(SYS_ADD_RULE), ctypes.c_int(ruleset),
                           ctypes.c_int(RULE_PATH_BENEATH), rule, ctypes.c_uint(0)):
                    return 0, f"landlock_add_rule({path}): " + os.strerror(
                        ctypes.get_errno())
            finally:
                os.close(fd)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) or syscall(
                ctypes.c_long(SYS_RESTRICT), ctypes.c_int(ruleset), ctypes.c_uint(0)):
            return 0, "landlock_restrict_self: " + os.strerror(ctypes.get_errno())
    finally:
        os.close(ruleset)
    return abi, ""

