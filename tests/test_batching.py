"""Registry-driven tests of the primitives' batching rules (the ``batch`` hook).

Every primitive declares a rule or a considered ``None``; every rule, on every case of
the shape zoo in tests/test_primitives.py (and the extra cases below) and for every
choice of which arguments carry the batch axis, equals a loop of the primitive's own
forward over the batch.
"""

import itertools

import numpy as np
import pytest
from test_primitives import DOMAINS, any_

from mlgraph import PRIMITIVES
from mlgraph.primitives import batching
from mlgraph.primitives.core import UNDECLARED, Primitive

#: Cases the shape zoo does not have, where a batching rule could go wrong: negative
#: axes, a scalar broadcast, indices that keep or move numpy's advanced axes.
EXTRA = {
    "sum": [("(2,3)-axis=-1", lambda rng: ((any_(rng, (2, 3)),), {"axis": -1})),
            ("(2,3,2)-axis=(0,-1)-keep",
             lambda rng: ((any_(rng, (2, 3, 2)),), {"axis": (0, -1), "keepdims": True}))],
    "max": [("(2,3)-axis=None-keep",
             lambda rng: ((any_(rng, (2, 3)),), {"axis": None, "keepdims": True}))],
    "logsumexp": [("(2,3)-axis=-2", lambda rng: ((any_(rng, (2, 3)),), {"axis": -2}))],
    "softmax": [("(2,3,2)-axis=1", lambda rng: ((any_(rng, (2, 3, 2)),), {"axis": 1}))],
    "transpose": [("(2,3,4)-axes=(-1,0,1)",
                   lambda rng: ((any_(rng, (2, 3, 4)),), {"axes": (-1, 0, 1)}))],
    "broadcast_to": [("()->(2,3)", lambda rng: ((any_(rng, ()),), {"shape": (2, 3)}))],
    "getitem": [("(3,4)[[0,2],1]", lambda rng: ((any_(rng, (3, 4)),),
                                                 {"index": (np.array([0, 2]), 1)})),
                ("(3,4)[-1]", lambda rng: ((any_(rng, (3, 4)),), {"index": -1}))],
    "concatenate": [("(2,3)+(2,1)-axis=-1",
                     lambda rng: ((any_(rng, (2, 3)), any_(rng, (2, 1))), {"axis": -1}))],
    "stack": [("(2,)+(2,)-axis=-1",
               lambda rng: ((any_(rng, (2,)), any_(rng, (2,))), {"axis": -1}))],
    "matmul": [("(2,3,4)@(4,)", lambda rng: ((any_(rng, (2, 3, 4)), any_(rng, (4,))), {})),
               ("(4,)@(2,4,3)", lambda rng: ((any_(rng, (4,)), any_(rng, (2, 4, 3))), {}))],
}


def _cases():
    for name in sorted(PRIMITIVES):
        if callable(PRIMITIVES[name].batch):
            for case_id, make in DOMAINS.get(name, []) + EXTRA.get(name, []):
                yield pytest.param(name, make, id=f"{name}-{case_id}")


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_every_primitive_declares_its_batching_rule(name):
    rule = PRIMITIVES[name].batch
    assert rule is None or callable(rule), (
        f"primitive {name!r} declares no batch hook: give its block "
        "batch=batching.<rule> (see mlgraph/primitives/batching.py) or batch=None "
        "with a comment saying why it has none.")


def test_a_primitive_defined_without_the_hook_is_flagged():
    bare = Primitive("bare", np.negative, (None,), (None,), symbol="bare")
    assert bare.batch is UNDECLARED and not callable(bare.batch)


def _batched_args(points, flags):
    """Each argument stacked over the points where it is batched, else point 0's."""
    return [np.stack([np.asarray(p[i]) for p in points]) if bt else points[0][i]
            for i, bt in enumerate(flags)]


def _loop(forward, points, flags, params):
    outs = [forward(*[p[i] if bt else points[0][i] for i, bt in enumerate(flags)],
                    **params) for p in points]
    return np.stack([np.asarray(o) for o in outs])


@pytest.mark.parametrize(("name", "make"), list(_cases()))
@pytest.mark.parametrize("b", [1, 3])
def test_batching_rule_equals_a_loop_of_forwards(name, make, b):
    prim = PRIMITIVES[name]
    rng = np.random.default_rng(0)
    n_args = len(make(rng)[0])
    for flags in itertools.product([False, True], repeat=n_args):
        if not any(flags):
            continue
        cases = [make(rng) for _ in range(b)]
        points, params = [c[0] for c in cases], cases[0][1]
        want = _loop(prim.forward, points, flags, params)
        got = prim.batch(prim.forward, _batched_args(points, flags), flags, b, **params)
        assert got is not None, f"{name} refused batched arguments {flags}"
        assert np.shape(got) == want.shape, (flags, np.shape(got), want.shape)
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13,
                                   err_msg=f"{name}, batched arguments {flags}")


def test_a_rule_refuses_the_case_it_does_not_cover():
    """Advanced indices apart from each other: numpy puts their axis first, where the
    batch axis must stay, so getitem's rule returns None (the caller then loops)."""
    prim = PRIMITIVES["getitem"]
    x = np.zeros((3, 2, 3, 2))
    index = (np.array([0, 1]), slice(None), np.array([1, 0]))
    assert prim.batch(prim.forward, [x], (True,), 3, index=index) is None
    assert batching.getitem(prim.forward, [x], (True,), 3, index=index[:2]) is not None
