"""Registry-driven tests: every primitive over a shape zoo, including broadcasting.

For each case: forward equals an independent numpy reference; the JVP equals central
differences in a random direction; the VJP agrees with the JVP through
<ȳ, J ẋ> = <Jᵀ ȳ, ẋ>; every cotangent has its primal's shape; and for elementwise
unary primitives the second derivative (grad of grad) matches central differences.
"""

import numpy as np
import pytest

import mlgraph as mg
import mlgraph.numpy as mnp
from mlgraph import PRIMITIVES
from mlgraph.expr import FUNCTIONS, parse
from mlgraph.primitives import UFUNCS

RNG_SEED = 0
H = 1e-6


def pos(rng, shape):
    return rng.uniform(0.5, 2.0, size=shape)


def any_(rng, shape):
    return rng.uniform(-2.0, 2.0, size=shape)


def away0(rng, shape):
    """Values at least 0.2 from zero (no kinks of relu/abs within ±h)."""
    x = rng.uniform(0.2, 2.0, size=shape)
    return x * rng.choice([-1.0, 1.0], size=shape)


def distinct(rng, shape):
    """Entries at least 0.1 apart (no ties for max)."""
    n = int(np.prod(shape)) if shape else 1
    x = rng.permutation(n) * 0.3 + rng.uniform(0, 0.05, size=n) - 1.0
    return x.reshape(shape) if shape else x[0]


UNARY_SHAPES = [(), (3,), (2, 3)]
BINARY_SHAPES = [((), ()), ((3,), (3,)), ((2, 3), (2, 3)), ((1, 3), (2, 3)), ((2, 3), ())]


def unary(gen):
    return [(f"{s}", lambda rng, s=s: ((gen(rng, s),), {})) for s in UNARY_SHAPES]


def binary(gen_x, gen_y):
    return [(f"{sx}+{sy}", lambda rng, sx=sx, sy=sy: ((gen_x(rng, sx), gen_y(rng, sy)), {}))
            for sx, sy in BINARY_SHAPES]


def maximum_cases():
    def make(rng, sx, sy):
        x = any_(rng, sx)
        y = np.asarray(x + away0(rng, np.broadcast_shapes(sx, sy))).reshape(
            np.broadcast_shapes(sx, sy))
        y = y[(0,) * (y.ndim - len(sy))] if y.ndim > len(sy) else y
        y = y.reshape(sy) if y.shape != sy else y
        return (x, y), {}
    return [(f"{sx}+{sy}", lambda rng, sx=sx, sy=sy: make(rng, sx, sy))
            for sx, sy in BINARY_SHAPES if sx == sy or sx == (1, 3)]


def reduction(gen):
    cases = []
    for shape, axis, keep in [((3,), None, False), ((2, 3), None, False),
                              ((2, 3), 0, False), ((2, 3), 1, True), ((2, 3), (0, 1), False)]:
        cases.append((f"{shape}-axis={axis}-keep={keep}",
                      lambda rng, s=shape, a=axis, k=keep: ((gen(rng, s),),
                                                          {"axis": a, "keepdims": k})))
    return cases


def along_axis(gen):
    return [(f"{s}-axis={a}", lambda rng, s=s, a=a: ((gen(rng, s),), {"axis": a}))
            for s, a in [((3,), -1), ((2, 3), -1), ((2, 3), 0)]]


# name -> list of (case id, make(rng) -> (args, params)); differentiable argnums in DIFF.
DOMAINS = {
    "add": binary(any_, any_),
    "sub": binary(any_, any_),
    "mul": binary(any_, any_),
    "div": binary(any_, lambda r, s: pos(r, s) * np.sign(away0(r, s))),
    "pow": binary(pos, any_),
    "maximum": maximum_cases(),
    "where": [(f"{s}", lambda rng, s=s: ((any_(rng, s) > 0, any_(rng, s), any_(rng, s)), {}))
              for s in UNARY_SHAPES],
    "neg": unary(any_),
    "exp": unary(any_),
    "log": unary(pos),
    "sin": unary(any_),
    "cos": unary(any_),
    "tanh": unary(any_),
    "sigmoid": unary(any_),
    "relu": unary(away0),
    "softplus": [(f"{s}", lambda rng, s=s: ((any_(rng, s) * 10,), {})) for s in UNARY_SHAPES],
    "abs": unary(away0),
    "sqrt": unary(pos),
    "matmul": [
        ("(2,3)@(3,4)", lambda rng: ((any_(rng, (2, 3)), any_(rng, (3, 4))), {})),
        ("(3,)@(3,4)", lambda rng: ((any_(rng, (3,)), any_(rng, (3, 4))), {})),
        ("(2,3)@(3,)", lambda rng: ((any_(rng, (2, 3)), any_(rng, (3,))), {})),
        ("(3,)@(3,)", lambda rng: ((any_(rng, (3,)), any_(rng, (3,))), {})),
        ("(2,2,3)@(3,4)", lambda rng: ((any_(rng, (2, 2, 3)), any_(rng, (3, 4))), {})),
    ],
    "sum": reduction(any_),
    "mean": reduction(any_),
    "max": reduction(distinct),
    "logsumexp": reduction(any_),
    "softmax": along_axis(any_),
    "log_softmax": along_axis(any_),
    "reshape": [("(2,3)->(3,2)", lambda rng: ((any_(rng, (2, 3)),), {"shape": (3, 2)})),
                ("(6,)->(2,3)", lambda rng: ((any_(rng, (6,)),), {"shape": (2, 3)})),
                ("()->(1,1)", lambda rng: ((any_(rng, ()),), {"shape": (1, 1)}))],
    "transpose": [("(2,3)", lambda rng: ((any_(rng, (2, 3)),), {"axes": None})),
                  ("(2,3,4)-axes", lambda rng: ((any_(rng, (2, 3, 4)),), {"axes": (1, 2, 0)}))],
    "broadcast_to": [("(3,)->(2,3)", lambda rng: ((any_(rng, (3,)),), {"shape": (2, 3)})),
                     ("()->(3,)", lambda rng: ((any_(rng, ()),), {"shape": (3,)})),
                     ("(2,1)->(2,3)", lambda rng: ((any_(rng, (2, 1)),), {"shape": (2, 3)}))],
    "getitem": [("(3,)[1]", lambda rng: ((any_(rng, (3,)),), {"index": 1})),
                ("(2,3)[:,1:]", lambda rng: ((any_(rng, (2, 3)),),
                                             {"index": (slice(None), slice(1, None))})),
                ("(4,)[[0,0,2]]", lambda rng: ((any_(rng, (4,)),),
                                               {"index": np.array([0, 0, 2])}))],
    "index_add": [("(2,)->(4,)", lambda rng: ((any_(rng, (3,)),),
                                             {"index": np.array([0, 0, 2]), "shape": (4,)})),
                  ("(2,2)->(2,3)", lambda rng: ((any_(rng, (2, 2)),),
                                                {"index": (slice(None), slice(1, None)),
                                                 "shape": (2, 3)}))],
    "concatenate": [("(2,)+(3,)", lambda rng: ((any_(rng, (2,)), any_(rng, (3,))), {"axis": 0})),
                    ("(2,1)+(2,3)-axis1", lambda rng: ((any_(rng, (2, 1)), any_(rng, (2, 3))),
                                                       {"axis": 1}))],
    "stack": [("(3,)+(3,)", lambda rng: ((any_(rng, (3,)), any_(rng, (3,))), {"axis": 0})),
              ("()+()+()", lambda rng: ((any_(rng, ()), any_(rng, ()), any_(rng, ())),
                                        {"axis": 0})),
              ("(2,3)+(2,3)-axis1", lambda rng: ((any_(rng, (2, 3)), any_(rng, (2, 3))),
                                                 {"axis": 1}))],
}
NONDIFF = {"where": {0}}


def _softmax_ref(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _index_add_ref(y, index, shape):
    x = np.zeros(shape)
    np.add.at(x, index, y)
    return x


REFERENCE = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
    "pow": np.power, "maximum": np.maximum, "where": np.where, "neg": np.negative,
    "exp": np.exp, "log": np.log, "sin": np.sin, "cos": np.cos, "tanh": np.tanh,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)), "relu": lambda x: x * (x > 0),
    "softplus": lambda x: np.log1p(np.exp(x)),
    "abs": np.abs, "sqrt": np.sqrt, "matmul": np.matmul,
    "sum": np.sum, "mean": np.mean, "max": np.max,
    "logsumexp": lambda x, axis, keepdims: np.log(np.sum(np.exp(x), axis=axis,
                                                         keepdims=keepdims)),
    "softmax": _softmax_ref,
    "log_softmax": lambda x, axis: np.log(_softmax_ref(x, axis)),
    "reshape": lambda x, shape: np.reshape(x, shape),
    "transpose": lambda x, axes: np.transpose(x, axes),
    "broadcast_to": lambda x, shape: np.broadcast_to(x, shape),
    "getitem": lambda x, index: x[index],
    "index_add": _index_add_ref,
    "concatenate": lambda *xs, axis: np.concatenate(xs, axis=axis),
    "stack": lambda *xs, axis: np.stack(xs, axis=axis),
}

CASES = [pytest.param(name, make, id=f"{name}-{cid}")
         for name, cases in DOMAINS.items() for cid, make in cases]


def test_every_primitive_has_a_test_domain():
    missing = sorted(set(PRIMITIVES) - set(DOMAINS))
    assert not missing, f"primitives without a test domain in DOMAINS: {missing}"
    assert not sorted(set(PRIMITIVES) - set(REFERENCE)), "every primitive needs a reference"


def _closure(name, args, params, nums):
    prim = PRIMITIVES[name]

    def f(*xs):
        full = list(args)
        for k, x in zip(nums, xs, strict=False):
            full[k] = x
        return prim(*full, **params)
    return f


def _problem(name, make, seed):
    """f of the differentiable arguments, its primals and a random direction."""
    rng = np.random.default_rng(seed)
    args, params = make(rng)
    nums = [k for k in range(len(args)) if k not in NONDIFF.get(name, set())]
    f = _closure(name, args, params, nums)
    primals = [np.asarray(args[k], float)[()] for k in nums]
    tangents = [rng.normal(size=np.shape(p))[()] for p in primals]
    return rng, f, primals, tangents


@pytest.mark.parametrize("name,make", CASES)
def test_forward_matches_numpy(name, make):
    args, params = make(np.random.default_rng(RNG_SEED))
    got = PRIMITIVES[name](*args, **params)
    want = REFERENCE[name](*args, **params)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    traced = mg.trace(_closure(name, args, params, []))
    np.testing.assert_allclose(traced.nodes[traced.output].value, want, rtol=1e-12)


@pytest.mark.parametrize("name,make", CASES)
def test_jvp_matches_central_differences(name, make):
    _, f, primals, tangents = _problem(name, make, RNG_SEED)
    _, y_dot = mg.jvp(f, primals, tangents)
    plus = f(*[p + H * t for p, t in zip(primals, tangents, strict=False)])
    minus = f(*[p - H * t for p, t in zip(primals, tangents, strict=False)])
    numeric = (np.asarray(plus) - np.asarray(minus)) / (2 * H)
    assert np.shape(y_dot) == np.shape(plus)
    np.testing.assert_allclose(y_dot, numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,make", CASES)
def test_vjp_agrees_with_jvp(name, make):
    """<ȳ, J ẋ> = <Jᵀ ȳ, ẋ>, and each cotangent has its primal's shape."""
    rng, f, primals, tangents = _problem(name, make, RNG_SEED + 1)
    y, y_dot = mg.jvp(f, primals, tangents)
    y_bar = rng.normal(size=np.shape(y))[()]
    _, pullback = mg.vjp(f, *primals)
    x_bars = pullback(y_bar)
    for x_bar, p in zip(x_bars, primals, strict=False):
        assert np.shape(x_bar) == np.shape(p), (
            f"{name}: cotangent shape {np.shape(x_bar)} != primal shape {np.shape(p)}")
    lhs = np.sum(y_bar * y_dot)
    rhs = sum(np.sum(xb * t) for xb, t in zip(x_bars, tangents, strict=False))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10, atol=1e-10)


ELEMENTWISE = ["neg", "exp", "log", "sin", "cos", "tanh", "sigmoid", "sqrt", "relu", "abs",
               "softplus"]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_second_derivative_matches_central_differences(name):
    prim = PRIMITIVES[name]
    x = 0.7
    d2 = mg.grad(mg.grad(lambda v: prim(v)))(x)
    d1 = mg.grad(lambda v: prim(v))
    numeric = (d1(x + 1e-5) - d1(x - 1e-5)) / 2e-5
    np.testing.assert_allclose(d2, numeric, rtol=1e-5, atol=1e-7)


def test_define_rejects_a_duplicate_name():
    with pytest.raises(ValueError, match="'mul' is defined twice"):
        mg.primitives.define("mul", np.multiply, (), (), symbol="×")


def test_sigmoid_is_stable_for_large_inputs():
    x = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = mg.sigmoid(x)
        g = mg.grad(lambda v: mg.sigmoid(v).sum())(x)
    np.testing.assert_allclose(s, [0.0, 4.248354e-18, 0.5, 1.0, 1.0], rtol=1e-6)
    assert np.all(np.isfinite(g))


def test_logsumexp_and_softmax_are_stable():
    x = np.array([1000.0, 1000.0, -1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert mg.numpy.logsumexp(x) == pytest.approx(1000.0 + np.log(2.0))
        np.testing.assert_allclose(mg.numpy.softmax(x), [0.5, 0.5, 0.0])
        np.testing.assert_allclose(mg.numpy.log_softmax(x)[:2], [-np.log(2)] * 2)


# --- what else a primitive carries: read generically, so tested generically -----------

WITH_UFUNCS = [p for p in PRIMITIVES.values() if p.ufuncs]


@pytest.mark.parametrize("prim", WITH_UFUNCS, ids=lambda p: p.name)
def test_a_numpy_ufunc_on_a_tensor_records_its_primitive(prim):
    args = [np.array([0.5, 1.5])] * prim.arity
    for ufunc in prim.ufuncs:
        assert UFUNCS[ufunc] is prim
        g = mg.trace(lambda *xs, u=ufunc: u(*xs), *args)
        assert g.prims[g.output] is prim


def test_numpy_and_expression_names_are_the_primitives():
    for prim in PRIMITIVES.values():
        for name in prim.numpy_names:
            assert getattr(mnp, name) is prim, name
        for name in prim.expr_names:
            assert FUNCTIONS[name] is prim, name
            f, names = parse(f"{name}({', '.join(f'x{k}' for k in range(prim.arity))})")
            assert mg.trace(f, *[0.7] * len(names)).prims[-1] is prim


@pytest.mark.parametrize("name", sorted(n for n, p in PRIMITIVES.items() if p.kink))
def test_a_kink_tells_the_branches_apart(name):
    """At a point off the kink the branch is the same for a tiny move, and it changes
    for a move across the corner (at 0, or where the two arguments of maximum meet)."""
    prim = PRIMITIVES[name]
    x = np.array([-1.0, 2.0, 0.5])
    args = (x, np.zeros(3)) if prim.arity == 2 else (x,)
    params = {"axis": None, "keepdims": False} if name == "max" else {}

    def branch(*a):
        return np.asarray(prim.kink(*a, out=prim.forward(*a, **params), **params))

    base = branch(*args)
    assert base.shape == x.shape
    assert np.array_equal(branch(x + 1e-6, *args[1:]), base)
    moved = np.array([1.0, -2.0, 3.0]) if name == "max" else -x
    assert not np.array_equal(branch(moved, *args[1:]), base)


@pytest.mark.parametrize("argnum", [0, 1])
def test_matmul_entry_update_equals_the_product(argnum, rng):
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(3, 5))
    out = x @ y
    moved = [x.copy(), y.copy()]
    moved[argnum][2, 1] += 0.25
    new = PRIMITIVES["matmul"].entry_update(argnum, (2, 1), 0.25, *moved, out=out)
    np.testing.assert_allclose(new, moved[0] @ moved[1], rtol=1e-12)
    assert PRIMITIVES["matmul"].entry_update(0, (1,), 0.25, x[0], y, out=x[0] @ y) is None


def test_listing_hooks_write_transpose_and_indexing_as_on_the_slides():
    g = mg.trace(lambda a: (a.T[1:, 0] * 2.0).sum(), np.ones((2, 3)))
    lines = str(g).splitlines()
    assert "v2 = v0ᵀ" in lines and "v3 = v2[1:, 0]" in lines
    g = mg.trace(lambda a: a.transpose(1, 0).sum(axis=0), np.ones((2, 3)))
    assert "transpose" not in str(g) and "ᵀ(v0, axes=[1, 0])" in str(g)
