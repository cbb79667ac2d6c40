// @ts-check
// The toolbar (reset, play/pause, "1 epoch", the epoch counter, speed, stop after N) and
// the row of TF-style dropdowns. Each control writes one trait; the choices and their
// text come from Python (`choices`), so a value set from Python shows as it is.
import { button, html, icon } from "./dom.js";

/** @typedef {import("../testing/fake_model.js").FakeModel | any} Model */

/** The dropdowns under the toolbar: [trait, label]. */
export const CONTROLS = [
  ["dataset", "data"], ["noise", "noise"], ["lr", "learning rate"], ["activation", "activation"],
  ["batch_size", "batch size"], ["l2", "L2 regularization"], ["l1", "L1 regularization"],
];

/**
 * A labelled <select> bound to one trait.
 * @param {HTMLElement} parent @param {Model} model @param {string} name @param {string} label
 */
function select(parent, model, name, label) {
  const wrap = html("label", "mlgraph-trainer-control", parent);
  html("span", "mlgraph-trainer-label", wrap, label);
  const sel = html("select", "", wrap);
  sel.setAttribute("data-mlgraph-control", name);
  /** @type {[any, string][]} */
  let options = [];
  sel.addEventListener("change", () => {
    const picked = options[sel.selectedIndex];
    if (!picked) return;
    model.set(name, picked[0]);
    model.save_changes();
  });
  return () => {
    const next = (model.get("choices") ?? {})[name] ?? [];
    if (JSON.stringify(next) !== JSON.stringify(options)) {
      options = next;
      sel.replaceChildren();
      for (const [, text] of options) html("option", "", sel, text);
    }
    sel.selectedIndex = options.findIndex(([v]) => v === model.get(name));
  };
}

/**
 * @param {HTMLElement} root
 * @param {Model} model
 * @returns {() => void} refresh: redraw every control from the traits
 */
export function buildControls(root, model) {
  const send = (/** @type {string} */ name, /** @type {any} */ value) => { model.set(name, value); model.save_changes(); };
  const bar = html("div", "mlgraph-trainer-bar", root);
  button(bar, "reset", "↺", "reset: new weights, epoch 0", () => send("reset_requests", model.get("reset_requests") + 1));
  const play = button(bar, "play", "", "play (Space)", () => send("running", !model.get("running")));
  play.classList.add("mlgraph-trainer-play");
  button(bar, "step", "1 epoch", "train one epoch (→)", () => send("step_requests", model.get("step_requests") + 1));
  const epoch = html("div", "mlgraph-trainer-epoch", bar);
  const head = html("div", "mlgraph-trainer-label", epoch, "epoch ");
  const stop = html("span", "mlgraph-trainer-stop", head);
  const counter = html("div", "mlgraph-trainer-counter", epoch);
  counter.setAttribute("data-mlgraph-metric", "epoch");
  html("span", "mlgraph-trainer-spacer", bar);
  const speed = html("div", "mlgraph-trainer-speed", bar);
  speed.setAttribute("role", "group");
  speed.setAttribute("aria-label", "speed in epochs per second");
  html("span", "mlgraph-trainer-label", speed, "speed");
  /** @type {HTMLButtonElement[]} */
  let speeds = [];
  let speedKey = "";
  const refreshStopAfter = select(bar, model, "stop_after", "stop after");
  const row = html("div", "mlgraph-trainer-controls", root);
  const refreshers = CONTROLS.map(([name, label]) => select(row, model, name, label));

  return () => {
    const running = Boolean(model.get("running"));
    if (play.getAttribute("data-mlgraph-action") !== (running ? "pause" : "play") || !play.firstChild) {
      icon(play, running ? "pause" : "play");
      play.setAttribute("data-mlgraph-action", running ? "pause" : "play");
    }
    play.title = running ? "pause (Space)" : "play (Space)";
    play.setAttribute("aria-label", play.title);
    const text = model.get("text") ?? {};
    counter.textContent = text.epoch ?? "";
    stop.textContent = running && text.stop ? `(${text.stop})` : "";
    const choices = (model.get("choices") ?? {}).speed ?? [];
    if (JSON.stringify(choices) !== speedKey) {
      speedKey = JSON.stringify(choices);
      speeds.forEach((b) => b.remove());
      speeds = choices.map(([v, t]) => {
        const b = button(speed, "speed", t, t === "max" ? "as fast as the kernel allows" : `${t}: epochs per second`, () => send("speed", v));
        b.setAttribute("data-mlgraph-speed", String(v));
        return b;
      });
    }
    speeds.forEach((b, k) => b.setAttribute("aria-pressed", String(choices[k][0] === model.get("speed"))));
    refreshStopAfter();
    refreshers.forEach((r) => r());
  };
}
