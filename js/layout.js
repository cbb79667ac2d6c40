// @ts-check
// Collapsed layers: which scopes are drawn as one node, the DOT for that state (js/dot.js)
// and a cache of Graphviz layouts per state, so toggling back is instant.
import { assembleDot } from "./dot.js";

/** @param {(dot: string) => Promise<string>} layout  Graphviz: DOT text -> SVG text */
export function buildLayouts(layout) {
  /** @type {Map<string, Promise<string>>} */
  const cache = new Map();
  /** @type {Set<string>} */
  let collapsed = new Set();
  let graphSeen = null, reason = "";

  /** Pick the starting state once per graph: collapse every layer when the graph is
   * over the node budget, or a tensor graph with layers (an MLP). */
  function start(graph, limit, policy = "auto") {
    if (graph === graphSeen) return;
    const groups = graph.groups ?? [], first = graphSeen === null;
    graphSeen = graph;
    const ids = new Set(groups.map((g) => g.id));
    collapsed = new Set([...collapsed].filter((id) => ids.has(id)));
    if (!first && collapsed.size) return;
    const n = graph.nodes?.length ?? 0, tensor = (graph.nodes ?? []).some((x) => x.shape?.length);
    reason = !groups.length || policy === "none" ? "" : policy === "all" ? "collapse = 'all'"
      : n > limit ? `${n} nodes, more than max_nodes = ${limit}` : tensor ? "a tensor graph with layers" : "";
    if (reason) collapsed = new Set(ids);
  }

  /** Nodes drawn in the current state. */
  function visible(graph) {
    const hidden = (graph.groups ?? []).filter((g) => collapsed.has(g.id));
    return (graph.nodes?.length ?? 0) - hidden.reduce((k, g) => k + g.nodes.length - 1, 0);
  }

  /** @returns {Promise<string>} the SVG of the current state */
  function svg(graph) {
    const dot = assembleDot(graph.dot_parts, collapsed);
    if (!cache.has(dot)) {
      if (cache.size > 32) cache.clear();
      cache.set(dot, layout(dot));
    }
    return /** @type {Promise<string>} */ (cache.get(dot));
  }

  const note = () => reason && collapsed.size
    ? `Layers drawn as one node (${reason}): click a layer to open it, its label to close it.` : "";
  const toggle = (id) => { if (!collapsed.delete(id)) collapsed.add(id); };
  return { start, visible, svg, note, toggle, collapsed: () => collapsed };
}
