"""Does not parse."""


def gradients(X, Y, W, V)
    return W, V
