"""Data-side code behaves exactly as with numpy after ``import mlgraph.numpy as np``.

Each snippet runs twice, after ``import numpy as np`` and after ``import mlgraph.numpy
as np``, from the same random state: the results have the same types, dtypes, shapes
and numbers, and mlgraph's run raises no warning.
"""

import warnings

import numpy
import pytest

import mlgraph.numpy as mnp

SNIPPETS = [
    "np.random.seed(0); result = np.random.randn(3, 2)",
    "np.random.seed(1); result = np.random.permutation(10)",
    "np.random.seed(2); result = np.random.choice(5, 3, replace=False)",
    "result = np.random.default_rng(0).normal(size=4)",
    "result = np.sign(np.array([-2.0, 0.0, 3.0]))",
    "result = np.sign([-1, 2, 0])",
    "result = np.allclose([1.0, 2.0], [1.0, 2.0 + 1e-10])",
    "result = np.isclose([1.0, 2.0], [1.0, 2.1])",
    "result = np.flatnonzero(np.array([0, 3, 0, 5]))",
    "result = np.argsort(np.array([3.0, 1.0, 2.0]))",
    "result = np.argmax(np.array([[1, 5], [7, 2]]), axis=1)",
    "result = np.argmax([1, 9, 3])",
    "result = np.nonzero(np.array([0, 1, 0, 2]))",
    "result = np.where(np.array([0, 3]))",
    "result = np.where(np.array([1, 0, 2]) > 0, 1, -1)",
    "result = np.bincount(np.array([0, 1, 1, 3]))",
    "result = np.bincount(np.array([0, 1, 1]), weights=np.array([0.5, 1.0, 2.0]))",
    "result = np.pad(np.arange(6).reshape(2, 3), 1)",
    "result = np.pad(np.arange(4.0), (1, 2), mode='reflect')",
    "result = np.linspace(0.0, 1.0, 5)",
    "result = np.linspace(-1.5, 2.5, 7, endpoint=False, retstep=True)",
    "result = np.linspace(np.zeros(2), np.ones(2), 3, axis=1)",
    "result = np.arange(0, 1, 0.25)",
    "result = (np.zeros((2, 3)), np.ones(3, dtype=np.int32), np.eye(3))",
    "result = np.all(np.isfinite(np.array([1.0, np.inf])))",
    "result = (np.floor(np.array([1.5, -1.5])), np.round(np.array([1.25, 2.5]), 1))",
    "result = np.unique(np.array([3, 1, 3, 2]), return_counts=True)",
    "result = np.hstack([np.ones(2), np.zeros(3)])",
    "result = np.vstack([np.arange(3), np.arange(3)])",
    "result = np.concatenate([[1, 2], [3]])",
    "result = np.concatenate([np.ones((2, 2)), np.zeros((1, 2))], axis=None)",
    "result = (np.mean(np.array([[1, 2], [3, 4]]), axis=0), np.std([1.0, 2.0, 4.0]), "
    "np.var([1.0, 2.0, 4.0], ddof=1))",
    "result = np.sum([[1, 2], [3, 4]], axis=1)",
    "result = (np.add(1, 2), np.multiply([1, 2], 3), np.divide(1, 4), np.add([1], [2]))",
    "result = (np.exp(1.0), np.log(np.e), np.sqrt(2), np.abs(-3))",
    "result = (np.maximum(np.arange(4), 2), np.minimum([1, 5], 3))",
    "result = np.clip(np.arange(5), 1, 3)",
    "result = np.dot(np.arange(3), np.arange(3))",
    "result = (np.linalg.norm(np.array([3.0, 4.0])), np.linalg.inv(np.eye(2) * 2), "
    "np.linalg.det(np.array([[1.0, 2.0], [3.0, 4.0]])))",
    "result = np.linalg.eigh(np.array([[2.0, 1.0], [1.0, 3.0]]))",
    "result = np.linalg.svd(np.array([[2.0, 1.0], [1.0, 3.0], [0.0, 1.0]]))",
    "result = np.einsum('ij->j', np.arange(6).reshape(2, 3))",
    "result = (np.cumsum([1, 2, 3]), np.diff([1, 4, 9]), np.prod([2, 3]))",
    "result = np.meshgrid(np.arange(2), np.arange(3))",
    "result = (np.newaxis, np.pi, np.inf, np.float32, np.int64, np.nan is np.nan)",
    "result = (np.array([[1, 2], [3, 4]], dtype=np.float32), np.asarray([1, 2]))",
    "a = np.zeros(3); back = np.add.at(a, [0, 0, 1], 1); result = (a, back)",
    "result = (np.sort(np.array([3, 1, 2])), np.sort(np.eye(2), axis=None))",
    "result = (np.max([1, 5, 3]), np.min(np.array([[4, 2]]), axis=1))",
    "result = np.split(np.arange(6), 3)",
    "result = (np.tile(np.arange(2), 2), np.repeat(np.arange(2), 2))",
    "result = np.histogram(np.array([1, 2, 2, 3]), bins=3)",
    "result = np.searchsorted(np.array([1, 3, 5]), 4)",
    "result = (np.percentile(np.arange(10), 50), np.median([3, 1, 2]))",
    "result = np.outer(np.arange(2), np.arange(3))",
    "result = (np.zeros_like(np.eye(2)), np.ones_like([1, 2]), np.full((2,), 7))",
    "result = (np.shape(np.eye(3)), np.ndim([1, 2]), np.size(np.eye(2)))",
    "result = (np.exp(np.array([1.0]), out=np.empty(1)), np.add.reduce([1, 2, 3]))",
    "result = (np.log1p(1e-10), np.expm1(1e-10), np.logaddexp(0.0, 800.0))",
    "result = np.r_[np.arange(2), 5, 0:2]",
    "result = np.c_[np.arange(2), np.ones(2)]",
    "result = (np.nan_to_num(np.array([np.nan, np.inf])), np.isnan([1.0, np.nan]))",
    "result = (np.heaviside(np.array([-1.0, 0.0, 2.0]), 0.5), np.trace(np.eye(3)))",
]


def run(snippet, np):
    namespace = {"np": np}
    exec(snippet, namespace)  # noqa: S102
    return namespace["result"]


def same(a, b):
    """The same type, dtype, shape and numbers (NaN equal to NaN), recursively."""
    if isinstance(a, (tuple, list)):
        return (type(a) is type(b) and len(a) == len(b)
                and all(same(x, y) for x, y in zip(a, b, strict=True)))
    if type(a) is not type(b):
        return False
    if isinstance(a, (numpy.ndarray, numpy.generic)):
        return (a.dtype == b.dtype and numpy.shape(a) == numpy.shape(b)
                and numpy.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    return a is b or a == b


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_a_data_side_call_behaves_exactly_like_numpy(snippet):
    want = run(snippet, numpy)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = run(snippet, mnp)
    assert same(got, want), (got, want)


def test_there_are_at_least_30_calls():
    assert len(SNIPPETS) >= 30


def test_the_comparison_tells_types_dtypes_and_numbers_apart():
    assert not same(numpy.float64(1.0), 1.0)
    assert not same(numpy.arange(3), numpy.arange(3.0))
    assert not same((numpy.ones(2),), [numpy.ones(2)])
    assert not same(numpy.array([1.0, numpy.nan]), numpy.array([1.0, 2.0]))
    assert same(numpy.array([1.0, numpy.nan]), numpy.array([1.0, numpy.nan]))


def test_every_other_name_is_numpys_own():
    for name in ["random", "newaxis", "pi", "float32", "ndarray", "genfromtxt",
                 "errstate", "fft", "polynomial", "savetxt", "iinfo"]:
        assert getattr(mnp, name) is getattr(numpy, name)
    assert mnp.linalg.LinAlgError is numpy.linalg.LinAlgError
    assert mnp.linalg.matrix_rank(numpy.eye(3)) == 3
    with pytest.raises(AttributeError, match="nor has numpy"):
        mnp.no_such_function  # noqa: B018
    assert "hstack" in dir(mnp) and "savetxt" in dir(mnp)
