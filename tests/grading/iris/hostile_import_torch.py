"""Imports an autodiff library inside the function (forbidden here)."""


def gradients(X, Y, W, V):
    import torch

    return torch.zeros(W.shape), torch.zeros(V.shape)
