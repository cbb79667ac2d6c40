// @ts-check
// Mode strings ("eval", "forward:x1", "forward:w[1]", "reverse", "reverse:y2") parsed in
// one place on the JS side
// (mlgraph.widget.parse_mode is the Python side's one place).

/** @typedef {{sweep: "eval"|"forward"|"reverse", wrt: string|null}} Mode */

/**
 * @param {string} mode
 * @returns {Mode}
 */
export function parseMode(mode) {
  const at = mode.indexOf(":");
  const sweep = at < 0 ? mode : mode.slice(0, at);
  const wrt = at < 0 ? null : mode.slice(at + 1);
  if (sweep === "eval" && wrt === null) return { sweep, wrt };
  if (sweep === "reverse" && wrt !== "") return { sweep, wrt }; // "reverse:y2": one of several outputs
  if (sweep === "forward" && wrt !== "") return { sweep, wrt }; // "forward": a one-input graph's
  throw new Error(`unknown mode ${JSON.stringify(mode)}; use 'eval', 'forward:<input>' or 'reverse'`);
}

/** The glyph of each sweep's quantity: v, v̇ (tangent), v̄ (adjoint). */
export const GLYPH = { eval: "", forward: "\u0307", reverse: "\u0304" };
/** The node field each sweep fills. */
export const QUANTITY = { eval: "primal", forward: "tangent", reverse: "cotangent" };

/** `v3` as the quantity of a sweep: `v3`, `v̇3`, `v̄3`. @param {string} name @param {string} sweep */
export const quantityName = (name, sweep) => name.replace(/^v/, "v" + (GLYPH[sweep] ?? ""));

/**
 * A mode as the toolbar names it. A forward mode with an explicit direction (`ẇ = [1, 0]`)
 * is a directional derivative and says so.
 * @param {string} mode @param {string} [direction]
 */
export function modeLabel(mode, direction) {
  const m = parseMode(mode);
  if (m.sweep === "eval") return "Evaluate";
  if (m.sweep === "reverse") return m.wrt ? `Reverse \u2190 from ${m.wrt}` : "Reverse \u2190";
  return direction ? `Forward \u2192 directional, ${direction}` : `Forward \u2192 \u2202/\u2202${m.wrt}`;
}

/** What a mode computes, in Olah's operator notation. @param {string} mode @param {string} [direction] */
export function modeOperator(mode, direction) {
  const m = parseMode(mode);
  if (m.sweep === "eval") return "values v, inputs to output \u2192";
  if (m.sweep === "reverse") return `\u2190 \u2202${m.wrt ?? "f"}/\u2202\u00b7 for every node: v\u0304`;
  if (direction) return `directional derivative along ${direction} \u2192 : v\u0307`;
  return `\u2202\u00b7/\u2202${m.wrt} for every node \u2192 : v\u0307`;
}
