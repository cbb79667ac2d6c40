"""Returns things that are not arrays."""


def gradients(X, Y, W, V):
    return "dW", None
