"""The error of numerical gradients against the step: truncation, round-off, dtype."""

from __future__ import annotations

import numpy as np
import pytest

import mlgraph as mg
from mlgraph.gradcheck import step_size_errors


def lecture(x1, x2):
    return mg.log(x1) + x1 * x2 - mg.sin(x2)


@pytest.fixture(scope="module")
def curves():
    return step_size_errors(lecture, 2.0, 5.0)


def test_truncation_error_has_the_slopes_of_the_taylor_remainders(curves):
    h, e = curves.h, curves.errors
    at = {s: int(np.argmin(np.abs(h - s))) for s in (1e-3, 1e-2)}
    # forward: |∂²f/∂x1²|·h/2 = 0.25·h/2; central: |∂³f/∂x1³|·h²/6 = 0.25·h²/6
    assert e["forward float64"][at[1e-3]] == pytest.approx(0.125e-3, rel=0.01)
    assert e["central float64"][at[1e-2]] == pytest.approx(0.25e-4 / 6, rel=0.01)
    assert e["forward float64"][at[1e-2]] / e["forward float64"][at[1e-3]] == (
        pytest.approx(10, rel=0.02))
    assert e["central float64"][at[1e-2]] / e["central float64"][at[1e-3]] == (
        pytest.approx(100, rel=0.02))


def test_round_off_moves_the_best_step_to_the_dtypes_epsilon(curves):
    for method, power in (("forward", 1 / 2), ("central", 1 / 3)):
        for dtype in (np.float64, np.float32):
            h, err = curves.best(f"{method} {np.dtype(dtype).name}")
            ideal = np.finfo(dtype).eps ** power
            assert ideal / 30 < h < ideal * 30, (method, dtype, h)
    assert curves.best("central float64")[1] < 1e-9 < curves.best("forward float64")[1]
    assert curves.best("central float32")[1] > 1e-6      # float32 never gets close
    # at tiny steps the differences are all round-off: x + h == x in float32
    assert curves.errors["forward float32"][0] == pytest.approx(5.5)
    assert curves.exact == pytest.approx(5.5)


def test_chosen_steps_methods_and_argument():
    r = step_size_errors(lecture, 2.0, 5.0, h=[1e-2, 1e-4], methods=("central",),
                         dtypes=(np.float64,), argnums=1)
    assert list(r.errors) == ["central float64"] and r.h.tolist() == [1e-4, 1e-2]
    assert r.exact == pytest.approx(2 - np.cos(5.0))  # ∂f/∂x2 = x1 − cos x2
    assert np.all(r.errors["central float64"] < 1e-4)


def test_the_plot_draws_every_curve_and_marks_its_best_step(curves):
    import matplotlib

    matplotlib.use("Agg")
    from mlgraph import plots

    ax = plots.plot_step_errors(curves)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == list(curves.errors)
    marks = [t.get_text() for t in ax.texts]
    assert marks == [f"h = {curves.best(k)[0]:.0e}" for k in curves.errors]
    assert ax.get_xscale() == ax.get_yscale() == "log"
