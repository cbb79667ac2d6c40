// @ts-check
// The one stand-in for an anywidget model in `node --test`: the same get / set /
// save_changes / on / off / send surface the views use, plus what tests need to look at.
// Every JS test of a view builds its model with `fakeModel(traits)`; none writes its own.

/**
 * @typedef {(...args: any[]) => void} Handler
 * @typedef {object} FakeModel
 * @property {(name: string) => any} get
 * @property {(name: string, value: any) => void} set
 * @property {() => void} save_changes
 * @property {(event: string, fn: Handler) => void} on
 * @property {(event: string, fn: Handler) => void} off
 * @property {(msg: any) => void} send
 * @property {(name: string, value: any) => void} update  a change coming from the kernel:
 *   sets the trait and fires `change:<name>` as anywidget would
 * @property {Record<string, any>} traits  the current trait values
 * @property {Array<Record<string, any>>} saved  the traits changed by each save_changes()
 * @property {any[]} messages  what the view sent with send()
 * @property {() => number} listeners  how many handlers are still attached
 */

/**
 * @param {Record<string, any>} [initial] trait values, as the kernel would sync them
 * @returns {FakeModel}
 */
export function fakeModel(initial = {}) {
  /** @type {Record<string, any>} */
  const traits = { ...initial };
  /** @type {Map<string, Handler[]>} */
  const handlers = new Map();
  /** @type {Record<string, any>} */
  let pending = {};
  /** @type {Array<Record<string, any>>} */
  const saved = [];
  /** @type {any[]} */
  const messages = [];
  const fire = (/** @type {string} */ event, /** @type {any[]} */ ...args) => {
    for (const fn of [...(handlers.get(event) ?? [])]) fn(...args);
  };
  return {
    traits,
    saved,
    messages,
    get: (name) => traits[name],
    set(name, value) {
      traits[name] = value;
      pending[name] = value;
      fire(`change:${name}`);
    },
    save_changes() {
      saved.push(pending);
      pending = {};
    },
    on(event, fn) {
      handlers.set(event, [...(handlers.get(event) ?? []), fn]);
    },
    off(event, fn) {
      handlers.set(event, (handlers.get(event) ?? []).filter((g) => g !== fn));
    },
    send: (msg) => void messages.push(msg),
    update(name, value) {
      traits[name] = value;
      fire(`change:${name}`);
    },
    listeners: () => [...handlers.values()].reduce((n, list) => n + list.length, 0),
  };
}
