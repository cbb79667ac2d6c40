"""Arithmetic and elementwise primitives: + − × ÷ ^, maximum, where, −x, exp, ln ...

The functions of one variable are −, exp, ln, sin, cos, tanh, |·| and √. One block per
primitive, in the order forward, jvp, vjp. Rules are written with the
primitives themselves, so they record when given traced values (higher order).
"""

from __future__ import annotations

import math
import operator

import numpy as np

from . import batching
from .core import Traced, any_true, broadcast_hint, define, scalar_fast, value_of

__all__ = ["add", "sub", "mul", "div", "pow", "maximum", "where", "neg", "exp", "log",
           "sin", "cos", "tanh", "abs", "sqrt", "select", "scaled"]

# --- binary arithmetic ---------------------------------------------------------------

# NOTE: the forwards of + − × ÷ are Python's operators: on arrays they run the same
# numpy ufunc, on numpy scalars they skip the ufunc machinery (8x faster). Rules write
# −x as an operator for the same reason; on a traced value it records `neg`.

add = define(
    "add", operator.add,
    jvp=(lambda x_dot, x, y, *, out: x_dot,                      # ż = ẋ + ẏ
         lambda y_dot, x, y, *, out: y_dot),
    vjp=(lambda out_bar, x, y, *, out: out_bar,                  # x̄ = z̄,  ȳ = z̄
         lambda out_bar, x, y, *, out: out_bar),
    symbol="+", infix=True, partials=("1", "1"), hint=broadcast_hint,
    ufuncs=(np.add,), numpy_names=("add",),
    batch=batching.elementwise,
)

sub = define(
    "sub", operator.sub,
    jvp=(lambda x_dot, x, y, *, out: x_dot,                      # ż = ẋ − ẏ
         lambda y_dot, x, y, *, out: -y_dot),
    vjp=(lambda out_bar, x, y, *, out: out_bar,                  # x̄ = z̄,  ȳ = −z̄
         lambda out_bar, x, y, *, out: -out_bar),
    symbol="−", infix=True, partials=("1", "−1"), hint=broadcast_hint,
    ufuncs=(np.subtract,), numpy_names=("subtract",),
    batch=batching.elementwise,
)

mul = define(
    "mul", operator.mul,
    jvp=(lambda x_dot, x, y, *, out: x_dot * y,                  # ż = ẋ·y + x·ẏ
         lambda y_dot, x, y, *, out: x * y_dot),
    vjp=(lambda out_bar, x, y, *, out: out_bar * y,              # x̄ = z̄·y,  ȳ = z̄·x
         lambda out_bar, x, y, *, out: out_bar * x),
    symbol="×", infix=True, partials=("{1}", "{0}"), hint=broadcast_hint,
    ufuncs=(np.multiply,), numpy_names=("multiply",),
    batch=batching.elementwise,
)

div = define(
    "div", operator.truediv,
    jvp=(lambda x_dot, x, y, *, out: x_dot / y,                  # ż = ẋ/y − z·ẏ/y
         lambda y_dot, x, y, *, out: -(out * y_dot / y)),
    vjp=(lambda out_bar, x, y, *, out: out_bar / y,              # x̄ = z̄/y,  ȳ = −z̄·z/y
         lambda out_bar, x, y, *, out: -(out_bar * out / y)),
    symbol="÷", infix=True, partials=("1/{1}", "−{out}/{1}"), hint=broadcast_hint,
    ufuncs=(np.divide, np.true_divide), numpy_names=("divide", "true_divide"),
    batch=batching.elementwise,
)


def _pow_forward(x, y):
    return np.power(x, y)


def _pow_dx(x, y):
    """∂(xʸ)/∂x = y·x^(y−1), and 0 where y = 0 (x⁰ is 1 everywhere, also at x = 0)."""
    zero = value_of(y) == 0
    if not any_true(zero):
        return y * x ** (y - 1)
    # NOTE: select, don't multiply: 0·0⁻¹ would be nan. x is replaced by 1 where y = 0,
    # so no derivative of this rule (higher order) meets 0⁻¹ either.
    return where(zero, 0.0, y * where(zero, 1.0, x) ** (y - 1))


def _pow_dy(x, y, out):
    """∂(xʸ)/∂y = ln(x)·xʸ, and 0 at x = 0 for y ≥ 0 (the limit of xʸ·ln x)."""
    zero = (value_of(x) == 0) & (value_of(y) >= 0)
    if not any_true(zero):
        return out * log(x)
    return where(zero, 0.0, out * log(where(zero, 1.0, x)))


pow = define(  # noqa: A001 - the primitive is named as in the lectures
    "pow", _pow_forward,
    jvp=(lambda x_dot, x, y, *, out: x_dot * _pow_dx(x, y),     # ż = y·x^(y−1)·ẋ
         lambda y_dot, x, y, *, out: y_dot * _pow_dy(x, y, out)),  #   + ln(x)·z·ẏ
    vjp=(lambda out_bar, x, y, *, out: out_bar * _pow_dx(x, y),   # x̄ = z̄·y·x^(y−1)
         lambda out_bar, x, y, *, out: out_bar * _pow_dy(x, y, out)),  # ȳ = z̄·z·ln(x)
    symbol="^", infix=True, partials=("{1}·{0}^({1}−1)", "ln({0})·{out}"),
    hint=broadcast_hint, ufuncs=(np.power,), numpy_names=("power",),
    batch=batching.elementwise,
)


def _maximum_branch(x, y, *, out=None):
    # NOTE: at a tie the derivative goes to x (the first argument), as numpy's argmax.
    return value_of(x) >= value_of(y)


maximum = define(
    "maximum", np.maximum,
    jvp=(lambda x_dot, x, y, *, out: select(_maximum_branch(x, y), x_dot),
         lambda y_dot, x, y, *, out: select(np.logical_not(_maximum_branch(x, y)),
                                            y_dot)),
    vjp=(lambda out_bar, x, y, *, out: select(_maximum_branch(x, y), out_bar),
         lambda out_bar, x, y, *, out: select(np.logical_not(_maximum_branch(x, y)),
                                              out_bar)),
    symbol="max", partials=("[{0}≥{1}]", "[{1}>{0}]"), kink=_maximum_branch,
    hint=broadcast_hint, ufuncs=(np.maximum,), numpy_names=("maximum",),
    expr_names=("max",),
    batch=batching.elementwise,
)                                          # x̄ = z̄·[x ≥ y],  ȳ = z̄·[y > x]


def _where_forward(cond, x, y):
    return np.where(cond, x, y)


# NOTE: where, relu, |·|, maximum and max select the derivative (`select`, below), they
# never multiply a non-finite one by a 0/1 mask: an infinite upstream derivative (√ at
# 0 after relu) times 0 would be nan, where the masked-out entry's derivative is
# exactly 0. A float32 derivative stays float32.
where = define(
    "where", _where_forward,
    jvp=(None,                                               # cond: not differentiable
         lambda x_dot, c, x, y, *, out: select(value_of(c), x_dot),
         lambda y_dot, c, x, y, *, out: select(np.logical_not(value_of(c)), y_dot)),
    vjp=(None,                                               # x̄ = z̄ where c, else 0
         lambda out_bar, c, x, y, *, out: select(value_of(c), out_bar),
         lambda out_bar, c, x, y, *, out: select(np.logical_not(value_of(c)),
                                                 out_bar)),
    symbol="where", partials=("", "[{0}]", "[¬{0}]"), hint=broadcast_hint,
    batch=batching.elementwise,
)                                                            # ȳ = z̄ where ¬c, else 0



def select(mask, g):
    """g where ``mask`` holds, else exactly 0: a masked branch's derivative, selected.

    A traced g (higher order) records a `where`, so its own derivative selects too.
    """
    if isinstance(g, Traced):
        return where(mask, g, 0.0)
    # NOTE: on a big array np.where is 7x slower than g·mask, which is the same
    # selection when g is finite (a finite sum says so); ∞·0 would be nan.
    if type(g) is np.ndarray and g.size > 256 and math.isfinite(
            np.add.reduce(g, axis=None)):
        return g * mask
    return np.where(mask, g, 0.0)[()]


def scaled(g, k):
    """g·k for a factor ``k`` that does not depend on g, exactly 0 where k is 0.

    A piecewise-constant factor (⌊x/y⌋ of mod) is 0 on whole intervals; there an
    infinite g must give 0, not ∞·0 = nan.
    """
    if isinstance(g, Traced):
        return where(np.asarray(k) != 0, g * k, 0.0)
    with np.errstate(invalid="ignore"):
        return np.where(np.asarray(k) == 0, 0.0, g * k)[()]

# --- unary ---------------------------------------------------------------------------

neg = define(
    "neg", operator.neg,                # NOTE: −x skips the ufunc machinery, as above
    jvp=(lambda x_dot, x, *, out: -x_dot,),                      # ẏ = −ẋ
    vjp=(lambda out_bar, x, *, out: -out_bar,),                  # x̄ = −ȳ
    symbol="−", partials=("−1",), ufuncs=(np.negative,), numpy_names=("negative",),
    batch=batching.elementwise,
)

exp = define(
    "exp", scalar_fast(np.exp, math.exp),
    jvp=(lambda x_dot, x, *, out: out * x_dot,),                 # ẏ = eˣ·ẋ
    vjp=(lambda out_bar, x, *, out: out_bar * out,),             # x̄ = ȳ·eˣ
    symbol="exp", partials=("exp({0})",), ufuncs=(np.exp,), numpy_names=("exp",),
    expr_names=("exp",),
    batch=batching.elementwise,
)

log = define(
    "log", scalar_fast(np.log, math.log),
    jvp=(lambda x_dot, x, *, out: x_dot / x,),                   # ẏ = ẋ/x
    vjp=(lambda out_bar, x, *, out: out_bar / x,),               # x̄ = ȳ/x
    symbol="ln", partials=("1/{0}",),
    domain=(lambda x: any_true(x <= 0),
            "non-positive input, so ln gives nan or -inf",
            "Keep its input positive, e.g. log(x + 1e-12) or log(sigmoid(z)) written "
            "as −softplus(−z)."),
    ufuncs=(np.log,), numpy_names=("log",), expr_names=("ln", "log"),
    batch=batching.elementwise,
)

sin = define(
    "sin", scalar_fast(np.sin, math.sin),
    jvp=(lambda x_dot, x, *, out: cos(x) * x_dot,),              # ẏ = cos(x)·ẋ
    vjp=(lambda out_bar, x, *, out: out_bar * cos(x),),          # x̄ = ȳ·cos(x)
    symbol="sin", partials=("cos({0})",), ufuncs=(np.sin,), numpy_names=("sin",),
    expr_names=("sin",),
    batch=batching.elementwise,
)

cos = define(
    "cos", scalar_fast(np.cos, math.cos),
    jvp=(lambda x_dot, x, *, out: -sin(x) * x_dot,),             # ẏ = −sin(x)·ẋ
    vjp=(lambda out_bar, x, *, out: -(out_bar * sin(x)),),       # x̄ = −ȳ·sin(x)
    symbol="cos", partials=("−sin({0})",), ufuncs=(np.cos,), numpy_names=("cos",),
    expr_names=("cos",),
    batch=batching.elementwise,
)

tanh = define(
    "tanh", scalar_fast(np.tanh, math.tanh),
    jvp=(lambda x_dot, x, *, out: (1.0 - out * out) * x_dot,),   # ẏ = (1 − y²)·ẋ
    vjp=(lambda out_bar, x, *, out: out_bar * (1.0 - out * out),),  # x̄ = ȳ·(1 − y²)
    symbol="tanh", partials=("1 − {out}²",), ufuncs=(np.tanh,), numpy_names=("tanh",),
    expr_names=("tanh",),
    batch=batching.elementwise,
)


def _abs_branch(x, *, out=None):
    return np.sign(value_of(x))


def _abs_select(x, g):
    """g·sign(x), selected: −g where x < 0, g where x > 0, 0 at x = 0."""
    s = np.sign(value_of(x))
    if not isinstance(g, Traced) and s.all():
        return g * s                       # NOTE: no x is 0: g·(±1) is exact, and fast
    return where(s < 0, -g, where(s > 0, g, 0.0))


abs = define(  # noqa: A001
    "abs", np.abs,
    # NOTE: |x|' at 0 is taken as 0 (np.sign(0) = 0).
    jvp=(lambda x_dot, x, *, out: _abs_select(x, x_dot),),       # ẏ = sign(x)·ẋ
    vjp=(lambda out_bar, x, *, out: _abs_select(x, out_bar),),   # x̄ = ȳ·sign(x)
    symbol="|·|", partials=("sign({0})",), kink=_abs_branch,
    ufuncs=(np.absolute,), numpy_names=("abs", "absolute"), expr_names=("abs",),
    batch=batching.elementwise,
)

sqrt = define(
    "sqrt", scalar_fast(np.sqrt, math.sqrt),
    jvp=(lambda x_dot, x, *, out: x_dot / (2.0 * out),),        # ẏ = ẋ/(2√x)
    vjp=(lambda out_bar, x, *, out: out_bar / (2.0 * out),),    # x̄ = ȳ/(2√x)
    symbol="√", partials=("1/(2·{out})",),
    domain=(lambda x: any_true(x < 0), "negative input, so √ gives nan",
            "Keep its input non-negative, e.g. sqrt(x * x + 1e-12) for a norm."),
    ufuncs=(np.sqrt,), numpy_names=("sqrt",), expr_names=("sqrt",),
    batch=batching.elementwise,
)
