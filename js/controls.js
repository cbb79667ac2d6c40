// @ts-check
// The toolbar the widget draws itself (so it works in JupyterLab, VS Code, exported pages
// and JupyterLite with no kernel round-trip): the mode as a segmented control, transport,
// a quiet scrubber, speed presets, camera buttons and the teaching options. Every button
// carries `data-mlgraph-action`; state is shown by aria-pressed, never by colour alone.
import { div, h } from "./dom.js";
import { parseMode } from "./modes.js";

export const SPEEDS = [0.5, 1, 2, 4];
const SPEED_TEXT = { 0.5: "\u00bd", 1: "1", 2: "2", 4: "4" };

/**
 * @param {(action: string, arg?: any) => void} act  every control calls it
 */
export function buildControls(act) {
  const el = div("mlgraph-toolbar"), bottom = div("mlgraph-viewbar");
  const row1 = div("mlgraph-toolbar-row"), row2 = div("mlgraph-toolbar-row");
  el.append(row1);
  bottom.append(row2);
  /** @param {string} action @param {string} label @param {string} title @param {any} [arg] */
  const button = (action, label, title, arg) => {
    const b = h("button", { type: "button", class: "mlgraph-button", "data-mlgraph-action": action, title, "aria-label": title }, label);
    b.addEventListener("click", () => act(action, arg));
    return b;
  };
  const group = (cls, ...kids) => { const g = div(`mlgraph-group-${cls}`); g.setAttribute("role", "group"); g.append(...kids); return g; };

  const modeEval = button("mode", "Evaluate", "evaluation sweep: values", "eval");
  const modeFwd = button("mode-forward", "Forward", "forward mode: tangents v\u0307");
  const wrt = /** @type {HTMLSelectElement} */ (h("select", { class: "mlgraph-select mlgraph-wrt", "aria-label": "forward mode by input entry", title: "forward mode: one pass per input entry" }));
  wrt.addEventListener("change", () => act("mode", `forward:${wrt.value}`));
  const modeRev = button("mode-reverse", "Reverse", "reverse mode: adjoints v\u0304 (gradients)");
  const from = /** @type {HTMLSelectElement} */ (h("select", { class: "mlgraph-select mlgraph-from", "aria-label": "reverse mode from output", title: "reverse mode: one pass per output entry" }));
  from.addEventListener("change", () => act("mode", from.value));
  const modes = group("modes", modeEval, modeFwd, wrt, modeRev, from);

  const [start, back, play, pause, step, end] = [
    ["start", "\u21e4", "to start (Home)"], ["back", "\u25c0", "step back (\u2190)"],
    ["play", "\u25b6", "play (Space)"], ["pause", "\u275a\u275a", "pause (Space)"],
    ["step", "\u25b6|", "next step (\u2192)"], ["end", "\u21e5", "to end (End)"],
  ].map(([a, l, t]) => button(a, l, t));
  const scrub = /** @type {HTMLInputElement} */ (h("input", { type: "range", class: "mlgraph-scrubber", min: "-1", step: "1", "aria-label": "step" }));
  scrub.addEventListener("input", () => act("seek", Number(scrub.value)));
  const counter = h("span", { class: "mlgraph-counter", "aria-live": "off" });
  const speeds = SPEEDS.map((v) => button("speed", SPEED_TEXT[v], `${v} steps per second`, v));
  row1.append(modes, group("transport", start, back, play, pause, step, end), scrub, counter);

  const [zoomOut, zoomIn, fit, actual, follow, fontDown, fontUp] = [
    ["zoom-out", "\u2212", "zoom out (\u2212, Ctrl/\u2318+wheel)"], ["zoom-in", "+", "zoom in (+, Ctrl/\u2318+wheel)"],
    ["fit", "fit", "fit the graph (0)"], ["actual", "1:1", "text at the chosen size (1)"],
    ["follow", "\u25ce", "follow: keep the active node in view (F)"],
    ["font-down", "A\u2212", "smaller text"], ["font-up", "A+", "larger text"],
  ].map(([a, l, t]) => button(a, l, t));
  const panel = /** @type {HTMLSelectElement} */ (h("select", { class: "mlgraph-select mlgraph-panel", "aria-label": "trace table", title: "where the trace table sits" }));
  for (const [v, t] of [["auto", "table: auto"], ["beside", "table: beside"], ["below", "table: below"], ["hidden", "table: off"]]) panel.append(h("option", { value: v }, t));
  panel.addEventListener("change", () => act("panel", panel.value));
  const predict = button("predict", "? predict", "predict, then reveal: each new value shows ? until the next key press (\u2192)");
  const paths = /** @type {HTMLSelectElement} */ (h("select", { class: "mlgraph-select mlgraph-paths", "aria-label": "paths", title: "sum over paths: every path from an input to the output" }));
  paths.addEventListener("change", () => act("paths", paths.value));
  const compare = button("compare", "\u21c6", "compare: forward and reverse side by side, each running every pass a full Jacobian needs");
  const together = /** @type {HTMLSelectElement} */ (h("select", { class: "mlgraph-select mlgraph-compare-step", "aria-label": "which pane steps", title: "the compare view's panes step together, or one alone" }));
  for (const [v, t] of [["both", "step both"], ["forward", "step forward only"], ["reverse", "step reverse only"]]) together.append(h("option", { value: v }, t));
  together.addEventListener("change", () => act("compare-step", together.value));
  const jacobian = button("jacobian", "J", "the Jacobian: one column per forward pass, one row per reverse pass");
  row2.append(group("camera", zoomOut, zoomIn, fit, actual, follow), group("font", fontDown, fontUp),
    group("speed", ...speeds, h("span", { class: "mlgraph-label" }, "/s")), predict, paths, compare, together, jacobian, panel);

  /**
   * @param {{modes: string[], mode: string, cursor: number, n: number, playing: boolean,
   *   speed: number, compare: boolean, follow: boolean, panel: string, predict: boolean,
   *   paths: string, pathInputs: string[], label: string, directions: Record<string, string>,
   *   canCompare: boolean, compareStep: string, jacobian: boolean, hasJacobian: boolean}} st
   */
  function update(st) {
    const m = parseMode(st.mode);
    const of = (/** @type {string} */ sweep) => st.modes.filter((x) => parseMode(x).sweep === sweep);
    const forward = of("forward").map((x) => /** @type {string} */ (parseMode(x).wrt));
    const reverse = of("reverse");
    fill(wrt, forward, (x) => { // "∂/∂w[1]": one entry; an explicit direction says so
      const d = st.directions[`forward:${x}`];
      return d ? `directional: ${d}` : `\u2202/\u2202${x}`;
    });
    wrt.hidden = forward.length === 0;
    modeFwd.hidden = forward.length === 0;
    if (m.sweep === "forward" && m.wrt) wrt.value = m.wrt;
    fill(from, reverse, (x) => `from ${parseMode(x).wrt ?? "the output"}`);
    from.hidden = reverse.length < 2; // several outputs (entries): one reverse pass each
    if (m.sweep === "reverse") from.value = st.mode;
    modeEval.setAttribute("aria-pressed", String(m.sweep === "eval"));
    modeFwd.setAttribute("aria-pressed", String(m.sweep === "forward"));
    modeRev.setAttribute("aria-pressed", String(m.sweep === "reverse"));
    modeRev.hidden = reverse.length === 0;
    modeEval.hidden = !st.modes.includes("eval");
    scrub.max = String(st.n - 1);
    scrub.value = String(st.cursor);
    scrub.setAttribute("aria-valuetext", st.label);
    counter.textContent = `${st.cursor + 1} / ${st.n}`;
    play.hidden = st.playing;
    pause.hidden = !st.playing;
    speeds.forEach((b, k) => b.setAttribute("aria-pressed", String(SPEEDS[k] === st.speed)));
    follow.setAttribute("aria-pressed", String(st.follow));
    predict.setAttribute("aria-pressed", String(st.predict));
    compare.setAttribute("aria-pressed", String(st.compare));
    compare.hidden = !st.canCompare;
    together.hidden = !st.compareStep; // only in the compare view
    if (st.compareStep) together.value = st.compareStep;
    jacobian.hidden = !st.hasJacobian;
    jacobian.setAttribute("aria-pressed", String(st.jacobian));
    panel.value = st.panel;
    const want = ["", ...st.pathInputs];
    if (paths.options.length !== want.length) {
      paths.replaceChildren(...want.map((x) => h("option", { value: x }, x ? `paths: ${x}` : "paths")));
    }
    paths.hidden = st.pathInputs.length === 0;
    paths.value = st.paths;
  }
  return { el, bottom, update, act };
}

/** Replace a select's options when their values changed. @param {HTMLSelectElement} select
 * @param {string[]} values @param {(v: string) => string} text */
function fill(select, values, text) {
  if (select.options.length === values.length && [...select.options].every((o, i) => o.value === values[i])) return;
  select.replaceChildren(...values.map((v) => h("option", { value: v }, text(v))));
}
