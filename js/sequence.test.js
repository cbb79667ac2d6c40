// @ts-check
// node --test: a pane of several passes steps through them one after another.
import assert from "node:assert/strict";
import { test } from "node:test";
import { locate, total } from "./sequence.js";

const lengths = { "forward:w[0]": 3, "forward:w[1]": 3, "forward:b": 2 };
const modes = Object.keys(lengths), of = (m) => lengths[m];

test("a pane's steps run through each pass in turn, and a finished pass is done", () => {
  assert.equal(total(modes, of), 8);
  assert.deepEqual(locate(modes, of, -1), { mode: "forward:w[0]", cursor: -1, pass: 0, done: [] });
  assert.deepEqual(locate(modes, of, 2), { mode: "forward:w[0]", cursor: 2, pass: 0, done: ["forward:w[0]"] });
  assert.deepEqual(locate(modes, of, 3), { mode: "forward:w[1]", cursor: 0, pass: 1, done: ["forward:w[0]"] });
  assert.deepEqual(locate(modes, of, 7), { mode: "forward:b", cursor: 1, pass: 2, done: modes });
  assert.deepEqual(locate(modes, of, 99).done, modes); // past the end: the last pass, finished
  assert.deepEqual(locate(["reverse"], () => 5, 4), { mode: "reverse", cursor: 4, pass: 0, done: ["reverse"] });
});
