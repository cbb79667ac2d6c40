// @ts-check
// The Graphviz WASM engine, bundled separately (mlgraph/static/engine.js) and shipped once
// per page through the shared `GraphvizEngine` widget, not inside every graph widget.
import { Graphviz } from "@hpcc-js/wasm-graphviz";

/** @type {Promise<any> | null} */
let loading = null;

/** Lay out DOT text and return SVG text. @param {string} dot @returns {Promise<string>} */
export async function layout(dot) {
  loading ??= Graphviz.load();
  const gv = await loading;
  return gv.layout(dot, "svg", "dot");
}
