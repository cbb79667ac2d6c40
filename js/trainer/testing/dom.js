// @ts-check
// The DOM stand-in every trainer test uses: linkedom's document as the global one, plus
// the few browser functions the view calls that linkedom leaves out (animation frames,
// computed style, ResizeObserver). Canvas has no 2-D context here, so nothing is painted:
// pixels are checked in the browser tests.
import { parseHTML } from "linkedom";

/**
 * Install a fresh document as `globalThis.document`.
 * @returns {{document: Document, window: any, frames: () => void}} `frames()` runs the
 *   pending animation-frame callbacks (the view draws in them)
 */
export function installDom() {
  const { window, document } = parseHTML("<!doctype html><html><body></body></html>");
  /** @type {Map<number, FrameRequestCallback>} */
  const pending = new Map();
  let next = 1;
  Object.assign(globalThis, {
    window,
    document,
    requestAnimationFrame: (/** @type {FrameRequestCallback} */ fn) => { pending.set(next, fn); return next++; },
    cancelAnimationFrame: (/** @type {number} */ id) => { pending.delete(id); },
    getComputedStyle: () => ({ getPropertyValue: () => "" }),
  });
  Reflect.deleteProperty(globalThis, "ResizeObserver"); // the view then redraws on trait changes only
  const frames = () => {
    const due = [...pending.values()];
    pending.clear();
    for (const fn of due) fn(0);
  };
  return { document, window, frames };
}

/**
 * Fire a DOM event of `type` at `el` (bubbling, as a user's would).
 * @param {Element} el @param {string} type @param {Record<string, any>} [init]
 */
export function fire(el, type, init = {}) {
  const ev = new globalThis.window.Event(type, { bubbles: true });
  Object.assign(ev, init);
  el.dispatchEvent(ev);
}
