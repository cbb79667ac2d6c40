// @ts-check
// Playback controls drawn by the widget itself: they move the cursor with no kernel round-trip.

const MODE_NAMES = { eval: "evaluation", reverse: "reverse" };
export const modeName = (m) => MODE_NAMES[m] ?? m.replace(/^forward:(.*)$/, "forward \u2202/\u2202$1");
const SPEEDS = [0.5, 1, 2, 4, 8, 16, 60];

/** @param {string} tag @param {Record<string,string>} attrs @param {string} [text] */
function h(tag, attrs = {}, text) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * @param {{onAction: (a: string) => void, onSeek: (c: number) => void,
 *   onMode: (m: string) => void, onSpeed: (s: number) => void}} on
 */
export function buildControls(on) {
  const bar = h("div", { class: "mlgraph-controls" });
  const button = (action, text, title) => {
    const b = h("button", { class: "mlgraph-button", "data-mlgraph-action": action, title, type: "button" }, text);
    b.addEventListener("click", () => on.onAction(action));
    return b;
  };
  const start = button("start", "\u21E4", "to start (Home)");
  const back = button("back", "\u25C0 back", "step back (\u2190)");
  const play = button("play", "\u25B6 play", "play (space)");
  const pause = button("pause", "|| pause", "pause (space)");
  const step = button("step", "step \u25B6", "step forward (\u2192)");
  const end = button("end", "\u21E5", "to end (End)");
  const compare = button("compare", "\u21C6 compare", "forward and reverse side by side");
  const scrub = /** @type {HTMLInputElement} */ (h("input", { type: "range", class: "mlgraph-scrubber", min: "-1", step: "1", "aria-label": "cursor" }));
  scrub.addEventListener("input", () => on.onSeek(Number(scrub.value)));
  const counter = h("span", { class: "mlgraph-counter" });
  const speed = /** @type {HTMLSelectElement} */ (h("select", { class: "mlgraph-speed", "aria-label": "speed" }));
  for (const s of SPEEDS) speed.append(h("option", { value: String(s) }, `${s}/s`));
  speed.addEventListener("change", () => on.onSpeed(Number(speed.value)));
  const mode = /** @type {HTMLSelectElement} */ (h("select", { class: "mlgraph-mode", "aria-label": "mode" }));
  mode.addEventListener("change", () => on.onMode(mode.value));
  bar.append(mode, start, back, play, pause, step, end, scrub, counter, speed, compare);

  /** @param {{modes: string[], mode: string, cursor: number, n: number, playing: boolean, speed: number, sweep: string|null, compare: boolean}} s */
  function update(s) {
    if (mode.options.length !== s.modes.length || [...mode.options].some((o, i) => o.value !== s.modes[i])) {
      mode.replaceChildren(...s.modes.map((m) => h("option", { value: m }, modeName(m))));
    }
    mode.value = s.mode;
    scrub.max = String(s.n - 1);
    scrub.value = String(s.cursor);
    counter.textContent = `step ${s.cursor + 1} / ${s.n}${s.sweep ? ` \u00B7 ${s.sweep}` : ""}`;
    play.hidden = s.playing;
    pause.hidden = !s.playing;
    if (!SPEEDS.includes(s.speed)) speed.append(h("option", { value: String(s.speed) }, `${s.speed}/s`));
    speed.value = String(s.speed);
    compare.setAttribute("aria-pressed", String(s.compare));
  }
  return { el: bar, update };
}

const SUP = { 0: "\u2070", 1: "\u00B9", 2: "\u00B2", 3: "\u00B3", 4: "\u2074", 5: "\u2075", 6: "\u2076", 7: "\u2077", 8: "\u2078", 9: "\u2079" };
const power = (k) => "R" + String(k).split("").map((d) => SUP[d]).join("");
const plural = (k, word) => `${k} ${word}${k === 1 ? "" : "es"}`;

/** Fill `el` with `passText` and hook the counts for tests. */
export function showPasses(el, modes, n, m) {
  el.replaceChildren(...passText(modes, n, m, modeName));
  el.setAttribute("data-mlgraph-passes-forward", String(n));
  el.setAttribute("data-mlgraph-passes-reverse", String(m));
}

/**
 * What a full Jacobian costs: n forward passes (one per input) vs m reverse (one per output).
 * @param {string[]} modes  the panes shown @param {number} n inputs @param {number} m outputs
 * @param {(m: string) => string} name
 * @returns {HTMLElement[]}
 */
export function passText(modes, n, m, name) {
  if (modes.length === 1) {
    return [h("span", {}, `${name(modes[0])}. A full ${m}\u00D7${n} Jacobian takes ` +
      `${plural(n, "forward pass")} (one per input) or ${plural(m, "reverse pass")} (one per output).`)];
  }
  return [h("span", {}, `Full Jacobian of f: ${power(n)}\u2192${power(m)}: `),
    h("b", { class: "mlgraph-passes-forward" }, plural(n, "forward pass")), h("span", {}, " (one per input) vs "),
    h("b", { class: "mlgraph-passes-reverse" }, plural(m, "reverse pass")), h("span", {}, " (one per output). Left: one forward pass; right: one reverse pass.")];
}

/** The panes shown: `mode`, or in compare mode a forward mode (`mode` if it is one, else
 * the first) and reverse, sharing one cursor. */
export function comparePanes(compare, mode, modes) {
  if (!compare) return [mode];
  return [mode.startsWith("forward:") ? mode : modes.find((x) => x.startsWith("forward:")) ?? mode, "reverse"];
}
