"""Numerical gradients by finite differences, as the lectures compute them by hand.

`numerical_grad` gives the forward-difference or central-difference gradient with a
chosen step; `step_size_errors` its error against the kernel's gradient over a range
of steps (the lecture's error-vs-step curve: truncation for large h, round-off for
small h, sooner in float32); `check_grad` the single number scipy's ``check_grad``
gives, the 2-norm of the difference to a gradient function. Layer 3: numpy, the
standard library and the kernel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..arguments import param_names
from ..transforms import grad as _grad

__all__ = ["numerical_grad", "check_grad", "step_size_errors", "StepErrors"]

METHODS = ("forward", "central")


def numerical_grad(f: Callable, *args: Any, method: str = "central",
                   h: float | None = None, argnums: int | Sequence[int] = 0) -> Any:
    """The gradient of a scalar f by finite differences, entry by entry.

    Forward: ``(f(x + h·eᵢ) − f(x)) / h``, error O(h). Central: ``(f(x + h·eᵢ) −
    f(x − h·eᵢ)) / 2h``, error O(h²). Both lose digits to round-off as h shrinks
    (about ε/h), and the differences are taken in x's own dtype, so float32 shows it
    sooner.

    Args:
        f: a function of floats or arrays returning a scalar (plain numpy or mlgraph
            functions; it is called, not traced).
        *args: f's arguments.
        method: ``"forward"`` or ``"central"``.
        h: the step, the same for every entry. Default: √ε·max(1, |xᵢ|) (forward) or
            ∛ε·max(1, |xᵢ|) (central), per entry, with ε of x's dtype.
        argnums: which argument(s) to differentiate by.

    Returns:
        The numeric gradient in x's shape and dtype; a tuple for several argnums.

    Example:
        >>> import mlgraph as mg
        >>> f = lambda x1, x2: mg.log(x1) + x1 * x2 - mg.sin(x2)
        >>> [round(float(d), 4) for d in mg.numerical_grad(f, 2.0, 5.0, argnums=(0, 1))]
        [5.5, 1.7163]
        >>> float(mg.numerical_grad(mg.sin, 1.0, method="forward", h=0.1))
        0.4973637525353891
    """
    if method not in METHODS:
        raise ValueError(f"method must be 'forward' or 'central', got {method!r}.")
    if h is not None and not h > 0:
        raise ValueError(f"h must be positive, got {h!r}.")
    fname = getattr(f, "__name__", "f")
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    n = len(args)
    for a in nums:
        if not -n <= a < n:
            raise ValueError(f"argnums={argnums!r} but {fname} was called with {n} "
                             f"positional argument{'s' * (n != 1)} "
                             f"({', '.join(param_names(f, n))}).")
    xs = list(args)
    grads = tuple(_by_entries(f, xs, a % n, method, h, fname) for a in nums)
    return grads[0] if isinstance(argnums, int) else grads


def _by_entries(f: Callable, xs: list, k: int, method: str, h: float | None,
                fname: str) -> Any:
    given = np.asarray(xs[k])
    x = given.astype(given.dtype if given.dtype.kind == "f" else np.float64)
    eps = float(np.finfo(x.dtype).eps)
    base = _value(f, xs, k, x, fname) if method == "forward" else None
    grad = np.zeros_like(x)
    flat, out = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        step = h if h is not None else (
            eps ** (0.5 if method == "forward" else 1 / 3) * max(1.0, abs(float(old))))
        flat[i] = old + x.dtype.type(step)
        plus = _value(f, xs, k, x, fname)
        if method == "forward":
            flat[i] = old
            out[i] = (plus - base) / step
            continue
        flat[i] = old - x.dtype.type(step)
        minus = _value(f, xs, k, x, fname)
        flat[i] = old
        out[i] = (plus - minus) / (2 * step)
    return grad[()]


def _value(f: Callable, xs: list, k: int, x: np.ndarray, fname: str) -> Any:
    args = list(xs)
    args[k] = x[()] if x.ndim == 0 else x.copy()
    y = f(*args)
    y = np.asarray(getattr(y, "value", y))
    if y.shape != ():
        raise ValueError(f"numerical_grad needs f to return a scalar, but {fname} "
                         f"returned shape {y.shape}. Reduce it first (e.g. .sum()).")
    return y.astype(x.dtype)[()]


def check_grad(func: Callable, grad: Callable, x0: Any, *args: Any,
               epsilon: float = float(np.sqrt(np.finfo(float).eps)),
               method: str = "forward") -> float:
    """The 2-norm of ``grad(x0, *args)`` minus the numerical gradient of func at x0.

    As ``scipy.optimize.check_grad``: forward differences with the absolute step
    ``epsilon`` (1.49e-8) by default, with respect to the first argument only. One
    number, close to 0 for a right gradient; `mlgraph.gradcheck` says which entry is
    wrong.

    Example:
        >>> import numpy as np, mlgraph as mg
        >>> f = lambda x: mg.numpy.sum(x ** 2)
        >>> mg.check_grad(f, lambda x: 2 * x, np.array([1.0, -2.0])) < 1e-6
        True
    """
    numeric = numerical_grad(func, x0, *args, method=method, h=epsilon)
    analytic = np.asarray(getattr(g := grad(x0, *args), "value", g), dtype=np.float64)
    return float(np.linalg.norm(np.ravel(analytic - np.asarray(numeric, np.float64))))


@dataclass(frozen=True)
class StepErrors:
    """The error of numerical gradients over a range of steps h.

    Attributes:
        h: the steps, increasing.
        errors: ``"forward float64"`` (method and dtype) → the largest absolute error
            over the gradient's entries at each h.
        exact: the kernel's gradient (reverse mode, float64), the reference.
    """

    h: np.ndarray
    errors: dict[str, np.ndarray]
    exact: Any

    def best(self, key: str) -> tuple[float, float]:
        """``(h, error)`` where curve ``key`` (e.g. ``"central float32"``) is lowest."""
        k = int(np.argmin(self.errors[key]))
        return float(self.h[k]), float(self.errors[key][k])


def step_size_errors(f: Callable, *args: Any, h: Sequence[float] | None = None,
                     methods: Sequence[str] = METHODS,
                     dtypes: Sequence[Any] = (np.float64, np.float32),
                     argnums: int = 0) -> StepErrors:
    """How far forward and central differences are from the gradient, step by step.

    Large steps lose to truncation (error ≈ |f″|·h/2 forward, |f‴|·h²/6 central),
    small ones to round-off (≈ ε·|f|/h, with ε of the dtype the differences are
    taken in), so each curve has a best h, near √ε (forward) or ∛ε (central).

    Args:
        f: a scalar function of floats or arrays, written with mlgraph's or numpy's
            functions (differentiated by the kernel for the reference).
        *args: f's arguments.
        h: the steps (default: 10⁻¹⁶ … 1, four per decade).
        methods: ``"forward"`` and/or ``"central"``.
        dtypes: the float dtypes argument ``argnums`` is cast to for the differences.
        argnums: the argument to differentiate by.

    Returns:
        A `StepErrors`.

    Example:
        >>> import mlgraph as mg
        >>> r = step_size_errors(mg.sin, 1.0)
        >>> h, err = r.best("central float64")
        >>> 1e-7 < h < 1e-3 and err < 1e-9
        True
    """
    steps = np.logspace(-16, 0, 65) if h is None else np.sort(np.asarray(h, float))
    exact = np.asarray(_grad(f, argnums=argnums)(*args), dtype=np.float64)
    errors = {}
    for dtype in dtypes:
        cast = list(args)
        cast[argnums] = np.asarray(args[argnums], dtype=dtype)
        for method in methods:
            errors[f"{method} {np.dtype(dtype).name}"] = np.array([
                np.max(np.abs(np.asarray(numerical_grad(
                    f, *cast, method=method, h=float(s), argnums=argnums),
                    np.float64) - exact))
                for s in steps])
    return StepErrors(steps, errors, exact[()])
