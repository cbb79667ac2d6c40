// @ts-check
// The inspector: a node's full numbers in the side panel (a tensor as a table of cells on
// the sign scale), its local derivatives, and for a matrix product the weighted sum behind
// each output entry (the perceptron's 3.2 as 2·0.1 + 3·0.5 − 1·2.5 + 5·0.2 + 3).
import { div, h } from "./dom.js";
import { bad, cellColour, span } from "./heatmap.js";
import { quantityName } from "./modes.js";
import { latest } from "./state.js";

/**
 * @param {HTMLElement} host
 * @param {any} node  the graph node
 * @param {{events: import("./state.js").Event[], cursor: number, sweep: string, revealed: boolean}} at
 *   the pane's stream, the cursor, its sweep, and whether the step at the cursor is shown
 * @param {any} graph  the `graph` trait (edges, matmul, shapes)
 * @param {number[]} zero  the heatmap colour of 0
 * @param {() => void} close
 */
export function showInspector(host, node, at, graph, zero, close) {
  const l = latest(at.events, at.cursor).get(node.id) ?? {}, e = at.events[at.cursor];
  const hidden = !at.revealed && e?.node === node.id, sw = at.sweep;
  const now = { value: l.eval, deriv: sw === "eval" ? undefined : l[sw], sweep: sw,
    hideValue: hidden && e?.sweep === "eval", hideDeriv: hidden && e?.sweep !== "eval" };
  const box = div("mlgraph-inspector");
  const shut = h("button", { type: "button", class: "mlgraph-button", "data-mlgraph-action": "close-inspector", title: "back to the trace table" }, "\u00d7 table");
  shut.addEventListener("click", close);
  const shape = graph.shapes?.[String(node.id)] ?? "";
  box.append(div("mlgraph-inspector-head"), shut);
  /** @type {HTMLElement} */ (box.firstElementChild).textContent = `${node.name}  ${node.label}  ${shape}`;
  const section = (title, e, q, hide) => {
    box.append(h("h4", { class: `mlgraph-${q}` }, title));
    if (!e) { box.append(div("mlgraph-muted", "not computed yet")); return; }
    if (hide) { box.append(div("mlgraph-cellline", "?")); return; }
    if (e.cells && e.grid) box.append(cellTable(e, node, zero));
    else if (e.stats) box.append(div("mlgraph-cellline", `min ${e.stats.min} \u00b7 max ${e.stats.max} \u00b7 mean ${e.stats.mean} (pooled heatmap on the node)`));
    else box.append(div(`mlgraph-cellline${e.bad ? " mlgraph-bad" : ""}`, `${quantityName(node.name, e.sweep)} = ${e.text}`));
  };
  section("value v", now.value, "primal", now.hideValue);
  if (now.sweep && now.sweep !== "eval" && node.grad) {
    section(now.sweep === "forward" ? "tangent v\u0307" : "adjoint v\u0304 (gradient)", now.deriv, now.sweep === "forward" ? "tangent" : "cotangent", now.hideDeriv);
  }
  const into = (graph.edges ?? []).filter((e) => e.dst === node.id && e.partial);
  if (into.length) {
    box.append(h("h4", {}, "local derivatives"));
    for (const e of into) {
      const src = `v${e.src}`, p = e.partial;
      const line = `\u2202${node.name}/\u2202${src} = ${p.formula}${p.text !== undefined && p.text !== p.formula ? ` = ${p.text}` : ""}`;
      box.append(div(`mlgraph-cellline${p.bad ? " mlgraph-bad" : ""}`, line));
    }
  }
  for (const entry of graph.matmul?.[String(node.id)] ?? []) {
    if (!box.querySelector(".mlgraph-matmul")) box.append(h("h4", { class: "mlgraph-matmul" }, "each entry is a weighted sum"));
    const idx = entry.index.length ? `[${entry.index.join(", ")}]` : "";
    box.append(div("mlgraph-cellline", `${node.name}${idx} = ${entry.terms} = ${entry.value}`));
    if (entry.bias !== undefined) box.append(div("mlgraph-cellline", `v${entry.add}${idx} = ${entry.terms} + ${entry.bias} = ${entry.out}`));
  }
  host.replaceChildren(box);
}

/** Black or white, whichever reads better on `fill` ("rgb(r,g,b)"): at least 4.58:1. */
function inkOn(fill) {
  const [r, g, b] = (fill.match(/\d+/g) ?? ["0", "0", "0"]).map((c) => Number(c) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) ? "#000" : "#fff";
}

/** A tensor's entries as a table of cells, each with its sign-scale background. */
function cellTable(e, node, zero) {
  const cols = node.shape[node.shape.length - 1] ?? 1;
  const flat = e.grid.flat(), m = span(e.grid);
  const table = h("table", { class: "mlgraph-cells" });
  for (let r = 0; r < e.cells.length / cols; r++) {
    const tr = h("tr");
    for (let c = 0; c < cols; c++) {
      const k = r * cols + c, v = flat[k];
      const td = h("td", { class: bad(v) ? "mlgraph-bad" : "" }, e.cells[k]);
      const fill = cellColour(v, m, zero);
      td.style.background = fill;
      td.style.color = inkOn(fill);
      tr.append(td);
    }
    table.append(tr);
  }
  return table;
}
