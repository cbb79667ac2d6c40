// @ts-check
// The graph's SVG, built once per layout from Graphviz's output: nodes (nodes.js), edges
// (edges.js), layer clusters, and an overlay group for chips and tokens. Graphviz's own
// texts and titles are dropped; ours are plain text.
import { s } from "./dom.js";
import { bounds, offset, shapeBox } from "./geometry.js";
import { buildEdge } from "./edges.js";
import { buildNode } from "./nodes.js";

/**
 * @param {string} svgText  Graphviz SVG output
 * @param {any} graph  the `graph` trait (nodes, edges, groups, shapes)
 */
export function buildScene(svgText, graph) {
  const svg = /** @type {SVGSVGElement} */ (/** @type {unknown} */ (
    new DOMParser().parseFromString(svgText, "image/svg+xml").documentElement));
  svg.querySelectorAll("a").forEach((a) => a.replaceWith(...a.childNodes)); // never a link
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  svg.setAttribute("class", "mlgraph-svg");
  svg.setAttribute("preserveAspectRatio", "xMinYMin meet");
  const off = offset(svg), area = bounds(svg);
  svg.querySelector("g.graph > title")?.remove();
  svg.querySelector("g.graph > polygon")?.setAttribute("class", "mlgraph-canvas");
  const shapes = graph.shapes ?? {};
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const groupById = new Map((graph.groups ?? []).map((grp) => [grp.id, grp]));
  const kinds = new Map(graph.nodes.map((n) => [n.id, n.kind]));
  /** @type {Map<number, ReturnType<typeof buildNode>>} */
  const nodes = new Map();
  /** @type {Map<string, ReturnType<typeof buildNode> & {grp: any}>} */
  const groups = new Map();
  for (const g of svg.querySelectorAll("g.node")) {
    const node = byName.get(g.id), grp = groupById.get(g.id);
    if (node) nodes.set(node.id, buildNode(g, node, off, shapes[String(node.id)] ?? ""));
    else if (grp) groups.set(grp.id, { ...buildNode(g, { ...grp, group: true }, off, ""), grp });
  }
  /** @type {Map<string, {g: Element, scope: string, box: import("./geometry.js").Box}>} */
  const clusters = new Map();
  for (const g of svg.querySelectorAll("g.cluster")) {
    const grp = groupById.get(g.id.replace(/^cluster_/, ""));
    if (!grp) continue;
    g.setAttribute("data-mlgraph-cluster", grp.scope);
    g.classList.add("mlgraph-cluster");
    const t = g.querySelector("text");
    if (t) t.textContent = `\u25be ${grp.scope}`;
    g.querySelector("title")?.remove();
    g.prepend(s("title", {}, `layer ${grp.scope}: click its label to collapse it into one node`));
    clusters.set(grp.id, { g, scope: grp.scope, box: shapeBox(g, off) });
  }
  const byKey = new Map((graph.edges ?? []).map((e) => [e.key, e]));
  /** @type {Map<string, ReturnType<typeof buildEdge>>} */
  const edges = new Map();
  for (const g of svg.querySelectorAll("g.edge")) {
    const edge = g.id.startsWith("e") ? byKey.get(g.id.slice(1)) : null;
    const built = buildEdge(g, edge ?? null, off, edge ? shapes[String(edge.src)] ?? "" : "", kinds.get(edge?.src) === "const");
    if (edge) edges.set(edge.key, built);
  }
  const top = svg.querySelector("g.graph") ?? svg;
  const overlay = s("g", { class: "mlgraph-overlay" }), tokens = s("g", { class: "mlgraph-tokens" });
  top.append(overlay, tokens); // chips are redrawn each step; tokens live out their flight
  return { svg, nodes, groups, clusters, edges, overlay, tokens, area, off };
}

/** @typedef {ReturnType<typeof buildScene>} Scene */

/**
 * What a click or tap hit: a layer (collapsed node or expanded cluster), a node, a pane.
 * @param {EventTarget | null} target
 * @returns {{scope?: string, node?: string, pane?: string}}
 */
export function clicked(target) {
  const t = /** @type {Element} */ (target);
  const attr = (sel, name) => t?.closest?.(sel)?.getAttribute(name) ?? undefined;
  return {
    scope: attr("[data-mlgraph-group]", "data-mlgraph-group") ?? attr("[data-mlgraph-cluster]", "data-mlgraph-cluster"),
    node: attr("[data-mlgraph-node]", "data-mlgraph-node"),
    pane: attr("[data-mlgraph-pane]", "data-mlgraph-pane"),
  };
}
