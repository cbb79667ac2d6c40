// @ts-check
// node --test: the chain-rule chip of every reverse step reads the numbers of the trace
// table (gallery graphs 1, 3 and 7, written by tests/test_widget.py): the upstream adjoint
// is its row's value, the local derivative the edge's, the result the contribution, and
// the term stands in the row of the node it flows into.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { latest, rowAt } from "./state.js";
import { modeLabel, modeOperator, parseMode } from "./modes.js";
import { badge, narrate, reverseChip, rowText } from "./story.js";

const gallery = JSON.parse(readFileSync(new URL("../tests/fixtures/widget_gallery.json", import.meta.url), "utf8"));

for (const data of Object.values(gallery)) {
  for (const e of data.graph.edges) e.key = `${e.src}_${e.dst}_${e.argnum}`;
}

/** The story helpers at a cursor, as view.js builds them. */
function storyAt(data, events, cursor) {
  const last = latest(events, cursor), edges = new Map(data.graph.edges.map((e) => [e.key, e]));
  const node = new Map(data.graph.nodes.map((n) => [n.id, n]));
  const called = (id) => (node.get(id).named ? `${node.get(id).name} (${node.get(id).named})` : node.get(id).name);
  return { name: (id) => node.get(id).name, called, label: (id) => node.get(id).label, shape: (id) => data.graph.shapes[String(id)] ?? "",
    edge: (k) => edges.get(k), last: (id, sw) => last.get(id)?.[sw] };
}

/** The term of a contribution as the table writes it (mlgraph.tables: ū·∂, with ±1 folded). */
const paren = (t) => (t.startsWith("\u2212") || /[ +·/]/.test(t) ? `(${t})` : t);
const term = (u, p) => (p === "1" ? paren(u) : p === "\u22121" ? `\u2212${paren(u)}` : `${paren(u)}\u00b7${paren(p)}`);

for (const key of ["g1", "g3", "g7"]) {
  test(`chips equal the table's numbers at every reverse step (${key})`, () => {
    const data = gallery[key], events = data.streams.reverse, rows = data.tables.reverse;
    let checked = 0;
    for (const e of events.filter((x) => x.kind === "accumulate")) {
      const st = storyAt(data, events, e.step);
      const [head, tail] = reverseChip(e, st);
      const src = `v${e.src}`, dst = `v${e.node}`;
      assert.equal(head, `v\u0304${e.node} += v\u0304${e.src}\u00b7\u2202${src}/\u2202${dst}`);
      const row = rows[rowAt(rows, events, e.step)];
      assert.equal(row.lhs, `v\u0304${e.node}`, `step ${e.step}: the current row is about ${dst}`);
      const edge = data.graph.edges.find((x) => x.key === `${e.node}_${e.src}_${e.argnum}`);
      const upstream = rows.find((r) => r.sweep === "reverse" && r.node === e.src);
      const m = /^= (.*) = (.*)$/.exec(tail);
      assert.ok(m, tail);
      assert.equal(m[2], e.dtext, `step ${e.step}: the result is the contribution`);
      if (edge.partial?.text !== undefined) {
        assert.equal(m[1], `${paren(upstream.value)}\u00b7${paren(edge.partial.text)}`, `step ${e.step}`);
        assert.ok(` ${row.numbers} `.replace(" \u2212 ", " + \u2212").includes(term(upstream.value, edge.partial.text)),
          `step ${e.step}: "${term(upstream.value, edge.partial.text)}" in "${row.numbers}"`);
      } else {
        assert.equal(m[1], `v\u0304${e.src}\u00b7${edge.partial.formula}`);
        assert.ok(row.numbers.includes(e.dtext), `step ${e.step}: "${e.dtext}" in "${row.numbers}"`);
      }
      checked++;
    }
    assert.ok(checked >= 2);
  });
}

test("the narration says the table row when a node completes, and hides it to predict", () => {
  const data = gallery.g1, events = data.streams.reverse, rows = data.tables.reverse;
  const last = events.length - 1, st = storyAt(data, events, last), row = rows[rowAt(rows, events, last)];
  assert.equal(narrate(events[last], row, st, { mode: "reverse" }).eq, "v\u03040 = v\u03042\u00b7(1/v0) + v\u03043\u00b7v1 = 1\u00b70.5 + 1\u00b75 = 5.5");
  assert.equal(narrate(events[last], row, st, { mode: "reverse", hide: true }).eq, "v\u03040 = v\u03042\u00b7(1/v0) + v\u03043\u00b7v1 = ?");
  const acc = events.findIndex((e) => e.kind === "accumulate" && e.node === 1 && e.src === 3);
  const said = narrate(events[acc], rows[rowAt(rows, events, acc)], storyAt(data, events, acc), { mode: "reverse", hide: true });
  assert.equal(said.eq, "v\u03041 += v\u03043\u00b7\u2202v3/\u2202v1 = 1\u00b72 = ?");
  assert.equal(narrate(undefined, undefined, st, { mode: "reverse" }).eq, "");
});

test("finished edges keep the contribution they carried; tensor edges their shape", () => {
  const data = gallery.g1, events = data.streams.reverse, st = storyAt(data, events, events.length - 1);
  const acc = events.find((e) => e.kind === "accumulate" && e.node === 1 && e.src === 4);
  const edge = data.graph.edges.find((x) => x.key === "1_4_0");
  assert.equal(badge(edge, st, "reverse", acc), "\u22120.2837");
  const g7 = gallery.g7, st7 = storyAt(g7, g7.streams.reverse, 0);
  assert.equal(badge(g7.graph.edges.find((x) => x.src === 1), st7, "reverse"), "(2\u00d73)");
});

test("a row reads as one line exactly as the kernel prints it", () => {
  for (const data of Object.values(gallery)) {
    assert.deepEqual(data.tables.reverse.map(rowText), data.row_text);
  }
  assert.equal(rowText({ step: 0, sweep: "eval", node: 0, lhs: "v0", rule: "x1", numbers: "", value: "2" }), "v0 = x1 = 2");
});

test("a node named with mg.name is called by its name in the table line and the narration", () => {
  const row = { step: 9, sweep: "reverse", node: 4, lhs: "v\u03044", rule: "v\u03045\u00b7(v5(1 \u2212 v5))", numbers: "1\u00b70.03763", value: "0.03763", name: "z" };
  assert.equal(rowText(row), "v\u03044 (z) = v\u03045\u00b7(v5(1 \u2212 v5)) = 1\u00b70.03763 = 0.03763");
  const st = { name: (id) => `v${id}`, called: (id) => (id === 4 ? "v4 (z)" : `v${id}`), label: () => "", shape: () => "", edge: () => undefined, last: () => undefined };
  const said = narrate({ step: 9, sweep: "reverse", kind: "visit", node: 4, value: 0.03763, text: "0.03763" }, row, st, { mode: "reverse" });
  assert.equal(said.eq, rowText(row));
  assert.match(said.words, /^v\u03044 \(z\) is final: every consumer of v4 \(z\)/);
});

test("modes by entry, from an output, and a directional derivative say what they are", () => {
  assert.equal(modeLabel("forward:w[1]"), "Forward \u2192 \u2202/\u2202w[1]");
  assert.equal(modeLabel("reverse:y2"), "Reverse \u2190 from y2");
  assert.equal(modeLabel("forward:w", "w\u0307 = [1, 0, 1, 0]"), "Forward \u2192 directional, w\u0307 = [1, 0, 1, 0]");
  assert.match(modeOperator("forward:w", "w\u0307 = [1, 0, 1, 0]"), /^directional derivative along w\u0307 = \[1, 0, 1, 0\]/);
  assert.deepEqual(parseMode("forward:w[1]"), { sweep: "forward", wrt: "w[1]" });
});

test("a row's numbers that only repeat its value are left out, as the kernel prints it", () => {
  const row = { step: 0, sweep: "reverse", node: 3, lhs: "v̄3", rule: "v̄4", numbers: "(−0.9365)", value: "−0.9365" };
  assert.equal(rowText(row), "v̄3 = v̄4 = −0.9365");
  assert.equal(rowText({ ...row, numbers: "1·(−0.9365)" }), "v̄3 = v̄4 = 1·(−0.9365) = −0.9365");
});
