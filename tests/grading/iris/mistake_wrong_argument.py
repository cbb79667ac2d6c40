"""Returns the two gradients in the wrong order (dV, dW)."""
import numpy as np


def logistic(q):
    return 1.0 / (1.0 + np.exp(-q))


def softmax(u):
    e = np.exp(u - u.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def gradients(X, Y, W, V):
    N = X.shape[0]
    Z = logistic(X @ V)
    dU = (softmax(Z @ W) - Y) / N
    dW = Z.T @ dU
    dV = X.T @ ((dU @ W.T) * Z * (1 - Z))
    return dV, dW
