// @ts-check
// Pure replay of an event stream: the display state after events 0..cursor, and what the
// step at the cursor touches (its edges, its table row, the evaluation frontier).
// `replay` mirrors `mlgraph.events.replay` line for line (see docs/architecture.md). No DOM.

/**
 * @typedef {{step: number, sweep: "eval"|"forward"|"reverse", kind: "seed"|"visit"|"accumulate",
 *   node: number, value: any, src?: number|null, argnum?: number|null, delta?: any,
 *   text?: string, bad?: boolean, dtext?: string, dbad?: boolean, grid?: any[][],
 *   cells?: string[], stats?: Record<string, string>}} Event
 * @typedef {{primal: any, tangent: any, cotangent: any, status: "pending"|"active"|"done"}} NodeState
 * @typedef {{step: number, sweep: string, node: number, lhs: string, rule: string,
 *   numbers: string, value: string, bad?: boolean, name?: string}} Row
 * @typedef {{src: number, dst: number, argnum: number, key: string,
 *   partial?: {formula: string, text?: string, bad?: boolean}}} Edge
 */

const QUANTITY = { eval: "primal", forward: "tangent", reverse: "cotangent" };
const PHASE = { eval: "forward", forward: "forward", reverse: "reverse" };

/**
 * @param {Event[]} events
 * @param {number} cursor  -1 means nothing has happened yet
 * @param {Iterable<number>} [nodeIds]  every node of the graph (default: the nodes in events)
 * @returns {Map<number, NodeState>}
 */
export function replay(events, cursor, nodeIds) {
  /** @type {Map<number, NodeState>} */
  const state = new Map();
  const ids = nodeIds ?? events.flatMap((e) => (e.src ?? null) === null ? [e.node] : [e.node, e.src]);
  for (const id of ids) {
    state.set(id, { primal: null, tangent: null, cotangent: null, status: "pending" });
  }
  const last = Math.min(cursor, events.length - 1);
  if (last < 0) return state;
  const phase = PHASE[events[last].sweep];
  for (let i = 0; i <= last; i++) {
    const e = events[i];
    let s = state.get(e.node);
    if (!s) {
      s = { primal: null, tangent: null, cotangent: null, status: "pending" };
      state.set(e.node, s);
    }
    s[QUANTITY[e.sweep]] = e.value;
    if (PHASE[e.sweep] === phase && (e.kind === "seed" || e.kind === "visit")) s.status = "done";
  }
  /** @type {NodeState} */ (state.get(events[last].node)).status = "active";
  return state;
}

/** Key of the graph edge src -> dst in argument slot argnum. */
export const edgeKey = (src, dst, argnum) => `${src}_${dst}_${argnum}`;

/**
 * The latest event of each sweep for every node up to the cursor (their texts are what
 * the nodes show): node id -> {eval, forward, reverse} events.
 * @param {Event[]} events @param {number} cursor
 * @returns {Map<number, Partial<Record<string, Event>>>}
 */
export function latest(events, cursor) {
  const out = new Map();
  for (let i = 0; i <= Math.min(cursor, events.length - 1); i++) {
    const e = events[i];
    if (!out.has(e.node)) out.set(e.node, {});
    out.get(e.node)[e.sweep] = e;
  }
  return out;
}

/**
 * Reverse-mode contributions that have flowed so far: graph edge key -> the accumulate
 * event. An accumulate event into `node` from consumer `src` travels the edge node -> src.
 * @param {Event[]} events
 * @param {number} cursor
 * @returns {Map<string, Event>}
 */
export function contributions(events, cursor) {
  const out = new Map();
  const last = Math.min(cursor, events.length - 1);
  for (let i = 0; i <= last; i++) {
    const e = events[i];
    if (e.kind === "accumulate") out.set(edgeKey(e.node, e.src, e.argnum), e);
  }
  return out;
}

/**
 * Contributions received by each node whose adjoint is not final yet (accumulated, not
 * visited): node id -> its accumulate events so far.
 * @param {Event[]} events
 * @param {number} cursor
 * @returns {Map<number, Event[]>}
 */
export function pendingSums(events, cursor) {
  const out = new Map();
  const last = Math.min(cursor, events.length - 1);
  for (let i = 0; i <= last; i++) {
    const e = events[i];
    if (e.sweep !== "reverse") continue;
    if (e.kind === "accumulate") out.set(e.node, [...(out.get(e.node) ?? []), e]);
    else out.delete(e.node);
  }
  return out;
}

/** The sweep shown at the cursor: "eval", "forward", "reverse", or null before the start. */
export function sweepAt(events, cursor) {
  return cursor >= 0 && cursor < events.length ? events[cursor].sweep : null;
}

/**
 * The trace-table row the step at the cursor is about: the row of the event's node in its
 * sweep that this event completes or works towards (an accumulation into v1 belongs to
 * v̄1's row, a reverse seed to the seeded node's row). -1 before the start.
 * @param {Row[]} rows @param {Event[]} events @param {number} cursor
 */
export function rowAt(rows, events, cursor) {
  const e = cursor >= 0 ? events[cursor] : undefined;
  if (!e) return -1;
  let best = -1;
  rows.forEach((r, i) => {
    if (r.node === e.node && r.sweep === e.sweep && r.step >= e.step && (best < 0 || r.step < rows[best].step)) best = i;
  });
  return best;
}

/**
 * The edges the step at the cursor works on: an accumulation's edge (its contribution
 * travels it backwards); a forward or eval visit's incoming edges (the values or
 * tangents combined into the node).
 * @param {Edge[]} edges @param {Event[]} events @param {number} cursor
 * @returns {Edge[]}
 */
export function stepEdges(edges, events, cursor) {
  const e = cursor >= 0 ? events[cursor] : undefined;
  if (!e) return [];
  if (e.kind === "accumulate") return edges.filter((x) => x.src === e.node && x.dst === e.src && x.argnum === e.argnum);
  if (e.kind === "visit" && e.sweep !== "reverse") return edges.filter((x) => x.dst === e.node);
  return [];
}

/**
 * Edges whose work is done at the cursor in a forward or eval sweep: those into a node
 * visited in the current sweep. (Reverse sweeps: see `contributions`.)
 * @param {Edge[]} edges @param {Event[]} events @param {number} cursor @param {string} sweep
 * @returns {Set<string>}
 */
export function visitedEdges(edges, events, cursor, sweep) {
  const seen = new Set();
  for (let i = 0; i <= Math.min(cursor, events.length - 1); i++) {
    if (events[i].sweep === sweep && events[i].kind === "visit") seen.add(events[i].node);
  }
  return new Set(edges.filter((x) => seen.has(x.dst)).map((x) => x.key));
}

/**
 * The evaluation frontier: nodes not yet computed whose inputs all are (what the next
 * steps can compute, in any order).
 * @param {Edge[]} edges @param {Map<number, NodeState>} state
 * @returns {Set<number>}
 */
export function frontier(edges, state) {
  const blocked = new Set(), waiting = new Set();
  for (const x of edges) {
    if (state.get(x.dst)?.primal !== null) continue;
    waiting.add(x.dst);
    if (state.get(x.src)?.primal === null) blocked.add(x.dst);
  }
  return new Set([...waiting].filter((id) => !blocked.has(id)));
}

/** The step that completes each node in its last phase (a click on a node jumps there). */
export function completingStep(events, nodeId) {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.node === nodeId && e.kind !== "accumulate") return i;
  }
  return -1;
}
