"""Optimizers against hand-written numpy; batch norm, skip blocks, equal init."""

import numpy as np
import pytest

import mlgraph as mg
import mlgraph.numpy as mnp
from mlgraph import datasets, nn
from mlgraph.trainer import Trainer


def quadratic_problem():
    """L(w, b) = ½‖A w − y‖² + ½ b², with its gradient written by hand."""
    rng = np.random.default_rng(0)
    A, y = rng.standard_normal((7, 3)), rng.standard_normal(7)

    def grads(w, b):
        return [A.T @ (A @ w - y), b.copy()]

    return [rng.standard_normal(3), rng.standard_normal(2)], grads


def run(opt, steps=10):
    params, grads = quadratic_problem()
    params = [p.copy() for p in params]
    for _ in range(steps):
        opt.step(params, grads(*params), opt.lr)
    return params


def by_hand(update, steps=10):
    """Ten steps of a hand-written update ``update(p, g, state, t) -> p``."""
    params, grads = quadratic_problem()
    params = [p.copy() for p in params]
    states = [{} for _ in params]
    for t in range(1, steps + 1):
        gs = grads(*params)
        params = [update(p, g, s, t)
                  for p, g, s in zip(params, gs, states, strict=True)]
    return params


def sgd(p, g, s, t, lr=0.05):
    return p - lr * g


def heavy_ball(p, g, s, t, lr=0.05, mu=0.9):
    s["v"] = mu * s.get("v", 0.0) - lr * g
    return p + s["v"]


def nesterov(p, g, s, t, lr=0.05, mu=0.9):
    # the look-ahead form with the gradient at the current point (CS231n's notes)
    v_prev = s.get("v", np.zeros_like(p))
    s["v"] = mu * v_prev - lr * g
    return p - mu * v_prev + (1 + mu) * s["v"]


def rmsprop(p, g, s, t, lr=0.01, rho=0.9, eps=1e-8):
    s["sq"] = rho * s.get("sq", 0.0) + (1 - rho) * g**2
    return p - lr * g / (np.sqrt(s["sq"]) + eps)


def adam(p, g, s, t, lr=0.05, b1=0.9, b2=0.999, eps=1e-8):
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g**2
    m_hat, v_hat = s["m"] / (1 - b1**t), s["v"] / (1 - b2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps)


@pytest.mark.parametrize("name,opt,update", [
    ("sgd", nn.SGD(lr=0.05), sgd),
    ("momentum", nn.Momentum(lr=0.05, momentum=0.9), heavy_ball),
    ("sgd_momentum", nn.SGD(lr=0.05, momentum=0.9), heavy_ball),
    ("nesterov", nn.Nesterov(lr=0.05, momentum=0.9), nesterov),
    ("rmsprop", nn.RMSprop(lr=0.01, rho=0.9), rmsprop),
    ("adam", nn.Adam(lr=0.05), adam),
], ids=lambda v: v if isinstance(v, str) else "")
def test_optimizer_matches_hand_written_numpy_for_10_steps(name, opt, update):
    got, want = run(opt), by_hand(update)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-13, atol=1e-15)
    start, _ = quadratic_problem()
    assert not np.allclose(got[0], start[0])      # it did move


def test_nesterov_equals_the_lookahead_formulation():
    """v ← μv − η∇L(θ + μv), θ ← θ + v, in the variable φ = θ + μv it steps on."""
    params, grads = quadratic_problem()
    theta, v = [p.copy() for p in params], [np.zeros_like(p) for p in params]
    for _ in range(10):
        look = [t + 0.9 * vv for t, vv in zip(theta, v, strict=True)]
        v = [0.9 * vv - 0.05 * g for vv, g in zip(v, grads(*look), strict=True)]
        theta = [t + vv for t, vv in zip(theta, v, strict=True)]
    opt = nn.Nesterov(lr=0.05, momentum=0.9)
    phi = [p.copy() for p in params]
    for _ in range(10):
        opt.step(phi, grads(*phi), 0.05)
    for p, t, vv in zip(phi, theta, v, strict=True):
        np.testing.assert_allclose(p, t + 0.9 * vv, rtol=1e-12)


def test_optimizers_keep_float32_and_train_with_the_trainer():
    data = datasets.moons(n=100, noise=0.1, seed=0)
    for name in nn.OPTIMIZERS:
        lr = {"sgd": 0.3, "momentum": 0.1, "nesterov": 0.1}.get(name, 0.02)
        model = nn.MLP([2, 8, 1], seed=0, dtype=np.float32)
        opt = nn.make_optimizer(name, lr=lr, batch_size=20, seed=0)
        h = Trainer(model, data, optimizer=opt, progress=False).fit(30)
        assert all(p.dtype == np.float32 for p in model.params), name
        assert h["train_loss"][-1] < 0.6 * h["train_loss"][0], name


def test_optimizer_bad_settings_are_named():
    with pytest.raises(ValueError, match="unknown optimizer 'adagrad'; choose one of "
                       "sgd, momentum, nesterov, rmsprop, adam"):
        nn.make_optimizer("adagrad")
    with pytest.raises(ValueError, match="beta2 must be in"):
        nn.Adam(beta2=1.0)
    with pytest.raises(ValueError, match="momentum must be between 0 and 1"):
        nn.Nesterov(momentum=1.5)
    assert nn.make_optimizer("momentum", lr=0.1, momentum=0.0).momentum == 0.9
    assert nn.Adam(lr=0.01).config()["beta1"] == 0.9


# --- batch normalization -------------------------------------------------------------


def test_batch_norm_values_and_statistics():
    rng = np.random.default_rng(0)
    h = rng.standard_normal((20, 3)) * [1.0, 5.0, 0.1] + [2.0, -1.0, 0.0]
    out = np.asarray(nn.batch_norm(h, np.ones(3), np.zeros(3)))
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-12)
    var = h.var(axis=0)                                  # σ² / (σ² + ε), ε = 1e-5
    np.testing.assert_allclose(out.var(axis=0), var / (var + 1e-5), rtol=1e-12)
    gamma, beta = np.array([2.0, 0.5, 1.0]), np.array([1.0, 0.0, -3.0])
    scaled = np.asarray(nn.batch_norm(h, gamma, beta))
    np.testing.assert_allclose(scaled, out * gamma + beta, rtol=1e-12)


def test_batch_norm_gradients_pass_gradcheck_in_training_mode():
    rng = np.random.default_rng(1)
    h, gamma, beta = rng.standard_normal((6, 4)), rng.uniform(0.5, 2, 4), \
        rng.standard_normal(4)
    up = rng.standard_normal((6, 4))

    def f(h, gamma, beta):
        return mnp.sum(nn.batch_norm(h, gamma, beta) * up)

    report = mg.gradcheck(f, h, gamma, beta)
    assert report.passed, str(report)
    assert report.max_rel_error < 1e-6
    # the gradient reaches every example through the batch statistics
    g = mg.grad(lambda h: nn.batch_norm(h, gamma, beta)[0, 0])(h)
    assert np.all(g[1:, 0] != 0) and np.all(g[:, 1:] == 0)


def test_deep_mlp_with_batch_norm_passes_gradcheck():
    data = datasets.moons(n=40, noise=0.2, seed=0)
    model = nn.DeepMLP(2, 5, 1, depth=4, skip=True, batch_norm=True, seed=3,
                       activation="tanh")
    loss = nn.make_loss(model, "bce")
    report = mg.gradcheck(loss, *model.params, data.X_train,
                          data.y_train.astype(float),
                          argnums=tuple(range(len(model.params))))
    assert report.passed, str(report)
    # BN removes a bias added before it: its gradient is zero
    grads = mg.grad(loss, argnums=tuple(range(len(model.params))))(
        *model.params, data.X_train, data.y_train.astype(float))
    assert np.allclose(grads[model.param_names.index("b2")], 0.0, atol=1e-14)
    assert not np.allclose(grads[model.param_names.index("b4")], 0.0)   # output layer


def test_batch_norm_evaluation_mode_uses_training_set_statistics():
    data = datasets.moons(n=60, seed=0)
    model = nn.DeepMLP(2, 6, 1, depth=3, batch_norm=True, seed=0)
    with pytest.raises(ValueError, match="no training-set statistics"):
        model.eval()(data.X_train)
    model.train().set_statistics(data.X_train)
    assert model.training
    train_out = np.asarray(model(data.X_train))
    eval_out = np.asarray(model.eval()(data.X_train))
    np.testing.assert_allclose(eval_out, train_out, rtol=1e-4, atol=1e-6)
    # one example alone: training mode normalizes it by itself, evaluation mode doesn't
    one = data.X_train[:1]
    np.testing.assert_allclose(np.asarray(model(one)), eval_out[:1], rtol=1e-4)
    assert not np.allclose(np.asarray(model.train()(one)), eval_out[:1])


# --- residual blocks and the deep MLP ------------------------------------------------


def test_skip_connections_add_each_blocks_input():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 3))
    kw = dict(depth=4, block=2, activation="relu", seed=4)
    skip, plain = nn.DeepMLP(3, 4, 2, skip=True, **kw), nn.DeepMLP(3, 4, 2, skip=False,
                                                                   **kw)
    W1, b1, W2, b2, W3, b3, W4, b4 = skip.params
    h = np.maximum(X @ W1 + b1, 0)
    z = np.maximum(h @ W2 + b2, 0) @ W3 + b3
    np.testing.assert_allclose(skip(X), np.maximum(z + h, 0) @ W4 + b4, rtol=1e-12)
    np.testing.assert_allclose(plain(X), np.maximum(z, 0) @ W4 + b4, rtol=1e-12)
    assert skip.blocks == [[1, 2]] and len(skip.layers) == 4


def test_deep_mlp_trains_with_the_trainer_and_names_its_parameters():
    data = datasets.spiral(n=150, seed=0)
    model = nn.DeepMLP(2, 16, 3, depth=6, skip=True, batch_norm=True, seed=0)
    assert model.param_names[:4] == ["W1", "b1", "W2", "b2"]
    assert model.param_names[-2:] == ["γ5", "β5"]
    trainer = Trainer(model, data, loss="ce", optimizer=nn.Adam(lr=0.01, batch_size=32),
                      progress=False)
    h = trainer.fit(40)
    assert h["train_loss"][-1] < 0.5 * h["train_loss"][0]
    state = model.state_dict()
    twin = nn.DeepMLP(**{k: v for k, v in model.config().items() if k != "dtype"})
    twin.load_state_dict(state)
    np.testing.assert_allclose(twin(data.X_test), model(data.X_test))


# --- the all-equal initialization ----------------------------------------------------


def test_equal_init_never_breaks_the_symmetry():
    data = datasets.moons(n=100, seed=0)
    model = nn.MLP([2, 6, 6, 1], init="equal", seed=0)
    assert np.all(model.params[0] == 1 / np.sqrt(2))
    sgd = nn.SGD(lr=0.3, batch_size=16)
    Trainer(model, data, optimizer=sgd, progress=False).fit(20)
    W1, _, W2, b2, _, _ = model.params
    assert not np.allclose(W1, 1 / np.sqrt(2))                    # it trained...
    np.testing.assert_allclose(W1, W1[:, :1] * np.ones((1, 6)))   # ...units stay alike
    np.testing.assert_allclose(W2, W2[0, 0])
    np.testing.assert_allclose(b2, b2[0])
    random = nn.MLP([2, 6, 6, 1], init="xavier", seed=0)
    Trainer(random, data, optimizer=nn.SGD(lr=0.3, batch_size=16),
            progress=False).fit(2)
    assert np.linalg.matrix_rank(random.params[0]) == 2
    with pytest.raises(ValueError, match="choose small, xavier, he or equal"):
        nn.MLP([2, 3, 1], init="zeros")
