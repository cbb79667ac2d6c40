// @ts-check
// The camera over the graph: a centre and a scale (screen px per graph unit) shown through
// the SVG's viewBox, so text keeps its size unless the user zooms. Fit never goes below
// the scale that keeps the smallest text at 14 px; follow moves only when the active node
// leaves the central region, easing over 300 ms (a cut under reduced motion). The pure
// functions are tested in node; `createCamera` binds them to the stage.

/** @typedef {import("./geometry.js").Box} Box */
/** @typedef {{cx: number, cy: number, scale: number}} View */

export const MARGIN = 8;
/** The part of the viewport the active node may wander in before the camera moves. */
export const DEAD_ZONE = 0.6;

/** Scale at which `area` fits a `vw` × `vh` viewport. @param {Box} area @param {number} vw @param {number} vh */
export function fitScale(area, vw, vh) {
  return Math.min((vw - 2 * MARGIN) / Math.max(1, area.x1 - area.x0), (vh - 2 * MARGIN) / Math.max(1, area.y1 - area.y0));
}

/**
 * The view a graph opens with: the whole graph if it fits with text near the chosen
 * size `base` (down to 7/8 of it, never below `floor`), else at that size on the start of
 * the graph (or on `focus`).
 * @param {Box} area @param {number} vw @param {number} vh @param {number} base  the
 *   scale at which text has the chosen font size @param {number} floor @param {Box|null} [focus]
 * @returns {View & {fits: boolean}}
 */
export function openingView(area, vw, vh, base, floor, focus) {
  // NOTE: shrink to fit by at most 1/8 of the chosen size (and never below the floor)
  const fit = fitScale(area, vw, vh), scale = Math.max(floor, base * 0.875, Math.min(fit, base));
  const fits = fit >= scale - 1e-9;
  const mid = (b) => ({ cx: (b.x0 + b.x1) / 2, cy: (b.y0 + b.y1) / 2 });
  if (fits) return { ...mid(area), scale, fits };
  const at = focus ? mid(focus) : { cx: area.x0 + (vw / 2 - MARGIN) / scale, cy: (area.y0 + area.y1) / 2 };
  return { ...clampView({ ...at, scale }, area, vw, vh), fits };
}

/**
 * Keep the camera over the graph: no panning off into empty space.
 * @param {View} v @param {Box} area @param {number} vw @param {number} vh @returns {View}
 */
export function clampView(v, area, vw, vh) {
  const hw = vw / 2 / v.scale, hh = vh / 2 / v.scale;
  const axis = (c, lo, hi, half) => (hi - lo <= 2 * half ? (lo + hi) / 2 : Math.min(Math.max(c, lo + half - MARGIN / v.scale), hi - half + MARGIN / v.scale));
  return { cx: axis(v.cx, area.x0, area.x1, hw), cy: axis(v.cy, area.y0, area.y1, hh), scale: v.scale };
}

/**
 * Where the camera must go so `box` (the active node and its edge) sits in the central
 * region, or null when it already does (no movement for small steps).
 * @param {View} v @param {Box} box @param {number} vw @param {number} vh @param {number} floor
 * @param {{w: number, h: number} | null} [avoid]  a corner (bottom right, screen px) the
 *   box must not sit under: the minimap
 * @returns {View | null}
 */
export function followView(v, box, vw, vh, floor, avoid) {
  const inside = (b, view, k) => {
    const hw = (vw * k) / 2 / view.scale, hh = (vh * k) / 2 / view.scale;
    return b.x0 >= view.cx - hw && b.x1 <= view.cx + hw && b.y0 >= view.cy - hh && b.y1 <= view.cy + hh;
  };
  const hidden = (b, view) => {
    if (!avoid) return false;
    const x1 = (b.x1 - view.cx) * view.scale + vw / 2, y1 = (b.y1 - view.cy) * view.scale + vh / 2;
    return x1 > vw - avoid.w && y1 > vh - avoid.h;
  };
  if (inside(box, v, DEAD_ZONE) && !hidden(box, v)) return null;
  let scale = v.scale;
  const need = Math.min((vw * DEAD_ZONE) / (box.x1 - box.x0 + 1), (vh * DEAD_ZONE) / (box.y1 - box.y0 + 1));
  if (need < scale) scale = Math.max(floor, need);
  const hw = (vw * DEAD_ZONE) / 2 / scale, hh = (vh * DEAD_ZONE) / 2 / scale;
  const shift = (lo, hi, c, half) => (hi - lo > 2 * half ? (lo + hi) / 2 : Math.min(Math.max(c, hi - half), lo + half));
  const to = { cx: shift(box.x0, box.x1, v.cx, hw), cy: shift(box.y0, box.y1, v.cy, hh), scale };
  return hidden(box, to) ? { cx: (box.x0 + box.x1) / 2, cy: (box.y0 + box.y1) / 2, scale } : to;
}

/** The viewBox of a view on a `vw` × `vh` pane. @param {View} v @param {number} vw @param {number} vh */
export function viewBox(v, vw, vh) {
  const w = vw / v.scale, h = vh / v.scale;
  return `${(v.cx - w / 2).toFixed(2)} ${(v.cy - h / 2).toFixed(2)} ${w.toFixed(2)} ${h.toFixed(2)}`;
}

/**
 * Bind a camera to a stage: wheel with Ctrl/⌘ zooms at the pointer, drag pans, and every
 * pane's SVG shows the same view.
 * @param {HTMLElement} stage  the element whose size is the viewport
 * @param {() => SVGSVGElement[]} svgs  the panes' SVGs
 * @param {{onUser: () => void, onChange: (v: View) => void, reduced: () => boolean}} hooks
 */
export function createCamera(stage, svgs, hooks) {
  /** @type {View} */
  let view = { cx: 0, cy: 0, scale: 1 };
  /** @type {Box} */
  let area = { x0: 0, y0: 0, x1: 1, y1: 1 };
  let frame = 0;
  /** The stage's size, read when it changes (a ResizeObserver) or told by the view when it
   * knows it (before a new SVG is in the page), never read in the middle of a step. */
  let stageSize = { w: 1, h: 1 };
  const watch = new ResizeObserver(([e]) => {
    stageSize = { w: Math.max(1, e.contentRect.width), h: Math.max(1, e.contentRect.height) };
    apply();
  });
  watch.observe(stage);
  /** Each pane's size: the stage split side by side, less a pane's title. */
  const size = () => {
    const n = Math.max(1, svgs().length);
    return { w: Math.max(1, (stageSize.w - 8 * (n - 1)) / n), h: Math.max(1, stageSize.h - (n > 1 ? 26 : 0)) };
  };
  function apply() {
    const { w, h } = size();
    for (const svg of svgs()) svg.setAttribute("viewBox", viewBox(view, w, h));
    hooks.onChange(view);
  }
  /** @param {View} to @param {number} ms */
  function go(to, ms = 0) {
    cancelAnimationFrame(frame);
    const { w, h } = size();
    to = clampView(to, area, w, h);
    if (!ms || hooks.reduced()) { view = to; stage.removeAttribute("data-mlgraph-moving"); apply(); return; }
    const from = view, t0 = performance.now();
    stage.setAttribute("data-mlgraph-moving", "1");
    const tick = (now) => {
      const u = Math.min(1, (now - t0) / ms), e = u < 0.5 ? 2 * u * u : 1 - (-2 * u + 2) ** 2 / 2;
      view = { cx: from.cx + (to.cx - from.cx) * e, cy: from.cy + (to.cy - from.cy) * e, scale: from.scale * (to.scale / from.scale) ** e };
      apply();
      if (u < 1) frame = requestAnimationFrame(tick);
      else stage.removeAttribute("data-mlgraph-moving");
    };
    frame = requestAnimationFrame(tick);
  }
  /** Zoom by `f` around a point of the viewport (default: its centre). */
  function zoom(f, px, py) {
    const { w, h } = size(), x = px ?? w / 2, y = py ?? h / 2;
    const gx = view.cx + (x - w / 2) / view.scale, gy = view.cy + (y - h / 2) / view.scale;
    const scale = Math.min(8, Math.max(0.05, view.scale * f));
    go({ cx: gx - (x - w / 2) / scale, cy: gy - (y - h / 2) / scale, scale });
  }
  const onWheel = (e) => {
    if (!e.ctrlKey && !e.metaKey) return; // the notebook scrolls; no scroll trap
    e.preventDefault();
    const r = stage.getBoundingClientRect();
    zoom(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
    hooks.onUser();
  };
  let drag = null;
  const onDown = (e) => { if (e.button === 0) drag = { x: e.clientX, y: e.clientY, v: view, moved: false }; };
  const onMove = (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 5) return;
    if (!drag.moved) hooks.onUser();
    drag.moved = true;
    stage.classList.add("mlgraph-dragging");
    go({ cx: drag.v.cx - dx / view.scale, cy: drag.v.cy - dy / view.scale, scale: view.scale });
  };
  const onUp = (e) => {
    if (drag?.moved) e.stopPropagation();
    stage.classList.remove("mlgraph-dragging");
    setTimeout(() => { drag = null; }, 0);
  };
  stage.addEventListener("wheel", onWheel, { passive: false });
  stage.addEventListener("pointerdown", onDown);
  window.addEventListener("pointermove", onMove);
  window.addEventListener("pointerup", onUp, true);
  return {
    /** @param {Box} a */
    setArea(a) { area = a; },
    /** The stage's size, when the view knows it first. @param {number} w @param {number} h */
    setStage(w, h) { stageSize = { w: Math.max(1, w), h: Math.max(1, h) }; },
    get view() { return view; },
    get area() { return area; },
    size,
    go,
    zoom,
    /** Was the last pointer gesture a drag (so its click must not select)? */
    dragged: () => Boolean(drag?.moved),
    dispose() {
      cancelAnimationFrame(frame);
      watch.disconnect();
      stage.removeEventListener("wheel", onWheel);
      stage.removeEventListener("pointerdown", onDown);
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onUp, true);
    },
  };
}
