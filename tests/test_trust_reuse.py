"""Defect 1 of issue 8: a reused graph (value_and_grad(..., reuse_graph=True)) is keyed by
the structure of its arguments, never by their identity, and never returns another
call's gradient."""

import numpy as np
import pytest

import mlgraph as mg
import mlgraph.numpy as mnp
from mlgraph.reuse import flatten


def _counted(f):
    """f, and a list that grows by one each time f runs (f runs only when traced)."""
    calls = []

    def g(*args):
        calls.append(1)
        return f(*args)
    return g, calls


def test_defect01_a_fresh_batch_tuple_per_step_gets_its_own_gradient(rng):
    f, traced = _counted(lambda w, b: mnp.mean((b[0] @ w - b[1]) ** 2))
    vg = mg.value_and_grad(f, reuse_graph=True)
    fresh = mg.value_and_grad(lambda w, b: mnp.mean((b[0] @ w - b[1]) ** 2))
    w = rng.normal(size=3)
    for _ in range(200):
        batch = (rng.normal(size=(8, 3)), rng.normal(size=8))   # a new tuple each step
        value, g = vg(w, batch)
        want_value, want = fresh(w, batch)
        np.testing.assert_allclose(g, want, rtol=1e-12)
        assert value == pytest.approx(want_value, rel=1e-12)
    assert len(traced) == 1                    # one trace, 199 re-runs


def test_defect01_a_list_changed_in_place_feeds_its_new_numbers():
    f, traced = _counted(lambda w, c: (w * c[0]) ** 2 + c[1] * w)
    vg = mg.value_and_grad(f, reuse_graph=True)
    c = [3.0, 1.0]
    assert vg(1.0, c) == (10.0, 19.0)
    c[0] = 6.0                                  # the same list object, new numbers
    assert vg(1.0, c) == (37.0, 73.0)           # not the 9.0 and 18.0 of the old list
    arrays = [np.ones(2), np.zeros(2)]
    vg2 = mg.value_and_grad(lambda w, c: mnp.sum(w * c[0] + c[1]), reuse_graph=True)
    vg2(np.ones(2), arrays)
    arrays[0][:] = 5.0
    np.testing.assert_array_equal(vg2(np.ones(2), arrays)[1], [5.0, 5.0])
    assert len(traced) == 1


def test_defect01_dicts_and_nested_containers_are_keyed_by_structure(rng):
    f = lambda w, data: mnp.sum((data["X"] @ w - data["y"][0]) ** 2) * data["scale"]
    vg = mg.value_and_grad(f, reuse_graph=True)
    fresh = mg.grad(f)
    w = rng.normal(size=2)
    for scale in (1, 2, 1):                     # an int: part of the key, by value
        for _ in range(3):
            data = {"X": rng.normal(size=(4, 2)), "y": (rng.normal(size=4),),
                    "scale": scale}
            np.testing.assert_allclose(vg(w, data)[1], fresh(w, data), rtol=1e-12)


def test_defect01_keys_hold_structure_and_no_identity(rng):
    from mlgraph.reuse import Flat

    a = flatten((np.ones(2), (rng.normal(size=(3, 2)), 1.5)), (0,))
    b = flatten((np.ones(2), (rng.normal(size=(3, 2)), 2.5)), (0,))
    assert a[0] == b[0] and len(a[1]) == 3              # same key, leaves w, b[0], b[1]
    assert Flat((np.ones(2), (np.ones(1), 1.5)), (0,)).names(["w", "b"]) == [
        "w", "b[0]", "b[1]"]
    c = flatten((np.ones(2), [rng.normal(size=(3, 2)), 1.5]), (0,))
    d = flatten((np.ones(2), (rng.normal(size=(4, 2)), 1.5)), (0,))
    assert len({a[0], c[0], d[0]}) == 3         # tuple vs list, and shapes, differ
    assert flatten((np.ones(2), object()), (0,)) is None   # traced afresh
    assert Flat((np.ones(2), {"X": np.ones(3)}), (0,)).names(["w", "batch"]) == [
        "w", "batch['X']"]
    # the fast path (every argument an array) keys by shapes and dtypes alone
    e = flatten((np.ones(2), np.zeros((3, 2))), (0,))
    f = flatten((np.ones(2), np.ones((3, 2))), (0,))
    assert e[0] == f[0] and e[1][1] is not f[1][1]


def test_defect01_an_object_argument_is_traced_afresh_each_call():
    class Box:
        def __init__(self, v):
            self.v = v
    f, traced = _counted(lambda w, box: w * box.v)
    vg = mg.value_and_grad(f, reuse_graph=True)
    assert vg(2.0, Box(3.0))[1] == 3.0
    assert vg(2.0, Box(5.0))[1] == 5.0
    assert len(traced) == 2


DATA = {"X": np.ones((2, 2))}


def _global_loss(w):
    return mnp.sum(DATA["X"] @ w)


def test_defect01_arrays_read_from_globals_and_closures_are_watched():
    scale = np.array([1.0, 1.0])
    f, traced = _counted(lambda w: mnp.sum(w * scale) + _global_loss(w))
    vg = mg.value_and_grad(f, reuse_graph=True)
    np.testing.assert_array_equal(vg(np.ones(2))[1], [3.0, 3.0])
    np.testing.assert_array_equal(vg(np.ones(2))[1], [3.0, 3.0])
    assert len(traced) == 1
    scale[:] = 4.0                               # a closure array changed in place
    np.testing.assert_array_equal(vg(np.ones(2))[1], [6.0, 6.0])
    DATA["X"] = np.full((2, 2), 10.0)           # a global of a called function, rebound
    try:
        np.testing.assert_array_equal(vg(np.ones(2))[1], [24.0, 24.0])
    finally:
        DATA["X"] = np.ones((2, 2))
    assert len(traced) == 3


def test_defect01_the_trainer_still_traces_once_per_batch_shape(rng):
    from mlgraph import nn

    model = nn.MLP([2, 3, 1], seed=0)
    step = mg.value_and_grad(nn.make_loss(model, "mse"),
                             argnums=tuple(range(len(model.params))), reuse_graph=True)
    fresh = mg.grad(nn.make_loss(model, "mse"), argnums=tuple(range(len(model.params))))
    for _ in range(5):
        X, y = rng.normal(size=(4, 2)), rng.normal(size=4)
        _, grads = step(*model.params, X, y)
        for a, b in zip(grads, fresh(*model.params, X, y), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12)
