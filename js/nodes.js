// @ts-check
// Node drawings inside Graphviz's boxes: a header (name, the user's label, shape), the
// value slot and the derivative slot (or, for tensors, two heatmaps side by side:
// value | derivative, same geometry), a halo for "now". Built once; `update` changes
// classes and text only. Every label is plain text (textContent).
import { attr, s, text } from "./dom.js";
import { fit, shapeBox } from "./geometry.js";
import { drawGrid } from "./heatmap.js";
import { quantityName } from "./modes.js";

export const SIZE = { head: 16, value: 16, small: 16 };
const PAD = 7;

/**
 * What one node shows at the cursor (built by view.js from the events' texts).
 * @typedef {{text?: string, bad?: boolean, grid?: any[][], absmax?: string}} Slot
 * @typedef {{status: string, value: Slot|null, deriv: Slot|null, sweep: string|null,
 *   parts?: string[], hideValue?: boolean, hideDeriv?: boolean}} NodeView
 */

/**
 * Decorate a Graphviz node group.
 * @param {Element} g  the `<g class="node">`
 * @param {any} node  a graph node ({id, name, label, kind, shape, heat, cell}), or a
 *   collapsed layer ({scope, nodes, output, group: true})
 * @param {{x: number, y: number}} off  the SVG's top translate
 * @param {string} shape  the shape text "(2×3)" ("" for scalars)
 */
export function buildNode(g, node, off, shape) {
  g.querySelectorAll("text, title").forEach((t) => t.remove());
  const inner = shapeBox(g, { x: 0, y: 0 }), box = shapeBox(g, off);
  const w = inner.x1 - inner.x0, cx = (inner.x0 + inner.x1) / 2;
  g.prepend(s("rect", { class: "mlgraph-halo", x: inner.x0 - 5, y: inner.y0 - 5, width: w + 10, height: inner.y1 - inner.y0 + 10, rx: 6 }));
  const title = s("title");
  g.prepend(title);
  const line = (y, cls, size) => {
    const t = s("text", { x: cx, y, class: cls, "font-size": size });
    g.append(t);
    return t;
  };
  const room = w - 2 * PAD;
  if (node.group) {
    g.classList.add("mlgraph-node", "mlgraph-group");
    g.setAttribute("data-mlgraph-group", node.scope);
    text(line(inner.y0 + 19, "mlgraph-head", SIZE.head), fit(`\u25b8 ${node.scope} (${node.nodes.length})`, room, SIZE.head));
    title.textContent = `layer ${node.scope}: ${node.nodes.length} nodes; click to expand`;
  } else {
    g.classList.add("mlgraph-node", `mlgraph-kind-${node.kind}`);
    g.setAttribute("data-mlgraph-node", node.name);
    title.textContent = `${node.name} = ${node.label}${shape ? ` ${shape}` : ""}`;
  }
  const kind = node.group ? "group" : node.kind;
  if (kind === "const") {
    text(line((inner.y0 + inner.y1) / 2 + 5, "mlgraph-head", SIZE.head), fit(node.label, room, SIZE.head));
    /** @param {NodeView} v */
    const update = (v) => attr(g, "data-mlgraph-state", v.status);
    return { g, box, update };
  }
  const head = node.group ? null : line(inner.y0 + 18, "mlgraph-head", SIZE.head);
  if (head) text(head, fit(`${node.name}  ${node.label}${shape ? `  ${shape}` : ""}`, room, SIZE.head));
  const heat = !node.group && node.shape?.length;
  const y0 = inner.y0 + 20;
  /** @type {Record<string, any>} */
  const el = {};
  if (heat) {
    const [rows, cols] = node.heat, cell = node.cell, mapW = cols * cell, slotW = (w - 24) / 2;
    const left = cx - 6 - (slotW + mapW) / 2, right = cx + 6 + (slotW - mapW) / 2, top = y0 + 22;
    const at = (t, x) => { t.setAttribute("x", String(x + mapW / 2)); return t; };
    el.tagV = at(line(y0 + 16, "mlgraph-tag mlgraph-primal", SIZE.small), left);
    el.tagD = at(line(y0 + 16, "mlgraph-tag", SIZE.small), right);
    el.spanV = at(line(top + rows * cell + 17, "mlgraph-tag mlgraph-primal", SIZE.small), left);
    el.spanD = at(line(top + rows * cell + 17, "mlgraph-tag", SIZE.small), right);
    el.mapV = s("g", { class: "mlgraph-map" });
    el.mapD = s("g", { class: "mlgraph-map" });
    el.frameV = s("rect", { class: "mlgraph-frame mlgraph-frame-primal", x: left - 1, y: top - 1, width: mapW + 2, height: rows * cell + 2 });
    el.frameD = s("rect", { class: "mlgraph-frame", x: right - 1, y: top - 1, width: mapW + 2, height: rows * cell + 2 });
    g.append(el.frameV, el.frameD, el.mapV, el.mapD);
    el.geo = { left, right, top, cell };
  } else {
    el.value = line(y0 + 20, "mlgraph-slot mlgraph-primal", SIZE.value);
    el.deriv = line(y0 + 40, "mlgraph-slot", SIZE.value);
  }
  /** @type {string} */
  let last = "";

  /** @param {NodeView} v @param {number[]} zero  the heatmap's colour for 0 */
  function update(v, zero) {
    const slotKey = (x) => (x ? `${x.text}|${x.bad ? 1 : 0}|${x.absmax ?? ""}` : "-");
    const key = `${v.status}|${slotKey(v.value)}|${slotKey(v.deriv)}|${v.sweep}|${v.parts?.join(" ") ?? ""}|${v.hideValue ? 1 : 0}${v.hideDeriv ? 1 : 0}|${v.value?.grid ? zero.join() : ""}`;
    if (key === last) return;
    last = key;
    attr(g, "data-mlgraph-state", v.status);
    g.classList.toggle("mlgraph-node-bad", Boolean(v.value?.bad || v.deriv?.bad));
    const dq = v.sweep === "forward" ? "tangent" : "cotangent";
    if (heat) {
      const dglyph = v.sweep === "forward" ? "v\u0307" : "v\u0304";
      text(el.tagV, v.value ? "v" : "");
      text(el.tagD, v.deriv && v.sweep ? dglyph : "");
      text(el.spanV, v.value ? (v.hideValue ? "?" : `\u00b1${v.value.absmax ?? ""}`) : "");
      text(el.spanD, v.deriv && v.sweep ? (v.hideDeriv ? "?" : `\u00b1${v.deriv.absmax ?? ""}`) : "");
      el.tagD.setAttribute("class", `mlgraph-tag mlgraph-${dq}`);
      el.spanD.setAttribute("class", `mlgraph-tag mlgraph-${dq}`);
      el.frameD.setAttribute("class", `mlgraph-frame mlgraph-frame-${v.deriv ? dq : "none"}`);
      const { left, right, top, cell } = el.geo;
      drawGrid(el.mapV, v.value && !v.hideValue ? v.value.grid ?? null : null, left, top, cell, zero);
      drawGrid(el.mapD, v.deriv && !v.hideDeriv ? v.deriv.grid ?? null : null, right, top, cell, zero);
      return;
    }
    const name = node.group ? `v${node.output}` : node.name;
    const show = (t, slot, q, hide) => { // a layer's tensor output: its scale, not its entries
      const said = hide ? "?" : slot?.grid ? `\u00b1${slot.absmax}` : slot?.text;
      text(t, slot ? fit(`${quantityName(name, q)} ${slot?.grid && !hide ? "" : "= "}${said}`, room, SIZE.value) : "");
      t.classList.toggle("mlgraph-bad", Boolean(slot?.bad) && !hide);
    };
    show(el.value, v.value, "eval", v.hideValue);
    if (v.parts?.length) {
      text(el.deriv, fit(`\u03a3 ${v.parts.join(" ")}`, room, SIZE.value)); // parts so far
      el.deriv.classList.remove("mlgraph-bad");
    } else show(el.deriv, v.deriv, v.sweep ?? "reverse", v.hideDeriv);
    el.deriv.setAttribute("class", `mlgraph-slot mlgraph-${dq}${el.deriv.classList.contains("mlgraph-bad") ? " mlgraph-bad" : ""}`);
  }
  return { g, box, update };
}
