// @ts-check
// Colours as data (no DOM): TF Playground's sign scale for values, weights and the
// boundary map, and the class colours. Orange/blue stay apart for every common colour
// vision deficiency; classes are told apart by shape too (see points.js).

/** @typedef {[number, number, number]} RGB */

/** @type {RGB} */ export const NEGATIVE = [245, 147, 34]; // #F59322, −1
/** @type {RGB} */ export const POSITIVE = [8, 119, 189]; // #0877BD, +1
/** Class colours: the scale's two ends, then Okabe–Ito bluish green and purple. */
/** @type {RGB[]} */
export const CLASSES = [NEGATIVE, POSITIVE, [0, 158, 115], [204, 121, 167]];
/** Heatmaps use this many shades, so equal values look equal (TF Playground). */
export const SHADES = 30;
/** How far the boundary map's colours go from neutral: pale enough that the points'
 * fill and outline stand out on a region of their own colour. */
export const REGION = 0.55;

/** @param {number} t @returns {number} t clamped to [−1, 1] and put on one of SHADES steps */
export function quantize(t) {
  const c = Number.isFinite(t) ? Math.max(-1, Math.min(1, t)) : 0;
  return (Math.round(((c + 1) / 2) * (SHADES - 1)) / (SHADES - 1)) * 2 - 1;
}

/** @param {RGB} a @param {RGB} b @param {number} t @returns {RGB} a → b by t ∈ [0, 1] */
export function mix(a, b, t) {
  return /** @type {RGB} */ (a.map((c, k) => Math.round(c + (b[k] - c) * t)));
}

/**
 * A value on the sign scale: orange below 0, neutral at 0, blue above.
 * @param {number} t  in [−1, 1]
 * @param {RGB} neutral  the theme's 0 colour
 * @param {number} [strength]  1 for tiles and links, REGION for the boundary map
 * @returns {RGB}
 */
export function signColour(t, neutral, strength = 1) {
  const q = quantize(t);
  return mix(neutral, q < 0 ? NEGATIVE : POSITIVE, Math.abs(q) * strength);
}

/** @param {number} k @returns {RGB} */
export function classColour(k) {
  return CLASSES[((k % CLASSES.length) + CLASSES.length) % CLASSES.length];
}

/**
 * One cell of the boundary map.
 * @param {{values?: number[], classes?: number[], confidence?: number[]}} boundary
 * @param {number} k  cell index
 * @param {number} nClasses
 * @param {RGB} neutral
 * @returns {RGB}
 */
export function cellColour(boundary, k, nClasses, neutral) {
  if (boundary.classes && boundary.confidence) {
    const floor = 1 / Math.max(nClasses, 2);
    const t = (boundary.confidence[k] - floor) / (1 - floor);
    return mix(neutral, classColour(boundary.classes[k]), REGION * Math.max(0, Math.min(1, t)));
  }
  return signColour(boundary.values ? boundary.values[k] : 0, neutral, REGION);
}

/** @param {RGB} rgb @returns {string} "#rrggbb" */
export function hex(rgb) {
  return "#" + rgb.map((c) => c.toString(16).padStart(2, "0")).join("");
}

/**
 * A CSS colour as the browser reports it ("#rrggbb" or "rgb(r, g, b)"), else `fallback`.
 * @param {string} css
 * @param {RGB} fallback
 * @returns {RGB}
 */
export function parseColour(css, fallback) {
  const s = css.trim();
  const h = /^#([0-9a-f]{6})$/i.exec(s);
  if (h) {
    const n = parseInt(h[1], 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  const m = /^rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)/i.exec(s);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : fallback;
}
