// @ts-check
// The trace-table window: the kernel's rows (rule | numbers | value) in blocks per sweep,
// the row the current step is about highlighted and kept at a third of the height, future
// rows showing their rule only (no spoilers). Hooks: `data-mlgraph-current` on the current
// row, `data-mlgraph-row-node="v3"` on every row. Rows about a node named with mg.name say
// so (`v̄4 (z)`); a long row is cut with "…" except the current one, which wraps: its
// numbers are the lesson.
import { h } from "./dom.js";
import { named, rowText, shownNumbers } from "./story.js";

const BLOCK = { eval: "forward primal trace \u2193", forward: "forward trace: values and tangents \u2193", reverse: "reverse adjoint trace \u2191" };

/**
 * @param {HTMLElement} host  the scrolling pane
 * @param {import("./state.js").Row[]} rows
 * @param {(id: number) => string} nameOf  node id -> "v3"
 * @param {(row: number) => void} onPick  a click on a row
 * @param {() => boolean} reduced  reduced motion: jump, don't scroll smoothly
 */
export function buildTable(host, rows, nameOf, onPick, reduced) {
  const table = h("table", { class: "mlgraph-table" });
  const cols = h("colgroup");
  for (const c of ["lhs", "rule", "numbers", "value"]) cols.append(h("col", { class: `mlgraph-col-${c}` }));
  // the left-hand side and the value as wide as their longest texts ("v̄12 (ŷ)",
  // "= [0.07526, 0.1129]"), within bounds; the rule and the numbers share the rest
  const chars = (/** @type {string} */ t) => [...t.normalize("NFC")].length;
  const width = (/** @type {number} */ n, /** @type {number} */ lo, /** @type {number} */ hi) => `${Math.min(hi, Math.max(lo, 0.62 * n + 0.9)).toFixed(1)}em`;
  const [lhsCol, , , valueCol] = /** @type {HTMLElement[]} */ ([...cols.children]);
  lhsCol.style.width = width(Math.max(0, ...rows.map((r) => chars(named(r.lhs, r.name)))), 3.4, 9);
  valueCol.style.width = width(Math.max(0, ...rows.map((r) => chars(`= ${r.value}`))), 7, 14);
  const body = h("tbody");
  table.append(cols, body);
  let sweep = "";
  const hasTangents = rows.some((r) => r.sweep === "forward");
  /** @type {{tr: HTMLElement, numbers: HTMLElement, value: HTMLElement, row: any, shown: string}[]} */
  const items = [];
  rows.forEach((r, i) => {
    const block = r.sweep === "reverse" ? "reverse" : hasTangents ? "forward" : "eval"; // v and v̇ rows interleave
    if (block !== sweep) {
      sweep = block;
      const th = h("th", { colspan: "4", class: `mlgraph-block mlgraph-block-${sweep}` }, BLOCK[sweep] ?? sweep);
      const head = h("tr");
      head.append(th);
      body.append(head);
    }
    const tr = h("tr", { class: `mlgraph-row mlgraph-row-${r.sweep}`, "data-mlgraph-row-node": nameOf(r.node), "data-step": String(r.step) });
    const numbers = h("td", { class: "mlgraph-numbers" }), value = h("td", { class: "mlgraph-value" });
    tr.append(h("td", { class: "mlgraph-lhs", title: named(r.lhs, r.name) }, named(r.lhs, r.name)), h("td", { class: "mlgraph-rule", title: `${r.lhs} = ${r.rule}` }, `= ${r.rule}`), numbers, value);
    tr.addEventListener("click", () => onPick(i));
    body.append(tr);
    items.push({ tr, numbers, value, row: r, shown: "" });
  });
  const spacer = h("div", { class: "mlgraph-table-spacer" });
  host.replaceChildren(table, spacer);
  let current = -1, scrollTo = -1, frame = 0;

  /**
   * @param {number} cursor  the step shown
   * @param {number} at  the index of the current row (-1: none)
   * @param {boolean} hide  the current row's numbers are not revealed yet (predict)
   */
  function update(cursor, at, hide) {
    items.forEach((item, i) => {
      const { tr, numbers, value, row } = item;
      const done = row.step <= cursor, open = done && !(i === at && hide);
      const shown = `${done}${open}${i === at}${hide}`;
      if (shown === item.shown) return; // only the rows the step changed touch the DOM
      item.shown = shown;
      const nums = shownNumbers(row) ? `= ${row.numbers}` : "";
      const ask = hide ? "= ?" : "= \u2026"; // predicting: a question; else: being worked on
      numbers.textContent = open ? nums : i === at && nums ? ask : "";
      value.textContent = open ? `= ${row.value}` : i === at ? ask : "";
      tr.title = open ? rowText(row) : ""; // the whole row, where a cell is cut
      tr.classList.toggle("mlgraph-row-done", done);
      tr.classList.toggle("mlgraph-bad", Boolean(row.bad) && open);
    });
    if (at !== current) {
      items[current]?.tr.classList.remove("mlgraph-row-current");
      items[current]?.tr.removeAttribute("data-mlgraph-current");
      items[at]?.tr.classList.add("mlgraph-row-current");
      items[at]?.tr.setAttribute("data-mlgraph-current", "");
      current = at;
      scrollTo = at;
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(scroll); // read layout in the next frame, not mid-step
    }
  }

  function scroll() {
    const tr = items[scrollTo]?.tr;
    if (!tr) return;
    spacer.style.height = `${Math.round(host.clientHeight * 0.6)}px`; // the last rows can reach the pin too
    const want = tr.offsetTop - host.clientHeight / 3;
    if (Math.abs(host.scrollTop - want) > 2) host.scrollTo({ top: want, behavior: reduced() ? "auto" : "smooth" });
  }
  return { update, dispose: () => cancelAnimationFrame(frame) };
}
