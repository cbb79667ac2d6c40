// @ts-check
// Entry point: wires the model (traits) to the view. All state lives in render's closure.
import { completingStep, contributions, pendingSums, replay, sweepAt } from "./state.js";
import { buildGraphView } from "./draw.js";
import { buildControls, modeName } from "./controls.js";
import { buildTable } from "./table.js";
import { engineFor, jsonTraits } from "./traits.js";
import "./widget.css";

const div = (cls) => Object.assign(document.createElement("div"), { className: cls });

async function render({ model, el }) {
  const root = div("mlgraph");
  root.tabIndex = 0;
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  const stats = { layoutMs: NaN, paintMs: /** @type {number[]} */ ([]) };
  Object.assign(el, { mlgraphStats: stats }); // read by benchmarks/widget
  const controls = buildControls({ onAction: act, onSeek: seek, onMode: switchMode, onSpeed: (s) => save({ speed: s }) });
  const main = div("mlgraph-main"), graphHost = div("mlgraph-graph"), side = div("mlgraph-side");
  const passes = div("mlgraph-passes"), tableHost = div("mlgraph-table-host");
  side.append(passes, tableHost);
  main.append(graphHost, side);
  root.append(controls.el, main);
  el.replaceChildren(root);
  let view = null, table = null, timer = 0, disposed = false;
  const get = jsonTraits(model);

  const events = () => get("streams")[model.get("mode")] ?? [];
  const clamp = (c) => Math.max(-1, Math.min(c, events().length - 1));
  function save(changes) {
    for (const [k, v] of Object.entries(changes)) model.set(k, v);
    model.save_changes();
  }
  function seek(c) { save({ cursor: clamp(c) }); }
  function switchMode(m) {
    const n = (get("streams")[m] ?? []).length;
    save({ mode: m, cursor: Math.min(model.get("cursor"), n - 1) });
  }
  function act(action) {
    const c = model.get("cursor"), n = events().length;
    if (action === "play") save({ playing: true, ...(c >= n - 1 ? { cursor: -1 } : {}) });
    else if (action === "pause") save({ playing: false });
    else if (action === "step") seek(c + 1);
    else if (action === "back") seek(c - 1);
    else if (action === "start") seek(-1);
    else if (action === "end") seek(n - 1);
  }

  function paint() {
    const t0 = performance.now();
    const ev = events(), cursor = model.get("cursor"), graph = get("graph");
    root.setAttribute("data-mlgraph-cursor", String(cursor));
    root.setAttribute("data-mlgraph-mode", model.get("mode"));
    const sweep = sweepAt(ev, cursor);
    controls.update({ modes: Object.keys(get("streams")), mode: model.get("mode"), cursor,
      n: ev.length, playing: model.get("playing"), speed: model.get("speed"), sweep });
    const mode = model.get("mode");
    const derivative = mode === "reverse" ? (sweep === "reverse" ? "reverse" : null)
      : mode.startsWith("forward") ? "forward" : null;
    view?.update({ state: replay(ev, cursor, (graph.nodes ?? []).map((n) => n.id)),
      contrib: contributions(ev, cursor), pending: pendingSums(ev, cursor), derivative });
    table?.update(cursor);
    stats.paintMs.push(performance.now() - t0);
  }

  function drawTable() {
    const rows = get("tables")[model.get("mode")] ?? [];
    table = buildTable(tableHost, rows, (step) => seek(step));
    const g = get("graph"), n = g.inputs?.length ?? 0, m = g.outputs?.length ?? 0;
    passes.textContent = `${modeName(model.get("mode"))}. A full ${m}\u00D7${n} Jacobian takes ` +
      `${n} forward pass${n === 1 ? "" : "es"} (one per input) or ${m} reverse pass${m === 1 ? "" : "es"} (one per output).`;
  }

  async function drawGraph() {
    const graph = get("graph");
    view = null;
    root.removeAttribute("data-mlgraph-ready");
    const limit = model.get("max_nodes");
    if (!graph.nodes?.length || !graph.dot) {
      graphHost.replaceChildren(Object.assign(div("mlgraph-message"), {
        textContent: "No graph yet: build one with GraphWidget.from_graph(mlgraph.trace(f, ...)) or mlgraph.show(f, ...)." }));
    } else if (graph.nodes.length > limit) {
      const msg = div("mlgraph-message");
      msg.textContent = `This graph has ${graph.nodes.length} nodes, more than this widget draws ` +
        `(max_nodes = ${limit}). Set widget.max_nodes = ${graph.nodes.length} to draw it anyway ` +
        `(layout may take a few seconds), or trace a smaller function. The trace table still plays.`;
      graphHost.replaceChildren(msg);
    } else {
      graphHost.textContent = "laying out the graph\u2026";
      try {
        const t0 = performance.now();
        const svg = await (await engineFor(model))(graph.dot);
        if (disposed) return;
        view = buildGraphView(graphHost, svg, graph);
        stats.layoutMs = performance.now() - t0;
      } catch (err) {
        graphHost.textContent = `mlgraph could not lay out the graph: ${err}`;
      }
    }
    root.setAttribute("data-mlgraph-ready", "1");
    paint();
  }

  function schedule() {
    clearTimeout(timer);
    if (!model.get("playing") || disposed) return;
    timer = setTimeout(() => {
      const c = model.get("cursor"), n = events().length;
      if (c >= n - 1) save({ playing: false });
      else { seek(c + 1); schedule(); }
    }, 1000 / Math.max(model.get("speed"), 0.01));
  }

  function onKey(e) {
    const keys = { " ": model.get("playing") ? "pause" : "play", ArrowRight: "step", ArrowLeft: "back", Home: "start", End: "end" };
    if (!(e.key in keys)) return;
    e.preventDefault();
    e.stopPropagation();
    act(keys[e.key]);
  }
  function onClick(e) {
    const g = /** @type {Element} */ (e.target).closest?.("[data-mlgraph-node]");
    if (!g) return;
    const node = (get("graph").nodes ?? []).find((n) => n.name === g.getAttribute("data-mlgraph-node"));
    if (node) seek(completingStep(events(), node.id));
  }
  const onMode = () => { drawTable(); paint(); };
  const onTables = () => { drawTable(); paint(); };
  const onPlaying = () => { schedule(); paint(); };
  const handlers = [["change:cursor", paint], ["change:mode", onMode], ["change:streams", paint],
    ["change:tables", onTables], ["change:graph", drawGraph], ["change:max_nodes", drawGraph],
    ["change:playing", onPlaying], ["change:speed", paint]];
  for (const [ev, fn] of handlers) model.on(ev, fn);
  root.addEventListener("keydown", onKey);
  graphHost.addEventListener("click", onClick);
  drawTable();
  await drawGraph();
  schedule();
  return () => {
    disposed = true;
    clearTimeout(timer);
    for (const [ev, fn] of handlers) model.off(ev, fn);
    root.removeEventListener("keydown", onKey);
    graphHost.removeEventListener("click", onClick);
  };
}

export default { render };
