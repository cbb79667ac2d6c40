"""Every numpy name of tests/numpy_names.txt is differentiated right, with the options
courses use: the value equals numpy's, and the gradient of sum(call · W) equals
central differences of numpy's own call, entry by entry."""

import re
from pathlib import Path

import numpy as np
import pytest

import mlgraph as mg
import mlgraph.numpy as mnp

# numpy itself says row_stack is deprecated (the reference runs), not mlgraph
pytestmark = pytest.mark.filterwarnings("ignore:`row_stack`:DeprecationWarning")

NAMES = Path(__file__).parent / "numpy_names.txt"
H = 1e-6

# HIPS/autograd's differentiable functions of numpy and numpy.linalg
# (autograd/numpy/numpy_vjps.py, numpy_jvps.py, numpy_wrapper.py, linalg.py): each
# must be in the list, differentiated or left out with a reason.
AUTOGRAD = """
add multiply subtract divide maximum minimum fmax fmin logaddexp logaddexp2 true_divide
mod remainder power arctan2 negative abs fabs absolute reciprocal exp exp2 expm1 log
log2 log10 log1p sin cos tan arcsin arccos arctan sinh cosh tanh arcsinh arccosh arctanh
rad2deg degrees deg2rad radians square sqrt sinc reshape roll array_split split vsplit
hsplit dsplit ravel expand_dims squeeze diag flipud fliplr rot90 trace full triu tril
clip swapaxes moveaxis rollaxis real_if_close real imag conj conjugate angle where cross
linspace diff repeat tile kron transpose sum mean prod var std max min amax amin cumsum
inner matmul dot tensordot outer concatenate sort msort partition atleast_1d atleast_2d
atleast_3d einsum diagonal make_diagonal nan_to_num broadcast_to pad gradient vstack
row_stack hstack column_stack array stack append select r_ c_ linalg.det linalg.slogdet
linalg.inv linalg.pinv linalg.solve linalg.norm linalg.eigh linalg.eig linalg.cholesky
linalg.svd
""".split()


def entries():
    """(name, call, inputs) per line; for a name left out, (name, "-", why)."""
    out = []
    for line in NAMES.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, call, rest = (part.strip() for part in line.split(" | "))
            out.append((name, call, rest))
    return out


ENTRIES = entries()
CASES = [pytest.param(call, spec, id=f"{name}: {call}")
         for name, call, spec in ENTRIES if call != "-"]


def _square(shape, rng):
    return rng.normal(size=shape) + 3.0 * np.eye(shape[-1])


def _spd(shape, rng):
    a = rng.normal(size=shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def _sym(shape, rng):
    q, _ = np.linalg.qr(rng.normal(size=shape))
    return (q * (np.arange(1, shape[-1] + 1) * 1.5 - 2.0)) @ np.swapaxes(q, -1, -2)


def _svd(shape, rng):
    m, n = shape[-2:]
    k = min(m, n)
    u, _ = np.linalg.qr(rng.normal(size=shape[:-2] + (m, k)))
    v, _ = np.linalg.qr(rng.normal(size=shape[:-2] + (n, k)))
    return (u * (1.0 + 0.8 * np.arange(k)[::-1])) @ np.swapaxes(v, -1, -2)


def _distinct(shape, rng):
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.3 - 1.0 + rng.uniform(0, 0.05, n)).reshape(shape)


def _with(value, count):
    def make(shape, rng):
        x = rng.uniform(-2, 2, shape)
        x.flat[rng.choice(x.size, size=min(count, x.size), replace=False)] = value
        return x
    return make


DOMAINS = {
    "any": lambda s, r: r.uniform(-2, 2, s),
    "pos": lambda s, r: r.uniform(0.5, 2, s),
    "unit": lambda s, r: r.uniform(-0.9, 0.9, s),
    "gt1": lambda s, r: r.uniform(1.2, 3, s),
    "near1": lambda s, r: r.uniform(1.0, 1.01, s),
    "away0": lambda s, r: r.uniform(0.2, 2, s) * r.choice([-1.0, 1.0], s),
    "frac": lambda s, r: r.integers(-2, 3, s) + r.uniform(0.2, 0.8, s),
    "distinct": _distinct, "zeros": _with(0.0, 2), "nan": _with(np.nan, 2),
    "sq": _square, "spd": _spd, "sym": _sym, "svd": _svd,
}


def make_inputs(spec, seed):
    rng = np.random.default_rng(seed)
    names, values = [], []
    for item in spec.split():
        name, kind, shape = re.fullmatch(r"(\w+)=(\w+)\(([\d,]*)\)", item).groups()
        dims = tuple(int(d) for d in shape.split(",") if d)
        names.append(name)
        values.append(np.asarray(DOMAINS[kind](dims, rng), dtype=float))
    return names, values


def evaluate(call, names, values, module):
    return eval(call, {"np": module}, dict(zip(names, values, strict=True)))  # noqa: S307


def test_every_autograd_function_is_listed():
    listed = {name for name, _, _ in ENTRIES}
    missing = sorted(set(AUTOGRAD) - listed)
    assert not missing, f"add these to {NAMES.name}: {missing}"
    left_out = {name: why for name, call, why in ENTRIES if call == "-"}
    assert all(len(why) > 20 for why in left_out.values()), left_out


def test_every_differentiable_name_of_mlgraph_numpy_is_listed():
    """The list is the coverage: each function mlgraph.numpy differentiates is in it."""
    listed = {name for name, call, _ in ENTRIES if call != "-"}
    offered = {name for name, f in mnp.COVERAGE.items() if f.kind == "differentiable"}
    assert not sorted(offered - listed)


@pytest.mark.parametrize("call,spec", CASES)
def test_value_and_gradient_match_numpy(call, spec):
    names, xs = make_inputs(spec, seed=len(call) + len(spec))
    want = np.asarray(evaluate(call, names, xs, np), dtype=float)

    def f(*args):
        return evaluate(call, names, args, mnp)

    g = mg.trace(f, *xs)
    got = g.nodes[g.output].value
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, equal_nan=True)

    weight = np.random.default_rng(1).normal(size=want.shape)
    finite = np.isfinite(want)

    def loss(*args):
        return mnp.sum(mnp.where(finite, f(*args), 0.0) * weight)

    grads = mg.grad(loss, argnums=tuple(range(len(xs))))(*xs)
    for k, (x, g) in enumerate(zip(xs, grads, strict=True)):
        assert np.shape(g) == np.shape(x)
        numeric = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            if np.isnan(x[i]):
                continue
            moved = [v.copy() for v in xs]
            step = H * max(1.0, abs(x[i]))
            moved[k][i] += step
            plus = np.sum(np.where(finite, evaluate(call, names, moved, np), 0) * weight)
            moved[k][i] -= 2 * step
            minus = np.sum(np.where(finite, evaluate(call, names, moved, np), 0) * weight)
            numeric[i] = (plus - minus) / (2 * step)
        np.testing.assert_allclose(np.where(np.isnan(x), 0, g), numeric, rtol=1e-5,
                                   atol=1e-6, err_msg=f"argument {names[k]}")


def test_a_gradient_check_of_the_whole_list_would_fail_on_a_wrong_rule(monkeypatch):
    """The comparison above can fail: a rule off by 1% is caught."""
    prim = mg.PRIMITIVES["log1p"]
    right = prim.vjp
    monkeypatch.setattr(prim, "vjp", (lambda out_bar, x, *, out: 1.01 * right[0](
        out_bar, x, out=out),))
    with pytest.raises(AssertionError):
        test_value_and_gradient_match_numpy("np.log1p(a)", "a=pos(3)")
