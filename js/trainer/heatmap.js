// @ts-check
// Paint an n × n grid of colours into a canvas, smoothed (TF Playground's neuron tiles
// and boundary map). Without a 2-D context (a test DOM) it paints nothing.

/**
 * @param {HTMLCanvasElement} canvas  already sized (CSS and device pixels)
 * @param {number} n  cells per side
 * @param {(k: number) => import("./colour.js").RGB} colourAt  colour of cell k (row-major, top row first)
 */
export function paintGrid(canvas, n, colourAt) {
  const ctx = canvas.getContext("2d");
  if (!ctx || n < 1) return;
  const off = document.createElement("canvas");
  off.width = off.height = n;
  const octx = off.getContext("2d");
  if (!octx) return;
  const img = octx.createImageData(n, n);
  for (let k = 0; k < n * n; k++) img.data.set([...colourAt(k), 255], 4 * k);
  octx.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
}

/**
 * Size a canvas to `css` × `css` CSS pixels, sharp on high-density screens.
 * @param {HTMLCanvasElement} canvas
 * @param {number} css
 */
export function sizeCanvas(canvas, css) {
  const ratio = Math.min(2, globalThis.devicePixelRatio || 1);
  const px = Math.round(css * ratio);
  if (canvas.width !== px) canvas.width = canvas.height = px;
  canvas.style.width = canvas.style.height = `${css}px`;
}

