// node --test: the colour scale and the point outlines' contrast on every map colour.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { CLASSES, REGION, SHADES, cellColour, hex, mix, parseColour, quantize, signColour } from "./colour.js";

/** WCAG relative luminance and contrast ratio. */
const lum = (/** @type {number[]} */ rgb) => {
  const [r, g, b] = rgb.map((c) => { const s = c / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const contrast = (/** @type {number[]} */ a, /** @type {number[]} */ b) => {
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};

/** The theme tokens as trainer.css sets them: [light, dark]. */
function token(/** @type {string} */ name) {
  const css = readFileSync(new URL("./trainer.css", import.meta.url), "utf8");
  const values = [...css.matchAll(new RegExp(`--mlgraph-trainer-${name}:\\s*(#[0-9a-f]{6})`, "gi"))].map((m) => m[1]);
  assert.equal(values.length, 2, name);
  return values.map((v) => parseColour(v, [0, 0, 0]));
}

test("values are put on 30 shades, clamped, NaN neutral", () => {
  const steps = new Set();
  for (let t = -1.2; t <= 1.2; t += 0.001) steps.add(quantize(t));
  assert.equal(steps.size, SHADES);
  assert.equal(quantize(5), 1);
  assert.equal(quantize(Number.NaN), quantize(0));
  assert.deepEqual(signColour(-1, [0, 0, 0]), [245, 147, 34]);
  assert.deepEqual(signColour(1, [0, 0, 0]), [8, 119, 189]);
  assert.equal(hex(mix([0, 0, 0], [255, 255, 255], 0.5)), "#808080");
});

test("the points' outline stands out (≥ 3:1) on every colour the map can show", () => {
  const rings = token("ring"), neutrals = token("neutral");
  for (const theme of [0, 1]) {
    const neutral = /** @type {[number, number, number]} */ (neutrals[theme]);
    const regions = [];
    for (let t = -1; t <= 1; t += 2 / (SHADES - 1)) regions.push(signColour(t, neutral, REGION));
    for (let k = 0; k < CLASSES.length; k++) regions.push(cellColour({ classes: [k], confidence: [1] }, 0, CLASSES.length, neutral));
    for (const region of regions) {
      assert.ok(contrast(rings[theme], region) >= 3, `${hex(rings[theme])} on ${hex(region)}: ${contrast(rings[theme], region).toFixed(2)}`);
    }
  }
});

test("a region is paler than its class's points (the fill still shows)", () => {
  for (const neutral of token("neutral")) {
    for (const colour of CLASSES) {
      const region = mix(/** @type {any} */ (neutral), colour, REGION);
      assert.ok(contrast(region, colour) > 1.25, hex(region));
    }
  }
});
