// @ts-check
// The words of a step: the chain-rule chip on an edge, the badge a finished edge keeps,
// and the narration line. Pure string assembly from texts the kernel wrote (numbers are
// never formatted here), so the chip, the table row and the narration read alike.
import { parseMode, quantityName } from "./modes.js";
import { latest } from "./state.js";

/**
 * What the texts are made from.
 * @typedef {object} Story
 * @property {(id: number) => string} name  "v3"
 * @property {(id: number) => string} label  "x1", "×"
 * @property {(id: number) => string} called  "v3", or "v3 (z)" for a node named with mg.name
 * @property {(id: number) => string} shape  "(2×3)" for a tensor node, "" for a scalar
 * @property {(key: string) => import("./state.js").Edge | undefined} edge
 * @property {(id: number, sweep: string) => import("./state.js").Event | undefined} last
 *   the latest event of a sweep for a node, at the cursor
 */

/**
 * A table row as one line, `lhs = rule = numbers = value`, leaving out a part that only
 * repeats the next (as the kernel prints it: mlgraph.tables.Row.__str__).
 * @param {import("./state.js").Row} r
 */
export function rowText(r) {
  const parts = [named(r.lhs, r.name), r.rule];
  if (shownNumbers(r)) parts.push(r.numbers);
  if (r.value !== r.rule) parts.push(r.value);
  return parts.join(" = ");
}

/** A row's numbers, or "" when they only repeat its value (`(−1)` before `−1`), as
 * mlgraph.tables.Row.shown_numbers.
 * @param {import("./state.js").Row} r */
export const shownNumbers = (r) =>
  (r.numbers === "" || r.numbers === r.value || r.numbers === `(${r.value})` ? "" : r.numbers);

/** `v̄3 (z)`: a left-hand side with the name given by mg.name (as the kernel prints it).
 * @param {string} lhs @param {string} [name] */
export const named = (lhs, name) => (name ? `${lhs} (${name})` : lhs);

const paren = (t) => (t.startsWith("\u2212") || /[ +·/]/.test(t) ? `(${t})` : t);

/** `+2`, `−0.2837`: a contribution with its sign. @param {string} t */
export const signed = (t) => (t.startsWith("\u2212") || t.startsWith("+") ? t : `+${t}`);

/**
 * The chain-rule chip of an accumulation into `e.node` from its consumer `e.src`:
 * ["v̄1 += v̄3·∂v3/∂v1", "= 1·2 = 2"]. `hide`: the result is "?" (predict, then reveal).
 * @param {import("./state.js").Event} e @param {Story} st @param {boolean} [hide]
 * @returns {string[]}
 */
export function reverseChip(e, st, hide = false) {
  const i = st.name(e.node), j = st.name(/** @type {number} */ (e.src));
  const ubar = quantityName(j, "reverse");
  const head = `${quantityName(i, "reverse")} += ${ubar}\u00b7\u2202${j}/\u2202${i}`;
  const edge = st.edge(`${e.node}_${e.src}_${e.argnum}`);
  const result = hide ? "?" : e.dtext ?? "";
  const p = edge?.partial;
  const u = st.last(/** @type {number} */ (e.src), "reverse");
  if (p?.text !== undefined && u?.text !== undefined) return [head, `= ${paren(u.text)}\u00b7${paren(p.text)} = ${result}`];
  return [head, `= ${ubar}\u00b7${p?.formula ?? "\u2202"} = ${result}`];
}

/**
 * The chip of an edge into a node whose tangent is being computed:
 * ["∂v3/∂v0·v̇0", "= 5·1"].
 * @param {import("./state.js").Edge} edge @param {Story} st
 * @returns {string[]}
 */
export function forwardChip(edge, st) {
  const i = st.name(edge.dst), j = st.name(edge.src);
  const head = `\u2202${i}/\u2202${j}\u00b7${quantityName(j, "forward")}`;
  const t = st.last(edge.src, "forward")?.text;
  const p = edge.partial;
  if (t === undefined) return [head];
  return [head, `= ${p?.text !== undefined ? paren(p.text) : p?.formula ?? "\u2202"}\u00b7${paren(t)}`];
}

/**
 * The compact label a finished edge keeps: the contribution it carried (reverse), or its
 * local derivative times the tangent it carried (forward).
 * @param {import("./state.js").Edge} edge @param {Story} st @param {"forward"|"reverse"} sweep
 * @param {import("./state.js").Event} [acc]  reverse: the accumulate event on this edge
 */
export function badge(edge, st, sweep, acc) {
  if (st.shape(edge.src)) return st.shape(edge.src); // a tensor edge keeps its shape
  if (sweep === "reverse") return acc?.dtext !== undefined ? signed(acc.dtext) : "";
  const t = st.last(edge.src, "forward")?.text, p = edge.partial?.text;
  return t !== undefined && p !== undefined ? `${paren(p)}\u00b7${paren(t)}` : "";
}

/**
 * The narration line of the step at the cursor.
 * @param {import("./state.js").Event | undefined} e  the event at the cursor
 * @param {import("./state.js").Row | undefined} row  its table row
 * @param {Story} st
 * @param {{hide?: boolean, parts?: import("./state.js").Event[], mode: string}} opt
 *   hide: predict, then reveal; parts: the accumulations into e.node so far
 * @returns {{eq: string, words: string}}
 */
export function narrate(e, row, st, opt) {
  if (!e) return { eq: "", words: START[parseMode(opt.mode).sweep] };
  const me = st.called(e.node), q = quantityName(me, e.sweep);
  const line = row ? (opt.hide ? `${named(row.lhs, row.name)} = ${row.rule === row.value ? "?" : `${row.rule} = ?`}` : rowText(row)) : "";
  if (e.kind === "accumulate") {
    const [head, tail] = reverseChip(e, st, opt.hide);
    const n = opt.parts?.length ?? 1;
    const sofar = opt.hide ? "" : `; ${q} so far ${e.text}`;
    return { eq: `${head} ${tail}`, words: `${st.called(/** @type {number} */ (e.src))} sends ${me} its share (contribution ${n})${sofar}` };
  }
  if (e.sweep === "eval") {
    return { eq: line, words: e.kind === "seed" ? `the input ${st.label(e.node)} is given` : `${me} is computed from its inputs` };
  }
  if (e.sweep === "forward") {
    if (e.kind === "seed") {
      const moves = !opt.hide && e.text !== "0" && !/^[[(]?0(, 0)*[\])]?$/.test(e.text ?? "");
      return { eq: opt.hide ? `${q} = ?` : `${q} = ${e.text}`, words: `seed: ${st.label(e.node)} ${moves ? "moves at rate 1" : "is held fixed"}` };
    }
    return { eq: line, words: `${q}: the local derivatives on the edges into ${me} times their tangents, summed` };
  }
  if (e.kind === "seed") return { eq: opt.hide ? `${q} = ?` : `${q} = \u0233 = ${e.text}`, words: `seed: \u2202f/\u2202${me} = 1 at the output` };
  return { eq: line, words: `${q} is final: every consumer of ${me} has sent its share` };
}

const START = {
  eval: "Press \u25b6 or \u2192: the evaluation sweep computes every value from the inputs.",
  forward: "Press \u25b6 or \u2192: each value and its tangent v\u0307 move forward together.",
  reverse: "Press \u25b6 or \u2192: an evaluation sweep, then the adjoints v\u0304 flow back from the output.",
};

/**
 * The story helpers of a pane at a cursor (names, labels, shapes, edges by key, the
 * latest event per node and sweep); the edge index is built once per graph.
 * @param {() => any} graph @param {Map<number, string>} names @param {Map<number, string>} labels
 * @returns {(events: import("./state.js").Event[], cursor: number) => Story}
 */
export function storyMaker(graph, names, labels) {
  let index = { graph: null, byKey: new Map(), given: new Map() };
  return (events, cursor) => {
    const g = graph(), last = latest(events, cursor);
    if (index.graph !== g) {
      index = { graph: g, byKey: new Map((g.edges ?? []).map((e) => [e.key, e])),
        given: new Map((g.nodes ?? []).filter((n) => n.named).map((n) => [n.id, n.named])) };
    }
    const edges = index.byKey, shapes = g.shapes ?? {};
    const name = (id) => names.get(id) ?? `v${id}`, given = (id) => index.given.get(id);
    return { name, called: (id) => named(name(id), given(id)), label: (id) => labels.get(id) ?? "", shape: (id) => shapes[String(id)] ?? "",
      edge: (k) => edges.get(k), last: (id, sw) => last.get(id)?.[sw] };
  };
}
