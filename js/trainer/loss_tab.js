// @ts-check
// The loss tab: the training and test loss over the epochs, large, with 4-5 ticks from
// Python, a log-scale toggle (trait `log_loss`) and a readout of the point under the mouse.
import { drawChart } from "./chart.js";
import { html, svg } from "./dom.js";

/**
 * @param {HTMLElement} parent @param {any} model
 * @param {(name: string, value: any) => void} send
 */
export function buildLossTab(parent, model, send) {
  const head = html("div", "mlgraph-trainer-loss-head", parent);
  const toggle = html("label", "mlgraph-trainer-check", head);
  const box = html("input", "", toggle);
  box.type = "checkbox";
  box.setAttribute("data-mlgraph-control", "log_loss");
  html("span", "", toggle, "log scale");
  box.addEventListener("change", () => send("log_loss", box.checked));
  const key = html("span", "mlgraph-trainer-key", head);
  html("span", "mlgraph-trainer-swatch mlgraph-trainer-test", key);
  html("span", "", key, "test");
  html("span", "mlgraph-trainer-swatch mlgraph-trainer-train", key);
  html("span", "", key, "training");
  const readout = html("div", "mlgraph-trainer-readout", parent);
  readout.setAttribute("data-mlgraph-readout", "loss");
  const chart = svg("svg", { class: "mlgraph-trainer-chart" }, parent);
  /** @type {number | null} */
  let at = null;
  /** @type {ReturnType<typeof drawChart>} */
  let scale = null;

  const draw = () => {
    const curve = model.get("curve");
    box.checked = Boolean(model.get("log_loss"));
    scale = drawChart(chart, curve, { width: parent.clientWidth || 480, height: Math.max(200, (parent.clientHeight || 400) - 70), compact: false, log: box.checked });
    const i = at === null ? (curve.epoch?.length ?? 0) - 1 : Math.min(at, curve.epoch.length - 1);
    readout.textContent = i >= 0
      ? `epoch ${curve.epoch[i]}: test ${curve.test_loss_text[i]} · training ${curve.train_loss_text[i]}`
      : "The curves appear once training starts.";
    if (scale && i >= 0) {
      const x = scale.x(curve.epoch[i]);
      svg("line", { x1: x, x2: x, y1: 10, y2: Number(chart.getAttribute("height")) - 44, class: "mlgraph-trainer-cursor" }, chart);
    }
  };
  chart.addEventListener("mousemove", (e) => {
    if (!scale) return;
    const rect = chart.getBoundingClientRect();
    at = scale.index(/** @type {MouseEvent} */ (e).clientX - rect.left);
    draw();
  });
  chart.addEventListener("mouseleave", () => { at = null; draw(); });
  return draw;
}
