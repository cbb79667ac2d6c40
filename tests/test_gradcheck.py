import numpy as np
import pytest

import mlgraph.numpy as mnp
from mlgraph import nn
from mlgraph.gradcheck import GradcheckError, gradcheck, relative_error
from mlgraph.primitives import Primitive


@pytest.fixture
def mlp_data():
    rng = np.random.default_rng(0)
    W1, b1 = rng.standard_normal((3, 4)), rng.standard_normal(4)
    W2, b2 = rng.standard_normal((4, 4)), rng.standard_normal(4)
    X, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 4))
    return W1, b1, W2, b2, X, y


def loss(W1, b1, W2, b2, X, y):
    """A 2-layer sigmoid network with mean squared error over every entry."""
    h = mnp.sigmoid(X @ W1 + b1)
    out = h @ W2 + b2
    return mnp.sum((out - y) ** 2) / y.size


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def make_grads(bug=None):
    """A student's hand-written gradient of `loss`, optionally with a planted bug."""

    def grads(W1, b1, W2, b2, X, y):
        h = sigmoid(X @ W1 + b1)
        out = h @ W2 + b2
        n = 1 if bug == "missing 1/N" else y.size
        d_out = 2 * (out - y) / n
        dW2 = h.T @ d_out
        if bug == "transposed W":
            dW2 = dW2.T
        db2 = d_out.sum(0)
        if bug == "wrong sign":
            db2 = -db2
        dh = d_out @ W2.T
        dz = dh * (h if bug == "sigmoid' as σ" else h * (1 - h))
        return X.T @ dz, dz.sum(0), dW2, db2

    return grads


def test_relative_error_is_cs231n_with_zero_for_both_zero():
    np.testing.assert_allclose(
        relative_error([1.0, 0.0, 2.0, -1.0], [1.1, 0.0, 0.0, 1.0]),
        [0.1 / 1.1, 0.0, 1.0, 2.0],
    )


def test_passes_on_the_kernel_in_float64(mlp_data):
    report = gradcheck(loss, *mlp_data)
    assert report.passed, str(report)
    assert report.max_rel_error < 1e-7
    assert [p.name for p in report.params] == ["W1", "b1", "W2", "b2", "X", "y"]
    assert all(p.n_checked == int(np.prod(p.shape)) for p in report.params)
    report.raise_if_failed()
    assert "passed" in str(report) and "W1" in report._repr_html_()


def test_passes_on_a_correct_hand_written_gradient(mlp_data):
    report = gradcheck(loss, *mlp_data, grads=make_grads(), argnums=(0, 1, 2, 3))
    assert report.passed, str(report)
    assert report.source == "grads()"


@pytest.mark.parametrize(
    "bug, name",
    [
        ("transposed W", "W2"),
        ("missing 1/N", "W1"),
        ("wrong sign", "b2"),
        ("sigmoid' as σ", "W1"),
    ],
)
def test_catches_planted_bugs_and_names_the_entry(mlp_data, bug, name):
    report = gradcheck(loss, *mlp_data, grads=make_grads(bug), argnums=(0, 1, 2, 3))
    assert not report.passed
    bad = {p.name: p for p in report.params}[name]
    assert bad.status == "fail"
    text = str(report)
    assert f"at argument '{name}', entry {bad.worst_index}" in text
    # both numbers of the worst entry are printed
    assert f"{bad.worst_analytic: .6g}" in text and f"{bad.worst_numeric: .6g}" in text
    with pytest.raises(GradcheckError, match=f"'{name}'"):
        report.raise_if_failed()


def test_transposed_gradient_of_a_non_square_weight_is_a_shape_error(mlp_data):
    def grads(*args):
        g = list(make_grads()(*args))
        g[0] = g[0].T
        return g

    with pytest.raises(ValueError, match="transpose"):
        gradcheck(loss, *mlp_data, grads=grads, argnums=(0, 1, 2, 3))


def test_float32_is_checked_against_differences_in_double(mlp_data):
    args = [a.astype(np.float32) for a in mlp_data]
    report = gradcheck(loss, *args, argnums=(0, 1))
    assert report.passed, str(report)
    assert report.h < 1e-5  # a step chosen for the float64 differences
    assert any("float32" in n and "float64" in n for n in report.notes)


def test_kinks_are_flagged_not_failed():
    def f(w, x):
        return mnp.sum(mnp.relu(x * w)) + mnp.sum(mnp.abs(w))

    w = np.array([1e-8, 1.0, -2.0])
    report = gradcheck(f, w, np.ones(3), argnums=0)
    p = report.params[0]
    assert report.passed
    assert [k[0] for k in p.kinks] == [(0,)]
    assert "relu" in p.kinks[0][1] or "|·|" in p.kinks[0][1]
    assert "kink" in str(report)


def test_a_real_error_at_a_kink_free_entry_still_fails():
    def f(w):
        return mnp.sum(mnp.relu(w) * w)

    def grads(w):
        return np.where(w > 0, w, 0.0)  # forgot a factor 2

    report = gradcheck(f, np.array([1e-8, 1.0, 2.0]), grads=grads)
    assert not report.passed
    assert report.params[0].kinks and report.params[0].worst_index in [(1,), (2,)]


def test_sampled_mode_checks_k_entries(mlp_data):
    report = gradcheck(loss, *mlp_data, mode="sampled", k=3, argnums=(0, 2))
    assert [p.n_checked for p in report.params] == [3, 3]
    assert report.passed
    bad = gradcheck(
        loss,
        *mlp_data,
        grads=lambda *a: make_grads("missing 1/N")(*a)[::2],
        mode="sampled",
        k=3,
        argnums=(0, 2),
    )
    assert not bad.passed


def _wrong_tanh():
    """A tanh whose jvp and vjp forget the square: (1 − y) instead of (1 − y²)."""
    return Primitive(
        "tanh_wrong",
        np.tanh,
        jvp=(lambda x_dot, x, *, out: (1.0 - out) * x_dot,),
        vjp=(lambda out_bar, x, *, out: out_bar * (1.0 - out),),
        symbol="tanh✗",
    )


def test_fast_mode_compares_a_jvp_with_a_directional_difference(mlp_data):
    assert gradcheck(loss, *mlp_data, mode="fast").passed
    tanh_wrong = _wrong_tanh()

    def f(W, X):
        return mnp.sum(tanh_wrong(X @ W))

    report = gradcheck(f, mlp_data[0], mlp_data[4], mode="fast", argnums=0)
    assert not report.passed
    assert report.params[0].worst_index is None and "random direction" in str(report)


def test_localize_names_the_first_wrong_node(mlp_data):
    tanh_wrong = _wrong_tanh()

    def f(W1, W2, X):
        return mnp.sum(mnp.sigmoid(tanh_wrong(X @ W1) @ W2))

    W1, _, W2, _, X, _ = mlp_data
    report = gradcheck(f, W1, W2, X, argnums=(0, 1), localize=True)
    assert not report.passed
    bad = report.first_wrong_node
    assert bad is not None and bad.op == "tanh_wrong" and "tanh✗" in bad.node
    assert "first wrong local rule: " + bad.node in str(report)
    good = gradcheck(loss, *mlp_data, localize=True, mode="sampled", k=2)
    assert good.first_wrong_node is None and good.passed
    assert {c.op for c in good.local} >= {"matmul", "sigmoid", "add", "sum"}


def test_html_is_escaped():
    f = lambda x: mnp.sum(x * x)  # noqa: E731
    html_text = gradcheck(f, np.ones(2))._repr_html_()
    assert "&lt;lambda&gt;" in html_text and "<lambda>" not in html_text


def test_errors_are_explained():
    with pytest.raises(ValueError, match="scalar"):
        gradcheck(lambda x: x * 2, np.ones(3))
    with pytest.raises(ValueError, match="mode"):
        gradcheck(lambda x: mnp.sum(x), np.ones(3), mode="quick")
    with pytest.raises(ValueError, match="one per argument"):
        gradcheck(
            lambda x, y: mnp.sum(x * y), np.ones(2), np.ones(2), grads=lambda x, y: (y,)
        )


def test_checks_an_mlp_objective_by_layer_names():
    m = nn.MLP([2, 5, 3], seed=0)
    X = np.random.default_rng(1).standard_normal((6, 2))
    y = np.array([0, 1, 2, 0, 1, 2])
    report = gradcheck(nn.make_loss(m, "ce", l2=0.01), *m.params, X, y)
    assert [p.name for p in report.params] == ["W1", "b1", "W2", "b2", "X"]
    assert report.passed, str(report)


def test_localize_covers_the_primitives_of_a_busy_function():
    def f(a, b, c):
        u = mnp.concatenate([a, b], axis=1)
        v = mnp.stack([a[:, 0], b[:, 1]], axis=0)
        w = mnp.where(a > 0, a, 2 * a)
        r = mnp.maximum(a, 0.1) / (1 + mnp.exp(b[:, :2]))
        return (
            mnp.sum(v**2)
            + mnp.sum(w)
            + mnp.sum(mnp.max(u, axis=1) * c)
            + mnp.sum(mnp.softmax(u, axis=1) * mnp.log_softmax(u))
            + mnp.sum(mnp.logsumexp(u, axis=0))
            + mnp.sum(mnp.sqrt(mnp.abs(r) + 1))
            + mnp.mean(mnp.transpose(u) @ u)
            + mnp.sum(mnp.sin(c) ** 3)
            + mnp.sum(mnp.reshape(a, (-1,)) * mnp.cos(mnp.reshape(a, 6)))
        )

    rng = np.random.default_rng(0)
    a, b, c = (
        rng.standard_normal((3, 2)),
        rng.standard_normal((3, 3)),
        rng.standard_normal(3),
    )
    report = gradcheck(f, a, b, c, localize=True)
    assert report.passed, str(report)
    assert all(x.status in ("pass", "kink") for x in report.local)
    assert {x.op for x in report.local} >= {
        "concatenate",
        "stack",
        "getitem",
        "where",
        "max",
        "softmax",
        "log_softmax",
        "logsumexp",
        "maximum",
        "div",
        "exp",
        "sqrt",
        "abs",
        "matmul",
        "transpose",
        "reshape",
        "cos",
        "sin",
        "pow",
        "mean",
    }


def test_report_to_json(mlp_data):
    import json

    report = gradcheck(
        loss,
        *mlp_data,
        grads=make_grads("wrong sign"),
        argnums=(0, 1, 2, 3),
        localize=True,
    )
    data = json.loads(json.dumps(report.to_json(), allow_nan=False))
    assert data["passed"] is False and data["source"] == "grads()"
    b2 = next(p for p in data["params"] if p["name"] == "b2")
    assert b2["status"] == "fail" and b2["failures"][0][0] == list(b2["worst_index"])
    assert data["local"] and all(c["status"] == "pass" for c in data["local"])


def test_incremental_replay_checks_every_entry_exactly():
    """The checker re-runs only the nodes downstream of the perturbed argument, and a
    matmul fed by it by a rank-one update: a one-entry error must still be pinpointed,
    on the weight side (X·W) and on the data side (X perturbed) alike."""
    import mlgraph as mg
    import mlgraph.numpy as mnp

    rng = np.random.default_rng(3)
    X, W, V = rng.normal(size=(6, 4)), rng.normal(size=(4, 5)), rng.normal(size=(5, 2))

    def loss(X, W, V):
        return mnp.sum(mnp.tanh(X @ W) @ V) / 6.0

    report = gradcheck(loss, X, W, V)
    assert report.passed and report.max_rel_error < 1e-7

    def wrong(X, W, V):
        gX, gW, gV = mg.grad(loss, argnums=(0, 1, 2))(X, W, V)
        gW = gW.copy()
        gW[2, 3] *= 1.05                   # one entry of W off by 5%
        gX = gX.copy()
        gX[4, 1] += 1e-3                   # one entry of X off
        return gX, gW, gV

    bad = gradcheck(loss, X, W, V, grads=wrong)
    by = {p.name: p for p in bad.params}
    assert by["W"].worst_index == (2, 3) and by["W"].status == "fail"
    assert by["X"].worst_index == (4, 1) and by["V"].status == "pass"


def test_a_function_that_branches_on_values_is_checked_by_calling_it():
    import mlgraph.numpy as mnp

    def loss(w):
        s = mnp.sum(w * w)
        return s * 2.0 if s > 1.0 else s       # a Python branch on a traced value

    report = gradcheck(loss, np.array([0.9, 0.2]))
    assert report.passed
    report = gradcheck(loss, np.array([0.3, 0.2]))
    assert report.passed
