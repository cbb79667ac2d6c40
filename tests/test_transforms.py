"""grad, value_and_grad, jvp, vjp, jacobian, hessian: numbers and higher order."""

import numpy as np
import pytest
from conftest import lecture_f

import mlgraph as mg


def test_lecture_gradient():
    y, (d1, d2) = mg.value_and_grad(lecture_f, argnums=(0, 1))(2.0, 5.0)
    assert round(float(y), 3) == 11.652
    assert d1 == 5.5
    assert d2 == pytest.approx(2.0 - np.cos(5.0)) and round(float(d2), 3) == 1.716


def test_grad_of_grad_and_third_order():
    f = lambda x: x ** 3 + mg.sin(x)
    x = 0.3
    assert mg.grad(f)(x) == pytest.approx(3 * x**2 + np.cos(x))
    assert mg.grad(mg.grad(f))(x) == pytest.approx(6 * x - np.sin(x))
    assert mg.grad(mg.grad(mg.grad(f)))(x) == pytest.approx(6 - np.cos(x))


def test_grad_through_a_closure_over_an_outer_traced_value():
    # d/dx [ d/dy (x·y²) at y=3 ] = d/dx (6x) = 6
    outer = mg.grad(lambda x: mg.grad(lambda y: x * y * y)(3.0))
    assert outer(2.0) == pytest.approx(6.0)


def test_hessian_examples():
    H = mg.hessian(lambda x: (x[0] ** 2) * x[1] + mg.exp(x[1]))(np.array([1.0, 2.0]))
    np.testing.assert_allclose(H, [[4.0, 2.0], [2.0, np.exp(2.0)]])
    A = np.array([[2.0, 1.0], [1.0, 3.0]])
    H = mg.hessian(lambda x: 0.5 * (x @ (A @ x)))(np.array([0.3, -0.2]))
    np.testing.assert_allclose(H, A, atol=1e-12)
    H = mg.hessian(lecture_f, argnums=0)(2.0, 5.0)
    assert H == pytest.approx(-1 / 4.0)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_modes_agree(mode, rng):
    A, B = rng.normal(size=(4, 3)), rng.normal(size=(2, 4))
    f = lambda x: B @ mg.tanh(A @ x)
    x = rng.normal(size=3)
    J = mg.jacobian(f, mode=mode)(x)
    expected = B @ np.diag(1 - np.tanh(A @ x) ** 2) @ A
    np.testing.assert_allclose(J, expected, atol=1e-12)
    assert J.shape == (2, 3)


def test_jvp_and_vjp(rng):
    x = rng.normal(size=3)
    y, y_dot = mg.jvp(lambda v: mg.sin(v) * v, (x,), (np.ones(3),))
    np.testing.assert_allclose(y_dot, np.cos(x) * x + np.sin(x))
    out, pullback = mg.vjp(lambda v: mg.sin(v) * v, x)
    (x_bar,) = pullback(np.ones(3))
    np.testing.assert_allclose(x_bar, y_dot)
    np.testing.assert_allclose(out, y)


def test_iris_style_numpy_code_becomes_differentiable(rng):
    import mlgraph.numpy as np_  # the only change to the student's code

    def cost(X, Y, W, V):
        H = np_.tanh(np_.dot(X, W))
        S = np_.dot(H, V)
        P = np_.exp(S - np_.max(S, axis=1, keepdims=True))
        P = P / np_.sum(P, axis=1, keepdims=True)
        return -np_.sum(Y * np_.log(P)) / X.shape[0]

    X, W, V = rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=(3, 3))
    Y = np.eye(3)[[0, 1, 2, 1, 0]]
    gW, gV = mg.grad(cost, argnums=(2, 3))(X, Y, W, V)
    h = 1e-6
    E = np.zeros_like(W)
    E[1, 2] = h
    numeric = (cost(X, Y, W + E, V) - cost(X, Y, W - E, V)) / (2 * h)
    assert gW[1, 2] == pytest.approx(float(numeric), rel=1e-6)
    assert gV.shape == V.shape


def test_reuse_graph_gives_the_same_numbers_and_retraces_on_new_shapes(rng):
    def loss(W, b, X, y):
        return (mg.numpy.softplus(X @ W + b) - y * (X @ W + b)).mean()
    fresh = mg.value_and_grad(loss, argnums=(0, 1))
    reused = mg.value_and_grad(loss, argnums=(0, 1), reuse_graph=True)
    W, b = rng.normal(size=(3, 1)), np.zeros(1)
    for n in (8, 8, 5):                        # the third call has a new batch shape
        X, y = rng.normal(size=(n, 3)), (rng.random((n, 1)) > 0.5).astype(float)
        (v1, g1), (v2, g2) = fresh(W, b, X, y), reused(W, b, X, y)
        assert v1 == v2
        for a, c in zip(g1, g2, strict=False):
            np.testing.assert_array_equal(a, c)
        W = W - 0.1 * g1[0]


def test_reuse_graph_never_freezes_a_value_dependent_function(rng):
    def loss(w, X, y):
        labels = np.asarray(y).astype(int)           # leaves the graph: value-dependent
        onehot = np.eye(2)[labels]
        z = X @ w
        mask = z > 0                                 # a comparison on a traced value
        return ((z * mask - onehot[:, 1]) ** 2).sum()
    fresh = mg.value_and_grad(loss)
    reused = mg.value_and_grad(loss, reuse_graph=True)
    w = rng.normal(size=3)
    for _ in range(3):
        X, y = rng.normal(size=(6, 3)), rng.integers(0, 2, size=6).astype(float)
        (v1, g1), (v2, g2) = fresh(w, X, y), reused(w, X, y)
        assert v1 == v2
        np.testing.assert_array_equal(g1, g2)


def test_gradients_are_writable_arrays():
    g = mg.grad(lambda x: x.sum())(np.ones((2, 3)))
    g *= 2.0                                   # a broadcast view would be read-only
    np.testing.assert_array_equal(g, np.full((2, 3), 2.0))


def test_has_aux_messages_name_each_functions_own_parameters():
    # every has_aux function is traced through a wrapper of the same code: the names
    # must still be the wrapped function's, not those of the first one seen
    def first(a, b):
        return a * b, None

    def second(weights, bias):
        return mg.numpy.sum(weights) * bias, None

    mg.grad(first, has_aux=True)(2.0, 3.0)
    with pytest.raises(TypeError, match="argument 'bias'"):
        mg.grad(second, argnums=(0, 1), has_aux=True)(np.ones(2), "x")
