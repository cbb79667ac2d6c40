"""Every primitive of mlgraph: its numpy forward, its JVP and VJP rules, its display symbol.

One block per primitive, in the order forward, jvp, vjp. Rules are written with
primitives themselves, which dispatch on their arguments: on numpy values they run numpy
directly, on traced `Tensor`s they record, so derivatives of derivatives work.
This module imports numpy and the standard library only (layer 0).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["Primitive", "PRIMITIVES", "define", "Traced"]


class Traced:
    """Marker base class of values that record into a trace (`mlgraph.Tensor`)."""

    __slots__ = ()

    @staticmethod
    def _bind(prim: Primitive, args: tuple, params: dict) -> Any:  # pragma: no cover
        raise NotImplementedError


class Primitive:
    """An operation the kernel knows how to differentiate.

    Rule conventions, fixed once for every primitive:

    - ``forward(*primals, **params) -> out``: plain numpy.
    - ``jvp[i](x_dot, *primals, out, **params)``: the tangent of ``out`` contributed by
      argument ``i``'s tangent ``x_dot`` (that is ∂out/∂xᵢ · ẋᵢ). The sweep adds the
      contributions of all arguments whose tangent is not zero.
    - ``vjp[i](out_bar, *primals, out, **params)``: the cotangent flowing back into
      argument ``i`` (that is ōut · ∂out/∂xᵢ), before un-broadcasting, which the
      reverse sweep does centrally.
    - Rules are only called for arguments that need them, so the gradient of the data
      ``X`` in ``X @ W`` is never computed.
    - A variadic primitive (``concatenate``, ``stack``) has one jvp and one vjp function
      taking the argument number first: ``vjp(i, out_bar, *primals, out, **params)``.

    Args:
        name: registry key, e.g. ``"mul"``.
        forward: the numpy computation.
        jvp: per-argument JVP rules (``None`` where an argument is not differentiable).
        vjp: per-argument VJP rules (``None`` where an argument is not differentiable).
        symbol: what a graph node shows, e.g. ``"×"`` or ``"ln"``.
        infix: print as ``v0 × v1`` rather than ``mul(v0, v1)``.
        partials: the local derivative ∂out/∂xᵢ of each argument as text, with ``{0}``,
            ``{1}``… standing for the arguments' names and ``{out}`` for the node's own.
        domain: optional ``(test, problem, fix)``: when ``test(*primals)`` is true the
            forward warns, naming the node (log and sqrt of non-positive values).
    """

    __slots__ = (
        "name", "forward", "jvp", "vjp", "symbol", "infix", "partials", "domain",
        "variadic",
    )

    def __init__(
        self,
        name: str,
        forward: Callable,
        jvp: Sequence[Callable | None] | Callable,
        vjp: Sequence[Callable | None] | Callable,
        *,
        symbol: str,
        infix: bool = False,
        partials: Sequence[str] | None = None,
        domain: tuple[Callable, str, str] | None = None,
        variadic: bool = False,
    ) -> None:
        self.name = name
        self.forward = forward
        self.jvp = jvp
        self.vjp = vjp
        self.symbol = symbol
        self.infix = infix
        self.partials = tuple(partials) if partials is not None else None
        self.domain = domain
        self.variadic = variadic

    def __call__(self, *args: Any, **params: Any) -> Any:
        for a in args:
            if isinstance(a, Traced):
                return a._bind(self, args, params)
        return self.forward(*args, **params)

    def jvp_rule(self, argnum: int) -> Callable | None:
        """The JVP rule of argument ``argnum`` (``None``: not differentiable)."""
        if self.variadic:
            rule = self.jvp
            return lambda *a, **k: rule(argnum, *a, **k)
        return self.jvp[argnum] if argnum < len(self.jvp) else None

    def vjp_rule(self, argnum: int) -> Callable | None:
        """The VJP rule of argument ``argnum`` (``None``: not differentiable)."""
        if not self.variadic and argnum < len(self.vjp):
            return self.vjp[argnum]
        if self.variadic:
            rule = self.vjp
            return lambda *a, **k: rule(argnum, *a, **k)
        return self.vjp[argnum] if argnum < len(self.vjp) else None

    def __repr__(self) -> str:
        return f"<primitive {self.name} '{self.symbol}'>"


PRIMITIVES: dict[str, Primitive] = {}


def define(name: str, forward: Callable, jvp: Any, vjp: Any, **meta: Any) -> Primitive:
    """Create a primitive and register it in ``PRIMITIVES``.

    Raises:
        ValueError: if a primitive of that name exists already.
    """
    if name in PRIMITIVES:
        raise ValueError(f"primitive {name!r} is defined twice; names must be unique.")
    prim = Primitive(name, forward, jvp, vjp, **meta)
    PRIMITIVES[name] = prim
    return prim


# --- helpers the rules share ---------------------------------------------------------


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(getattr(x, "shape", ()))


def _raw(x: Any) -> Any:
    """The numpy value of x, for masks and other non-differentiable quantities."""
    return x.value if isinstance(x, Traced) else x


def _any(mask: Any) -> bool:
    return bool(mask.any()) if isinstance(mask, np.ndarray) else bool(mask)


def _axes(axis: int | tuple[int, ...] | None, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(sorted(a % ndim for a in axis)) if ndim else ()


def _keep(g: Any, shape: tuple[int, ...], axis: Any, keepdims: bool) -> Any:
    """Reshape a reduced cotangent so it broadcasts against the unreduced input."""
    if keepdims or not shape or not _shape(g):    # a scalar broadcasts as it is
        return g
    kept = list(shape)
    for a in _axes(axis, len(shape)):
        kept[a] = 1
    return reshape(g, shape=tuple(kept))


def _scalar_fast(np_fn: Callable, math_fn: Callable) -> Callable:
    """numpy's function, with Python's math for a float64 scalar (10x less overhead).

    Where math refuses (overflow, a domain error), numpy answers, with its inf or nan.
    """
    def forward(x):
        if type(x) is np.float64:
            try:
                return np.float64(math_fn(x))
            except (OverflowError, ValueError):
                pass
        return np_fn(x)
    forward.__name__ = np_fn.__name__
    return forward


# --- binary arithmetic ---------------------------------------------------------------

# NOTE: the forwards of + − × ÷ are Python's operators: on arrays they run the same
# numpy ufunc, on numpy scalars they skip the ufunc machinery (8x faster).

add = define(
    "add", operator.add,
    jvp=(lambda x_dot, x, y, *, out: x_dot,                      # ż = ẋ + ẏ
         lambda y_dot, x, y, *, out: y_dot),
    vjp=(lambda out_bar, x, y, *, out: out_bar,                  # x̄ = z̄,  ȳ = z̄
         lambda out_bar, x, y, *, out: out_bar),
    symbol="+", infix=True, partials=("1", "1"),
)

sub = define(
    "sub", operator.sub,
    jvp=(lambda x_dot, x, y, *, out: x_dot,                      # ż = ẋ − ẏ
         lambda y_dot, x, y, *, out: neg(y_dot)),
    vjp=(lambda out_bar, x, y, *, out: out_bar,                  # x̄ = z̄,  ȳ = −z̄
         lambda out_bar, x, y, *, out: neg(out_bar)),
    symbol="−", infix=True, partials=("1", "−1"),
)

mul = define(
    "mul", operator.mul,
    jvp=(lambda x_dot, x, y, *, out: x_dot * y,                  # ż = ẋ·y + x·ẏ
         lambda y_dot, x, y, *, out: x * y_dot),
    vjp=(lambda out_bar, x, y, *, out: out_bar * y,              # x̄ = z̄·y,  ȳ = z̄·x
         lambda out_bar, x, y, *, out: out_bar * x),
    symbol="×", infix=True, partials=("{1}", "{0}"),
)

div = define(
    "div", operator.truediv,
    jvp=(lambda x_dot, x, y, *, out: x_dot / y,                  # ż = ẋ/y − z·ẏ/y
         lambda y_dot, x, y, *, out: neg(out * y_dot / y)),
    vjp=(lambda out_bar, x, y, *, out: out_bar / y,              # x̄ = z̄/y,  ȳ = −z̄·z/y
         lambda out_bar, x, y, *, out: neg(out_bar * out / y)),
    symbol="÷", infix=True, partials=("1/{1}", "−{out}/{1}"),
)


def _pow_forward(x, y):
    return np.power(x, y)


pow = define(  # noqa: A001 - the primitive is named as in the lectures
    "pow", _pow_forward,
    jvp=(lambda x_dot, x, y, *, out: x_dot * y * x ** (y - 1),    # ż = y·x^(y−1)·ẋ
         lambda y_dot, x, y, *, out: y_dot * out * log(x)),       #   + ln(x)·z·ẏ
    vjp=(lambda out_bar, x, y, *, out: out_bar * y * x ** (y - 1),  # x̄ = z̄·y·x^(y−1)
         lambda out_bar, x, y, *, out: out_bar * out * log(x)),     # ȳ = z̄·z·ln(x)
    symbol="^", infix=True, partials=("{1}·{0}^({1}−1)", "ln({0})·{out}"),
)


def _maximum_mask(x, y):
    # NOTE: at a tie the derivative goes to x (the first argument), as in numpy's argmax.
    return _raw(x) >= _raw(y)


maximum = define(
    "maximum", np.maximum,
    jvp=(lambda x_dot, x, y, *, out: where(_maximum_mask(x, y), x_dot, 0.0),
         lambda y_dot, x, y, *, out: where(_maximum_mask(x, y), 0.0, y_dot)),
    vjp=(lambda out_bar, x, y, *, out: where(_maximum_mask(x, y), out_bar, 0.0),
         lambda out_bar, x, y, *, out: where(_maximum_mask(x, y), 0.0, out_bar)),
    symbol="max", partials=("[{0}≥{1}]", "[{1}>{0}]"),
)                                          # x̄ = z̄·[x ≥ y],  ȳ = z̄·[y > x]


def _where_forward(cond, x, y):
    return np.where(cond, x, y)


where = define(
    "where", _where_forward,
    jvp=(None,                                                   # cond: not differentiable
         lambda x_dot, c, x, y, *, out: np.where(_raw(c), 1.0, 0.0) * x_dot,
         lambda y_dot, c, x, y, *, out: np.where(_raw(c), 0.0, 1.0) * y_dot),
    vjp=(None,                                                   # x̄ = z̄·[c],  ȳ = z̄·[¬c]
         lambda out_bar, c, x, y, *, out: np.where(_raw(c), 1.0, 0.0) * out_bar,
         lambda out_bar, c, x, y, *, out: np.where(_raw(c), 0.0, 1.0) * out_bar),
    symbol="where", partials=("", "[{0}]", "[¬{0}]"),
)

# --- unary ---------------------------------------------------------------------------

neg = define(
    "neg", np.negative,
    jvp=(lambda x_dot, x, *, out: neg(x_dot),),                  # ẏ = −ẋ
    vjp=(lambda out_bar, x, *, out: neg(out_bar),),              # x̄ = −ȳ
    symbol="−", partials=("−1",),
)

exp = define(
    "exp", _scalar_fast(np.exp, math.exp),
    jvp=(lambda x_dot, x, *, out: out * x_dot,),                 # ẏ = eˣ·ẋ
    vjp=(lambda out_bar, x, *, out: out_bar * out,),             # x̄ = ȳ·eˣ
    symbol="exp", partials=("exp({0})",),
)


log = define(
    "log", _scalar_fast(np.log, math.log),
    jvp=(lambda x_dot, x, *, out: x_dot / x,),                   # ẏ = ẋ/x
    vjp=(lambda out_bar, x, *, out: out_bar / x,),               # x̄ = ȳ/x
    symbol="ln", partials=("1/{0}",),
    domain=(lambda x: _any(_raw(x) <= 0), "non-positive input, so ln gives nan or -inf",
            "Keep its input positive, e.g. log(x + 1e-12) or log(sigmoid(z)) written as "
            "−softplus(−z)."),
)

sin = define(
    "sin", _scalar_fast(np.sin, math.sin),
    jvp=(lambda x_dot, x, *, out: cos(x) * x_dot,),              # ẏ = cos(x)·ẋ
    vjp=(lambda out_bar, x, *, out: out_bar * cos(x),),          # x̄ = ȳ·cos(x)
    symbol="sin", partials=("cos({0})",),
)

cos = define(
    "cos", _scalar_fast(np.cos, math.cos),
    jvp=(lambda x_dot, x, *, out: neg(sin(x)) * x_dot,),         # ẏ = −sin(x)·ẋ
    vjp=(lambda out_bar, x, *, out: neg(out_bar * sin(x)),),     # x̄ = −ȳ·sin(x)
    symbol="cos", partials=("−sin({0})",),
)

tanh = define(
    "tanh", _scalar_fast(np.tanh, math.tanh),
    jvp=(lambda x_dot, x, *, out: (1.0 - out * out) * x_dot,),   # ẏ = (1 − y²)·ẋ
    vjp=(lambda out_bar, x, *, out: out_bar * (1.0 - out * out),),  # x̄ = ȳ·(1 − y²)
    symbol="tanh", partials=("1 − {out}²",),
)


def _sigmoid_forward(x):
    # NOTE: σ(x) = exp(−log(1 + e⁻ˣ)) with log(1 + e⁻ˣ) = logaddexp(0, −x): nothing
    # overflows, and tiny values such as σ(−50) ≈ 2e−22 keep their relative precision.
    return np.exp(-np.logaddexp(0.0, np.negative(x)))


sigmoid = define(
    "sigmoid", _sigmoid_forward,
    jvp=(lambda x_dot, x, *, out: out * (1.0 - out) * x_dot,),   # ẏ = σ(1 − σ)·ẋ
    vjp=(lambda out_bar, x, *, out: out_bar * out * (1.0 - out),),  # x̄ = ȳ·σ(1 − σ)
    symbol="σ", partials=("{out}(1 − {out})",),
)


def _softplus_forward(x):
    # NOTE: log(1 + eˣ) = logaddexp(0, x) never overflows: softplus(1000) = 1000.
    return np.logaddexp(0.0, x).astype(np.result_type(np.asarray(x).dtype, np.float32))[()]


softplus = define(
    "softplus", _softplus_forward,
    jvp=(lambda x_dot, x, *, out: sigmoid(x) * x_dot,),         # ẏ = σ(x)·ẋ
    vjp=(lambda out_bar, x, *, out: out_bar * sigmoid(x),),     # x̄ = ȳ·σ(x)
    symbol="softplus", partials=("σ({0})",),
)


def _relu_forward(x):
    return np.maximum(x, 0)


relu = define(
    "relu", _relu_forward,
    # NOTE: relu'(0) is taken as 0, as in PyTorch and JAX.
    jvp=(lambda x_dot, x, *, out: x_dot * (_raw(x) > 0),),      # ẏ = [x > 0]·ẋ
    vjp=(lambda out_bar, x, *, out: out_bar * (_raw(x) > 0),),  # x̄ = ȳ·[x > 0]
    symbol="relu", partials=("[{0} > 0]",),
)

abs = define(  # noqa: A001
    "abs", np.abs,
    # NOTE: |x|' at 0 is taken as 0 (np.sign(0) = 0).
    jvp=(lambda x_dot, x, *, out: x_dot * np.sign(_raw(x)),),   # ẏ = sign(x)·ẋ
    vjp=(lambda out_bar, x, *, out: out_bar * np.sign(_raw(x)),),  # x̄ = ȳ·sign(x)
    symbol="|·|", partials=("sign({0})",),
)

sqrt = define(
    "sqrt", _scalar_fast(np.sqrt, math.sqrt),
    jvp=(lambda x_dot, x, *, out: x_dot / (2.0 * out),),        # ẏ = ẋ/(2√x)
    vjp=(lambda out_bar, x, *, out: out_bar / (2.0 * out),),    # x̄ = ȳ/(2√x)
    symbol="√", partials=("1/(2·{out})",),
    domain=(lambda x: _any(_raw(x) < 0), "negative input, so √ gives nan",
            "Keep its input non-negative, e.g. sqrt(x * x + 1e-12) for a norm."),
)

# --- linear algebra ------------------------------------------------------------------


def _matmul_vjp_x(out_bar, x, y, *, out):
    if x.ndim == 2 and y.ndim == 2:    # the common case first: x̄ = ōut·yᵀ
        return matmul(out_bar, y.T)
    xs, ys = _shape(x), _shape(y)
    if len(xs) == 1 and len(ys) == 1:  # (k,) @ (k,) -> (): x̄ = ōut·y
        return out_bar * y
    if len(ys) == 1:                   # (…, k) @ (k,) -> (…): x̄ = ōut ⊗ y
        return reshape(out_bar, shape=_shape(out_bar) + (1,)) * y
    if len(xs) == 1:                   # (k,) @ (…, k, m) -> (…, m): x̄ = y·ōut
        return matmul(y, reshape(out_bar, shape=_shape(out_bar) + (1,)))[..., 0]
    if len(ys) == 2:
        return matmul(out_bar, y.T)                                   # x̄ = ōut·yᵀ
    return matmul(out_bar, transpose(y, axes=_swap_last(len(ys))))


def _matmul_vjp_y(out_bar, x, y, *, out):
    if x.ndim == 2 and y.ndim == 2:    # the common case first: ȳ = xᵀ·ōut
        return matmul(x.T, out_bar)
    xs, ys = _shape(x), _shape(y)
    if len(xs) == 1 and len(ys) == 1:  # (k,) @ (k,) -> (): ȳ = ōut·x
        return out_bar * x
    if len(xs) == 1:                   # (k,) @ (…, k, m): ȳ = x ⊗ ōut
        return reshape(x, shape=(xs[0], 1)) * reshape(
            out_bar, shape=_shape(out_bar)[:-1] + (1, _shape(out_bar)[-1]))
    if len(ys) == 1:                   # (…, n, k) @ (k,): ȳ = xᵀ·ōut
        return matmul(transpose(x, axes=_swap_last(len(xs))),
                      reshape(out_bar, shape=_shape(out_bar) + (1,)))[..., 0]
    if len(xs) == 2:
        return matmul(x.T, out_bar)                                   # ȳ = xᵀ·ōut
    return matmul(transpose(x, axes=_swap_last(len(xs))), out_bar)


def _swap_last(ndim: int) -> tuple[int, ...]:
    return tuple(range(ndim - 2)) + (ndim - 1, ndim - 2)


matmul = define(
    "matmul", np.matmul,
    jvp=(lambda x_dot, x, y, *, out: matmul(x_dot, y),           # ż = ẋ·y + x·ẏ
         lambda y_dot, x, y, *, out: matmul(x, y_dot)),
    vjp=(_matmul_vjp_x, _matmul_vjp_y),                          # x̄ = z̄·yᵀ,  ȳ = xᵀ·z̄
    symbol="@", infix=True, partials=("{1}ᵀ", "{0}ᵀ"),
)

# --- reductions ----------------------------------------------------------------------


def _sum_forward(x, *, axis=None, keepdims=False):
    # NOTE: np.add.reduce is np.sum without its Python wrapper (2x faster on small arrays)
    return np.add.reduce(x, axis=axis, keepdims=keepdims)


sum = define(  # noqa: A001
    "sum", _sum_forward,
    jvp=(lambda x_dot, x, *, out, axis=None, keepdims=False:
         sum(x_dot, axis=axis, keepdims=keepdims),),             # ẏ = Σ ẋ
    vjp=(lambda out_bar, x, *, out, axis=None, keepdims=False:   # x̄ = ȳ, broadcast back
         broadcast_to(_keep(out_bar, _shape(x), axis, keepdims), shape=_shape(x)),),
    symbol="Σ", partials=("1",),
)


def _mean_forward(x, *, axis=None, keepdims=False):
    return np.add.reduce(x, axis=axis, keepdims=keepdims) / _count(x, axis)


def _count(x, axis) -> int:
    shape = _shape(x)
    return math.prod(shape[a] for a in _axes(axis, len(shape)))


mean = define(
    "mean", _mean_forward,
    jvp=(lambda x_dot, x, *, out, axis=None, keepdims=False:
         mean(x_dot, axis=axis, keepdims=keepdims),),            # ẏ = (1/n) Σ ẋ
    vjp=(lambda out_bar, x, *, out, axis=None, keepdims=False:   # x̄ = ȳ/n, broadcast back
         broadcast_to(_keep(out_bar / _count(x, axis), _shape(x), axis, keepdims),
                      shape=_shape(x)),),
    symbol="mean", partials=("1/n",),
)


def _max_forward(x, *, axis=None, keepdims=False):
    return np.max(x, axis=axis, keepdims=keepdims)


def _argmax_mask(x, out, axis, keepdims):
    # NOTE: ties share the derivative equally, so the rule stays symmetric.
    hit = _raw(x) == _raw(_keep(np.asarray(_raw(out)), _shape(x), axis, keepdims))
    return hit / np.sum(hit, axis=axis, keepdims=True)


max = define(  # noqa: A001
    "max", _max_forward,
    jvp=(lambda x_dot, x, *, out, axis=None, keepdims=False:     # ẏ = ẋ at the argmax
         sum(x_dot * _argmax_mask(x, out, axis, keepdims), axis=axis, keepdims=keepdims),),
    vjp=(lambda out_bar, x, *, out, axis=None, keepdims=False:   # x̄ = ȳ at the argmax
         _keep(out_bar, _shape(x), axis, keepdims) * _argmax_mask(x, out, axis, keepdims),),
    symbol="max", partials=("[argmax]",),
)


def _logsumexp_forward(x, *, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)[()]


def _lse_softmax(x, out, axis, keepdims):
    return exp(x - _keep(out, _shape(x), axis, keepdims))


logsumexp = define(
    "logsumexp", _logsumexp_forward,
    jvp=(lambda x_dot, x, *, out, axis=None, keepdims=False:     # ẏ = Σ softmax(x)·ẋ
         sum(x_dot * _lse_softmax(x, out, axis, keepdims), axis=axis, keepdims=keepdims),),
    vjp=(lambda out_bar, x, *, out, axis=None, keepdims=False:   # x̄ = ȳ·softmax(x)
         _keep(out_bar, _shape(x), axis, keepdims) * _lse_softmax(x, out, axis, keepdims),),
    symbol="logΣexp", partials=("softmax({0})",),
)


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
)


def _log_softmax_forward(x, *, axis=-1):
    return x - _logsumexp_forward(x, axis=axis, keepdims=True)


log_softmax = define(
    "log_softmax", _log_softmax_forward,
    jvp=(lambda x_dot, x, *, out, axis=-1:                       # ẏ = ẋ − ⟨softmax, ẋ⟩
         x_dot - sum(exp(out) * x_dot, axis=axis, keepdims=True),),
    vjp=(lambda out_bar, x, *, out, axis=-1:                     # x̄ = ȳ − softmax·Σȳ
         out_bar - exp(out) * sum(out_bar, axis=axis, keepdims=True),),
    symbol="log_softmax", partials=("I − 1 softmaxᵀ",),
)

# --- shapes --------------------------------------------------------------------------


def _reshape_forward(x, *, shape):
    return np.reshape(x, shape)


reshape = define(
    "reshape", _reshape_forward,
    jvp=(lambda x_dot, x, *, out, shape: reshape(x_dot, shape=shape),),
    vjp=(lambda out_bar, x, *, out, shape: reshape(out_bar, shape=_shape(x)),),
    symbol="reshape", partials=("1",),
)


def _transpose_forward(x, *, axes=None):
    return np.transpose(x, axes)


def _inverse_axes(axes, ndim):
    return None if axes is None else tuple(int(i) for i in np.argsort(axes))


transpose = define(
    "transpose", _transpose_forward,
    jvp=(lambda x_dot, x, *, out, axes=None: transpose(x_dot, axes=axes),),
    vjp=(lambda out_bar, x, *, out, axes=None:
         transpose(out_bar, axes=_inverse_axes(axes, len(_shape(x)))),),
    symbol="ᵀ", partials=("1",),
)


def _broadcast_to_forward(x, *, shape):
    return np.broadcast_to(x, shape)


broadcast_to = define(
    "broadcast_to", _broadcast_to_forward,
    jvp=(lambda x_dot, x, *, out, shape: broadcast_to(x_dot, shape=shape),),
    # NOTE: returning the broadcast cotangent is enough: the reverse sweep sums it
    # back to x's shape, the same code that un-broadcasts `+` and `×`.
    vjp=(lambda out_bar, x, *, out, shape: out_bar,),
    symbol="broadcast", partials=("1",),
)


def _getitem_forward(x, *, index):
    return x[index]


getitem = define(
    "getitem", _getitem_forward,
    jvp=(lambda x_dot, x, *, out, index: getitem(x_dot, index=index),),
    vjp=(lambda out_bar, x, *, out, index:                       # x̄ = ȳ scattered back
         index_add(out_bar, index=index, shape=_shape(x)),),
    symbol="[]", partials=("1",),
)


def _index_add_forward(y, *, index, shape):
    x = np.zeros(shape, dtype=np.result_type(np.asarray(y).dtype, np.float32))
    if _is_basic(index):
        x[index] = y              # slices and ints never repeat an entry
    else:
        np.add.at(x, index, y)    # NOTE: an index array may repeat entries: they add up
    return x


def _is_basic(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, slice)) or p is Ellipsis or p is None for p in parts)


index_add = define(
    "index_add", _index_add_forward,
    jvp=(lambda y_dot, y, *, out, index, shape: index_add(y_dot, index=index, shape=shape),),
    vjp=(lambda out_bar, y, *, out, index, shape: getitem(out_bar, index=index),),
    symbol="scatter", partials=("1",),
)


def _concatenate_forward(*xs, axis=0):
    return np.concatenate(xs, axis=axis)


def _concat_slice(argnum, xs, axis):
    ndim = len(_shape(xs[0]))
    axis = axis % ndim
    start = int(np.sum([_shape(x)[axis] for x in xs[:argnum]], dtype=int))
    stop = start + _shape(xs[argnum])[axis]
    return (slice(None),) * axis + (slice(start, stop),)


concatenate = define(
    "concatenate", _concatenate_forward,
    jvp=lambda i, x_dot, *xs, out, axis=0:                       # ẏ = ẋᵢ in its slot
        index_add(x_dot, index=_concat_slice(i, xs, axis), shape=_shape(out)),
    vjp=lambda i, out_bar, *xs, out, axis=0:                     # x̄ᵢ = ȳ[slot i]
        getitem(out_bar, index=_concat_slice(i, xs, axis)),
    symbol="concat", partials=None, variadic=True,
)


def _stack_forward(*xs, axis=0):
    return np.stack(xs, axis=axis)


def _stack_index(argnum, out, axis):
    axis = axis % len(_shape(out))
    return (slice(None),) * axis + (argnum,)


stack = define(
    "stack", _stack_forward,
    jvp=lambda i, x_dot, *xs, out, axis=0:                       # ẏ = ẋᵢ in its slot
        index_add(x_dot, index=_stack_index(i, out, axis), shape=_shape(out)),
    vjp=lambda i, out_bar, *xs, out, axis=0:                     # x̄ᵢ = ȳ[slot i]
        getitem(out_bar, index=_stack_index(i, out, axis)),
    symbol="stack", partials=None, variadic=True,
)
