// @ts-check
// The centre panel's tabs (Network, Computation graph, Loss curve): one trait, `tab`.
import { html } from "./dom.js";

export const TABS = [["network", "Network"], ["graph", "Computation graph"], ["loss", "Loss curve"]];

/**
 * @param {HTMLElement} parent
 * @param {(name: string, value: any) => void} send
 */
export function buildTabs(parent, send) {
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
  /** @param {string} tab */
  function show(tab) {
    for (const [key] of TABS) {
      buttons[key].setAttribute("aria-selected", String(key === tab));
      panels[key].hidden = key !== tab;
    }
  }
  return { panels, show };
}
