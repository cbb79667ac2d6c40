// @ts-check
/**
 * The view of mlgraph.surface_explorer.SurfaceView: a plain ES module, no bundler.
 *
 * Shows the surface picture (`image`, a PNG drawn by mlgraph.plots in the kernel) and
 * draws the optimizer paths (`paths`) over it as SVG, in the picture's own data
 * coordinates (`extent` = [x0, x1, y0, y1] of the axes, `frame` = the axes' box as
 * fractions of the picture, left/bottom/width/height, `size` = its pixels). A click
 * inside the axes writes the data point into `start`; the kernel re-runs the optimizer
 * and sends new `paths`. All state lives in render's closure.
 * Test hooks: `data-mlgraph-start` on the root, `data-mlgraph-path` (index) and
 * `data-mlgraph-points` (count) on each path.
 */

const SVG = "http://www.w3.org/2000/svg";

/** @param {string} tag @param {Record<string, any>} attrs @param {Element} [parent] */
function svg(tag, attrs, parent) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

/** Data coordinates → picture pixels, and back. */
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

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "mlgraph-surface";
  const img = document.createElement("img");
  img.className = "mlgraph-surface-image";
  img.alt = "loss surface";
  const layer = svg("svg", { class: "mlgraph-surface-paths" });
  root.append(img, layer);
  el.appendChild(root);
  let url = "";

  function showImage() {
    if (url) URL.revokeObjectURL(url);
    const data = model.get("image");
    url = URL.createObjectURL(new Blob([data], { type: "image/png" }));
    img.src = url;
  }

  function draw() {
    const size = model.get("size");
    const map = mapping(model.get("extent"), model.get("frame"), size);
    layer.setAttribute("viewBox", `0 0 ${size[0]} ${size[1]}`);
    layer.replaceChildren();
    const clip = svg("clipPath", { id: `mlgraph-clip-${model.cid || "view"}` }, layer);
    const [bx, by, bw, bh] = map.box;
    svg("rect", { x: bx, y: by, width: bw, height: bh }, clip);
    const group = svg("g", { "clip-path": `url(#${clip.id})` }, layer);
    model.get("paths").forEach((path, k) => {
      const pts = path.points.map(map.toPixel);
      const line = pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ");
      const attrs = { points: line, fill: "none", "stroke-linejoin": "round" };
      svg("polyline", { ...attrs, stroke: "white", "stroke-width": 5, opacity: 0.8 }, group);
      const main = svg("polyline", { ...attrs, stroke: path.color, "stroke-width": 2.5 }, group);
      main.setAttribute("data-mlgraph-path", String(k));
      main.setAttribute("data-mlgraph-points", String(pts.length));
      if (pts.length <= 120) {
        for (const [x, y] of pts) svg("circle", { cx: x, cy: y, r: 2.2, fill: path.color }, group);
      }
      const [sx, sy] = pts[0];
      svg("circle", { cx: sx, cy: sy, r: 7, fill: path.color, stroke: "white", "stroke-width": 2 }, group);
      const [ex, ey] = pts[pts.length - 1];
      svg("rect", { x: ex - 6, y: ey - 6, width: 12, height: 12, fill: path.color, stroke: "black", "stroke-width": 1.5 }, group);
    });
    const start = model.get("start");
    root.setAttribute("data-mlgraph-start", start.map((v) => v.toFixed(4)).join(","));
  }

  function click(event) {
    const rect = layer.getBoundingClientRect();
    const size = model.get("size");
    const px = ((event.clientX - rect.left) / rect.width) * size[0];
    const py = ((event.clientY - rect.top) / rect.height) * size[1];
    const map = mapping(model.get("extent"), model.get("frame"), size);
    const [bx, by, bw, bh] = map.box;
    if (px < bx || px > bx + bw || py < by || py > by + bh) return;  // outside the axes
    model.set("start", map.toData([px, py]));
    model.save_changes();
  }

  layer.addEventListener("click", click);
  model.on("change:image", showImage);
  model.on("change:paths", draw);
  model.on("change:extent", draw);
  model.on("change:start", draw);
  showImage();
  draw();
  return () => {
    layer.removeEventListener("click", click);
    model.off("change:image", showImage);
    model.off("change:paths", draw);
    model.off("change:extent", draw);
    model.off("change:start", draw);
    if (url) URL.revokeObjectURL(url);
  };
}

export default { render };
