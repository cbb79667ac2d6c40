"""`mlgraph export-site`: the course site in Chromium with every network request
blocked. Every page renders with no page error and no failed request, its formulas are
typeset (no raw `$` left), every graph widget plays to its end; a screenshot of each
page goes to docs/gallery/site/, and the index's thumbnails to notebooks/images/ (the
course map, 00_index, shows them)."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import quote

import nbformat
import pytest
from playwright.sync_api import expect

from mlgraph.export.site import export_site
from mlgraph.export.thumbnails import PAGE_READY_JS, block_network, wait_until_ready

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
SHOTS = REPO / "docs" / "gallery" / "site"
VIEWPORT = {"width": 1280, "height": 720}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "site"
    pages = export_site(NOTEBOOKS, out, title="mlgraph course", log=lambda s: None)
    return out, pages


def _open_offline(page, path: Path):
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    blocked = block_network(page)
    page.set_viewport_size(VIEWPORT)
    page.goto(path.as_uri())
    wait_until_ready(page)
    return blocked, failed


def _assert_typeset(page, selector: str, expect_math: bool):
    text = page.locator(selector).evaluate_all(
        "els => els.map(e => e.innerText).join('\\n')")
    assert "$" not in text, f"raw TeX left in {selector}: {text[:300]}"
    assert "\\(" not in text and "\\frac" not in text
    n = page.locator("mjx-container").count()
    assert (n > 0) == expect_math, f"{n} typeset formulas"
    assert page.locator("mjx-container [data-mjx-error], mjx-merror").count() == 0


def _play_every_graph(page):
    # the trainer draws its graph widget when its tab opens: open every such tab first
    tabs = page.locator('.mlgraph-trainer button[data-mlgraph-tab="graph"]')
    for i in range(tabs.count()):
        tabs.nth(i).scroll_into_view_if_needed()
        tabs.nth(i).click()
    expect(page.locator(".mlgraph")).to_have_count(tabs.count() + page.locator(
        ".mlgraph:not(.mlgraph-trainer .mlgraph)").count(), timeout=30_000)
    graphs = page.locator(".mlgraph")
    n = graphs.count()
    for i in range(n):
        w = graphs.nth(i)
        w.scroll_into_view_if_needed()
        w.locator('[data-mlgraph-action="speed"]', has_text="4").click()
        w.locator('[data-mlgraph-action="play"]').click()
        last = w.locator("input.mlgraph-scrubber").get_attribute("max")
        assert last and int(last) > 3
        expect(w).to_have_attribute("data-mlgraph-cursor", last, timeout=60_000)
        expect(w.locator('[data-mlgraph-state="pending"]')).to_have_count(0)
    return n


@pytest.mark.browser
def test_every_page_renders_offline_typeset_and_plays(page, site):
    out, pages = site
    assert [p.page for p in pages] == [
        nb.with_suffix(".html").name for nb in sorted(NOTEBOOKS.glob("*.ipynb"))
    ]
    SHOTS.mkdir(parents=True, exist_ok=True)
    played = {}
    for p in pages:
        blocked, failed = _open_offline(page, out / p.page)
        source = p.source.read_text(encoding="utf-8")
        _assert_typeset(page, ".jp-MarkdownOutput", expect_math="$" in source)
        n_graphs = page.locator(".mlgraph").count()
        assert n_graphs >= (1 if "mlgraph.show" in source else 0)
        played[p.page] = _play_every_graph(page)
        notes = page.locator(".mlgraph-kernel-note")
        expect(notes).to_have_count(p.kernel_notes)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / f"{Path(p.page).stem}.png"))
        assert blocked == [] and failed == [], (p.page, blocked, failed)
    # 01: the lecture graph, the shared-s graph and explore's graph; the trainer's
    assert played["01_computation_graphs.html"] == 3
    assert played["05_perceptron_mlp.html"] == 3  # two graphs shown, the trainer's graph tab


@pytest.mark.browser
def test_every_notebook_executes_in_under_a_minute(site):
    """The lecture's promise: each notebook runs in under 60 s. The times of this run
    are written to docs/gallery/site/times.md (the README's table comes from it)."""
    _, pages = site
    rows = [f"| [`{p.source.name}`](../../../notebooks/{quote(p.source.name)}) | "
            f"{p.seconds:.1f} s |" for p in pages]
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "times.md").write_text(
        "| notebook | executed in |\n|---|---|\n" + "\n".join(rows) + "\n",
        encoding="utf-8")
    assert all(p.seconds > 0 for p in pages)
    slow = {p.source.name: round(p.seconds, 1) for p in pages if p.seconds >= 60}
    assert not slow, f"notebooks that take a minute or more: {slow}"


@pytest.mark.browser
def test_kernel_notes_sit_on_the_controls_that_need_python(page, site):
    out, _ = site
    _open_offline(page, out / "01_computation_graphs.html")
    note = page.locator(".mlgraph-kernel-note")
    expect(note).to_have_count(1)
    expect(note).to_contain_text("Needs a running kernel")
    expect(note).to_contain_text("FloatSlider x1, FloatSlider x2")
    # the note is right above explore's output, whose sliders it names
    area = note.locator(
        "xpath=ancestor::div[contains(concat(' ', @class, ' '), ' jp-OutputArea ')][1]")
    expect(area.locator(".widget-slider")).to_have_count(2)
    # contrast: dark text on the note's light background, at projector size
    color, bg, size = note.evaluate("""e => { const s = getComputedStyle(e);
        return [s.color, s.backgroundColor, parseFloat(s.fontSize)]; }""")
    assert size >= 14
    assert _contrast(color, bg) >= 7, (color, bg)
    _open_offline(page, out / "05_perceptron_mlp.html")
    expect(page.locator(".mlgraph-kernel-note")).to_contain_text("Training runs in Python")


def _contrast(a: str, b: str) -> float:
    def lum(css):
        r, g, b = (int(x) / 255 for x in css[css.index("(") + 1:-1].split(",")[:3])
        f = lambda c: c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4  # noqa: E731
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b)
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.browser
def test_index_page_cards_thumbnails_and_links(page, site):
    out, pages = site
    blocked, failed = _open_offline(page, out / "index.html")
    _assert_typeset(page, "main", expect_math=True)  # 01's summary has formulas
    cards = page.locator("article.card")
    expect(cards).to_have_count(len(pages))
    for i, p in enumerate(pages):
        card = cards.nth(i)
        expect(card.locator("h2")).to_have_text(p.title)
        img = card.locator("img")
        expect(img).to_have_attribute("src", f"thumbs/{Path(p.page).stem}.png")
        # a real screenshot, loaded: 1280×720
        assert img.evaluate("e => e.complete && e.naturalWidth") == 1280
    page.screenshot(path=str(SHOTS / "index.png"))
    assert blocked == [] and failed == []
    # thumbnails for the course map (00_index shows them)
    images = NOTEBOOKS / "images"
    images.mkdir(exist_ok=True)
    for p in pages:
        if p.page != "00_index.html":
            shutil.copy2(out / p.thumbnail, images / Path(p.thumbnail).name)
    # the course map's links lead to the pages
    page.goto((out / "00_index.html").as_uri())
    page.locator("a", has_text="01 Computation graphs").first.click()
    expect(page).to_have_title("01 Computation graphs and the forward pass")
    page.wait_for_function(PAGE_READY_JS, timeout=60_000)


@pytest.mark.browser
def test_hostile_titles_and_file_names_are_text(page, tmp_path):
    src = tmp_path / "nbs"
    src.mkdir()
    evil = '<img src=x onerror=alert(1)> & "quoted" <script>alert(2)</script>'
    name = '<img src=y onerror=alert(3)> & "y" #1.ipynb'
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {evil}\n\n{evil} is a summary."),
                nbformat.v4.new_code_cell("print('<i>out</i>')")]
    nbformat.write(nb, src / name)
    out = tmp_path / "site"
    pages = export_site(src, out, thumbnails=False, log=lambda s: None)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    blocked = block_network(page)
    page.goto((out / "index.html").as_uri())
    page.evaluate("async () => { await window.mlgraphMathReady; }")
    card = page.locator("article.card")
    expect(card.locator("h2")).to_have_text(evil)
    expect(card.locator("p").first).to_have_text(f"{evil} is a summary.")
    expect(card.locator(".meta")).to_contain_text(name)
    expect(card.locator(".nothumb")).to_contain_text("No screenshot")
    assert page.locator("main img, main script, main b").count() == 0
    assert dialogs == [] and blocked == []
    # the quoted href leads to the page, whose <title> is the escaped heading (the
    # page's body is the notebook's own Markdown, rendered as written)
    card.locator("h2 a").click()
    expect(page).to_have_title(evil)
    assert page.url.endswith(quote(name.removesuffix(".ipynb") + ".html"))
    assert (out / pages[0].page).exists()
    assert page.locator(".jp-OutputArea-output i").count() == 0  # output text is text
