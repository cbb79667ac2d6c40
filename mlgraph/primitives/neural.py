"""Neural-network functions: σ, softplus, relu, softmax, log_softmax, sign and step.

sign and step are the perceptron's threshold units. Each is computed stably (no
overflow for large inputs) and has its own rules, so the graph of a network shows
one node per activation. One block per primitive.
"""

from __future__ import annotations

import numpy as np

from . import batching
from .core import define, value_of
from .elementwise import exp, select, where
from .reductions import logsumexp_forward, sum

__all__ = ["sigmoid", "softplus", "relu", "softmax", "log_softmax", "sign", "step"]

# --- activations ---------------------------------------------------------------------


def _sigmoid_forward(x):
    # NOTE: σ(x) = exp(−log(1 + e⁻ˣ)) with log(1 + e⁻ˣ) = logaddexp(0, −x): nothing
    # overflows, and tiny values such as σ(−50) ≈ 2e−22 keep their relative precision.
    return np.exp(-np.logaddexp(0.0, np.negative(x)))


sigmoid = define(
    "sigmoid", _sigmoid_forward,
    jvp=(lambda x_dot, x, *, out: out * (1.0 - out) * x_dot,),   # ẏ = σ(1 − σ)·ẋ
    vjp=(lambda out_bar, x, *, out: out_bar * out * (1.0 - out),),  # x̄ = ȳ·σ(1 − σ)
    symbol="σ", partials=("{out}(1 − {out})",), numpy_names=("sigmoid",),
    expr_names=("sigmoid",),
    batch=batching.elementwise,
)


def _softplus_forward(x):
    # NOTE: log(1 + eˣ) = logaddexp(0, x) never overflows: softplus(1000) = 1000.
    dtype = np.result_type(np.asarray(x).dtype, np.float32)
    return np.logaddexp(0.0, x).astype(dtype)[()]


softplus = define(
    "softplus", _softplus_forward,
    jvp=(lambda x_dot, x, *, out: sigmoid(x) * x_dot,),         # ẏ = σ(x)·ẋ
    vjp=(lambda out_bar, x, *, out: out_bar * sigmoid(x),),     # x̄ = ȳ·σ(x)
    symbol="softplus", partials=("σ({0})",), numpy_names=("softplus",),
    batch=batching.elementwise,
)


def _relu_forward(x):
    return np.maximum(x, 0)


def _relu_branch(x, *, out=None):
    return value_of(x) > 0


relu = define(
    "relu", _relu_forward,
    # NOTE: relu'(0) is taken as 0, as in PyTorch and JAX.
    # NOTE: selected, not multiplied by the mask (see `select`): √(relu(x)) at x < 0
    # gets 0, not ∞·0 = nan.
    jvp=(lambda x_dot, x, *, out: select(_relu_branch(x), x_dot),),     # ẏ = [x>0]·ẋ
    vjp=(lambda out_bar, x, *, out: select(_relu_branch(x), out_bar),),  # x̄ = ȳ·[x>0]
    symbol="relu", partials=("[{0} > 0]",), kink=_relu_branch, numpy_names=("relu",),
    expr_names=("relu",),
    batch=batching.elementwise,
)

# --- normalized exponentials ---------------------------------------------------------


def _softmax_forward(x, *, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


softmax = define(
    "softmax", _softmax_forward,
    jvp=(lambda x_dot, x, *, out, axis=-1:                       # ṡ = s⊙(ẋ − ⟨s, ẋ⟩)
         out * (x_dot - sum(out * x_dot, axis=axis, keepdims=True)),),
    vjp=(lambda out_bar, x, *, out, axis=-1:                     # x̄ = s⊙(s̄ − ⟨s̄, s⟩)
         out * (out_bar - sum(out_bar * out, axis=axis, keepdims=True)),),
    symbol="softmax", partials=("diag(s) − s sᵀ",),
    batch=batching.along_axis,
)


def _log_softmax_forward(x, *, axis=-1):
    return x - logsumexp_forward(x, axis=axis, keepdims=True)


log_softmax = define(
    "log_softmax", _log_softmax_forward,
    jvp=(lambda x_dot, x, *, out, axis=-1:                       # ẏ = ẋ − ⟨softmax, ẋ⟩
         x_dot - sum(exp(out) * x_dot, axis=axis, keepdims=True),),
    vjp=(lambda out_bar, x, *, out, axis=-1:                     # x̄ = ȳ − softmax·Σȳ
         out_bar - exp(out) * sum(out_bar, axis=axis, keepdims=True),),
    symbol="log_softmax", partials=("I − 1 softmaxᵀ",),
    batch=batching.along_axis,
)

# --- threshold units -----------------------------------------------------------------


def _flat(t, like):
    """The zero derivative of a piecewise-constant function: zeros in like's shape."""
    return np.zeros(np.shape(value_of(like)), dtype=np.result_type(value_of(t)))[()]


def _sign_branch(x, *, out=None):
    return np.sign(value_of(x))


sign = define(
    "sign", np.sign,
    # NOTE: sign is constant on each side of 0 and jumps at 0, where it has no
    # derivative; its derivative is taken as 0 everywhere (0 almost everywhere).
    # The perceptron's threshold unit: it passes no gradient, so it is trained by the
    # perceptron rule, not by gradient descent.
    jvp=(lambda x_dot, x, *, out: _flat(x_dot, out),),           # ẏ = 0
    vjp=(lambda out_bar, x, *, out: _flat(out_bar, x),),         # x̄ = 0
    symbol="sign", partials=("0",), kink=_sign_branch,
    ufuncs=(np.sign,), numpy_names=("sign",), expr_names=("sign",),
    batch=batching.elementwise,
)


def _step_branch(x, h0=0.0, *, out=None):
    return np.sign(value_of(x))


def _at_zero(g, x, like):
    """g where x = 0, else 0, in like's shape (the derivative of step by its h0)."""
    return where(np.broadcast_to(value_of(x) == 0, np.shape(value_of(like))), g, 0.0)


step = define(
    "step", np.heaviside,                   # 0 for x < 0, h0 at x = 0, 1 for x > 0
    # NOTE: like sign, the step's derivative by x is taken as 0 everywhere (0 almost
    # everywhere; none at 0). By h0 it is 1 where x = 0: h0 is the value there.
    jvp=(lambda x_dot, x, h0, *, out: _flat(x_dot, out),          # ẏ = 0·ẋ + [x = 0]·ḣ₀
         lambda h0_dot, x, h0, *, out: _at_zero(h0_dot, x, out)),
    vjp=(lambda out_bar, x, h0, *, out: _flat(out_bar, x),        # x̄ = 0
         lambda out_bar, x, h0, *, out: _at_zero(out_bar, x, out)),  # h̄₀ = ȳ·[x = 0]
    symbol="step", partials=("0", "[{0} = 0]"), kink=_step_branch,
    ufuncs=(np.heaviside,), numpy_names=("heaviside",), expr_names=("heaviside",),
    batch=batching.elementwise,
)
