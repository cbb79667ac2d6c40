"""Browser benchmarks of the graph widget (a script, not a timed test).

    .venv/bin/python benchmarks/widget/run.py        # writes benchmarks/results/widget.md

Measures, in headless Debian Chromium (`/usr/bin/chromium`) on exported standalone pages:
  1. layout + first paint of 100- and 1,000-node DAGs (Graphviz WASM, warm engine), and the
     cold page load for reference;
  2. p95 time per animation step while stepping the 100- and 1,000-node reverse sweeps (JS
     update plus forced style/layout), with the camera following the active node, chips,
     badges and the table window as a lecture shows them (follow is on by default);
  3. saved notebook size per additional 50-node graph widget (nbclient executes notebooks
     with 1 and 3 widgets and stores the widget state, as "save with widget state" does).
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(HERE), str(REPO)]

from dags import random_dag  # noqa: E402

from mlgraph.widget import GraphWidget  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]
REPEATS = 3

WAIT_READY = "() => document.querySelector('.mlgraph')?.getAttribute('data-mlgraph-ready') === '1'"

RELAYOUT = """async () => {
  const el = document.getElementById('mlgraph-root'), m = el.mlgraphModel;
  const root = el.querySelector('.mlgraph');
  const t0 = performance.now();
  m.set('graph', { ...m.get('graph') });
  while (root.getAttribute('data-mlgraph-ready') !== '1') await new Promise(r => setTimeout(r, 0));
  document.body.offsetHeight;             // style + layout of the new SVG
  await new Promise(r => { requestAnimationFrame(() => setTimeout(r, 0)); setTimeout(r, 100); });  // painted
  return { total: performance.now() - t0, layout: el.mlgraphStats.layoutMs };
}"""

STEPS = """async () => {
  const el = document.getElementById('mlgraph-root'), m = el.mlgraphModel;
  m.set('mode', 'reverse');
  if (!m.get('follow')) throw new Error('follow is off');
  const n = m.get('streams').reverse.length, times = [];
  for (let c = -1; c < n; c++) {
    const t0 = performance.now();
    m.set('cursor', c);
    document.body.offsetHeight;           // force style recalc + layout of what changed
    times.push(performance.now() - t0);
  }
  return { n, times };
}"""


def p95(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


def bench_browser(tmp: Path) -> dict:
    from playwright.sync_api import sync_playwright

    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for n in (100, 1000):
            g = random_dag(n)
            w = GraphWidget.from_graph(g, modes=["eval", "reverse"], max_nodes=5000)
            page_path = w.save_html(tmp / f"dag{n}.html")
            cold, warm, layout = [], [], []
            for rep in range(REPEATS):
                print(
                    f"  {n} nodes, run {rep + 1}/{REPEATS}", file=sys.stderr, flush=True
                )
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                t0 = time.perf_counter()
                page.goto(page_path.as_uri(), wait_until="commit")
                page.wait_for_function(WAIT_READY, timeout=60_000, polling=5)
                cold.append((time.perf_counter() - t0) * 1000)
                print("    relayout", file=sys.stderr, flush=True)
                r = page.evaluate(RELAYOUT)
                warm.append(r["total"])
                layout.append(r["layout"])
                if f"steps{n}" not in out:
                    print("    steps", file=sys.stderr, flush=True)
                    s = page.evaluate(STEPS)
                    out[f"steps{n}"] = {
                        "events": s["n"],
                        "p95": p95(s["times"]),
                        "median": statistics.median(s["times"]),
                        "max": max(s["times"]),
                    }
                page.close()
            out[n] = {
                "nodes": len(g.nodes),
                "cold": statistics.median(cold),
                "warm": statistics.median(warm),
                "layout": statistics.median(layout),
                "html_kb": page_path.stat().st_size / 1024,
            }
        browser.close()
    return out


def bench_state(tmp: Path) -> dict:
    import nbformat
    from nbclient import NotebookClient

    sizes = {}
    for k in (1, 3):
        cells = [
            f"import sys; sys.path[:0] = [{str(HERE)!r}, {str(REPO)!r}]\n"
            "from dags import random_dag\nimport mlgraph\ng = random_dag(50)"
        ]
        cells += ["mlgraph.show(g)"] * k
        nb = nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_code_cell(c) for c in cells]
        )
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        NotebookClient(
            nb,
            timeout=120,
            kernel_name="python3",
            store_widget_state=True,
            resources={"metadata": {"path": str(tmp)}},
        ).execute()
        path = tmp / f"state{k}.ipynb"
        nbformat.write(nb, path)
        state = (
            nb.metadata.get("widgets", {})
            .get("application/vnd.jupyter.widget-state+json", {})
            .get("state", {})
        )
        sizes[k] = {"file": path.stat().st_size, "models": len(state)}
    return {
        "per_widget_kb": (sizes[3]["file"] - sizes[1]["file"]) / 2 / 1024,
        "first_kb": sizes[1]["file"] / 1024,
        "models": sizes,
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        b = bench_browser(tmp)
        s = bench_state(tmp)
    rows = [
        (
            "layout + first paint, 100-node DAG (warm engine)",
            "≤ 500 ms",
            f"{b[100]['warm']:.0f} ms",
        ),
        (
            "layout + first paint, 1,000-node DAG (warm engine)",
            "≤ 500 ms",
            f"{b[1000]['warm']:.0f} ms",
        ),
        (
            "  of which Graphviz layout + SVG build, 1,000 nodes",
            "-",
            f"{b[1000]['layout']:.0f} ms",
        ),
        (
            "cold page load to first paint (WASM init + parse), 100 / 1,000 nodes",
            "-",
            f"{b[100]['cold']:.0f} / {b[1000]['cold']:.0f} ms",
        ),
        *[
            (
                f"p95 time per animation step, {n:,}-node reverse sweep "
                f"({b[f'steps{n}']['events']} events, camera following)",
                "≤ 16 ms",
                f"{b[f'steps{n}']['p95']:.1f} ms (median "
                f"{b[f'steps{n}']['median']:.1f}, max {b[f'steps{n}']['max']:.1f})",
            )
            for n in (100, 1000)
        ],
        (
            "saved notebook size per additional 50-node graph widget",
            "≤ 100 KB",
            f"{s['per_widget_kb']:.0f} KB",
        ),
        (
            "saved notebook with the first widget (incl. the shared 0.8 MB engine)",
            "-",
            f"{s['first_kb']:.0f} KB",
        ),
    ]
    lines = [
        "# Widget benchmarks",
        "",
        f"`benchmarks/widget/run.py`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"headless Chromium ({CHROMIUM}), {platform.machine()}, Python "
        f"{platform.python_version()}; medians of {REPEATS} page loads.",
        "",
        "| measure | goal | measured |",
        "|---|---|---|",
        *[f"| {a} | {g} | {m} |" for a, g, m in rows],
        "",
        "Layout is timed from setting the `graph` trait to the frame after the SVG is in the "
        "page; the step time is the JS update plus a forced style/layout, per cursor move "
        "over the whole sweep. The state size is the growth of the saved `.ipynb` "
        "(nbclient, widget state stored) from 1 to 3 widgets of a 49-node graph, divided by 2.",
        "",
    ]
    out = REPO / "benchmarks" / "results" / "widget.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    print(json.dumps({"browser": b, "state": s}, default=str))


if __name__ == "__main__":
    main()
