"""Course code runs with only the import changed, and its gradients check out.

Each program below is numpy homework code as courses write it: the lecture seeds'
Iris network (cost, helper functions, gradient-descent loop with np.linalg.norm), a
CS231n-style two-layer net (np.std-normalised inputs, X.dot(W)), a CS224n word2vec
negative-sampling step (np.add.at in the hand-written gradient) and a CS231n RNN whose
hidden states are collected with np.stack. Each source is run twice, once after
``import numpy as np`` and once after ``import mlgraph.numpy as np``: the numbers
agree, and mg.gradcheck passes on mlgraph's gradients (and on the hand-written ones
where the course has them).
"""

import textwrap

import numpy
import pytest

import mlgraph as mg
import mlgraph.numpy as mnp
from mlgraph import datasets


def load(source, np):
    """The functions of ``source``, defined after ``import ... as np``."""
    namespace = {"np": np}
    exec(textwrap.dedent(source), namespace)  # noqa: S102
    return namespace


# --- the lecture seeds: Iris, D=2 features + 1 bias, M=16 hidden units, C=3 ----------

IRIS = """
def logistic(z):
    return 1 / (1 + np.exp(-z))

def logsumexp(Z):                                   # N x C
    Zmax = np.max(Z, axis=1)[:, None]
    lse = Zmax + np.log(np.sum(np.exp(Z - Zmax), axis=1))[:, None]
    return lse                                      # N

def softmax(u):                                     # N x C
    u_exp = np.exp(u - np.max(u, 1)[:, None])
    return u_exp / np.sum(u_exp, axis=-1)[:, None]

def cost(X, Y, W, V):                               # X: N x D, Y: N x C, W: M x C, V: D x M
    Q = np.dot(X, V)                                # N x M
    Z = logistic(Q)                                 # N x M
    U = np.dot(Z, W)                                # N x K
    Yh = softmax(U)
    nll = - np.mean(np.sum(U*Y, 1) - logsumexp(U))
    return nll

def gradients(X, Y, W, V):
    Z = logistic(np.dot(X, V))                      # N x M
    N, D = X.shape
    Yh = softmax(np.dot(Z, W))                      # N x K
    dY = Yh - Y                                     # N x K
    dW = np.dot(Z.T, dY)/N                          # M x K
    dZ = np.dot(dY, W.T)                            # N x M
    dV = np.dot(X.T, dZ * Z * (1 - Z))/N            # D x M
    return dW, dV

def GD(X, Y, M, lr=.1, eps=1e-9, max_iters=100000):
    N, D = X.shape
    N, K = Y.shape
    W = np.random.randn(M, K)*.01
    V = np.random.randn(D, M)*.01
    dW = np.inf*np.ones_like(W)
    t = 0
    while np.linalg.norm(dW) > eps and t < max_iters:
        dW, dV = gradients(X, Y, W, V)
        W = W - lr*dW
        V = V - lr*dV
        t += 1
    return W, V
"""


@pytest.fixture(scope="module")
def iris_data():
    d = datasets.iris(features=(2, 3), test_size=0.0)
    X = numpy.hstack([d.X_train, numpy.ones((len(d.X_train), 1))])
    Y = numpy.eye(3)[d.y_train]
    rng = numpy.random.default_rng(0)
    return X, Y, rng.normal(size=(16, 3)) * 0.5, rng.normal(size=(3, 16)) * 0.5


def test_the_seeds_iris_cost_differentiates_unchanged(iris_data):
    plain, traced = load(IRIS, numpy), load(IRIS, mnp)
    X, Y, W, V = iris_data
    assert traced["cost"](X, Y, W, V) == pytest.approx(plain["cost"](X, Y, W, V),
                                                       rel=1e-12)
    report = mg.gradcheck(traced["cost"], X, Y, W, V, argnums=(2, 3))
    assert report.passed, report
    # the lecture's hand-written gradients, checked against the same differences
    report = mg.gradcheck(traced["cost"], X, Y, W, V, argnums=(2, 3),
                          grads=traced["gradients"])
    assert report.passed, report
    dW, dV = mg.grad(traced["cost"], argnums=(2, 3))(X, Y, W, V)
    want_dW, want_dV = plain["gradients"](X, Y, W, V)
    numpy.testing.assert_allclose(dW, want_dW, rtol=1e-9, atol=1e-12)
    numpy.testing.assert_allclose(dV, want_dV, rtol=1e-9, atol=1e-12)


def test_the_seeds_gradient_descent_loop_runs_on_mlgraph_gradients(iris_data):
    """GD with np.random, np.inf * np.ones_like, np.linalg.norm, as on the slide; the
    hand-written gradients swapped for mg.grad of the same cost."""
    X, Y, _, _ = iris_data
    plain, traced = load(IRIS, numpy), load(IRIS, mnp)
    traced["gradients"] = mg.grad(traced["cost"], argnums=(2, 3))
    numpy.random.seed(0)
    W1, V1 = plain["GD"](X, Y, 16, lr=0.5, max_iters=60)
    mnp.random.seed(0)
    W2, V2 = traced["GD"](X, Y, 16, lr=0.5, max_iters=60)
    numpy.testing.assert_allclose(W2, W1, rtol=1e-8, atol=1e-12)
    numpy.testing.assert_allclose(V2, V1, rtol=1e-8, atol=1e-12)
    before = plain["cost"](X, Y, numpy.zeros_like(W1), numpy.zeros_like(V1))
    assert plain["cost"](X, Y, W2, V2) < 0.9 * before


# --- CS231n: a two-layer net with normalised inputs ----------------------------------

TWO_LAYER = """
def two_layer_loss(X, y, W1, b1, W2, b2, reg=0.05):
    X = (X - X.mean(axis=0)) / np.std(X, axis=0)    # zero mean, unit variance
    N, D = X.shape
    h1 = np.maximum(0, X.dot(W1) + b1)              # ReLU
    scores = h1.dot(W2) + b2
    scores -= np.max(scores, axis=1, keepdims=True)
    exp_scores = np.exp(scores)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    loss += 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    return loss
"""


def test_a_cs231n_two_layer_net_differentiates_unchanged():
    rng = numpy.random.default_rng(1)
    X = rng.normal(2.0, 3.0, size=(6, 4))
    y = numpy.array([0, 1, 2, 1, 0, 2])
    params = [rng.normal(size=(4, 5)) * 0.5, rng.normal(size=5) * 0.1,
              rng.normal(size=(5, 3)) * 0.5, rng.normal(size=3) * 0.1]
    plain, traced = load(TWO_LAYER, numpy), load(TWO_LAYER, mnp)
    loss = traced["two_layer_loss"]
    assert loss(X, y, *params) == pytest.approx(plain["two_layer_loss"](X, y, *params),
                                                rel=1e-12)
    report = mg.gradcheck(loss, X, y, *params)      # X too: through np.std
    assert report.passed, report
    assert {p.name for p in report.params} == {"X", "W1", "b1", "W2", "b2"}


# --- CS224n: a word2vec skip-gram negative-sampling step -----------------------------

SGNS = """
def sigmoid(x):
    return 1 / (1 + np.exp(-x))

def neg_sampling_loss(center_vec, outside_idx, outside_vectors, neg_idx):
    u_o = outside_vectors[outside_idx]
    u_k = outside_vectors[neg_idx]                  # K rows; a word may repeat
    loss = -np.log(sigmoid(u_o.dot(center_vec)))
    loss -= np.sum(np.log(sigmoid(-u_k.dot(center_vec))))
    return loss

def neg_sampling_grads(center_vec, outside_idx, outside_vectors, neg_idx):
    u_o = outside_vectors[outside_idx]
    z = sigmoid(u_o.dot(center_vec))
    u_k = outside_vectors[neg_idx]
    z_k = sigmoid(-u_k.dot(center_vec))
    grad_center = (z - 1) * u_o + np.dot(1 - z_k, u_k)
    grad_outside = np.zeros_like(outside_vectors)
    grad_outside[outside_idx] += (z - 1) * center_vec
    np.add.at(grad_outside, neg_idx, np.outer(1 - z_k, center_vec))
    return grad_center, grad_outside

def sgd_step(center_vecs, outside_vectors, c, o, neg_idx, grads, lr=0.3):
    g_center, g_outside = grads(center_vecs[c], o, outside_vectors, neg_idx)
    center_vecs = center_vecs.copy()
    np.add.at(center_vecs, [c], -lr * g_center[None, :])
    rows = np.flatnonzero(np.any(g_outside != 0, axis=1))
    outside_vectors = outside_vectors.copy()
    np.add.at(outside_vectors, rows, -lr * g_outside[rows])
    return center_vecs, outside_vectors
"""


def test_a_word2vec_negative_sampling_step_differentiates_unchanged():
    rng = numpy.random.default_rng(2)
    centers, outside = rng.normal(size=(5, 3)) * 0.5, rng.normal(size=(5, 3)) * 0.5
    neg_idx = numpy.array([1, 3, 3, 4])               # 3 drawn twice: add.at adds both
    plain, traced = load(SGNS, numpy), load(SGNS, mnp)
    loss = traced["neg_sampling_loss"]
    args = (centers[0], 2, outside, neg_idx)
    assert loss(*args) == pytest.approx(plain["neg_sampling_loss"](*args), rel=1e-12)
    assert mg.gradcheck(loss, *args).passed
    report = mg.gradcheck(loss, *args, grads=traced["neg_sampling_grads"])
    assert report.passed, report
    # one SGD step with np.add.at on the data side, on mlgraph's gradients
    grads = mg.grad(loss, argnums=(0, 2))
    step = traced["sgd_step"](centers, outside, 0, 2, neg_idx, grads)
    want = plain["sgd_step"](centers, outside, 0, 2, neg_idx,
                             plain["neg_sampling_grads"])
    for got, expected in zip(step, want, strict=True):
        numpy.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    assert loss(step[0][0], 2, step[1], neg_idx) < loss(*args)


# --- CS231n: a vanilla RNN, its hidden states collected with np.stack -----------------

RNN = """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    return np.tanh(x.dot(Wx) + prev_h.dot(Wh) + b)

def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    hs = []
    prev_h = h0
    for t in range(T):
        prev_h = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        hs.append(prev_h)
    return np.stack(hs, axis=1)                     # N x T x H

def rnn_loss(x, h0, Wx, Wh, b, dout):
    return np.sum(rnn_forward(x, h0, Wx, Wh, b) * dout)
"""


def test_an_rnn_collecting_hidden_states_with_stack_differentiates_unchanged():
    rng = numpy.random.default_rng(3)
    N, T, D, H = 2, 4, 3, 5
    args = (rng.normal(size=(N, T, D)), rng.normal(size=(N, H)),
            rng.normal(size=(D, H)) * 0.4, rng.normal(size=(H, H)) * 0.4,
            rng.normal(size=H) * 0.1)
    dout = rng.normal(size=(N, T, H))
    plain, traced = load(RNN, numpy), load(RNN, mnp)
    numpy.testing.assert_allclose(traced["rnn_forward"](*args),
                                  plain["rnn_forward"](*args), rtol=1e-12)
    report = mg.gradcheck(traced["rnn_loss"], *args, dout, argnums=(0, 1, 2, 3, 4))
    assert report.passed, report


def test_the_rnn_written_with_functional_updates_gives_the_same_gradient():
    """CS231n's h[:, t, :] = next_h, written h = h.at[:, t, :].set(next_h)."""
    rng = numpy.random.default_rng(4)
    x, h0 = rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 4))
    Wx, Wh, b = rng.normal(size=(2, 4)), rng.normal(size=(4, 4)) * 0.3, rng.normal(size=4)
    dout = rng.normal(size=(2, 3, 4))
    traced = load(RNN, mnp)

    def with_updates(x, h0, Wx, Wh, b):
        h = mnp.array(numpy.zeros((2, 3, 4))) + 0.0 * h0[:, None, :]
        prev_h = h0
        for t in range(3):
            prev_h = traced["rnn_step_forward"](x[:, t, :], prev_h, Wx, Wh, b)
            h = h.at[:, t, :].set(prev_h)
        return mnp.sum(h * dout)

    want = mg.grad(traced["rnn_loss"], argnums=(0, 1, 2, 3, 4))(x, h0, Wx, Wh, b, dout)
    got = mg.grad(with_updates, argnums=(0, 1, 2, 3, 4))(x, h0, Wx, Wh, b)
    for g, w in zip(got, want, strict=True):
        numpy.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)
