"""More functions of one and two variables: logarithms, trigonometry, hypot, mod...

log1p, expm1, exp2, log₂, log₁₀, tan, the inverse and hyperbolic functions, ∛,
logaddexp(2), arctan2, hypot, mod and fmod. Each forward is numpy's own (log1p and
expm1 keep their precision near 0, logaddexp never overflows). One block per
primitive, in the order forward, jvp, vjp; the rules are written with primitives, so
they record on traced values (higher order). Constants in rules are Python floats,
so float32 stays float32.
"""

from __future__ import annotations

import math

import numpy as np

from . import batching
from .core import any_true, broadcast_hint, define, value_of
from .elementwise import exp, scaled, sqrt, where

__all__ = ["log1p", "expm1", "exp2", "log2", "log10", "tan", "arcsin", "arccos",
           "arctan", "sinh", "cosh", "arcsinh", "arccosh", "arctanh", "cbrt",
           "logaddexp", "logaddexp2", "arctan2", "hypot", "mod", "fmod"]

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)

# --- logarithms and exponentials ------------------------------------------------------

log1p = define(
    "log1p", np.log1p,
    jvp=(lambda x_dot, x, *, out: x_dot / (1.0 + x),),           # ẏ = ẋ/(1 + x)
    vjp=(lambda out_bar, x, *, out: out_bar / (1.0 + x),),       # x̄ = ȳ/(1 + x)
    symbol="log1p", partials=("1/(1 + {0})",),
    domain=(lambda x: any_true(x <= -1), "value ≤ −1, so log1p gives nan or -inf",
            "Keep its input above −1."),
    ufuncs=(np.log1p,), numpy_names=("log1p",), expr_names=("log1p",),
    batch=batching.elementwise,
)

expm1 = define(
    "expm1", np.expm1,
    jvp=(lambda x_dot, x, *, out: (out + 1.0) * x_dot,),         # ẏ = eˣ·ẋ = (y + 1)·ẋ
    vjp=(lambda out_bar, x, *, out: out_bar * (out + 1.0),),     # x̄ = ȳ·(y + 1)
    symbol="expm1", partials=("{out} + 1",),
    ufuncs=(np.expm1,), numpy_names=("expm1",), expr_names=("expm1",),
    batch=batching.elementwise,
)

exp2 = define(
    "exp2", np.exp2,
    jvp=(lambda x_dot, x, *, out: out * _LN2 * x_dot,),          # ẏ = 2ˣ·ln 2·ẋ
    vjp=(lambda out_bar, x, *, out: out_bar * out * _LN2,),      # x̄ = ȳ·2ˣ·ln 2
    symbol="2^", partials=("{out}·ln 2",),
    ufuncs=(np.exp2,), numpy_names=("exp2",), expr_names=("exp2",),
    batch=batching.elementwise,
)

log2 = define(
    "log2", np.log2,
    jvp=(lambda x_dot, x, *, out: x_dot / (x * _LN2),),          # ẏ = ẋ/(x·ln 2)
    vjp=(lambda out_bar, x, *, out: out_bar / (x * _LN2),),      # x̄ = ȳ/(x·ln 2)
    symbol="log₂", partials=("1/({0}·ln 2)",),
    domain=(lambda x: any_true(x <= 0), "non-positive input, so log₂ gives nan or -inf",
            "Keep its input positive, e.g. log2(x + 1e-12)."),
    ufuncs=(np.log2,), numpy_names=("log2",), expr_names=("log2",),
    batch=batching.elementwise,
)

log10 = define(
    "log10", np.log10,
    jvp=(lambda x_dot, x, *, out: x_dot / (x * _LN10),),         # ẏ = ẋ/(x·ln 10)
    vjp=(lambda out_bar, x, *, out: out_bar / (x * _LN10),),     # x̄ = ȳ/(x·ln 10)
    symbol="log₁₀", partials=("1/({0}·ln 10)",),
    domain=(lambda x: any_true(x <= 0),
            "non-positive input, so log₁₀ gives nan or -inf",
            "Keep its input positive, e.g. log10(x + 1e-12)."),
    ufuncs=(np.log10,), numpy_names=("log10",), expr_names=("log10",),
    batch=batching.elementwise,
)

# --- trigonometric and hyperbolic -----------------------------------------------------

tan = define(
    "tan", np.tan,
    jvp=(lambda x_dot, x, *, out: (1.0 + out * out) * x_dot,),   # ẏ = (1 + y²)·ẋ
    vjp=(lambda out_bar, x, *, out: out_bar * (1.0 + out * out),),  # x̄ = ȳ·(1 + y²)
    symbol="tan", partials=("1 + {out}²",),
    ufuncs=(np.tan,), numpy_names=("tan",), expr_names=("tan",),
    batch=batching.elementwise,
)


def _outside_unit(x):
    return any_true(abs(x) > 1)


arcsin = define(
    "arcsin", np.arcsin,
    jvp=(lambda x_dot, x, *, out: x_dot / sqrt(1.0 - x * x),),   # ẏ = ẋ/√(1 − x²)
    vjp=(lambda out_bar, x, *, out: out_bar / sqrt(1.0 - x * x),),  # x̄ = ȳ/√(1 − x²)
    symbol="arcsin", partials=("1/√(1 − {0}²)",),
    domain=(_outside_unit, "value outside [−1, 1], so arcsin gives nan",
            "Keep its input in [−1, 1], e.g. arcsin(clip(x, -1, 1))."),
    ufuncs=(np.arcsin,), numpy_names=("arcsin",), expr_names=("arcsin", "asin"),
    batch=batching.elementwise,
)

arccos = define(
    "arccos", np.arccos,
    jvp=(lambda x_dot, x, *, out: -(x_dot / sqrt(1.0 - x * x)),),  # ẏ = −ẋ/√(1 − x²)
    vjp=(lambda out_bar, x, *, out: -(out_bar / sqrt(1.0 - x * x)),),
    symbol="arccos", partials=("−1/√(1 − {0}²)",),                # x̄ = −ȳ/√(1 − x²)
    domain=(_outside_unit, "value outside [−1, 1], so arccos gives nan",
            "Keep its input in [−1, 1], e.g. arccos(clip(x, -1, 1))."),
    ufuncs=(np.arccos,), numpy_names=("arccos",), expr_names=("arccos", "acos"),
    batch=batching.elementwise,
)

arctan = define(
    "arctan", np.arctan,
    jvp=(lambda x_dot, x, *, out: x_dot / (1.0 + x * x),),       # ẏ = ẋ/(1 + x²)
    vjp=(lambda out_bar, x, *, out: out_bar / (1.0 + x * x),),   # x̄ = ȳ/(1 + x²)
    symbol="arctan", partials=("1/(1 + {0}²)",),
    ufuncs=(np.arctan,), numpy_names=("arctan",), expr_names=("arctan", "atan"),
    batch=batching.elementwise,
)

sinh = define(
    "sinh", np.sinh,
    jvp=(lambda x_dot, x, *, out: cosh(x) * x_dot,),             # ẏ = cosh(x)·ẋ
    vjp=(lambda out_bar, x, *, out: out_bar * cosh(x),),         # x̄ = ȳ·cosh(x)
    symbol="sinh", partials=("cosh({0})",),
    ufuncs=(np.sinh,), numpy_names=("sinh",), expr_names=("sinh",),
    batch=batching.elementwise,
)

cosh = define(
    "cosh", np.cosh,
    jvp=(lambda x_dot, x, *, out: sinh(x) * x_dot,),             # ẏ = sinh(x)·ẋ
    vjp=(lambda out_bar, x, *, out: out_bar * sinh(x),),         # x̄ = ȳ·sinh(x)
    symbol="cosh", partials=("sinh({0})",),
    ufuncs=(np.cosh,), numpy_names=("cosh",), expr_names=("cosh",),
    batch=batching.elementwise,
)

arcsinh = define(
    "arcsinh", np.arcsinh,
    jvp=(lambda x_dot, x, *, out: x_dot / sqrt(x * x + 1.0),),   # ẏ = ẋ/√(x² + 1)
    vjp=(lambda out_bar, x, *, out: out_bar / sqrt(x * x + 1.0),),  # x̄ = ȳ/√(x² + 1)
    symbol="arcsinh", partials=("1/√({0}² + 1)",),
    ufuncs=(np.arcsinh,), numpy_names=("arcsinh",), expr_names=("arcsinh", "asinh"),
    batch=batching.elementwise,
)

arccosh = define(
    "arccosh", np.arccosh,
    jvp=(lambda x_dot, x, *, out: x_dot / sqrt(x * x - 1.0),),   # ẏ = ẋ/√(x² − 1)
    vjp=(lambda out_bar, x, *, out: out_bar / sqrt(x * x - 1.0),),  # x̄ = ȳ/√(x² − 1)
    symbol="arccosh", partials=("1/√({0}² − 1)",),
    domain=(lambda x: any_true(x < 1), "value below 1, so arccosh gives nan",
            "Keep its input at least 1."),
    ufuncs=(np.arccosh,), numpy_names=("arccosh",), expr_names=("arccosh", "acosh"),
    batch=batching.elementwise,
)

arctanh = define(
    "arctanh", np.arctanh,
    jvp=(lambda x_dot, x, *, out: x_dot / (1.0 - x * x),),       # ẏ = ẋ/(1 − x²)
    vjp=(lambda out_bar, x, *, out: out_bar / (1.0 - x * x),),   # x̄ = ȳ/(1 − x²)
    symbol="arctanh", partials=("1/(1 − {0}²)",),
    domain=(lambda x: any_true(abs(x) >= 1), "value outside (−1, 1), so arctanh gives "
            "nan or ±inf", "Keep its input strictly between −1 and 1."),
    ufuncs=(np.arctanh,), numpy_names=("arctanh",), expr_names=("arctanh", "atanh"),
    batch=batching.elementwise,
)

cbrt = define(
    "cbrt", np.cbrt,
    # NOTE: ∛ is not differentiable at 0 (a vertical tangent): the rule gives ±inf.
    jvp=(lambda x_dot, x, *, out: x_dot / (3.0 * out * out),),   # ẏ = ẋ/(3·y²)
    vjp=(lambda out_bar, x, *, out: out_bar / (3.0 * out * out),),  # x̄ = ȳ/(3·y²)
    symbol="∛", partials=("1/(3·{out}²)",),
    ufuncs=(np.cbrt,), numpy_names=("cbrt",), expr_names=("cbrt",),
    batch=batching.elementwise,
)

# --- functions of two variables -------------------------------------------------------

logaddexp = define(
    "logaddexp", np.logaddexp,
    jvp=(lambda x_dot, x, y, *, out: x_dot * exp(x - out),       # ż = ẋ·eˣ⁻ᶻ + ẏ·eʸ⁻ᶻ
         lambda y_dot, x, y, *, out: y_dot * exp(y - out)),
    vjp=(lambda out_bar, x, y, *, out: out_bar * exp(x - out),   # x̄ = z̄·eˣ⁻ᶻ
         lambda out_bar, x, y, *, out: out_bar * exp(y - out)),  # ȳ = z̄·eʸ⁻ᶻ
    symbol="logaddexp", partials=("exp({0} − {out})", "exp({1} − {out})"),
    hint=broadcast_hint, ufuncs=(np.logaddexp,), numpy_names=("logaddexp",),
    expr_names=("logaddexp",),
    batch=batching.elementwise,
)


def _pow2(t):
    return exp(t * _LN2)


logaddexp2 = define(
    "logaddexp2", np.logaddexp2,
    jvp=(lambda x_dot, x, y, *, out: x_dot * _pow2(x - out),     # ż = ẋ·2ˣ⁻ᶻ + ẏ·2ʸ⁻ᶻ
         lambda y_dot, x, y, *, out: y_dot * _pow2(y - out)),
    vjp=(lambda out_bar, x, y, *, out: out_bar * _pow2(x - out),  # x̄ = z̄·2ˣ⁻ᶻ
         lambda out_bar, x, y, *, out: out_bar * _pow2(y - out)),  # ȳ = z̄·2ʸ⁻ᶻ
    symbol="logaddexp2", partials=("2^({0} − {out})", "2^({1} − {out})"),
    hint=broadcast_hint, ufuncs=(np.logaddexp2,), numpy_names=("logaddexp2",),
    batch=batching.elementwise,
)


def _sq_radius(x, y):
    return x * x + y * y


arctan2 = define(
    "arctan2", np.arctan2,                  # z = arctan(x/y), the angle of (y, x)
    jvp=(lambda x_dot, x, y, *, out: x_dot * y / _sq_radius(x, y),  # ż = (y·ẋ − x·ẏ)/r²
         lambda y_dot, x, y, *, out: -(y_dot * x / _sq_radius(x, y))),
    vjp=(lambda out_bar, x, y, *, out: out_bar * y / _sq_radius(x, y),  # x̄ = z̄·y/r²
         lambda out_bar, x, y, *, out:                           # ȳ = −z̄·x/r²
         -(out_bar * x / _sq_radius(x, y))),
    symbol="arctan2", partials=("{1}/({0}² + {1}²)", "−{0}/({0}² + {1}²)"),
    hint=broadcast_hint, ufuncs=(np.arctan2,), numpy_names=("arctan2",),
    expr_names=("arctan2", "atan2"),
    batch=batching.elementwise,
)


def _hypot_branch(x, y, *, out=None):
    return value_of(np.hypot(value_of(x), value_of(y))) > 0


def _over_radius(g, x, out):
    """g·x/r, and exactly 0 where x = 0 or r = 0 (selected, so no ∞·0)."""
    zero = (value_of(out) == 0) | (value_of(x) == 0)
    return where(zero, 0.0, g * where(zero, 1.0, x) / where(zero, 1.0, out))


hypot = define(
    "hypot", np.hypot,
    # NOTE: at the origin √(x² + y²) has no derivative; 0 is taken (a subgradient).
    jvp=(lambda x_dot, x, y, *, out: _over_radius(x_dot, x, out),  # ż = (x·ẋ + y·ẏ)/z
         lambda y_dot, x, y, *, out: _over_radius(y_dot, y, out)),
    vjp=(lambda out_bar, x, y, *, out: _over_radius(out_bar, x, out),  # x̄ = z̄·x/z
         lambda out_bar, x, y, *, out: _over_radius(out_bar, y, out)),  # ȳ = z̄·y/z
    symbol="hypot", partials=("{0}/{out}", "{1}/{out}"), kink=_hypot_branch,
    hint=broadcast_hint, ufuncs=(np.hypot,), numpy_names=("hypot",),
    batch=batching.elementwise,
)


def _mod_branch(x, y, *, out=None):
    return np.floor_divide(value_of(x), value_of(y))


mod = define(
    "mod", np.remainder,                    # z = x − ⌊x/y⌋·y, numpy's (and Python's) %
    # NOTE: at the jumps (x a multiple of y) the derivative is taken from the right.
    jvp=(lambda x_dot, x, y, *, out: x_dot,                      # ż = ẋ − ⌊x/y⌋·ẏ
         lambda y_dot, x, y, *, out: -scaled(y_dot, _mod_branch(x, y))),
    vjp=(lambda out_bar, x, y, *, out: out_bar,                  # x̄ = z̄
         lambda out_bar, x, y, *, out:                           # ȳ = −z̄·⌊x/y⌋
         -scaled(out_bar, _mod_branch(x, y))),
    symbol="mod", partials=("1", "−⌊{0}/{1}⌋"), kink=_mod_branch,
    hint=broadcast_hint, ufuncs=(np.remainder,), numpy_names=("mod", "remainder"),
    expr_names=("mod",),
    batch=batching.elementwise,
)


def _fmod_branch(x, y, *, out=None):
    return np.trunc(np.divide(value_of(x), value_of(y)))


fmod = define(
    "fmod", np.fmod,                        # z = x − trunc(x/y)·y, C's fmod
    jvp=(lambda x_dot, x, y, *, out: x_dot,                      # ż = ẋ − trunc(x/y)·ẏ
         lambda y_dot, x, y, *, out: -scaled(y_dot, _fmod_branch(x, y))),
    vjp=(lambda out_bar, x, y, *, out: out_bar,                  # x̄ = z̄
         lambda out_bar, x, y, *, out:                           # ȳ = −z̄·trunc(x/y)
         -scaled(out_bar, _fmod_branch(x, y))),
    symbol="fmod", partials=("1", "−trunc({0}/{1})"), kink=_fmod_branch,
    hint=broadcast_hint, ufuncs=(np.fmod,), numpy_names=("fmod",),
    batch=batching.elementwise,
)
