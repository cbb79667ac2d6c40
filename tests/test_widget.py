"""GraphWidget traits (no browser): defaults, validation, and every number in the widget
state equal to the engine's."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import traitlets

import mlgraph
from mlgraph.graph import local_partials
from mlgraph.tables import trace_table
from mlgraph.widget import GraphWidget, shared_engine, standalone_html

MODES = ["eval", "forward:x1", "forward:x2", "reverse"]


def f_xy(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


@pytest.fixture
def g():
    return mlgraph.trace(f_xy, x1=2.0, x2=5.0)


@pytest.fixture
def w(g):
    return GraphWidget.from_graph(g)


def test_defaults():
    w = GraphWidget()
    assert (w.cursor, w.mode, w.playing, w.max_nodes) == (-1, "reverse", False, 400)
    assert w.engine is shared_engine()
    assert "wasm" in w.engine.source.lower() or len(w.engine.source) > 100_000


def test_streams_tables_and_labels_are_the_engines(g, w):
    assert list(w.streams) == MODES
    for mode in MODES:
        events = mlgraph.run(g, mode)
        assert w.streams[mode] == [e.to_json() for e in events]
        assert w.tables[mode] == trace_table(g, events).to_json()
    graph = g.to_json()
    assert {k: w.graph[k] for k in ("edges", "inputs", "outputs")} == {
        k: graph[k] for k in ("edges", "inputs", "outputs")
    }
    for shown, node in zip(w.graph["nodes"], graph["nodes"], strict=True):
        assert shown == {k: node[k] for k in shown}
    partials = local_partials(g)
    assert len(w.graph["edge_labels"]) == len(partials) > 0
    for (src, dst, argnum), lab in partials.items():
        shown = w.graph["edge_labels"][f"{src}_{dst}_{argnum}"]
        assert shown == {"formula": lab["formula"], "value": lab["value"]}


def test_the_lecture_numbers(w):
    last = {}
    for e in w.streams["reverse"]:
        if e["sweep"] == "reverse":
            last[e["node"]] = e["value"]
    assert last[0] == pytest.approx(5.5)
    assert last[1] == pytest.approx(2 - np.cos(5.0))
    fwd = [
        e for e in w.streams["forward:x1"] if e["sweep"] == "forward" and e["node"] == 2
    ]
    assert fwd[-1]["value"] == pytest.approx(0.5)


def test_cursor_validation_names_the_range(w):
    n = len(w.streams["reverse"])
    w.cursor = n - 1
    with pytest.raises(
        traitlets.TraitError,
        match=re.escape(
            f"cursor must be between -1 and {n - 1} (there are {n} events in mode "
            f"'reverse'), got 57."
        ),
    ):
        w.cursor = 57
    with pytest.raises(traitlets.TraitError, match="got -2"):
        w.cursor = -2
    assert w.cursor == n - 1


def test_mode_validation_and_clamping(w):
    with pytest.raises(traitlets.TraitError, match="mode must be one of 'eval'"):
        w.mode = "sideways"
    w.cursor = len(w.streams["reverse"]) - 1
    w.mode = "eval"
    assert w.cursor == len(w.streams["eval"]) - 1
    with pytest.raises(traitlets.TraitError, match="speed"):
        w.speed = 0


def test_front_end_sends_mode_and_cursor_together(w):
    """The JS mode selector sends mode and cursor in one message; validation sees
    the new mode."""
    n = len(w.streams["reverse"])
    w.mode, w.cursor = "eval", 2
    w.set_state({"mode": "reverse", "cursor": n - 1})
    assert (w.mode, w.cursor) == ("reverse", n - 1)


def test_step_back_play(w):
    w.step()
    w.step(2)
    assert w.cursor == 2
    w.back(10)
    assert w.cursor == -1
    w.cursor = len(w.streams["reverse"]) - 1
    w.step()
    assert w.cursor == len(w.streams["reverse"]) - 1
    w.play()
    assert (w.playing, w.cursor) == (True, -1)
    w.pause()
    assert not w.playing


def test_packed_traits_round_trip(w):
    from mlgraph.widget import JSON_TEXT

    for name in ("graph", "streams", "tables"):
        value = getattr(w, name)
        text = JSON_TEXT["to_json"](value, w)
        assert isinstance(text, str)
        assert JSON_TEXT["from_json"](text, w) == value


def test_state_per_widget_is_small_and_engine_shared(g):
    """The WASM engine is stored once; each extra ~50-node widget stays under 100 KB."""
    big = mlgraph.trace(
        lambda x1, x2: sum(np.sin(x1 * k) * x2 for k in range(1, 11)), x1=0.3, x2=1.5
    )
    assert 45 <= len(big.nodes) <= 55
    a, b = GraphWidget.from_graph(big), GraphWidget.from_graph(big)
    assert a.engine is b.engine
    size = len(json.dumps(a.get_state(), default=str, ensure_ascii=False))
    assert size < 100_000, size  # the goal in benchmarks/results/widget.md


def test_standalone_html_is_self_contained(w):
    page = standalone_html(w)
    assert "<script src" not in page and "http://" not in page.split("<body>")[1][:2000]
    assert re.search(r"<script[^>]*\ssrc=", page) is None
    assert "</script" not in page.split('id="mlgraph-data">')[1].split("</script>")[0]


def test_escaped_label_in_exported_page(tmp_path):
    evil = "<img src=x onerror=alert(1)>"
    w = GraphWidget(
        graph={"nodes": [{"id": 0, "name": "v0", "label": evil}], "dot": ""},
        streams={"eval": []},
        tables={},
        mode="eval",
    )
    text = w.save_html(tmp_path / "p.html").read_text()
    assert "<img" not in text


def test_explore_retraces_live(g):
    box = mlgraph.explore(f_xy, x1=2.0, x2=5.0)
    w = box.graph_widget
    w.cursor = len(w.streams["reverse"]) - 1
    box.sliders["x1"].value = 4.0
    last = [
        e for e in w.streams["reverse"] if e["sweep"] == "reverse" and e["node"] == 0
    ]
    assert last[-1]["value"] == pytest.approx(1 / 4.0 + 5.0)
    assert w.cursor == len(w.streams["reverse"]) - 1
    out = box.children[-1]
    assert out.outputs == ()


def test_show_accepts_a_graph_or_a_function(g):
    assert [n["name"] for n in mlgraph.show(g).graph["nodes"]] == [
        n.name for n in g.nodes
    ]
    assert mlgraph.show(f_xy, mode="eval", x1=2.0, x2=5.0).mode == "eval"
    with pytest.raises(TypeError, match="function or a traced Graph"):
        mlgraph.show(42)


def test_cli_html(tmp_path):
    """`mlgraph html` through a real subprocess: the page, and a clear error."""
    import subprocess
    import sys

    out = tmp_path / "page.html"
    cmd = [
        sys.executable,
        "-m",
        "mlgraph",
        "html",
        "log(x1) + x1*x2 - sin(x2)",
        "--at",
        "x1=2,x2=5",
        "-o",
        str(out),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.exists() and "mlgraph-data" in out.read_text()
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlgraph",
            "html",
            "x1*x2",
            "--at",
            "x1=2",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2
    assert "no value for x2" in bad.stderr and "--at x1=1,x2=1" in bad.stderr


def test_explore_keeps_the_last_graph_when_a_retrace_fails():
    calls = []

    def f(x1, x2):
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("boom")
        return x1 * x2

    box = mlgraph.explore(f, x1=2.0, x2=5.0)
    before = box.graph_widget.streams
    box.sliders["x2"].value = 3.0  # the error goes to the Output, not up the stack
    assert box.graph_widget.streams == before


# -- numbers: js/format.js prints what the trace tables print -------------------------

FORMAT_FIXTURE = Path(__file__).parent / "fixtures" / "format.json"


def format_values() -> list[float]:
    """Lecture numbers, rounding ties, range edges, random values of every size."""
    rng = np.random.default_rng(0)
    fixed = [
        11.652,
        10.693,
        0.28366218546322625,
        -0.9589242746631385,
        5.5,
        1.716,
        0.0,
        -0.0,
        1.0,
        -1.0,
        2.0,
        1e-4,
        9.99995e-5,
        1e5,
        99999.9999,
        99999.99999,
        123450.0,
        1.0625,
        -1.0625,
        0.125,
        2.5e-5,
        1e-7,
        1e21 * 1.0005,
        1e300,
        -3e-300,
        999.9999999999999,
        1000.0,
        0.001,
        0.0009999999,
        12345.678,
        5e-324,
        float("inf"),
        float("-inf"),
        float("nan"),
    ]
    rand = rng.standard_normal(300) * 10.0 ** rng.integers(-9, 9, 300)
    ties = rng.integers(1, 20000, 100) / 8.0  # exact binary fractions: half-even ties
    return fixed + [float(v) for v in rand] + [float(v) for v in ties]


def test_format_fixture_for_js_is_pythons_fmt():
    """Writes tests/fixtures/format.json; js/format.test.js checks format.js on it."""
    from mlgraph.tables import fmt

    rows = []
    for v in format_values():
        key = repr(v) if not np.isfinite(v) else v
        rows.append({"value": key, "text": fmt(v)})
    assert {r["text"] for r in rows[:5]} == {
        "11.652",
        "10.693",
        "0.2837",
        "−0.9589",
        "5.5",
    }
    FORMAT_FIXTURE.write_text(
        json.dumps(rows, ensure_ascii=False, indent=0) + "\n", encoding="utf-8"
    )
    assert json.loads(FORMAT_FIXTURE.read_text(encoding="utf-8")) == rows


# -- layers and the compare view ---------------------------------------------------------


def _mlp_graph():
    from mlgraph import nn

    m = nn.MLP([2, 4, 4, 1], seed=0)
    X = np.array([[0.5, -1.0], [1.0, 2.0]])

    def loss(W1, b1, W2, b2, W3, b3):
        return nn.mse(m.apply(X, W1, b1, W2, b2, W3, b3), np.array([[1.0], [0.0]]))

    return mlgraph.trace(loss, *m.params)


def test_scoped_graph_sends_groups_and_dot_parts(w):
    assert "groups" not in w.graph and "dot_parts" not in w.graph  # no scopes
    m = GraphWidget.from_graph(_mlp_graph())
    assert [g["scope"] for g in m.graph["groups"]] == ["layer1", "layer2", "layer3"]
    assert all("scope" in n for n in m.graph["nodes"])
    assert set(m.graph["dot_parts"]) == {"head", "nodes", "edges", "groups"}
    assert m.collapse == "auto"
    with pytest.raises(traitlets.TraitError):
        m.collapse = "sometimes"


def test_compare_cursor_runs_over_the_longer_pane(w):
    fwd, rev = len(w.streams["forward:x1"]), len(w.streams["reverse"])
    w.mode = "eval"
    w.compare = True
    assert w.compare_modes() == ("forward:x1", "reverse")
    w.cursor = max(fwd, rev) - 1
    with pytest.raises(traitlets.TraitError):
        w.cursor = max(fwd, rev)
    w.compare = False  # back to eval's stream: the cursor is clamped to it
    assert w.cursor == len(w.streams["eval"]) - 1
    assert '"compare":false' in standalone_html(w).replace(" ", "")


def test_export_assets_are_built_beside_the_view(tmp_path):
    from mlgraph.export import FILES, copy_assets, nbconvert_args

    copied = copy_assets(tmp_path)
    assert [p.name for p in copied] == list(FILES)
    assert "define(" in (tmp_path / "anywidget.js").read_text(encoding="utf-8")  # AMD
    assert nbconvert_args() == [
        "--HTMLExporter.require_js_url=require.js",
        "--HTMLExporter.widget_renderer_url=embed-amd.js",
        "--HTMLExporter.mathjax_url=mathjax.js",
    ]
