// @ts-check
// The Jacobian panel: the matrix ∂(outputs)/∂(inputs) in scalar entries, filled as the
// passes run, one column per forward pass (by one input entry) and one row per reverse
// pass (from one output entry), with what a full Jacobian costs in each mode. Every
// entry is a text the kernel wrote from the run's own numbers (mlgraph.display.jacobian).
// Hooks: `data-mlgraph-passes-forward` / `-reverse` (the pass counts), and on each cell
// `data-mlgraph-jac="row,col"`, with `data-mlgraph-filled` once a pass has written it.
import { div, h } from "./dom.js";

/**
 * @typedef {{cols: string[], rows: string[],
 *   forward: Record<string, {col: number, texts: string[]}>,
 *   reverse: Record<string, {row: number, texts: string[]}>}} JacobianData
 */

/**
 * The passes done, as columns and rows: every mode in `done` (a pass run to its end).
 * @param {JacobianData} jac @param {Iterable<string>} done
 * @returns {Map<string, string>} "row,col" -> the entry's text
 */
export function filledEntries(jac, done) {
  const out = new Map();
  for (const mode of done) {
    const f = jac.forward[mode], r = jac.reverse[mode];
    if (f) f.texts.forEach((t, row) => out.set(`${row},${f.col}`, t));
    if (r) r.texts.forEach((t, col) => out.set(`${r.row},${col}`, t));
  }
  return out;
}

/**
 * @param {HTMLElement} host
 * @param {JacobianData} jac
 * @param {{forward: number, reverse: number}} passes  mlgraph.pass_counts, in scalar entries
 */
export function buildJacobian(host, jac, passes) {
  const box = div("mlgraph-jacobian-panel");
  box.setAttribute("data-mlgraph-passes-forward", String(passes.forward));
  box.setAttribute("data-mlgraph-passes-reverse", String(passes.reverse));
  const plural = (n, w) => `${n} ${w}${n === 1 ? "" : "es"}`;
  box.append(h("h4", {}, `Jacobian: ${jac.rows.length || passes.reverse} \u00d7 ${jac.cols.length || passes.forward}`));
  const fwd = div("mlgraph-jacobian-count"), rev = div("mlgraph-jacobian-count");
  box.append(fwd, rev);
  /** @type {Map<string, HTMLElement>} */
  const cells = new Map();
  /** @type {HTMLElement[]} */
  const heads = [], rowHeads = [];
  if (jac.cols.length) {
    const table = h("table", { class: "mlgraph-jacobian" });
    const top = h("tr");
    top.append(h("th", {}, ""));
    for (const c of jac.cols) {
      const th = h("th", { scope: "col", title: `forward pass by ${c}` }, `\u2202/\u2202${c}`);
      heads.push(th);
      top.append(th);
    }
    table.append(top);
    jac.rows.forEach((r, i) => {
      const tr = h("tr"), th = h("th", { scope: "row", title: `reverse pass from ${r}` }, `\u2202${r}`);
      rowHeads.push(th);
      tr.append(th);
      jac.cols.forEach((_, j) => {
        const td = h("td", { "data-mlgraph-jac": `${i},${j}` }, "\u00b7");
        cells.set(`${i},${j}`, td);
        tr.append(td);
      });
      table.append(tr);
    });
    box.append(table);
  } else {
    box.append(div("mlgraph-muted", "too many entries to show one by one"));
  }
  host.replaceChildren(box);

  /**
   * @param {Set<string>} done  the modes run to their end
   * @param {string[]} current  the modes on screen (their column or row is outlined)
   */
  function update(done, current) {
    const filled = filledEntries(jac, done);
    for (const [key, td] of cells) {
      const text = filled.get(key);
      td.textContent = text ?? "\u00b7";
      td.toggleAttribute("data-mlgraph-filled", text !== undefined);
    }
    const col = new Set(current.map((m) => jac.forward[m]?.col).filter((x) => x !== undefined));
    const row = new Set(current.map((m) => jac.reverse[m]?.row).filter((x) => x !== undefined));
    heads.forEach((th, j) => th.classList.toggle("mlgraph-jacobian-now", col.has(j)));
    rowHeads.forEach((th, i) => th.classList.toggle("mlgraph-jacobian-now", row.has(i)));
    for (const [key, td] of cells) {
      const [i, j] = key.split(",").map(Number);
      td.classList.toggle("mlgraph-jacobian-now", col.has(j) || row.has(i));
    }
    const nf = [...done].filter((m) => jac.forward[m]).length, nr = [...done].filter((m) => jac.reverse[m]).length;
    fwd.textContent = `forward mode: ${plural(passes.forward, "pass")}, one per input entry (a column each); ${nf} run`;
    rev.textContent = `reverse mode: ${plural(passes.reverse, "pass")}, one per output entry (a row each); ${nr} run`;
  }
  return { update };
}
