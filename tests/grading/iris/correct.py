"""A correct submission: full marks."""
import numpy as np


def logistic(q):
    return 1.0 / (1.0 + np.exp(-q))


def softmax(u):
    e = np.exp(u - u.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def gradients(X, Y, W, V):
    N = X.shape[0]
    Z = logistic(X @ V)            # N x M
    Yh = softmax(Z @ W)            # N x C
    dU = (Yh - Y) / N              # N x C
    dW = Z.T @ dU                  # M x C
    dZ = dU @ W.T                  # N x M
    dV = X.T @ (dZ * Z * (1 - Z))  # D x M
    return dW, dV
