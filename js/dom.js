// @ts-check
// The DOM helpers every view module uses: elements built with attributes and plain text
// (textContent only: no user string is ever parsed as HTML or SVG markup).

const SVGNS = "http://www.w3.org/2000/svg";

/**
 * An HTML element.
 * @param {string} tag
 * @param {Record<string, string>} [attrs]  attributes; `class` sets the class list
 * @param {string} [text]  plain text content
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, text) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * An SVG element.
 * @param {string} tag
 * @param {Record<string, string | number>} [attrs]
 * @param {string} [text]
 * @returns {SVGElement}
 */
export function s(tag, attrs = {}, text) {
  const el = /** @type {SVGElement} */ (document.createElementNS(SVGNS, tag));
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** A div with a class. @param {string} cls @param {string} [text] */
export const div = (cls, text) => h("div", { class: cls }, text);

/**
 * Set an attribute only when it changes (cheap per-step updates on big graphs).
 * @param {Element} el @param {string} name @param {string | null} value  null removes it
 */
export function attr(el, name, value) {
  if (value === null) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

/** Set textContent only when it changes. @param {Element} el @param {string} text */
export function text(el, text) {
  if (el.textContent !== text) el.textContent = text;
}
