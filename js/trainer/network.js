// @ts-check
// The network diagram (TF Playground's): one tile per neuron showing its output over the
// input plane, links coloured by the weight's sign with width by |w|, a bias square on
// every neuron (the output's too), +/− buttons per hidden layer, and a live readout of
// the hovered weight or bias with its gradient. Hovering a neuron shows it on the map.
import { hex, signColour } from "./colour.js";
import { button, html, svg } from "./dom.js";
import { paintGrid, sizeCanvas } from "./heatmap.js";

/**
 * @typedef {object} Network  mlgraph.training_widget.network_state
 * @property {number[]} sizes
 * @property {number[][][]} tiles  [layer][neuron][cell], on the colour scale
 * @property {number[][][]} weights
 * @property {number[][]} biases
 * @property {string[][][]} weight_text
 * @property {string[][]} bias_text
 * @property {string[][][]} weight_grad
 * @property {string[][]} bias_grad
 * @property {string[]} names  W1, b1, W2, b2, …
 */

const HEAD = 32, FOOT = 24, LEFT = 84, RIGHT = 12;
const W_REF = 4; // |w| at which a link reaches its widest (8 px)
const MAX_LAYERS = 6, MAX_WIDTH = 8; // mlgraph.training_widget's limits
export const HINT = "Hover a neuron to see it on the map, a link or a bias square for its value.";

/** The name of neuron i of layer l, as the map's legend and the readout print it. */
export function neuronName(/** @type {Network} */ net, /** @type {string[]} */ features, /** @type {number} */ l, /** @type {number} */ i) {
  if (l === 0) return features[i] ?? `x${i + 1}`;
  if (l === net.sizes.length - 1) return net.sizes[l] === 1 ? "ŷ" : `ŷ[${i}]`;
  return `h${l}[${i}]`;
}

/**
 * @param {HTMLElement} parent
 * @param {{neuron: (l: number | null, i: number) => void, widths: (hidden: number[]) => void}} on
 */
export function buildNetwork(parent, on) {
  const box = html("div", "mlgraph-trainer-net", parent);
  const readout = html("div", "mlgraph-trainer-readout", parent, HINT);
  readout.setAttribute("data-mlgraph-readout", "");
  let key = "";
  /** @type {{canvas: HTMLCanvasElement, bias: HTMLElement | null, l: number, i: number}[]} */
  let neurons = [];
  /** @type {{path: SVGElement, l: number, i: number, j: number}[]} */
  let links = [];
  /** @type {(() => [string, string, string]) | null} */
  let hovered = null;
  /** @type {Network | null} */
  let current = null;

  function showReadout() {
    readout.replaceChildren();
    if (!hovered) { readout.textContent = HINT; return; }
    const [name, value, grad] = hovered();
    html("span", "", readout, `${name} = ${value}`);
    html("span", "mlgraph-trainer-cotangent", readout, `∂L/∂${name} = ${grad}`);
  }

  /** Build the DOM for one architecture and size. */
  function build(/** @type {Network} */ net, /** @type {string[]} */ features, /** @type {number} */ W, /** @type {number} */ H) {
    box.replaceChildren();
    neurons = [];
    links = [];
    const L = net.sizes.length, maxN = Math.max(...net.sizes);
    const pitch = Math.min(52, (H - HEAD - FOOT) / maxN), tile = Math.max(18, Math.min(36, Math.floor(pitch - 8)));
    const x = (/** @type {number} */ l) => LEFT + tile / 2 + (l * (W - LEFT - RIGHT - tile)) / Math.max(1, L - 1);
    const y = (/** @type {number} */ l, /** @type {number} */ i) => HEAD + (H - HEAD - FOOT) / 2 + (i - (net.sizes[l] - 1) / 2) * pitch;
    const lines = svg("svg", { width: W, height: H, class: "mlgraph-trainer-links" }, box);
    net.weights.forEach((Wl, l) => Wl.forEach((row, i) => row.forEach((_, j) => {
      const [ax, ay, bx, by] = [x(l) + tile / 2, y(l, i), x(l + 1) - tile / 2, y(l + 1, j)];
      const mid = (ax + bx) / 2, d = `M${ax},${ay} C${mid},${ay} ${mid},${by} ${bx},${by}`;
      const name = `${net.names[2 * l]}[${i},${j}]`;
      const path = svg("path", { d, class: "mlgraph-trainer-link", "data-mlgraph-weight": name }, lines);
      const hit = svg("path", { d, class: "mlgraph-trainer-hit" }, lines);
      const show = () => /** @type {[string, string, string]} */ ([name, text(current, "weight_text", l, i, j), text(current, "weight_grad", l, i, j)]);
      hit.addEventListener("mouseenter", () => { hovered = show; showReadout(); });
      hit.addEventListener("mouseleave", () => { hovered = null; showReadout(); });
      links.push({ path, l, i, j });
    })));
    net.sizes.forEach((n, l) => {
      for (let i = 0; i < n; i++) {
        const cell = html("div", "mlgraph-trainer-neuron", box);
        cell.setAttribute("data-mlgraph-neuron", `${l}:${i}`);
        Object.assign(cell.style, { left: `${x(l) - tile / 2}px`, top: `${y(l, i) - tile / 2}px`, width: `${tile}px`, height: `${tile}px` });
        const canvas = html("canvas", "", cell);
        sizeCanvas(canvas, tile);
        cell.addEventListener("mouseenter", () => on.neuron(l, i));
        cell.addEventListener("mouseleave", () => on.neuron(null, 0));
        /** @type {HTMLElement | null} */
        let bias = null;
        if (l > 0) {
          const square = html("div", "mlgraph-trainer-bias", cell);
          const name = `${net.names[2 * l - 1]}[${i}]`;
          square.setAttribute("data-mlgraph-bias", name);
          const show = () => /** @type {[string, string, string]} */ ([name, text(current, "bias_text", l - 1, i), text(current, "bias_grad", l - 1, i)]);
          square.addEventListener("mouseenter", () => { hovered = show; showReadout(); });
          square.addEventListener("mouseleave", () => { hovered = null; showReadout(); });
          bias = square;
        } else {
          const label = html("div", "mlgraph-trainer-feature", box, features[i] ?? "");
          label.title = features[i] ?? "";
          Object.assign(label.style, { top: `${y(l, i) - 11}px`, width: `${LEFT - 10}px` });
        }
        neurons.push({ canvas, bias, l, i });
      }
      head(net, l, x(l));
    });
    layerControl(net, (L > 2 ? x(1) : x(L - 1)) - 34);
    net.weights.forEach((Wl, l) => {
      const label = html("div", "mlgraph-trainer-wlabel", box, `${net.names[2 * l]}${x(1) - x(0) > 120 ? ` ${Wl.length}×${Wl[0]?.length ?? 0}` : ""}`);
      Object.assign(label.style, { left: `${(x(l) + x(l + 1)) / 2 - 60}px`, top: `${H - FOOT}px` });
    });
  }

  /** The number of hidden layers with −/+, in the heads' row at the left (TF Playground
   * puts it above the network). @param {Network} net @param {number} room  px free */
  function layerControl(net, room) {
    const hidden = net.sizes.slice(1, -1), n = hidden.length;
    const el = html("div", "mlgraph-trainer-layers", box);
    const minus = button(el, "layer-minus", "−", "one hidden layer fewer", () => on.widths(hidden.slice(0, -1)));
    html("span", "", el, room >= 168 ? `${n} hidden layer${n === 1 ? "" : "s"}` : `${n} hidden`);
    const plus = button(el, "layer-plus", "+", "one hidden layer more", () => on.widths([...hidden, hidden.at(-1) ?? 4]));
    minus.disabled = n === 0;
    plus.disabled = n >= MAX_LAYERS;
  }

  /** Column heads: "input", +/− for each hidden layer, "output". */
  function head(/** @type {Network} */ net, /** @type {number} */ l, /** @type {number} */ cx) {
    const L = net.sizes.length;
    const el = html("div", "mlgraph-trainer-head", box);
    Object.assign(el.style, { left: `${cx - 40}px`, top: "0px" });
    if (l === 0) return; // the layer control sits there; the features are named
    if (l === L - 1) { el.textContent = "output"; return; }
    const hidden = net.sizes.slice(1, -1);
    const set = (/** @type {number} */ d) => () => on.widths(hidden.map((w, k) => (k === l - 1 ? w + d : w)));
    const minus = button(el, "neuron-minus", "−", `one neuron fewer in layer ${l}`, set(-1));
    const plus = button(el, "neuron-plus", "+", `one neuron more in layer ${l}`, set(1));
    minus.disabled = hidden[l - 1] <= 1;
    plus.disabled = hidden[l - 1] >= MAX_WIDTH;
  }

  /**
   * @param {Network} net @param {string[]} features @param {import("./colour.js").RGB} neutral
   * @param {number} W @param {number} H  the diagram's size in CSS pixels
   */
  function draw(net, features, neutral, W, H) {
    if (!net.sizes) return;
    current = net;
    const k = `${net.sizes.join(",")}|${W}|${H}|${features.join("\u0000")}`;
    if (k !== key) build(net, features, W, H);
    key = k;
    box.style.height = `${H}px`;
    for (const { path, l, i, j } of links) {
      const w = net.weights[l][i][j];
      path.setAttribute("stroke", hex(signColour(w >= 0 ? 1 : -1, neutral)));
      path.setAttribute("stroke-width", (1 + 7 * Math.min(1, Math.abs(w) / W_REF)).toFixed(2));
      path.setAttribute("data-mlgraph-sign", w >= 0 ? "+" : "-");
    }
    const n = Math.round(Math.sqrt(net.tiles[0][0].length));
    for (const { canvas, bias, l, i } of neurons) {
      const values = net.tiles[l][i];
      paintGrid(canvas, n, (c) => signColour(values[c], neutral));
      if (bias) bias.style.background = hex(signColour(net.biases[l - 1][i], neutral));
    }
    if (hovered) showReadout();
  }
  return { draw, box };
}

/**
 * A weight's or bias's text from the current state (so a hovered readout stays live).
 * @param {Network | null} net @param {"weight_text" | "weight_grad" | "bias_text" | "bias_grad"} field
 * @param {number} l @param {number} i @param {number} [j]
 */
function text(net, field, l, i, j) {
  if (!net) return "";
  const v = net[field][l][i];
  return j === undefined ? String(v) : String(/** @type {string[]} */ (v)[j]);
}
