// @ts-check
// Number formatting for the view: 4 significant digits; arrays as shape + compact preview.

const MINUS = "\u2212";

/**
 * The decimal digits of a finite positive double: `a = 0.D × 10^E` as [D, E].
 * @param {number} a
 * @returns {[string, number]}
 */
function exactDigits(a) {
  // 100 significant digits, correctly rounded: enough to tell a rounding tie at the 4th
  const [mant, exp] = a.toExponential(99).split("e");
  const digits = mant.replace(".", "").replace(/0+$/, "") || "0";
  return [digits, Number(exp) + 1];
}

/**
 * Round `0.D × 10^E` to `keep` digits half to even (as Python's format does).
 * @param {string} digits @param {number} exp @param {number} keep
 * @returns {[string, number]} the kept digits (length `keep`) and the new exponent
 */
function roundDigits(digits, exp, keep) {
  if (keep <= 0) { // only the rounding of everything (Python: 0.0004 -> 0.000)
    const up = keep === 0 && (digits[0] > "5" || (digits[0] === "5" && digits.length > 1));
    return up ? ["1", exp + 1] : ["", exp];
  }
  let head = digits.slice(0, keep).padEnd(keep, "0");
  const rest = digits.slice(keep);
  const tie = rest[0] === "5" && /^5$/.test(rest);
  const up = rest !== "" && (rest[0] > "5" || (rest[0] === "5" && (!tie || Number(head.at(-1)) % 2 === 1)));
  if (up) {
    const bumped = (BigInt(head) + 1n).toString();
    if (bumped.length > keep) return [bumped.slice(0, keep), exp + 1];
    head = bumped.padStart(keep, "0");
  }
  return [head, exp];
}

/** Python's `f"{a:.{decimals}f}"` for a positive double. */
function fixed(a, decimals) {
  const [digits, exp] = exactDigits(a);
  const [head, e] = roundDigits(digits, exp, exp + decimals);
  const all = (head + "0".repeat(Math.max(0, e + decimals - head.length))).padStart(decimals + 1, "0");
  const int = all.slice(0, all.length - decimals), frac = all.slice(all.length - decimals);
  return decimals ? `${int}.${frac}` : int;
}

/** Python's `f"{a:.4g}"` for a positive double. */
function general4(a) {
  const [digits, exp] = exactDigits(a);
  const [head, e] = roundDigits(digits, exp, 4);
  const x = e - 1; // scientific exponent
  if (x < -4 || x >= 4) {
    const mant = `${head[0]}.${head.slice(1)}`.replace(/\.?0+$/, "");
    return `${mant}e${x < 0 ? "-" : "+"}${String(Math.abs(x)).padStart(2, "0")}`;
  }
  return fixed(a, Math.max(0, 3 - x)).replace(/\.?0+$/, "");
}

/**
 * A number exactly as the trace tables print it (`mlgraph.tables.fmt`): at least 4
 * significant digits and 3 decimals below 1e5 (11.652, 0.2837, 5.5), a unicode minus.
 * @param {number} x
 */
export function num(x) {
  if (typeof x !== "number") return String(x);
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "\u221E" : `${MINUS}\u221E`;
  if (x === 0) return "0";
  const a = Math.abs(x);
  let s;
  if (a >= 1e-4 && a < 1e5) {
    const decimals = Math.max(3, 3 - Math.floor(Math.log10(a)));
    s = fixed(a, decimals);
    if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
  } else s = general4(a);
  return (x < 0 ? MINUS + s : s).replaceAll("-", MINUS);
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
