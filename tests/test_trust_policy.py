"""The refusal policy of issue 8 ("What mlgraph refuses, and why" in the README):
defects 7 (a traced value leaving the graph), 9 (plain numpy on a traced value) and 15
(item assignment and misleading errors), each named after its defect."""

import math

import numpy as np
import pytest

import mlgraph as mg
import mlgraph.numpy as mnp
from mlgraph.errors import TracedValueError

# --- defect 7: a traced value leaving the graph raises, naming the node and the fix ----


def test_defect07_float_of_a_traced_value_is_refused():
    with pytest.raises(TracedValueError, match=r"float\(\).*'x' \(v0\).*x\.value"):
        mg.grad(lambda x: float(x) * x)(3.0)
    # the deliberate constant is allowed, and gives the derivative of c·x
    assert mg.grad(lambda x: float(x.value) * x)(3.0) == 3.0


def test_defect07_the_lecture_function_with_math_is_refused_naming_mg_log():
    def f(x1, x2):
        return math.log(x1) + x1 * x2 - math.sin(x2)
    with pytest.raises(TracedValueError, match=r"math\.log.*'x1' \(v0\).*mg\.log") as err:
        mg.grad(f, argnums=(0, 1))(2.0, 5.0)
    assert "return math.log(x1)" in str(err.value)         # the student's own line
    assert err.value.node == 0


def test_defect07_an_intermediate_is_named_by_its_listing():
    with pytest.raises(TracedValueError, match=r"v3 = v1 × 2"):
        mg.grad(lambda x: float(mnp.log(x) * 2.0) * x)(3.0)


@pytest.mark.parametrize("convert", [
    np.float64, np.float32, complex, int, round, lambda t: t.item(),
    lambda t: np.asarray(t), lambda t: np.array(t), lambda t: math.exp(t),
], ids=["np.float64", "np.float32", "complex", "int", "round", "item", "np.asarray",
        "np.array", "math.exp"])
def test_defect07_every_conversion_of_a_traced_value_is_refused(convert):
    with pytest.raises(TracedValueError, match="would drop its gradient"):
        mg.grad(lambda x: mnp.sum(x * convert(x[0])))(np.array([1.5, 2.0]))


def test_defect07_np_asarray_raises_every_time_not_once_per_line():
    """A warning shows once per line; a training loop must stop at every call."""
    f = mg.grad(lambda w: mnp.sum(np.asarray(w) * w))
    for _ in range(3):
        with pytest.raises(TracedValueError):
            f(np.ones(2))


def test_defect07_writing_into_a_numpy_array_is_refused():
    def f(x):
        a = np.zeros(3)
        a[0] = x[0]
        return mnp.sum(a * x)
    with pytest.raises(ValueError) as err:      # numpy's own error, caused by ours
        mg.grad(f)(np.ones(3))
    cause = err.value.__cause__
    assert isinstance(cause, TracedValueError)
    assert "writing it into an array" in str(cause) and "mlgraph.numpy.stack" in str(cause)

    def g(x):
        a = np.zeros(3)
        a[:2] = x[:2]
        return mnp.sum(a * x)
    with pytest.raises(TracedValueError, match=r"a\[i\] = x.*x\.at\[i\]\.set"):
        mg.grad(g)(np.ones(3))


def test_defect07_a_truth_test_on_a_value_that_needs_a_gradient_is_refused():
    def f(x):
        return x * 2.0 if x else x
    with pytest.raises(TracedValueError, match=r"truth test.*if x > 0"):
        mg.grad(f)(1.0)
    # a comparison is allowed (the branch taken is recorded)
    assert mg.grad(lambda x: x * 2.0 if x > 0 else x)(1.0) == 2.0


def test_defect07_printing_repr_and_format_keep_working(capsys):
    def f(x):
        y = mnp.log(x)
        print(y, repr(y), f"{y:.3f}", f"{x.value:.2f}")
        return y
    assert mg.grad(f)(2.0) == 0.5
    out = capsys.readouterr().out
    assert "0.6931" in out and "0.693" in out and "2.00" in out and "traced as v1" in out


def test_defect07_conversions_of_untraced_and_data_values_are_allowed():
    t = mg.Tensor(2.5)
    assert float(t) == 2.5 and int(t) == 2 and round(t) == 2 and t.item() == 2.5
    assert np.asarray(t) == 2.5 and bool(t)
    # a non-differentiated data input of a reused graph can be read (f is re-traced)
    vg = mg.value_and_grad(lambda w, n: w * float(mnp.sum(n)), reuse_graph=True)
    for k in range(1, 4):
        value, g = vg(2.0, np.full(3, float(k)))
        assert g == 3.0 * k and value == 6.0 * k


def test_defect07_higher_order_refuses_a_value_of_the_outer_trace():
    with pytest.raises(TracedValueError, match="'x'"):
        mg.grad(lambda x: mg.grad(lambda y: float(x) * y * y)(1.0))(3.0)


def test_defect07_traced_pieces_into_a_tensor_name_stack():
    with pytest.raises(TracedValueError, match="mlgraph.numpy.stack"):
        mg.grad(lambda x: mnp.sum(mg.Tensor([x[0], x[1]])))(np.ones(2))


# --- defect 9: plain numpy functions dispatch to mlgraph's rules -----------------------

NUMPY_PROGRAMS = {
    "np.sum(x*x)": (lambda x: np.sum(x * x), lambda x: 2 * x),
    "np.mean(exp)": (lambda x: np.mean(np.exp(x)), lambda x: np.exp(x) / x.size),
    "np.sum(axis=-1)": (lambda x: np.sum(np.sum(x.reshape(2, 2) ** 2, axis=-1)),
                        lambda x: 2 * x),
    "np.dot": (lambda x: np.dot(x, x), lambda x: 2 * x),
    "np.max": (lambda x: np.max(np.tanh(x)), lambda x: np.where(
        x == x.max(), 1 - np.tanh(x) ** 2, 0.0)),
    "np.where": (lambda x: np.sum(np.where(x > 0, x, 0.0)), lambda x: (x > 0) * 1.0),
    "np.maximum": (lambda x: np.sum(np.maximum(x, 0.0)), lambda x: (x > 0) * 1.0),
    "np.add.reduce": (lambda x: np.add.reduce(x * x), lambda x: 2 * x),
    "np.sqrt,log,sin": (lambda x: np.sum(np.sqrt(x * x + 1) + np.log(x * x) + np.sin(x)),
                        lambda x: x / np.sqrt(x * x + 1) + 2 / x + np.cos(x)),
    "argmax constant": (lambda x: np.sum(x * np.argmax(x)), lambda x: np.full(4, 3.0)),
    "sign constant": (lambda x: np.sum(x * np.sign(x)), lambda x: np.sign(x)),
    "isfinite constant": (lambda x: np.sum(np.where(np.isfinite(x), x, 0.0)),
                          lambda x: np.ones(4)),
}


@pytest.mark.parametrize("name", NUMPY_PROGRAMS)
def test_defect09_plain_numpy_on_a_traced_value_dispatches(name):
    f, grad = NUMPY_PROGRAMS[name]
    x = np.array([0.5, -1.5, 2.0, 3.0])
    np.testing.assert_allclose(mg.grad(f)(x), grad(x), rtol=1e-12)
    np.testing.assert_allclose(mg.grad(f)(x.astype(np.float32)), grad(x), rtol=1e-5)


def test_defect09_numpy_without_a_rule_is_refused_naming_the_alternative():
    with pytest.raises(TypeError, match=r"np\.copysign has no differentiation rule.*"
                                        r"mlgraph\.numpy.*x\.value"):
        mg.grad(lambda x: mnp.sum(np.copysign(x, 1.0)))(np.ones(3))
    with pytest.raises(TypeError, match=r"np\.cumprod has no derivative in mlgraph.*"
                                        r"np\.exp\(np\.cumsum\(np\.log\(x\)\)\)"):
        mg.grad(lambda x: mnp.sum(np.cumprod(x)))(np.ones(3))
    with pytest.raises(TypeError, match=r"np\.exp on the traced value 'x' \(v0\) runs "
                                        r"mlgraph\.numpy\.exp.*where="):
        mg.grad(lambda x: mnp.sum(np.exp(x, where=x > 0)))(np.ones(3))
    with pytest.raises(TypeError, match=r"np\.linalg\.eig has no derivative"):
        mg.grad(lambda x: mnp.sum(np.linalg.eig(x)[0]))(np.eye(2))


def test_defect09_the_dispatch_tables_are_complete_and_consistent():
    from mlgraph.interop import NUMPY_RULES, ON_VALUES

    # every numpy function mlgraph.numpy covers runs mlgraph.numpy's in its place
    for name, ours in mnp.COVERAGE.items():
        theirs = ours.numpy
        if theirs is ours or isinstance(theirs, type) or not callable(theirs):
            continue
        assert NUMPY_RULES[theirs] is mnp.COVERAGE[_first_name(theirs)], name
    assert not set(NUMPY_RULES) & ON_VALUES


def _first_name(np_fn):
    return next(n for n, f in mnp.COVERAGE.items() if f.numpy is np_fn)


# --- defect 15: item assignment and misleading errors ----------------------------------

def test_defect15_item_assignment_names_at_set_and_stack():
    def f(x):
        x[0] = 5.0
        return mnp.sum(x)
    with pytest.raises(TypeError, match=r"x\.at\[i\]\.set\(v\).*mlgraph\.numpy\.stack"):
        mg.grad(f)(np.ones(3))
    with pytest.raises(TypeError, match="can't be changed in place"):
        mg.Tensor([1.0, 2.0])[1] = 0.0


@pytest.mark.parametrize("convert,fix", [(round, "np.round"), (int, r"int\(x\.value\)")],
                         ids=["round", "int"])
def test_defect15_round_and_int_name_the_fix(convert, fix):
    with pytest.raises(TracedValueError, match=fix):
        mg.grad(lambda x: convert(x) * x)(2.4)


@pytest.mark.parametrize("rows,where", [([[1, 2], [3]], r"x have"),
                                        ([[1.0, 2.0], [3.0, [4.0]]], r"x\[1\]"),
                                        ([[[1.0], [2.0, 3.0]]], r"x\[0\]")])
def test_defect15_a_ragged_list_says_which_rows_differ(rows, where):
    with pytest.raises(TypeError, match=rf"rows of {where}.*different lengths"):
        mg.Tensor(rows)


def test_defect15_an_in_place_add_into_numpy_names_the_write():
    def f(x):
        acc = np.zeros_like(x)
        acc += x * 2.0
        return mnp.sum(acc)
    with pytest.raises(TracedValueError, match=r"acc \+= t.*numpy array of shape "
                                               r"\(3,\).*acc = acc \+ t"):
        mg.grad(f)(np.ones(3))


def test_defect09_numpy_on_an_untraced_tensor_computes_as_numpy():
    t = mg.Tensor([1.0, 2.0, 3.0])
    np.testing.assert_allclose(np.cumsum(t), [1.0, 3.0, 6.0])        # no rule: numpy
    assert np.linalg.norm(t) == pytest.approx(np.sqrt(14.0))
    assert float(np.sum(t)) == 6.0 and isinstance(np.exp(t), mg.Tensor)   # a rule
    acc = np.zeros(3)
    acc += t                                # an in-place write of numbers is fine
    np.testing.assert_array_equal(acc, [1.0, 2.0, 3.0])
