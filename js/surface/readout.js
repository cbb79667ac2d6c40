// @ts-check
// The readout under the picture: the surface's title, how to use it, one legend line
// per path and the kernel's time. Every text is Python's (numbers formatted there) and
// goes in as textContent, so a label is never markup.

import { html, svg } from "../trainer/dom.js";

/** @typedef {import("./paths.js").SurfacePath} SurfacePath */

/**
 * A start ● or end ■ mark as the paths draw it, for the key.
 * @param {Element} parent @param {"start" | "end"} kind
 */
function mark(parent, kind) {
  const icon = svg("svg", { viewBox: "0 0 16 16", width: 14, height: 14, "aria-hidden": "true" }, parent);
  if (kind === "start") svg("circle", { cx: 8, cy: 8, r: 6, class: "mlgraph-surface-start" }, icon);
  else svg("rect", { x: 2, y: 2, width: 12, height: 12, class: "mlgraph-surface-end" }, icon);
}

/**
 * Build the readout's fixed parts into `parent`; returns the parts that change.
 * @param {Element} parent
 */
export function buildReadout(parent) {
  const root = html("div", "mlgraph-surface-readout", parent);
  const title = html("div", "mlgraph-surface-title", root);
  const hint = html("div", "mlgraph-surface-hint", root, "Click the picture to start there. ");
  mark(hint, "start");
  hint.append(" start ");
  mark(hint, "end");
  hint.append(" end");
  const legend = html("ul", "mlgraph-surface-legend", root);
  const status = html("div", "mlgraph-surface-status", root);
  return { root, title, legend, status };
}

/**
 * Show the title, one legend line per path (its colour as a swatch) and the status.
 * @param {ReturnType<typeof buildReadout>} parts
 * @param {string} title
 * @param {SurfacePath[]} paths
 * @param {string} status
 */
export function fillReadout(parts, title, paths, status) {
  parts.title.textContent = title;
  parts.status.textContent = status;
  parts.legend.replaceChildren();
  paths.forEach((path, k) => {
    const item = html("li", "mlgraph-surface-item", parts.legend);
    item.setAttribute("data-mlgraph-legend", String(k));
    const swatch = html("span", "mlgraph-surface-swatch", item);
    swatch.style.background = path.color;
    html("span", "mlgraph-surface-text", item, path.text);
  });
}
