"""`GraphWidget.save_html`: the offline page (all network blocked) over the lecture
gallery in light and dark, the chain rule and path sums against the engine, non-finite
numbers, and hostile names that must stay text."""

from __future__ import annotations

import re

import numpy as np
import pytest
from playwright.sync_api import expect

import mlgraph
from mlgraph.tables import fmt
from mlgraph.widget import GraphWidget

from .checks import MEASURE, PLAY_CHECK, VIEWPORT, assert_played, assert_readable
from .gallery import EXPECT, KEYS, SCOPES, TITLES, build, hostile_graph
from .lab import block_network

MODEL = "document.getElementById('mlgraph-root').mlgraphModel"


def open_page(page, w, path, scheme="light"):
    """Write `w` as a page, open it offline at 1280×720, wait for the layout."""
    blocked = block_network(page)
    page.set_viewport_size(VIEWPORT)
    page.emulate_media(color_scheme=scheme)
    page.goto(w.save_html(path).as_uri())
    widget = page.locator(".mlgraph")
    expect(widget).to_have_attribute("data-mlgraph-ready", "1", timeout=30_000)
    return widget, blocked


def set_traits(page, widget, **traits):
    """Change traits as a kernel would, and wait for the view to settle."""
    page.evaluate(
        f"(t) => {{ const m = {MODEL}; for (const [k, v] of Object.entries(t)) m.set(k, v); }}",
        traits,
    )
    expect(widget).to_have_attribute("data-mlgraph-ready", "1", timeout=30_000)
    page.wait_for_function("() => !document.querySelector('[data-mlgraph-moving]')")


def names_in(w):
    return {grp["scope"]: {f"v{i}" for i in grp["nodes"]} for grp in w.graph["groups"]}


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_gallery_offline(page, tmp_path, scheme):
    """Every gallery graph: readable at the opening view and along the reverse sweep,
    the numbers the class must see, and play keeps the active node in view with the
    table on the same node."""
    for key in KEYS:
        w = GraphWidget.from_graph(build(key), title=TITLES[key])
        widget, blocked = open_page(page, w, tmp_path / f"{key}.html", scheme)
        first = w.mode  # reverse, or from the first of several outputs
        n = len(w.streams[first])
        for cursor in (-1, n // 2, n - 1):
            set_traits(page, widget, cursor=cursor)
            assert_readable(widget.evaluate(MEASURE), f"{key} {scheme} step {cursor}")
        for mode, node, text in EXPECT.get(key, []):
            node = _node(w, node)
            set_traits(page, widget, mode=mode)
            set_traits(page, widget, cursor=len(w.streams[mode]) - 1)
            expect(
                widget.locator(f'.mlgraph-pane [data-mlgraph-node="{node}"]')
            ).to_contain_text(text)
        set_traits(page, widget, mode=first, cursor=-1, speed=8)
        assert_played(widget.evaluate(PLAY_CHECK), f"{key} {scheme}", names_in(w))
        assert blocked == [], blocked


@pytest.mark.browser
@pytest.mark.parametrize("key", ["g1", "g3", "g7"])
def test_chain_rule_on_the_active_edge_is_the_table_row(page, tmp_path, key):
    """At every reverse accumulation the chip reads v̄i += v̄j·∂vj/∂vi = u·p = c with u the
    value in v̄j's row, p the edge's local derivative, c the contribution, and the
    table's current row is v̄i's."""
    g = build(key)
    w = GraphWidget.from_graph(g, modes=["reverse"])
    widget, _ = open_page(page, w, tmp_path / "chain.html")
    rows = {(r["sweep"], r["node"]): r for r in w.tables["reverse"]}
    partials = mlgraph.local_partials(g)
    checked = 0
    for e in w.streams["reverse"]:
        if e["kind"] != "accumulate":
            continue
        set_traits(page, widget, cursor=e["step"])
        chip = widget.locator(".mlgraph-chip")
        expect(chip).to_have_count(1)
        head, tail = chip.locator("text").all_text_contents()
        i, j = e["node"], e["src"]
        assert head == f"v\u0304{i} += v\u0304{j}\u00b7\u2202v{j}/\u2202v{i}"
        p = partials[(i, j, e["argnum"])]["value"]
        if p is not None:
            u = rows[("reverse", j)]["value"]
            assert tail == f"= {_paren(u)}\u00b7{_paren(fmt(p))} = {fmt(e['delta'])}"
        else:
            assert tail.endswith(f"= {fmt(e['delta'])}")
        current = widget.locator("[data-mlgraph-current]")
        expect(current).to_have_attribute("data-mlgraph-row-node", f"v{i}")
        expect(widget.locator("[data-mlgraph-narration]")).to_contain_text(
            f"{head} {tail}"
        )
        checked += 1
    assert checked >= 3


def _node(w, node):
    """`"out"`, `"out2"`: the (second) output's node name; else the name itself."""
    if node.startswith("out"):
        return f"v{w.graph['outputs'][int(node[3:] or 1) - 1]}"
    return node


def _paren(t):
    return f"({t})" if t.startswith("\u2212") or any(c in t for c in " +·/") else t


@pytest.mark.browser
@pytest.mark.parametrize("key", ["g1", "g3", "g4"])
def test_path_sums_equal_grad(page, tmp_path, key):
    g = build(key)
    w = GraphWidget.from_graph(g)
    widget, _ = open_page(page, w, tmp_path / "paths.html")
    for i in g.inputs:
        label = g.nodes[i].label
        final = [
            e.value
            for e in mlgraph.run(g, "reverse")
            if e.sweep == "reverse" and e.node == i
        ][-1]
        widget.locator("select.mlgraph-paths").select_option(label)
        expect(widget.locator(".mlgraph-path-sum")).to_contain_text(f"= {fmt(final)}")
        expect(widget.locator(".mlgraph-path-grad")).to_have_text(
            f"reverse sweep: \u2202f/\u2202{label} = {fmt(final)}"
        )
        paths = w.graph["paths"][label]["paths"]
        expect(widget.locator(".mlgraph-path")).to_have_count(len(paths))
        widget.focus()
        page.keyboard.press(
            "ArrowRight"
        )  # one path at a time: only its edges stand out
        first = set(paths[0]["edges"])
        lit = widget.locator('.mlgraph-edge[data-mlgraph-state="path"]')
        expect(lit).to_have_count(len(first))
        assert {e.get_attribute("data-mlgraph-edge") for e in lit.all()} == first


@pytest.mark.browser
def test_ln_at_zero_shows_infinities(page, tmp_path):
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        w = mlgraph.show(lambda x: mlgraph.log(x), x=0.0)
    widget, _ = open_page(page, w, tmp_path / "ln0.html")
    acc = next(e["step"] for e in w.streams["reverse"] if e["kind"] == "accumulate")
    set_traits(page, widget, cursor=acc)
    expect(widget.locator(".mlgraph-chip")).to_contain_text("= 1\u00b7\u221e = \u221e")
    set_traits(page, widget, cursor=len(w.streams["reverse"]) - 1)
    v1 = widget.locator('[data-mlgraph-node="v1"] .mlgraph-primal')
    expect(v1).to_have_text("v1 = \u2212\u221e")
    expect(v1).to_have_class(re.compile(r"\bmlgraph-bad\b"))
    expect(widget.locator('[data-mlgraph-node="v0"] .mlgraph-cotangent')).to_have_text(
        "v\u03040 = \u221e"
    )
    expect(
        widget.locator('[data-mlgraph-edge="0_1_0"] .mlgraph-badge-text')
    ).to_have_text("+\u221e")
    row = widget.locator('.mlgraph-row[data-mlgraph-row-node="v0"].mlgraph-row-reverse')
    expect(row).to_contain_text("= 1\u00b7\u221e")
    expect(row).to_have_class(re.compile(r"\bmlgraph-bad\b"))


HOSTILE_TITLE = (
    '</title><script>window.__pwned=1</script><img src=x onerror="window.__pwned=5">'
)


def click_everything(page, widget):
    """Click every layer, node and cluster label (collapsed, then expanded). The clicks
    are dispatched on the elements, wherever the camera is: what a click on them does."""
    for _ in SCOPES:
        group = widget.locator("[data-mlgraph-group]").first
        if not group.count():
            break
        group.dispatch_event("click")
        expect(widget).to_have_attribute("data-mlgraph-ready", "1", timeout=30_000)
    for node in widget.locator("[data-mlgraph-node] > *").all():
        node.dispatch_event("click")
    while widget.locator("[data-mlgraph-cluster] > text").count():
        widget.locator("[data-mlgraph-cluster] > text").first.dispatch_event("click")
        expect(widget).to_have_attribute("data-mlgraph-ready", "1", timeout=30_000)


@pytest.mark.browser
def test_hostile_names_stay_text_offline(page, tmp_path):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    w = GraphWidget.from_graph(hostile_graph(), collapse="all", title=HOSTILE_TITLE)
    widget, blocked = open_page(page, w, tmp_path / "hostile.html")
    expect(widget.locator("[data-mlgraph-group]")).to_have_count(len(SCOPES))
    titles = widget.locator("[data-mlgraph-group] > title").all_text_contents()
    assert [t.split(": ")[0].removeprefix("layer ") for t in titles] == SCOPES
    expect(widget.locator(".mlgraph-caption")).to_have_text(HOSTILE_TITLE)
    click_everything(page, widget)
    expect(widget.locator("[data-mlgraph-cluster]")).to_have_count(0)  # collapsed again
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("img, a, script:not([type])").count() == 0
    assert page.title() == HOSTILE_TITLE
    assert dialogs == [] and blocked == []


@pytest.mark.browser
def test_scope_name_cannot_inject_a_link_into_the_exported_page(page, tmp_path):
    """The reported defect: a scope named 'L" URL="javascript:..."' ran a script when its
    collapsed layer was clicked in a page written by save_html."""
    evil = 'L" URL="javascript:window.__pwned=3" target="_self'

    def f(x):
        with mlgraph.scope(evil):
            return mlgraph.sin(x) * x

    w = GraphWidget.from_graph(mlgraph.trace(f, x=1.0), collapse="all")
    widget, _ = open_page(page, w, tmp_path / "defect.html")
    layer = widget.locator("[data-mlgraph-group]")
    expect(layer).to_have_count(1)
    layer.click()
    expect(widget.locator("[data-mlgraph-cluster]")).to_have_count(1)
    widget.locator("[data-mlgraph-cluster] > text").dispatch_event("click")
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("a").count() == 0
    expect(widget.locator("[data-mlgraph-node]")).to_have_count(
        1
    )  # x, outside the layer


@pytest.mark.browser
def test_big_graph_shows_a_message_not_a_hang(page, tmp_path):
    w = GraphWidget.from_graph(build("g1"), max_nodes=5)
    widget, _ = open_page(page, w, tmp_path / "big.html")
    expect(widget.locator(".mlgraph-message")).to_contain_text("max_nodes = 5")
    expect(widget.locator("[data-mlgraph-node]")).to_have_count(0)
    widget.locator('[data-mlgraph-action="end"]').click()  # the table still plays
    expect(widget.locator("[data-mlgraph-current]")).to_have_count(1)


@pytest.mark.browser
def test_empty_widget_says_how_to_fill_it(page, tmp_path):
    page.goto(GraphWidget().save_html(tmp_path / "empty.html").as_uri())
    expect(page.locator(".mlgraph-message")).to_contain_text("No graph yet")


@pytest.mark.browser
def test_view_traits_survive_the_export(page, tmp_path):
    w = GraphWidget.from_graph(build("g3"), font_size=22, panel="hidden", predict=True)
    w.cursor = 6
    widget, _ = open_page(page, w, tmp_path / "view.html")
    expect(widget).to_have_attribute("data-mlgraph-cursor", "6")
    expect(widget).to_have_attribute("data-mlgraph-panel", "hidden")
    expect(widget.locator('[data-mlgraph-action="predict"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    size = "(t) => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a"
    value = widget.locator('[data-mlgraph-node="v2"] .mlgraph-primal')
    assert value.evaluate(size) == pytest.approx(22, abs=0.5)
    widget.locator('[data-mlgraph-action="font-down"]').click()
    page.wait_for_function("() => !document.querySelector('[data-mlgraph-moving]')")
    assert value.evaluate(size) == pytest.approx(20, abs=0.5)


@pytest.mark.browser
def test_reduced_motion_cuts_instead_of_moving(page, tmp_path):
    """With reduced motion the camera cuts and no token travels; at 1 step/s otherwise a
    contribution's token runs along its edge."""
    w = GraphWidget.from_graph(build("g7"), modes=["reverse"])
    acc = next(e["step"] for e in w.streams["reverse"] if e["kind"] == "accumulate")
    for motion, tokens in (("no-preference", 1), ("reduce", 0)):
        page.emulate_media(reduced_motion=motion)
        widget, _ = open_page(page, w, tmp_path / f"{motion}.html")
        set_traits(page, widget, cursor=acc - 1)
        widget.focus()
        page.keyboard.press("ArrowRight")
        expect(widget.locator(".mlgraph-token")).to_have_count(tokens)
        moved = page.evaluate("""async () => {
          const m = document.getElementById('mlgraph-root').mlgraphModel, seen = [];
          for (let c = 0; c < 30; c++) { m.set('cursor', c); seen.push(!!document.querySelector('[data-mlgraph-moving]')); }
          return seen.some(Boolean);
        }""")
        assert moved is (motion != "reduce")


@pytest.mark.browser
def test_perceptron_jacobian_panel_and_compare_view_run_every_pass(page, tmp_path):
    """The Jacobian panel counts 9 forward passes and 1 reverse pass (the kernel's
    pass_counts); the forward pass by w[1] fills its column with 0.1129; the compare view
    runs all 9 forward passes and the reverse pass, its panes together or alone."""
    g = build("g5")
    counts = mlgraph.pass_counts(g)
    w = GraphWidget.from_graph(g, mode="forward:w[1]", jacobian=True)
    widget, _ = open_page(page, w, tmp_path / "jacobian.html")
    panel = widget.locator(".mlgraph-jacobian-panel")
    expect(panel).to_have_attribute("data-mlgraph-passes-forward", str(counts.forward))
    expect(panel).to_have_attribute("data-mlgraph-passes-reverse", str(counts.reverse))
    assert (counts.forward, counts.reverse) == (9, 1)
    expect(panel.locator("[data-mlgraph-filled]")).to_have_count(0)
    set_traits(page, widget, cursor=len(w.streams["forward:w[1]"]) - 1)
    out = f"v{g.outputs[0]}"
    expect(widget.locator(f'.mlgraph-pane [data-mlgraph-node="{out}"]')).to_contain_text(
        "= 0.1129"
    )
    expect(panel.locator("[data-mlgraph-filled]")).to_have_count(1)  # one column
    expect(panel.locator('[data-mlgraph-jac="0,5"]')).to_have_text("0.1129")
    expect(panel).to_contain_text("9 passes, one per input entry (a column each); 1 run")
    assert_readable(widget.evaluate(MEASURE), "perceptron, Jacobian panel")

    set_traits(page, widget, compare=True)
    forward, reverse = w.compare_modes()
    assert len(forward) == 9 and reverse == ["reverse"]
    n_fwd = sum(len(w.streams[m]) for m in forward)
    n_rev = len(w.streams["reverse"])
    titles = widget.locator(".mlgraph-pane-title")
    expect(titles.nth(0)).to_contain_text("pass 1 of 9")
    set_traits(page, widget, compare_step="reverse")  # the reverse pane alone
    set_traits(page, widget, cursor=n_rev - 1)
    expect(titles.nth(0)).to_have_attribute("data-mlgraph-pass", "1")
    expect(panel.locator("[data-mlgraph-filled]")).to_have_count(9)  # its row
    set_traits(page, widget, compare_step="forward", pane_cursors=[-1, n_rev - 1])
    set_traits(page, widget, cursor=n_fwd - 1)  # the forward pane alone, to its end
    expect(titles.nth(0)).to_contain_text("pass 9 of 9")
    expect(titles.nth(1)).to_contain_text("pass 1 of 1")
    assert_readable(widget.evaluate(MEASURE), "perceptron, compare view and Jacobian")
    cells = panel.locator("[data-mlgraph-jac]")
    expect(cells).to_have_count(9)
    for k, mode in enumerate(forward):  # a column by forward = the entry by reverse
        col = w.graph["jacobian"]["forward"][mode]
        expect(cells.nth(col["col"])).to_have_text(col["texts"][0])
        assert col["texts"][0] == w.graph["jacobian"]["reverse"]["reverse"]["texts"][
            col["col"]
        ], (k, mode)
