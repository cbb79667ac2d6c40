// @ts-check
// Reading the model: the packed JSON traits and the shared Graphviz engine.

const ENGINE = Symbol.for("mlgraph.graphviz-engine");

/** The Graphviz layout function, imported once per page from the shared engine model. */
export async function engineFor(model) {
  const ref = model.get("engine");
  if (!ref) throw new Error("this widget has no Graphviz engine (trait `engine` is empty)");
  const em = await model.widget_manager.get_model(String(ref).replace(/^IPY_MODEL_/, ""));
  const holder = em; // the manager returns one model object per id, shared by every view
  holder[ENGINE] ??= import(URL.createObjectURL(new Blob([em.get("source")], { type: "text/javascript" })));
  return (await holder[ENGINE]).layout;
}

/** Inverse of mlgraph.widget.pack: `{"@cols", "@rows"}` back to a list of records. */
export function unpack(v) {
  if (Array.isArray(v)) return v.map(unpack);
  if (v === null || typeof v !== "object") return v;
  if ("@cols" in v) {
    return v["@rows"].map((row) => {
      const rec = {};
      v["@cols"].forEach((k, i) => { if (row[i] !== null) rec[k] = unpack(row[i]); });
      return rec;
    });
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unpack(x)]));
}

/** Traits `graph`, `streams`, `tables` arrive as JSON text; parse each text once. */
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
