// @ts-check
// Geometry read from Graphviz's SVG, in the coordinates of its viewBox (the camera's):
// node boxes, the graph's bounds, the anchor of each edge's label, points on edge paths.

/** @typedef {{x0: number, y0: number, x1: number, y1: number}} Box */

/** The translate(tx ty) of Graphviz's top group. @param {Element} svg */
export function offset(svg) {
  const t = svg.querySelector("g.graph")?.getAttribute("transform") ?? "";
  const m = /translate\(\s*([-\d.e]+)[ ,]+([-\d.e]+)\s*\)/.exec(t);
  return m ? { x: Number(m[1]), y: Number(m[2]) } : { x: 0, y: 0 };
}

/** @param {string} text @returns {number[]} */
const numbers = (text) => (text.match(/-?\d*\.?\d+(?:e-?\d+)?/g) ?? []).map(Number);

/**
 * The bounding box of a node or cluster shape (polygon, ellipse or path), shifted by `off`.
 * @param {Element} g @param {{x: number, y: number}} off @returns {Box}
 */
export function shapeBox(g, off) {
  const shape = g.querySelector("polygon, ellipse, path");
  if (!shape) return { x0: 0, y0: 0, x1: 0, y1: 0 };
  if (shape.tagName === "ellipse") {
    const [cx, cy, rx, ry] = ["cx", "cy", "rx", "ry"].map((k) => Number(shape.getAttribute(k)));
    return { x0: cx - rx + off.x, y0: cy - ry + off.y, x1: cx + rx + off.x, y1: cy + ry + off.y };
  }
  const nums = numbers(shape.getAttribute("points") ?? shape.getAttribute("d") ?? "");
  const xs = nums.filter((_, i) => i % 2 === 0), ys = nums.filter((_, i) => i % 2 === 1);
  return { x0: Math.min(...xs) + off.x, y0: Math.min(...ys) + off.y, x1: Math.max(...xs) + off.x, y1: Math.max(...ys) + off.y };
}

/** The graph's extent: the SVG's viewBox. @param {Element} svg @returns {Box} */
export function bounds(svg) {
  const [x, y, w, h] = numbers(svg.getAttribute("viewBox") ?? "0 0 100 100");
  return { x0: x, y0: y, x1: x + w, y1: y + h };
}

/**
 * Where an edge's label goes: Graphviz's own label position when it placed one (it left
 * room for it), else the middle of the path. In inner (untranslated) coordinates.
 * @param {Element} g
 */
export function labelAnchor(g) {
  const t = g.querySelector("text");
  if (t) return { x: Number(t.getAttribute("x")), y: Number(t.getAttribute("y")) - 5 };
  const nums = numbers(g.querySelector("path")?.getAttribute("d") ?? "");
  const n = Math.floor(nums.length / 4) * 2;
  return { x: nums[n] ?? 0, y: nums[n + 1] ?? 0 };
}

/** Union of boxes. @param {Box[]} boxes @returns {Box | null} */
export function union(boxes) {
  if (!boxes.length) return null;
  return boxes.reduce((a, b) => ({ x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) }));
}

/** Glyphs in a text (combining marks such as the bar of v̄ take no width). @param {string} t */
export const glyphs = (t) => t.replace(/[\u0300-\u036f]/g, "").length;

/**
 * `text` cut to fit `width` px at `size` px monospace (0.6 em per glyph), with "…".
 * @param {string} t @param {number} width @param {number} size
 */
export function fit(t, width, size) {
  const room = Math.floor(width / (0.6 * size));
  if (glyphs(t) <= room) return t;
  let out = "";
  for (const ch of t) {
    if (glyphs(out + ch) > room - 1) break;
    out += ch;
  }
  return out + "\u2026";
}

/**
 * Points along a Graphviz edge path ("M x,y C x,y x,y x,y ..."), from its on-curve points:
 * no layout is read (getPointAtLength would force one in the middle of a step).
 * @param {Element | null} path @param {number[]} at  fractions of the way, 0..1
 * @returns {{x: number, y: number}[]}
 */
export function pointsAlong(path, at) {
  const nums = numbers(path?.getAttribute("d") ?? "");
  const pts = [];
  for (let i = 0; i + 1 < nums.length; i += 6) pts.push({ x: nums[i], y: nums[i + 1] }); // M, then every 3rd point
  if (!pts.length) return [];
  return at.map((t) => {
    const u = t * (pts.length - 1), k = Math.min(pts.length - 2, Math.floor(u));
    if (k < 0) return pts[0];
    const f = u - k;
    return { x: pts[k].x + (pts[k + 1].x - pts[k].x) * f, y: pts[k].y + (pts[k + 1].y - pts[k].y) * f };
  });
}
