// @ts-check
// node --test: the camera's arithmetic: fit never below the readable floor, follow only
// outside the dead zone, and the active node always inside the view after a follow.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEAD_ZONE, clampView, fitScale, followView, openingView, viewBox } from "./camera.js";

const area = { x0: 0, y0: 0, x1: 1000, y1: 300 };

test("a graph that fits opens whole, at most at the chosen text size", () => {
  const v = openingView({ x0: 0, y0: 0, x1: 400, y1: 200 }, 800, 300, 1, 0.875);
  assert.equal(v.scale, 1);
  assert.ok(v.fits);
  assert.deepEqual([v.cx, v.cy], [200, 100]);
});

test("a graph too big to fit readably opens at the floor, at its inputs, with the minimap", () => {
  const v = openingView(area, 500, 300, 1, 0.875);
  assert.equal(fitScale(area, 500, 300) < 0.875, true);
  assert.equal(v.scale, 0.875);
  assert.equal(v.fits, false);
  assert.ok(v.cx - 500 / 2 / v.scale <= area.x0 + 10, "starts at the left, where the inputs are");
});

test("follow does not move for a node inside the dead zone, and brings any node into view", () => {
  const v = { cx: 500, cy: 150, scale: 1 };
  assert.equal(followView(v, { x0: 480, y0: 130, x1: 520, y1: 170 }, 800, 300, 0.875), null);
  for (const x of [0, 200, 700, 900]) {
    const box = { x0: x, y0: 10, x1: x + 100, y1: 70 };
    const to = followView(v, box, 800, 300, 0.875) ?? v;
    const hw = (800 * DEAD_ZONE) / 2 / to.scale, hh = (300 * DEAD_ZONE) / 2 / to.scale;
    assert.ok(box.x0 >= to.cx - hw - 1e-9 && box.x1 <= to.cx + hw + 1e-9, `x ${x}`);
    assert.ok(box.y0 >= to.cy - hh - 1e-9 && box.y1 <= to.cy + hh + 1e-9, `x ${x}`);
  }
});

test("follow keeps the node out from under the minimap", () => {
  const v = { cx: 500, cy: 150, scale: 1 }, box = { x0: 760, y0: 200, x1: 860, y1: 260 };
  const to = followView(v, box, 800, 300, 0.875, { w: 170, h: 100 });
  assert.ok(to);
  assert.ok((box.x1 - to.cx) * to.scale + 400 <= 800 - 170 || (box.y1 - to.cy) * to.scale + 150 <= 300 - 100);
});

test("a node too big for the dead zone zooms out, never below the floor", () => {
  const to = followView({ cx: 0, cy: 0, scale: 1 }, { x0: 0, y0: 0, x1: 2000, y1: 50 }, 800, 300, 0.875);
  assert.equal(to?.scale, 0.875);
});

test("the camera stays over the graph, and the viewBox is the view", () => {
  const v = clampView({ cx: -5000, cy: 150, scale: 1 }, area, 500, 300);
  assert.ok(v.cx - 250 >= area.x0 - 8);
  assert.equal(viewBox({ cx: 100, cy: 50, scale: 2 }, 400, 200), "0.00 0.00 200.00 100.00");
});
