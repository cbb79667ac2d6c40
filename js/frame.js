// @ts-check
// The widget's frame: caption, toolbar, narration line, the stage (graph panes and the
// minimap) beside or below the side panel (trace table or inspector), and the bottom bar
// with the legend. Layout is CSS (widget.css); the view fills it.
import { div, h } from "./dom.js";

export const EMPTY = "No graph yet: build one with mlgraph.show(f, x1=2.0, ...) or GraphWidget.from_graph(mlgraph.trace(f, ...)).";
/** @param {number} n @param {number} limit */
export const tooBig = (n, limit) => `This graph has ${n} nodes, more than this widget draws (max_nodes = ${limit}). Set ` +
  `widget.max_nodes = ${n} to draw it anyway (layout may take a few seconds), or trace a smaller function. The trace table still plays.`;

/** @param {{el: HTMLElement, bottom: HTMLElement}} controls  from controls.js */
export function buildFrame(controls) {
  const root = div("mlgraph");
  root.tabIndex = 0;
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  const caption = div("mlgraph-caption");
  const narration = div("mlgraph-narration"), eq = div("mlgraph-eq"), words = div("mlgraph-words");
  const operator = div("mlgraph-operator"), passes = div("mlgraph-passes");
  narration.setAttribute("data-mlgraph-narration", "");
  narration.append(eq, words, operator, passes);
  const main = div("mlgraph-main"), stage = div("mlgraph-stage"), panesBox = div("mlgraph-panes");
  const mapHost = div("mlgraph-minimap");
  const side = div("mlgraph-side"), sideBody = div("mlgraph-side-body"), inspector = div("mlgraph-side-body");
  const legend = div("mlgraph-legend");
  for (const [cls, t] of [["primal", "v value"], ["tangent", "v\u0307 forward derivative"], ["cotangent", "v\u0304 adjoint (gradient)"], ["focus", "now"]]) {
    legend.append(h("span", { class: `mlgraph-swatch mlgraph-swatch-${cls}` }), h("span", {}, t));
  }
  stage.append(panesBox, mapHost);
  inspector.hidden = true;
  side.append(sideBody, inspector);
  main.append(stage, side);
  controls.bottom.prepend(legend);
  root.append(caption, controls.el, narration, main, controls.bottom);
  return { root, caption, eq, words, operator, passes, main, stage, panesBox, mapHost, sideBody, inspector };
}

/** Whether JupyterLab's presentation mode is on (text a quarter larger). */
export const presenting = () => document.body.classList.contains("jp-mod-presentationMode");

/**
 * Watch the page for a theme switch and for presentation mode going on or off.
 * @param {() => void} onTheme @param {() => void} onPresenting
 * @returns {MutationObserver} (disconnect it when the view goes)
 */
export function watchPage(onTheme, onPresenting) {
  let was = presenting();
  const watch = new MutationObserver(() => {
    if (presenting() !== was) { was = presenting(); onPresenting(); }
    onTheme();
  });
  watch.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "class"] });
  return watch;
}
