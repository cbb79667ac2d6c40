// node --test: the trainer's view rendered into linkedom from a state Python wrote
// (testing/state.json, kept current by tests/test_training_widget.py).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { beforeEach, test } from "node:test";
import { fakeModel } from "../testing/fake_model.js";
import { fire, installDom } from "./testing/dom.js";

const STATE = JSON.parse(readFileSync(new URL("./testing/state.json", import.meta.url), "utf8"));
const HOSTILE = '<img src=x onerror="window.__pwned=1"> {{x}} " URL="javascript:1"';
/** @type {ReturnType<typeof installDom>} */
let dom;
/** @type {typeof import("./widget.js").default} */
let widget;

beforeEach(async () => {
  dom = installDom();
  widget = (await import("./widget.js")).default;
});

function view(overrides = {}) {
  const model = fakeModel({ ...structuredClone(STATE), ...overrides });
  const el = dom.document.createElement("div");
  dom.document.body.appendChild(el);
  const cleanup = widget.render({ model, el });
  dom.frames();
  const $ = (/** @type {string} */ sel) => el.querySelector(sel);
  const $$ = (/** @type {string} */ sel) => [...el.querySelectorAll(sel)];
  return { model, el, cleanup, $, $$ };
}

test("every printed number is Python's text", () => {
  const { $, $$ } = view();
  for (const key of ["epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy"]) {
    assert.equal($(`[data-mlgraph-metric="${key}"]`).textContent, STATE.text[key], key);
  }
  assert.equal($(".mlgraph-trainer").getAttribute("data-mlgraph-epoch"), "4");
  const ticks = $$(".mlgraph-trainer-spark text").map((t) => t.textContent);
  assert.deepEqual(ticks, [STATE.curve.y_ticks[0][1], STATE.curve.y_ticks.at(-1)[1], "1", "4"]);
  const xTicks = $$(".mlgraph-trainer-overlay .mlgraph-trainer-tick").map((t) => t.textContent);
  assert.deepEqual(xTicks, [...STATE.points.x_ticks, ...STATE.points.y_ticks].map(([, t]) => t));
});

test("before training the sparkline says so instead of an empty box", () => {
  const curve = { ...STATE.curve, epoch: [], train_loss: [], test_loss: [], train_loss_text: [], test_loss_text: [] };
  const { $ } = view({ curve });
  assert.equal($(".mlgraph-trainer-spark").textContent, "not trained yet");
});

test("the diagram has a tile and a bias per neuron and a link per weight, by sign", () => {
  const { $$ } = view();
  const sizes = STATE.network.sizes; // [2, 3, 2, 1]
  assert.equal($$("[data-mlgraph-neuron]").length, sizes.reduce((a, b) => a + b));
  assert.equal($$("[data-mlgraph-bias]").length, sizes.slice(1).reduce((a, b) => a + b));
  const links = $$("[data-mlgraph-weight]");
  assert.equal(links.length, 2 * 3 + 3 * 2 + 2 * 1);
  for (const link of links) {
    const [, name, i, j] = /^(W\d)\[(\d+),(\d+)\]$/.exec(link.getAttribute("data-mlgraph-weight"));
    const w = STATE.network.weights[Number(name[1]) - 1][i][j];
    assert.equal(link.getAttribute("data-mlgraph-sign"), w >= 0 ? "+" : "-");
    assert.equal(link.getAttribute("stroke"), w >= 0 ? "#0877bd" : "#f59322");
  }
});

test("hovering a link shows its weight and gradient, and the readout stays live", () => {
  const { model, $, $$ } = view();
  const hit = $$(".mlgraph-trainer-hit")[4]; // W1[1,1]
  fire(hit, "mouseenter");
  const readout = $("[data-mlgraph-readout]");
  assert.equal(readout.textContent, `W1[1,1] = ${STATE.network.weight_text[0][1][1]}∂L/∂W1[1,1] = ${STATE.network.weight_grad[0][1][1]}`);
  assert.equal(readout.querySelector(".mlgraph-trainer-cotangent").textContent.startsWith("∂L/∂W1[1,1]"), true);
  const network = structuredClone(STATE.network);
  network.weight_text[0][1][1] = "9.999";
  model.update("network", network);
  dom.frames();
  assert.match(readout.textContent, /^W1\[1,1\] = 9\.999/);
  fire(hit, "mouseleave");
  assert.match(readout.textContent, /^Hover a neuron/);
});

test("hovering a neuron names it in the map's legend", () => {
  const { $ } = view();
  fire($('[data-mlgraph-neuron="1:2"]'), "mouseenter");
  dom.frames();
  assert.match($('[data-mlgraph-legend="scale"]').textContent, /^h1\[2\]:−1\+1$/);
  fire($('[data-mlgraph-neuron="1:2"]'), "mouseleave");
  dom.frames();
  assert.match($('[data-mlgraph-legend="scale"]').textContent, /^P\(class 1\):/);
});

test("points: one per example, the traced ones ringed and numbered, with a legend", () => {
  const { $, $$ } = view();
  assert.equal($$("[data-mlgraph-point]").length, STATE.points.x.length);
  assert.equal($$('[data-mlgraph-set="test"]').length, STATE.points.train.filter((t) => !t).length);
  assert.deepEqual($$("[data-mlgraph-traced]").map((g) => g.textContent), ["1", "2", "3", "4"]);
  assert.equal($('[data-mlgraph-legend="marks"]').textContent, "trainingtesttraced (graph tab)");
});

test("the buttons and dropdowns write their traits", () => {
  const { model, $ } = view();
  $('[data-mlgraph-action="play"]').click();
  assert.equal(model.get("running"), true);
  dom.frames();
  assert.equal($(".mlgraph-trainer-play").getAttribute("data-mlgraph-action"), "pause");
  $('[data-mlgraph-action="step"]').click();
  $('[data-mlgraph-action="reset"]').click();
  assert.equal(model.get("step_requests"), STATE.step_requests + 1);
  assert.equal(model.get("reset_requests"), STATE.reset_requests + 1);
  $('[data-mlgraph-speed="20"]').click();
  assert.equal(model.get("speed"), 20);
  const lr = $('[data-mlgraph-control="lr"]');
  lr.selectedIndex = STATE.choices.lr.findIndex(([v]) => v === 0.03);
  fire(lr, "change");
  assert.equal(model.get("lr"), 0.03);
  const l1 = $('[data-mlgraph-control="l1"]');
  l1.selectedIndex = 2;
  fire(l1, "change");
  assert.equal(model.get("l1"), STATE.choices.l1[2][0]);
  $('[data-mlgraph-action="neuron-plus"]').click(); // layer 1: 3 -> 4 neurons
  assert.equal(model.get("hidden"), "4,2");
  $('[data-mlgraph-action="layer-minus"]').click(); // from the drawn network, [3, 2]
  assert.equal(model.get("hidden"), "3");
  assert.equal(model.saved.length, 8);
});

test("Space plays and pauses, → trains one epoch, but not inside the graph", () => {
  const { model, $ } = view();
  const root = $(".mlgraph-trainer");
  fire(root, "keydown", { key: " " });
  assert.equal(model.get("running"), true);
  fire(root, "keydown", { key: "ArrowRight" });
  assert.equal(model.get("step_requests"), STATE.step_requests + 1);
  const graph = dom.document.createElement("div");
  graph.className = "mlgraph";
  $(".mlgraph-trainer-graph").appendChild(graph);
  fire(graph, "keydown", { key: " " });
  assert.equal(model.get("running"), true);
});

test("tabs: the graph tab gets the whole width and draws the child once", async () => {
  /** @type {any[]} */
  const rendered = [];
  const host = { getWidget: async () => ({ render: async (/** @type {any} */ ctx) => rendered.push(ctx.el) }) };
  const model = fakeModel({ ...structuredClone(STATE), graph_widget: "anywidget:abc" });
  const el = dom.document.createElement("div");
  widget.render({ model, el, host });
  dom.frames();
  assert.equal(rendered.length, 0); // drawn on first show, not before
  el.querySelector('[data-mlgraph-tab="graph"]').click();
  assert.equal(model.get("tab"), "graph");
  dom.frames();
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(rendered.length, 1);
  assert.equal(el.querySelector(".mlgraph-trainer-output").hidden, true);
  assert.equal(el.querySelector(".mlgraph-trainer-panel-network").hidden, true);
  assert.equal(el.querySelector("[data-mlgraph-graph-banner]").textContent, STATE.text.graph);
  model.update("tab", "loss");
  dom.frames();
  model.update("tab", "graph");
  dom.frames();
  assert.equal(rendered.length, 1);
});

test("the loss tab draws both curves with Python's ticks and a readout", () => {
  const { $, $$ } = view({ tab: "loss" });
  assert.equal($$('.mlgraph-trainer-chart [data-mlgraph-curve]').length, 2);
  const ticks = $$(".mlgraph-trainer-chart .mlgraph-trainer-tick").map((t) => t.textContent);
  for (const [, t] of STATE.curve.y_ticks) assert.ok(ticks.includes(t), t);
  const i = STATE.curve.epoch.length - 1;
  assert.equal($('[data-mlgraph-readout="loss"]').textContent,
    `epoch ${STATE.curve.epoch[i]}: test ${STATE.curve.test_loss_text[i]} · training ${STATE.curve.train_loss_text[i]}`);
});

test("hostile names and titles are text, never markup", () => {
  const points = { ...STATE.points, features: [HOSTILE, "<script>x</script>"] };
  const choices = { ...STATE.choices, dataset: [...STATE.choices.dataset, [HOSTILE, HOSTILE]] };
  const { $, el } = view({ title: HOSTILE, points, choices, dataset: HOSTILE, message: HOSTILE });
  assert.equal($(".mlgraph-trainer-title").textContent, HOSTILE);
  assert.equal($(".mlgraph-trainer-feature").textContent, HOSTILE);
  assert.equal($('[data-mlgraph-axis="y"]').textContent, "<script>x</script>");
  assert.equal($('[data-mlgraph-control="dataset"]').lastChild.textContent, HOSTILE);
  assert.equal($(".mlgraph-trainer-message").textContent, HOSTILE);
  assert.equal(el.querySelectorAll("img, script").length, 0);
});

test("cleanup detaches every listener", () => {
  const { model, cleanup } = view();
  assert.ok(model.listeners() > 0);
  cleanup();
  assert.equal(model.listeners(), 0);
});
