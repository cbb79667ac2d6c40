"""Returns NaN and Inf of the right shapes."""
import numpy as np


def gradients(X, Y, W, V):
    return np.full(W.shape, np.nan), np.full(V.shape, np.inf)
