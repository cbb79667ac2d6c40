// @ts-check
// Pure replay of an event stream: the display state after events 0..cursor.
// Line-for-line mirror of `mlgraph.events.replay` (see docs/architecture.md). No DOM.

/**
 * @typedef {{step: number, sweep: "eval"|"forward"|"reverse", kind: "seed"|"visit"|"accumulate",
 *   node: number, value: any, src?: number|null, argnum?: number|null, delta?: any}} Event
 * @typedef {{primal: any, tangent: any, cotangent: any, status: "pending"|"active"|"done"}} NodeState
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
 * Reverse-mode contributions that have flowed so far: graph edge key -> delta.
 * An accumulate event into `node` from consumer `src` travels the edge node -> src.
 * @param {Event[]} events
 * @param {number} cursor
 * @returns {Map<string, any>}
 */
export function contributions(events, cursor) {
  const out = new Map();
  const last = Math.min(cursor, events.length - 1);
  for (let i = 0; i <= last; i++) {
    const e = events[i];
    if (e.kind === "accumulate") out.set(edgeKey(e.node, e.src, e.argnum), e.delta);
  }
  return out;
}

/**
 * Contributions received by each node whose cotangent is not final yet (accumulated, not visited).
 * @param {Event[]} events
 * @param {number} cursor
 * @returns {Map<number, any[]>}
 */
export function pendingSums(events, cursor) {
  const out = new Map();
  const last = Math.min(cursor, events.length - 1);
  for (let i = 0; i <= last; i++) {
    const e = events[i];
    if (e.sweep !== "reverse") continue;
    if (e.kind === "accumulate") out.set(e.node, [...(out.get(e.node) ?? []), e.delta]);
    else out.delete(e.node);
  }
  return out;
}

/** The sweep shown at the cursor: "eval", "forward", "reverse", or null before the start. */
export function sweepAt(events, cursor) {
  return cursor >= 0 && cursor < events.length ? events[cursor].sweep : null;
}

/** The step that completes each node in its last phase (a click on a node jumps there). */
export function completingStep(events, nodeId) {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.node === nodeId && e.kind !== "accumulate") return i;
  }
  return -1;
}
