// @ts-check
// The per-widget ESM (what anywidget stores for every GraphWidget): a few lines that import
// the view (widget.js) from the page's one shared `GraphvizEngine` model, so a notebook
// stores the view and the Graphviz bundle once, not once per widget.
import { engineBundle } from "./traits.js";

/** @param {{model: any, el: HTMLElement}} ctx */
async function render({ model, el }) {
  try {
    const view = await engineBundle(model, "view");
    return view.default.render({ model, el });
  } catch (err) {
    el.textContent = `mlgraph: ${err}`;
  }
}

export default { render };
