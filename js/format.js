// @ts-check
// Number formatting for the view: 4 significant digits; arrays as shape + compact preview.

const MINUS = "\u2212";

/** @param {number} x */
export function num(x) {
  if (typeof x !== "number") return String(x);
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : `${MINUS}inf`;
  if (x === 0) return "0";
  const a = Math.abs(x);
  let s;
  if (a >= 1e-4 && a < 1e6) s = String(Number(a.toPrecision(4)));
  else {
    const [m, e] = a.toExponential(3).split("e");
    s = `${String(Number(m))}e${Number(e)}`;
  }
  return x < 0 ? MINUS + s : s;
}

/** @param {any} v */
function shapeOf(v) {
  const shape = [];
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

const shapeText = (shape) => `(${shape.join(", ")}${shape.length === 1 ? "," : ""})`;

/**
 * Short text for a node quantity: a number, a small array preview, or a summary.
 * @param {any} v
 * @param {number} [items]  array entries previewed (0: the shape only)
 * @returns {string}
 */
export function short(v, items = 3) {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return num(v);
  if (Array.isArray(v)) {
    const flat = v.flat(Infinity);
    if (items === 0) return shapeText(shapeOf(v));
    const head = flat.slice(0, items).map(num).join(", ");
    return `${shapeText(shapeOf(v))} [${head}${flat.length > items ? ", \u2026" : ""}]`;
  }
  if (typeof v === "object" && v.summary) {
    return items === 0 ? shapeText(v.shape) : `${shapeText(v.shape)} min ${num(v.min)} max ${num(v.max)}`;
  }
  return String(v);
}

/**
 * Full text for the hover title: every entry of an array, 4 significant digits.
 * @param {any} v
 * @returns {string}
 */
export function full(v) {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return num(v);
  if (Array.isArray(v)) return `[${v.map(full).join(", ")}]`;
  if (typeof v === "object" && v.summary) {
    return `shape ${shapeText(v.shape)}, min ${num(v.min)}, max ${num(v.max)}, mean ${num(v.mean)} (summary: array above the size cap)`;
  }
  return String(v);
}
