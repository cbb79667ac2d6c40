// @ts-check
// The loss curves as SVG: a sparkline beside the loss numbers and the large chart of
// the loss tab. Tick text and the numbers of the hover readout come from Python.
import { svg, svgText } from "./dom.js";

/**
 * @typedef {object} Curve  mlgraph.training_widget.loss_curve
 * @property {number[]} epoch
 * @property {(number|null)[]} train_loss
 * @property {(number|null)[]} test_loss
 * @property {string[]} train_loss_text
 * @property {string[]} test_loss_text
 * @property {[number, string][]} y_ticks
 * @property {[number, string][]} log_ticks
 * @property {[number, string][]} x_ticks
 * @property {number} y_max
 */

/** @typedef {{width: number, height: number, compact: boolean, log: boolean}} ChartOptions */

export const NOT_TRAINED = "not trained yet";

/**
 * Draw the curves into `root` (an <svg>), replacing what was there.
 * @param {SVGElement} root
 * @param {Curve} curve
 * @param {ChartOptions} o
 * @returns {{x: (epoch: number) => number, index: (px: number) => number} | null}
 *   the x scale and its inverse (nearest point), or null before training
 */
export function drawChart(root, curve, o) {
  root.replaceChildren();
  root.setAttribute("width", String(o.width));
  root.setAttribute("height", String(o.height));
  root.setAttribute("viewBox", `0 0 ${o.width} ${o.height}`);
  const n = curve.epoch ? curve.epoch.length : 0;
  if (!n) {
    svg("rect", { x: 0.5, y: 0.5, width: o.width - 1, height: o.height - 1, class: "mlgraph-trainer-empty" }, root);
    svgText(root, o.width / 2, o.height / 2 + 5, NOT_TRAINED, { "text-anchor": "middle", class: "mlgraph-trainer-muted" });
    return null;
  }
  const left = o.compact ? 44 : 64, bottom = o.compact ? 20 : 44, top = 10, right = o.compact ? 8 : 16;
  const w = o.width - left - right, h = o.height - top - bottom;
  const last = curve.epoch[n - 1];
  const x = (/** @type {number} */ e) => left + (last > 1 ? ((e - 1) / (last - 1)) * w : w);
  const ticks = o.log && curve.log_ticks.length ? curve.log_ticks : curve.y_ticks;
  const lo = o.log && curve.log_ticks.length ? Math.log10(ticks[0][0]) : 0;
  const hi = o.log && curve.log_ticks.length ? Math.log10(ticks[ticks.length - 1][0]) : curve.y_max;
  const y = (/** @type {number} */ v) => {
    const t = o.log ? (Math.log10(v) - lo) / (hi - lo || 1) : v / (hi || 1);
    return top + (1 - Math.max(0, Math.min(1, t))) * h;
  };
  svg("line", { x1: left, y1: top + h, x2: left + w, y2: top + h, class: "mlgraph-trainer-axis" }, root);
  svg("line", { x1: left, y1: top, x2: left, y2: top + h, class: "mlgraph-trainer-axis" }, root);
  const yTicks = o.compact ? [ticks[0], ticks[ticks.length - 1]].filter(Boolean) : ticks;
  for (const [v, text] of yTicks) {
    if (!o.compact) svg("line", { x1: left, y1: y(v), x2: left + w, y2: y(v), class: "mlgraph-trainer-grid" }, root);
    svgText(root, left - 6, y(v) + 5, text, { "text-anchor": "end", class: "mlgraph-trainer-tick" });
  }
  const xTicks = o.compact ? (last > 1 ? [[1, "1"], [last, String(last)]] : [[1, "1"]]) : curve.x_ticks;
  for (const [e, text] of xTicks) {
    const anchor = o.compact ? (e === last ? "end" : "start") : "middle";
    svgText(root, x(Number(e)), top + h + 16, String(text), { "text-anchor": anchor, class: "mlgraph-trainer-tick" });
  }
  if (!o.compact) {
    svgText(root, left + w / 2, o.height - 4, "epoch", { "text-anchor": "middle", class: "mlgraph-trainer-tick" });
    const title = svgText(root, 16, top + h / 2, o.log ? "loss (log scale)" : "loss", { "text-anchor": "middle", class: "mlgraph-trainer-tick" });
    title.setAttribute("transform", `rotate(-90 16 ${top + h / 2})`);
  }
  for (const key of /** @type {const} */ (["train_loss", "test_loss"])) {
    const pts = [];
    for (let i = 0; i < n; i++) {
      const v = curve[key][i];
      if (v !== null && (!o.log || v > 0)) pts.push(`${x(curve.epoch[i]).toFixed(1)},${y(v).toFixed(1)}`);
    }
    svg("polyline", { points: pts.join(" "), class: `mlgraph-trainer-line mlgraph-trainer-${key.replace("_loss", "")}`, "data-mlgraph-curve": key }, root);
  }
  const index = (/** @type {number} */ px) => {
    let best = 0;
    for (let i = 1; i < n; i++) if (Math.abs(x(curve.epoch[i]) - px) < Math.abs(x(curve.epoch[best]) - px)) best = i;
    return best;
  };
  return { x, index };
}
