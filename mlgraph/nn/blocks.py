"""Deep networks for the loss-landscape lessons: batch norm, skip blocks, `DeepMLP`.

Batch normalization has training and evaluation modes; residual (skip) blocks add a
block's input to its output; `DeepMLP` combines them.

Layer 4: numpy, the kernel and `mlgraph.nn.core`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import numpy as mnp
from ..tracer import scope
from .core import ACTIVATIONS, MLP, Linear, init_weights

__all__ = ["batch_norm", "BatchNorm", "DeepMLP"]


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
