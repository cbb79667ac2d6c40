"""Shared MLP problems for W2/W3/event benchmarks: data, parameters, the mlgraph loss
functions (written as a student would, with ``mlgraph.numpy``) and our hand-written
numpy forward/backward (the floor: same numpy calls, no graph bookkeeping)."""
from __future__ import annotations

import itertools

import _bench  # noqa: F401  (1 BLAS thread before numpy)
import numpy as np

import mlgraph as mg
import mlgraph.numpy as mnp


# ------------------------------------------------------------------ data
def two_moons_batches(n_batches=64, batch=32, n=1000, noise=0.1, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.0, np.pi, n)
    lab = (np.arange(n) >= n // 2).astype(np.float64)
    X = np.where(lab[:, None] == 0,
                 np.stack([np.cos(t), np.sin(t)], 1),
                 np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], 1))
    X = X + noise * rng.standard_normal((n, 2))
    out = []
    for _ in range(n_batches):
        idx = rng.choice(n, size=batch, replace=False)
        out.append((np.ascontiguousarray(X[idx]), np.ascontiguousarray(lab[idx])))
    return out


def random_class_batches(n_batches=8, batch=128, n_in=784, n_cls=10, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((batch, n_in)).astype(dtype), rng.integers(0, n_cls, batch))
            for _ in range(n_batches)]


def init_mlp(sizes, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    ps = []
    for fi, fo in zip(sizes[:-1], sizes[1:], strict=False):
        ps.append((rng.standard_normal((fi, fo)) / np.sqrt(fi)).astype(dtype))
        ps.append((0.1 * rng.standard_normal(fo)).astype(dtype))
    return ps


# ------------------------------------------------------------------ W2 (tanh, BCE with logits)
def w2_loss(W1, b1, W2, b2, W3, b3, X, y):
    """mlgraph: 2-16-16-1 tanh MLP, mean binary cross-entropy with logits (stable form)."""
    h = mnp.tanh(X @ W1 + b1)
    h = mnp.tanh(h @ W2 + b2)
    z = (h @ W3 + b3)[:, 0]
    return mnp.mean(mnp.maximum(z, 0.0) - y * z + mnp.log(1.0 + mnp.exp(-mnp.abs(z))))


def w2_loss_softplus(W1, b1, W2, b2, W3, b3, X, y):
    """As w2_loss, with the kernel's softplus primitive: BCE = mean(softplus(z) - y*z)."""
    h = mnp.tanh(X @ W1 + b1)
    h = mnp.tanh(h @ W2 + b2)
    z = (h @ W3 + b3)[:, 0]
    return mnp.mean(mnp.softplus(z) - y * z)


def w2_numpy_loss_grad(params, X, y):
    W1, b1, W2, b2, W3, b3 = params
    h1 = np.tanh(X @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    z = (h2 @ W3 + b3)[:, 0]
    n = X.shape[0]
    val = np.mean(np.maximum(z, 0.0) - y * z + np.log1p(np.exp(-np.abs(z))))
    dz = ((0.5 * (np.tanh(0.5 * z) + 1.0) - y) / n)[:, None]       # (sigmoid(z) - y)/n
    gW3, gb3 = h2.T @ dz, dz.sum(0)
    d2 = (dz @ W3.T) * (1.0 - h2 * h2)
    gW2, gb2 = h1.T @ d2, d2.sum(0)
    d1 = (d2 @ W2.T) * (1.0 - h1 * h1)
    gW1, gb1 = X.T @ d1, d1.sum(0)
    return val, (gW1, gb1, gW2, gb2, gW3, gb3)


# ------------------------------------------------------------------ W3 (ReLU, softmax CE)
def w3_loss(W1, b1, W2, b2, X, y):
    """mlgraph: 784-256-10 ReLU MLP, softmax cross-entropy via log_softmax, integer labels."""
    h = mnp.relu(X @ W1 + b1)
    logp = mnp.log_softmax(h @ W2 + b2, axis=1)
    return -mnp.mean(logp[np.arange(X.shape[0]), y])


def w3_loss_onehot(W1, b1, W2, b2, X, Y):
    """As w3_loss, with one-hot float targets Y (what reuse_graph can take as data)."""
    h = mnp.relu(X @ W1 + b1)
    logp = mnp.log_softmax(h @ W2 + b2, axis=1)
    return -mnp.mean(mnp.sum(logp * Y, axis=1))


def one_hot_batches(batches, n_cls, dtype):
    out = []
    for X, y in batches:
        Y = np.zeros((len(y), n_cls), dtype=dtype)
        Y[np.arange(len(y)), y] = 1
        out.append((X, Y))
    return out


def w3_numpy_loss_grad(params, X, y):
    W1, b1, W2, b2 = params
    h = np.maximum(X @ W1 + b1, 0)
    z = h @ W2 + b2
    n = X.shape[0]
    rows = np.arange(n)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    val = -(z[rows, y] - np.log(s[:, 0])).mean()
    dz = e / s
    dz[rows, y] -= 1.0
    dz /= n
    gW2, gb2 = h.T @ dz, dz.sum(0)
    dh = (dz @ W2.T) * (h > 0)
    gW1, gb1 = X.T @ dh, dh.sum(0)
    return val, (gW1, gb1, gW2, gb2)


# ------------------------------------------------------------------ SGD steps
def numpy_step(loss_grad, params0, batches, lr):
    params = [p.copy() for p in params0]
    it = itertools.cycle(batches)

    def step():
        X, y = next(it)
        val, grads = loss_grad(params, X, y)
        for p, g in zip(params, grads, strict=False):
            p -= lr * g
        return val
    return step


def has_reuse_graph() -> bool:
    import inspect
    return "reuse_graph" in inspect.signature(mg.value_and_grad).parameters


def _sgd(vg, params, batches, lr):
    """One SGD step per call over cycled batches, with a value_and_grad function."""
    it = itertools.cycle(batches)

    def step():
        X, y = next(it)
        val, grads = vg(*params, X, y)
        for p, g in zip(params, grads, strict=False):
            p -= lr * g
        return val
    return step


def mlgraph_step(loss, params0, batches, lr, **opts):
    """opts go to mg.value_and_grad (e.g. reuse_graph=True where the kernel has it)."""
    params = [p.copy() for p in params0]
    vg = mg.value_and_grad(loss, argnums=tuple(range(len(params))), **opts)
    return _sgd(vg, params, batches, lr)


def nn_step(sizes, loss_name, params0, batches, lr, activation="tanh"):
    """The library's own training step, what ``mlgraph.Trainer`` runs: the objective of
    ``nn.make_loss`` and ``nn.value_and_grad_fn`` (one traced graph re-run per batch)."""
    from mlgraph import nn
    model = nn.MLP(sizes, activation=activation, seed=0, dtype=params0[0].dtype)
    model.params[:] = [p.copy() for p in params0]
    vg = nn.value_and_grad_fn(nn.make_loss(model, loss_name), len(model.params))
    return _sgd(vg, model.params, batches, lr)


def first_losses(make, n=3):
    step = make()
    return [float(step()) for _ in range(n)]
