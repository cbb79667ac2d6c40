"""Neural networks on the mlgraph kernel: layers, activations, losses, inits, MLP, SGD.

Everything differentiable is written with `mlgraph.numpy`, so a training step is one
`mlgraph.value_and_grad` call over a loss taking the parameters ``W1, b1, W2, b2, …`` as
positional arguments (the data are extra, non-differentiated arguments).
Layer 3: imports numpy, the standard library and the kernel; no plotting, no widgets.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from . import numpy as mnp
from .graph import scope
from .tensor import Tensor
from .transforms import value_and_grad

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "INITS",
    "identity",
    "sigmoid",
    "tanh",
    "relu",
    "softmax",
    "mse",
    "binary_cross_entropy_with_logits",
    "softmax_cross_entropy",
    "l1_penalty",
    "l2_penalty",
    "init_weights",
    "Linear",
    "MLP",
    "SGD",
    "make_loss",
    "one_hot",
    "train_step",
    "value_and_grad_fn",
]

# --- activations ---------------------------------------------------------------------


def identity(z: Any) -> Any:
    """g(z) = z (the output layer of a regression, or logits)."""
    return z


sigmoid, tanh, relu = mnp.sigmoid, mnp.tanh, mnp.relu


def softmax(z: Any) -> Any:
    """softmax over the last axis (one row per example)."""
    return mnp.softmax(z, axis=-1)


ACTIVATIONS: dict[str, Callable[[Any], Any]] = {
    "identity": identity,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "softmax": softmax,
}

# --- losses --------------------------------------------------------------------------


def one_hot(y: np.ndarray, n_classes: int, dtype: Any = np.float64) -> np.ndarray:
    """Integer labels (n,) as a one-hot matrix (n, n_classes); data, not traced."""
    if isinstance(y, Tensor) and y.ndim == 2:
        return y  # already one-hot, and traced: keep it so
    # NOTE: for traced integer labels np.asarray reads their values; when the graph is
    # traced for reuse that raises ValueDependence and the kernel re-traces per call.
    y = np.asarray(y)
    if y.ndim == 2:
        return y.astype(dtype)
    out = np.zeros((len(y), n_classes), dtype=dtype)
    out[np.arange(len(y)), y.astype(np.int64)] = 1
    return out


def _target(y: Any, like: Any) -> Any:
    """y in like's shape (n,) → (n, 1), and as floats of like's dtype if it is data."""
    shape = mnp.shape(like)
    if isinstance(y, Tensor):
        # NOTE: np.asarray(y) would silently detach a traced y; reshape keeps it traced.
        return mnp.reshape(y, shape) if mnp.shape(y) != shape else y
    dtype = np.asarray(getattr(like, "value", like)).dtype
    y = np.asarray(y, dtype=dtype)
    return y.reshape(shape) if y.size == math.prod(shape) else y


def mse(pred: Any, y: Any) -> Any:
    """Mean squared error, L = mean((ŷ − y)²) over every entry."""
    d = pred - _target(y, pred)
    return mnp.mean(d * d)


def binary_cross_entropy_with_logits(z: Any, y: Any) -> Any:
    """Binary cross-entropy of logits z against labels y ∈ {0, 1}, stably.

    L = mean(softplus(z) − y·z) with softplus(z) = log(1 + eᶻ), a primitive computed
    as logaddexp(0, z): no exp ever overflows, and the derivative σ(z) − y is exact
    everywhere (also at z = 0, unlike relu(z) + log(1 + e^−|z|)).
    """
    y = _target(y, z)
    return mnp.mean(mnp.softplus(z) - y * z)


def softmax_cross_entropy(z: Any, y: Any) -> Any:
    """Softmax cross-entropy of logits z (n, C) against labels (n,) or one-hot (n, C).

    L = −(1/n) Σᵢ log softmax(zᵢ)[yᵢ], with log_softmax computed stably.
    """
    n, c = mnp.shape(z)
    dtype = np.asarray(getattr(z, "value", z)).dtype
    Y = one_hot(y, c, dtype)
    return -mnp.sum(Y * mnp.log_softmax(z, axis=-1)) / n


LOSSES: dict[str, Callable[[Any, Any], Any]] = {
    "mse": mse,
    "bce": binary_cross_entropy_with_logits,
    "ce": softmax_cross_entropy,
}


def l2_penalty(weights: Sequence[Any], lam: float) -> Any:
    """λ · Σ ‖W‖² over the weight matrices (biases are not penalized)."""
    return lam * sum(mnp.sum(W * W) for W in weights)


def l1_penalty(weights: Sequence[Any], lam: float) -> Any:
    """λ · Σ |W| over the weight matrices (a kink at 0, so gradcheck flags it)."""
    return lam * sum(mnp.sum(mnp.abs(W)) for W in weights)


# --- initialization ------------------------------------------------------------------


def init_weights(
    fan_in: int,
    fan_out: int,
    kind: str,
    rng: np.random.Generator,
    dtype: Any = np.float64,
) -> np.ndarray:
    """A (fan_in, fan_out) weight matrix.

    - ``"small"``: N(0, 0.1²), the lectures' "small random numbers".
    - ``"xavier"`` (Glorot): U(−a, a) with a = √(6 / (fan_in + fan_out)), for tanh/σ.
    - ``"he"``: N(0, 2 / fan_in), for relu.
    - ``"equal"``: every weight 1/√fan_in, so all units of a layer start alike and,
      getting equal gradients, stay alike: the symmetry random inits break.
    """
    if kind == "small":
        W = 0.1 * rng.standard_normal((fan_in, fan_out))
    elif kind in ("xavier", "glorot"):
        a = math.sqrt(6.0 / (fan_in + fan_out))
        W = rng.uniform(-a, a, (fan_in, fan_out))
    elif kind == "he":
        W = math.sqrt(2.0 / fan_in) * rng.standard_normal((fan_in, fan_out))
    elif kind == "equal":
        W = np.full((fan_in, fan_out), 1.0 / math.sqrt(fan_in))
    else:
        raise ValueError(f"unknown init {kind!r}; choose 'small', 'xavier', 'he' or "
                         "'equal'.")
    return W.astype(dtype)


INITS = ("small", "xavier", "he", "equal")

# --- layers and the MLP --------------------------------------------------------------


class Linear:
    """A dense layer z = x·W + b, with W of shape (in, out) and b of shape (out,).

    The layer owns only its names and sizes; the arrays live in the model's
    parameter list so that a loss can take them as positional arguments.
    """

    def __init__(self, n_in: int, n_out: int, index: int) -> None:
        self.n_in, self.n_out, self.index = n_in, n_out, index
        self.names = (f"W{index}", f"b{index}")

    def __call__(self, x: Any, W: Any, b: Any) -> Any:
        return x @ W + b

    def __repr__(self) -> str:
        return f"Linear({self.n_in} → {self.n_out}: {', '.join(self.names)})"


class MLP:
    """A multi-layer perceptron ``sizes = [d, h1, …, out]`` with parameters W1, b1, ….

    Hidden layers apply ``activation``; the output layer applies ``output`` (identity by
    default: the model returns logits, and the losses take logits).

    Args:
        sizes: layer widths, input first.
        activation: ``"tanh"``, ``"relu"``, ``"sigmoid"`` or ``"identity"``.
        output: the output activation (``"identity"``, ``"sigmoid"``, ``"softmax"``).
        init: ``"small"``, ``"xavier"``, ``"he"``, ``"equal"`` (see `init_weights`),
            or ``"auto"`` (He for relu, else Xavier).
        seed: seeds the initialization.
        dtype: ``np.float64`` or ``np.float32`` (kept through training).

    Example:
        >>> import numpy as np
        >>> from mlgraph.nn import MLP
        >>> m = MLP([2, 4, 1], seed=0)
        >>> m.param_names, m(np.zeros((3, 2))).shape
        (['W1', 'b1', 'W2', 'b2'], (3, 1))
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str = "tanh",
        output: str = "identity",
        init: str = "auto",
        seed: int = 0,
        dtype: Any = np.float64,
    ) -> None:
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(
                f"sizes must list at least an input and an output width, all "
                f"positive, e.g. [2, 16, 1]; got {sizes}."
            )
        for name, table in (("activation", activation), ("output", output)):
            if table not in ACTIVATIONS:
                raise ValueError(
                    f"unknown {name} {table!r}; choose one of "
                    f"{', '.join(ACTIVATIONS)}."
                )
        self.sizes, self.activation, self.output = sizes, activation, output
        self.init = (
            ("he" if activation == "relu" else "xavier") if init == "auto" else init
        )
        self.seed, self.dtype = seed, np.dtype(dtype)
        self.layers = [
            Linear(a, b, k + 1)
            for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True))
        ]
        rng = np.random.default_rng(seed)
        self.params: list[np.ndarray] = []
        for layer in self.layers:
            self.params.append(
                init_weights(layer.n_in, layer.n_out, self.init, rng, self.dtype)
            )
            self.params.append(np.zeros(layer.n_out, dtype=self.dtype))

    @property
    def param_names(self) -> list[str]:
        """``['W1', 'b1', 'W2', 'b2', …]``, as on the slides."""
        return [n for layer in self.layers for n in layer.names]

    @property
    def n_params(self) -> int:
        """The number of scalar parameters."""
        return int(sum(p.size for p in self.params))

    def state_dict(self) -> dict[str, np.ndarray]:
        """The parameters by name."""
        return dict(zip(self.param_names, self.params, strict=False))

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Set the parameters from a dict by name (shapes must match)."""
        for k, name in enumerate(self.param_names):
            value = np.asarray(state[name])
            if value.shape != self.params[k].shape:
                raise ValueError(
                    f"parameter {name} has shape {self.params[k].shape}, but "
                    f"the state gives shape {value.shape}."
                )
            self.params[k] = value.astype(self.dtype)

    def apply(self, X: Any, *params: Any) -> Any:
        """The forward pass with the given parameters (traced or plain numpy)."""
        params = params or tuple(self.params)
        h = X
        act, last = ACTIVATIONS[self.activation], len(self.layers) - 1
        for k, layer in enumerate(self.layers):
            with scope(f"layer{k + 1}"):      # one box per layer in the graph widget
                h = layer(h, params[2 * k], params[2 * k + 1])
                h = ACTIVATIONS[self.output](h) if k == last else act(h)
        return h

    def __call__(self, X: Any) -> Any:
        return self.apply(np.asarray(X, dtype=self.dtype))

    def config(self) -> dict[str, Any]:
        """The constructor arguments, JSON-ready."""
        return {
            "sizes": self.sizes,
            "activation": self.activation,
            "output": self.output,
            "init": self.init,
            "seed": self.seed,
            "dtype": self.dtype.name,
        }

    def __repr__(self) -> str:
        return (
            f"MLP({self.sizes}, activation={self.activation!r}, "
            f"{self.n_params} parameters: {', '.join(self.param_names)})"
        )


def make_loss(
    model: MLP, loss: str | Callable = "mse", l2: float = 0.0, l1: float = 0.0
) -> Callable:
    """The training objective as ``f(W1, b1, …, X, y)`` (parameters first, by name).

    ``L = loss(model(X), y) + l2·Σ‖W‖² + l1·Σ|W|``. The returned function carries a
    signature with the parameter names, so gradcheck and error messages say ``W2``.
    """
    loss_fn = LOSSES[loss] if isinstance(loss, str) else loss
    n = len(model.params)

    def objective(*args: Any) -> Any:
        params, (X, y) = args[:n], args[n:]
        value = loss_fn(model.apply(X, *params), y)
        weights = params[0::2]
        if l2:
            value = value + l2_penalty(weights, l2)
        if l1:
            value = value + l1_penalty(weights, l1)
        return value

    P = inspect.Parameter
    objective.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [P(name, P.POSITIONAL_ONLY) for name in [*model.param_names, "X", "y"]]
    )
    objective.__name__ = getattr(loss_fn, "__name__", "loss")
    return objective


# --- optimization --------------------------------------------------------------------


class SGD:
    """Minibatch stochastic gradient descent, with optional momentum and a schedule.

    ``batch_size=1`` is pure SGD; ``batch_size=None`` (or ≥ n) is full-batch gradient
    descent. Each epoch shuffles the examples with the optimizer's own seeded generator.
    With momentum μ: v ← μ·v − η·∇L, θ ← θ + v; without: θ ← θ − η·∇L.

    Args:
        lr: the learning rate η.
        momentum: μ (0 for plain SGD).
        batch_size: examples per step.
        schedule: ``None``/``"constant"``, ``"step"`` (η halves every ``decay_every``
            epochs), ``"exp"`` (η·decayᵉᵖᵒᶜʰ), ``"inverse"`` (η/(1 + decay·epoch)), or a
            callable ``epoch -> η``.
        decay, decay_every: the schedule's parameters.
        shuffle: reshuffle each epoch.
        seed: seeds the shuffling.
    """

    def __init__(
        self,
        lr: float = 0.1,
        momentum: float = 0.0,
        batch_size: int | None = 32,
        schedule: str | Callable[[int], float] | None = None,
        decay: float = 0.99,
        decay_every: int = 100,
        shuffle: bool = True,
        seed: int = 0,
    ) -> None:
        if lr <= 0:
            raise ValueError(f"the learning rate must be positive, got {lr}.")
        if schedule not in (
            None,
            "constant",
            "step",
            "exp",
            "inverse",
        ) and not callable(schedule):
            raise ValueError(
                f"unknown schedule {schedule!r}; choose 'constant', 'step', "
                "'exp', 'inverse' or pass a function epoch -> lr."
            )
        self.lr, self.momentum, self.batch_size = float(lr), float(momentum), batch_size
        self.schedule, self.decay, self.decay_every = schedule, decay, decay_every
        self.shuffle, self.seed = shuffle, seed
        self.rng = np.random.default_rng(seed)
        self.velocity: list[np.ndarray] | None = None

    def lr_at(self, epoch: int) -> float:
        """The learning rate of an epoch (0-based)."""
        s = self.schedule
        if s is None or s == "constant":
            return self.lr
        if callable(s):
            return float(s(epoch))
        if s == "step":
            return self.lr * 0.5 ** (epoch // self.decay_every)
        if s == "exp":
            return self.lr * self.decay**epoch
        return self.lr / (1.0 + self.decay * epoch)

    def batches(self, n: int) -> Iterator[np.ndarray]:
        """Index arrays of one epoch's minibatches."""
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        size = (
            n if not self.batch_size or self.batch_size >= n else int(self.batch_size)
        )
        for start in range(0, n, size):
            yield order[start : start + size]

    def step(self, params: list[np.ndarray], grads: Sequence[Any], lr: float) -> None:
        """Update ``params`` in place of the list (new arrays, same dtype)."""
        if self.momentum:
            if self.velocity is None:
                self.velocity = [np.zeros_like(p) for p in params]
            for k, (p, g) in enumerate(zip(params, grads, strict=False)):
                self.velocity[k] = (self.momentum * self.velocity[k] - lr * g).astype(
                    p.dtype
                )
                params[k] = p + self.velocity[k]
        else:
            for k, (p, g) in enumerate(zip(params, grads, strict=False)):
                params[k] = (p - lr * g).astype(p.dtype, copy=False)

    def config(self) -> dict[str, Any]:
        """The constructor arguments, JSON-ready (a callable schedule is not saved)."""
        return {
            "lr": self.lr,
            "momentum": self.momentum,
            "batch_size": self.batch_size,
            "schedule": self.schedule if not callable(self.schedule) else None,
            "decay": self.decay,
            "decay_every": self.decay_every,
            "shuffle": self.shuffle,
            "seed": self.seed,
        }


def value_and_grad_fn(objective: Callable, n_params: int) -> Callable:
    """``value_and_grad`` of the objective by its first ``n_params`` arguments.

    The graph is traced once per batch shape and re-run (``reuse_graph=True``); the
    kernel falls back to tracing every call if the objective looks at its values.
    """
    return value_and_grad(objective, argnums=tuple(range(n_params)), reuse_graph=True)


def train_step(
    objective: Callable,
    params: list[np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    optimizer: SGD,
    lr: float,
    vg: Callable | None = None,
) -> tuple[float, tuple]:
    """One step: a single value_and_grad call, then the optimizer's update."""
    vg = vg or value_and_grad(objective, argnums=tuple(range(len(params))))
    value, grads = vg(*params, X, y)
    optimizer.step(params, grads, lr)
    return float(value), grads


# --- more optimizers: momentum, Nesterov, RMSprop, Adam ------------------------------
#
# Each keeps SGD's minibatches, schedules and seeding, and changes only the update.
# ``step(params, grads, lr)`` replaces the arrays of the list (same dtypes).


class Momentum(SGD):
    """SGD with (heavy-ball) momentum μ: v ← μ·v − η·∇L,  θ ← θ + v.

    The same update as ``SGD(momentum=μ)``, named for tables and legends.
    """

    def __init__(self, lr: float = 0.1, momentum: float = 0.9, **kwargs: Any) -> None:
        if not 0.0 < momentum < 1.0:
            raise ValueError(f"momentum must be between 0 and 1, got {momentum}.")
        super().__init__(lr=lr, momentum=momentum, **kwargs)


class Nesterov(SGD):
    """Nesterov's accelerated gradient: the velocity looks ahead before it steps.

    v ← μ·v − η·∇L(θ + μ·v),  θ ← θ + v, written with the gradient at θ itself (the
    form of Bengio et al. 2012, as in CS231n): with v' the new velocity,
    v' = μ·v − η·∇L(θ) and θ ← θ − μ·v + (1 + μ)·v'.
    """

    def __init__(self, lr: float = 0.1, momentum: float = 0.9, **kwargs: Any) -> None:
        if not 0.0 < momentum < 1.0:
            raise ValueError(f"momentum must be between 0 and 1, got {momentum}.")
        super().__init__(lr=lr, momentum=momentum, **kwargs)

    def step(self, params: list[np.ndarray], grads: Sequence[Any], lr: float) -> None:
        """θ ← θ − μ·v + (1 + μ)·v' with v' = μ·v − η·g."""
        if self.velocity is None:
            self.velocity = [np.zeros_like(p) for p in params]
        mu = self.momentum
        for k, (p, g) in enumerate(zip(params, grads, strict=True)):
            v = self.velocity[k]
            new = (mu * v - lr * g).astype(p.dtype)
            params[k] = (p - mu * v + (1.0 + mu) * new).astype(p.dtype)
            self.velocity[k] = new


class RMSprop(SGD):
    """RMSprop: each parameter's step divided by its recent gradient size.

    s ← ρ·s + (1 − ρ)·g²,  θ ← θ − η·g / (√s + ε), with s starting at 0.

    Args:
        lr: η.
        rho: ρ, the decay of the running mean of g².
        eps: ε, keeps the division finite.
        **kwargs: `SGD`'s batch_size, schedule, decay, decay_every, shuffle, seed.
    """

    def __init__(self, lr: float = 0.01, rho: float = 0.9, eps: float = 1e-8,
                 **kwargs: Any) -> None:
        if not 0.0 <= rho < 1.0:
            raise ValueError(f"rho must be in [0, 1), got {rho}.")
        super().__init__(lr=lr, **kwargs)
        self.rho, self.eps = float(rho), float(eps)
        self.square_avg: list[np.ndarray] | None = None

    def step(self, params: list[np.ndarray], grads: Sequence[Any], lr: float) -> None:
        """One RMSprop update: s ← ρ·s + (1 − ρ)·g², θ ← θ − η·g / (√s + ε)."""
        if self.square_avg is None:
            self.square_avg = [np.zeros_like(p) for p in params]
        rho, eps = self.rho, self.eps
        for k, (p, g) in enumerate(zip(params, grads, strict=True)):
            s = (rho * self.square_avg[k] + (1.0 - rho) * g * g).astype(p.dtype)
            self.square_avg[k] = s
            params[k] = (p - lr * g / (np.sqrt(s) + eps)).astype(p.dtype)

    def config(self) -> dict[str, Any]:
        """The constructor arguments, JSON-ready."""
        out = super().config()
        del out["momentum"]
        return {**out, "rho": self.rho, "eps": self.eps}


class Adam(SGD):
    """Adam (Kingma & Ba 2015): momentum and RMSprop, with bias correction.

    m ← β₁·m + (1 − β₁)·g,  v ← β₂·v + (1 − β₂)·g²,
    m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ),  θ ← θ − η·m̂ / (√v̂ + ε), t = 1, 2, …

    Args:
        lr: η.
        beta1, beta2: β₁, β₂, the decays of the running means of g and g².
        eps: ε, keeps the division finite.
        **kwargs: `SGD`'s batch_size, schedule, decay, decay_every, shuffle, seed.
    """

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, **kwargs: Any) -> None:
        for name, b in (("beta1", beta1), ("beta2", beta2)):
            if not 0.0 <= b < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {b}.")
        super().__init__(lr=lr, **kwargs)
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.m: list[np.ndarray] | None = None
        self.v: list[np.ndarray] | None = None
        self.t = 0

    def step(self, params: list[np.ndarray], grads: Sequence[Any], lr: float) -> None:
        """One bias-corrected Adam update."""
        if self.m is None or self.v is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        self.t += 1
        b1, b2, eps, t = self.beta1, self.beta2, self.eps, self.t
        for k, (p, g) in enumerate(zip(params, grads, strict=True)):
            self.m[k] = (b1 * self.m[k] + (1.0 - b1) * g).astype(p.dtype)
            self.v[k] = (b2 * self.v[k] + (1.0 - b2) * g * g).astype(p.dtype)
            m_hat = self.m[k] / (1.0 - b1**t)
            v_hat = self.v[k] / (1.0 - b2**t)
            params[k] = (p - lr * m_hat / (np.sqrt(v_hat) + eps)).astype(p.dtype)

    def config(self) -> dict[str, Any]:
        """The constructor arguments, JSON-ready."""
        out = super().config()
        del out["momentum"]
        return {**out, "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}


#: The optimizers by name, for menus and the command line.
OPTIMIZERS: dict[str, type[SGD]] = {
    "sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "rmsprop": RMSprop,
    "adam": Adam,
}


def make_optimizer(name: str, **kwargs: Any) -> SGD:
    """An optimizer by name, with its keyword arguments.

    Names: ``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"rmsprop"``, ``"adam"``.
    ``momentum`` is ignored where it has no meaning (RMSprop, Adam) and defaults to 0.9
    for ``"momentum"`` and ``"nesterov"``.
    """
    try:
        cls = OPTIMIZERS[name]
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; choose one of "
                         f"{', '.join(OPTIMIZERS)}.") from None
    if cls in (RMSprop, Adam):
        kwargs.pop("momentum", None)
    elif cls in (Momentum, Nesterov) and not kwargs.get("momentum"):
        kwargs.pop("momentum", None)
    return cls(**kwargs)


# --- batch normalization, residual blocks, deep MLPs ---------------------------------


def batch_norm(h: Any, gamma: Any, beta: Any, eps: float = 1e-5) -> Any:
    """Batch normalization in training mode, differentiable through the statistics.

    Each unit (column) m is normalized over the batch (rows) with the batch's own
    mean and variance, then scaled and shifted by learnable γ and β:

        μₘ = mean(hₘ),  σₘ² = mean((hₘ − μₘ)²),  ĥₘ = (hₘ − μₘ) / √(σₘ² + ε),
        BN(h)ₘ = γₘ·ĥₘ + βₘ.

    μ and σ² depend on every example, so the reverse sweep passes through them too:
    the gradient of one example's output reaches every example's input.
    """
    mu = mnp.mean(h, axis=0)
    d = h - mu
    var = mnp.mean(d * d, axis=0)
    return d / mnp.sqrt(var + eps) * gamma + beta


class BatchNorm:
    """A batch normalization layer: names ``γk``, ``βk`` and training-set statistics.

    In training mode it normalizes with the batch's statistics (`batch_norm`). In
    evaluation mode it uses fixed statistics of the whole training set, stored by
    `DeepMLP.set_statistics`, so a prediction no longer depends on the other examples
    of its batch: ĥ = (h − μ_train) / √(σ²_train + ε).
    """

    def __init__(self, n: int, index: int, eps: float = 1e-5) -> None:
        self.n, self.index, self.eps = n, index, eps
        self.names = (f"γ{index}", f"β{index}")
        self.mean: np.ndarray | None = None
        self.var: np.ndarray | None = None

    def __call__(self, h: Any, gamma: Any, beta: Any, training: bool = True) -> Any:
        """γ·ĥ + β, normalized by the batch's or the training set's statistics."""
        if training:
            return batch_norm(h, gamma, beta, self.eps)
        if self.mean is None or self.var is None:
            raise ValueError(
                f"batch norm layer {self.index} has no training-set statistics for "
                "evaluation mode. Call model.set_statistics(X_train) first, or use "
                "model.train() mode.")
        return (h - self.mean) / np.sqrt(self.var + self.eps) * gamma + beta

    def __repr__(self) -> str:
        return f"BatchNorm({self.n}: {', '.join(self.names)})"


class DeepMLP:
    """A deep MLP of equal-width layers, with optional skip connections and batch norm.

    ``depth`` linear layers: a first layer ``n_in → width``, ``depth − 2`` hidden
    layers ``width → width`` grouped into residual blocks of ``block`` layers, and an
    output layer ``width → n_out``. With ``skip=True`` each block adds its input to
    its output, x⁽ˡ⁺ᵇ⁾ = g(F(x⁽ˡ⁾) + x⁽ˡ⁾), so it only has to learn a correction (the
    residual); with ``batch_norm=True`` every layer but the output one is
    g(BN(x·W + b)) with learnable γ, β.

    Parameters come as ``W1, b1, …, WL, bL`` and then ``γ1, β1, …`` for the batch
    norm layers, so ``params[0::2]`` of the first 2L are the weight matrices. Works
    with `make_loss`, `mlgraph.Trainer` and `mlgraph.surface`.

    Args:
        n_in, width, n_out: input, hidden and output widths.
        depth: number of linear layers (at least 2).
        skip: add skip connections around each block.
        batch_norm: normalize every hidden layer's pre-activations over the batch.
        block: layers per residual block.
        activation: ``"relu"``, ``"tanh"``, …
        output: the output activation (``"identity"``: logits).
        init: ``"auto"`` (He for relu, else Xavier) or any of `INITS`.
        seed: seeds the initialization.
        dtype: ``np.float64`` or ``np.float32``.

    Example:
        >>> import numpy as np
        >>> from mlgraph.nn import DeepMLP
        >>> m = DeepMLP(2, 8, 1, depth=4, skip=True, batch_norm=True)
        >>> m.param_names[:4], m.param_names[8:]
        (['W1', 'b1', 'W2', 'b2'], ['γ1', 'β1', 'γ2', 'β2', 'γ3', 'β3'])
        >>> m(np.zeros((5, 2))).shape
        (5, 1)
    """

    def __init__(self, n_in: int, width: int, n_out: int, depth: int = 10,
                 skip: bool = True, batch_norm: bool = False, block: int = 2,
                 activation: str = "relu", output: str = "identity",
                 init: str = "auto", seed: int = 0, dtype: Any = np.float64) -> None:
        if depth < 2 or min(n_in, width, n_out) < 1 or block < 1:
            raise ValueError(f"need depth ≥ 2, block ≥ 1 and positive widths, got "
                             f"depth={depth}, block={block}, widths {n_in}, {width}, "
                             f"{n_out}.")
        for name, value in (("activation", activation), ("output", output)):
            if value not in ACTIVATIONS:
                raise ValueError(f"unknown {name} {value!r}; choose one of "
                                 f"{', '.join(ACTIVATIONS)}.")
        self.n_in, self.width, self.n_out, self.depth = n_in, width, n_out, depth
        self.skip, self.batch_norm, self.block = skip, batch_norm, block
        self.activation, self.output = activation, output
        auto = "he" if activation == "relu" else "xavier"
        self.init = auto if init == "auto" else init
        self.seed, self.dtype = seed, np.dtype(dtype)
        self.sizes = [n_in] + [width] * (depth - 1) + [n_out]
        self.layers = [Linear(a, b, k + 1) for k, (a, b) in
                       enumerate(zip(self.sizes[:-1], self.sizes[1:], strict=True))]
        self.norms = ([BatchNorm(width, k + 1) for k in range(depth - 1)]
                      if batch_norm else [])
        hidden = list(range(1, depth - 1))     # layer indices inside residual blocks
        self.blocks = [hidden[i:i + block] for i in range(0, len(hidden), block)]
        self.training = True
        self._recording: list | None = None
        rng = np.random.default_rng(seed)
        self.params: list[np.ndarray] = []
        for layer in self.layers:
            self.params.append(init_weights(layer.n_in, layer.n_out, self.init, rng,
                                            self.dtype))
            self.params.append(np.zeros(layer.n_out, dtype=self.dtype))
        for _ in self.norms:
            self.params.append(np.ones(width, dtype=self.dtype))
            self.params.append(np.zeros(width, dtype=self.dtype))

    @property
    def param_names(self) -> list[str]:
        """``['W1', 'b1', …, 'γ1', 'β1', …]``."""
        return ([n for layer in self.layers for n in layer.names]
                + [n for norm in self.norms for n in norm.names])

    def train(self) -> DeepMLP:
        """Batch norm uses each batch's statistics (the default)."""
        self.training = True
        return self

    def eval(self) -> DeepMLP:
        """Batch norm uses the training set's statistics (see `set_statistics`)."""
        self.training = False
        return self

    def _layer(self, k: int, h: Any, params: Sequence[Any], last: bool) -> Any:
        """Layer k (0-based): x·W + b, then batch norm if on (not on the output)."""
        z = self.layers[k](h, params[2 * k], params[2 * k + 1])
        if self.norms and not last:
            off = 2 * len(self.layers) + 2 * k
            if self._recording is not None:       # set_statistics: plain arrays
                z = np.asarray(z)
                self._recording.append((z.mean(axis=0), z.var(axis=0)))
            z = self.norms[k](z, params[off], params[off + 1], self.training)
        return z

    def apply(self, X: Any, *params: Any) -> Any:
        """The forward pass with the given parameters (traced or plain numpy)."""
        params = params or tuple(self.params)
        act = ACTIVATIONS[self.activation]
        with scope("layer1"):
            h = act(self._layer(0, X, params, False))
        for n, block in enumerate(self.blocks, 1):
            with scope(f"block{n}"):
                z = h
                for j, k in enumerate(block):
                    with scope(f"layer{k + 1}"):
                        z = self._layer(k, z, params, False)
                        if j < len(block) - 1:
                            z = act(z)
                h = act(z + h) if self.skip else act(z)
        last = len(self.layers) - 1
        with scope(f"layer{last + 1}"):
            return ACTIVATIONS[self.output](self._layer(last, h, params, True))

    def __call__(self, X: Any) -> Any:
        """The forward pass with the model's own parameters."""
        return self.apply(np.asarray(X, dtype=self.dtype))

    def set_statistics(self, X: np.ndarray) -> DeepMLP:
        """Store each batch norm layer's mean and variance over all of X.

        Evaluation mode uses them: at test time, as the lectures say, the mean and
        standard deviation of the whole training set replace the batch's.
        """
        was, self.training = self.training, True
        self._recording = []
        try:
            self.apply(np.asarray(X, dtype=self.dtype))
            stats = self._recording
        finally:
            self._recording, self.training = None, was
        for norm, (mean, var) in zip(self.norms, stats, strict=True):
            norm.mean, norm.var = mean, var
        return self

    # NOTE: the same bookkeeping as MLP's, over param_names and params
    n_params = MLP.n_params
    state_dict = MLP.state_dict
    load_state_dict = MLP.load_state_dict

    def config(self) -> dict[str, Any]:
        """The constructor arguments, JSON-ready."""
        return {"n_in": self.n_in, "width": self.width, "n_out": self.n_out,
                "depth": self.depth, "skip": self.skip, "batch_norm": self.batch_norm,
                "block": self.block, "activation": self.activation,
                "output": self.output, "init": self.init, "seed": self.seed,
                "dtype": self.dtype.name}

    def __repr__(self) -> str:
        parts = [f"depth {self.depth}", f"width {self.width}",
                 "skip connections" if self.skip else "no skip connections"]
        if self.batch_norm:
            parts.append("batch norm")
        return (f"DeepMLP({self.n_in} → {self.n_out}, {', '.join(parts)}, "
                f"{self.activation}, {self.n_params} parameters)")


__all__ += ["Momentum", "Nesterov", "RMSprop", "Adam", "OPTIMIZERS", "make_optimizer",
            "batch_norm", "BatchNorm", "DeepMLP"]
