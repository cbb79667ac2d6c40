"""Raises while being imported."""
import numpy as np

weights = np.load("my_weights.npy")


def gradients(X, Y, W, V):
    return W, V
