"""GraphWidget traits (no browser): defaults, validation, every text the view shows equal
to the engine's numbers through `mlgraph.tables.fmt`, non-finite numbers as data, hostile
names as text, path sums and matmul sums, and the fixtures the JS tests read."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import traitlets
from browser.gallery import build, hostile_graph, mlp_loss_graph

import mlgraph
from mlgraph.tables import fmt, trace_table
from mlgraph.widget import (
    JSON_TEXT,
    GraphWidget,
    Mode,
    parse_mode,
    shared_engine,
    standalone_html,
)

MODES = ["eval", "forward:x1", "forward:x2", "reverse"]
FIXTURES = Path(__file__).parent / "fixtures"


def f_xy(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


@pytest.fixture
def g():
    return mlgraph.trace(f_xy, x1=2.0, x2=5.0)


@pytest.fixture
def w(g):
    return GraphWidget.from_graph(g)


def state_json(widget) -> dict:
    """The widget state exactly as it goes to the front end (strict JSON: no NaN)."""
    state = widget.get_state()
    return json.loads(json.dumps(state, default=str, allow_nan=False))


def test_defaults():
    w = GraphWidget()
    assert (w.cursor, w.mode, w.playing, w.max_nodes) == (-1, "reverse", False, 400)
    assert (w.font_size, w.panel, w.predict, w.follow, w.height) == (
        16,
        "auto",
        False,
        True,
        580,
    )
    assert w.engine is shared_engine()
    assert len(w.engine.source) > 100_000 and len(w.engine.view) > 10_000


def test_streams_carry_the_engines_events_and_their_texts(g, w):
    assert list(w.streams) == MODES
    for mode in MODES:
        events = mlgraph.run(g, mode)
        shown = w.streams[mode]
        assert len(shown) == len(events)
        for e, d in zip(events, shown, strict=True):
            assert {k: d[k] for k in e.to_json()} == e.to_json()
            assert d["text"] == fmt(e.value)
            if e.kind == "accumulate":
                assert d["dtext"] == fmt(e.delta)
        rows = trace_table(g, events)
        assert [
            {k: r[k] for k in ("step", "node", "lhs", "rule", "numbers", "value")}
            for r in w.tables[mode]
        ] == [
            {
                k: getattr(r, k)
                for k in ("step", "node", "lhs", "rule", "numbers", "value")
            }
            for r in rows.rows
        ]


def test_edges_carry_the_local_derivatives(g, w):
    partials = mlgraph.local_partials(g)
    edges = {f"{e['src']}_{e['dst']}_{e['argnum']}": e for e in w.graph["edges"]}
    assert len(edges) == len(partials) == 8
    for (src, dst, argnum), lab in partials.items():
        p = edges[f"{src}_{dst}_{argnum}"]["partial"]
        assert p == {"formula": lab["formula"], "text": fmt(lab["value"])}


def test_the_lecture_numbers(w):
    final = {
        e["node"]: e["text"] for e in w.streams["reverse"] if e["sweep"] == "reverse"
    }
    assert (final[0], final[1]) == ("5.5", "1.716")
    fwd = [e["text"] for e in w.streams["forward:x1"] if e["sweep"] == "forward"]
    assert fwd[-1] == "5.5"
    assert [(r["rule"], r["numbers"], r["value"]) for r in w.tables["reverse"]][
        -2:
    ] == [
        ("v̄3·v0 + v̄4·cos(v1)", "1·2 + (−1)·0.2837", "1.716"),
        ("v̄2·(1/v0) + v̄3·v1", "1·0.5 + 1·5", "5.5"),
    ]


def test_modes_are_parsed_in_one_place(g):
    assert parse_mode("forward:x1") == Mode("forward", "x1")
    assert (
        parse_mode("eval") == Mode("eval") and parse_mode("reverse").sweep == "reverse"
    )
    for bad in ("forward:", "sideways", "reverse:", "eval:1"):
        with pytest.raises(ValueError, match="use 'eval', 'forward:<input>'"):
            parse_mode(bad)
    one = mlgraph.trace(lambda x: mlgraph.sin(x), x=1.0)
    assert GraphWidget.from_graph(one, mode="forward").mode == "forward:x"
    with pytest.raises(ValueError, match="names no input"):
        GraphWidget.from_graph(g, mode="forward")


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


def test_trait_validation_says_what_is_allowed(w):
    with pytest.raises(traitlets.TraitError, match="mode must be one of 'eval'"):
        w.mode = "forward:x9"
    with pytest.raises(traitlets.TraitError, match="use 'eval'"):
        w.mode = "sideways"
    with pytest.raises(traitlets.TraitError, match="speed"):
        w.speed = 0
    with pytest.raises(traitlets.TraitError, match="from 14 .* got 9"):
        w.font_size = 9
    with pytest.raises(traitlets.TraitError, match="from 240 to 2000, or 0 .*got 100"):
        w.height = 100
    w.height = 0  # fills the element it is drawn in
    w.height = 580
    with pytest.raises(traitlets.TraitError, match="'x1', 'x2'"):
        w.paths = "x3"
    w.paths = "x2"
    with pytest.raises(ValueError, match="unknown preset 'slides'"):
        GraphWidget.from_graph(mlgraph.trace(f_xy, x1=2.0, x2=5.0), preset="slides")


def test_mode_switch_clamps_the_cursor(w):
    w.cursor = len(w.streams["reverse"]) - 1
    w.mode = "eval"
    assert w.cursor == len(w.streams["eval"]) - 1


def test_front_end_sends_mode_and_cursor_together(w):
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
    w.play()
    assert (w.playing, w.cursor) == (True, -1)
    w.pause()
    assert not w.playing


def test_lecture_preset(g):
    w = GraphWidget.from_graph(g, preset="lecture")
    assert (w.predict, w.speed, w.font_size) == (True, 1.0, 18)
    assert GraphWidget.from_graph(g, preset="lecture", font_size=24).font_size == 24


def test_packed_traits_round_trip(w):
    for name in ("graph", "streams", "tables"):
        value = getattr(w, name)
        text = JSON_TEXT["to_json"](value, w)
        assert isinstance(text, str)
        assert JSON_TEXT["from_json"](text, w) == value
    packed = json.loads(JSON_TEXT["to_json"](w.streams, w))["reverse"]
    assert packed["@seq"] == ["step"] and packed["@enums"]["sweep"] == [
        "eval",
        "reverse",
    ]
    # the fixture js/state.test.js unpacks: the same records on both sides
    (FIXTURES / "packed_streams.json").write_text(
        json.dumps(
            {
                "packed": json.loads(JSON_TEXT["to_json"](w.streams, w)),
                "plain": w.streams,
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )


def test_state_per_widget_is_small_and_engine_shared():
    """The WASM engine is stored once; each extra ~50-node widget stays under 100 KB."""
    big = mlgraph.trace(
        lambda x1, x2: sum(np.sin(x1 * k) * x2 for k in range(1, 11)), x1=0.3, x2=1.5
    )
    assert 45 <= len(big.nodes) <= 55
    a, b = GraphWidget.from_graph(big), GraphWidget.from_graph(big)
    assert a.engine is b.engine
    size = len(json.dumps(a.get_state(), default=str, ensure_ascii=False))
    assert size < 100_000, size  # the goal in benchmarks/results/widget.md


# -- non-finite numbers are data ---------------------------------------------------------


@pytest.mark.parametrize(
    ("f", "x", "texts"),
    [
        (lambda x: mlgraph.log(x), 0.0, {"−∞", "∞"}),
        (lambda x: mlgraph.sqrt(x), 0.0, {"∞"}),
        (lambda x: mlgraph.exp(x), 1000.0, {"∞"}),
        (lambda x: mlgraph.log(x) * 0.0, 0.0, {"NaN"}),
    ],
    ids=["log-at-0", "sqrt-at-0", "exp-at-1000", "nan"],
)
def test_non_finite_numbers_reach_the_view(f, x, texts):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter(
            "ignore"
        )  # mlgraph warns about ln(0); the view still shows it
        w = mlgraph.show(f, x=x)
    state = state_json(w)  # strict JSON: no "Out of range float values"
    streams = JSON_TEXT["from_json"](state["streams"], w)
    shown = {e["text"] for m in streams.values() for e in m} | {
        e.get("dtext") for m in streams.values() for e in m
    }
    assert texts <= shown, shown
    assert any(e.get("bad") for m in streams.values() for e in m)
    rows = [r for m in JSON_TEXT["from_json"](state["tables"], w).values() for r in m]
    assert any(r.get("bad") for r in rows)
    assert all(not isinstance(v, float) or math.isfinite(v) for v in _numbers(state))


def test_ln_at_zero_edge_label_is_infinite():
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        w = mlgraph.show(lambda x: mlgraph.log(x), x=0.0)
    (edge,) = w.graph["edges"]
    assert edge["partial"] == {"formula": "1/v0", "text": "∞", "bad": True}
    last = w.tables["reverse"][-1]
    assert (last["numbers"], last["value"], last["bad"]) == ("1·∞", "∞", True)


def _numbers(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _numbers(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _numbers(v)
    elif isinstance(obj, str) and obj[:1] in "[{":
        try:
            yield from _numbers(json.loads(obj))
        except ValueError:
            pass
    else:
        yield obj


def _mlgraph(*args):
    """The command line in a real subprocess."""
    return subprocess.run([sys.executable, "-m", "mlgraph", *args], capture_output=True,
                          text=True, timeout=120)


def test_cli_html_of_ln_at_zero(tmp_path):
    """`mlgraph html "ln(x)" --at x=0` writes a page (a real subprocess)."""
    out = tmp_path / "ln.html"
    done = _mlgraph("html", "ln(x)", "--at", "x=0", "-o", str(out))
    assert done.returncode == 0, done.stderr
    data = (
        out.read_text(encoding="utf-8")
        .split('id="mlgraph-data">')[1]
        .split("</script>")[0]
    )
    state = json.loads(data)["state"]
    assert "∞" in json.dumps(state["tables"], ensure_ascii=False)


def test_cli_html_errors_are_clear(tmp_path):
    out = tmp_path / "page.html"
    done = _mlgraph("html", "log(x1) + x1*x2 - sin(x2)", "--at", "x1=2,x2=5", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.exists() and "mlgraph-data" in out.read_text()
    bad = _mlgraph("html", "x1*x2", "--at", "x1=2", "-o", str(out))
    assert bad.returncode == 2
    assert "no value for x2" in bad.stderr and "--at x1=1,x2=1" in bad.stderr


# -- hostile strings ---------------------------------------------------------------------

EVIL_TITLE = '</title><script>window.__pwned=1</script>"'


def test_exported_page_has_no_markup_from_user_strings(tmp_path):
    w = GraphWidget.from_graph(hostile_graph(), collapse="all")
    text = w.save_html(tmp_path / "p.html", title=EVIL_TITLE).read_text(
        encoding="utf-8"
    )
    head, body = text.split("<body", 1)
    assert "<title>&lt;/title&gt;&lt;script&gt;" in head
    assert "<script>window.__pwned" not in text
    data = body.split('id="mlgraph-data">')[1].split("</script>")[0]
    assert "<" not in data and ">" not in data  # inside the JSON everything is \u003c
    assert json.loads(data)["state"]["title"] == EVIL_TITLE
    assert [s for s in re.findall(r"<script[^>]*>", text)] == [
        '<script type="application/json" id="mlgraph-data">',
        '<script type="module">',
    ]


def test_standalone_html_is_self_contained_and_keeps_the_view(w):
    w.font_size, w.panel, w.predict, w.cursor = 22, "below", True, 5
    page = standalone_html(w)
    assert re.search(r"<script[^>]*\ssrc=", page) is None and "<link" not in page
    assert "http://" not in page.split("<body")[1][:3000]
    state = json.loads(page.split('id="mlgraph-data">')[1].split("</script>")[0])[
        "state"
    ]
    assert (state["font_size"], state["panel"], state["predict"], state["cursor"]) == (
        22,
        "below",
        True,
        5,
    )
    assert state["playing"] is False


# -- path sums, matrix products, pass counts -----------------------------------------------


@pytest.mark.parametrize(
    ("key", "inputs"), [("g1", (0, 1)), ("g3", (0,)), ("g4", (0, 1))]
)
def test_path_sums_equal_grad(key, inputs):
    g = build(key)
    w = GraphWidget.from_graph(g)
    for k, i in enumerate(inputs):
        label = g.nodes[i].label
        entry = w.graph["paths"][label]
        products = [
            math.prod(float(p) for p in _floats(path["factors"]))
            for path in entry["paths"]
        ]
        grad = _grad_of(g, k)
        assert entry["count"] == len(entry["paths"]) >= 1
        assert sum(products) == pytest.approx(grad, rel=1e-3)
        assert entry["sum"] == entry["grad"] == fmt(grad)
    if key == "g3":
        assert w.graph["paths"]["x"]["count"] == 2  # x used twice: two paths


def _floats(texts):
    return [float(t.replace("−", "-")) for t in texts]


def _grad_of(g, k):
    events = mlgraph.run(g, "reverse")
    final = {e.node: e.value for e in events if e.sweep == "reverse"}
    return float(final[g.inputs[k]])


def test_perceptron_matmul_as_a_weighted_sum_and_pass_counts():
    w = GraphWidget.from_graph(build("g5"))
    (entry,) = w.graph["matmul"]["3"]
    assert entry["terms"] == "2·0.1 + 3·0.5 − 1·2.5 + 5·0.2"
    assert (entry["value"], entry["bias"], entry["out"]) == ("0.2", "3", "3.2")
    assert w.graph["passes"] == {"forward": 9, "reverse": 1}  # one per scalar entry
    assert w.graph["shapes"]["0"] == "(4)"


def test_tensors_send_heatmap_grids_and_cell_texts():
    w = GraphWidget.from_graph(build("g7"))
    alpha = next(
        e for e in w.streams["reverse"] if e["node"] == 1 and e["sweep"] == "eval"
    )
    assert alpha["grid"] == [[0.1, -0.2, 0.3], [0.4, 0.1, -0.5]]
    assert alpha["cells"] == ["0.1", "−0.2", "0.3", "0.4", "0.1", "−0.5"]
    grad = [
        e for e in w.streams["reverse"] if e["node"] == 1 and e["sweep"] == "reverse"
    ][-1]
    assert grad["cells"] == [
        "−0.08207",
        "−0.04104",
        "0.08207",
        "0.02894",
        "0.01447",
        "−0.02894",
    ]
    node = next(n for n in w.graph["nodes"] if n["id"] == 1)
    assert (node["heat"], node["cell"]) == ([2, 3], 14)


def test_big_tensors_are_pooled_for_their_heatmaps():
    w = GraphWidget.from_graph(build("g8"), modes=["eval"], mode="eval")
    x = next(e for e in w.streams["eval"] if e["node"] == 0)
    assert len(x["grid"]) == 16 and len(x["grid"][0]) == 3 and "cells" not in x
    assert set(x["stats"]) == {"min", "max", "mean", "absmax"}


def test_constants_get_no_derivative(g):
    w = GraphWidget.from_graph(build("g2"))
    consts = {n["id"] for n in w.graph["nodes"] if n["kind"] == "const"}
    assert consts and not any(
        n.get("grad") for n in w.graph["nodes"] if n["id"] in consts
    )
    assert all("partial" not in e for e in w.graph["edges"] if e["src"] in consts)


# -- Python and JS: the fixture the JS tests read --------------------------------------------


def test_gallery_fixture_for_js():
    """Writes tests/fixtures/widget_gallery.json (graph, streams, tables of gallery graphs
    1, 3 and 7); js/story.test.js checks the chain-rule chips against the table rows."""
    data = {}
    for key in ("g1", "g3", "g7"):
        g = build(key)
        w = GraphWidget.from_graph(g, modes=["reverse"])
        lines = [str(r) for r in trace_table(g, mlgraph.run(g, "reverse")).rows]
        data[key] = {
            "graph": w.graph,
            "streams": w.streams,
            "tables": w.tables,
            "row_text": lines,
        }  # how the kernel prints each row
    path = FIXTURES / "widget_gallery.json"
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8"
    )
    assert json.loads(path.read_text(encoding="utf-8")) == data


# -- composition ---------------------------------------------------------------------------


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
    assert box.children[-1].outputs == ()


def test_show_accepts_a_graph_or_a_function(g):
    assert [n["name"] for n in mlgraph.show(g).graph["nodes"]] == [
        n.name for n in g.nodes
    ]
    assert mlgraph.show(f_xy, mode="eval", x1=2.0, x2=5.0).mode == "eval"
    assert mlgraph.show(g, preset="lecture").predict
    with pytest.raises(TypeError, match="function or a traced Graph"):
        mlgraph.show(42)


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


def test_scoped_graph_sends_groups(w):
    assert w.graph["groups"] == []
    m = GraphWidget.from_graph(mlp_loss_graph())
    assert [g["scope"] for g in m.graph["groups"]] == ["layer1", "layer2", "layer3"]
    assert set(m.graph["dot_parts"]) == {"head", "nodes", "edges", "groups", "tail"}
    with pytest.raises(traitlets.TraitError):
        m.collapse = "sometimes"


def test_compare_cursor_runs_over_the_longer_pane(w):
    fwd = len(w.streams["forward:x1"]) + len(w.streams["forward:x2"])
    rev = len(w.streams["reverse"])
    w.mode = "eval"
    w.compare = True
    assert w.compare_modes() == (["forward:x1", "forward:x2"], ["reverse"])
    w.cursor = max(fwd, rev) - 1
    with pytest.raises(traitlets.TraitError):
        w.cursor = max(fwd, rev)
    w.compare_step = "reverse"  # the reverse pane alone: its steps bound the cursor
    assert w.cursor == rev - 1
    w.compare_step = "both"
    w.compare = False  # back to eval's stream: the cursor is clamped to it
    assert w.cursor == len(w.streams["eval"]) - 1


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


# -- forward by one input entry, explicit directions, several outputs, names ------------


def _final(stream, node):
    """The text of the last event about `node` in a stream."""
    return [e["text"] for e in stream if e["node"] == node][-1]


def test_forward_by_one_entry_of_a_vector_input():
    g = build("g5")
    w = GraphWidget.from_graph(g, mode="forward:w[1]")
    forward = [m for m in w.streams if parse_mode(m).sweep == "forward"]
    assert forward == [f"forward:{n}[{k}]" for n in "xw" for k in range(4)] + [
        "forward:b"
    ]  # one pass per scalar input entry: 9, none seeded with all ones
    (out,) = g.outputs
    assert _final(w.streams["forward:w[1]"], out) == "0.1129"
    reverse = mlgraph.run(g, "reverse")
    grad_w = [e.value for e in reverse if e.sweep == "reverse" and e.node == g.inputs[1]]
    assert fmt(np.asarray(grad_w[-1])[1]) == "0.1129"  # a column equals the row entry
    assert w.graph["directions"] == {}


def test_a_directional_derivative_needs_an_explicit_tangent_and_says_so():
    g = build("g5")
    with pytest.raises(ValueError, match="forward:w"):
        GraphWidget.from_graph(g, mode="forward:w")  # all ones would be a sum, refused
    t = np.array([1.0, 0.0, 1.0, 0.0])
    w = mlgraph.show(g, mode="forward:w", tangent=t)
    assert w.mode == "forward:w"
    assert w.graph["directions"] == {"forward:w": "w\u0307 = [1, 0, 1, 0]"}
    jac = mlgraph.jacobian(lambda w_: mlgraph.sigmoid(
        np.array([2.0, 3.0, -1.0, 5.0]) @ w_ + 3.0))(np.array([0.1, 0.5, 2.5, 0.2]))
    assert _final(w.streams["forward:w"], g.outputs[0]) == fmt(float(jac @ t))
    with pytest.raises(ValueError, match="direction of a forward mode"):
        GraphWidget.from_graph(g, mode="reverse", tangent=t)


def test_two_outputs_in_every_mode():
    g = build("g6")
    w = GraphWidget.from_graph(g)
    y1, y2 = g.outputs
    assert w.mode == "reverse:y1" and w.graph["output_names"] == ["y1", "y2"]
    fwd = w.streams["forward:w1"]  # both outputs' tangents in one forward pass
    assert (_final(fwd, y1), _final(fwd, y2)) == ("\u22121.873", "0.7016")
    w1 = g.inputs[2]
    assert _final(w.streams["reverse:y1"], w1) == "\u22121.873"  # one pass per output
    assert _final(w.streams["reverse:y2"], w1) == "0.7016"
    assert _final(w.streams["eval"], y2) == fmt(np.cos(3.5))
    w.mode, w.compare = "forward:w1", True  # every pass of each mode, in turn
    assert w.compare_modes() == (
        ["forward:x", "forward:w0", "forward:w1"], ["reverse:y1", "reverse:y2"])


def test_names_given_with_mg_name_reach_the_nodes_and_the_table():
    w = GraphWidget.from_graph(build("g7"))
    named = {n["name"]: n["named"] for n in w.graph["nodes"] if "named" in n}
    assert set(named.values()) == {"h", "\u0177", "L"}
    rows = {r["lhs"]: r["name"] for r in w.tables["reverse"] if r["name"]}
    assert {named[v] for v in named} == set(rows.values())
    hostile = mlgraph.trace(lambda x: mlgraph.name(x * 2.0, '<b onclick="x">'), 1.0)
    w = GraphWidget.from_graph(hostile)
    assert w.graph["nodes"][-1]["named"] == '<b onclick="x">'  # raw: the view writes text


@pytest.mark.parametrize("shapes", [((4,), (4,)), ((2, 3), (3,)), ((3,), (3, 2)),
                                    ((2, 3), (3, 4))])
def test_matmul_entry_terms_add_up_to_each_entry(shapes, rng):
    from mlgraph.primitives import PRIMITIVES

    x, y = (rng.normal(size=s) for s in shapes)
    out = x @ y
    for index in np.ndindex(*out.shape):
        pairs = PRIMITIVES["matmul"].entry_terms(index, x, y)
        assert sum(a * b for a, b in pairs) == pytest.approx(out[index])
    assert PRIMITIVES["matmul"].entry_terms((0, 0, 0), np.ones((2, 2, 2)), x) is None


def test_weighted_sums_come_from_the_primitive_not_from_equal_numbers():
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    same_value = mlgraph.trace(lambda a, b: mlgraph.numpy.einsum("i,i->", a, b), a, b)
    assert GraphWidget.from_graph(same_value).graph["matmul"] == {}  # 11, no matmul
    g = mlgraph.trace(lambda a, b: a @ b + 1.0, a, b)
    ((node, (entry,)),) = GraphWidget.from_graph(g).graph["matmul"].items()
    assert g.nodes[int(node)].op == "matmul"
    assert (entry["terms"], entry["value"], entry["out"]) == ("1·3 + 2·4", "11", "12")


def test_the_jacobian_panel_is_the_runs_own_numbers():
    g = build("g5")
    w = GraphWidget.from_graph(g)
    jac = w.graph["jacobian"]
    assert jac["cols"] == [f"{n}[{k}]" for n in "xw" for k in range(4)] + ["b"]
    assert jac["rows"] == ["\u0177"] and w.graph["passes"] == {"forward": 9, "reverse": 1}
    full = np.concatenate([np.ravel(j) for j in mlgraph.jacobian(
        lambda x, w_, b: mlgraph.sigmoid(x @ w_ + b), argnums=(0, 1, 2))(
        *(g.values[i] for i in g.inputs))])
    (row,) = jac["reverse"].values()  # one reverse pass: the whole row
    assert row["row"] == 0 and row["texts"] == [fmt(v) for v in full]
    assert len(jac["forward"]) == 9  # one forward pass per column
    for mode, col in jac["forward"].items():
        assert col["texts"] == [fmt(full[col["col"]])], mode
    assert jac["forward"]["forward:w[1]"] == {"col": 5, "texts": ["0.1129"]}
    two = GraphWidget.from_graph(build("g6")).graph["jacobian"]
    assert (two["rows"], two["cols"]) == (["y1", "y2"], ["x", "w0", "w1"])
    assert two["forward"]["forward:w1"]["texts"] == ["\u22121.873", "0.7016"]
    assert two["reverse"]["reverse:y2"] == {"row": 1, "texts": [
        fmt(-1.5 * np.sin(3.5)), fmt(-np.sin(3.5)), "0.7016"]}
    directional = mlgraph.show(g, mode="forward:w", tangent=np.ones(4))
    assert "forward:w" not in directional.graph["jacobian"]["forward"]
    assert "forward:w" not in directional.graph["sequences"]["forward"]
