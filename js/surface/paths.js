// @ts-check
// The optimizer paths over the surface picture, as SVG in the picture's own pixels.
// Pure geometry (`mapping`) and drawing (`drawPaths`); no model access. Every point is
// the kernel's: the view only maps data coordinates to pixels.

import { svg } from "../trainer/dom.js";

/**
 * @typedef {object} SurfacePath  one path, as mlgraph.surface_explorer sends it
 * @property {string} label  the optimizer and its settings (user text: shown as text)
 * @property {string} color  "#rrggbb"
 * @property {number[][]} points  [x, y] in data coordinates, start first
 * @property {string} text  its legend line, numbers formatted by Python
 *
 * @typedef {object} Mapping
 * @property {(p: number[]) => number[]} toPixel  data → picture pixels
 * @property {(p: number[]) => number[]} toData  picture pixels → data
 * @property {number[]} box  the axes' box in picture pixels: x, y, width, height
 */

/**
 * Data coordinates ↔ picture pixels, from the axes' limits and their box.
 * @param {number[]} extent  [x0, x1, y0, y1]: the axes' data limits
 * @param {number[]} frame  [left, bottom, width, height]: the axes as picture fractions
 * @param {number[]} size  [width, height] of the picture in pixels
 * @returns {Mapping}
 */
export function mapping(extent, frame, size) {
  const [x0, x1, y0, y1] = extent;
  const [left, bottom, width, height] = frame;
  const [w, h] = size;
  return {
    toPixel: ([x, y]) => [
      (left + ((x - x0) / (x1 - x0)) * width) * w,
      (1 - (bottom + ((y - y0) / (y1 - y0)) * height)) * h,
    ],
    toData: ([px, py]) => [
      x0 + ((px / w - left) / width) * (x1 - x0),
      y0 + ((1 - py / h - bottom) / height) * (y1 - y0),
    ],
    box: [left * w, (1 - bottom - height) * h, width * w, height * h],
  };
}

/** Paths with more points than this get no dot per step (the line alone reads). */
export const MAX_DOTS = 120;

/**
 * Draw every path into `layer` (an <svg> over the picture), clipped to the axes.
 * Each path: a white halo, the line in its colour, a dot per step, ● start, ■ end.
 * @param {SVGElement} layer
 * @param {SurfacePath[]} paths
 * @param {Mapping} map
 * @param {string} clipId  unique per view: two views of one model must not share it
 */
export function drawPaths(layer, paths, map, clipId) {
  layer.replaceChildren();
  const clip = svg("clipPath", { id: clipId }, layer);
  const [bx, by, bw, bh] = map.box;
  svg("rect", { x: bx, y: by, width: bw, height: bh }, clip);
  const group = svg("g", { "clip-path": `url(#${clipId})` }, layer);
  paths.forEach((path, k) => {
    const pts = path.points.map(map.toPixel);
    if (!pts.length) return;
    const line = pts.map(([x, y]) => `${x},${y}`).join(" ");
    const attrs = { points: line, fill: "none", "stroke-linejoin": "round" };
    svg("polyline", { ...attrs, class: "mlgraph-surface-halo", "stroke-width": 5 }, group);
    const main = svg("polyline", { ...attrs, stroke: path.color, "stroke-width": 2.5 }, group);
    main.setAttribute("data-mlgraph-path", String(k));
    main.setAttribute("data-mlgraph-points", String(pts.length));
    svg("title", {}, main).textContent = path.label;
    if (pts.length <= MAX_DOTS) {
      for (const [x, y] of pts) svg("circle", { cx: x, cy: y, r: 2.2, fill: path.color }, group);
    }
    const [sx, sy] = pts[0];
    svg("circle", { cx: sx, cy: sy, r: 7, fill: path.color, class: "mlgraph-surface-start" }, group);
    const [ex, ey] = pts[pts.length - 1];
    svg("rect", { x: ex - 6, y: ey - 6, width: 12, height: 12, fill: path.color, class: "mlgraph-surface-end" }, group);
  });
}
