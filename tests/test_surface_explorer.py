"""The surface explorer's Python side: traits, re-runs, the engine's numbers, and the
state the JS tests render (js/surface/testing/state.json)."""

import json
import os
from pathlib import Path

import numpy as np
import pytest
import traitlets

from mlgraph import nn, surface
from mlgraph.surface import demos
from mlgraph.surface_explorer import FONT_PT, SurfaceExplorer, SurfaceView, render_png
from mlgraph.tables import fmt

FIXTURE = Path(__file__).parents[1] / "js" / "surface" / "testing" / "state.json"


@pytest.fixture(scope="module")
def ex():
    return SurfaceExplorer("rosenbrock", steps=50)


def test_paths_are_the_engines(ex):
    ex.view.start = [-1.0, 2.0]
    want = surface.descend("rosenbrock", (-1.0, 2.0), optimizer=nn.SGD(lr=1e-3),
                           steps=50)
    np.testing.assert_allclose(ex.view.paths[-1]["points"], want.xy, rtol=1e-13)
    np.testing.assert_allclose(ex.path.losses, want.losses, rtol=1e-13)
    assert ex.path.label == "SGD (η = 0.001)"
    x, y = want.xy[-1]
    assert ex.view.paths[-1]["text"] == (f"SGD (η = 0.001): 50 steps, loss "
                                         f"{fmt(want.losses[-1])} at ({fmt(x)}, "
                                         f"{fmt(y)})")
    assert ex.view.status.startswith("computed in ")
    assert ex.view.title == demos.problem("rosenbrock").surface.title


def test_every_control_reruns(ex):
    ex.view.start = [0.5, 0.5]
    ex.optimizer.value = "adam"
    ex.lr.value = 0.05
    want = surface.descend("rosenbrock", (0.5, 0.5), optimizer=nn.Adam(lr=0.05),
                           steps=50)
    np.testing.assert_allclose(ex.path.xy, want.xy, rtol=1e-12)
    assert ex.momentum.disabled
    ex.lr.value = 1e-3
    ex.optimizer.value = "nesterov"
    ex.momentum.value = 0.5
    assert not ex.momentum.disabled and ex.path.config["momentum"] == 0.5
    ex.steps.value = 7
    assert ex.path.steps == 7 and len(ex.view.paths[-1]["points"]) == 8
    ex.noise.value = 0.3
    assert ex.path.label.endswith("gradient noise σ = 0.3")
    ex.noise.value = 0.0


def test_pins_keep_paths_to_compare(ex):
    ex.clear()
    ex.pin()
    ex.optimizer.value = "sgd"
    assert [p["label"] for p in ex.view.paths] == [ex.pinned[0].label, ex.path.label]
    assert ex.view.paths[0]["color"] != ex.view.paths[1]["color"]
    ex.clear()
    assert len(ex.view.paths) == 1


def test_switching_surfaces_and_minibatches():
    ex = SurfaceExplorer("line_fit", batch_size=1, steps=20)
    p = demos.problem("line_fit")
    assert ex.view.start == list(p.start) and ex.lr.value == pytest.approx(p.lr)
    assert not ex.batch_size.disabled
    want = surface.descend(p.surface.on_plane, p.start, *p.data, steps=20,
                           optimizer=nn.SGD(lr=p.lr, batch_size=1))
    np.testing.assert_allclose(ex.path.xy, want.xy, rtol=1e-12)
    # the path lies on the drawn surface: its losses are the surface's function
    x, y = p.data
    for (w, b), loss in zip(ex.path.xy[::5], ex.path.losses[::5], strict=True):
        assert loss == pytest.approx(float(demos.line_loss(w, b, x, y)), rel=1e-12)
    ex.problem.value = "bowl"
    assert ex.batch_size.disabled and ex.view.start == [-1.5, 1.2]
    ex.lr.value = 1.5
    assert ex.path.diverged
    assert ex.view.paths[-1]["text"].endswith(f"diverged: {ex.path.message}")


def test_the_picture_and_its_axes():
    s = surface.function("himmelblau", steps=31)
    pic = render_png(s)
    assert pic.png[:8] == b"\x89PNG\r\n\x1a\n" and pic.size == [500, 420]
    assert pic.text_px == pytest.approx(FONT_PT * 100 / 72) and pic.text_px > 15
    left, bottom, width, height = pic.frame
    assert 0 < left < 0.3 and 0 < bottom < 0.3 and 0.5 < width < 0.9 and 0.5 < height
    ex = SurfaceExplorer("himmelblau", steps=5)
    assert ex.view.extent == [-5.0, 5.0, -5.0, 5.0]


def test_bad_start_is_refused(ex):
    with pytest.raises(traitlets.TraitError, match=r"start must be two finite numbers "
                       r"\[x, y\], got \[nan, 0.0\]"):
        ex.view.start = [float("nan"), 0.0]


def test_paths_that_the_view_cannot_draw_are_refused():
    view = SurfaceView()
    good = {"label": "a", "color": "#112233", "points": [[0.0, 1.0]], "text": "a"}
    view.paths = [good]
    with pytest.raises(traitlets.TraitError, match="'#rrggbb'"):
        view.paths = [{**good, "color": "red;background:url(x)"}]
    with pytest.raises(traitlets.TraitError, match=r"lacks \['text'\]"):
        view.paths = [{k: v for k, v in good.items() if k != "text"}]
    with pytest.raises(traitlets.TraitError, match=r"\[x, y\] pairs"):
        view.paths = [{**good, "points": [[0.0, 1.0, 2.0]]}]


def fixture_state():
    """Two paths (one pinned) on the two-minima surface, without the PNG's bytes and
    with a fixed status line (the kernel's time varies)."""
    ex = SurfaceExplorer("two_minima", lr=0.05, steps=12)
    ex.pin()
    ex.optimizer.value = "adam"
    state = ex.view.get_state()
    state["status"] = "computed in 3 ms in the kernel"
    keep = ("size", "extent", "frame", "paths", "start", "title", "status")
    return json.loads(json.dumps({k: state[k] for k in keep}))


def test_js_fixture_is_current():
    """js/surface/testing/state.json is the state the node tests render: regenerate it
    with MLGRAPH_WRITE_FIXTURES=1 when the traits change."""
    got = fixture_state()
    if os.environ.get("MLGRAPH_WRITE_FIXTURES") == "1":
        FIXTURE.parent.mkdir(exist_ok=True)
        FIXTURE.write_text(json.dumps(got, ensure_ascii=False) + "\n")
    assert json.loads(FIXTURE.read_text()) == got
