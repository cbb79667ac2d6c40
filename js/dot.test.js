// @ts-check
// node --test: js/dot.js joins the statements mlgraph.dot wrote (tests/fixtures/
// dot_collapse.json, written by tests/test_dot.py) for every collapse state, and Graphviz
// lays each one out: hostile scope names stay labels, nothing becomes a link.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Graphviz } from "@hpcc-js/wasm-graphviz";
import { assembleDot } from "./dot.js";

const fixture = JSON.parse(readFileSync(new URL("../tests/fixtures/dot_collapse.json", import.meta.url), "utf8"));
const count = (svg, cls) => (svg.match(new RegExp(`class="${cls}"`, "g")) ?? []).length;

test("every collapse state of the MLP assembles and lays out", async () => {
  const gv = await Graphviz.load();
  const parts = fixture.mlp, n = Object.keys(parts.nodes).length;
  for (const collapsed of [[], ["s0"], ["s1"], ["s0", "s1", "s2"]]) {
    const svg = gv.layout(assembleDot(parts, collapsed), "svg", "dot");
    const hidden = parts.groups.filter((g) => collapsed.includes(g.id)).reduce((k, g) => k + g.nodes.length - 1, 0);
    assert.equal(count(svg, "node"), n - hidden, collapsed.join(","));
    assert.equal(count(svg, "cluster"), parts.groups.length - collapsed.length);
  }
});

test("hostile scope names: one node or cluster each, no link, the layout draws", async () => {
  const gv = await Graphviz.load();
  const parts = fixture.hostile, ids = parts.groups.map((g) => g.id);
  assert.equal(ids.length, fixture.scopes.length);
  for (const collapsed of [[], ids]) {
    const svg = gv.layout(assembleDot(parts, collapsed), "svg", "dot");
    assert.doesNotMatch(svg, /<a[\s>]|href=|javascript:[^<]*"/, "a link in the SVG");
    const nodes = Object.keys(parts.nodes).length - (collapsed.length ? parts.groups.reduce((k, g) => k + g.nodes.length - 1, 0) : 0);
    assert.equal(count(svg, "node"), nodes);
    assert.equal(count(svg, "cluster"), collapsed.length ? 0 : ids.length);
    for (const id of collapsed.length ? ids : ids.map((i) => `cluster_${i}`)) assert.match(svg, new RegExp(`id="${id}"`));
  }
});
