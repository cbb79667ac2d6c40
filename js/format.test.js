// node --test: js/format.js prints every number exactly as mlgraph.tables.fmt does
// (tests/fixtures/format.json, written by tests/test_widget.py), so node labels read 11.652
// like the trace table.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { num } from "./format.js";

const FIXTURE = new URL("../tests/fixtures/format.json", import.meta.url);
const rows = JSON.parse(readFileSync(FIXTURE, "utf8"));
const SPECIAL = { inf: Infinity, "-inf": -Infinity, nan: NaN };

test("the fixture has the lecture numbers and hundreds of others", () => {
  assert.ok(rows.length > 300);
  assert.deepEqual(rows.slice(0, 5).map((r) => r.text), ["11.652", "10.693", "0.2837", "\u22120.9589", "5.5"]);
});

test("format.js num() equals Python's fmt() on every fixture value", () => {
  const wrong = [];
  for (const { value, text } of rows) {
    const x = typeof value === "string" ? SPECIAL[value] : value;
    if (num(x) !== text) wrong.push(`${value}: js ${num(x)} != python ${text}`);
  }
  assert.deepEqual(wrong, []);
});
