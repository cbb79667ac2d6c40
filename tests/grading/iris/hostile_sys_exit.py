"""Calls sys.exit() while being imported."""
import sys

sys.exit(0)


def gradients(X, Y, W, V):
    return None
