"""Regression tests for the rule defects of issue 8 (trust): each test is named after
its defect, in the variants that matter (other shapes, other values, float32).

Defect 4: transpose with negative axes; 5: pow at base 0; 6: masked branches leaking
NaN (select, don't multiply); 10: float32 forward mode through where and max.
"""

import numpy as np
import pytest

import mlgraph as mg
import mlgraph.numpy as mnp

# --- defect 4: transpose with negative axes -------------------------------------------

AXES = [(-1, 0, 1), (0, -1, -2), (-3, -1, -2), (2, 0, 1), (-2, -3, -1)]


@pytest.mark.parametrize("axes", AXES, ids=str)
def test_defect04_transpose_with_negative_axes_has_the_right_gradient(axes, rng):
    x = rng.normal(size=(2, 3, 4))
    w = rng.normal(size=np.transpose(x, axes).shape)
    g = mg.grad(lambda x: mnp.sum(mnp.transpose(x, axes) * w))(x)
    inverse = np.argsort([a % 3 for a in axes])
    np.testing.assert_allclose(g, np.transpose(w, inverse))
    g_method = mg.grad(lambda x: mnp.sum(x.transpose(*axes) * w))(x)
    np.testing.assert_allclose(g_method, g)


@pytest.mark.parametrize("axes", [(-1, 0, 1), (1, -1, 0)], ids=str)
def test_defect04_transpose_with_negative_axes_on_a_cube(axes):
    """The reproducer: a (2, 2, 2) array, where the wrong inverse had the right shape."""
    x = np.arange(8.0).reshape(2, 2, 2)
    w = np.arange(8.0).reshape(2, 2, 2) ** 2
    g = mg.grad(lambda x: mnp.sum(mnp.transpose(x, axes) * w))(x)
    np.testing.assert_allclose(g, np.transpose(w, np.argsort([a % 3 for a in axes])))
    # forward mode agrees entry by entry
    jac = mg.jacobian(lambda x: mnp.sum(mnp.transpose(x, axes) * w), mode="forward")(x)
    np.testing.assert_allclose(jac, g)


# --- defect 5: pow at base 0 gives the limits ------------------------------------------

def test_defect05_pow_at_zero_sum_of_powers():
    # torch: d/dx Σ x^k for k = 0, 1, 2 at 0 is 0 + 1 + 0 = 1
    assert mg.grad(lambda x: mnp.sum(x ** np.arange(3)))(0.0) == 1.0
    assert mg.grad(lambda x: mnp.sum(x ** np.arange(3.0)))(0.0) == 1.0
    g = mg.grad(lambda x: mnp.sum(x ** np.arange(4.0)))(np.zeros(4))
    np.testing.assert_array_equal(g, [0.0, 1.0, 0.0, 0.0])


@pytest.mark.parametrize("x", [0.0, np.zeros(3), np.zeros((2, 2), np.float32)],
                         ids=["scalar", "vector", "float32-matrix"])
def test_defect05_pow_zero_exponent_has_derivative_zero(x):
    g = mg.grad(lambda x: mnp.sum(x ** 0))(x)
    assert np.all(g == 0) and np.shape(g) == np.shape(x)
    assert np.asarray(g).dtype == np.asarray(x).dtype


def test_defect05_pow_higher_derivatives_at_zero():
    assert mg.hessian(lambda x: x ** 1)(0.0) == 0.0
    assert mg.grad(mg.grad(lambda x: x ** 1))(0.0) == 0.0
    assert mg.grad(mg.grad(lambda x: x ** 2))(0.0) == 2.0
    assert mg.grad(mg.grad(mg.grad(lambda x: x ** 2)))(0.0) == 0.0
    assert mg.grad(mg.grad(mg.grad(lambda x: x ** 3)))(0.0) == 6.0
    np.testing.assert_array_equal(mg.hessian(lambda x: mnp.sum(x ** 2))(np.zeros(2)),
                                  2 * np.eye(2))


def test_defect05_pow_derivative_by_the_exponent_at_zero_base():
    assert mg.grad(lambda x, y: x ** y, argnums=1)(0.0, 2.0) == 0.0
    assert mg.grad(lambda x, y: x ** y, argnums=1)(0.0, 0.0) == 0.0
    g = mg.grad(lambda y: mnp.sum(np.array([0.0, 2.0]) ** y))(np.array([2.0, 3.0]))
    np.testing.assert_allclose(g, [0.0, 8.0 * np.log(2.0)])
    # forward mode by the exponent gives the same limit
    _, t = mg.jvp(lambda x, y: x ** y, (0.0, 2.0), (0.0, 1.0))
    assert t == 0.0


def test_defect05_pow_away_from_zero_is_unchanged(rng):
    x, y = rng.uniform(0.5, 2, size=3), rng.normal(size=3)
    gx, gy = mg.grad(lambda x, y: mnp.sum(x ** y), argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, y * x ** (y - 1))
    np.testing.assert_allclose(gy, np.log(x) * x ** y)
    # a genuinely infinite derivative stays infinite: √x at 0
    with np.errstate(divide="ignore"):
        assert mg.grad(lambda x: x ** 0.5)(0.0) == np.inf


# --- defect 6: masked branches select, they don't multiply ----------------------------

MASKED = {
    "where": lambda x: mnp.where(x > 0, x, 0.0),
    "relu": mg.relu,
    "maximum": lambda x: mnp.maximum(x, 0.0),
    "clip": lambda x: mnp.clip(x, 0.0, 10.0),
}


@pytest.mark.parametrize("name", MASKED)
@pytest.mark.parametrize("x", [np.array([-1.0, 4.0]), np.array([[-1.0, 4.0], [0.0, 9.0]]),
                               np.array([-1.0, 4.0], np.float32)],
                         ids=["vector", "matrix-with-zero", "float32"])
def test_defect06_sqrt_of_a_masked_branch_has_no_nan(name, x):
    mask = MASKED[name]
    with np.errstate(divide="ignore"):
        g = mg.grad(lambda x: mnp.sum(mnp.sqrt(mask(x))))(x)
        _, t = mg.jvp(lambda x: mnp.sum(mnp.log(mask(x) + 1.0)), (x,), (np.ones_like(x),))
    want = np.where(x > 0, 0.5 / np.sqrt(np.where(x > 0, x, 1.0)), 0.0)
    want = np.where(x == 0, np.inf if name in ("maximum", "clip") else 0.0, want)  # a tie goes to x
    np.testing.assert_allclose(g, want.astype(x.dtype), rtol=1e-6)
    assert not np.isnan(t)
    assert np.asarray(g).dtype == x.dtype


def test_defect06_abs_and_max_select_with_an_infinite_upstream():
    with np.errstate(divide="ignore"):
        # |x| at 0 has derivative 0 (taken as 0), even under an infinite √' upstream
        g = mg.grad(lambda x: mnp.sum(mnp.sqrt(mnp.abs(x))))(np.array([0.0, -4.0]))
        np.testing.assert_allclose(g, [0.0, -0.25])
        # max: only the argmax entry gets the infinite upstream derivative
        g = mg.grad(lambda x: mnp.sqrt(mnp.max(x) - 3.0))(np.array([3.0, 1.0, 2.0]))
        np.testing.assert_array_equal(g, [np.inf, 0.0, 0.0])


def test_defect06_max_ties_share_and_stay_finite():
    g = mg.grad(lambda x: mnp.max(x))(np.array([2.0, 2.0, 1.0]))
    np.testing.assert_allclose(g, [0.5, 0.5, 0.0])
    x = np.array([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]], np.float32)
    g = mg.grad(lambda x: mnp.sum(mnp.max(x, axis=-1)))(x)
    np.testing.assert_allclose(g, [[0, 0.5, 0.5], [0.5, 0, 0.5]])
    assert g.dtype == np.float32


# --- defect 10: float32 forward mode stays float32 -------------------------------------

F32_PROGRAMS = {
    "where": lambda x: mnp.sum(mnp.where(x > 0, x * x, -x)),
    "max": lambda x: mnp.max(x * 2.0),
    "max-axis": lambda x: mnp.sum(mnp.max(x.reshape(2, 2), axis=-1)),
    "maximum": lambda x: mnp.sum(mnp.maximum(x, 0.5)),
    "relu": lambda x: mnp.sum(mg.relu(x)),
    "abs": lambda x: mnp.sum(mnp.abs(x)),
    "pow-zero": lambda x: mnp.sum(x ** np.arange(4.0, dtype=np.float32)),
}


@pytest.mark.parametrize("name", F32_PROGRAMS)
def test_defect10_float32_forward_mode_stays_float32(name):
    f = F32_PROGRAMS[name]
    x = np.array([1.5, -2.0, 0.0, 3.0], np.float32)
    y, t = mg.jvp(f, (x,), (np.ones(4, np.float32),))
    assert np.asarray(y).dtype == np.float32 and np.asarray(t).dtype == np.float32
    g = mg.grad(f)(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(t, np.sum(g), rtol=1e-6)
    events = mg.run(mg.trace(f, x), mg.events.Mode("forward", "x"), tangent=np.ones(4, np.float32))
    assert all(np.asarray(e.value).dtype == np.float32 for e in events
               if e.sweep == "forward")
