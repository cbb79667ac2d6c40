"""Registry-driven tests: every primitive over a shape zoo, including broadcasting.

For each case: forward equals an independent numpy reference; the JVP equals central
differences in a random direction; the VJP agrees with the JVP through
<ȳ, J ẋ> = <Jᵀ ȳ, ẋ>; every cotangent has its primal's shape; and for elementwise
unary primitives the second derivative (grad of grad) matches central differences.
"""

import functools

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

# --- the primitives of numpy coverage: more functions, linear algebra, decompositions ---


def unit(rng, shape):
    return rng.uniform(-0.9, 0.9, size=shape)


def case(cid, *arrays, **params):
    """One case: ``arrays`` are generators of (rng) -> array, params are static."""
    return (cid, lambda rng: (tuple(a(rng) for a in arrays), params))


def gen(kind, shape):
    return lambda rng: kind(rng, shape)


def well_conditioned(shape):
    """Square matrices (or stacks of them) near 3·I: far from singular."""
    n = shape[-1]
    return lambda rng: rng.normal(size=shape) + 3.0 * np.eye(n)


def spd(shape):
    """Symmetric positive definite matrices (or stacks of them)."""
    n = shape[-1]

    def make(rng):
        a = rng.normal(size=shape)
        return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)
    return make


def symmetric(shape):
    """Symmetric matrices with well separated eigenvalues."""
    n = shape[-1]

    def make(rng):
        q, _ = np.linalg.qr(rng.normal(size=shape))
        w = np.arange(1, n + 1) * 1.5 - 2.0
        return (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)
    return make


def separated_svd(shape):
    """Matrices with distinct singular values well away from 0."""
    def make(rng):
        m, n = shape[-2:]
        k = min(m, n)
        u, _ = np.linalg.qr(rng.normal(size=shape[:-2] + (m, k)))
        v, _ = np.linalg.qr(rng.normal(size=shape[:-2] + (n, k)))
        s = 1.0 + np.arange(k)[::-1] * 0.8
        return (u * s[..., None, :]) @ np.swapaxes(v, -1, -2)
    return make


def off_the_jumps(kind):
    """(x, y) for mod/fmod: y ≈ 1, and x/y at least 0.15 from an integer."""
    def make_x(rng, shape):
        return rng.integers(-2, 3, size=shape) + rng.uniform(0.2, 0.8, size=shape)

    def make_y(rng, shape):
        return rng.uniform(1.0, 1.01, size=shape)
    return binary(make_x, make_y) if kind else None


def with_zeros(count):
    """Arrays with ``count`` zero entries (prod's derivative without division)."""
    def make(rng, shape):
        x = any_(rng, shape)
        x.flat[rng.choice(x.size, size=count, replace=False)] = 0.0
        return x
    return make


DOMAINS.update({
    "log1p": unary(lambda r, s: r.uniform(-0.5, 2.0, size=s)),
    "expm1": unary(any_),
    "exp2": unary(any_),
    "log2": unary(pos),
    "log10": unary(pos),
    "tan": unary(unit),
    "arcsin": unary(unit),
    "arccos": unary(unit),
    "arctan": unary(any_),
    "sinh": unary(any_),
    "cosh": unary(any_),
    "arcsinh": unary(any_),
    "arccosh": unary(lambda r, s: r.uniform(1.2, 3.0, size=s)),
    "arctanh": unary(unit),
    "cbrt": unary(away0),
    "logaddexp": binary(any_, any_),
    "logaddexp2": binary(any_, any_),
    "arctan2": binary(any_, away0),
    "hypot": binary(away0, away0),
    "mod": off_the_jumps(True),
    "fmod": off_the_jumps(True),
    "sign": unary(away0),
    "step": binary(away0, any_),
    "index_set": [
        case("(2,3)[:,1]=(2,)", gen(any_, (2, 3)), gen(any_, (2,)),
             index=(slice(None), 1)),
        case("(4,)[[0,2]]=(2,)", gen(any_, (4,)), gen(any_, (2,)), index=np.array([0, 2])),
        case("(2,3)[0]=()", gen(any_, (2, 3)), gen(any_, ()), index=0),
    ],
    "astype": [case("(2,3)->float64", gen(any_, (2, 3)), dtype="float64"),
               case("()->float64", gen(any_, ()), dtype="float64")],
    "sort": [case("(5,)", gen(distinct, (5,)), axis=-1),
             case("(2,3)-axis0", gen(distinct, (2, 3)), axis=0),
             case("(2,3)-flat", gen(distinct, (2, 3)), axis=None)],
    "prod": [case("(3,)", gen(any_, (3,)), axis=None, keepdims=False),
             case("(2,3)-axis1", gen(any_, (2, 3)), axis=1, keepdims=False),
             case("(2,3)-axis0-keep", gen(any_, (2, 3)), axis=0, keepdims=True),
             case("(2,3)-all", gen(any_, (2, 3)), axis=(0, 1), keepdims=False),
             case("(4,)-one-zero", gen(with_zeros(1), (4,)), axis=None, keepdims=False),
             case("(2,3)-two-zeros", gen(with_zeros(2), (2, 3)), axis=1,
                  keepdims=False)],
    "cumsum": [case("(3,)", gen(any_, (3,)), axis=None),
               case("(2,3)-axis0", gen(any_, (2, 3)), axis=0),
               case("(2,3)-axis-1", gen(any_, (2, 3)), axis=-1),
               case("(2,3)-flat", gen(any_, (2, 3)), axis=None)],
    "inv": [case("(3,3)", well_conditioned((3, 3))),
            case("(2,3,3)", well_conditioned((2, 3, 3)))],
    "det": [case("(3,3)", well_conditioned((3, 3))),
            case("(2,2,2)", well_conditioned((2, 2, 2)))],
    "logabsdet": [case("(3,3)", well_conditioned((3, 3))),
                  case("(3,3)-negative", lambda rng: -well_conditioned((3, 3))(rng)),
                  case("(2,2,2)", well_conditioned((2, 2, 2)))],
    "solve": [case("(3,3),(3,)", well_conditioned((3, 3)), gen(any_, (3,))),
              case("(3,3),(3,2)", well_conditioned((3, 3)), gen(any_, (3, 2))),
              case("(2,3,3),(2,3,1)", well_conditioned((2, 3, 3)), gen(any_, (2, 3, 1)))],
    "pinv": [case("(3,2)", separated_svd((3, 2))), case("(2,3)", separated_svd((2, 3))),
             case("(3,3)", well_conditioned((3, 3)))],
    "norm": [case("(3,)", gen(away0, (3,)), axis=None, keepdims=False),
             case("(2,3)-fro", gen(away0, (2, 3)), axis=None, keepdims=False),
             case("(2,3)-axis1", gen(away0, (2, 3)), axis=1, keepdims=False),
             case("(2,3)-axis0-keep", gen(away0, (2, 3)), axis=0, keepdims=True),
             case("(2,3,4)-axes12", gen(away0, (2, 3, 4)), axis=(1, 2), keepdims=False)],
    "einsum": [case("ij,jk->ik", gen(any_, (2, 3)), gen(any_, (3, 4)),
                    subscripts="ij,jk->ik"),
               case("ij->ji", gen(any_, (2, 3)), subscripts="ij->ji"),
               case("ij->", gen(any_, (2, 3)), subscripts="ij->"),
               case("ijk->ik", gen(any_, (2, 3, 2)), subscripts="ijk->ik"),
               case("i,i->", gen(any_, (3,)), gen(any_, (3,)), subscripts="i,i->"),
               case("i,j->ij", gen(any_, (3,)), gen(any_, (2,)), subscripts="i,j->ij"),
               case("ij,ij->i", gen(any_, (2, 3)), gen(any_, (2, 3)),
                    subscripts="ij,ij->i"),
               case("bij,bjk->bik", gen(any_, (2, 2, 3)), gen(any_, (2, 3, 2)),
                    subscripts="bij,bjk->bik"),
               case("ij,jk,kl->il", gen(any_, (2, 3)), gen(any_, (3, 2)),
                    gen(any_, (2, 2)), subscripts="ij,jk,kl->il")],
    "cholesky": [case("(3,3)", spd((3, 3))), case("(2,3,3)", spd((2, 3, 3)))],
    "eigvalsh": [case("(3,3)", symmetric((3, 3))), case("(2,3,3)", symmetric((2, 3, 3)))],
    "eigh_vectors": [case("(3,3)", symmetric((3, 3))),
                     case("(2,3,3)", symmetric((2, 3, 3)))],
    "svdvals": [case("(3,2)", separated_svd((3, 2))), case("(2,3)", separated_svd((2, 3))),
                case("(2,3,2)", separated_svd((2, 3, 2)))],
    "svd_u": [case("(3,2)", separated_svd((3, 2))), case("(2,3)", separated_svd((2, 3))),
              case("(3,3)", separated_svd((3, 3))),
              case("(2,3,2)", separated_svd((2, 3, 2)))],
    "svd_vh": [case("(3,2)", separated_svd((3, 2))), case("(2,3)", separated_svd((2, 3))),
               case("(3,3)", separated_svd((3, 3))),
               case("(2,2,3)", separated_svd((2, 2, 3)))],
})


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


def _index_set_ref(x, y, index):
    out = x.copy()
    out[index] = y
    return out


REFERENCE.update({
    "log1p": np.log1p, "expm1": np.expm1, "exp2": lambda x: 2.0 ** x,
    "log2": lambda x: np.log(x) / np.log(2.0), "log10": lambda x: np.log(x) / np.log(10.0),
    "tan": np.tan, "arcsin": np.arcsin, "arccos": np.arccos, "arctan": np.arctan,
    "sinh": np.sinh, "cosh": np.cosh, "arcsinh": np.arcsinh, "arccosh": np.arccosh,
    "arctanh": np.arctanh, "cbrt": lambda x: np.sign(x) * np.abs(x) ** (1 / 3),
    "logaddexp": lambda x, y: np.log(np.exp(x) + np.exp(y)),
    "logaddexp2": lambda x, y: np.log2(2.0 ** x + 2.0 ** y),
    "arctan2": np.arctan2, "hypot": lambda x, y: np.sqrt(x * x + y * y),
    "mod": lambda x, y: x - np.floor(x / y) * y, "fmod": lambda x, y: x - np.trunc(x / y) * y,
    "sign": np.sign, "step": lambda x, h0: np.where(x > 0, 1.0, np.where(x < 0, 0.0, h0)),
    "index_set": _index_set_ref, "astype": lambda x, dtype: np.asarray(x, dtype=dtype),
    "sort": lambda x, axis: np.sort(x, axis=axis),
    "prod": lambda x, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims),
    "cumsum": lambda x, axis: np.cumsum(x, axis=axis),
    "inv": np.linalg.inv, "det": np.linalg.det,
    "logabsdet": lambda x: np.log(np.abs(np.linalg.det(x))),
    "solve": lambda a, b: np.linalg.inv(a) @ b,
    "pinv": lambda x: np.linalg.lstsq(x, np.eye(x.shape[0]), rcond=None)[0],
    "norm": lambda x, axis, keepdims: np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims)),
    "einsum": lambda *xs, subscripts: np.einsum(subscripts, *xs),
    "cholesky": np.linalg.cholesky,
    "eigvalsh": lambda x: np.sort(np.linalg.eigvals(x).real, axis=-1),
    "eigh_vectors": lambda x: np.linalg.eigh(x)[1],
    "svdvals": lambda x: np.sqrt(np.abs(np.linalg.eigvalsh(x @ np.swapaxes(x, -1, -2))))[
        ..., ::-1][..., :min(x.shape[-2:])],
    "svd_u": lambda x: np.linalg.svd(x, full_matrices=False)[0],
    "svd_vh": lambda x: np.linalg.svd(x, full_matrices=False)[2],
})

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


@pytest.mark.parametrize("name,make", CASES)
def test_grad_of_grad_matches_central_differences(name, make):
    """The VJP rules record (they are written with primitives), so the derivative of a
    gradient is right: for s(x) = <W, f(x)> and h(x) = <∇ₖs(x), u>, grad h · v equals
    the central difference of h along v, for every differentiable argument k."""
    rng, f, primals, tangents = _problem(name, make, RNG_SEED + 2)
    weight = rng.normal(size=np.shape(f(*primals)))

    def s(*xs):
        return mg.numpy.sum(f(*xs) * weight)

    nums = tuple(range(len(primals)))
    for k in nums:
        u = rng.normal(size=np.shape(primals[k]))

        def h(*xs, k=k, u=u):
            return mg.numpy.sum(mg.grad(s, argnums=k)(*xs) * u)

        second = mg.grad(h, argnums=nums)(*primals)
        analytic = sum(np.sum(g * t) for g, t in zip(second, tangents, strict=True))
        eps = 1e-5
        plus = h(*[p + eps * t for p, t in zip(primals, tangents, strict=True)])
        minus = h(*[p - eps * t for p, t in zip(primals, tangents, strict=True)])
        numeric = (float(plus) - float(minus)) / (2 * eps)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6,
                                   err_msg=f"{name}: d/dv <grad_{k} s, u>")


def _float32(args):
    return tuple(np.asarray(a, np.float32) if np.asarray(a).dtype.kind == "f" else a
                 for a in args)


@pytest.mark.parametrize("name,make", CASES)
def test_float32_stays_float32(name, make):
    """A float32 primal gives a float32 value, tangent and cotangents."""
    args, params = make(np.random.default_rng(RNG_SEED))
    args = _float32(args)
    if name == "astype":
        params = {"dtype": "float32"}
    nums = [k for k in range(len(args)) if k not in NONDIFF.get(name, set())]
    f = _closure(name, args, params, nums)
    primals = [args[k] for k in nums]
    y, y_dot = mg.jvp(f, primals, [np.ones_like(p) for p in primals])
    assert np.asarray(y).dtype == np.float32, f"{name}: value {np.asarray(y).dtype}"
    assert np.asarray(y_dot).dtype == np.float32, f"{name}: tangent"
    _, pullback = mg.vjp(f, *primals)
    for k, x_bar in zip(nums, pullback(np.ones_like(np.asarray(y))), strict=True):
        assert np.asarray(x_bar).dtype == np.float32, f"{name}: cotangent {k}"


FIXED_ARITY = sorted(n for n, p in PRIMITIVES.items() if not p.variadic)


@pytest.mark.parametrize("name", FIXED_ARITY)
def test_partials_show_in_trace_tables(name):
    """Each argument's ∂out/∂x text is in the primitive's block and in the lecture's
    trace tables (forward and reverse), written with the graph's node names."""
    prim = PRIMITIVES[name]
    assert prim.partials is not None and len(prim.partials) == prim.arity, name
    args, params = DOMAINS[name][0][1](np.random.default_rng(RNG_SEED))
    nums = [k for k in range(len(args)) if k not in NONDIFF.get(name, set())]
    f = _closure(name, args, params, nums)
    g = mg.trace(lambda *xs: mg.numpy.sum(f(*xs)), *[args[k] for k in nums])
    node = next(i for i, p in enumerate(g.prims) if p is prim)
    first = g.values[g.inputs[0]]
    runs = [mg.run(g, "forward:" + g.labels[g.inputs[0]], tangent=np.ones_like(first)),
            mg.run(g, "reverse")]
    for events in runs:
        rules = " ".join(r.rule for r in mg.trace_table(g, events).rows)
        for k in nums:
            text = prim.partials[k].format(*[f"v{j}" for j in g.args[node]],
                                           out=f"v{node}")
            if text not in ("1", "−1"):     # written as v̄ alone (or −v̄)
                assert text in rules, (name, text, rules)


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
    args, _ = DOMAINS[prim.name][0][1](np.random.default_rng(RNG_SEED))
    for ufunc in prim.ufuncs:
        assert UFUNCS[ufunc] is prim
        g = mg.trace(lambda *xs, u=ufunc: u(*xs), *args)
        assert g.prims[g.output] is prim


def test_numpy_and_expression_names_are_the_primitives():
    for prim in PRIMITIVES.values():
        args, _ = DOMAINS[prim.name][0][1](np.random.default_rng(RNG_SEED))
        for name in prim.numpy_names:         # mlgraph.numpy's name records the primitive
            offered = functools.reduce(getattr, name.split("."), mnp)
            g = mg.trace(lambda *xs, f=offered: f(*xs), *args)
            assert g.prims[g.output] is prim, name
        point = [float(np.ravel(a)[0]) for a in args]
        for name in prim.expr_names:
            assert FUNCTIONS[name] is prim, name
            f, names = parse(f"{name}({', '.join(f'x{k}' for k in range(prim.arity))})")
            assert mg.trace(f, *point).prims[-1] is prim


# Where the default (x = [-1, 2, 0.5], a second argument of zeros, moved to -x) does not
# cross the kink: the second argument, the parameters, and a move across it.
_REDUCE = {"axis": None, "keepdims": False}
KINK_CASES = {
    "max": {"params": _REDUCE, "moved": np.array([1.0, -2.0, 3.0])},
    "norm": {"params": _REDUCE, "moved": np.zeros(3)},
    "hypot": {"moved": np.zeros(3)},
    "mod": {"second": np.full(3, 0.7)},
    "fmod": {"second": np.full(3, 0.7)},
    "sort": {"params": {"axis": -1}},
}


@pytest.mark.parametrize("name", sorted(n for n, p in PRIMITIVES.items() if p.kink))
def test_a_kink_tells_the_branches_apart(name):
    """At a point off the kink the branch is the same for a tiny move, and it changes
    for a move across the corner (at 0, or where the two arguments of maximum meet)."""
    prim = PRIMITIVES[name]
    x = np.array([-1.0, 2.0, 0.5])
    spec = KINK_CASES.get(name, {})
    args = (x, spec.get("second", np.zeros(3))) if prim.arity == 2 else (x,)
    params = spec.get("params", {})

    def branch(*a):
        return np.asarray(prim.kink(*a, out=prim.forward(*a, **params), **params))

    base = branch(*args)
    assert np.array_equal(branch(x + 1e-6, *args[1:]), base)
    assert not np.array_equal(branch(spec.get("moved", -x), *args[1:]), base)


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
