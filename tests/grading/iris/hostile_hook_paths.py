"""Names a file outside its folder in ways a check of the path's text could miss:
/proc/self/root and /proc/self/cwd, "..", a directory descriptor (dir_fd), bytes and
numpy.str_, links it would make, copies, a FIFO where it may not write."""
import os
import shutil

import numpy as np

up = "../" * 12
tries = {
    "/proc/self/root": lambda: open("/proc/self/root/etc/hostname").read(),
    "/proc/self/cwd": lambda: open("/proc/self/cwd/" + up + "etc/hostname").read(),
    "..": lambda: open(up + "etc/hostname").read(),
    "bytes": lambda: open(b"/etc/hostname").read(),
    "numpy.str_": lambda: open(np.str_("/etc/hostname")).read(),
    "dir_fd": lambda: os.read(os.open(up + "etc/hostname", os.O_RDONLY,
                                      dir_fd=os.open(".", os.O_RDONLY)), 60),
    "a directory's fd": lambda: os.read(os.open("hostname", os.O_RDONLY, dir_fd=os.open(
        "/etc", os.O_RDONLY | os.O_DIRECTORY)), 60),
    "symlink": lambda: (os.symlink("/etc/hostname", "link"), open("link").read()),
    "hard link": lambda: (os.link("/etc/hostname", "hard"), open("hard").read()),
    "copy": lambda: (shutil.copyfile("/etc/hostname", "copy"), open("copy").read()),
    "fifo outside": lambda: os.mkfifo(os.path.dirname(os.getcwd()) + "/fifo"),
}
for name, attempt in tries.items():
    try:
        print("LEAKED", name, attempt())
    except OSError as err:
        print("refused", name, type(err).__name__, err.errno)


def gradients(X, Y, W, V):
    return np.zeros_like(W), np.zeros_like(V)
