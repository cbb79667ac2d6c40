// @ts-check
// The computation-graph tab: the trainer's child GraphWidget (the loss on a few training
// examples, traced in the kernel) drawn at full width under a line saying what it shows.
// The child is drawn the first time the tab opens, with anywidget's host.getWidget.
import { html } from "./dom.js";

/**
 * @param {HTMLElement} parent
 * @param {any} model  the trainer's model
 * @param {any} host  anywidget's host (≥ 0.11), or undefined
 * @param {AbortSignal | undefined} signal
 */
export function buildGraphTab(parent, model, host, signal) {
  const banner = html("div", "mlgraph-trainer-banner", parent);
  banner.setAttribute("data-mlgraph-graph-banner", "");
  const box = html("div", "mlgraph-trainer-graph", parent);
  let drawn = false;

  async function draw() {
    const ref = model.get("graph_widget");
    if (!ref) return;
    if (!host || !host.getWidget) {
      box.textContent = "The computation graph needs anywidget 0.11 or later.";
      return;
    }
    const child = await host.getWidget(ref);
    await child.render({ el: box, signal });
  }

  /** Called on every frame: the banner's text, and the child on first show. */
  return (/** @type {boolean} */ shown) => {
    banner.textContent = (model.get("text") ?? {}).graph ?? "";
    if (shown && !drawn) {
      drawn = true;
      draw().catch((err) => { box.textContent = `The computation graph could not be drawn: ${err}`; });
    }
  };
}
