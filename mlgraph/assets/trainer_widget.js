// @ts-check
/**
 * The view of mlgraph.training_widget.TrainingWidget: a plain ES module, no bundler.
 *
 * Draws the traits `points`, `boundary`, `history`, `network`, `epoch`, `message` and
 * writes the controls back into traits (`dataset`, `noise`, `hidden`, `activation`,
 * `lr`, `batch_size`, `l2`, `running`, `step_requests`, `reset_requests`). The child
 * GraphWidget (`graph_widget`) is drawn with anywidget's `host.getWidget` (≥ 0.11).
 * All state lives in render's closure, so two views of one widget never interfere.
 * Test hooks: `data-mlgraph-epoch` on the root, `data-mlgraph-action` on the buttons,
 * `data-mlgraph-metric` on the numbers, `data-mlgraph-neuron="layer:index"` on the
 * neurons and `data-mlgraph-weight="W1[i,j]"` with `data-mlgraph-sign` on the edges.
 */

/** A loss as printed (mlgraph.training_widget.loss_text mirrors it). */
export const lossText = (v) => (v === null || v === undefined || !isFinite(v) ? "–" : Number(v).toFixed(4));
/** An accuracy as printed (mlgraph.training_widget.percent_text mirrors it). */
export const percentText = (v) => (v === null || v === undefined || !isFinite(v) ? "–" : `${(100 * v).toFixed(1)}%`);

/** Class colours (TF Playground's orange and blue first). */
const PALETTE = ["#f59322", "#0877bd", "#2ca02c", "#9467bd", "#d62728", "#8c564b"];
const SVG = "http://www.w3.org/2000/svg";

/** @param {string} hex @returns {number[]} */
function rgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Mix colour a towards white: t = 0 gives white, t = 1 gives a. */
function tint(a, t) {
  return a.map((c) => Math.round(255 + (c - 255) * t));
}

/** @param {string} tag @param {Record<string, any>} attrs @param {Element} [parent] */
function svg(tag, attrs, parent) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

/** @param {string} tag @param {string} cls @param {Element} parent */
function html(tag, cls, parent) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  parent.appendChild(node);
  return node;
}

/** The colour of one boundary cell. */
function cellColour(boundary, points, k) {
  const v = boundary.values[k];
  if (points.task === "multiclass") {
    const conf = boundary.confidence ? boundary.confidence[k] : 1;
    const floor = 1 / Math.max(points.n_classes, 2);
    return tint(rgb(PALETTE[v % PALETTE.length]), 0.75 * (conf - floor) / (1 - floor));
  }
  // binary P(class 1) and scaled regression: orange (0) → white (0.5) → blue (1)
  const t = Math.max(-1, Math.min(1, 2 * v - 1));
  return t < 0 ? tint(rgb(PALETTE[0]), -0.75 * t) : tint(rgb(PALETTE[1]), 0.75 * t);
}

function drawBoundary(canvas, model) {
  const ctx = canvas.getContext("2d");
  const boundary = model.get("boundary");
  const points = model.get("points");
  if (!ctx || !boundary.values || !points.x) return;
  const n = boundary.n;
  const off = document.createElement("canvas");
  off.width = off.height = n;
  const octx = off.getContext("2d");
  if (!octx) return;
  const img = octx.createImageData(n, n);
  for (let k = 0; k < n * n; k++) {
    const [r, g, b] = cellColour(boundary, points, k);
    img.data.set([r, g, b, 255], 4 * k);
  }
  octx.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
  const [x0, x1, y0, y1] = points.bounds;
  const sx = (x) => ((x - x0) / (x1 - x0)) * canvas.width;
  const sy = (y) => ((y1 - y) / (y1 - y0)) * canvas.height;
  points.x.forEach((p, i) => {
    const y = points.y[i];
    let fill = PALETTE[0];
    if (points.task === "regression") fill = "#555";
    else if (points.task === "multiclass" || y >= 0.5) fill = PALETTE[y % PALETTE.length];
    ctx.beginPath();
    ctx.arc(sx(p[0]), sy(p[1]), 3.2, 0, 2 * Math.PI);
    ctx.fillStyle = fill;
    ctx.fill();
    ctx.lineWidth = points.train[i] ? 1 : 1.6;
    ctx.strokeStyle = points.train[i] ? "#fff" : "#000";   // test points: black ring
    ctx.stroke();
  });
}

function drawCurves(root, model) {
  root.replaceChildren();
  const h = model.get("history");
  const W = 440, H = 300, P = 34;
  svg("rect", { x: P, y: 6, width: W - P - 6, height: H - P - 6, class: "mlgraph-trainer-frame" }, root);
  if (!h.epoch || !h.epoch.length) return;
  const all = [...h.train_loss, ...h.test_loss].filter((v) => v !== null && isFinite(v));
  const top = Math.max(1e-12, ...all);
  const last = h.epoch[h.epoch.length - 1];
  const sx = (e) => P + ((e - 1) / Math.max(1, last - 1)) * (W - P - 6);
  const sy = (v) => 6 + (1 - Math.min(v, top) / top) * (H - P - 6);
  for (const [key, cls] of [["train_loss", "train"], ["test_loss", "test"]]) {
    const pts = h[key].map((v, i) => (v === null ? null : `${sx(h.epoch[i])},${sy(v)}`))
      .filter((p) => p !== null);
    svg("polyline", { points: pts.join(" "), class: `mlgraph-trainer-${cls}` }, root);
  }
  const label = (x, y, text, anchor = "start") => {
    const t = svg("text", { x, y, "text-anchor": anchor, class: "mlgraph-trainer-axis" }, root);
    t.textContent = text;
  };
  label(P - 3, 12, top.toPrecision(2), "end");
  label(P - 3, H - P, "0", "end");
  label(W - 6, H - P + 14, `epoch ${last}`, "end");
  label(P + 4, H - 4, "— train   - - test loss");
}

function drawNetwork(root, model) {
  root.replaceChildren();
  const net = model.get("network");
  if (!net.sizes) return;
  const W = 300, H = 260, R = 5;
  const cols = net.sizes.length;
  const x = (l) => 20 + (l * (W - 40)) / Math.max(1, cols - 1);
  const y = (l, i) => {
    const n = net.sizes[l];
    const gap = Math.min(18, (H - 30) / Math.max(1, n));
    return H / 2 + (i - (n - 1) / 2) * gap;
  };
  let wmax = 1e-12;
  for (const Wl of net.weights) for (const row of Wl) for (const w of row) wmax = Math.max(wmax, Math.abs(w));
  net.weights.forEach((Wl, l) => {
    Wl.forEach((row, i) => row.forEach((w, j) => {
      const name = `${net.names[l]}[${i},${j}]`;
      const line = svg("line", {
        x1: x(l), y1: y(l, i), x2: x(l + 1), y2: y(l + 1, j),
        stroke: w >= 0 ? PALETTE[1] : PALETTE[0],        // blue positive, orange negative
        "stroke-width": (0.3 + 3.2 * Math.abs(w) / wmax).toFixed(2),
        "stroke-opacity": 0.75,
        "data-mlgraph-weight": name,
        "data-mlgraph-sign": w >= 0 ? "+" : "-",
      }, root);
      svg("title", {}, line).textContent = `${name} = ${w.toPrecision(4)}`;
    }));
  });
  net.sizes.forEach((n, l) => {
    for (let i = 0; i < n; i++) {
      const c = svg("circle", { cx: x(l), cy: y(l, i), r: R, class: "mlgraph-trainer-neuron", "data-mlgraph-neuron": `${l}:${i}` }, root);
      const b = l > 0 && net.biases ? ` (b${l}[${i}] = ${net.biases[l - 1][i].toPrecision(4)})` : "";
      svg("title", {}, c).textContent = l === 0 ? `input ${i + 1}` : `layer ${l}, neuron ${i + 1}${b}`;
    }
    if (l > 0) {
      const t = svg("text", { x: (x(l - 1) + x(l)) / 2, y: H - 4, "text-anchor": "middle", class: "mlgraph-trainer-axis" }, root);
      t.textContent = net.names[l - 1];
    }
  });
}

/** A labelled control bound to one trait. */
function control(parent, model, name, label, make) {
  const wrap = html("label", "mlgraph-trainer-control", parent);
  wrap.textContent = label + " ";
  const input = make(wrap);
  const read = () => { input.value = String(model.get(name)); };
  input.addEventListener("change", () => {
    const raw = input.value;
    const cur = model.get(name);
    const value = typeof cur === "number" ? Number(raw) : raw;
    if (typeof value === "number" && !isFinite(value)) { read(); return; }
    model.set(name, value);
    model.save_changes();
  });
  read();
  return read;
}

function select(options) {
  return (parent) => {
    const s = html("select", "", parent);
    for (const o of options) { const opt = html("option", "", s); opt.textContent = o; opt.value = o; }
    return s;
  };
}

function input(type, attrs = {}) {
  return (parent) => {
    const i = html("input", "", parent);
    i.type = type;
    for (const [k, v] of Object.entries(attrs)) i.setAttribute(k, String(v));
    return i;
  };
}

/** A button with a test hook. */
function button(parent, action, text, onClick) {
  const b = html("button", "mlgraph-trainer-button", parent);
  b.type = "button";
  b.textContent = text;
  b.setAttribute("data-mlgraph-action", action);
  b.addEventListener("click", onClick);
  return b;
}

/** Draw the child GraphWidget into `box` (anywidget ≥ 0.11's host API). */
async function renderGraph(box, model, host, signal) {
  const ref = model.get("graph_widget");
  if (!ref) return;
  if (!host || !host.getWidget) {
    box.textContent = "the computation graph needs anywidget ≥ 0.11";
    return;
  }
  const child = await host.getWidget(ref);
  await child.render({ el: box, signal });
}

export default {
  render({ model, el, host, signal }) {
    const root = html("div", "mlgraph-trainer", el);
    const bar = html("div", "mlgraph-trainer-controls", root);
    const readers = [
      control(bar, model, "dataset", "data", select(model.get("dataset_choices"))),
      control(bar, model, "noise", "noise", input("number", { step: 0.05, min: 0, max: 2 })),
      control(bar, model, "hidden", "hidden", input("text", { size: 6 })),
      control(bar, model, "activation", "activation", select(["tanh", "relu", "sigmoid", "identity"])),
      control(bar, model, "lr", "lr", input("number", { step: 0.01, min: 0 })),
      control(bar, model, "batch_size", "batch", input("number", { step: 1, min: 0 })),
      control(bar, model, "l2", "L2", input("number", { step: 0.001, min: 0 })),
    ];
    const buttons = html("div", "mlgraph-trainer-buttons", root);
    const send = (name, value) => { model.set(name, value); model.save_changes(); };
    const play = button(buttons, "play", "▶ play", () => send("running", true));
    const pause = button(buttons, "pause", "⏸ pause", () => send("running", false));
    button(buttons, "step", "step", () => send("step_requests", model.get("step_requests") + 1));
    button(buttons, "reset", "reset", () => send("reset_requests", model.get("reset_requests") + 1));
    const counter = html("span", "mlgraph-trainer-epoch", buttons);
    const metrics = html("span", "mlgraph-trainer-metrics", buttons);
    const metric = {};
    for (const [key, label] of [["train_loss", "train loss"], ["test_loss", "test loss"], ["train_accuracy", "train acc."], ["test_accuracy", "test acc."]]) {
      const item = html("span", "", metrics);
      item.textContent = `${label} `;
      metric[key] = html("b", "", item);
      metric[key].setAttribute("data-mlgraph-metric", key);
    }

    const views = html("div", "mlgraph-trainer-views", root);
    const canvas = /** @type {HTMLCanvasElement} */ (html("canvas", "mlgraph-trainer-boundary", views));
    canvas.width = canvas.height = 300;
    const curves = svg("svg", { width: 440, height: 300, class: "mlgraph-trainer-curves" }, views);
    const lower = html("div", "mlgraph-trainer-views", root);
    const netBox = html("div", "mlgraph-trainer-panel mlgraph-trainer-net-panel", lower);
    html("div", "mlgraph-trainer-caption", netBox).textContent = "network diagram: edge colour = sign of the weight (blue +, orange −), width = |w|";
    const network = svg("svg", { width: 300, height: 260, class: "mlgraph-trainer-network" }, netBox);
    const graphPanel = html("div", "mlgraph-trainer-panel mlgraph-trainer-graph-panel", lower);
    const graphCaption = html("div", "mlgraph-trainer-caption", graphPanel);
    const graphBox = html("div", "mlgraph-trainer-graph", graphPanel);
    const message = html("div", "mlgraph-trainer-message", root);
    renderGraph(graphBox, model, host, signal).catch((err) => { graphBox.textContent = `computation graph: ${err}`; });

    const update = () => {
      const running = model.get("running");
      play.hidden = running;
      pause.hidden = !running;
      root.setAttribute("data-mlgraph-epoch", String(model.get("epoch")));
      root.setAttribute("data-mlgraph-running", running ? "1" : "0");
      counter.textContent = `epoch ${model.get("epoch")}`;
      const h = model.get("history");
      const n = h.epoch ? h.epoch.length : 0;
      metric.train_loss.textContent = lossText(n ? h.train_loss[n - 1] : null);
      metric.test_loss.textContent = lossText(n ? h.test_loss[n - 1] : null);
      metric.train_accuracy.textContent = percentText(n ? h.train_accuracy[n - 1] : null);
      metric.test_accuracy.textContent = percentText(n ? h.test_accuracy[n - 1] : null);
      graphCaption.textContent = `computation graph: the loss on a few training examples, parameters of epoch ${model.get("graph_epoch")} (refreshed on step, pause, reset)`;
      message.textContent = model.get("message");
      drawBoundary(canvas, model);
      drawCurves(curves, model);
      drawNetwork(network, model);
    };
    let frame = 0;
    const schedule = () => { if (!frame) frame = requestAnimationFrame(() => { frame = 0; update(); }); };
    const events = ["boundary", "history", "network", "epoch", "running", "message", "points", "graph_epoch"];
    for (const e of events) model.on(`change:${e}`, schedule);
    const controls = ["dataset", "noise", "hidden", "activation", "lr", "batch_size", "l2"];
    const refresh = () => readers.forEach((r) => r());
    for (const c of controls) model.on(`change:${c}`, refresh);
    update();
    return () => {
      for (const e of events) model.off(`change:${e}`, schedule);
      for (const c of controls) model.off(`change:${c}`, refresh);
      if (frame) cancelAnimationFrame(frame);
    };
  },
};
