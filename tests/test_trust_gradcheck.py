"""Defect 12 of issue 8: the gradient checker reports kinks from where, comparisons and
Python ifs as kinks; judges float32 gradients by float32's precision (against float64
differences); reports a step that leaves f's domain, with a hint; refuses argnums out
of range. And the numerical-gradient tools of issue 13 (numerical_grad, check_grad)."""

import numpy as np
import pytest

import mlgraph as mg
import mlgraph.numpy as mnp
from mlgraph import nn
from mlgraph.gradcheck import gradcheck

# --- kinks from where, comparisons and Python ifs -------------------------------------

KINKED = {
    "where": lambda x: mnp.sum(mnp.where(x > 0, x, 0.0)),
    "python if": lambda x: x * 2.0 if x > 0 else x * 0.0,
    "np.where": lambda x: np.sum(np.where(x > 0, x * x, -x)),
    "argmax": lambda x: mnp.sum(x * np.argmax(x)),
    "sign": lambda x: mnp.sum(x * x * np.sign(x)) + mnp.sum(np.abs(x)),
}


@pytest.mark.parametrize("name", KINKED)
def test_defect12_a_kink_of_a_decision_is_reported_as_a_kink(name):
    f = KINKED[name]
    x = 0.0 if name == "python if" else np.array([0.0, 1.0, -2.0])
    if name == "argmax":
        x = np.array([1.0, 1.0, -2.0])           # a tie: argmax flips within ±h
    report = gradcheck(f, x)
    assert report.passed, str(report)
    p = report.params[0]
    assert p.kinks and "kink" in str(report)
    text = str(report)
    assert ("test v0 > 0" in text or "np.argmax" in text or "np.sign" in text
            or "sign(v0)" in text or "|·|" in text), text


def test_defect12_off_the_kink_the_same_functions_are_checked_exactly():
    for name, f in KINKED.items():
        x = 0.7 if name == "python if" else np.array([0.5, 1.0, -2.0])
        report = gradcheck(f, x)
        assert report.passed and not report.params[0].kinks, (name, str(report))
        assert report.max_rel_error < 1e-7


def test_defect12_a_wrong_gradient_next_to_a_decision_still_fails():
    def f(x):
        return mnp.sum(mnp.where(x > 0, x * x, 0.0))

    def wrong(x):
        return np.where(x > 0, 2.0 * x * 1.01, 0.0)   # 1% off
    report = gradcheck(f, np.array([0.0, 1.0, 2.0]), grads=wrong)
    assert not report.passed
    assert report.params[0].kinks and report.params[0].worst_index in [(1,), (2,)]


# --- float32 ---------------------------------------------------------------------------

def test_defect12_a_correct_float32_gradient_passes():
    rng = np.random.default_rng(0)
    model = nn.MLP([20, 32, 10], activation="relu", seed=0, dtype=np.float32)
    X = rng.normal(size=(16, 20)).astype(np.float32)
    y = rng.integers(0, 10, 16)
    loss = nn.make_loss(model, "ce")
    report = gradcheck(loss, *model.params, X, y, argnums=(0, 1, 2, 3))
    assert report.passed, str(report)
    assert report.bands[0] > 1e-7 and "float32" in " ".join(report.notes)


@pytest.mark.parametrize("scale", [1.001, 1.01], ids=["0.1% off", "1% off"])
def test_defect12_a_wrong_float32_gradient_still_fails(scale):
    rng = np.random.default_rng(1)
    w = rng.normal(size=5).astype(np.float32)
    X = rng.normal(size=(8, 5)).astype(np.float32)

    def f(w, X):
        return mnp.sum(mnp.tanh(X @ w))

    def grads(w, X):
        return (X.T @ (1 - np.tanh(X @ w) ** 2) * scale).astype(np.float32)
    report = gradcheck(f, w, X, grads=grads, argnums=0)
    assert not report.passed, str(report)


def test_defect12_a_function_forced_to_float32_gets_wider_bands():
    from mlgraph.primitives import Primitive

    # a cast to float32 (not registered: a stand-in for x.astype(np.float32))
    cast = Primitive("cast32", lambda x: np.asarray(x, np.float32)[()],
                     jvp=(lambda t, x, *, out: t,), vjp=(lambda g, x, *, out: g,),
                     symbol="f32")
    x = np.linspace(-1, 1, 5).astype(np.float32)
    report = gradcheck(lambda x: mnp.sum(mnp.sin(cast(x)) ** 2), x)
    assert report.passed, str(report)
    assert report.bands == (1e-3, 1e-2, 1e-1) and report.h > 1e-3
    assert "computes in float32 even from float64 inputs" in str(report)


# --- a step that leaves the domain -------------------------------------------------------

def test_defect12_a_step_across_the_domain_edge_is_retried_and_reported():
    report = gradcheck(lambda x: mnp.sum(mnp.log(x)), np.array([1e-7, 2.0]))
    assert report.passed, str(report)
    p = report.params[0]
    assert [d[0] for d in p.domain] == [(0,)]
    text = str(report)
    assert "leaves the domain of v1 = ln(v0)" in text and "checked with the step" in text
    assert "Pass a smaller h=" in text


def test_defect12_a_point_at_the_edge_is_flagged_not_passed_silently():
    def f(x):
        return mnp.sum(mnp.sqrt(x))
    with np.errstate(all="ignore"):
        report = gradcheck(f, np.array([0.0, 4.0]))
    p = report.params[0]
    assert p.domain and p.domain[0][0] == (0,) and p.domain[0][3] is None
    assert "not checked (flagged, not failed)" in str(report)
    assert p.n_checked == 2 and p.max_rel_error < 1e-7      # the other entry is checked


def test_defect12_a_domain_edge_in_a_function_that_branches():
    def f(x):
        return mnp.log(x) if x < 10 else x       # the test stays true within ±h
    report = gradcheck(f, 1e-7)
    assert report.passed and report.params[0].domain, str(report)


# --- argnums -----------------------------------------------------------------------------

@pytest.mark.parametrize("argnums", [5, (0, 2), -3])
def test_defect12_argnums_out_of_range_is_refused(argnums):
    with pytest.raises(ValueError, match=r"argnums=.* but f was called with 2 positional "
                                         r"arguments \(w, x\)"):
        def f(w, x):
            return mnp.sum(w * x)
        gradcheck(f, np.ones(2), np.ones(2), argnums=argnums)
    # negative argnums within range count from the end
    def g(w, x):
        return mnp.sum(w * w * x)
    assert gradcheck(g, np.ones(2), np.ones(2), argnums=-1).params[0].name == "x"


# --- numerical_grad and check_grad (issue 13) ------------------------------------------

def test_numerical_grad_forward_and_central():
    f = lambda x1, x2: mg.log(x1) + x1 * x2 - mg.sin(x2)  # noqa: E731
    d1, d2 = mg.numerical_grad(f, 2.0, 5.0, argnums=(0, 1))
    assert d1 == pytest.approx(5.5, abs=1e-8) and d2 == pytest.approx(1.716, abs=1e-3)
    fwd = mg.numerical_grad(f, 2.0, 5.0, method="forward", h=1e-4)
    assert fwd == pytest.approx((np.log(2.0001) - np.log(2.0)) / 1e-4 + 5.0, rel=1e-12)
    w = np.array([0.5, -1.0, 2.0])
    g = mg.numerical_grad(lambda w: mnp.sum(w ** 3), w)
    np.testing.assert_allclose(g, 3 * w ** 2, rtol=1e-8)
    assert g.shape == w.shape and g.dtype == np.float64


def test_numerical_grad_errors_follow_truncation_and_round_off():
    """The lecture's error-vs-step curve: truncation O(h) (forward) or O(h²) (central)
    for large h, round-off O(ε/h) for small h, worse in float32."""
    x, exact = 1.0, np.cos(1.0)
    err = {m: [abs(mg.numerical_grad(mg.sin, x, method=m, h=h) - exact)
               for h in (1e-1, 1e-2)] for m in ("forward", "central")}
    assert 5 < err["forward"][0] / err["forward"][1] < 20        # O(h)
    assert 50 < err["central"][0] / err["central"][1] < 200      # O(h²)
    tiny = abs(mg.numerical_grad(mg.sin, x, method="central", h=1e-13) - exact)
    assert tiny > 1e-5                                           # round-off dominates
    x32 = np.float32(1.0)
    e32 = abs(float(mg.numerical_grad(mg.sin, x32, method="central", h=1e-5)) - exact)
    e64 = abs(float(mg.numerical_grad(mg.sin, 1.0, method="central", h=1e-5)) - exact)
    assert e32 > 1e-4 > 1e3 * e64
    assert mg.numerical_grad(mg.sin, x32, h=1e-4).dtype == np.float32


def test_numerical_grad_refuses_bad_input():
    with pytest.raises(ValueError, match="method must be 'forward' or 'central'"):
        mg.numerical_grad(mg.sin, 1.0, method="backward")
    with pytest.raises(ValueError, match="needs f to return a scalar"):
        mg.numerical_grad(lambda x: x * 2.0, np.ones(2))
    with pytest.raises(ValueError, match="argnums=2 but sin was called with 1"):
        mg.numerical_grad(mg.sin, 1.0, argnums=2)
    with pytest.raises(ValueError, match="h must be positive"):
        mg.numerical_grad(mg.sin, 1.0, h=0.0)


def test_check_grad_has_scipys_semantics():
    def f(x, a):
        return mnp.sum(a * x ** 2)

    def good(x, a):
        return 2 * a * x

    def bad(x, a):
        return 2 * a * x + 0.1
    x0, a = np.array([1.0, -2.0, 0.5]), 3.0
    assert mg.check_grad(f, good, x0, a) < 1e-6
    # the 2-norm of the difference, as scipy.optimize.check_grad
    assert mg.check_grad(f, bad, x0, a) == pytest.approx(0.1 * np.sqrt(3), rel=1e-4)
    fd = mg.numerical_grad(f, x0, a, method="forward", h=1.4901161193847656e-08)
    assert mg.check_grad(f, good, x0, a) == pytest.approx(
        np.linalg.norm(good(x0, a) - fd), rel=1e-12)
