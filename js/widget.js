// @ts-check
// Entry point: wires the model (traits) to the view. All state lives in render's closure.
import { completingStep, contributions, pendingSums, replay, sweepAt } from "./state.js";
import { buildGraphView, clicked } from "./draw.js";
import { buildControls, comparePanes, modeName, showPasses } from "./controls.js";
import { buildLayouts } from "./layout.js";
import { buildTable } from "./table.js";
import { engineFor, jsonTraits } from "./traits.js";
import "./widget.css";

const div = (cls) => Object.assign(document.createElement("div"), { className: cls });
const EMPTY = "No graph yet: build one with GraphWidget.from_graph(mlgraph.trace(f, ...)) or mlgraph.show(f, ...).";
const tooBig = (n, limit) => `This graph has ${n} nodes, more than this widget draws (max_nodes = ${limit}). Set ` +
  `widget.max_nodes = ${n} to draw it anyway (layout may take a few seconds), or trace a smaller function. The trace table still plays.`;

async function render({ model, el }) {
  const root = div("mlgraph");
  root.tabIndex = 0;
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  const stats = { layoutMs: NaN, paintMs: /** @type {number[]} */ ([]) };
  Object.assign(el, { mlgraphStats: stats }); // read by benchmarks/widget
  const controls = buildControls({ onAction: act, onSeek: seek, onMode: switchMode, onSpeed: (s) => save({ speed: s }) });
  const main = div("mlgraph-main"), graphHost = div("mlgraph-graph"), side = div("mlgraph-side");
  const passes = div("mlgraph-passes"), note = div("mlgraph-note"), tableHost = div("mlgraph-table-host");
  side.append(passes, tableHost);
  main.append(graphHost, side);
  root.append(controls.el, note, main);
  el.replaceChildren(root);
  /** @type {{mode: string, view: any, table: any}[]} */
  let panes = [];
  let timer = 0, disposed = false, drawing = 0;
  const get = jsonTraits(model);
  const layouts = buildLayouts(async (dot) => (await engineFor(model))(dot));

  const paneModes = () => comparePanes(model.get("compare"), model.get("mode"), Object.keys(get("streams")));
  const eventsOf = (m) => get("streams")[m] ?? [];
  const length = () => Math.max(0, ...paneModes().map((m) => eventsOf(m).length));
  const clamp = (c) => Math.max(-1, Math.min(c, length() - 1));
  function save(changes) {
    for (const [k, v] of Object.entries(changes)) model.set(k, v);
    model.save_changes();
  }
  function seek(c) { save({ cursor: clamp(c) }); }
  function switchMode(m) { save({ mode: m, cursor: Math.min(model.get("cursor"), eventsOf(m).length - 1) }); }
  function act(action) {
    const c = model.get("cursor"), n = length();
    if (action === "play") save({ playing: true, ...(c >= n - 1 ? { cursor: -1 } : {}) });
    else if (action === "pause") save({ playing: false });
    else if (action === "step") seek(c + 1);
    else if (action === "back") seek(c - 1);
    else if (action === "start") seek(-1);
    else if (action === "end") seek(n - 1);
    else if (action === "compare") save({ compare: !model.get("compare"), cursor: -1 });
  }

  function paint() {
    const t0 = performance.now(), cursor = model.get("cursor"), graph = get("graph");
    root.setAttribute("data-mlgraph-cursor", String(cursor));
    root.setAttribute("data-mlgraph-mode", model.get("mode"));
    const first = panes[0]?.mode ?? model.get("mode"), ev0 = eventsOf(first);
    controls.update({ modes: Object.keys(get("streams")), mode: model.get("mode"), cursor, n: length(),
      playing: model.get("playing"), speed: model.get("speed"), sweep: sweepAt(ev0, Math.min(cursor, ev0.length - 1)),
      compare: model.get("compare") });
    for (const { mode, view, table } of panes) {
      const ev = eventsOf(mode), c = Math.min(cursor, ev.length - 1), sweep = sweepAt(ev, c);
      const derivative = mode === "reverse" ? (sweep === "reverse" ? "reverse" : null)
        : mode.startsWith("forward") ? "forward" : null;
      view?.update({ state: replay(ev, c, (graph.nodes ?? []).map((x) => x.id)),
        contrib: contributions(ev, c), pending: pendingSums(ev, c), derivative });
      table?.update(c);
    }
    stats.paintMs.push(performance.now() - t0);
  }

  async function drawGraph() {
    const graph = get("graph"), limit = model.get("max_nodes"), token = ++drawing;
    root.removeAttribute("data-mlgraph-ready");
    layouts.start(graph, limit, model.get("collapse"));
    const modes = paneModes(), hosts = modes.map(() => div("mlgraph-pane"));
    panes = modes.map((mode) => ({ mode, view: null, table: null }));
    showPasses(passes, modes, graph.inputs?.length ?? 0, graph.outputs?.length ?? 0);
    tableHost.replaceChildren();
    panes.forEach((p, i) => {
      const host = div("mlgraph-table-pane");
      tableHost.append(host);
      p.table = buildTable(host, get("tables")[p.mode] ?? [], (step) => seek(step));
      hosts[i].setAttribute("data-mlgraph-pane", modes.length > 1 ? (p.mode === "reverse" ? "reverse" : "forward") : "main");
    });
    note.textContent = layouts.note();
    const shown = layouts.visible(graph);
    const message = !graph.nodes?.length || !graph.dot ? EMPTY : shown > limit ? tooBig(shown, limit) : "";
    if (message) graphHost.replaceChildren(Object.assign(div("mlgraph-message"), { textContent: message }));
    else {
      if (!graphHost.querySelector("svg")) graphHost.textContent = "laying out the graph\u2026";
      try {
        const t0 = performance.now(), svg = await layouts.svg(graph);
        if (disposed || token !== drawing) return;
        graphHost.replaceChildren(...hosts);
        panes.forEach((p, i) => {
          if (modes.length > 1) hosts[i].append(Object.assign(div("mlgraph-pane-title"), { textContent: modeName(p.mode) }));
          const svgHost = div("mlgraph-pane-svg");
          hosts[i].append(svgHost);
          p.view = buildGraphView(svgHost, svg, graph);
        });
        stats.layoutMs = performance.now() - t0;
      } catch (err) {
        graphHost.textContent = `mlgraph could not lay out the graph: ${err}`;
      }
    }
    root.classList.toggle("mlgraph-compare", modes.length > 1);
    root.setAttribute("data-mlgraph-ready", "1");
    paint();
  }

  function schedule() {
    clearTimeout(timer);
    if (!model.get("playing") || disposed) return;
    timer = setTimeout(() => {
      const c = model.get("cursor"), n = length();
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
  function onClick(e) { // a layer toggles; a node seeks to the step that completes it
    const hit = clicked(e.target), graph = get("graph");
    const grp = (graph.groups ?? []).find((x) => x.scope === hit.scope);
    if (grp) { layouts.toggle(grp.id); drawGraph(); return; }
    const mode = panes[hit.pane === "reverse" ? panes.length - 1 : 0]?.mode;
    const node = (graph.nodes ?? []).find((n) => n.name === hit.node);
    if (node && mode) seek(completingStep(eventsOf(mode), node.id));
  }
  const onPlaying = () => { schedule(); paint(); };
  const handlers = [["change:cursor", paint], ["change:mode", drawGraph], ["change:streams", paint],
    ["change:tables", drawGraph], ["change:graph", drawGraph], ["change:max_nodes", drawGraph],
    ["change:compare", drawGraph], ["change:playing", onPlaying], ["change:speed", paint]];
  for (const [ev, fn] of handlers) model.on(ev, fn);
  root.addEventListener("keydown", onKey);
  graphHost.addEventListener("click", onClick);
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
