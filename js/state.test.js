// @ts-check
// node --test: js/state.js replays every mode of the Python-written fixture exactly as
// mlgraph.events.replay did (tests/fixtures/sweep_f_xy.json, written by the pytest suite),
// and picks the table row, the edges and the frontier of each step.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { contributions, frontier, pendingSums, replay, rowAt, stepEdges } from "./state.js";
import { unpack } from "./traits.js";

const FIXTURE = new URL("../tests/fixtures/sweep_f_xy.json", import.meta.url);
const fixture = JSON.parse(readFileSync(FIXTURE, "utf8"));
const modes = Object.entries(fixture.modes).map(([name, m]) => [name, m.events, m.states]);
const edges = fixture.graph.edges.map((e) => ({ ...e, key: `${e.src}_${e.dst}_${e.argnum}` }));

/** A Map from replay as the plain object Python's replay returns (string keys). */
const plain = (map) => Object.fromEntries([...map].map(([id, s]) => [String(id), s]));

test("the fixture has every mode and a state per cursor", () => {
  const names = modes.map(([n]) => n);
  assert.ok(names.includes("eval") && names.includes("reverse"), names.join(", "));
  for (const [name, events, states] of modes) assert.equal(states.length, events.length + 1, `mode ${name}`);
});

for (const [name, events, states] of modes) {
  test(`replay matches Python at every cursor (${name})`, () => {
    for (let cursor = -1; cursor < events.length; cursor++) {
      const expected = states[cursor + 1];
      assert.deepEqual(plain(replay(events, cursor)), expected.state ?? expected, `mode ${name}, cursor ${cursor}`);
    }
  });
}

test("reverse mode keeps both contributions into a fan-out node until its visit", () => {
  const events = fixture.modes.reverse.events;
  const byNode = {};
  for (const e of events.filter((x) => x.kind === "accumulate")) (byNode[e.node] ??= []).push(e);
  const [node, parts] = Object.entries(byNode).find(([, v]) => v.length > 1);
  const lastPart = parts.at(-1).step;
  assert.deepEqual(pendingSums(events, lastPart).get(Number(node)), parts);
  assert.ok(contributions(events, lastPart).size >= parts.length);
  const visit = events.find((e) => e.sweep === "reverse" && e.kind === "visit" && e.node === Number(node));
  assert.equal(pendingSums(events, visit.step).has(Number(node)), false);
});

test("the table row of each step is about the step's node, in its sweep", () => {
  const events = fixture.modes.reverse.events;
  const rows = events.filter((e) => e.kind !== "accumulate" && !(e.sweep === "reverse" && e.kind === "seed"))
    .map((e) => ({ step: e.step, sweep: e.sweep, node: e.node, lhs: "", rule: "", numbers: "", value: "" }));
  assert.equal(rowAt(rows, events, -1), -1);
  for (let c = 0; c < events.length; c++) {
    const row = rows[rowAt(rows, events, c)];
    assert.equal(row.node, events[c].node, `step ${c}`);
    assert.equal(row.sweep, events[c].sweep, `step ${c}`);
    assert.ok(row.step >= c, `step ${c}: row completed at ${row.step}`);
  }
});

test("an accumulation works on its own edge; a forward visit on the edges into its node", () => {
  const rev = fixture.modes.reverse.events;
  for (const e of rev.filter((x) => x.kind === "accumulate")) {
    assert.deepEqual(stepEdges(edges, rev, e.step).map((x) => x.key), [`${e.node}_${e.src}_${e.argnum}`]);
  }
  const fwd = fixture.modes["forward:x1"].events;
  for (const e of fwd.filter((x) => x.sweep === "forward" && x.kind === "visit")) {
    const want = edges.filter((x) => x.dst === e.node).map((x) => x.key);
    assert.deepEqual(stepEdges(edges, fwd, e.step).map((x) => x.key), want);
  }
});

test("the evaluation frontier: nodes whose inputs are all computed", () => {
  const events = fixture.modes.eval.events, ids = fixture.graph.nodes.map((n) => n.id);
  const seeds = events.filter((e) => e.kind === "seed").length;
  const ready = frontier(edges, replay(events, seeds - 1, ids));
  const want = new Set(fixture.graph.nodes.filter((n) => n.inputs.length && n.inputs.every((i) => fixture.graph.inputs.includes(i))).map((n) => n.id));
  assert.deepEqual(ready, want);
  assert.deepEqual(frontier(edges, replay(events, events.length - 1, ids)), new Set());
});

test("unpack restores the records mlgraph.widget.pack turned into columns", () => {
  const packed = { reverse: { "@cols": ["step", "kind", "src"], "@rows": [[0, "seed", null], [1, "accumulate", 3]] } };
  assert.deepEqual(unpack(packed), { reverse: [{ step: 0, kind: "seed" }, { step: 1, kind: "accumulate", src: 3 }] });
  const dense = { "@cols": ["kind"], "@rows": [[1], [0]], "@seq": ["step"], "@enums": { kind: ["accumulate", "seed"] } };
  assert.deepEqual(unpack(dense), [{ step: 0, kind: "seed" }, { step: 1, kind: "accumulate" }]);
});

test("unpack reads the streams Python packed (tests/fixtures/packed_streams.json)", () => {
  const { packed, plain } = JSON.parse(readFileSync(new URL("../tests/fixtures/packed_streams.json", import.meta.url), "utf8"));
  assert.deepEqual(unpack(packed), plain);
});
