// @ts-check
// The compare view runs every pass a full Jacobian needs, one after another in each pane:
// a step of the pane is a step of one of its passes. Pure functions (no DOM).

/**
 * Where a pane's step `cursor` falls in its passes.
 * @param {string[]} modes  the pane's passes, in order
 * @param {(mode: string) => number} lengthOf  the number of events of a pass
 * @param {number} cursor  the pane's step, -1 (before the first) to the total - 1
 * @returns {{mode: string, cursor: number, pass: number, done: string[]}}
 *   the pass on screen, the step inside it, its index, and the passes run to their end
 */
export function locate(modes, lengthOf, cursor) {
  let start = 0;
  for (let k = 0; k < modes.length; k++) {
    const n = lengthOf(modes[k]);
    if (cursor < start + n || k === modes.length - 1) {
      const c = Math.max(-1, Math.min(cursor - start, n - 1));
      return { mode: modes[k], cursor: c, pass: k, done: modes.slice(0, k).concat(c === n - 1 ? [modes[k]] : []) };
    }
    start += n;
  }
  return { mode: modes[0] ?? "", cursor: -1, pass: 0, done: [] };
}

/** The steps of a pane: all its passes' events. @param {string[]} modes @param {(mode: string) => number} lengthOf */
export const total = (modes, lengthOf) => modes.reduce((n, m) => n + lengthOf(m), 0);
