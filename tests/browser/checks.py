"""What the graph-widget browser tests measure in the page: rendered text sizes, labels
inside their nodes, contrast of every text against the colour behind it (from the
rendered styles), the widget's box, and at each step the active node and the table row.
Shared by the JupyterLab and the offline-page tests."""

from __future__ import annotations

from pathlib import Path

GALLERY_DIR = Path(__file__).resolve().parents[2] / "docs" / "gallery"
VIEWPORT = {"width": 1280, "height": 720}

#: Every visible text of the widget: its rendered size (CSS px after the camera's scale),
#: its colour and the colour behind it, and for node labels whether they stay inside.
MEASURE = """(root) => {
  const rgb = (c) => { const m = c.match(/[\\d.]+/g); return m ? m.slice(0, 4).map(Number) : null; };
  const lum = ([r, g, b]) => [r, g, b].map((v) => v / 255)
    .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4))
    .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const opaque = (c) => c && (c.length < 4 || c[3] > 0.99);
  function backdrop(el) {
    const shape = (sel, inner) => { const g = el.closest(sel); const s = g && g.querySelector(inner); return s ? rgb(getComputedStyle(s).fill) : null; };
    if (el instanceof SVGElement) {
      const fill = shape('.mlgraph-chip', ':scope > rect') ?? shape('.mlgraph-badge', '.mlgraph-badge-bg')
        ?? shape('.mlgraph-node', ':scope > polygon, :scope > path, :scope > ellipse');
      if (opaque(fill)) return fill;
    }
    for (let e = el instanceof SVGElement ? el.closest('.mlgraph-stage') : el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (opaque(c)) return c;
    }
    return [255, 255, 255];
  }
  const box = root.getBoundingClientRect(), stage = root.querySelector('.mlgraph-stage')?.getBoundingClientRect();
  const inside = (r, b, tol = 1) => r.left >= b.left - tol && r.right <= b.right + tol && r.top >= b.top - tol && r.bottom <= b.bottom + tol;
  const meets = (r, b) => r.right > b.left && r.left < b.right && r.bottom > b.top && r.top < b.bottom;
  const out = { texts: 0, small: [], contrast: [], overflow: [], minPx: 1e9, minRatio: 1e9 };
  const own = (e) => [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  const items = [...root.querySelectorAll('text, tspan'), ...[...root.querySelectorAll('*')]
    .filter((e) => !(e instanceof SVGElement) && (own(e) || e.tagName === 'SELECT') && e.tagName !== 'OPTION')];
  for (const el of items) {
    const text = el.tagName === 'SELECT' ? el.selectedOptions[0]?.textContent ?? '' : el.textContent;
    if (!text.trim() || el.closest('[hidden], title')) continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden' || Number(cs.opacity) === 0) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || !meets(r, box)) continue;
    if (el instanceof SVGElement && stage && !meets(r, stage)) continue;   // off camera
    if (el instanceof SVGElement && el.closest('.mlgraph-paths-on') && el.closest('[data-mlgraph-state="dim"]')) continue;
    const scale = el instanceof SVGGraphicsElement ? el.getScreenCTM().a : 1;
    const px = parseFloat(cs.fontSize) * scale;
    const fg = rgb(el instanceof SVGElement ? cs.fill : cs.color), bg = backdrop(el);
    const k = fg && bg ? ratio(fg, bg) : 0;
    const what = `${el.tagName.toLowerCase()}.${(el.getAttribute('class') ?? '').split(' ')[0]} "${text.slice(0, 40)}"`;
    out.texts++;
    out.minPx = Math.min(out.minPx, px);
    out.minRatio = Math.min(out.minRatio, k);
    if (px < 14 - 0.05) out.small.push(`${what} ${px.toFixed(1)}px`);
    if (k < 4.5) out.contrast.push(`${what} ${k.toFixed(2)}:1 ${cs.fill || cs.color} on ${bg}`);
    const node = el instanceof SVGElement && el.closest('.mlgraph-node');
    if (node) {
      const shape = node.querySelector(':scope > polygon, :scope > path, :scope > ellipse').getBoundingClientRect();
      if (!inside(r, shape)) out.overflow.push(`${what} outside ${node.getAttribute('data-mlgraph-node') ?? node.getAttribute('data-mlgraph-group')}`);
    }
  }
  // the table's current row is never cut to "…": each cell shows all its text
  out.cut = [...root.querySelectorAll('[data-mlgraph-current] td')]
    .filter((td) => td.scrollWidth > td.clientWidth + 1).map((td) => td.textContent.slice(0, 60));
  out.box = { left: box.left, right: box.right, top: box.top, bottom: box.bottom, width: box.width, height: box.height };
  out.hscroll = root.scrollWidth - root.clientWidth;
  out.window = { width: window.innerWidth, height: window.innerHeight };
  return out;
}"""

_STEP_STATE = """(root) => {
    const stage = root.querySelector('.mlgraph-stage');
    const active = root.querySelector('.mlgraph-pane [data-mlgraph-state="active"]');
    const s = stage.getBoundingClientRect();
    const r = active?.querySelector(':scope > polygon')?.getBoundingClientRect();
    const row = root.querySelector('[data-mlgraph-current]');
    const map = root.querySelector('.mlgraph-minimap'), m = map?.getBoundingClientRect();
    const shown = map && !map.hidden && getComputedStyle(map).visibility !== 'hidden';
    return {
      covered: !!(shown && r && r.right > m.left && r.left < m.right && r.bottom > m.top && r.top < m.bottom),
      still: !stage.hasAttribute('data-mlgraph-moving'),
      node: active?.getAttribute('data-mlgraph-node') ?? active?.getAttribute('data-mlgraph-group') ?? null,
      inside: !!r && r.left >= s.left - 1 && r.right <= s.right + 1 && r.top >= s.top - 1 && r.bottom <= s.bottom + 1,
      row: row?.getAttribute('data-mlgraph-row-node') ?? null,
      group: active?.hasAttribute('data-mlgraph-group') ?? false,
    };
  }"""

#: Walk the whole stream while playing (speed as set): at each step, once the camera has
#: stopped, the active node (or the layer holding it) must be inside the stage, and the
#: table's current row must be about that node. A step too short to see the camera stop
#: is stepped into again by hand afterwards (the same follow, without the timer).
PLAY_CHECK = """async (root) => {
  const state = STEP_STATE;
  const stage = root.querySelector('.mlgraph-stage'), scrub = root.querySelector('.mlgraph-scrubber');
  const frame = () => new Promise((r) => requestAnimationFrame(r));
  const seen = new Map();
  const n = Number(scrub.max) + 1;
  root.querySelector('[data-mlgraph-action="play"]').click();
  const t0 = performance.now();
  while (performance.now() - t0 < 120000) {
    await frame();
    const c = Number(root.getAttribute('data-mlgraph-cursor'));
    if (c < 0 || seen.get(c)?.still) { if (c === n - 1 && seen.get(c)?.still) break; continue; }
    seen.set(c, state(root));
  }
  const stopped = performance.now();
  while (!root.querySelector('[data-mlgraph-action="pause"]').hidden && performance.now() - stopped < 5000) await frame();
  const playing = !root.querySelector('[data-mlgraph-action="pause"]').hidden;
  for (let c = 0; c < n; c++) {
    if (seen.get(c)?.still) continue;
    for (const k of [c - 1, c]) {
      scrub.value = String(k);
      scrub.dispatchEvent(new Event('input', { bubbles: true }));
      await frame();
      while (stage.hasAttribute('data-mlgraph-moving')) await frame();
    }
    seen.set(c, { ...state(root), replayed: true });
  }
  return { n, steps: [...seen.entries()].sort((a, b) => a[0] - b[0]), stopped: !playing };
}""".replace("STEP_STATE", _STEP_STATE)


def assert_readable(m: dict, where: str) -> None:
    """The MEASURE result of one view meets the projector rules."""
    assert m["texts"] > 10, f"{where}: only {m['texts']} texts seen"
    assert not m["small"], f"{where}: text under 14 px: {m['small'][:5]}"
    assert not m["contrast"], f"{where}: contrast under 4.5:1: {m['contrast'][:5]}"
    assert not m["overflow"], f"{where}: labels outside their node: {m['overflow'][:5]}"
    assert not m["cut"], f"{where}: the current table row is cut: {m['cut']}"
    assert m["box"]["height"] <= 600, f"{where}: widget {m['box']['height']} px high"
    assert m["box"]["right"] <= m["window"]["width"] + 0.5, (
        f"{where}: {m['box']} wider than the window"
    )
    assert m["hscroll"] <= 0, (
        f"{where}: the widget scrolls sideways by {m['hscroll']} px"
    )


def assert_played(result: dict, where: str, names_in: dict | None = None) -> None:
    """Every step was seen with its active node in view and the table on the same node.

    Args:
        names_in: layer scope -> node names inside it (a collapsed layer stands for them).
    """
    assert result["stopped"], f"{where}: still playing after the last step"
    steps = dict(result["steps"])
    assert len(steps) == result["n"], (
        f"{where}: saw steps {sorted(steps)} of {result['n']}"
    )
    for c, s in steps.items():
        assert s["node"], f"{where} step {c}: no active node"
        assert s["inside"], (
            f"{where} step {c}: active node {s['node']} outside the view"
        )
        assert not s["covered"], f"{where} step {c}: the minimap covers {s['node']}"
        if s["group"]:
            assert s["row"] in (names_in or {}).get(s["node"], ()), (where, c, s)
        else:
            assert s["row"] == s["node"], (
                f"{where} step {c}: table row {s['row']}, graph {s['node']}"
            )
