// @ts-check
// Copies the scripts an offline nbconvert export needs (require.js, the widget renderer
// embed-amd.js, anywidget's AMD build, MathJax 3 with its SVG fonts in one file) from
// node_modules (devDependencies, pinned) to ../mlgraph/static/export/, where
// mlgraph.export finds them. No network.
import { copyFileSync, existsSync, mkdirSync } from "node:fs";

const out = new URL("../mlgraph/static/export/", import.meta.url);
const files = {
  "require.js": "requirejs/require.js",
  "embed-amd.js": "@jupyter-widgets/html-manager/dist/embed-amd.js",
  "anywidget.js": "anywidget/dist/index.js",
  "tex-svg-full.js": "mathjax/es5/tex-svg-full.js",
};
mkdirSync(out, { recursive: true });
for (const [name, src] of Object.entries(files)) {
  const from = new URL(`./node_modules/${src}`, import.meta.url);
  if (!existsSync(from)) throw new Error(`${src} missing: run npm ci in js/`);
  copyFileSync(from, new URL(name, out));
}
