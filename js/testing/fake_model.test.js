// @ts-check
// node --test: the shared fake model behaves as the views expect an anywidget model to.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fakeModel } from "./fake_model.js";

test("set fires change handlers, save_changes records the batch, off detaches", () => {
  const model = fakeModel({ cursor: -1 });
  const seen = [];
  const onCursor = () => seen.push(model.get("cursor"));
  model.on("change:cursor", onCursor);
  model.set("cursor", 3);
  model.save_changes();
  model.update("cursor", 5);
  model.off("change:cursor", onCursor);
  model.set("cursor", 7);
  assert.deepEqual(seen, [3, 5]);
  assert.deepEqual(model.saved, [{ cursor: 3 }]);
  assert.equal(model.listeners(), 0);
});
