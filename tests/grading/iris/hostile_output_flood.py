"""Prints a million lines, then returns the right gradients."""
import numpy as np

for i in range(1_000_000):
    print("debugging line", i)


def gradients(X, Y, W, V):
    N = X.shape[0]
    Z = 1.0 / (1.0 + np.exp(-(X @ V)))
    U = Z @ W
    E = np.exp(U - U.max(axis=1, keepdims=True))
    dU = (E / E.sum(axis=1, keepdims=True) - Y) / N
    return Z.T @ dU, X.T @ ((dU @ W.T) * Z * (1 - Z))
