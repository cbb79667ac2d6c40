// @ts-check
// The graph widget's view, one per `render`: toolbar, narration line, the graph through a
// camera, and a side panel (trace table, inspector or paths) beside or below it, in one
// box of fixed height. All state lives in this closure and the model's traits; Graphviz
// lays a graph out once per collapse state, and stepping only changes classes and text.
import { div } from "./dom.js";
import { buildControls } from "./controls.js";
import { DEAD_ZONE, createCamera, fitScale, followView, openingView } from "./camera.js";
import { sendToken } from "./edges.js";
import { zeroColour } from "./heatmap.js";
import { showInspector } from "./inspector.js";
import { buildLayouts } from "./layout.js";
import { buildMinimap } from "./minimap.js";
import { modeLabel, modeOperator, parseMode } from "./modes.js";
import { paintPane } from "./pane.js";
import { pathNodes, pathsNarration, showPaths } from "./paths.js";
import { KEYS, createPlayer } from "./playback.js";
import { buildScene, clicked } from "./scene.js";
import { edgeKey, pendingSums, rowAt } from "./state.js";
import { narrate, storyMaker } from "./story.js";
import { EMPTY, buildFrame, presenting, tooBig, watchPage } from "./frame.js";
import { buildJacobian } from "./jacobian.js";
import { locate, total } from "./sequence.js";
import { buildTable } from "./table.js";
import { jsonTraits } from "./traits.js";

/** Smallest text in the SVG (badges, chips, headers) and the node value text, in px at scale 1. */
const SMALLEST = 16, VALUE = 16, FLOOR_PX = 14, WIDE = 1000;
// A short widget (a trainer tab) puts the table beside the graph from this width on:
// below it, graph and table would each get a strip too low to read.
const SHORT = 320, WIDE_WHEN_SHORT = 640;
/** The minimap's box and its gap to the stage's corner, and a compare pane's title and
 * gap, in px (widget.css, camera.js). */
const MAP = { w: 152, h: 82, gap: 6 }, PANE_TITLE = 26, PANE_GAP = 8;
const reducedMotion = () => typeof matchMedia === "function" && matchMedia("(prefers-reduced-motion: reduce)").matches;

/**
 * @param {any} model  the widget model (anywidget's, or js/page.js's in-page one)
 * @param {HTMLElement} el
 * @param {(dot: string) => Promise<string>} layout  Graphviz: DOT -> SVG
 * @returns {() => void} cleanup
 */
export function mountView(model, el, layout) {
  const get = jsonTraits(model);
  const controls = buildControls(act);
  const { root, caption, eq, words, operator, passes, main, stage, panesBox, mapHost, sideBody, inspector } = buildFrame(controls);
  el.replaceChildren(root);
  const stats = { layoutMs: NaN, paintMs: /** @type {number[]} */ ([]) };
  Object.assign(el, { mlgraphStats: stats }); // read by benchmarks/widget

  /** A pane runs its passes (`modes`) one after another; `mode` is the one on screen.
   * @type {{modes: string[], mode: string, scene: import("./scene.js").Scene | null, host: HTMLElement,
   *   title: HTMLElement | null, tableHost: HTMLElement | null, table: any, rows: any[]}[]} */
  let panes = [];
  /** The passes run to their end in this view (their Jacobian column or row is filled);
   * emptied when a new trace arrives. */
  const done = new Set();
  let jacobian = /** @type {{update: (done: Set<string>, current: string[]) => void} | null} */ (null);
  let drawing = 0, disposed = false, inspect = /** @type {number|null} */ (null), pathIndex = -1;
  let markPath = (/** @type {number} */ i) => {}, lastCursor = -2, zero = [232, 234, 235];
  const layouts = buildLayouts(layout);
  const graph = () => { // edges get their key "src_dst_argnum" once per graph
    const g = get("graph");
    for (const e of g.edges ?? []) e.key ??= edgeKey(e.src, e.dst, e.argnum);
    return g;
  };
  const eventsOf = (m) => get("streams")[m] ?? [];
  const lengthOf = (m) => eventsOf(m).length;
  const canCompare = () => Boolean(graph().sequences?.forward?.length && graph().sequences?.reverse?.length);
  const comparing = () => Boolean(model.get("compare") && canCompare() && !model.get("paths"));
  /** The panes' passes: one mode, or in the compare view every forward and every reverse pass. */
  const paneModes = () => comparing() ? [graph().sequences.forward, graph().sequences.reverse] : [[model.get("mode")]];
  /** Whether `cursor` steps pane `i` (in the compare view both, or only the one chosen). */
  const stepped = (i) => !comparing() || model.get("compare_step") === "both" || model.get("compare_step") === ["forward", "reverse"][i];
  const length = () => Math.max(0, ...paneModes().filter((_, i) => stepped(i)).map((ms) => total(ms, lengthOf)));
  const paneCursor = (i) => (stepped(i) ? model.get("cursor") : model.get("pane_cursors")?.[i] ?? -1);
  const player = createPlayer(model, { length, changed: () => paint() });
  const minimap = buildMinimap(mapHost, (cx, cy) => { camera.go({ ...camera.view, cx, cy }); userMoved(); });
  const camera = createCamera(stage, () => panes.flatMap((p) => (p.scene ? [p.scene.svg] : [])), {
    onUser: userMoved,
    onChange: (v) => { const { w, h: ht } = camera.size(); minimap.setView(v, w, ht); keepMinimapOff(); },
    reduced: reducedMotion,
  });
  /** The scale at which node text has the chosen size (a quarter larger in JupyterLab's
   * presentation mode), and the smallest scale that keeps every text at 14 px. */
  const base = () => (model.get("font_size") / VALUE) * (presenting() ? 1.25 : 1), floor = () => FLOOR_PX / SMALLEST;
  /** The active node's box in each pane (graph units), from the last paint. */
  let actives = /** @type {(import("./geometry.js").Box | null)[]} */ ([]);
  /** The minimap never covers the active node: it moves to the other bottom corner, or
   * hides while both corners would cover it (after each step and camera move). Computed
   * from the camera (no layout read: a step of a 1,000-node graph stays cheap). */
  function keepMinimapOff() {
    if (mapHost.hidden) return;
    const { w, h } = camera.size(), n = actives.length, v = camera.view, top = n > 1 ? PANE_TITLE : 0;
    const W = n * w + PANE_GAP * (n - 1), H = h + top; // the stage
    const boxes = actives.flatMap((b, i) => (b ? [{ // on the stage, in px
      x0: (b.x0 - v.cx) * v.scale + w / 2 + i * (w + PANE_GAP), x1: (b.x1 - v.cx) * v.scale + w / 2 + i * (w + PANE_GAP),
      y0: (b.y0 - v.cy) * v.scale + h / 2 + top, y1: (b.y1 - v.cy) * v.scale + h / 2 + top }] : []));
    const y0 = H - MAP.gap - MAP.h, at = { right: W - MAP.gap - MAP.w, left: MAP.gap };
    const covers = (x) => boxes.some((b) => b.x1 > x && b.x0 < x + MAP.w && b.y1 > y0 && b.y0 < H - MAP.gap);
    const side = ["right", "left"].find((k) => !covers(at[k]));
    if ((mapHost.getAttribute("data-mlgraph-side") ?? "right") !== (side ?? "right")) mapHost.setAttribute("data-mlgraph-side", side ?? "right");
    if (mapHost.hasAttribute("data-mlgraph-covered") !== !side) mapHost.toggleAttribute("data-mlgraph-covered", !side);
  }
  function userMoved() { if (model.get("follow")) save({ follow: false }); }
  function save(changes) {
    for (const [k, v] of Object.entries(changes)) model.set(k, v);
    model.save_changes();
  }
  const names = new Map(), labels = new Map();
  const story = storyMaker(graph, names, labels);

  function act(action, arg) {
    if (player.act(action, arg)) return;
    const modes = Object.keys(get("streams"));
    if (action === "mode") save({ mode: arg, cursor: Math.min(model.get("cursor"), eventsOf(arg).length - 1) });
    else if (action === "mode-forward" || action === "mode-reverse") {
      const sweep = action.slice(5);
      if (parseMode(model.get("mode")).sweep !== sweep) act("mode", modes.find((m) => parseMode(m).sweep === sweep));
    }
    else if (action === "compare") save({ compare: !model.get("compare"), cursor: -1, paths: "", compare_step: "both", pane_cursors: [-1, -1] });
    else if (action === "compare-step") { // keep each pane's step; the cursor takes the stepped pane's
      const at = panes.map((_, i) => paneCursor(i)), k = ["forward", "reverse"].indexOf(arg);
      save({ pane_cursors: at, compare_step: arg, cursor: k >= 0 ? at[k] : Math.max(...at) });
    }
    else if (action === "jacobian") save({ jacobian: !model.get("jacobian") });
    else if (action === "zoom-in" || action === "zoom-out") { camera.zoom(action === "zoom-in" ? 1.25 : 0.8); userMoved(); }
    else if (action === "fit") { openView(); userMoved(); }
    else if (action === "actual") { camera.go({ ...camera.view, scale: base() }); userMoved(); }
    else if (action === "follow") save({ follow: !model.get("follow") });
    else if (action === "font-down" || action === "font-up") save({ font_size: Math.max(14, Math.min(40, model.get("font_size") + (action === "font-up" ? 2 : -2))) });
    else if (action === "panel") save({ panel: arg });
    else if (action === "predict") save({ predict: !model.get("predict") });
    else if (action === "paths") { pathIndex = -1; save({ paths: arg, compare: false }); }
    else if (action === "close-inspector") { inspect = null; paint(); }
  }

  /** "auto": the table beside the graph or below it, whichever shows the graph larger;
   * beside in a short widget, where below would leave two unreadable strips.
   * Tells the camera the stage's size it chose (CSS: beside 44% up to 600 px, below 36%). */
  function placePanel(r = main.getBoundingClientRect()) {
    const want = model.get("panel"), area = panes[0]?.scene?.area;
    const side = Math.min(0.44 * r.width, 600);
    const stageOf = { beside: [r.width - side - 1, r.height], below: [r.width, 0.64 * r.height - 1], hidden: [r.width, r.height] };
    let place = want;
    if (want === "auto") {
      const beside = area ? fitScale(area, stageOf.beside[0] / panes.length, stageOf.beside[1]) : 0;
      const below = area ? fitScale(area, stageOf.below[0] / panes.length, stageOf.below[1]) : 0;
      const wideMatrix = model.get("jacobian") && (graph().jacobian?.cols?.length ?? 0) > 5; // a row of entries
      const short = r.height < SHORT && r.width >= WIDE_WHEN_SHORT;
      place = !wideMatrix && (short || (r.width >= WIDE && beside >= Math.min(below, base()))) ? "beside" : "below";
    }
    root.setAttribute("data-mlgraph-panel", place);
    camera.setStage(stageOf[place][0], stageOf[place][1]);
  }

  function openView() {
    const scene = panes[0]?.scene;
    if (!scene) return;
    const { w, h: ht } = camera.size();
    const first = scene.nodes.get(graph().inputs?.[0])?.box ?? null;
    const v = openingView(scene.area, w, ht, base(), floor(), first);
    camera.go(v);
    root.toggleAttribute("data-mlgraph-fits", v.fits);
    mapHost.hidden = v.fits;
  }

  function paint() {
    if (!panes.length) return;
    const t0 = performance.now(), cursor = model.get("cursor"), g = graph(), mode = model.get("mode");
    const revealed = player.revealed();
    root.setAttribute("data-mlgraph-cursor", String(cursor));
    root.setAttribute("data-mlgraph-mode", mode);
    root.toggleAttribute("data-mlgraph-hidden-step", !revealed);
    const where = panes.map((p, i) => locate(p.modes, lengthOf, paneCursor(i)));
    panes.forEach((p, i) => showPass(p, where[i]));
    for (const w of where) w.done.forEach((m) => done.add(m));
    const main0 = panes[0], ev0 = eventsOf(main0.mode), c0 = where[0].cursor;
    const st0 = story(ev0, c0), row0 = rowAt(main0.rows, ev0, c0);
    const said = narrate(ev0[c0], main0.rows[row0], st0, { hide: !revealed, parts: pendingSums(ev0, c0).get(ev0[c0]?.node), mode: main0.mode });
    const pathData = model.get("paths") ? g.paths?.[model.get("paths")] : null;
    const line = pathData ? pathsNarration(model.get("paths"), pathData, pathIndex)
      : { eq: said.eq, words: cursor < 0 && layouts.note() ? layouts.note() : said.words };
    eq.textContent = line.eq;
    words.textContent = line.words;
    operator.textContent = modeOperator(main0.mode, g.directions?.[main0.mode]);
    controls.update({ modes: Object.keys(get("streams")), mode, cursor, n: length(), playing: model.get("playing"),
      speed: model.get("speed"), compare: model.get("compare"), follow: model.get("follow"), panel: model.get("panel"),
      predict: model.get("predict"), paths: model.get("paths"), pathInputs: Object.keys(g.paths ?? {}), label: `step ${cursor + 1} of ${length()}: ${said.eq}`,
      directions: g.directions ?? {}, canCompare: canCompare(), compareStep: comparing() ? model.get("compare_step") : "",
      jacobian: model.get("jacobian"), hasJacobian: Boolean(g.jacobian) });
    const chosen = pathData ? (pathIndex >= 0 ? [pathData.paths[pathIndex]] : pathData.paths) : null;
    const path = chosen ? { edges: new Set(chosen.flatMap((p) => p.edges)), nodes: new Set(chosen.flatMap((p) => pathNodes(p.edges))) } : null;
    let focus = null, active = null;
    actives = panes.map(() => null);
    panes.forEach((p, i) => {
      const ev = eventsOf(p.mode), c = where[i].cursor, sweep = parseMode(p.mode).sweep;
      if (p.scene) {
        const r = paintPane(p.scene, { graph: g, events: ev, cursor: c, sweep: sweep === "eval" ? null : sweep, revealed, zero, story: story(ev, c), path });
        focus ??= r.focus;
        active ??= r.active;
        actives[i] = r.active;
      }
      p.table?.update(c, rowAt(p.rows, ev, c), !revealed);
    });
    jacobian?.update(done, panes.map((p) => p.mode));
    inspector.hidden = inspect === null || Boolean(pathData);
    sideBody.hidden = !inspector.hidden;
    const node = inspect === null || pathData ? null : g.nodes.find((n) => n.id === inspect);
    if (node) showInspector(inspector, node, { events: ev0, cursor: c0, sweep: parseMode(main0.mode).sweep, revealed }, g, zero, () => act("close-inspector"));
    minimap.setActive(active);
    keepMinimapOff();
    if (cursor !== lastCursor) {
      if (model.get("follow") && focus) {
        const { w, h: ht } = camera.size();
        const avoid = mapHost.hidden ? null : { w: 150 + 16, h: 80 + 16 }; // the minimap's box (CSS)
        const roomy = (b) => (b.x1 - b.x0) * floor() <= w * DEAD_ZONE && (b.y1 - b.y0) * floor() <= ht * DEAD_ZONE;
        const box = roomy(focus) || !active ? focus : active; // the step's neighbourhood, else its node
        const to = followView(camera.view, box, w, ht, floor(), avoid);
        if (to) camera.go(to, Math.min(300, 350 / model.get("speed"))); // still for most of the step
      }
      if (cursor === lastCursor + 1 && revealed === !model.get("predict") && stepped(0)) animate(ev0[c0]);
      lastCursor = cursor;
    }
    stats.paintMs.push(performance.now() - t0);
  }

  /** Put pass `at.mode` of a pane on screen: its title, and its trace table. */
  function showPass(p, at) {
    const changed = p.mode !== at.mode;
    p.mode = at.mode;
    if (p.title) {
      const n = p.modes.length, need = parseMode(at.mode).sweep === "forward" ? graph().passes?.forward : graph().passes?.reverse;
      const more = need && need > n ? ` (${n} of the ${need} passes a full Jacobian needs are computed)` : "";
      p.title.textContent = `${modeLabel(at.mode, graph().directions?.[at.mode])}: pass ${at.pass + 1} of ${n}${more}`;
      p.title.setAttribute("data-mlgraph-pass", String(at.pass + 1));
    }
    if (!changed) return;
    p.rows = get("tables")[at.mode] ?? []; // the narration reads them, shown or not
    if (p.tableHost) {
      p.table?.dispose();
      p.table = buildTable(p.tableHost, p.rows, (id) => names.get(id) ?? `v${id}`, (i) => seekRow(p, i), reducedMotion);
    }
  }

  /** A click on a table row: go to its step (in the compare view, inside its pane's passes). */
  function seekRow(p, i) {
    const k = panes.indexOf(p), before = p.modes.slice(0, p.modes.indexOf(p.mode)).reduce((n, m) => n + lengthOf(m), 0);
    const step = before + p.rows[i].step;
    if (k < 0 || stepped(k)) act("seek", step);
    else save({ pane_cursors: panes.map((_, j) => (j === k ? step : paneCursor(j))) });
  }

  function animate(e) {
    const scene = panes[0]?.scene;
    if (!e || !scene || reducedMotion() || model.get("speed") > 2) return;
    const keys = e.kind === "accumulate" ? [`${e.node}_${e.src}_${e.argnum}`]
      : e.sweep === "forward" && e.kind === "visit" ? (graph().edges ?? []).filter((x) => x.dst === e.node).map((x) => x.key) : [];
    for (const k of keys) {
      const path = /** @type {SVGPathElement | null} */ (scene.edges.get(k)?.path ?? null);
      if (path) sendToken(scene.tokens, path, e.kind === "accumulate", e.sweep, 350);
    }
  }

  async function drawGraph() {
    const g = graph(), limit = model.get("max_nodes"), token = ++drawing;
    zero = zeroColour(root); // read before the DOM changes: no style or layout pass
    const mainRect = main.getBoundingClientRect();
    root.removeAttribute("data-mlgraph-ready");
    caption.textContent = model.get("title") ?? "";
    caption.hidden = !caption.textContent;
    g.nodes?.forEach((n) => { names.set(n.id, n.name); labels.set(n.id, n.label); });
    layouts.start(g, limit, model.get("collapse"));
    const modes = paneModes();
    const p = g.passes ?? { forward: 0, reverse: 0 };
    passes.setAttribute("data-mlgraph-passes-forward", String(p.forward));
    passes.setAttribute("data-mlgraph-passes-reverse", String(p.reverse));
    passes.textContent = parseMode(model.get("mode")).sweep === "eval" ? "" :
      `full Jacobian: ${p.forward} forward pass${p.forward === 1 ? "" : "es"} or ${p.reverse} reverse`;
    passes.title = "one forward pass per scalar input entry, one reverse pass per scalar output entry";
    for (const p of panes) p.table?.dispose();
    panes = modes.map((ms) => ({ modes: ms, mode: "", scene: null, host: div("mlgraph-pane"), title: null, tableHost: null, table: null, rows: [] }));
    sideBody.replaceChildren();
    jacobian = null;
    const pathData = model.get("paths") ? g.paths?.[model.get("paths")] : null;
    if (pathData) {
      markPath = showPaths(sideBody, model.get("paths"), pathData, (i) => { pathIndex = pathIndex === i ? -1 : i; markPath(pathIndex); paint(); });
      markPath(pathIndex);
    } else if (model.get("jacobian") && g.jacobian) {
      jacobian = buildJacobian(sideBody, g.jacobian, g.passes ?? { forward: 0, reverse: 0 });
    } else {
      for (const pane of panes) {
        pane.tableHost = div("mlgraph-table-pane");
        sideBody.append(pane.tableHost);
      }
    }
    root.toggleAttribute("data-mlgraph-jacobian", Boolean(jacobian));
    const shown = layouts.visible(g), message = !g.nodes?.length || !g.dot_parts ? EMPTY : shown > limit ? tooBig(shown, limit) : "";
    if (message) panesBox.replaceChildren(div("mlgraph-message", message));
    else {
      if (!panesBox.querySelector("svg")) panesBox.replaceChildren(div("mlgraph-message", "laying out the graph\u2026"));
      try {
        const t0 = performance.now(), svg = await layouts.svg(g);
        if (disposed || token !== drawing) return;
        for (const pane of panes) {
          pane.host.setAttribute("data-mlgraph-pane", modes.length > 1 ? parseMode(pane.modes[0]).sweep : "main");
          if (modes.length > 1) pane.host.append(pane.title = div("mlgraph-pane-title"));
          pane.scene = buildScene(svg, g);
          const svgHost = div("mlgraph-pane-svg");
          svgHost.append(pane.scene.svg);
          pane.host.append(svgHost);
        }
        placePanel(mainRect);
        panesBox.replaceChildren(...panes.map((pane) => pane.host));
        const scene = /** @type {import("./scene.js").Scene} */ (panes[0].scene);
        camera.setArea(scene.area);
        minimap.setGraph(scene.area, [...scene.nodes.values(), ...scene.groups.values()].map((n) => n.box));
        stats.layoutMs = performance.now() - t0;
      } catch (err) {
        panesBox.replaceChildren(div("mlgraph-message", `mlgraph could not lay out the graph: ${err}`));
      }
    }
    root.classList.toggle("mlgraph-compare", modes.length > 1);
    root.classList.toggle("mlgraph-paths-on", Boolean(pathData));
    if (!panes[0]?.scene) placePanel(mainRect);
    openView();
    lastCursor = model.get("cursor");
    root.setAttribute("data-mlgraph-ready", "1");
    paint();
  }

  function onKey(e) {
    if (e.ctrlKey || e.metaKey || e.altKey || /^(INPUT|SELECT)$/.test(/** @type {Element} */ (e.target).tagName)) return;
    const action = KEYS[e.key];
    if (!action) return;
    e.preventDefault();
    e.stopPropagation();
    const n = model.get("paths") ? graph().paths?.[model.get("paths")]?.paths.length ?? 0 : 0;
    if (n && (action === "step" || action === "back")) { // ← / → walk the paths one by one
      pathIndex = action === "step" ? (pathIndex + 1) % n : pathIndex <= 0 ? n - 1 : pathIndex - 1;
      markPath(pathIndex);
      paint();
    } else act(action);
  }
  function onClick(e) {
    if (camera.dragged()) return;
    const hit = clicked(e.target), g = graph();
    const grp = (g.groups ?? []).find((x) => x.scope === hit.scope);
    if (grp) { layouts.toggle(grp.id); drawGraph(); return; }
    const node = (g.nodes ?? []).find((n) => n.name === hit.node);
    if (node && !model.get("paths")) { inspect = inspect === node.id ? null : node.id; paint(); }
  }
  const relayout = () => { // drawn while hidden (a closed tab)? open the view once it has a size
    const was = camera.size();
    placePanel();
    if (was.w < 50 || was.h < 50) openView();
    else camera.go(camera.view);
  };
  const handlers = [["change:cursor", paint], ["change:mode", drawGraph], ["change:streams", paint],
    ["change:tables", drawGraph], ["change:graph", () => { done.clear(); drawGraph(); }], ["change:max_nodes", drawGraph],
    ["change:compare", drawGraph], ["change:paths", drawGraph], ["change:jacobian", drawGraph],
    ["change:compare_step", paint], ["change:pane_cursors", paint], ["change:playing", () => { player.schedule(); paint(); }],
    ["change:speed", paint], ["change:follow", paint], ["change:predict", paint],
    ["change:panel", relayout], ["change:font_size", () => openView()], ["change:title", drawGraph],
    ["change:height", () => { setHeight(); relayout(); }]];
  for (const [ev, fn] of handlers) model.on(ev, fn);
  /** The box's height: `height` px, or 0 to fill the element the view is drawn in. */
  function setHeight() { root.style.height = model.get("height") ? `${model.get("height")}px` : "100%"; }
  setHeight();
  root.addEventListener("keydown", onKey);
  stage.addEventListener("click", onClick);
  const resize = new ResizeObserver(() => relayout());
  resize.observe(root);
  const theme = watchPage(() => { // light <-> dark: the heatmaps' zero colour
    const was = zero.join();
    zero = zeroColour(root);
    if (zero.join() !== was) paint();
  }, () => openView());
  drawGraph().then(() => player.schedule());
  return () => {
    disposed = true;
    player.dispose();
    camera.dispose();
    resize.disconnect();
    theme.disconnect();
    for (const p of panes) p.table?.dispose();
    for (const [ev, fn] of handlers) model.off(ev, fn);
    root.removeEventListener("keydown", onKey);
    stage.removeEventListener("click", onClick);
  };
}
