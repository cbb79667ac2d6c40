// @ts-check
// Tensor heatmaps on the sign scale (orange − · grey 0 · blue +, TF Playground's), 30
// shades, symmetric around 0 per map; drawn as SVG cells in a node or as HTML cells in the
// inspector. Non-finite entries ("inf", "-inf", "nan" in the JSON) are marked, not hidden.
import { s } from "./dom.js";

const NEG = [0xf5, 0x93, 0x22], POS = [0x08, 0x77, 0xbd], SHADES = 30;

/** @param {any} v */
const num = (v) => (typeof v === "number" ? v : v === "inf" ? Infinity : v === "-inf" ? -Infinity : NaN);

/**
 * The fill of one cell.
 * @param {any} v  a number or "inf" / "-inf" / "nan"
 * @param {number} span  the map's max |v| (its symmetric scale)
 * @param {number[]} zero  the theme's colour for 0 (RGB)
 * @returns {string}
 */
export function cellColour(v, span, zero) {
  const x = num(v);
  if (Number.isNaN(x)) return "rgb(64,64,64)"; // NaN: dark grey, outlined as bad
  const t = span > 0 && Number.isFinite(x) ? Math.round((Math.abs(x) / span) * SHADES) / SHADES : Number.isFinite(x) ? 0 : 1;
  const end = x < 0 ? NEG : POS;
  const rgb = zero.map((z, k) => Math.round(z + (end[k] - z) * t));
  return `rgb(${rgb.join(",")})`;
}

/** The largest finite |entry| of a grid (its scale). @param {any[][]} grid */
export function span(grid) {
  let m = 0;
  for (const row of grid) for (const v of row) { const x = Math.abs(num(v)); if (Number.isFinite(x) && x > m) m = x; }
  return m;
}

/** Whether a grid entry is not finite. @param {any} v */
export const bad = (v) => !Number.isFinite(num(v));

/** The theme's zero colour, read from the CSS variable --mlgraph-heat-zero. @param {Element} el */
export function zeroColour(el) {
  const css = getComputedStyle(el).getPropertyValue("--mlgraph-heat-zero").trim() || "#e8eaeb";
  const hex = css.replace("#", "");
  return [0, 2, 4].map((k) => parseInt(hex.slice(k, k + 2), 16));
}

/**
 * Draw (or redraw) a grid of cells into an SVG group.
 * @param {SVGElement} g  the group (its cells are reused between steps)
 * @param {any[][] | null} grid  rows × columns, or null to clear
 * @param {number} x @param {number} y  top-left @param {number} cell  cell size
 * @param {number[]} zero
 */
export function drawGrid(g, grid, x, y, cell, zero) {
  if (!grid) { g.replaceChildren(); return; }
  const m = span(grid), cells = [];
  grid.forEach((row, r) => row.forEach((v, c) => {
    cells.push(s("rect", {
      x: x + c * cell, y: y + r * cell, width: cell, height: cell,
      fill: cellColour(v, m, zero), class: bad(v) ? "mlgraph-cell mlgraph-bad" : "mlgraph-cell",
    }));
  }));
  g.replaceChildren(...cells);
}
