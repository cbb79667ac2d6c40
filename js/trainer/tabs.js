// @ts-check
// The centre panel's tabs (Network, Computation graph, Loss curve), one trait `tab`, and
// the number of hidden layers, changed on the diagram's tab row as in TF Playground.
import { button, html } from "./dom.js";

export const TABS = [["network", "Network"], ["graph", "Computation graph"], ["loss", "Loss curve"]];
const MAX_LAYERS = 6;

/**
 * @param {HTMLElement} parent
 * @param {any} model
 * @param {(name: string, value: any) => void} send
 */
export function buildTabs(parent, model, send) {
  const row = html("div", "mlgraph-trainer-tabs", parent);
  row.setAttribute("role", "tablist");
  /** @type {Record<string, HTMLElement>} */
  const panels = {};
  /** @type {Record<string, HTMLButtonElement>} */
  const buttons = {};
  for (const [key, label] of TABS) {
    const b = html("button", "mlgraph-trainer-tab", row, label);
    b.type = "button";
    b.setAttribute("role", "tab");
    b.setAttribute("data-mlgraph-tab", key);
    b.addEventListener("click", () => send("tab", key));
    buttons[key] = b;
    panels[key] = html("div", `mlgraph-trainer-panel mlgraph-trainer-panel-${key}`, parent);
    panels[key].setAttribute("role", "tabpanel");
  }
  const layers = html("div", "mlgraph-trainer-layers", row);
  const hidden = () => String(model.get("hidden") ?? "").split(",").filter(Boolean).map(Number);
  const minus = button(layers, "layer-minus", "−", "one hidden layer fewer", () => send("hidden", hidden().slice(0, -1).join(",")));
  const count = html("span", "mlgraph-trainer-layer-count", layers);
  const plus = button(layers, "layer-plus", "+", "one hidden layer more", () => {
    const h = hidden();
    send("hidden", [...h, h.length ? h[h.length - 1] : 4].join(","));
  });

  /** @param {string} tab */
  function show(tab) {
    for (const [key] of TABS) {
      buttons[key].setAttribute("aria-selected", String(key === tab));
      panels[key].hidden = key !== tab;
    }
    const n = hidden().length;
    layers.hidden = tab !== "network";
    count.textContent = `${n} hidden layer${n === 1 ? "" : "s"}`;
    minus.disabled = n === 0;
    plus.disabled = n >= MAX_LAYERS;
  }
  return { panels, show };
}
