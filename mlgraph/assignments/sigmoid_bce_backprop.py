"""sigmoid-bce-backprop: NNBACKWARD for a one-hidden-layer sigmoid network.

With the binary cross-entropy loss, on a batch:
a = X·αᵀ + α₀ (N × D), z = σ(a), b = z·β + β₀ (N), ŷ = σ(b),
J = −(1/N) Σₙ [yₙ log ŷₙ + (1 − yₙ) log(1 − ŷₙ)].
Students write ``nn_backward(X, y, alpha, alpha0, beta, beta0) -> (g_alpha, g_alpha0,
g_beta, g_beta0)``; the reference is mlgraph's reverse mode on ``cost``.
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


def cost(X, y, alpha, alpha0, beta, beta0, *, hidden=mnp.sigmoid, output=mnp.sigmoid):
    """The forward pass and the mean binary cross-entropy."""
    a = mnp.dot(X, mnp.transpose(alpha)) + alpha0       # N × D
    z = hidden(a)
    b = mnp.dot(z, beta) + beta0                        # N
    y_hat = output(b)
    return -mnp.mean(y * mnp.log(y_hat) + (1.0 - y) * mnp.log(1.0 - y_hat))


def _case(label: str, n: int, m: int, d: int, rng: np.random.Generator) -> Case:
    X = rng.standard_normal((n, m))
    y = (rng.random(n) < 0.5).astype(np.float64)
    if n > 1:
        y[:2] = (0.0, 1.0)                               # both labels occur
    alpha = 0.7 * rng.standard_normal((d, m))
    alpha0 = 0.3 * rng.standard_normal(d)
    beta = 0.7 * rng.standard_normal(d)
    beta0 = np.float64(0.3 * rng.standard_normal())
    return Case(label, (X, y, alpha, alpha0, beta, beta0))


def make_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    """A batch, a batch of one, and a square α (as many hidden units as inputs)."""
    if not hidden:
        rng = np.random.default_rng(2024)
        n, m, d, s = 8, 4, 3, 4
    else:
        n, m = int(rng.integers(5, 30)), int(rng.integers(2, 7))
        d = m + int(rng.integers(1, 3))
        s = int(rng.integers(2, 6))
    return [
        _case(f"N = {n}, M = {m} inputs, D = {d} hidden units", n, m, d, rng),
        _case(f"a batch of one (N = 1), M = {m}, D = {d}", 1, m, d, rng),
        _case(f"N = {n}, M = D = {s} (square α)", n, s, s, rng),
    ]


_SIGMA = "σ(·) where the chain rule needs its derivative σ′(·) = σ(·)(1 − σ(·))"

ASSIGNMENT = GradientAssignment(
    name="sigmoid-bce-backprop",
    title="NNBACKWARD: one hidden sigmoid layer, sigmoid output, binary cross-entropy",
    function="nn_backward",
    signature=("X", "y", "alpha", "alpha0", "beta", "beta0"),
    outputs=(
        Output("g_alpha", "∇_α J, shape D × M", (Group("all entries", None, 3.0),),
               wrt="alpha"),
        Output("g_alpha0", "∇_α₀ J (hidden biases), shape D",
               (Group("all entries", None, 2.0),), wrt="alpha0", bias=True),
        Output("g_beta", "∇_β J, shape D", (Group("all entries", None, 3.0),),
               wrt="beta"),
        Output("g_beta0", "∇_β₀ J (output bias), a scalar",
               (Group("all entries", None, 2.0),), wrt="beta0", bias=True),
    ),
    cost=cost,
    make_cases=make_cases,
    batch_axis_arg="X",
    variants=(
        Variant("sigma_for_sigma_prime",
                "{out} is what you get by multiplying with " + _SIGMA
                + " at the hidden layer (dJ/da = dJ/dz · σ′(a)).",
                {"hidden": with_derivative(mnp.sigmoid, lambda a, s: s)}),
        Variant("sigma_for_sigma_prime_output",
                "{out} is what you get by multiplying with " + _SIGMA
                + " at the output (dJ/db = dJ/dŷ · σ′(b)).",
                {"output": with_derivative(mnp.sigmoid, lambda b, s: s)}),
    ),
    rtol=1e-5,
    atol=1e-9,
    hints={
        "bias_not_summed": "Every example adds its own dJ/da to the biases' gradient.",
        "g_beta0": "With ŷ = σ(b) and the cross-entropy, dJ/db simplifies to "
                   "(ŷ − y)/N per example.",
    },
    credit={"missing_1_over_n": 0.5, "bias_not_summed": 0.5, "sign_flip": 0.25},
)
