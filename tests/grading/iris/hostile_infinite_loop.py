"""Never returns."""


def gradients(X, Y, W, V):
    while True:
        pass
