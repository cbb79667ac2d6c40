// node --test: the surface explorer's view rendered into linkedom from a state Python
// wrote (testing/state.json, kept current by tests/test_surface_explorer.py).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { beforeEach, test } from "node:test";
import { parseHTML } from "linkedom";
import { fakeModel } from "../testing/fake_model.js";
import { mapping } from "./paths.js";

const STATE = JSON.parse(readFileSync(new URL("./testing/state.json", import.meta.url), "utf8"));
const HOSTILE = '<img src=x onerror="window.__pwned=1"> {{x}} " URL="javascript:1"';
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
/** @type {typeof import("./widget.js").default} */
let widget;

beforeEach(async () => {
  const { window, document } = parseHTML("<!doctype html><html><body></body></html>");
  Object.assign(globalThis, { window, document });
  widget = (await import("./widget.js")).default;
});

function view(overrides = {}) {
  const model = fakeModel({ image: PNG, ...structuredClone(STATE), ...overrides });
  const el = document.createElement("div");
  document.body.appendChild(el);
  const cleanup = widget.render({ model, el });
  const $ = (/** @type {string} */ sel) => el.querySelector(sel);
  const $$ = (/** @type {string} */ sel) => [...el.querySelectorAll(sel)];
  return { model, el, cleanup, $, $$ };
}

test("every text in the readout is Python's, in the paths' order", () => {
  const { $, $$ } = view();
  assert.equal($(".mlgraph-surface-title").textContent, STATE.title);
  assert.equal($(".mlgraph-surface-status").textContent, STATE.status);
  const lines = $$("[data-mlgraph-legend]").map((li) => li.textContent);
  assert.deepEqual(lines, STATE.paths.map((/** @type {any} */ p) => p.text));
  const swatches = $$(".mlgraph-surface-swatch").map((s) => s.style.background);
  assert.equal(swatches.length, STATE.paths.length);
  // the only other texts: the fixed hint; no number is formatted here
  const own = $$("*").flatMap((n) => [...n.childNodes].filter((c) => c.nodeType === 3))
    .map((t) => t.textContent.trim()).filter(Boolean);
  const python = new Set([STATE.title, STATE.status, ...STATE.paths.map((/** @type {any} */ p) => p.text),
    ...STATE.paths.map((/** @type {any} */ p) => p.label)]);
  assert.deepEqual(own.filter((t) => !python.has(t)), ["Click the picture to start there.", "start", "end"]);
});

test("each path is drawn through the kernel's points, mapped into the axes", () => {
  const { $$, $ } = view();
  const map = mapping(STATE.extent, STATE.frame, STATE.size);
  const lines = $$("polyline[data-mlgraph-path]");
  assert.equal(lines.length, STATE.paths.length);
  lines.forEach((line, k) => {
    const pts = STATE.paths[k].points;
    assert.equal(line.getAttribute("data-mlgraph-points"), String(pts.length));
    assert.equal(line.getAttribute("stroke"), STATE.paths[k].color);
    const drawn = line.getAttribute("points").split(" ").map((p) => p.split(",").map(Number));
    drawn.forEach((d, i) => assert.deepEqual(d, map.toPixel(pts[i])));
  });
  assert.equal($(".mlgraph-surface").getAttribute("data-mlgraph-start"), STATE.start.join(","));
  assert.equal($("svg.mlgraph-surface-paths").getAttribute("viewBox"), `0 0 ${STATE.size.join(" ")}`);
});

const near = (/** @type {number[]} */ a, /** @type {number[]} */ b) =>
  assert.ok(a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) < 1e-9), `${a} vs ${b}`);

test("the mapping is the axes' own: corners, and back again", () => {
  const map = mapping([-2, 2, -1, 3], [0.1, 0.2, 0.5, 0.6], [600, 400]);
  near(map.toPixel([-2, -1]), [60, 320]); // bottom left of the axes
  near(map.toPixel([2, 3]), [360, 80]); // top right
  near(map.box, [60, 80, 300, 240]);
  near(map.toData(map.toPixel([0.5, 1.25])), [0.5, 1.25]);
});

test("hostile labels, texts and titles stay text", () => {
  const paths = STATE.paths.map((/** @type {any} */ p) => ({ ...p, label: HOSTILE, text: HOSTILE }));
  const { el, $, $$ } = view({ paths, title: HOSTILE, status: HOSTILE });
  assert.equal(el.querySelectorAll("img").length, 1); // the picture, nothing injected
  assert.equal($(".mlgraph-surface-title").textContent, HOSTILE);
  assert.equal($(".mlgraph-surface-status").textContent, HOSTILE);
  for (const li of $$(".mlgraph-surface-text")) assert.equal(li.textContent, HOSTILE);
  for (const t of $$("polyline > title")) assert.equal(t.textContent, HOSTILE);
  assert.equal($(".mlgraph-surface-image").getAttribute("alt"), HOSTILE);
  assert.equal(el.querySelectorAll("[onerror]").length, 0);
});

/** A click at picture pixels (px, py), the picture shown at its own size. */
function click(/** @type {any} */ layer, /** @type {number} */ px, /** @type {number} */ py) {
  layer.getBoundingClientRect = () => ({ left: 10, top: 20, width: STATE.size[0], height: STATE.size[1] });
  const event = new window.Event("click");
  Object.assign(event, { clientX: 10 + px, clientY: 20 + py });
  layer.dispatchEvent(event);
}

test("a click inside the axes sets the start there; outside them, nothing", () => {
  const { model, $ } = view();
  const layer = $("svg.mlgraph-surface-paths");
  const map = mapping(STATE.extent, STATE.frame, STATE.size);
  click(layer, 5, 5); // the margin, outside the axes
  assert.deepEqual(model.saved, []);
  const [px, py] = map.toPixel([0.5, -0.75]);
  click(layer, px, py);
  assert.equal(model.saved.length, 1);
  near(model.saved[0].start, [0.5, -0.75]);
});

test("the kernel's new paths and status replace the old ones", () => {
  const { model, $$, $ } = view();
  model.update("paths", [STATE.paths[0]]);
  model.update("status", "computed in 9 ms in the kernel");
  assert.equal($$("polyline[data-mlgraph-path]").length, 1);
  assert.deepEqual($$("[data-mlgraph-legend]").map((li) => li.textContent), [STATE.paths[0].text]);
  assert.equal($(".mlgraph-surface-status").textContent, "computed in 9 ms in the kernel");
});

test("two views of one model have their own clip paths; cleanup detaches every listener", () => {
  const a = view();
  const b = view();
  const id = (/** @type {any} */ v) => v.$("clipPath").getAttribute("id");
  assert.notEqual(id(a), id(b));
  a.cleanup();
  b.cleanup();
  assert.equal(a.model.listeners(), 0);
  assert.equal(a.el.children.length, 0);
});
