// @ts-check
// The view of mlgraph.training_widget.TrainingWidget. It wires the model to the view:
// builds the parts once, redraws them from the traits at most once per animation frame,
// and returns a cleanup. All state lives in render's closure (two views never interfere).
// Test hooks: data-mlgraph-epoch / -running / -tab on the root, data-mlgraph-action on
// buttons, data-mlgraph-metric on numbers, data-mlgraph-neuron="layer:index",
// data-mlgraph-weight="W1[i,j]" (with data-mlgraph-sign), data-mlgraph-bias="b1[i]",
// data-mlgraph-point, data-mlgraph-traced and data-mlgraph-control on the dropdowns.
import { parseColour } from "./colour.js";
import { buildControls } from "./controls.js";
import { html } from "./dom.js";
import { buildGraphTab } from "./graph_tab.js";
import { buildLossTab } from "./loss_tab.js";
import { buildMap } from "./map.js";
import { buildNetwork, neuronName } from "./network.js";
import { buildOutput } from "./output.js";
import { buildTabs } from "./tabs.js";

/** Traits whose change redraws the view. */
export const TRAITS = ["epoch", "running", "text", "points", "boundary", "network", "curve", "message",
  "choices", "title", "tab", "log_loss", "speed", "stop_after", "graph_widget",
  "dataset", "noise", "lr", "activation", "batch_size", "l2", "l1"];
const MAP = 236; // the map's side in CSS pixels

/** @param {{model: any, el: HTMLElement, host?: any, signal?: AbortSignal}} ctx */
function render({ model, el, host, signal }) {
  const root = html("div", "mlgraph-trainer", el);
  root.tabIndex = 0;
  const title = html("div", "mlgraph-trainer-title", root);
  const refreshControls = buildControls(root, model);
  const main = html("div", "mlgraph-trainer-main", root);
  const left = html("div", "mlgraph-trainer-left", main);
  const right = html("div", "mlgraph-trainer-output", main);
  const send = (/** @type {string} */ name, /** @type {any} */ value) => { model.set(name, value); model.save_changes(); };
  const tabs = buildTabs(left, send);
  /** @type {{l: number, i: number} | null} */
  let hover = null;
  const network = buildNetwork(tabs.panels.network, {
    neuron: (l, i) => { hover = l === null ? null : { l, i }; schedule(); },
    widths: (hidden) => send("hidden", hidden.join(",")),
  });
  const showGraph = buildGraphTab(tabs.panels.graph, model, host, signal);
  const drawLoss = buildLossTab(tabs.panels.loss, model, send);
  const drawOutput = buildOutput(right);
  const map = buildMap(right);
  const message = html("div", "mlgraph-trainer-message", root);
  message.setAttribute("role", "alert");

  const update = () => {
    const tab = model.get("tab");
    root.setAttribute("data-mlgraph-epoch", String(model.get("epoch")));
    root.setAttribute("data-mlgraph-running", model.get("running") ? "1" : "0");
    root.setAttribute("data-mlgraph-tab", tab);
    title.textContent = model.get("title") ?? "";
    title.hidden = !title.textContent;
    refreshControls();
    tabs.show(tab);
    right.hidden = tab === "graph"; // the graph gets the whole width
    const style = getComputedStyle(root);
    const neutral = parseColour(style.getPropertyValue("--mlgraph-trainer-neutral"), [232, 234, 235]);
    const net = model.get("network"), points = model.get("points");
    const features = points.features ?? [];
    if (tab === "network") {
      const box = tabs.panels.network;
      network.draw(net, features, neutral, box.clientWidth || 480, (box.clientHeight || 400) - 30);
    }
    showGraph(tab === "graph");
    if (tab === "loss") drawLoss();
    const text = model.get("text") ?? {};
    drawOutput(text, model.get("curve"));
    const tile = hover && net.tiles?.[hover.l]?.[hover.i]
      ? { values: net.tiles[hover.l][hover.i], n: Math.round(Math.sqrt(net.tiles[hover.l][hover.i].length)), label: neuronName(net, features, hover.l, hover.i) }
      : null;
    map.draw(points, model.get("boundary"), tile, neutral, MAP);
    message.textContent = model.get("message") ?? "";
    message.hidden = !message.textContent;
  };

  let frame = 0;
  function schedule() {
    if (!frame) frame = requestAnimationFrame(() => { frame = 0; update(); });
  }
  for (const t of TRAITS) model.on(`change:${t}`, schedule);
  const onKey = (/** @type {KeyboardEvent} */ e) => {
    const target = /** @type {HTMLElement} */ (e.target);
    if (target.closest?.(".mlgraph, select, input, button")) return; // the graph's own keys, and form controls
    if (e.key === " ") send("running", !model.get("running"));
    else if (e.key === "ArrowRight") send("step_requests", model.get("step_requests") + 1);
    else return;
    e.preventDefault();
  };
  root.addEventListener("keydown", onKey);
  const resize = typeof ResizeObserver === "function" ? new ResizeObserver(schedule) : null;
  resize?.observe(root);
  update();
  return () => {
    for (const t of TRAITS) model.off(`change:${t}`, schedule);
    root.removeEventListener("keydown", onKey);
    resize?.disconnect();
    if (frame) cancelAnimationFrame(frame);
  };
}

export default { render };
