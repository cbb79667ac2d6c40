// @ts-check
// The paths view (Olah's sum over paths): every path from an input to the output with the
// product of its local derivatives, their sum beside the gradient the reverse sweep got.
// One path is highlighted at a time (click, or ← / →), everything else dimmed.
import { div, h } from "./dom.js";

/**
 * @param {HTMLElement} host
 * @param {string} input  the input's label
 * @param {{paths: {edges: string[], factors: string[], product: string}[],
 *   count: number, sum?: string, grad: string}} data  from mlgraph.display.path_sums
 * @param {(i: number) => void} pick
 */
export function showPaths(host, input, data, pick) {
  const box = div("mlgraph-paths-panel");
  box.append(h("h4", {}, `\u2202f/\u2202${input}: sum over paths`));
  const items = data.paths.map((p, i) => {
    const li = h("li", { class: "mlgraph-path", "data-mlgraph-path": String(i), tabindex: "-1" },
      `${pathNodes(p.edges).map((n) => `v${n}`).join(" \u2192 ")} : ${p.factors.join(" \u00b7 ")} = ${p.product}`);
    li.addEventListener("click", () => pick(i));
    return li;
  });
  const list = h("ol", { class: "mlgraph-path-list" });
  list.append(...items);
  box.append(list);
  if (data.sum !== undefined) {
    const terms = data.paths.map((p) => p.product).join(" + ").replaceAll("+ \u2212", "\u2212 ");
    box.append(div("mlgraph-path-sum", `\u03a3 = ${terms} = ${data.sum}`));
  } else {
    box.append(div("mlgraph-path-sum", `${data.count} paths: too many to list one by one`));
  }
  const check = div("mlgraph-path-grad", `reverse sweep: \u2202f/\u2202${input} = ${data.grad}`);
  box.append(check);
  host.replaceChildren(box);
  /** @param {number} i */
  return (i) => items.forEach((li, k) => li.classList.toggle("mlgraph-path-current", k === i));
}

/** The nodes a path visits, from its edge keys "src_dst_argnum". @param {string[]} edges */
export function pathNodes(edges) {
  const ids = edges.map((k) => k.split("_").map(Number));
  return ids.length ? [ids[0][0], ...ids.map(([, dst]) => dst)] : [];
}

/**
 * The narration of the paths view: one path's product, or the sum over all of them.
 * @param {string} wrt  the input @param {any} data  its entry of `graph.paths` @param {number} i  the path shown (-1: all)
 */
export function pathsNarration(wrt, data, i) {
  const one = data.paths[i];
  return {
    eq: one ? `path ${i + 1}: ${one.factors.join("\u00b7")} = ${one.product}` : `\u2202f/\u2202${wrt} = ${data.sum ?? data.grad}`,
    words: `every path from ${wrt} to the output multiplies its local derivatives; the ${data.count} products add up to the gradient (\u2190 \u2192: one path at a time)`,
  };
}
