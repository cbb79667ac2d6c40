// @ts-check
// Entry point of a `GraphWidget.save_html` page: no kernel, no widget manager. The page
// holds the view traits as JSON; the model is the in-page one the JS tests use too
// (get / set / on / off / save_changes), and Graphviz is bundled into this file.
import { layout } from "./engine.js";
import { fakeModel as pageModel } from "./testing/fake_model.js";
import { mountView } from "./view.js";

const data = JSON.parse(/** @type {HTMLElement} */ (document.getElementById("mlgraph-data")).textContent ?? "{}");
const model = pageModel(data.state);
const el = /** @type {HTMLElement} */ (document.getElementById("mlgraph-root"));
Object.assign(el, { mlgraphModel: model }); // for scripted checks (benchmarks/widget), not the view
if (matchMedia("(prefers-color-scheme: dark)").matches) document.body.classList.add("mlgraph-page-dark");
mountView(model, el, layout);
