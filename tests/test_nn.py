import numpy as np
import pytest

import mlgraph as mg
import mlgraph.numpy as mnp
from mlgraph import nn


def central_diff(f, x, h=1e-6):
    """∂f/∂x entry by entry by central differences (independent of gradcheck)."""
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = float(f(x))
        x[i] = old - h
        minus = float(f(x))
        x[i] = old
        g[i] = (plus - minus) / (2 * h)
    return g


def assert_grad_matches(f, x, rtol=1e-6, atol=1e-8):
    np.testing.assert_allclose(mg.grad(f)(x), central_diff(f, x), rtol=rtol, atol=atol)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.mark.parametrize("name", ["identity", "sigmoid", "tanh", "relu", "softmax"])
def test_activation_gradient_vs_central_differences(name, rng):
    act = nn.ACTIVATIONS[name]
    x = rng.standard_normal((4, 3))
    x[np.abs(x) < 1e-3] = 0.5  # stay away from relu's corner
    w = rng.standard_normal((4, 3))
    assert_grad_matches(lambda z: mnp.sum(act(z) * w), x)


def test_activation_values(rng):
    z = rng.standard_normal((5, 3))
    np.testing.assert_allclose(nn.sigmoid(z), 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(nn.relu(z), np.maximum(z, 0))
    s = nn.softmax(z)
    np.testing.assert_allclose(s.sum(axis=1), 1.0)
    np.testing.assert_allclose(s, np.exp(z) / np.exp(z).sum(axis=1, keepdims=True))


def test_linear_layer_gradients_vs_central_differences(rng):
    layer = nn.Linear(3, 2, 1)
    X, W, b = (
        rng.standard_normal((5, 3)),
        rng.standard_normal((3, 2)),
        rng.standard_normal(2),
    )
    up = rng.standard_normal((5, 2))
    assert_grad_matches(lambda W_: mnp.sum(layer(X, W_, b) * up), W)
    assert_grad_matches(lambda b_: mnp.sum(layer(X, W, b_) * up), b)
    assert_grad_matches(lambda X_: mnp.sum(layer(X_, W, b) * up), X)
    assert layer.names == ("W1", "b1")


def test_slides_perceptron_forward_example():
    # inputs 2, 3, −1, 5; weights 0.1, 0.5, 2.5, 0.2; bias 3.0 → z = 3.2 → σ(z) = 0.96
    x = np.array([[2.0, 3.0, -1.0, 5.0]])
    W = np.array([[0.1], [0.5], [2.5], [0.2]])
    b = np.array([3.0])
    z = nn.Linear(4, 1, 1)(x, W, b)
    assert float(z[0, 0]) == pytest.approx(3.2)
    assert round(float(nn.sigmoid(z)[0, 0]), 2) == 0.96


@pytest.mark.parametrize("loss", ["mse", "bce", "ce"])
def test_loss_gradient_vs_central_differences(loss, rng):
    z = rng.standard_normal((6, 3 if loss == "ce" else 1))
    y = {
        "mse": rng.standard_normal(6),
        "bce": rng.integers(0, 2, 6),
        "ce": rng.integers(0, 3, 6),
    }[loss]
    fn = nn.LOSSES[loss]
    assert_grad_matches(lambda z_: fn(z_, y), z)


def test_loss_values_match_numpy(rng):
    z = rng.standard_normal((6, 1))
    y = rng.integers(0, 2, 6)
    p = 1 / (1 + np.exp(-z[:, 0]))
    bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert float(nn.binary_cross_entropy_with_logits(z, y)) == pytest.approx(bce)
    Z = rng.standard_normal((6, 3))
    c = rng.integers(0, 3, 6)
    logp = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    assert float(nn.softmax_cross_entropy(Z, c)) == pytest.approx(
        -logp[np.arange(6), c].mean()
    )
    assert float(nn.softmax_cross_entropy(Z, nn.one_hot(c, 3))) == pytest.approx(
        -logp[np.arange(6), c].mean()
    )
    assert float(nn.mse(z, y)) == pytest.approx(np.mean((z[:, 0] - y) ** 2))


def test_bce_from_logits_is_stable_at_huge_logits():
    z = np.array([[1000.0], [-1000.0], [0.0]])
    y = np.array([0, 1, 1])
    value, g = mg.value_and_grad(lambda z_: nn.binary_cross_entropy_with_logits(z_, y))(
        z
    )
    assert float(value) == pytest.approx((1000 + 1000 + np.log(2)) / 3)
    # ∂L/∂z = (σ(z) − y)/n, exact also at z = 0
    np.testing.assert_allclose(g[:, 0], np.array([1.0, -1.0, -0.5]) / 3)


def test_softmax_ce_is_stable_at_huge_logits():
    z = np.array([[1000.0, 0.0, -1000.0]])
    value, g = mg.value_and_grad(
        lambda z_: nn.softmax_cross_entropy(z_, np.array([1]))
    )(z)
    assert float(value) == pytest.approx(1000.0)
    np.testing.assert_allclose(g, [[1.0, -1.0, 0.0]], atol=1e-12)


@pytest.mark.parametrize("penalty", ["l1", "l2"])
def test_regularization_gradients(penalty, rng):
    W = rng.standard_normal((3, 4))
    fn = nn.l1_penalty if penalty == "l1" else nn.l2_penalty
    assert_grad_matches(lambda W_: fn([W_], 0.1), W)
    expected = 0.1 * (np.abs(W).sum() if penalty == "l1" else (W**2).sum())
    assert float(fn([W], 0.1)) == pytest.approx(expected)


def test_make_loss_adds_regularization_on_weights_only(rng):
    m = nn.MLP([2, 3, 1], seed=0)
    m.params[1] = rng.standard_normal(3)  # a non-zero bias must not be penalized
    X, y = rng.standard_normal((4, 2)), rng.standard_normal(4)
    plain = float(nn.make_loss(m, "mse")(*m.params, X, y))
    reg = float(nn.make_loss(m, "mse", l2=0.5)(*m.params, X, y))
    assert reg - plain == pytest.approx(0.5 * sum((W**2).sum() for W in m.params[0::2]))


@pytest.mark.parametrize("penalty", ["l1", "l2"])
@pytest.mark.parametrize("bn", [True, False])
def test_deep_mlp_penalties_reach_weight_matrices_only(penalty, bn, rng):
    """DeepMLP lists γ1, β1, … after W1, b1, …: no γ or β (nor bias) is penalized."""
    m = nn.DeepMLP(2, 3, 1, depth=4, batch_norm=bn, seed=0)
    m.params = [p + rng.uniform(0.5, 1.0, p.shape) for p in m.params]  # none at a kink
    X, y = rng.standard_normal((5, 2)), rng.standard_normal(5)
    lam = 0.3
    plain = mg.value_and_grad(nn.make_loss(m, "mse"), argnums=tuple(range(len(m.params))))
    reg = mg.value_and_grad(nn.make_loss(m, "mse", **{penalty: lam}),
                            argnums=tuple(range(len(m.params))))
    (v0, g0), (v1, g1) = plain(*m.params, X, y), reg(*m.params, X, y)
    weights = {f"W{k}" for k in range(1, 5)}
    want = sum(lam * (np.abs(p).sum() if penalty == "l1" else (p * p).sum())
               for n, p in zip(m.param_names, m.params, strict=True) if n in weights)
    assert float(v1) - float(v0) == pytest.approx(want, rel=1e-12)
    for name, p, a, b in zip(m.param_names, m.params, g0, g1, strict=True):
        extra = (lam * np.sign(p) if penalty == "l1" else 2 * lam * p) \
            if name in weights else 0.0
        np.testing.assert_allclose(np.asarray(b) - np.asarray(a), extra, atol=1e-12,
                                   err_msg=name)


def test_seed_002_iris_cost_gradients_equal_the_hand_written_ones():
    """The lecture's cost(X, Y, W, V) with D=2 features + 1 bias, M=16, C=3."""
    from mlgraph import datasets

    d = datasets.iris(features=(2, 3), test_size=0.0)
    X = np.c_[d.X_train, np.ones(len(d.X_train))]  # N x D (bias column)
    Y = nn.one_hot(d.y_train, 3)  # N x C
    rng = np.random.default_rng(2)
    V = 0.5 * rng.standard_normal((3, 16))  # D x M
    W = 0.5 * rng.standard_normal((16, 3))  # M x C

    def cost(W, V, X, Y):
        Q = mnp.dot(X, V)
        Z = mnp.sigmoid(Q)
        U = mnp.dot(Z, W)
        # NOTE: the slide's logsumexp keeps a trailing axis ([:, None]); subtracting an
        # (N, 1) column from the (N,) row sums would broadcast to N x N, so we reduce.
        return -mnp.mean(mnp.sum(U * Y, axis=1) - mnp.logsumexp(U, axis=1))

    def gradients(X, Y, W, V):  # the slide's hand-written one
        Z = 1 / (1 + np.exp(-np.dot(X, V)))
        N, D = X.shape
        U = np.dot(Z, W)
        Yh = np.exp(U - U.max(1, keepdims=True))
        Yh /= Yh.sum(1, keepdims=True)
        dY = Yh - Y
        dW = np.dot(Z.T, dY) / N
        dZ = np.dot(dY, W.T)
        dV = np.dot(X.T, dZ * Z * (1 - Z)) / N
        return dW, dV

    gW, gV = mg.grad(cost, argnums=(0, 1))(W, V, X, Y)
    hW, hV = gradients(X, Y, W, V)
    np.testing.assert_allclose(gW, hW, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(gV, hV, rtol=1e-10, atol=1e-13)


def test_mlp_names_shapes_and_forward(rng):
    m = nn.MLP([2, 16, 16, 1], activation="tanh", seed=0)
    assert m.param_names == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert [p.shape for p in m.params] == [
        (2, 16),
        (16,),
        (16, 16),
        (16,),
        (16, 1),
        (1,),
    ]
    assert m.n_params == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1
    X = rng.standard_normal((5, 2))
    W1, b1, W2, b2, W3, b3 = m.params
    ref = np.tanh(np.tanh(X @ W1 + b1) @ W2 + b2) @ W3 + b3
    np.testing.assert_allclose(m(X), ref)
    np.testing.assert_array_equal(nn.MLP([2, 16, 16, 1], seed=0).params[0], W1)
    assert not np.array_equal(nn.MLP([2, 16, 16, 1], seed=1).params[0], W1)


def test_initializations_have_their_scale():
    rng = np.random.default_rng(0)
    W = nn.init_weights(400, 600, "xavier", rng)
    a = np.sqrt(6 / 1000)
    assert np.abs(W).max() <= a and W.std() == pytest.approx(a / np.sqrt(3), rel=0.02)
    assert nn.init_weights(400, 600, "he", rng).std() == pytest.approx(
        np.sqrt(2 / 400), rel=0.02
    )
    assert nn.init_weights(400, 600, "small", rng).std() == pytest.approx(0.1, rel=0.02)
    assert nn.MLP([2, 3, 1], activation="relu").init == "he"
    assert nn.MLP([2, 3, 1], activation="tanh").init == "xavier"
    with pytest.raises(ValueError, match="xavier"):
        nn.init_weights(2, 2, "zeros", rng)


def test_sgd_minibatches_cover_the_data_and_are_seeded():
    batches = list(nn.SGD(batch_size=3, seed=0).batches(10))
    assert [len(b) for b in batches] == [3, 3, 3, 1]
    assert sorted(np.concatenate(batches).tolist()) == list(range(10))
    again = list(nn.SGD(batch_size=3, seed=0).batches(10))
    assert all(np.array_equal(a, b) for a, b in zip(batches, again, strict=False))
    assert len(list(nn.SGD(batch_size=1).batches(10))) == 10  # pure SGD
    assert len(list(nn.SGD(batch_size=None).batches(10))) == 1  # gradient descent


def test_sgd_update_momentum_and_schedules():
    p = [np.array([1.0, 2.0])]
    g = [np.array([0.5, -1.0])]
    nn.SGD(lr=0.1).step(p, g, 0.1)
    np.testing.assert_allclose(p[0], [0.95, 2.1])
    opt = nn.SGD(lr=0.1, momentum=0.9)
    q = [np.array([1.0])]
    opt.step(q, [np.array([1.0])], 0.1)  # v = −0.1
    opt.step(q, [np.array([1.0])], 0.1)  # v = 0.9·(−0.1) − 0.1 = −0.19
    np.testing.assert_allclose(q[0], [1.0 - 0.1 - 0.19])
    assert nn.SGD(lr=1.0, schedule="step", decay_every=10).lr_at(25) == 0.25
    assert nn.SGD(lr=1.0, schedule="exp", decay=0.5).lr_at(3) == 0.125
    assert nn.SGD(lr=1.0, schedule="inverse", decay=1.0).lr_at(3) == 0.25
    assert nn.SGD(lr=1.0, schedule=lambda e: 1 / (e + 1)).lr_at(3) == 0.25


def test_sgd_steps_lower_the_loss_and_keep_float32():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 2)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] > 0).astype(np.float32)
    m = nn.MLP([2, 8, 1], seed=0, dtype=np.float32)
    vg = nn.value_and_grad_fn(nn.make_loss(m, "bce"), len(m.params))
    opt = nn.SGD(lr=0.5, batch_size=None)
    first, _ = vg(*m.params, X, y)
    for _ in range(50):
        last, grads = vg(*m.params, X, y)
        opt.step(m.params, grads, 0.5)
    assert float(last) < float(first)
    assert all(p.dtype == np.float32 for p in m.params)
    assert all(np.asarray(g).dtype == np.float32 for g in grads)


@pytest.mark.parametrize("loss", ["mse", "bce", "ce"])
def test_fast_step_function_never_reuses_stale_targets(loss):
    # the trainer's value_and_grad may re-run one traced graph for every batch: the
    # targets must be inputs of that graph, not constants baked in at the first batch
    rng = np.random.default_rng(0)
    m = nn.MLP([2, 4, 3 if loss == "ce" else 1], seed=0)
    obj = nn.make_loss(m, loss)
    fast = nn.value_and_grad_fn(obj, len(m.params))
    plain = mg.value_and_grad(obj, argnums=tuple(range(len(m.params))))
    X = rng.standard_normal((5, 2))
    for _ in range(3):
        y = rng.integers(0, 3 if loss == "ce" else 2, 5)
        for target in (y, nn.one_hot(y, 3) if loss == "ce" else y.astype(float)):
            v1, g1 = fast(*m.params, X, target)
            v2, g2 = plain(*m.params, X, target)
            assert float(v1) == pytest.approx(float(v2), rel=1e-12)
            for a, b in zip(g1, g2, strict=True):
                np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
