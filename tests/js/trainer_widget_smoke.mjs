// Smoke test of mlgraph/assets/trainer_widget.js with a tiny fake DOM (no jsdom):
// node tests/js/trainer_widget_smoke.mjs STATE.json  -> prints a JSON summary.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

class Node {
  constructor(tag) { this.tag = tag; this.children = []; this.attrs = {}; this.listeners = {}; this.textContent = ""; this.className = ""; this.value = ""; }
  appendChild(c) { this.children.push(c); return c; }
  replaceChildren() { this.children = []; }
  setAttribute(k, v) { this.attrs[k] = v; }
  addEventListener(t, f) { (this.listeners[t] ||= []).push(f); }
  dispatch(t) { for (const f of this.listeners[t] || []) f(); }
  getContext() {
    const ctx = { calls: 0 };
    return new Proxy(ctx, { get: (o, k) => (k in o ? o[k] : k === "createImageData"
      ? (w, h) => ({ data: new Uint8ClampedArray(4 * w * h) }) : () => { o.calls++; }),
      set: (o, k, v) => { o[k] = v; return true; } });
  }
  count(tag) { return (this.tag === tag ? 1 : 0) + this.children.reduce((n, c) => n + c.count(tag), 0); }
  find(pred) { if (pred(this)) return this; for (const c of this.children) { const f = c.find(pred); if (f) return f; } return null; }
}
globalThis.document = { createElement: (t) => new Node(t), createElementNS: (_, t) => new Node(t) };
let frames = [];
globalThis.requestAnimationFrame = (f) => { frames.push(f); return frames.length; };
globalThis.cancelAnimationFrame = () => {};

const state = JSON.parse(readFileSync(process.argv[2], "utf8"));
const handlers = {};
const saved = [];
const model = {
  get: (k) => state[k],
  set: (k, v) => { state[k] = v; },
  save_changes: () => saved.push(1),
  on: (e, f) => { (handlers[e] ||= []).push(f); },
  off: (e, f) => { handlers[e] = (handlers[e] || []).filter((g) => g !== f); },
};
const url = pathToFileURL(new URL("../../mlgraph/assets/trainer_widget.js", import.meta.url).pathname);
const widget = (await import(url.href)).default;
const el = new Node("div");
const cleanup = widget.render({ model, el });
const button = (action) => el.find((n) => n.tag === "button" && n.attrs["data-mlgraph-action"] === action);
const actions = ["play", "pause", "step", "reset"].filter((a) => button(a));
const pauseHidden = button("pause").hidden;
button("play").dispatch("click");
const lr = el.find((n) => n.tag === "input" && n.attrs.step === "0.01");
lr.value = "0.5"; lr.dispatch("change");
for (const f of handlers["change:epoch"] || []) f();
frames.forEach((f) => f());
const all = (pred, node = el, out = []) => { if (pred(node)) out.push(node); node.children.forEach((c) => all(pred, c, out)); return out; };
const metrics = Object.fromEntries(all((n) => n.attrs["data-mlgraph-metric"]).map((n) => [n.attrs["data-mlgraph-metric"], n.textContent]));
const neurons = all((n) => n.attrs["data-mlgraph-neuron"]).map((n) => n.attrs["data-mlgraph-neuron"]);
const edges = all((n) => n.attrs["data-mlgraph-weight"]).map((n) => [n.attrs["data-mlgraph-weight"], n.attrs.stroke, n.attrs["data-mlgraph-sign"]]);
const rootEpoch = el.find((n) => n.className === "mlgraph-trainer").attrs["data-mlgraph-epoch"];
cleanup();
console.log(JSON.stringify({
  actions, pause_hidden: pauseHidden, metrics, neurons, edges, root_epoch: rootEpoch,
  lines: el.count("line"), circles: el.count("circle"), polylines: el.count("polyline"),
  running: state.running, lr: state.lr, saved: saved.length,
  epoch: el.find((n) => n.className === "mlgraph-trainer-epoch").textContent,
  handlers_left: Object.values(handlers).reduce((n, h) => n + h.length, 0),
}));
