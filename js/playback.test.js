// @ts-check
// node --test: playback on the shared fake model: play stops at the end, back pauses,
// predict-then-reveal takes two presses per step, speed presets step through ½…4.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fakeModel } from "./testing/fake_model.js";
import { createPlayer } from "./playback.js";

/** A player on a fake model, with a timer queue the test runs by hand. */
function setup(traits = {}) {
  const model = fakeModel({ cursor: -1, playing: false, speed: 1, predict: false, ...traits });
  const queue = [];
  let painted = 0;
  const player = createPlayer(model, {
    length: () => 5, changed: () => painted++,
    setTimeout: (f, ms) => { queue.push({ f, ms }); return queue.length; },
    clearTimeout: () => { queue.length = 0; },
  });
  model.on("change:playing", () => player.schedule());
  const tick = () => { const t = queue.shift(); t?.f(); return t?.ms; };
  return { model, player, tick, painted: () => painted };
}

test("play advances one step per tick and stops at the last step", () => {
  const { model, player, tick } = setup({ speed: 2 });
  player.act("play");
  assert.equal(model.get("playing"), true);
  const waits = [];
  for (let k = 0; k < 10 && model.get("playing"); k++) waits.push(tick());
  assert.equal(model.get("cursor"), 4);
  assert.equal(model.get("playing"), false);
  assert.equal(waits[0], 500);
});

test("back pauses play (← during play) and moves one step", () => {
  const { model, player, tick } = setup();
  player.act("play");
  tick();
  tick();
  assert.equal(model.get("cursor"), 1);
  player.act("back");
  assert.equal(model.get("playing"), false);
  assert.equal(model.get("cursor"), 0);
});

test("predict, then reveal: a new step is hidden until the next press", () => {
  const { model, player } = setup({ predict: true });
  player.act("step");
  assert.equal(model.get("cursor"), 0);
  assert.equal(player.revealed(), false);
  player.act("step");
  assert.equal(model.get("cursor"), 0);
  assert.equal(player.revealed(), true);
  player.act("step");
  assert.equal([model.get("cursor"), player.revealed()].join(), "1,false");
  player.act("back"); // going back shows what is known
  assert.equal([model.get("cursor"), player.revealed()].join(), "0,true");
});

test("start, end, seek and the speed presets", () => {
  const { model, player } = setup();
  player.act("end");
  assert.equal(model.get("cursor"), 4);
  player.act("seek", 2);
  assert.equal(model.get("cursor"), 2);
  player.act("start");
  assert.equal(model.get("cursor"), -1);
  player.act("faster");
  player.act("faster");
  player.act("faster");
  assert.equal(model.get("speed"), 4);
  player.act("slower");
  assert.equal(model.get("speed"), 2);
  assert.equal(player.act("no-such-action"), false);
  assert.ok(model.saved.length > 0);
});
