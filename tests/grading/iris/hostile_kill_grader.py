"""Tries to kill the grader that started it."""
import os
import signal


def gradients(X, Y, W, V):
    os.kill(os.getppid(), signal.SIGKILL)
    return W, V
