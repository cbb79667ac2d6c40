"""Tries to watch running code to rewrite the hook's locals as it runs: a trace or
profile function (which may set a frame's locals), the same for new threads, Python
3.12's sys.monitoring, a signal handler (handed the running frame); then reads."""
import signal
import sys
import threading

import numpy as np


def widen(frame, *args):
    for name, value in list(frame.f_locals.items()):
        if isinstance(value, tuple) and value and isinstance(value[0], str):
            frame.f_locals[name] = ("/",)
    return widen


def monitor():
    sys.monitoring.use_tool_id(3, "spy")
    sys.monitoring.register_callback(3, sys.monitoring.events.PY_START,
                                     lambda code, offset: widen(sys._getframe(1)))


for name, install in [("settrace", lambda: sys.settrace(widen)),
                      ("setprofile", lambda: sys.setprofile(widen)),
                      ("threading.settrace", lambda: (threading.settrace(widen),
                                                      threading.Thread().start())),
                      ("monitoring", monitor),
                      ("signal", lambda: signal.signal(signal.SIGUSR1, widen))]:
    try:
        install()
        print("installed", name)
    except (PermissionError, ValueError, AttributeError) as err:
        print("refused", name, type(err).__name__, err)
import linecache                                   # (it swallows the error)

line = linecache.getline("/etc/hostname", 1)
print("LEAKED" if line else "refused", "/etc/hostname", line)


def gradients(X, Y, W, V):
    return np.zeros_like(W), np.zeros_like(V)
