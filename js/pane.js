// @ts-check
// One graph pane at the cursor: from the replayed state and the events' texts, what each
// node, edge, chip and badge shows. (Two panes side by side in the compare view.)
import { contributions, edgeKey, frontier, latest, pendingSums, replay, stepEdges, visitedEdges } from "./state.js";
import { badge, forwardChip, reverseChip, signed } from "./story.js";
import { chipSize, drawChip, placeChip } from "./edges.js";
import { union } from "./geometry.js";

/**
 * @typedef {object} PaneInput
 * @property {any} graph
 * @property {import("./state.js").Event[]} events
 * @property {number} cursor
 * @property {"forward"|"reverse"|null} sweep  the derivative this mode computes
 * @property {boolean} revealed  false: the step at the cursor shows "?"
 * @property {number[]} zero
 * @property {import("./story.js").Story} story
 * @property {{edges: Set<string>, nodes: Set<number>} | null} path  the paths view's highlight
 */

/**
 * @param {import("./scene.js").Scene} scene @param {PaneInput} p
 * @returns {{active: import("./geometry.js").Box | null, focus: import("./geometry.js").Box | null}}
 *   the active node's box, and the region the camera should keep in view
 */
export function paintPane(scene, p) {
  const { graph, events, cursor } = p;
  const ids = graph.nodes.map((n) => n.id);
  const state = replay(events, cursor, ids), last = latest(events, cursor);
  const now = cursor >= 0 ? events[cursor] : undefined;
  const hideNow = !p.revealed && now !== undefined;
  const phase = now?.sweep === "reverse" ? "reverse" : "forward";
  const parts = p.sweep === "reverse" ? pendingSums(events, cursor) : new Map();
  const ready = phase === "forward" && now ? frontier(graph.edges, state) : new Set();
  const kinds = new Map(graph.nodes.map((n) => [n.id, n]));
  /** @param {number} id */
  function nodeView(id) {
    const n = kinds.get(id), s = state.get(id), l = last.get(id) ?? {};
    const value = l.eval ? slot(l.eval) : null;
    const d = p.sweep ? l[p.sweep] : undefined;
    /** @type {string} */
    let status = s?.status ?? "pending";
    if (status === "active") { /* the step's node, whatever it is */ }
    else if (n?.kind === "const") status = "const";
    else if (phase === "reverse" && !n?.grad) status = "fixed";
    else if (status === "pending" && ready.has(id)) status = "ready";
    const mine = parts.get(id);
    const hideHere = hideNow && now?.node === id;
    return {
      status, value, sweep: p.sweep,
      deriv: d && n?.grad ? slot(d) : null,
      parts: mine && !n?.shape?.length ? mine.map((e, k) => (hideHere && k === mine.length - 1 ? "?" : signed(e.dtext ?? ""))) : undefined,
      hideValue: hideHere && now?.sweep === "eval",
      hideDeriv: hideHere && now?.sweep !== "eval",
    };
  }
  for (const [id, item] of scene.nodes) item.update(nodeView(id), p.zero);
  for (const item of scene.groups.values()) {
    const inner = item.grp.nodes.map((n) => nodeView(n).status).filter((x) => x !== "const" && x !== "fixed");
    const v = nodeView(item.grp.output);
    v.status = inner.includes("active") ? "active" : inner.every((x) => x === "done") ? "done" : inner.some((x) => x === "done") ? "ready" : "pending";
    item.update(v, p.zero);
  }
  const active = new Set(stepEdges(graph.edges, events, cursor).map((e) => e.key));
  const flowed = p.sweep === "reverse" ? contributions(events, cursor) : new Map();
  const visited = p.sweep === "forward" ? visitedEdges(graph.edges, events, cursor, "forward") : new Set();
  const evalDone = visitedEdges(graph.edges, events, cursor, "eval");
  const sweepNow = now?.sweep ?? null;
  for (const e of graph.edges) {
    const item = scene.edges.get(e.key);
    if (!item) continue;
    const constant = kinds.get(e.src)?.kind === "const";
    let st = "future";
    if (p.path) st = p.path.edges.has(e.key) ? "path" : "dim";
    else if (active.has(e.key)) st = "active";
    else if (flowed.has(e.key) || visited.has(e.key) || (!p.sweep && evalDone.has(e.key))) st = "done";
    item.setState(constant && st !== "dim" ? `const-${st}` : st, st === "active" ? sweepNow : p.sweep ?? "eval");
    const b = st === "path" ? e.partial?.text ?? "" // a path's edges carry their local derivative
      : st === "done" && p.sweep && !constant ? badge(e, p.story, p.sweep, flowed.get(e.key)) : "";
    item.setBadge(b);
  }
  scene.overlay.replaceChildren();
  const boxes = [];
  const nodeBox = (id) => scene.nodes.get(id)?.box ?? [...scene.groups.values()].find((g) => g.grp.nodes.includes(id))?.box;
  const inner = (b) => ({ x0: b.x0 - scene.off.x, y0: b.y0 - scene.off.y, x1: b.x1 - scene.off.x, y1: b.y1 - scene.off.y });
  const taken = [...scene.nodes.values(), ...scene.groups.values()].map((n) => inner(n.box));
  /** Draw a chip on an edge where it hides the least; returns its box (outer coordinates). */
  const chip = (key, lines, sweep) => {
    const item = scene.edges.get(key);
    if (!item) return null;
    const size = chipSize(lines), fallback = { x: item.at.x - scene.off.x, y: item.at.y - scene.off.y };
    const at = placeChip(/** @type {any} */ (item.path), fallback, size, taken, inner(scene.area));
    drawChip(scene.overlay, at, lines, sweep, key, at.from);
    const b = { x0: at.x - size.w / 2, y0: at.y - size.h / 2, x1: at.x + size.w / 2, y1: at.y + size.h / 2 };
    taken.push(b);
    return { x0: b.x0 + scene.off.x, y0: b.y0 + scene.off.y, x1: b.x1 + scene.off.x, y1: b.y1 + scene.off.y };
  };
  if (now?.kind === "accumulate" && !p.path) {
    const b = chip(edgeKey(now.node, now.src, now.argnum), reverseChip(now, p.story, hideNow), "reverse");
    if (b) boxes.push(b);
  } else if (now?.sweep === "forward" && now.kind === "visit" && !p.path) {
    for (const e of graph.edges) {
      if (e.dst !== now.node || kinds.get(e.src)?.kind === "const" || !kinds.get(e.src)?.grad) continue;
      const b = chip(e.key, forwardChip(e, p.story), "forward");
      if (b) boxes.push(b);
    }
  }
  const activeBox = now ? nodeBox(now.node) ?? null : null;
  if (activeBox) boxes.push(activeBox);
  if (now?.kind === "accumulate") { const other = nodeBox(/** @type {number} */ (now.src)); if (other) boxes.push(other); }
  return { active: activeBox, focus: union(boxes) };
}

/** The display fields of an event for a node slot. @param {import("./state.js").Event} e */
function slot(e) {
  return { text: e.text ?? "", bad: Boolean(e.bad), grid: e.grid, absmax: e.stats?.absmax };
}
