// @ts-check
// The per-widget ESM (what anywidget stores for every GraphWidget): a few lines that import
// the view (widget.js) and the Graphviz engine from the page's one shared `GraphvizEngine`
// model, so a notebook stores those bundles once, not once per widget.
const VIEW = Symbol.for("mlgraph.view");

async function render({ model, el }) {
  const ref = String(model.get("engine") ?? "");
  if (!ref) {
    el.textContent = "mlgraph: this widget has no engine (trait `engine` is empty).";
    return;
  }
  const engine = await model.widget_manager.get_model(ref.replace(/^IPY_MODEL_/, ""));
  engine[VIEW] ??= import(URL.createObjectURL(new Blob([engine.get("view")], { type: "text/javascript" })));
  const view = await engine[VIEW];
  return view.default.render({ model, el });
}

export default { render };
