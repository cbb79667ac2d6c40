"""mlgraph.numpy beyond the names list: ndarray's methods on traced values, functional
updates (x.at[i], np.add.at), arrays of traced pieces, constants from values,
refusals, and the coverage table the README states."""

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import mlgraph as mg
import mlgraph.numpy as mnp

README = Path(__file__).parents[1] / "README.md"


def numeric_grad(f, x, h=1e-6):
    """Central differences of f, evaluated on (untraced) Tensors."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        g[i] = (float(f(mg.Tensor(up)).value) - float(f(mg.Tensor(down)).value)) / (2 * h)
    return g


def check(f, x):
    """mlgraph's gradient of f at x equals central differences."""
    np.testing.assert_allclose(mg.grad(f)(x), numeric_grad(f, x), rtol=1e-6, atol=1e-8)


@pytest.fixture
def x(rng):
    return rng.uniform(0.5, 2.0, size=(3, 4))


# --- ndarray's methods ---------------------------------------------------------------

METHODS = {
    "astype": lambda t: (t.astype(np.float64) * t.astype("float64")).sum(),
    "copy": lambda t: (t.copy() * t).sum(),
    "flatten": lambda t: (t.flatten() * np.arange(12.0)).sum(),
    "ravel": lambda t: (t.ravel() ** 2).sum(),
    "squeeze": lambda t: t[None, :, :1].squeeze().sum(),
    "swapaxes": lambda t: (t.swapaxes(0, 1) @ np.ones(3)).sum(),
    "transpose": lambda t: (t.transpose() * np.arange(12.0).reshape(4, 3)).sum(),
    "reshape": lambda t: (t.reshape(2, 6) ** 2).sum() + t.reshape((6, 2))[0, 1],
    "dot": lambda t: t.dot(np.ones((4, 2))).dot(np.arange(2.0)).sum(),
    "clip": lambda t: t.clip(0.7, 1.8).sum(),
    "min": lambda t: t.min() + t.min(axis=0).sum(),
    "max": lambda t: t.max(axis=1, keepdims=True).sum(),
    "std": lambda t: t.std() + t.std(axis=0, ddof=1).sum(),
    "var": lambda t: t.var(axis=1).sum(),
    "prod": lambda t: t.prod(axis=0).sum(),
    "cumsum": lambda t: (t.cumsum(axis=1) ** 2).sum(),
    "sum": lambda t: t.sum(axis=(0, 1), keepdims=True).sum(),
    "mean": lambda t: t.mean(axis=-1).prod(),
    "repeat": lambda t: (t.repeat(2, axis=0) ** 2).sum(),
    "take": lambda t: t.take([0, 5, 5]).sum(),
    "trace": lambda t: t.trace() + t[:, :3].diagonal().sum(),
    "mT": lambda t: (t.mT @ t).sum(),
    "at": lambda t: (t.at[1, 2].set(3.0) * t).sum() + t.at[0].add(t[2]).sum(),
}


@pytest.mark.parametrize("name", sorted(METHODS))
def test_a_method_records_and_differentiates(name, x):
    check(METHODS[name], x)


def test_numpys_own_functions_reach_the_methods(x):
    """np.std(t), np.sum(t, axis=0), np.clip(t, a, b): plain numpy calls the method."""
    f = lambda t: np.std(t) + np.sum(t, axis=0)[1] + np.clip(t, 0.9, 1.1).sum()  # noqa: E731
    check(f, x)


def test_astype_keeps_the_graph_and_the_dtype(x):
    g = mg.trace(lambda t: t.astype(np.float32).sum(), x)
    assert g.nodes[g.output].value.dtype == np.float32
    assert "astype(float32)" in str(g)
    grad = mg.grad(lambda t: t.astype(np.float32).sum())(x)
    assert grad.dtype == np.float64 and np.all(grad == 1.0)


def test_integer_and_boolean_views_are_constants(x):
    def f(t):
        labels = t.astype(int)
        assert type(labels) is np.ndarray and labels.dtype.kind == "i"
        assert type(t.argmax()) is np.intp and t.argmax(axis=1).dtype == np.intp
        assert type(t.all()) is np.bool_
        return t.sum()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mg.grad(f)(x)


def test_item_and_tolist_refuse_a_traced_value_but_work_outside(x):
    with pytest.raises(TypeError, match=r"\.item\(\) of the traced value 'x' \(v0\)"
                                        r".*drop its gradient.*x\.value"):
        mg.grad(lambda x: x.sum() * x.item(0))(x)
    with pytest.raises(TypeError, match=r"\.tolist\(\) of the traced value.*drop its "
                                        r"gradient"):
        mg.grad(lambda x: mnp.sum(mnp.array(x.tolist())))(x)
    t = mg.Tensor(x)
    assert t.item(0) == x.item(0) and t.tolist() == x.tolist()
    assert (t.ndim, t.size, t.dtype, t.nbytes, t.itemsize) == (2, 12, np.float64, 96, 8)


def test_in_place_methods_are_refused_with_the_functional_form(x):
    with pytest.raises(TypeError, match=r"sorts x in place.*np.sort\(x\)"):
        mg.grad(lambda t: t.sort() or t.sum())(x)
    with pytest.raises(TypeError, match=r"np.full_like"):
        mg.grad(lambda t: t.fill(0.0) or t.sum())(x)


# --- functional updates --------------------------------------------------------------


def test_at_set_add_and_friends(x):
    check(lambda t: (t.at[:, 1].set(t[:, 0] ** 2) * t).sum(), x)
    check(lambda t: t.at[[0, 0, 2]].add(t[1] * 2).sum(), x)       # repeats add up
    check(lambda t: (t.at[0].subtract(1.5) * t).sum(), x)
    check(lambda t: t.at[1, :2].multiply(t[2, :2]).sum(), x)
    check(lambda t: (t.at[2].divide(3.0) ** 2).sum(), x)
    check(lambda t: t.at[0].power(3.0).sum(), x)
    check(lambda t: t.at[1].min(1.0).sum() + t.at[2].max(1.5).sum(), x)
    check(lambda t: t.at[0, 0].apply(mnp.exp).sum() + t.at[1, 1].get(), x)
    check(lambda t: t.at[t.value > 1.0].set(0.0).sum(), x)         # a boolean mask


def test_at_set_refuses_repeated_entries(x):
    with pytest.raises(ValueError, match=r"entry named twice.*\.add\(v\)"):
        mg.grad(lambda t: t.at[[0, 0]].set(1.0).sum())(x)


def test_at_set_is_one_node_written_as_in_jax(x):
    g = mg.trace(lambda t, v: t.at[1:, 0].set(v).sum(), x, np.ones(2))
    assert "v0.at[1:, 0].set(v1)" in str(g)
    assert x[1, 0] != 1.0 and x[1, 0] == g.values[0][1, 0]    # x itself never changes


def test_add_at_mutates_plain_arrays_as_numpy_does():
    a = np.zeros(4)
    assert mnp.add.at(a, [0, 0, 3], 1.5) is None
    np.testing.assert_array_equal(a, [3.0, 0.0, 0.0, 1.5])
    mnp.subtract.at(a, [1], 2.0)
    np.testing.assert_array_equal(a, [3.0, -2.0, 0.0, 1.5])


def test_add_at_with_a_traced_value_returns_the_result_when_asked(rng):
    """The word2vec / embedding idiom: rows of W gathered, their updates added back."""
    W, idx = rng.normal(size=(5, 3)), np.array([4, 1, 4])

    def bag(W):
        rows = W[idx] * 2.0
        out = mnp.add.at(mnp.zeros((5, 3)), idx, rows, inplace=False)
        out = mnp.subtract.at(out, [0], W[0], inplace=False)
        return mnp.sum(out * out)
    check(bag, W)
    with pytest.raises(TypeError, match=r"in place.*inplace=False.*\.at\[idx\]\.add"):
        mg.grad(lambda W: mnp.add.at(np.zeros((5, 3)), idx, W[idx]) or W.sum())(W)
    with pytest.raises(TypeError, match=r"np.multiply.at has no derivative"):
        mg.grad(lambda W: mnp.multiply.at(W, [0], 2.0) or W.sum())(W)


def test_ufunc_reductions_and_outer_on_traced_values(x):
    check(lambda t: mnp.add.reduce(t, axis=1).prod(), x)
    check(lambda t: mnp.multiply.reduce(t, axis=0).sum(), x)
    check(lambda t: mnp.maximum.reduce(t, axis=None), x)
    check(lambda t: mnp.add.accumulate(t, axis=1).sum(), x)
    check(lambda t: mnp.multiply.outer(t[0], t[1]).sum(), x)
    assert mnp.add.nin == 2 and mnp.exp.__name__ == "exp"


# --- arrays of traced pieces ---------------------------------------------------------


def test_array_of_traced_pieces_stacks_them(x):
    check(lambda t: mnp.array([t[0, 0] * t[1, 1], t[2, 3], 2.0]).prod(), x)
    check(lambda t: mnp.array([[t[0, 0], 1.0], [t[1, 1], t[0, 1]]]).sum(axis=0)[1], x)
    check(lambda t: (mnp.array([t[0], t[1]], dtype=float) ** 2).sum(), x)
    assert mnp.array([mg.Tensor(x)[0]], dtype=np.float32).dtype == np.float32
    check(lambda t: mnp.asarray(t, ndmin=3).sum() + mnp.array((t[0, 0],)).sum(), x)
    g = mg.trace(lambda t: mnp.array([t[0, 0], t[1, 1]]), x)
    assert g.prims[g.output].name == "stack"


# --- constants from values, refusals -------------------------------------------------

VALUES = {
    "argmax": lambda t: mnp.argmax(t, axis=0),
    "argsort": lambda t: mnp.argsort(t[0]),
    "nonzero": lambda t: mnp.nonzero(t > 1.0),
    "flatnonzero": lambda t: mnp.flatnonzero(t - 1.0),
    "all": lambda t: mnp.all(t > 0),
    "isfinite": lambda t: mnp.isfinite(t),
    "floor": lambda t: mnp.floor(t),
    "round": lambda t: mnp.round(t, 1),
    "unique": lambda t: mnp.unique(mnp.floor(t)),
    "searchsorted": lambda t: mnp.searchsorted(np.array([0.5, 1.0, 1.5]), t[1]),
    "zeros_like": lambda t: mnp.zeros_like(t),
    "shape": lambda t: mnp.shape(t),
    "count_nonzero": lambda t: mnp.count_nonzero(t > 1),
    "linalg.matrix_rank": lambda t: mnp.linalg.matrix_rank(t),
}


@pytest.mark.parametrize("name", sorted(VALUES))
def test_a_constant_by_nature_runs_on_the_values_without_a_warning(name, x):
    results = []

    def f(t):
        results.append(VALUES[name](t))
        return t.sum()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mg.grad(f)(x)
    want = VALUES[name](x)
    got = results[0]
    assert not isinstance(got, mg.Tensor)
    if isinstance(want, tuple):
        assert all(np.array_equal(g, w) for g, w in zip(got, want, strict=True))
    else:
        assert np.array_equal(got, want) and np.asarray(got).dtype == np.asarray(want).dtype
    assert mnp.COVERAGE[name].kind == "values"


REFUSED = {
    "cumprod": (lambda t: mnp.cumprod(t), r"np.cumprod has no derivative.*np.exp\("),
    "linalg.eig": (lambda t: mnp.linalg.eig(t[:, :3]), r"complex.*eigh"),
    "put": (lambda t: mnp.put(t, [0], 1.0), r"in place.*\.at\[idx\]\.set"),
    "interp": (lambda t: mnp.interp(t[0], [0, 1, 3], [0, 2, 1]), r"searchsorted"),
    "vectorize": (lambda t: mnp.vectorize(float)(t), r"numpy scalars"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_function_without_a_derivative_is_refused_naming_the_alternative(name, x):
    call, message = REFUSED[name]
    assert mnp.COVERAGE[name].kind == "refused"
    if name != "vectorize":
        call(x)                                  # plain arrays: numpy's own
    with pytest.raises(TypeError, match=message):
        mg.grad(lambda t: call(t) or t.sum())(x)


def test_the_threshold_units_pass_no_gradient_and_say_so(rng):
    """The perceptron's sign and step: derivative 0 (almost everywhere), shown as 0."""
    w, x = rng.normal(size=3), rng.normal(size=3)
    g = mg.trace(lambda w: mnp.step(w @ x + 0.1), w)
    table = mg.trace_table(g, mg.run(g, "reverse"))
    assert "·0" in " ".join(row.rule for row in table.rows)
    np.testing.assert_array_equal(mg.grad(lambda w: mnp.sign(w @ x))(w), np.zeros(3))
    assert mnp.step(np.array([-1.0, 0.0, 2.0])).tolist() == [0.0, 0.0, 1.0]
    # the perceptron rule trains it, on plain arrays
    X = np.array([[1.0, 2.0], [2.0, 1.0], [-1.0, -2.0], [-2.0, -1.0]])
    y = np.array([1.0, 1.0, 0.0, 0.0])
    w, b = np.zeros(2), 0.0
    for _ in range(5):
        for xi, yi in zip(X, y, strict=True):
            err = yi - mnp.step(xi @ w + b)
            w, b = w + err * xi, b + err
    np.testing.assert_array_equal(mnp.step(X @ w + b), y)


def test_a_reused_graph_rereads_what_depends_on_the_values(rng):
    """Value-dependent choices (where a sort puts entries, which entries are NaN) are
    recomputed or refused for graph reuse, never frozen."""
    def f(t):
        return mnp.median(t) + mnp.nan_to_num(mnp.log(t)).sum() + mnp.partition(t, 1)[0]
    vg = mg.value_and_grad(f, reuse_graph=True)
    for _ in range(3):
        t = rng.uniform(0.5, 2.0, size=5)
        np.testing.assert_allclose(vg(t)[1], mg.grad(f)(t), rtol=1e-12)


def test_float32_stays_float32_through_compositions(rng):
    t = rng.uniform(0.5, 2.0, size=(3, 4)).astype(np.float32)
    for f in [lambda v: mnp.std(v, axis=0).sum(), lambda v: mnp.linalg.norm(v),
              lambda v: mnp.hstack([v, v]).var(), lambda v: mnp.median(v),
              lambda v: mnp.einsum("ij,ij->", v, v), lambda v: v.at[0].set(1.0).sum()]:
        value, grad = mg.value_and_grad(f)(t)
        assert np.asarray(value).dtype == np.float32 and grad.dtype == np.float32


# --- the coverage table --------------------------------------------------------------


def test_every_covered_name_says_what_it_is():
    for name, f in mnp.COVERAGE.items():
        assert f.kind in ("differentiable", "values", "refused"), name
        numpy_fn = f.numpy
        assert callable(numpy_fn), name
        if f.kind == "refused":
            assert len(f.alternative) > 20, name


def test_the_readme_states_the_coverage_counts():
    text = README.read_text()
    counts = {kind: sum(1 for f in mnp.COVERAGE.values() if f.kind == kind)
              for kind in ("differentiable", "values", "refused")}
    for kind, label in [("differentiable", "differentiable"),
                        ("values", "run on the values"),
                        ("refused", "refused, naming the alternative")]:
        assert re.search(rf"\| {label} \| {counts[kind]} \|", text), (kind, counts)


def test_the_readme_lists_every_covered_name_under_its_kind():
    text = README.read_text()
    for kind, summary in [("differentiable", "differentiable names"),
                          ("values", "names run on the values"),
                          ("refused", "names refused, naming the alternative")]:
        block = re.search(rf"<summary>The \d+ {summary}</summary>(.*?)</details>", text,
                          re.S).group(1)
        listed = set(re.findall(r"`([\w.]+)`", block))
        assert listed == {n for n, f in mnp.COVERAGE.items() if f.kind == kind}, kind
