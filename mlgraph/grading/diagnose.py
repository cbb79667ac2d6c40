"""Recognising a student's mistake: the reference under the mistake's transformation.

Each mistake is a transformation of what the grader knows (the reference, the gradient
with respect to another argument, each example's share of a bias, a variant of the
cost): transposed, missing or doubled 1/N, sign flip, σ used where σ′ is needed, a bias
gradient not summed over the batch, a shape off by one, the gradient of the wrong
argument. Messages speak of shapes and of the mistake, never of values. Grader-side
only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

__all__ = ["Finding", "MESSAGES", "find", "close", "shape_text"]

# Student-facing explanations; {out}, {wrt}, {n}, {other}, {yours}, {expected} are
# filled in. No reference value ever goes into one.
MESSAGES = {
    "transposed":
        "{out} is the transpose of the expected gradient: a gradient has the shape of "
        "its parameter {wrt}; check the order of the factors in the matrix product "
        "(e.g. Xᵀ·Δ rather than Δᵀ·X).",
    "missing_1_over_n":
        "{out} is N = {n} times too large: the cost is a mean over the N examples, so "
        "every gradient carries the factor 1/N.",
    "extra_1_over_n":
        "{out} is N = {n} times too small: the factor 1/N is applied twice (once is "
        "enough, e.g. on the output's error only).",
    "sign_flip":
        "{out} has the opposite sign: the cost is a *negative* log-likelihood; check "
        "the sign of its derivative at the output.",
    "bias_not_summed":
        "{out} has one row per example ({yours}): a bias is shared by every example, "
        "so its gradient is the sum of the examples' contributions over the batch "
        "(axis 0), giving shape {expected}.",
    "wrong_argument":
        "{out} matches the gradient with respect to {other}, not {wrt}: check which "
        "quantity the last step of the chain rule multiplies with.",
    "off_by_one": "{out} has shape {yours} but {wrt} has shape {expected}: {detail}",
    "reshaped":
        "{out} has the right numbers in the wrong shape ({yours}; expected "
        "{expected}): reshape it, or avoid keepdims / an extra axis.",
    "shape": "{out} has shape {yours}, expected {expected}.",
    "not_finite":
        "{out} contains NaN or infinite entries: look for an overflow (exp of a large "
        "number: subtract the maximum first) or a division by zero.",
}

# Mistakes that are a scale of the array (combine with any other transformation).
_SCALES = (("sign_flip", lambda n: -1.0), ("missing_1_over_n", lambda n: float(n)),
           ("extra_1_over_n", lambda n: 1.0 / n))


@dataclass(frozen=True)
class Finding:
    """A recognised mistake.

    Attributes:
        keys: its name, e.g. ``("transposed", "missing_1_over_n")``.
        message: what the student reads about it.
    """

    keys: tuple[str, ...]
    message: str

    @property
    def key(self) -> str:
        """The mistake's name as one string, e.g. ``"transposed+missing_1_over_n"``."""
        return "+".join(self.keys)


def close(yours: np.ndarray, expected: np.ndarray, rtol: float,
          atol: float) -> np.ndarray:
    """Entrywise ``|yours − expected| ≤ atol + rtol·|expected|``; NaN is never close."""
    with np.errstate(invalid="ignore", over="ignore"):
        return np.abs(yours - expected) <= atol + rtol * np.abs(expected)


def shape_text(shape: tuple[int, ...]) -> str:
    """``(3, 16)`` as students read it: ``3 × 16``; a scalar is ``()``."""
    return " × ".join(str(d) for d in shape) if shape else "() (a scalar)"


@dataclass
class Known:
    """What the grader may compare a student's output with (all grader-side)."""

    expected: np.ndarray                    # the reference
    others: dict[str, np.ndarray]           # another argument -> the gradient wrt it
    alternatives: dict[str, np.ndarray]     # mistake -> what that mistake returns
    per_example: np.ndarray | None          # a bias: each example's share (N × shape)
    n: int | None                           # the batch size
    out: str
    wrt: str
    messages: dict[str, str]


def _bases(k: Known) -> Iterator[tuple[tuple[str, ...], np.ndarray, str]]:
    yield (), k.expected, ""
    for name, alt in k.alternatives.items():
        yield (name,), alt, ""
    if k.per_example is not None:
        yield ("bias_not_summed",), k.per_example, ""
    for name, g in k.others.items():
        yield ("wrong_argument",), g, name


def _candidates(k: Known) -> Iterator[tuple[tuple[str, ...], np.ndarray, str]]:
    """(mistakes, array, other-argument) in order of how many mistakes are combined."""
    scales = [(name, f(k.n)) for name, f in _SCALES
              if k.n is not None and k.n > 1 or name == "sign_flip"]
    structures: list[tuple[tuple[str, ...], Callable]] = [((), lambda a: a)]
    structures.append((("transposed",), lambda a: a.T if a.ndim == 2 else None))
    combos = []
    for keys, base, other in _bases(k):
        for skeys, fn in structures:
            arr = fn(base)
            if arr is None:
                continue
            combos.append((keys + skeys, arr, other))
            for name, factor in scales:
                combos.append((keys + skeys + (name,), arr * factor, other))
    combos.sort(key=lambda c: len(c[0]))
    yield from (c for c in combos if c[0])


def find(yours: np.ndarray, k: Known, rtol: float, atol: float,
         mask: np.ndarray | None = None) -> Finding | None:
    """The simplest mistake that turns what the grader knows into ``yours``.

    Args:
        yours: the student's array (any shape).
        k: the reference and the arrays mistakes are made of.
        rtol: the relative tolerance (a mistake is matched within ten times it).
        atol: the absolute tolerance (likewise).
        mask: compare only these entries (an entry group); only transformations that
            keep the shape are tried then.
    """
    loose = (10 * rtol, 10 * atol)
    finite = np.isfinite(yours if mask is None or yours.shape != k.expected.shape
                         else yours[mask])
    if not finite.all():
        return Finding(("not_finite",), _message(("not_finite",), k, yours.shape, ""))
    for keys, arr, other in _candidates(k):
        if arr.shape != yours.shape:
            continue
        if arr.shape == k.expected.shape and close(arr, k.expected, *loose).all():
            continue                  # this mistake changes nothing here (e.g. N = 1)
        ok = close(yours, arr, *loose)
        if mask is not None:
            if arr.shape != k.expected.shape:
                continue
            ok = ok[mask]
        if ok.size and ok.all():
            return Finding(keys, _message(keys, k, yours.shape, other))
    if mask is None and yours.shape != k.expected.shape:
        return _shape_finding(yours, k, rtol, atol)
    return None


def _message(keys: tuple[str, ...], k: Known, yours: tuple, other: str) -> str:
    fill = {"out": f"Your {k.out}", "wrt": k.wrt, "n": k.n, "other": other,
            "yours": shape_text(yours), "expected": shape_text(k.expected.shape)}
    parts = []
    for key in keys:
        text = k.messages.get(key) or MESSAGES.get(key) or key.replace("_", " ")
        parts.append(text.format(**fill))
        fill["out"] = "Also, it"
    return " ".join(parts)


def _shape_finding(yours: np.ndarray, k: Known, rtol: float, atol: float) -> Finding:
    exp = k.expected
    fill_yours, fill_exp = shape_text(yours.shape), shape_text(exp.shape)
    if yours.size == exp.size and close(yours.reshape(exp.shape), exp, rtol,
                                        atol).all():
        return Finding(("reshaped",), _message(("reshaped",), k, yours.shape, ""))
    diff = [i for i, (a, b) in enumerate(zip(yours.shape, exp.shape, strict=False))
            if a != b]
    if yours.ndim == exp.ndim and len(diff) == 1 and abs(
            yours.shape[diff[0]] - exp.shape[diff[0]]) == 1:
        detail = _off_by_one(yours, exp, diff[0], rtol, atol)
        text = MESSAGES["off_by_one"].format(out=f"Your {k.out}", wrt=k.wrt,
                                             yours=fill_yours, expected=fill_exp,
                                             detail=detail)
        return Finding(("off_by_one",), text)
    return Finding(("shape",), MESSAGES["shape"].format(out=f"Your {k.out}",
                                                        yours=fill_yours,
                                                        expected=fill_exp))


def _off_by_one(yours: np.ndarray, exp: np.ndarray, axis: int, rtol: float,
                atol: float) -> str:
    """One row, column or entry too many or too few, and whether the rest matches."""
    word = ("row", "column")[axis] if exp.ndim == 2 else "entry"
    more = yours.shape[axis] > exp.shape[axis]
    detail = f"one {word} too {'many' if more else 'few'}"
    small, big = (exp, yours) if more else (yours, exp)
    m = small.shape[axis]
    for where, sl in (("first", slice(0, m)),
                      ("last", slice(big.shape[axis] - m, None))):
        part = np.take(big, np.arange(big.shape[axis])[sl], axis=axis)
        # NOTE: always yours against the expected part, so rtol scales with it
        if (close(part, small, rtol, atol) if more
                else close(small, part, rtol, atol)).all():
            detail += (f"; apart from that, its {where} {m} match" if more else
                       f"; what you have matches the {where} {m}")
            break
    return detail + " (is the bias row or column of the data counted right?)."
