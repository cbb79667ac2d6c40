"""Every error a student can meet names what was wrong, with their names, and the fix."""

import warnings

import numpy as np
import pytest

import mlgraph as mg


def test_matmul_shape_mismatch_names_op_shapes_and_node():
    def loss(X, W):
        return (X @ W).sum()
    with pytest.raises(ValueError) as err:
        mg.grad(loss, argnums=1)(np.ones((2, 3)), np.ones((4, 5)))
    msg = str(err.value)
    assert "matmul at node v2" in msg and "'X' (v1) has shape (2, 3)" in msg
    assert "'W' (v0) has shape (4, 5)" in msg and ".T" in msg


def test_broadcast_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"add at node v2 = v0 \+ v1: 'a' \(v0\) has shape "
                                         r"\(3,\), 'b' \(v1\) has shape \(4,\)"):
        mg.trace(lambda a, b: a + b, np.ones(3), np.ones(4))


def test_grad_of_non_scalar_says_so_and_names_vjp():
    with pytest.raises(ValueError, match=r"returned shape \(3,\).*use vjp"):
        mg.grad(lambda x: x * 2.0)(np.ones(3))


@pytest.mark.parametrize("bad,pattern", [
    ([1.0, 2.0], r"type list \(argument 'x'\).*np.array"),
    ("a", r"type str \(argument 'x'\)"),
    (3, r"argument 'x' is an integer \(3\).*Pass 3.0"),
    (np.arange(3), r"argument 'x' is an integer"),
    (True, r"type bool \(argument 'x'\)"),
])
def test_untraceable_inputs_name_the_argument(bad, pattern):
    with pytest.raises(TypeError, match=pattern):
        mg.grad(lambda x: (x * 2.0).sum())(bad)


def test_log_of_non_positive_warns_with_the_node_name():
    with pytest.warns(RuntimeWarning, match=r"ln at node v1 = ln\(v0\).*'x' \(v0\): -1"):
        mg.grad(lambda x: mg.log(x))(-1.0)
    with pytest.warns(RuntimeWarning, match=r"√ at node v3"):
        mg.trace(lambda x: mg.sqrt(x - 3.0), 1.0)


def test_debug_nans_raises_at_the_first_bad_node():
    with mg.debug_nans():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            with pytest.raises(FloatingPointError, match=r"v3 = √\(v2\) produced nan"):
                mg.grad(lambda x1: mg.sqrt(x1 - 3.0) * 2.0)(1.0)
    # off again: the same code gives nan without raising
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.isnan(mg.grad(lambda x1: mg.sqrt(x1 - 3.0) * 2.0)(1.0))


def test_debug_nans_catches_a_cotangent_overflow():
    f = lambda x: mg.exp(mg.exp(x) * 0.0 + x * 1e3)   # value fine at x=-1, cotangent too
    with mg.debug_nans():
        assert np.isfinite(mg.grad(f)(-1.0))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            with pytest.raises(FloatingPointError, match="produced inf"):
                mg.grad(f)(1.0)


def test_forward_sweep_needs_a_known_input(lecture_graph):
    with pytest.raises(ValueError, match=r"'x3', which is not an input.*x1, x2"):
        list(mg.forward_sweep(lecture_graph, wrt="x3"))
    with pytest.raises(ValueError, match="names no input.*write e.g. 'forward:x1'"):
        list(mg.forward_sweep(lecture_graph))


def test_reverse_sweep_of_non_scalar_needs_a_cotangent():
    g = mg.trace(lambda x: x * 2.0, np.ones(3))
    with pytest.raises(ValueError, match=r"shape \(3,\): pass cotangent=np.ones"):
        list(mg.reverse_sweep(g))


def test_nested_output_is_refused_with_a_fix():
    assert len(mg.trace(lambda x: (x, x * 2.0), 1.0).outputs) == 2   # several outputs
    with pytest.raises(TypeError, match="returned a tuple inside a tuple.*flat "
                                        "tuple"):
        mg.trace(lambda x: (x, (x, x)), 1.0)


def test_numpy_ufunc_without_rule_points_to_mlgraph_numpy():
    with pytest.raises(TypeError, match=r"np.nextafter has no differentiation rule"):
        mg.trace(lambda x: np.nextafter(x, 2.0), 1.0)


def test_argnums_out_of_range():
    with pytest.raises(ValueError, match=r"argnums=3 but f was called with 2"):
        def f(a, b):
            return a * b
        mg.grad(f, argnums=3)(1.0, 2.0)


def test_turning_a_traced_value_into_numpy_is_refused_naming_the_fix():
    def f(x):
        return mg.numpy.sum(np.asarray(x) * x)
    with pytest.raises(mg.errors.TracedValueError,
                       match=r"np.asarray.*traced value 'x' \(v0\).*mlgraph.numpy"):
        mg.grad(f)(np.array([0.5, 2.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mg.grad(lambda x: mg.numpy.sum(x.value * x))(np.array([0.5, 2.0]))  # said so
