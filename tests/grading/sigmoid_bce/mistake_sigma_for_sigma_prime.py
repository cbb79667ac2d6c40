"""Multiplies by σ(a) instead of σ′(a) at the hidden layer."""
import numpy as np


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def nn_backward(X, y, alpha, alpha0, beta, beta0):
    N = X.shape[0]
    a = X @ alpha.T + alpha0        # N x D
    z = sigmoid(a)
    b = z @ beta + beta0            # N
    y_hat = sigmoid(b)
    g_b = (y_hat - y) / N
    g_beta = z.T @ g_b
    g_beta0 = g_b.sum()
    g_a = np.outer(g_b, beta) * z
    g_alpha = g_a.T @ X
    g_alpha0 = g_a.sum(axis=0)
    return g_alpha, g_alpha0, g_beta, g_beta0
