// @ts-check
// Reading the model: the packed JSON traits, and the one lookup of the shared engine
// model's bundles (the Graphviz engine and the view) that every widget on a page shares.

/**
 * Import the bundle held in trait `name` of the engine model `ref` points at, once per
 * page: the manager returns one model object per id, shared by every view.
 * @param {any} model  a widget model with an `engine` reference
 * @param {"source"|"view"} name
 * @returns {Promise<any>} the module
 */
export async function engineBundle(model, name) {
  const ref = String(model.get("engine") ?? "");
  if (!ref) throw new Error("this widget has no Graphviz engine (trait `engine` is empty)");
  const engine = await model.widget_manager.get_model(ref.replace(/^IPY_MODEL_/, ""));
  const key = Symbol.for(`mlgraph.engine.${name}`);
  engine[key] ??= import(URL.createObjectURL(new Blob([engine.get(name)], { type: "text/javascript" })));
  return engine[key];
}

/** Inverse of mlgraph.widget.pack: `{"@cols", "@rows", "@seq"?, "@enums"?}` back to a
 * list of records. @param {any} v @returns {any} */
export function unpack(v) {
  if (Array.isArray(v)) return v.map(unpack);
  if (v === null || typeof v !== "object") return v;
  if ("@cols" in v) {
    const seq = v["@seq"] ?? [], enums = v["@enums"] ?? {};
    return v["@rows"].map((row, n) => {
      const rec = {};
      for (const k of seq) rec[k] = n;
      v["@cols"].forEach((k, i) => {
        if (row[i] !== null) rec[k] = k in enums ? enums[k][row[i]] : unpack(row[i]);
      });
      return rec;
    });
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unpack(x)]));
}

/**
 * Traits `graph`, `streams`, `tables` arrive as JSON text; parse each text once.
 * @param {any} model
 * @returns {(name: string) => any}
 */
export function jsonTraits(model) {
  const cache = new Map();
  return (name) => {
    const raw = model.get(name);
    if (typeof raw !== "string") return raw ?? {};
    const hit = cache.get(name);
    if (hit && hit.raw === raw) return hit.value;
    const value = unpack(JSON.parse(raw));
    cache.set(name, { raw, value });
    return value;
  };
}
