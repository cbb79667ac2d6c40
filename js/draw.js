// @ts-check
// The graph view: builds the SVG once from the Graphviz layout, then only toggles
// classes and text per cursor. All label text goes through textContent (never HTML).
import { edgeKey } from "./state.js";
import { full, num, short } from "./format.js";

const SVGNS = "http://www.w3.org/2000/svg";
const LINES = ["primal", "tangent", "cotangent"];
const SYMBOL = { primal: "", tangent: "\u0307", cotangent: "\u0304" }; // v, v̇, v̄

/** @param {string} tag @param {Record<string,string>} attrs @param {string} [text] */
function svgEl(tag, attrs, text) {
  const el = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Bounding box from a Graphviz node polygon's points. */
function polygonBox(g) {
  const poly = g.querySelector("polygon, ellipse, path");
  if (!poly) return { x0: 0, y0: 0, x1: 0, y1: 0 };
  const nums = (poly.getAttribute("points") ?? poly.getAttribute("d") ?? "")
    .split(/[\s,MCLZ]+/).filter(Boolean).map(Number);
  const xs = nums.filter((_, i) => i % 2 === 0), ys = nums.filter((_, i) => i % 2 === 1);
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

/** Middle point of a Graphviz edge path "M x,y C x,y x,y x,y ...". */
function pathMiddle(path) {
  const nums = (path?.getAttribute("d") ?? "").split(/[\s,MC]+/).filter(Boolean).map(Number);
  const n = Math.floor(nums.length / 4) * 2; // an even index near the middle
  return { x: nums[n] ?? 0, y: nums[n + 1] ?? 0 };
}

/**
 * Build the view.
 * @param {HTMLElement} host
 * @param {string} svgText  Graphviz SVG output
 * @param {any} graph  the `graph` trait: nodes, edges, edge_labels
 */
export function buildGraphView(host, svgText, graph) {
  const svg = /** @type {SVGSVGElement} */ (
    new DOMParser().parseFromString(svgText, "image/svg+xml").documentElement);
  svg.classList.add("mlgraph-svg");
  svg.querySelectorAll("title").forEach((t) => t.remove()); // our own titles below
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  /** @type {Map<number, {g: Element, lines: Record<string, Element>, title: Element, last: any[]|null}>} */
  const nodes = new Map();
  const groupById = new Map((graph.groups ?? []).map((grp) => [grp.id, grp]));
  /** @type {Map<string, {g: Element, grp: any, lines: Record<string, Element>, title: Element, last: any[]|null}>} */
  const groups = new Map();
  for (const g of svg.querySelectorAll("g.node")) {
    const node = byName.get(g.id), grp = groupById.get(g.id);
    if (!node && !grp) continue;
    g.querySelectorAll("text").forEach((t) => t.remove());
    g.setAttribute("data-mlgraph-state", "pending");
    if (node) {
      g.setAttribute("data-mlgraph-node", node.name);
      g.classList.add("mlgraph-node", `mlgraph-kind-${node.kind}`);
    } else {
      g.setAttribute("data-mlgraph-group", grp.scope);
      g.classList.add("mlgraph-node", "mlgraph-group");
    }
    const b = polygonBox(g);
    const x = (b.x0 + b.x1) / 2, top = b.y0;
    const title = svgEl("title", {}, "");
    g.prepend(title);
    const head = node ? `${node.name}  ${node.label}` : `\u25B8 ${grp.scope}  (${grp.nodes.length} nodes)`;
    g.append(svgEl("text", { x: String(x), y: String(top + 14), class: "mlgraph-head" }, head));
    const lines = {};
    LINES.forEach((q, i) => {
      lines[q] = svgEl("text", { x: String(x), y: String(top + 30 + 14 * i), class: `mlgraph-${q}` }, "");
      g.append(lines[q]);
    });
    if (node) nodes.set(node.id, { g, lines, title, last: null });
    else groups.set(grp.id, { g, grp, lines, title, last: null });
  }
  for (const g of svg.querySelectorAll("g.cluster")) {
    const grp = groupById.get(g.id.replace(/^cluster_/, ""));
    if (!grp) continue;
    g.setAttribute("data-mlgraph-cluster", grp.scope);
    g.classList.add("mlgraph-cluster");
    const t = g.querySelector("text");
    if (t) t.textContent = `\u25BE ${grp.scope}  (click to collapse)`;
    g.querySelector("title")?.remove();
    g.prepend(svgEl("title", {}, `layer ${grp.scope}: click to collapse it into one node`));
  }
  /** @type {Map<string, {g: Element, src: number, dst: number, text: Element|null, flow: Element|null, at: {x:number,y:number}, last: string}>} */
  const edges = new Map();
  for (const g of svg.querySelectorAll("g.edge")) {
    g.classList.add("mlgraph-edge");
    if (!g.id.startsWith("e")) continue; // an edge into or out of a collapsed group
    const key = g.id.replace(/^e/, "");
    g.querySelectorAll("title").forEach((t) => t.remove());
    const texts = [...g.querySelectorAll("text")]; // Graphviz placed a label box: use its spot
    const at = texts.length
      ? { x: Number(texts[0].getAttribute("x")), y: Number(texts[0].getAttribute("y")) }
      : pathMiddle(g.querySelector("path"));
    texts.forEach((t) => t.remove());
    const [src, dst] = key.split("_").map(Number);
    edges.set(key, { g, src, dst, text: null, flow: null, at, last: "" });
  }
  host.replaceChildren(svg);
  const names = new Map(graph.nodes.map((n) => [n.id, n.name]));
  const labels = graph.edge_labels ?? {};

  /** Text of one node for a state; returns a cache key so unchanged nodes are skipped. */
  function nodeText(node, s, pending) {
    const out = {};
    for (const q of LINES) {
      const v = s[q];
      out[q] = v === null || v === undefined ? "" : `${node.name.replace("v", "v" + SYMBOL[q])} = ${short(v, 2)}`;
    }
    if (pending) out.cotangent = `v\u0304 = ${pending.map((d) => `(${short(d, 0)})`).join(" + ")}`;
    return out;
  }

  /**
   * Show the display state.
   * @param {{state: Map<number, any>, contrib: Map<string, any>, pending: Map<number, any[]>,
   *   derivative: "forward"|"reverse"|null}} view
   */
  function update(view) {
    for (const item of groups.values()) { // a collapsed layer shows its output node
      const id = item.grp.output, s = view.state.get(id);
      if (!s) continue;
      const inner = item.grp.nodes.map((n) => view.state.get(n)?.status);
      const status = inner.includes("active") ? "active" : inner.every((x) => x === "done") ? "done"
        : s.status === "done" ? "done" : "pending";
      const key = [status, s.primal, s.tangent, s.cotangent];
      if (item.last && key.every((k, i) => k === item.last[i])) continue;
      item.last = key;
      item.g.setAttribute("data-mlgraph-state", status);
      const txt = nodeText({ name: names.get(id) }, s, null);
      for (const q of LINES) item.lines[q].textContent = txt[q];
      item.title.textContent = `layer ${item.grp.scope}: ${item.grp.nodes.length} nodes, output ${names.get(id)}; click to expand`;
    }
    for (const [id, item] of nodes) {
      const s = view.state.get(id);
      if (!s) continue;
      const pend = view.pending.get(id);
      // values are the events' own objects, so identity tells what changed (no stringify)
      const key = [s.status, s.primal, s.tangent, s.cotangent, pend?.length ?? 0];
      if (item.last && key.every((k, i) => k === item.last[i])) continue;
      item.last = key;
      item.g.setAttribute("data-mlgraph-state", s.status);
      const name = names.get(id);
      const txt = nodeText({ name }, s, pend);
      for (const q of LINES) item.lines[q].textContent = txt[q];
      item.title.textContent = LINES.filter((q) => s[q] !== null && s[q] !== undefined)
        .map((q) => `${name.replace("v", "v" + SYMBOL[q])} = ${full(s[q])}`).join("\n") || name;
    }
    for (const [key, item] of edges) {
      const { src, dst } = item;
      const dstState = view.state.get(dst);
      let text = "";
      const lab = labels[key];
      if (lab && view.derivative === "forward" && dstState?.tangent != null) text = partial(lab, src, dst);
      if (lab && view.derivative === "reverse" && dstState && dstState.cotangent != null
          && dstState.status !== "pending") text = partial(lab, src, dst);
      const delta = view.contrib.get(key);
      const flow = delta === undefined ? "" : `v\u0304${names.get(src)?.slice(1)} += ${short(delta, 0)}`;
      if (text + "|" + flow === item.last) continue;
      item.last = text + "|" + flow;
      item.g.classList.toggle("mlgraph-flow", delta !== undefined);
      if (!item.text) {
        const { x, y } = item.at;
        item.text = svgEl("text", { x: String(x), y: String(y), class: "mlgraph-edge-label" });
        item.flow = svgEl("text", { x: String(x), y: String(y + 12), class: "mlgraph-edge-label mlgraph-edge-flow" });
        item.g.append(item.text, item.flow);
      }
      item.text.textContent = text;
      /** @type {Element} */ (item.flow).textContent = flow;
    }
  }

  function partial(lab, src, dst) {
    const head = `\u2202${names.get(dst)}/\u2202${names.get(src)} = ${lab.formula}`;
    if (lab.value === null || lab.value === undefined) return head;
    const value = num(lab.value);
    return lab.formula === value ? head : `${head} = ${value}`;
  }

  return { svg, update, nodeCount: nodes.size, groupCount: groups.size };
}

/**
 * What a click hit: a layer (collapsed node or expanded cluster), a node, and its pane.
 * @param {any} target
 * @returns {{scope?: string, node?: string, pane?: string}}
 */
export function clicked(target) {
  const t = /** @type {Element} */ (target), attr = (sel, name) => t.closest?.(sel)?.getAttribute(name) ?? undefined;
  return {
    scope: attr("[data-mlgraph-group]", "data-mlgraph-group") ?? attr("[data-mlgraph-cluster]", "data-mlgraph-cluster"),
    node: attr("[data-mlgraph-node]", "data-mlgraph-node"),
    pane: attr("[data-mlgraph-pane]", "data-mlgraph-pane"),
  };
}
