// @ts-check
// The output column: test loss over training loss (TF Playground's order) with a
// sparkline, the accuracies, then the map. Every number is text from Python.
import { drawChart } from "./chart.js";
import { html, svg } from "./dom.js";

const METRICS = [["test_loss", "test loss"], ["train_loss", "training loss"]];

/** @param {HTMLElement} parent */
export function buildOutput(parent) {
  const top = html("div", "mlgraph-trainer-losses", parent);
  const numbers = html("div", "mlgraph-trainer-numbers", top);
  /** @type {Record<string, HTMLElement>} */
  const metric = {};
  for (const [key, label] of METRICS) {
    const line = html("div", `mlgraph-trainer-metric mlgraph-trainer-${key}`, numbers);
    html("span", "mlgraph-trainer-label", line, label);
    metric[key] = html("span", "mlgraph-trainer-value", line);
    metric[key].setAttribute("data-mlgraph-metric", key);
  }
  const spark = svg("svg", { class: "mlgraph-trainer-spark" }, top);
  const acc = html("div", "mlgraph-trainer-accuracy", parent);
  html("span", "mlgraph-trainer-label", acc, "accuracy: test ");
  metric.test_accuracy = html("span", "", acc);
  html("span", "mlgraph-trainer-label", acc, " · training ");
  metric.train_accuracy = html("span", "", acc);
  for (const k of ["test_accuracy", "train_accuracy"]) metric[k].setAttribute("data-mlgraph-metric", k);

  /** @param {Record<string, string>} text @param {import("./chart.js").Curve} curve */
  return (text, curve) => {
    for (const [k, el] of Object.entries(metric)) if (k !== "epoch") el.textContent = text[k] ?? "–";
    acc.hidden = !text.test_accuracy || text.test_accuracy === "–";
    const width = top.clientWidth ? top.clientWidth - numbers.offsetWidth - 10 : 170;
    drawChart(spark, curve, { width, height: 78, compact: true, log: false });
  };
}
