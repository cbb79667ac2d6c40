// node --test: js/dot.js joins the DOT pieces exactly as mlgraph.dot.assemble_dot does,
// for every collapse state in tests/fixtures/dot_collapse.json (written by tests/test_dot.py).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { assembleDot } from "./dot.js";

const fixture = JSON.parse(readFileSync(new URL("../tests/fixtures/dot_collapse.json", import.meta.url), "utf8"));

test("assembleDot equals Python's assemble_dot in every collapse state", () => {
  assert.ok(fixture.states.length >= 4);
  for (const { collapsed, dot } of fixture.states) assert.equal(assembleDot(fixture.parts, collapsed), dot, collapsed.join(","));
});
