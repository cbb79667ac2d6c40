// @ts-check
// The trainer's only DOM helpers: make an element, set attributes, append it. User text
// always goes in through textContent (never innerHTML), so a name is never markup.

const SVGNS = "http://www.w3.org/2000/svg";

/**
 * An HTML element with a class (and text), appended to `parent`.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} cls
 * @param {Element | null} [parent]
 * @param {string} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function html(tag, cls, parent, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

/**
 * An SVG element with attributes, appended to `parent`.
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @param {Element | null} [parent]
 * @returns {SVGElement}
 */
export function svg(tag, attrs, parent) {
  const node = /** @type {SVGElement} */ (document.createElementNS(SVGNS, tag));
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

/**
 * SVG text (user strings stay text).
 * @param {Element} parent
 * @param {number} x
 * @param {number} y
 * @param {string} text
 * @param {Record<string, string | number>} [attrs]
 */
export function svgText(parent, x, y, text, attrs = {}) {
  const node = svg("text", { x, y, ...attrs }, parent);
  node.textContent = text;
  return node;
}

/**
 * A button with a test hook and a tooltip.
 * @param {Element} parent
 * @param {string} action  data-mlgraph-action
 * @param {string} text
 * @param {string} title
 * @param {() => void} onClick
 */
export function button(parent, action, text, title, onClick) {
  const b = html("button", "mlgraph-trainer-button", parent, text);
  b.type = "button";
  b.title = title;
  b.setAttribute("aria-label", title);
  b.setAttribute("data-mlgraph-action", action);
  b.addEventListener("click", onClick);
  return b;
}

/**
 * Icons drawn as SVG (a font may lack ▶ or ⏸): the shapes in a 24 × 24 box, by name.
 * @type {Record<string, [string, Record<string, string | number>][]>}
 */
const ICONS = {
  play: [["polygon", { points: "6,4 20,12 6,20" }]],
  pause: [["rect", { x: 5, y: 4, width: 5, height: 16 }], ["rect", { x: 14, y: 4, width: 5, height: 16 }]],
};

/**
 * Put an icon into `parent`, replacing its content.
 * @param {Element} parent @param {"play" | "pause"} name
 */
export function icon(parent, name) {
  parent.replaceChildren();
  const s = svg("svg", { viewBox: "0 0 24 24", width: 22, height: 22, "aria-hidden": "true" }, parent);
  for (const [tag, attrs] of ICONS[name]) svg(tag, { ...attrs, fill: "currentColor" }, s);
}
