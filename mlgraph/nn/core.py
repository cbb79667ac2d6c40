"""Neural networks on the mlgraph kernel: layers, activations, losses, inits, the MLP.

Everything differentiable is written with `mlgraph.numpy`, so a training step is one
`mlgraph.value_and_grad` call over a loss taking the parameters ``W1, b1, W2, b2, …`` as
positional arguments (the data are extra, non-differentiated arguments).
Layer 4: imports numpy, the standard library and the kernel; no plotting, no widgets.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import numpy as mnp
from ..tracer import Tensor, scope

__all__ = [
    "ACTIVATIONS",
    "HIDDEN_ACTIVATIONS",
    "LOSSES",
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
    "make_loss",
    "one_hot",
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

#: The activations a hidden layer may use (the command line and the training widget
#: offer these; an output layer may also use softmax).
HIDDEN_ACTIVATIONS = ("tanh", "relu", "sigmoid", "identity")

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
        raise ValueError(f"unknown init {kind!r}; choose small, xavier, he or equal.")
    return W.astype(dtype)


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
        """z = x·W + b."""
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
        """The forward pass with the model's own parameters."""
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

    ``L = loss(model(X), y) + l2·Σ‖W‖² + l1·Σ|W|``, the penalties over the weight
    matrices of the model's `Linear` layers only: never biases, nor batch
    normalization's γ and β. The returned function carries a signature with the
    parameter names, so gradcheck and error messages say ``W2``.
    """
    loss_fn = LOSSES[loss] if isinstance(loss, str) else loss
    n = len(model.params)
    at = _weight_positions(model)

    def objective(*args: Any) -> Any:
        params, (X, y) = args[:n], args[n:]
        value = loss_fn(model.apply(X, *params), y)
        weights = [params[k] for k in at]
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


def _weight_positions(model: Any) -> list[int]:
    """Where the weight matrices of the model's `Linear` layers sit in its params."""
    names = list(model.param_names)
    return [names.index(layer.names[0]) for layer in model.layers]
