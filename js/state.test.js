// node --test: js/state.js replays every mode of the Python-written fixture exactly as
// mlgraph.events.replay did (tests/fixtures/sweep_f_xy.json, written by the pytest suite).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { contributions, pendingSums, replay } from "./state.js";
import { num, short } from "./format.js";

const FIXTURE = new URL("../tests/fixtures/sweep_f_xy.json", import.meta.url);
const fixture = JSON.parse(readFileSync(FIXTURE, "utf8"));

/** The fixture's modes as [name, events, states], states[k] being the state at cursor k - 1. */
function modes() {
  const out = [];
  for (const [name, m] of Object.entries(fixture.modes)) {
    out.push([name, m.events, m.states]);
  }
  return out;
}

/** A Map from replay as the plain object Python's replay returns (string keys). */
const plain = (map) => Object.fromEntries([...map].map(([id, s]) => [String(id), s]));

test("the fixture has every mode and a state per cursor", () => {
  const names = modes().map(([n]) => n);
  assert.ok(names.includes("eval") && names.includes("reverse"), names.join(", "));
  for (const [name, events, states] of modes()) {
    assert.equal(states.length, events.length + 1, `mode ${name}`);
  }
});

for (const [name, events, states] of modes()) {
  test(`replay matches Python at every cursor (${name})`, () => {
    for (let cursor = -1; cursor < events.length; cursor++) {
      const expected = states[cursor + 1];
      const want = expected.state ?? expected;
      assert.deepEqual(plain(replay(events, cursor)), want, `mode ${name}, cursor ${cursor}`);
    }
  });
}

test("reverse mode shows both contributions into a fan-out node before their sum", () => {
  const events = fixture.modes.reverse.events;
  const acc = events.filter((e) => e.kind === "accumulate");
  const byNode = {};
  for (const e of acc) (byNode[e.node] ??= []).push(e);
  const [node, parts] = Object.entries(byNode).find(([, v]) => v.length > 1);
  const lastPart = parts.at(-1).step;
  const pending = pendingSums(events, lastPart).get(Number(node));
  assert.deepEqual(pending, parts.map((e) => e.delta));
  assert.equal(contributions(events, lastPart).size >= parts.length, true);
  const visit = events.find((e) => e.sweep === "reverse" && e.kind === "visit" && e.node === Number(node));
  assert.equal(pendingSums(events, visit.step).has(Number(node)), false);
});

test("format: 4 significant digits and array previews", () => {
  assert.equal(num(5.5), "5.5");
  assert.equal(num(1.7163378145367738), "1.716");
  assert.equal(num(-0.28366218546322625), "\u22120.2837");
  assert.equal(num(1e-7), "1e\u221207");
  assert.equal(short([[1, 2, 3], [4, 5, 6]]), "(2, 3) [1, 2, 3, \u2026]");
  assert.equal(short({ shape: [100], min: 0, max: 1, mean: 0.5, summary: true }), "(100,) min 0 max 1");
});

test("unpack restores the records mlgraph.widget.pack turned into columns", async () => {
  const { unpack } = await import("./traits.js");
  const packed = { reverse: { "@cols": ["step", "kind", "src"], "@rows": [[0, "seed", null], [1, "accumulate", 3]] } };
  assert.deepEqual(unpack(packed), { reverse: [{ step: 0, kind: "seed" }, { step: 1, kind: "accumulate", src: 3 }] });
});
