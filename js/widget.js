// @ts-check
// Entry point in JupyterLab, VS Code and nbconvert pages: anywidget's `render`. The view
// (view.js) takes its Graphviz layout function from the page's shared engine model.
import { mountView } from "./view.js";
import { engineBundle } from "./traits.js";
import "./widget.css";

/** @param {{model: any, el: HTMLElement}} ctx */
async function render({ model, el }) {
  /** @param {string} dot */
  const layout = async (dot) => (await engineBundle(model, "source")).layout(dot);
  return mountView(model, el, layout);
}

export default { render };
