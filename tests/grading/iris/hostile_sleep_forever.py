"""Waits forever without using CPU: only the wall-clock limit stops it."""
import time


def gradients(X, Y, W, V):
    while True:
        time.sleep(60)
