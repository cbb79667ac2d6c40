"""iris-backprop: the gradients of the Iris network's cost, exactly as in the lecture.

``cost(X, Y, W, V)``: X is N × D (2 features and a column of ones for the bias), a
logistic hidden layer of M = 16 units (V is D × M), a softmax output over C = 3 classes
(W is M × C), the mean negative log-likelihood. Students write ``gradients(X, Y, W, V)
-> (dW, dV)``; the reference is mlgraph's reverse mode on ``cost``.
"""

from __future__ import annotations

import numpy as np

import mlgraph.numpy as mnp
from mlgraph.grading.spec import (
    Case,
    GradientAssignment,
    Group,
    Output,
    Variant,
    with_derivative,
)


def cost(X, Y, W, V, *, logistic=mnp.sigmoid):
    """The forward cost: mean negative log-likelihood of the softmax output."""
    Q = mnp.dot(X, V)                                   # N × M
    Z = logistic(Q)                                     # N × M
    U = mnp.dot(Z, W)                                   # N × C
    return -mnp.mean(mnp.sum(U * Y, axis=1) - mnp.logsumexp(U, axis=1))


def _iris() -> tuple[np.ndarray, np.ndarray]:
    from mlgraph import datasets

    d = datasets.iris(features=(2, 3), test_size=0.2, seed=0)
    X = np.vstack([d.X_train, d.X_test])
    labels = np.concatenate([d.y_train, d.y_test])
    X = np.column_stack([X, np.ones(len(X))])           # the bias input x_D = 1
    return X, np.eye(3)[labels]


def _case(label: str, X: np.ndarray, Y: np.ndarray, m: int, rng: np.random.Generator,
          scale: float) -> Case:
    d, c = X.shape[1], Y.shape[1]
    W = scale * rng.standard_normal((m, c))
    V = scale * rng.standard_normal((d, m))
    return Case(label, (X, Y, W, V))


def make_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    """Iris with M = 16, a batch of one, and square weights (M = C = D = 3)."""
    X, Y = _iris()
    if not hidden:
        rng = np.random.default_rng(2024)
        full, one, sq = np.arange(150), np.array([7]), np.arange(0, 150, 30)
    else:
        full = np.sort(rng.choice(150, size=int(rng.integers(40, 151)), replace=False))
        one = rng.choice(150, size=1)
        sq = rng.choice(150, size=int(rng.integers(4, 12)), replace=False)
    scale = 0.5 if not hidden else float(rng.uniform(0.3, 1.0))
    return [
        _case(f"Iris, N = {len(full)}, M = 16", X[full], Y[full], 16, rng, scale),
        _case("a batch of one (N = 1), M = 16", X[one], Y[one], 16, rng, scale),
        _case(f"N = {len(sq)}, M = 3 (square W and V)", X[sq], Y[sq], 3, rng, scale),
    ]


ASSIGNMENT = GradientAssignment(
    name="iris-backprop",
    title="Backpropagation for the Iris network (logistic hidden layer, softmax "
          "output)",
    function="gradients",
    signature=("X", "Y", "W", "V"),
    outputs=(
        Output("dW", "∂J/∂W, shape M × C", (Group("all entries", None, 4.0),), wrt="W"),
        Output("dV", "∂J/∂V, shape D × M", (
            Group("feature rows", np.s_[:-1, :], 4.0),
            Group("bias row", np.s_[-1, :], 2.0),
        ), wrt="V"),
    ),
    cost=cost,
    make_cases=make_cases,
    batch_axis_arg="X",
    variants=(Variant(
        "sigma_for_sigma_prime",
        "{out} is what you get by multiplying with σ(Q) where the chain rule needs the "
        "derivative σ′(Q) = σ(Q)(1 − σ(Q)) of the logistic hidden layer.",
        {"logistic": with_derivative(mnp.sigmoid, lambda q, s: s)}),),
    rtol=1e-5,
    atol=1e-9,
    hints={
        "dW": "Work backwards from the cost: ∂J/∂U is (softmax(U) − Y)/N, one row per "
              "example; U = Z·W, so ∂J/∂W collects Z against it.",
        "dV": "Carry ∂J/∂U back through W to get ∂J/∂Z, multiply entrywise by the "
              "logistic's derivative, then collect X against it.",
        "transposed": "A gradient always has the shape of its parameter: dW like W "
                      "(M × C), dV like V (D × M).",
    },
    credit={"transposed": 0.5, "missing_1_over_n": 0.5, "sign_flip": 0.25},
)
