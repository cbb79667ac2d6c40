"""Helpers shared by the browser tests: notebooks in a real JupyterLab, offline pages."""

from __future__ import annotations

import nbformat

KERNEL_IDLE = """() => {
  const nb = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = nb?.sessionContext?.session?.kernel;
  return !!k && k.status === 'idle';
}"""


def write_notebook(root, name, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, root / name)


def run_cell(page, index):
    page.evaluate(
        """async (i) => {
        const nb = window.jupyterapp.shell.currentWidget;
        nb.content.activeCellIndex = i;
        await window.jupyterapp.commands.execute('notebook:run-cell');
    }""",
        index,
    )
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)


def open_notebook(page, jupyter_lab, name, cells):
    """Write a notebook, open it in a JupyterLab workspace of its own (so no other
    test's tab is restored over it), wait for the kernel, and run its first cell."""
    write_notebook(jupyter_lab["root"], name, cells)
    workspace = name.removesuffix(".ipynb")
    page.goto(f"{jupyter_lab['base']}/lab/workspaces/{workspace}/tree/{name}"
              f"?token={jupyter_lab['token']}")
    page.wait_for_function(KERNEL_IDLE, timeout=90_000)
    run_cell(page, 0)


def block_network(page):
    """Abort every request that is not file:, blob: or data:; returns the blocked URLs."""
    blocked: list[str] = []

    def handle(route):
        url = route.request.url
        if url.startswith(("file:", "blob:", "data:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    page.route("**/*", handle)
    return blocked


# --- measuring what is on screen (text size and contrast, from the rendered colours) ----

VISIBLE_TEXT = """(root, skip) => {
  const rgba = (s) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(s || '');
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => top.slice(0, 3).map((c, k) => c * top[3] + bottom[k] * (1 - top[3]));
  const pageBg = () => {
    for (let e = document.body; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let bg = layers.length && layers[layers.length - 1][3] >= 1 ? layers.pop().slice(0, 3) : pageBg();
    while (layers.length) bg = over(layers.pop(), bg);
    return bg;
  };
  const opacity = (el) => {
    let o = 1;
    for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
    return o;
  };
  const out = [];
  const all = [root, ...root.querySelectorAll('*')];
  for (const el of all) {
    if (skip && el.closest(skip)) continue;
    if (el.closest('option') || el.closest('[disabled]')) continue;  // WCAG: inactive controls
    const own = el.tagName === 'SELECT' ? (el.selectedOptions[0]?.textContent ?? '')
      : [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('');
    if (!own.trim()) continue;
    const cs = getComputedStyle(el);
    const rect = el.getBoundingClientRect();
    if (cs.visibility === 'hidden' || cs.display === 'none' || rect.width === 0 || rect.height === 0) continue;
    const isSvg = el instanceof SVGElement;
    let size = parseFloat(cs.fontSize);
    if (isSvg && el.getScreenCTM) size *= Math.hypot(el.getScreenCTM().a, el.getScreenCTM().b);
    let fg = rgba(isSvg ? cs.fill : cs.color) || [0, 0, 0, 1];
    let bg = background(isSvg ? el.ownerSVGElement || el : el);
    if (isSvg && cs.paintOrder.startsWith('stroke') && parseFloat(cs.strokeWidth) >= 2) {
      const halo = rgba(cs.stroke);
      if (halo) bg = over(halo, bg);
    }
    fg = [...fg.slice(0, 3), fg[3] * opacity(el)];
    out.push({ text: own.trim().slice(0, 60), size, fg: over(fg, bg), bg,
               tag: el.tagName.toLowerCase(), cls: String(el.className?.baseVal ?? el.className) });
  }
  return out;
}"""


def _luminance(rgb):
    def channel(c):
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg, bg):
    """WCAG contrast ratio of two sRGB colours (0-255 triples)."""
    hi, lo = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def text_problems(locator, min_px=14.0, min_contrast=4.5, skip=None):
    """Every visible text under `locator` (not under the CSS selector `skip`) that is
    smaller than `min_px` or below `min_contrast` against its rendered background.
    Returns (problems, number of texts checked)."""
    texts = locator.evaluate(VISIBLE_TEXT, skip)
    bad = [
        {**t, "contrast": round(contrast(t["fg"], t["bg"]), 2)}
        for t in texts
        if t["size"] < min_px - 0.05 or contrast(t["fg"], t["bg"]) < min_contrast
    ]
    return bad, len(texts)
