"""Property-based tests of issue 8: random programs over the whole primitive registry.

Each program applies primitives drawn from `PRIMITIVES` to values derived from its
inputs, and is checked for values, reverse mode, forward mode and second order against
central differences (float64), and for float32 staying float32. A primitive joins
through the `DOMAINS` table of tests/test_primitives.py (a point inside its domain, away
from its kinks and ties, per case): a primitive without an entry fails there, loudly.
Kinks are excluded by construction: each argument is its domain point plus at most
``DELTA`` (a tanh of the program's values), less than the margin of every domain, and
the test asserts that no kink hook changes branch within it. Negative axes, exact zeros
and ties in the inputs, and ±∞ upstream derivatives into the selecting rules (where,
relu, |·|, maximum, max) at their zeros and ties are part of the draw.

The suite runs the ``ci`` profile (a fixed number of examples, derandomized);
``pytest --hypothesis-profile=thorough tests/test_trust_properties.py`` runs more.
"""

import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_primitives import DOMAINS, NONDIFF

import mlgraph as mg
import mlgraph.numpy as mnp
from mlgraph import PRIMITIVES

NAMES = sorted(PRIMITIVES)
DELTA = 0.04          # how far an argument moves from its domain point (< every margin)
H = 1e-6              # central differences, float64
SHAPES = [(), (3,), (2, 3)]


def test_every_primitive_can_join_a_random_program():
    missing = sorted(set(PRIMITIVES) - set(DOMAINS))
    assert not missing, f"add these primitives to DOMAINS in test_primitives.py: {missing}"


@dataclass(frozen=True)
class Step:
    name: str
    case: int
    seed: int
    negative_axes: int        # bit k set: the k-th axis is written negative
    sources: tuple[int, ...]


@st.composite
def programs(draw):
    shapes = draw(st.lists(st.sampled_from(SHAPES), min_size=1, max_size=3))
    steps = []
    for k in range(draw(st.integers(1, 5))):
        name = draw(st.sampled_from(NAMES))
        sources = tuple(draw(st.integers(0, len(shapes) + k - 1)) for _ in range(3))
        steps.append(Step(name, draw(st.integers(0, len(DOMAINS[name]) - 1)),
                          draw(st.integers(0, 2**16)), draw(st.integers(0, 7)), sources))
    special = draw(st.sampled_from(["plain", "zeros", "ties"]))
    seed = draw(st.integers(0, 2**16))
    return shapes, steps, special, seed


def inputs_for(shapes, special, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    xs = [rng.uniform(-1.5, 1.5, size=s) for s in shapes]
    for x in xs:
        flat = x.reshape(-1)
        if special == "zeros":
            flat[::2] = 0.0                       # exact zeros (smooth here by design)
        elif special == "ties" and flat.size > 1:
            flat[1:] = flat[0]                    # every entry tied
    return [np.asarray(x, dtype)[()] for x in xs]


def _fit(v, shape):
    """v's entries, repeated or cut, in ``shape``: a smooth map (getitem, reshape)."""
    flat = mnp.reshape(v, (-1,))
    n = math.prod(shape)
    picked = flat[np.arange(n) % int(np.size(getattr(v, "value", v)))]
    return mnp.reshape(picked, shape)


def _negative(prim, args, params, mask):
    """The same parameters with some axes written as negative numbers (bit k of
    ``mask``: the k-th), so that positive and negative axes mix: (-1, 0, 1).

    Counted from the argument's or the output's number of axes (stack's axis counts
    the new one): whichever gives the same forward.
    """
    if "axis" not in params and "axes" not in params:
        return params
    want = prim.forward(*args, **params)

    def neg(a, n, k):
        return a - n if a >= 0 and (mask >> k) & 1 else a
    for n in {np.ndim(args[0]), np.ndim(want)}:
        out = dict(params)
        for key in ("axis", "axes"):
            v = out.get(key)
            if isinstance(v, int):
                out[key] = neg(v, n, 0)
            elif isinstance(v, tuple):
                out[key] = tuple(neg(a, n, k) for k, a in enumerate(v))
        try:
            if np.array_equal(prim.forward(*args, **out), want):
                return out
        except (ValueError, IndexError, TypeError, np.exceptions.AxisError):
            continue
    return params


def _arguments(step, dtype):
    args, params = DOMAINS[step.name][step.case][1](np.random.default_rng(step.seed))
    if step.negative_axes:
        params = _negative(PRIMITIVES[step.name], args, params, step.negative_axes)
    args = [np.asarray(a, dtype)[()] if np.asarray(a).dtype.kind == "f" else a
            for a in args]
    if step.name == "astype":          # a cast to the program's own float type
        params = {**params, "dtype": np.dtype(dtype).name}
    return args, params


def build(program, dtype=np.float64):
    """The program as a function of its inputs, and of plain arrays or traced values."""
    shapes, steps, _, seed = program

    def f(*xs):
        pool = list(xs)
        total = 0.0
        for k, step in enumerate(steps):
            args, params = _arguments(step, dtype)
            moved = []
            for j, a in enumerate(args):
                if j in NONDIFF.get(step.name, ()) or np.asarray(a).dtype.kind != "f":
                    moved.append(a)
                    continue
                src = pool[step.sources[j % 3] % len(pool)]
                moved.append(a + DELTA * mnp.tanh(_fit(src, np.shape(a))))
            out = PRIMITIVES[step.name](*moved, **params)
            pool.append(out)
            weights = np.random.default_rng(seed + k).uniform(0.5, 1.5, np.shape(
                getattr(out, "value", out))).astype(dtype)
            total = total + mnp.sum(out * weights)
        return total

    return f


def _no_kink_within_delta(program):
    """By construction: every kinked primitive stays on one branch for all its moves."""
    for step in program[1]:
        prim = PRIMITIVES[step.name]
        if prim.kink is None:
            continue
        args, params = _arguments(step, np.float64)
        base = prim.kink(*args, out=prim.forward(*args, **params), **params)
        for corner in (-DELTA, DELTA):
            moved = [a + corner if np.asarray(a).dtype.kind == "f" and j not in
                     NONDIFF.get(step.name, ()) else a for j, a in enumerate(args)]
            assert np.array_equal(prim.kink(*moved, out=prim.forward(*moved, **params),
                                             **params), base), (
                f"DOMAINS['{step.name}'] case {step.case} lies within {DELTA} of a kink: "
                "move its points away from the kink in tests/test_primitives.py")


def _central(f, xs, k, h=H):
    """Central differences of f by every entry of input k."""
    x = np.array(xs[k], dtype=np.float64)
    grad = np.zeros_like(x)
    flat, out = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        args = list(xs)
        flat[i] = old + h
        args[k] = x.copy()[()]
        plus = f(*args)
        flat[i] = old - h
        args[k] = x.copy()[()]
        minus = f(*args)
        flat[i] = old
        out[i] = (plus - minus) / (2 * h)
    return grad[()]


@settings()
@given(programs())
def test_random_programs_match_central_differences(program):
    _no_kink_within_delta(program)
    f = build(program)
    xs = inputs_for(program[0], program[2], program[3])
    nums = tuple(range(len(xs)))
    # values: the traced graph, re-run at new inputs, equals f called on plain arrays
    g = mg.trace(f, *xs)
    assert g.values[g.output] == pytest.approx(f(*xs), rel=1e-12, abs=1e-12)
    new = [x + 0.01 for x in xs]
    assert list(mg.eval_sweep(g, *new))[-1].value == pytest.approx(f(*new), rel=1e-10,
                                                                   abs=1e-12)
    # reverse mode
    grads = mg.grad(f, argnums=nums)(*xs)
    for k in nums:
        np.testing.assert_allclose(grads[k], _central(f, xs, k), rtol=1e-5, atol=1e-6)
    # forward mode, in a random direction
    rng = np.random.default_rng(program[3])
    v = [rng.normal(size=np.shape(x))[()] for x in xs]
    _, tangent = mg.jvp(f, xs, v)
    numeric = (f(*[x + H * t for x, t in zip(xs, v, strict=True)])
               - f(*[x - H * t for x, t in zip(xs, v, strict=True)])) / (2 * H)
    assert tangent == pytest.approx(numeric, rel=1e-5, abs=1e-6)
    assert tangent == pytest.approx(sum(np.sum(gk * vk) for gk, vk in zip(
        grads, v, strict=True)), rel=1e-9, abs=1e-9)
    # second order: forward over reverse (a Hessian-vector product)
    _, hv = mg.jvp(mg.grad(f, argnums=nums), xs, v)
    h2 = 1e-5
    plus = mg.grad(f, argnums=nums)(*[x + h2 * t for x, t in zip(xs, v, strict=True)])
    minus = mg.grad(f, argnums=nums)(*[x - h2 * t for x, t in zip(xs, v, strict=True)])
    hv = hv if isinstance(hv, tuple) else (hv,)
    for got, p, m in zip(hv, plus, minus, strict=True):
        np.testing.assert_allclose(got, (p - m) / (2 * h2), rtol=1e-4, atol=1e-5)


@settings()
@given(programs())
def test_random_programs_keep_float32(program):
    f32, f64 = build(program, np.float32), build(program)
    xs = inputs_for(program[0], program[2], program[3], np.float32)
    nums = tuple(range(len(xs)))
    value = f32(*xs)
    assert np.asarray(value).dtype == np.float32
    assert value == pytest.approx(f64(*[x.astype(np.float64) for x in xs]), rel=1e-4,
                                  abs=1e-4)
    for g in mg.grad(f32, argnums=nums)(*xs):
        assert np.asarray(g).dtype == np.float32
    _, tangent = mg.jvp(f32, xs, [np.ones_like(x) for x in xs])
    assert np.asarray(tangent).dtype == np.float32
    graph = mg.trace(f32, *xs)
    events = mg.run(graph, "forward", tangent=np.ones_like(xs[0])) if len(xs) == 1 \
        else list(mg.forward_sweep(graph, tangents=[np.ones_like(x) for x in xs]))
    assert all(np.asarray(e.value).dtype == np.float32 for e in events
               if e.sweep == "forward")


# --- ±∞ upstream into the selecting rules, at zeros and ties --------------------------

SELECTING = sorted(n for n, p in PRIMITIVES.items()
                   if p.kink is not None or n in NONDIFF)


def _at_zeros_and_ties(args, name, kind):
    """The domain point with exact kinks: zeros (relu, |·|), ties (maximum, max)."""
    args = [np.array(a, dtype=float) if np.asarray(a).dtype.kind == "f" else a
            for a in args]
    floats = [j for j, a in enumerate(args) if isinstance(a, np.ndarray)
              and a.dtype.kind == "f" and j not in NONDIFF.get(name, ())]
    if kind == "zeros":
        for j in floats:
            args[j].reshape(-1)[::2] = 0.0
    elif kind == "ties" and len(floats) >= 2 and args[floats[0]].shape == args[
            floats[1]].shape:
        args[floats[1]][...] = args[floats[0]]
    elif kind == "ties":
        flat = args[floats[0]].reshape(-1)
        flat[:] = flat.max() if flat.size else flat
    return [a[()] if isinstance(a, np.ndarray) else a for a in args]


@settings()
@given(st.sampled_from(SELECTING), st.integers(0, 10), st.integers(0, 2**16),
       st.sampled_from(["plain", "zeros", "ties"]), st.sampled_from([np.inf, -np.inf]))
def test_an_infinite_upstream_derivative_is_selected_not_multiplied(name, case, seed,
                                                                   kind, inf):
    cases = DOMAINS[name]
    args, params = cases[case % len(cases)][1](np.random.default_rng(seed))
    args = _at_zeros_and_ties(args, name, kind)
    prim = PRIMITIVES[name]
    nums = [j for j, a in enumerate(args) if j not in NONDIFF.get(name, ())
            and np.asarray(a).dtype.kind == "f"]

    def f(*xs):
        full = list(args)
        for j, x in zip(nums, xs, strict=True):
            full[j] = x
        return prim(*full, **params)
    primals = [args[j] for j in nums]
    out, pullback = mg.vjp(f, *primals)
    for idx in np.ndindex(*np.shape(out)):
        one = np.zeros(np.shape(out))
        one[idx] = 1.0
        rows = pullback(one[()])
        one[idx] = inf
        with np.errstate(invalid="ignore"):
            infinite = pullback(one[()])
        for row, got in zip(rows, infinite, strict=True):
            row, got = np.asarray(row), np.asarray(got)
            # (a nan row: off the domain, as fmod(x, 0); nan is the right answer there)
            assert not np.any(np.isnan(got[~np.isnan(row)])), (name, kind, idx, got)
            assert np.all(got[row == 0] == 0), (name, kind, idx, row, got)
            live = (row != 0) & ~np.isnan(row)
            assert np.all(np.sign(got[live]) == np.sign(row[live] * inf))
    # at the kinks, forward and reverse mode agree: <ȳ, J ẋ> = <Jᵀ ȳ, ẋ>
    rng = np.random.default_rng(seed)
    tangents = [rng.normal(size=np.shape(p))[()] for p in primals]
    _, y_dot = mg.jvp(f, primals, tangents)
    y_bar = rng.normal(size=np.shape(out))[()]
    lhs = np.sum(y_bar * y_dot)
    rhs = sum(np.sum(xb * t) for xb, t in zip(pullback(y_bar), tangents, strict=True))
    assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-10, nan_ok=True)
