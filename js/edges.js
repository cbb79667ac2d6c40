// @ts-check
// Edges: three states (future, active: thick with a halo, done: the sweep's colour with a
// compact badge), the chain-rule chip of the active edge (one rounded box, two lines, on
// top of everything), shapes on tensor edges, and the token that carries a contribution.
import { attr, s, text } from "./dom.js";
import { glyphs, labelAnchor, pointsAlong } from "./geometry.js";

export const CHIP_SIZE = 16;
const CHAR = 0.6 * CHIP_SIZE;

/**
 * Decorate a Graphviz edge group.
 * @param {Element} g @param {any} edge  the graph edge ({src, dst, argnum, key}), or null
 *   for an edge into or out of a collapsed layer
 * @param {{x: number, y: number}} off @param {string} shape  a tensor edge's shape text
 * @param {boolean} constant  whether the edge leaves a constant (no derivative on it)
 */
export function buildEdge(g, edge, off, shape, constant) {
  g.classList.add("mlgraph-edge");
  const at = labelAnchor(g);
  g.querySelectorAll("text, title").forEach((t) => t.remove());
  const path = g.querySelector("path");
  if (!edge) return { g, key: null, at: { x: at.x + off.x, y: at.y + off.y }, path, setState: () => {}, setBadge: () => {} };
  g.setAttribute("data-mlgraph-edge", edge.key);
  if (constant) g.classList.add("mlgraph-edge-const");
  /** @type {{rect: Element, t: Element, label: Element} | null} */
  let badgeEls = null; // made on first use: a 1,000-node graph has thousands of edges
  let badgeText = "";
  /** @param {string} v */
  function setBadge(v) {
    const shown = v || shape;
    if (shown === badgeText) return;
    badgeText = shown;
    if (!badgeEls) {
      const label = s("g", { class: "mlgraph-badge" }), rect = s("rect", { class: "mlgraph-badge-bg", rx: 3 });
      const t = s("text", { x: at.x, y: at.y + 5, class: "mlgraph-badge-text", "font-size": CHIP_SIZE });
      label.append(rect, t);
      g.append(label);
      badgeEls = { rect, t, label };
    }
    const { rect, t, label } = badgeEls;
    text(t, shown);
    label.classList.toggle("mlgraph-shape", !v && Boolean(shape));
    const w = glyphs(shown) * CHAR + 8;
    attr(rect, "x", String(at.x - w / 2));
    attr(rect, "y", String(at.y - 10));
    attr(rect, "width", String(shown ? w : 0));
    attr(rect, "height", String(shown ? 20 : 0));
  }
  if (shape) setBadge("");
  let halo = null;
  /** @param {string} state  "future" | "active" | "done" @param {string|null} sweep */
  const setState = (state, sweep) => {
    if (!halo && path && (state === "active" || state === "path")) { // the yellow underlay, when first needed
      halo = /** @type {Element} */ (path.cloneNode());
      halo.setAttribute("class", "mlgraph-edge-halo");
      g.prepend(halo);
    }
    attr(g, "data-mlgraph-state", state);
    attr(g, "data-mlgraph-sweep", sweep);
  };
  return { g, key: edge.key, at: { x: at.x + off.x, y: at.y + off.y }, path, setState, setBadge };
}

/** The size of a chip with these lines. @param {string[]} lines */
export function chipSize(lines) {
  return { w: Math.max(...lines.map(glyphs)) * CHAR + 16, h: lines.length * (CHIP_SIZE + 5) + 8 };
}

/**
 * Where a chip goes: the free spot nearest its edge's middle (it may float off the edge,
 * with a leader line), covering as little as possible of the nodes and chips around.
 * @param {SVGPathElement | null} path @param {{x: number, y: number}} fallback  inner coordinates
 * @param {{w: number, h: number}} size @param {import("./geometry.js").Box[]} boxes  in inner coordinates
 * @param {import("./geometry.js").Box} area  the graph's extent (inner coordinates): the chip stays inside
 * @returns {{x: number, y: number, from: {x: number, y: number}}}  the chip's centre and the edge point
 */
export function placeChip(path, fallback, size, boxes, area) {
  const along = pointsAlong(path, [0.5, 0.35, 0.65]), points = along.length ? along : [fallback];
  const reach = 200 + Math.max(size.w, size.h); // only what the chip could cover
  const near = (b) => points.some((p) => b.x1 > p.x - reach && b.x0 < p.x + reach && b.y1 > p.y - reach && b.y0 < p.y + reach);
  boxes = boxes.filter(near);
  let best = { x: fallback.x, y: fallback.y, from: fallback }, cost = Infinity;
  for (const [k, p] of points.entries()) {
    for (let dx = -160; dx <= 160; dx += 40) {
      for (let dy = -150; dy <= 150; dy += 25) {
        const x0 = p.x + dx - size.w / 2, y0 = p.y + dy - size.h / 2, x1 = x0 + size.w, y1 = y0 + size.h;
        let c = Math.hypot(dx, dy) + k * 10;
        c += 8 * (Math.max(0, area.x0 - x0) + Math.max(0, x1 - area.x1) + Math.max(0, area.y0 - y0) + Math.max(0, y1 - area.y1)) * size.h;
        for (const b of boxes) c += 6 * Math.max(0, Math.min(x1, b.x1) - Math.max(x0, b.x0)) * Math.max(0, Math.min(y1, b.y1) - Math.max(y0, b.y0));
        if (c < cost) { cost = c; best = { x: p.x + dx, y: p.y + dy, from: { x: p.x, y: p.y } }; }
      }
    }
  }
  return best;
}

/**
 * A chain-rule chip: a rounded box with one or two lines, centred on `at` (inner
 * coordinates of the graph group), drawn into `layer` (the topmost group).
 * @param {Element} layer @param {{x: number, y: number}} at @param {string[]} lines
 * @param {string} sweep  "forward" | "reverse" (its colour) @param {string} key  the edge
 * @param {{x: number, y: number}} [from]  the point on the edge it belongs to
 */
export function drawChip(layer, at, lines, sweep, key, from) {
  const { w, h: hgt } = chipSize(lines), lh = CHIP_SIZE + 5;
  const g = s("g", { class: `mlgraph-chip mlgraph-chip-${sweep}`, "data-mlgraph-chip": key });
  if (from && Math.hypot(from.x - at.x, from.y - at.y) > 4) { // a leader line to its edge
    g.append(s("line", { class: "mlgraph-chip-leader", x1: from.x, y1: from.y, x2: at.x, y2: at.y }));
  }
  g.append(s("rect", { x: at.x - w / 2, y: at.y - hgt / 2, width: w, height: hgt, rx: 6 }));
  lines.forEach((line, k) => {
    g.append(s("text", { x: at.x, y: at.y - hgt / 2 + 4 + lh * (k + 1) - 5, "font-size": CHIP_SIZE,
      class: k === 0 ? "mlgraph-chip-rule" : "mlgraph-chip-numbers" }, line));
  });
  layer.append(g);
  return { w, h: hgt };
}

/**
 * A token travelling along an edge's path (reverse: against the arrow), then removed.
 * @param {Element} layer @param {SVGPathElement} path @param {boolean} backwards
 * @param {string} sweep @param {number} ms
 * @returns {() => void} cancel
 */
export function sendToken(layer, path, backwards, sweep, ms) {
  const dot = s("circle", { r: 7, class: `mlgraph-token mlgraph-token-${sweep}` });
  layer.append(dot);
  let frame = 0, length = -1, t0 = 0;
  const tick = (now) => {
    if (length < 0) { length = path.getTotalLength(); t0 = now; } // measured after the step's paint
    const u = Math.min(1, (now - t0) / ms), e = u < 0.5 ? 2 * u * u : 1 - (-2 * u + 2) ** 2 / 2;
    const p = path.getPointAtLength(length * (backwards ? 1 - e : e));
    dot.setAttribute("cx", String(p.x));
    dot.setAttribute("cy", String(p.y));
    if (u < 1) frame = requestAnimationFrame(tick);
    else dot.remove();
  };
  frame = requestAnimationFrame(tick);
  return () => { cancelAnimationFrame(frame); dot.remove(); };
}
