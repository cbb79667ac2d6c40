"""Optimizers: SGD (minibatches, momentum, schedules), Nesterov, RMSprop, Adam.

The others keep `SGD`'s minibatches, schedules and seeding and change only the update;
``step(params, grads, lr)`` replaces the arrays of the list (same dtypes).
Layer 4: numpy and the kernel's transforms.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from ..transforms import value_and_grad

__all__ = ["SGD", "value_and_grad_fn", "Momentum", "Nesterov", "RMSprop", "Adam",
           "OPTIMIZERS", "make_optimizer"]


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

    #: The attributes that carry state from one step to the next (checkpoints save
    #: them): lists with one array per parameter, or numbers.
    STATE: tuple[str, ...] = ("velocity",)

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
        schedules = (None, "constant", "step", "exp", "inverse")
        if schedule not in schedules and not callable(schedule):
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

    STATE = ("square_avg",)

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

    STATE = ("m", "v", "t")

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
