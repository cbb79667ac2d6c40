"""Allocates without bound."""


def gradients(X, Y, W, V):
    hoard = []
    while True:
        hoard.append(bytearray(50_000_000))
