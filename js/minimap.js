// @ts-check
// The minimap of a graph larger than the viewport: every node as a small box, the
// viewport as a rectangle you can drag, the active node as a yellow dot with an ink ring.
import { s } from "./dom.js";

/**
 * @param {HTMLElement} host  a positioned box (bottom right of the stage)
 * @param {(cx: number, cy: number) => void} moveTo  centre the camera on a graph point
 */
export function buildMinimap(host, moveTo) {
  const svg = /** @type {SVGSVGElement} */ (/** @type {unknown} */ (s("svg", { class: "mlgraph-minimap-svg", preserveAspectRatio: "xMidYMid meet" })));
  const nodes = s("g", { class: "mlgraph-minimap-nodes" });
  const frame = s("rect", { class: "mlgraph-minimap-view" });
  const dot = s("circle", { class: "mlgraph-minimap-active", r: 0 });
  svg.append(nodes, frame, dot);
  host.replaceChildren(svg);
  let area = { x0: 0, y0: 0, x1: 1, y1: 1 };
  const toGraph = (e) => {
    const r = svg.getBoundingClientRect(), w = area.x1 - area.x0, h = area.y1 - area.y0;
    const k = Math.min(r.width / w, r.height / h), ox = (r.width - w * k) / 2, oy = (r.height - h * k) / 2;
    return { x: area.x0 + (e.clientX - r.left - ox) / k, y: area.y0 + (e.clientY - r.top - oy) / k };
  };
  let dragging = false;
  svg.addEventListener("pointerdown", (e) => { dragging = true; svg.setPointerCapture?.(e.pointerId); const p = toGraph(e); moveTo(p.x, p.y); e.stopPropagation(); });
  svg.addEventListener("pointermove", (e) => { if (dragging) { const p = toGraph(e); moveTo(p.x, p.y); } });
  svg.addEventListener("pointerup", () => { dragging = false; });
  return {
    /** @param {import("./geometry.js").Box} a @param {import("./geometry.js").Box[]} boxes */
    setGraph(a, boxes) {
      area = a;
      svg.setAttribute("viewBox", `${a.x0} ${a.y0} ${a.x1 - a.x0} ${a.y1 - a.y0}`);
      nodes.replaceChildren(...boxes.map((b) => s("rect", { x: b.x0, y: b.y0, width: b.x1 - b.x0, height: b.y1 - b.y0 })));
      dot.setAttribute("r", String(Math.max(a.x1 - a.x0, a.y1 - a.y0) / 40));
    },
    /** @param {import("./camera.js").View} v @param {number} vw @param {number} vh */
    setView(v, vw, vh) {
      const w = vw / v.scale, h = vh / v.scale;
      frame.setAttribute("x", String(v.cx - w / 2));
      frame.setAttribute("y", String(v.cy - h / 2));
      frame.setAttribute("width", String(w));
      frame.setAttribute("height", String(h));
    },
    /** @param {import("./geometry.js").Box | null} b */
    setActive(b) {
      dot.setAttribute("visibility", b ? "visible" : "hidden");
      if (b) { dot.setAttribute("cx", String((b.x0 + b.x1) / 2)); dot.setAttribute("cy", String((b.y0 + b.y1) / 2)); }
    },
  };
}
