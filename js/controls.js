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
  const scrub = /** @type {HTMLInputElement} */ (h("input", { type: "range", class: "mlgraph-scrubber", min: "-1", step: "1", "aria-label": "cursor" }));
  scrub.addEventListener("input", () => on.onSeek(Number(scrub.value)));
  const counter = h("span", { class: "mlgraph-counter" });
  const speed = /** @type {HTMLSelectElement} */ (h("select", { class: "mlgraph-speed", "aria-label": "speed" }));
  for (const s of SPEEDS) speed.append(h("option", { value: String(s) }, `${s}/s`));
  speed.addEventListener("change", () => on.onSpeed(Number(speed.value)));
  const mode = /** @type {HTMLSelectElement} */ (h("select", { class: "mlgraph-mode", "aria-label": "mode" }));
  mode.addEventListener("change", () => on.onMode(mode.value));
  bar.append(mode, start, back, play, pause, step, end, scrub, counter, speed);

  /** @param {{modes: string[], mode: string, cursor: number, n: number, playing: boolean, speed: number, sweep: string|null}} s */
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
  }
  return { el: bar, update };
}
