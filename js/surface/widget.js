// @ts-check
// The view of mlgraph.surface_explorer.SurfaceView, bundled by esbuild into
// mlgraph/static/surface.js.
//
// Shows the surface picture (`image`: a PNG drawn by mlgraph.plots in the kernel), draws
// the optimizer paths (`paths`) over it as SVG in the picture's own data coordinates
// (`extent` = [x0, x1, y0, y1] of the axes, `frame` = the axes' box as fractions of the
// picture, `size` = its pixels), and the readout under it (`title`, each path's `text`,
// `status`: Python's strings). A click inside the axes writes the data point into
// `start`; the kernel re-runs the optimizer and sends new `paths`. All state lives in
// render's closure. Test hooks: `data-mlgraph-start` on the root, `data-mlgraph-path`
// (index) and `data-mlgraph-points` (count) on each path, `data-mlgraph-legend` (index).

import { html, svg } from "../trainer/dom.js";
import { drawPaths, mapping } from "./paths.js";
import { buildReadout, fillReadout } from "./readout.js";

/**
 * @typedef {import("../testing/fake_model.js").FakeModel} Model
 */

let views = 0; // a distinct clip-path id per view: ids are global to the page

/**
 * @param {{model: Model, el: HTMLElement}} ctx
 * @returns {() => void} cleanup
 */
function render({ model, el }) {
  const root = html("div", "mlgraph-surface", el);
  const figure = html("div", "mlgraph-surface-figure", root);
  const img = html("img", "mlgraph-surface-image", figure);
  img.alt = "loss surface";
  const layer = svg("svg", { class: "mlgraph-surface-paths" }, figure);
  const readout = buildReadout(root);
  const clipId = `mlgraph-surface-clip-${++views}`;
  let url = "";

  function showImage() {
    if (url) URL.revokeObjectURL(url);
    const data = model.get("image");
    url = URL.createObjectURL(new Blob([data], { type: "image/png" }));
    img.src = url;
    img.alt = model.get("title") || "loss surface";
    const [w, h] = model.get("size");
    img.width = w; // the picture's own size: its text is drawn for it
    img.height = h;
    readout.root.style.maxWidth = `${w}px`; // long labels wrap under the picture
  }

  function draw() {
    const size = model.get("size");
    const map = mapping(model.get("extent"), model.get("frame"), size);
    layer.setAttribute("viewBox", `0 0 ${size[0]} ${size[1]}`);
    drawPaths(layer, model.get("paths"), map, clipId);
    root.setAttribute("data-mlgraph-start", model.get("start").join(","));
    fillReadout(readout, model.get("title"), model.get("paths"), model.get("status"));
  }

  /** @param {MouseEvent} event */
  function click(event) {
    const rect = layer.getBoundingClientRect();
    const size = model.get("size");
    const px = ((event.clientX - rect.left) / rect.width) * size[0];
    const py = ((event.clientY - rect.top) / rect.height) * size[1];
    const map = mapping(model.get("extent"), model.get("frame"), size);
    const [bx, by, bw, bh] = map.box;
    if (px < bx || px > bx + bw || py < by || py > by + bh) return; // outside the axes
    model.set("start", map.toData([px, py]));
    model.save_changes();
  }

  const redraws = ["paths", "extent", "frame", "size", "start", "title", "status"];
  layer.addEventListener("click", /** @type {EventListener} */ (click));
  model.on("change:image", showImage);
  for (const name of redraws) model.on(`change:${name}`, draw);
  showImage();
  draw();
  return () => {
    layer.removeEventListener("click", /** @type {EventListener} */ (click));
    model.off("change:image", showImage);
    for (const name of redraws) model.off(`change:${name}`, draw);
    if (url) URL.revokeObjectURL(url);
    root.remove();
  };
}

export default { render };
