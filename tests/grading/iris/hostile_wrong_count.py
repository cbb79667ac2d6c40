"""Returns one array where two are expected."""
import numpy as np


def gradients(X, Y, W, V):
    return np.zeros_like(W)
