// Every visible text under `root` (skipping the CSS selector `skip`) with its rendered size
// in px and its colour composited over its rendered background: what tests/browser/lab.py
// checks against the 14 px and 4.5:1 floors. Evaluated in the page by Playwright.
(root, skip) => {
  const rgba = (s) => {
    const m = /rgba?\(([^)]+)\)/.exec(s || '');
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
}
