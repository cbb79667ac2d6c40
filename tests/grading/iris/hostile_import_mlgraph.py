"""Lets mlgraph's reverse mode do the work (forbidden here)."""
import mlgraph as mg
import mlgraph.numpy as mnp


def cost(X, Y, W, V):
    U = mnp.dot(mnp.sigmoid(mnp.dot(X, V)), W)
    return -mnp.mean(mnp.sum(U * Y, axis=1) - mnp.logsumexp(U, axis=1))


def gradients(X, Y, W, V):
    return mg.grad(cost, argnums=(2, 3))(X, Y, W, V)
