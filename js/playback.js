// @ts-check
// Playback: the step cursor, play/pause on a timer, and predict-then-reveal (with
// `predict` on, a new step first shows "?", the next press reveals it). Going back always
// pauses. All state is the model's traits except `revealed`, which belongs to the screen.
import { SPEEDS } from "./controls.js";

/**
 * @param {any} model  an anywidget model (or js/testing/fake_model.js)
 * @param {{length: () => number, changed: () => void,
 *   setTimeout?: (f: () => void, ms: number) => any, clearTimeout?: (t: any) => void}} opt
 *   length: events in the longest pane; changed: repaint (reveal state moved)
 */
export function createPlayer(model, opt) {
  const later = opt.setTimeout ?? ((f, ms) => setTimeout(f, ms));
  const cancel = opt.clearTimeout ?? ((t) => clearTimeout(t));
  let timer = null, revealed = true;
  const save = (changes) => {
    for (const [k, v] of Object.entries(changes)) model.set(k, v);
    model.save_changes();
  };
  const clamp = (c) => Math.max(-1, Math.min(c, opt.length() - 1));
  /** Move the cursor; a new step starts hidden when predicting. */
  function seek(c, reveal = true) {
    const to = clamp(c);
    revealed = reveal || !model.get("predict") || to < 0;
    if (to !== model.get("cursor")) save({ cursor: to });
    opt.changed();
  }
  /** →: reveal the hidden step, else go to the next one. */
  function next() {
    if (!revealed) { revealed = true; opt.changed(); return true; }
    if (model.get("cursor") >= opt.length() - 1) return false;
    seek(model.get("cursor") + 1, false);
    return true;
  }
  function schedule() {
    cancel(timer);
    timer = null;
    if (!model.get("playing")) return;
    timer = later(() => {
      const moved = next(), end = model.get("cursor") >= opt.length() - 1 && revealed;
      if (moved && !end) schedule();
      else save({ playing: false }); // stop on the last step, not one tick after it
    }, 1000 / Math.max(model.get("speed"), 0.01) / (model.get("predict") ? 2 : 1));
  }
  /** @param {string} action @param {any} [arg] @returns {boolean} handled */
  function act(action, arg) {
    const c = model.get("cursor"), n = opt.length();
    if (action === "play") save({ playing: true, ...(c >= n - 1 ? { cursor: -1 } : {}) });
    else if (action === "pause") save({ playing: false });
    else if (action === "toggle") act(model.get("playing") ? "pause" : "play");
    else if (action === "step") next();
    else if (action === "back") { if (model.get("playing")) save({ playing: false }); seek(c - 1); }
    else if (action === "start") { save({ playing: false }); seek(-1); }
    else if (action === "end") { save({ playing: false }); seek(n - 1); }
    else if (action === "seek") seek(Number(arg));
    else if (action === "speed") save({ speed: Number(arg) });
    else if (action === "slower" || action === "faster") {
      const k = SPEEDS.indexOf(model.get("speed"));
      const to = SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, (k < 0 ? 1 : k) + (action === "faster" ? 1 : -1)))];
      save({ speed: to });
    } else return false;
    return true;
  }
  return {
    act,
    schedule,
    /** Whether the step at the cursor is shown (false: predicting, "?" on screen). */
    revealed: () => revealed,
    dispose: () => cancel(timer),
  };
}

/** Keyboard shortcuts -> actions (the widget must have focus). */
export const KEYS = {
  " ": "toggle", ArrowRight: "step", ArrowLeft: "back", Home: "start", End: "end",
  "[": "slower", "]": "faster", "+": "zoom-in", "=": "zoom-in", "-": "zoom-out",
  "0": "fit", "1": "actual", f: "follow", F: "follow",
};
