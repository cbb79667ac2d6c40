"""Recurrent networks on the kernel: the unrolled graph, scoped per time step.

hₜ = tanh(W·hₜ₋₁ + U·xₜ + b), with the same W, U and b at every step. Unrolling the
loop for T steps gives an ordinary graph; each step's nodes sit in the scope ``t1``,
``t2``, … (one box per step in the graph widget) and each hidden state is named
``h1``, ``h2``, …, so backpropagation through time is the reverse sweep of that graph,
and W's adjoint is the sum of its contributions from every step.

Layer 4: numpy, the kernel and `mlgraph.nn.core`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import numpy as mnp
from ..events import replay
from ..graph import Graph
from ..modes import run
from ..tracer import name, scope
from .core import ACTIVATIONS, init_weights, softmax_cross_entropy

__all__ = ["rnn_states", "state_adjoints", "RNN", "one_hot_sequences"]


def _input_term(U: Any, x: Any) -> Any:
    """U·xₜ: U (H, I) against xₜ (I,) or a batch (n, I); U (H,) takes a scalar xₜ."""
    if mnp.ndim(U) == 1:
        # one input feature: U is a column, xₜ a number (or (n,) numbers of a batch)
        return x * U if mnp.ndim(x) == 0 else mnp.reshape(x, (-1, 1)) * U
    return _times(U, x)


def _times(M: Any, v: Any) -> Any:
    """M·v for a vector v (as on the slides), v·Mᵀ for a batch of row vectors."""
    return M @ v if mnp.ndim(v) == 1 else v @ mnp.transpose(M)


def rnn_states(
    xs: Any,
    h0: Any,
    W: Any,
    U: Any,
    b: Any = None,
    activation: str = "tanh",
) -> list[Any]:
    """The hidden states h₁ … h_T of an Elman RNN, unrolled, one scope per step.

    hₜ = g(W·hₜ₋₁ + U·xₜ + b). Row-vector batches work too: hₜ₋₁ of shape (n, H)
    gives hₜ₋₁·Wᵀ, which is W·hₜ₋₁ for every example.

    Args:
        xs: the inputs, indexed by time on the first axis: (T,) numbers, (T, I) vectors
            or (T, n, I) batches.
        h0: the initial state, (H,) or (n, H).
        W: the recurrent weights (H, H).
        U: the input weights (H, I), or (H,) for one input feature.
        b: an optional bias (H,).
        activation: g, one of `mlgraph.nn.ACTIVATIONS` (``"tanh"``).

    Returns:
        ``[h1, …, hT]``, each recorded in scope ``t<k>`` and named ``h<k>``.

    Example:
        >>> import numpy as np, mlgraph as mg
        >>> W, U = np.array([[0.5, -0.3], [0.2, 0.4]]), np.array([1.0, -1.0])
        >>> xs = np.array([0.5, -0.2, 0.8])
        >>> loss = lambda W, U: mg.numpy.sum(rnn_states(xs, np.zeros(2), W, U)[-1])
        >>> round(float(loss(W, U)), 4), mg.grad(loss, argnums=1)(W, U).round(4)
        (0.073, array([0.4226, 0.4456]))
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of "
                         f"{', '.join(ACTIVATIONS)}.")
    H = mnp.shape(W)
    if len(H) != 2 or H[0] != H[1]:
        raise ValueError(f"W must be a square (H, H) matrix, got shape {H}.")
    if mnp.shape(h0)[-1:] != H[:1]:
        raise ValueError(f"h0 must have {H[0]} entries (W is {H[0]}×{H[0]}), got "
                         f"shape {mnp.shape(h0)}.")
    if mnp.shape(U)[:1] != H[:1]:
        raise ValueError(f"U must have {H[0]} rows, one per hidden unit, got shape "
                         f"{mnp.shape(U)}.")
    g = ACTIVATIONS[activation]
    states, h = [], h0
    for t in range(mnp.shape(xs)[0]):
        with scope(f"t{t + 1}"):   # one box per time step in the graph widget
            z = _times(W, h) + _input_term(U, xs[t])
            if b is not None:
                z = z + b
            h = name(g(z), f"h{t + 1}")
        states.append(h)
    return states


def state_adjoints(g: Graph) -> list[np.ndarray]:
    """h̄ₜ = ∂L/∂hₜ for every state named ``h1``, ``h2``, … of a traced RNN graph.

    Read from the graph's own reverse sweep (its final cotangent at each named node),
    so they are the numbers backpropagation through time passes from step to step;
    their norms show a gradient vanishing or exploding on its way back.

    Raises:
        ValueError: if the graph has no node named ``h1``.
    """
    ids = {label: i for i, label in g.names.items()}
    if "h1" not in ids:
        raise ValueError("state_adjoints needs hidden states named h1, h2, …; trace a "
                         "function built with rnn_states (or name them with mg.name).")
    events = run(g, "reverse")
    state = replay(events, len(events) - 1)
    out, t = [], 1
    while f"h{t}" in ids:
        bar = state.get(ids[f"h{t}"], {}).get("cotangent")
        shape = np.shape(g.values[ids[f"h{t}"]])
        out.append(np.zeros(shape) if bar is None else np.asarray(bar, dtype=float))
        t += 1
    return out


class RNN:
    """A character- or token-level RNN: hₜ = tanh(W·hₜ₋₁ + U·xₜ + b), ŷₜ = V·hₜ + c.

    Parameters ``U, W, b, V, c`` (shapes (H, I), (H, H), (H,), (O, H), (O,)) live in
    ``params``, so a loss takes them as positional arguments, as `MLP`'s do.

    Args:
        n_in: I, the input width (the alphabet's size for one-hot characters).
        n_hidden: H.
        n_out: O (default: n_in, to predict the next symbol).
        init: the init of U and V (see `init_weights`); W starts as ``w_scale`` times
            a random orthogonal matrix, so a state neither grows nor shrinks at first.
        w_scale: the scale of W; above 1 gradients tend to explode, below to vanish.
        seed: seeds the initialization.

    Example:
        >>> import numpy as np
        >>> m = RNN(4, 8, seed=0)
        >>> m.param_names, m(np.zeros((5, 3, 4)))[-1].shape
        (['U', 'W', 'b', 'V', 'c'], (3, 4))
    """

    def __init__(self, n_in: int, n_hidden: int, n_out: int | None = None,
                 init: str = "xavier", w_scale: float = 1.0, seed: int = 0) -> None:
        n_out = n_in if n_out is None else n_out
        if min(n_in, n_hidden, n_out) < 1:
            raise ValueError(f"an RNN needs positive widths, got n_in={n_in}, "
                             f"n_hidden={n_hidden}, n_out={n_out}.")
        self.n_in, self.n_hidden, self.n_out = n_in, n_hidden, n_out
        rng = np.random.default_rng(seed)
        q, r = np.linalg.qr(rng.standard_normal((n_hidden, n_hidden)))
        self.params: list[np.ndarray] = [
            init_weights(n_hidden, n_in, init, rng),
            w_scale * q * np.sign(np.diag(r)),
            np.zeros(n_hidden),
            init_weights(n_out, n_hidden, init, rng),
            np.zeros(n_out),
        ]
        self.param_names = ["U", "W", "b", "V", "c"]

    def apply(self, xs: Any, *params: Any) -> list[Any]:
        """The outputs ŷ₁ … ŷ_T (logits) for inputs xs of shape (T, n, I) or (T, I)."""
        U, W, b, V, c = params or self.params
        h0 = np.zeros((*mnp.shape(xs)[1:-1], self.n_hidden))
        outs = []
        for t, h in enumerate(rnn_states(xs, h0, W, U, b)):
            with scope(f"t{t + 1}"):
                outs.append(_times(V, h) + c)
        return outs

    def loss(self, *args: Any) -> Any:
        """Mean softmax cross-entropy over steps: ``loss(U, W, b, V, c, xs, ys)``.

        ys holds the target class at each step, shape (T, n).
        """
        *params, xs, ys = args
        outs = self.apply(xs, *params)
        return sum(softmax_cross_entropy(o, y) for o, y in zip(outs, ys, strict=True)
                   ) / len(outs)

    def __call__(self, xs: Any) -> list[Any]:
        """The outputs with the model's own parameters."""
        return self.apply(np.asarray(xs, dtype=np.float64))

    def __repr__(self) -> str:
        return (f"RNN({self.n_in} → {self.n_hidden} → {self.n_out}: "
                f"{', '.join(self.param_names)})")


def one_hot_sequences(ids: Sequence[int] | np.ndarray, n: int) -> np.ndarray:
    """Integer ids (..., ) as one-hot float vectors (..., n)."""
    ids = np.asarray(ids, dtype=np.int64)
    return np.eye(n)[ids]
