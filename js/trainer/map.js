// @ts-check
// The big map: the model's output (or a hovered neuron's) over the input plane, the data
// points on it (shape = class, filled = training, hollow = test), the examples traced in
// the graph tab ringed and numbered, axes named after the features, and a legend.
import { classColour, hex, signColour } from "./colour.js";
import { html, svg, svgText } from "./dom.js";
import { paintGrid, sizeCanvas } from "./heatmap.js";
import { cellColour } from "./colour.js";

/**
 * @typedef {object} Points  mlgraph.training_widget.points_of
 * @property {[number, number][]} x
 * @property {number[]} y  class labels, or regression targets on the colour scale
 * @property {boolean[]} train
 * @property {number} n_classes
 * @property {string} task
 * @property {[number, number, number, number]} bounds
 * @property {string[]} features
 * @property {[number, string][]} x_ticks
 * @property {[number, string][]} y_ticks
 * @property {number[]} traced
 * @property {string[]} [scale]  regression: low, middle, high target as text
 */

/** @typedef {{values: number[], n: number, label: string}} Tile  a hovered neuron */

const LEFT = 50, BOTTOM = 38, GLYPHS = ["circle", "square", "triangle", "diamond"];

/**
 * A point's glyph, centred on (cx, cy).
 * @param {Element} parent @param {number} k class @param {number} cx @param {number} cy
 * @param {number} r @param {Record<string, string | number>} attrs
 */
export function glyph(parent, k, cx, cy, r, attrs) {
  const shape = GLYPHS[k % GLYPHS.length];
  if (shape === "circle") return svg("circle", { cx, cy, r, ...attrs }, parent);
  if (shape === "square") return svg("rect", { x: cx - r * 0.9, y: cy - r * 0.9, width: 1.8 * r, height: 1.8 * r, ...attrs }, parent);
  const pts = shape === "triangle"
    ? [[cx, cy - 1.2 * r], [cx + 1.1 * r, cy + 0.8 * r], [cx - 1.1 * r, cy + 0.8 * r]]
    : [[cx, cy - 1.25 * r], [cx + 1.25 * r, cy], [cx, cy + 1.25 * r], [cx - 1.25 * r, cy]];
  return svg("polygon", { points: pts.map((p) => p.map((v) => v.toFixed(1)).join(",")).join(" "), ...attrs }, parent);
}

/**
 * Draw one data point: training points filled, test points hollow, both outlined in
 * the theme's ring colour so they stay visible on a region of their own colour.
 * @param {Element} parent @param {Points} p @param {number} i @param {number} cx @param {number} cy
 */
function point(parent, p, i, cx, cy) {
  const k = p.task === "regression" ? 0 : p.y[i];
  const colour = hex(p.task === "regression" ? signColour(p.y[i], [232, 234, 235]) : classColour(k));
  const g = svg("g", { "data-mlgraph-point": i, "data-mlgraph-set": p.train[i] ? "train" : "test" }, parent);
  if (p.train[i]) glyph(g, k, cx, cy, 4.5, { fill: colour, class: "mlgraph-trainer-ring", "stroke-width": 1.25 });
  else {
    glyph(g, k, cx, cy, 4.5, { fill: "none", class: "mlgraph-trainer-ring", "stroke-width": 4.5 });
    glyph(g, k, cx, cy, 4.5, { stroke: colour, class: "mlgraph-trainer-hollow", "stroke-width": 2.5 });
  }
  return g;
}

/** @param {HTMLElement} parent */
export function buildMap(parent) {
  const box = html("div", "mlgraph-trainer-map", parent);
  const plot = html("div", "mlgraph-trainer-plot", box);
  const canvas = html("canvas", "mlgraph-trainer-boundary", plot);
  const overlay = svg("svg", { class: "mlgraph-trainer-overlay" }, plot);
  const legend = html("div", "mlgraph-trainer-legend", box);
  /** @type {unknown} */ let drawnPoints = null;
  let drawnSize = 0;

  /** Axes, ticks and points: redrawn only when the data or the size change. */
  function drawPoints(/** @type {Points} */ p, /** @type {number} */ S) {
    overlay.replaceChildren();
    const W = LEFT + S + 8, H = S + BOTTOM;
    for (const [k, v] of Object.entries({ width: W, height: H, viewBox: `0 0 ${W} ${H}` })) overlay.setAttribute(k, String(v));
    const [x0, x1, y0, y1] = p.bounds;
    const sx = (/** @type {number} */ v) => LEFT + ((v - x0) / (x1 - x0)) * S;
    const sy = (/** @type {number} */ v) => ((y1 - v) / (y1 - y0)) * S;
    svg("rect", { x: LEFT - 0.5, y: -0.5 + 0.5, width: S + 1, height: S, class: "mlgraph-trainer-frame" }, overlay);
    for (const [v, t] of p.x_ticks) svgText(overlay, sx(v), S + 16, t, { "text-anchor": "middle", class: "mlgraph-trainer-tick" });
    for (const [v, t] of p.y_ticks) svgText(overlay, LEFT - 5, sy(v) + 5, t, { "text-anchor": "end", class: "mlgraph-trainer-tick" });
    svgText(overlay, LEFT + S / 2, S + 34, p.features[0] ?? "", { "text-anchor": "middle", class: "mlgraph-trainer-axis-name", "data-mlgraph-axis": "x" });
    const yName = svgText(overlay, 12, S / 2, p.features[1] ?? "", { "text-anchor": "middle", class: "mlgraph-trainer-axis-name", "data-mlgraph-axis": "y" });
    yName.setAttribute("transform", `rotate(-90 12 ${S / 2})`);
    const layer = svg("g", { class: "mlgraph-trainer-points" }, overlay);
    p.x.forEach((xy, i) => point(layer, p, i, sx(xy[0]), sy(xy[1])));
    p.traced.forEach((i, n) => {
      const [cx, cy] = [sx(p.x[i][0]), sy(p.x[i][1])];
      const g = svg("g", { "data-mlgraph-traced": n + 1 }, overlay);
      svg("circle", { cx, cy, r: 9, class: "mlgraph-trainer-traced-outline" }, g);
      svg("circle", { cx, cy, r: 9, class: "mlgraph-trainer-traced" }, g);
      svgText(g, cx + 11, cy - 8, String(n + 1), { class: "mlgraph-trainer-traced-label" });
    });
  }

  /**
   * @param {Points} p
   * @param {{n: number, values?: number[], classes?: number[], confidence?: number[]}} boundary
   * @param {Tile | null} tile  a hovered neuron, drawn instead of the output
   * @param {import("./colour.js").RGB} neutral
   * @param {number} S  the plot's side in CSS pixels
   */
  function draw(p, boundary, tile, neutral, S) {
    if (!p.x) return;
    plot.style.width = `${LEFT + S + 8}px`;
    plot.style.height = `${S + BOTTOM}px`;
    canvas.style.left = `${LEFT}px`;
    sizeCanvas(canvas, S);
    if (tile) paintGrid(canvas, tile.n, (k) => signColour(tile.values[k], neutral));
    else paintGrid(canvas, boundary.n, (k) => cellColour(boundary, k, p.n_classes, neutral));
    if (drawnPoints !== p || drawnSize !== S) drawPoints(p, S);
    drawnPoints = p;
    drawnSize = S;
    drawLegend(legend, p, tile);
  }
  return { draw, box };
}

/**
 * Two lines: what the colours mean now, and what the marks mean.
 * @param {HTMLElement} legend @param {Points} p @param {Tile | null} tile
 */
function drawLegend(legend, p, tile) {
  legend.replaceChildren();
  const scale = html("div", "mlgraph-trainer-legend-line", legend);
  scale.setAttribute("data-mlgraph-legend", "scale");
  const bar = () => html("span", "mlgraph-trainer-scale", scale);
  if (tile) {
    html("span", "", scale, `${tile.label}:`);
    html("span", "", scale, "−1");
    bar();
    html("span", "", scale, "+1");
  } else if (p.task === "binary") {
    html("span", "", scale, "P(class 1):");
    swatch(scale, 0);
    html("span", "", scale, "0");
    bar();
    html("span", "", scale, "1");
    swatch(scale, 1);
  } else if (p.task === "regression" && p.scale) {
    html("span", "", scale, "prediction:");
    html("span", "", scale, p.scale[0]);
    bar();
    html("span", "", scale, p.scale[2]);
  } else {
    html("span", "", scale, "class:");
    for (let k = 0; k < p.n_classes; k++) {
      swatch(scale, k);
      html("span", "", scale, String(k));
    }
  }
  const marks = html("div", "mlgraph-trainer-legend-line", legend);
  marks.setAttribute("data-mlgraph-legend", "marks");
  const item = (/** @type {string} */ label, /** @type {(g: Element) => void} */ paint) => {
    const span = html("span", "mlgraph-trainer-key-item", marks);
    paint(svg("svg", { width: 20, height: 20, viewBox: "-10 -10 20 20", class: "mlgraph-trainer-icon" }, span));
    html("span", "", span, label);
  };
  item("training", (g) => glyph(g, 0, 0, 0, 5, { fill: "currentColor", class: "mlgraph-trainer-ring", "stroke-width": 1.25 }));
  item("test", (g) => glyph(g, 0, 0, 0, 5, { fill: "none", stroke: "currentColor", "stroke-width": 2.5 }));
  if (p.traced.length) {
    item("traced (graph tab)", (g) => {
      svg("circle", { cx: 0, cy: 0, r: 6.5, class: "mlgraph-trainer-traced-outline" }, g);
      svg("circle", { cx: 0, cy: 0, r: 6.5, class: "mlgraph-trainer-traced" }, g);
    });
  }
}

/** A class's glyph in its colour. @param {HTMLElement} parent @param {number} k */
function swatch(parent, k) {
  const s = svg("svg", { width: 20, height: 20, viewBox: "-10 -10 20 20", class: "mlgraph-trainer-icon" }, parent);
  glyph(s, k, 0, 0, 5.5, { fill: hex(classColour(k)), class: "mlgraph-trainer-ring", "stroke-width": 1.25 });
}
