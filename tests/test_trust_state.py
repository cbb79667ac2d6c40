"""Defect 11 of issue 8: tracing state (scopes, debug_nans, the traces themselves) is
per thread and per context, never shared between threads."""

import asyncio
import contextvars
import threading

import numpy as np
import pytest

import mlgraph as mg
import mlgraph.numpy as mnp


def _run_together(*targets):
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _chain(x, n):
    for _ in range(n):
        x = mnp.tanh(x * 1.01 + 0.1)
    return x


def test_defect11_a_scope_in_one_thread_never_labels_another_threads_nodes():
    barrier = threading.Barrier(2, timeout=30)
    graphs = {}

    def scoped():
        with mg.scope("layer1"):
            barrier.wait()
            graphs["scoped"] = mg.trace(lambda x: _chain(x, 3000), 0.5)
            barrier.wait()

    def plain():
        barrier.wait()
        graphs["plain"] = mg.trace(lambda x: _chain(x, 3000), 0.5)
        barrier.wait()

    _run_together(scoped, plain)
    assert not graphs["plain"].scopes
    scoped_graph = graphs["scoped"]
    assert len(scoped_graph.scopes) == len(scoped_graph)    # the input too
    assert set(scoped_graph.scopes.values()) == {"layer1"}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_defect11_debug_nans_in_one_thread_does_not_make_another_raise():
    barrier = threading.Barrier(2, timeout=30)
    outcome = {}

    def strict():
        with mg.debug_nans():
            barrier.wait()
            try:
                mg.grad(lambda x: mnp.sqrt(x))(0.0)
            except mg.errors.NonFiniteError as err:
                outcome["strict"] = err
            barrier.wait()

    def relaxed():
        barrier.wait()
        with np.errstate(divide="ignore"):
            outcome["relaxed"] = mg.grad(lambda x: mnp.sqrt(x))(0.0)
        barrier.wait()

    _run_together(strict, relaxed)
    assert isinstance(outcome["strict"], mg.errors.NonFiniteError)
    assert outcome["relaxed"] == np.inf


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_defect11_debug_nans_switched_on_for_a_session_stays_in_its_context():
    def session():
        mg.debug_nans()                       # no `with`: on for this context
        with pytest.raises(mg.errors.NonFiniteError):
            mg.grad(lambda x: mnp.log(x))(0.0)

    contextvars.copy_context().run(session)
    assert not mg.errors.debug_nans_on()      # the caller's context never saw it
    with np.errstate(divide="ignore"):
        assert mg.grad(lambda x: mnp.log(x))(0.0) == np.inf


def test_defect11_scopes_are_per_asyncio_task():
    async def traced(name, delay):
        with mg.scope(name):
            await asyncio.sleep(delay)
            return mg.trace(lambda x: mnp.exp(x) * 2.0, 1.0)

    async def both():
        return await asyncio.gather(traced("a", 0.02), traced("b", 0.0))

    ga, gb = asyncio.run(both())
    assert set(ga.scopes.values()) == {"a"} and set(gb.scopes.values()) == {"b"}


def test_defect11_threads_tracing_at_once_get_their_own_gradients():
    """Eight threads differentiating at once get the gradients they asked for."""
    results = {}

    def work(k):
        x = np.full(50, float(k))
        for _ in range(20):
            results[k] = mg.grad(lambda x: mnp.sum(x * x * float(k)))(x)

    _run_together(*[lambda k=k: work(k) for k in range(1, 9)])
    for k in range(1, 9):
        np.testing.assert_allclose(results[k], 2.0 * k * k)
