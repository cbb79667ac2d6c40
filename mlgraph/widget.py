"""The animated graph widget (anywidget): synced traits in, layout and playback in JS.

`GraphWidget` holds only synced state. The JS view (`js/widget.js`, bundled to
`mlgraph/static/widget.js`) lays the DOT out once with Graphviz compiled to WebAssembly,
and replays the event streams; its controls move `cursor` with no kernel round-trip.

The 0.8 MB Graphviz WASM bundle and the view code are not part of each widget: they live
in one `GraphvizEngine` widget per kernel, referenced by every `GraphWidget`, whose own
ESM is a few-line loader (`js/loader.js`). A saved notebook stores the bundles once.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

import anywidget
import traitlets
from ipywidgets import widget_serialization

from mlgraph.dot import dot_parts, graph_json, scope_groups, to_dot
from mlgraph.events import Mode

STATIC = Path(__file__).parent / "static"

#: The node fields the view uses (the rest of Graph JSON stays in the kernel).
NODE_FIELDS = ("id", "name", "label", "op", "kind", "shape", "scope")

#: Above this many inputs only eval, reverse and the chosen mode are precomputed.
MAX_FORWARD_MODES = 8


class GraphvizEngine(anywidget.AnyWidget):
    """Carries the Graphviz WASM bundle and the view code once per page; every
    `GraphWidget` points at one."""

    _esm = "export default { render({ el }) { el.textContent = ''; } };"
    source = traitlets.Unicode("").tag(sync=True)  # static/engine.js: Graphviz WASM
    view = traitlets.Unicode("").tag(sync=True)  # static/widget.js: the graph view


_ENGINE: GraphvizEngine | None = None


def shared_engine() -> GraphvizEngine:
    """The kernel's one `GraphvizEngine` (created on first use)."""
    global _ENGINE
    if _ENGINE is None or _ENGINE.comm is None:
        _ENGINE = GraphvizEngine(
            source=(STATIC / "engine.js").read_text(encoding="utf-8"),
            view=(STATIC / "widget.js").read_text(encoding="utf-8"),
        )
    return _ENGINE


def default_modes(graph: Any) -> list[str]:
    """`eval`, forward by each input entry (if there are few inputs), then reverse from
    each output (entry): `mlgraph.default_modes`."""
    from mlgraph.modes import default_modes as kernel_modes

    modes = kernel_modes(graph)
    if len(graph.inputs) > MAX_FORWARD_MODES:
        modes = [m for m in modes if not m.startswith("forward")]
    return modes


def edge_labels(graph: Any) -> dict[str, dict]:
    """Local partial derivatives per edge key `"src_dst_argnum"` (values: scalars)."""
    from mlgraph.graph import local_partials

    try:
        partials = local_partials(graph)
    except (ValueError, TypeError, NotImplementedError):
        return {}
    out = {}
    for (src, dst, argnum), lab in sorted(partials.items()):
        out[f"{src}_{dst}_{argnum}"] = {
            "formula": str(lab["formula"]),
            "value": None if lab["value"] is None else float(lab["value"]),
        }
    return out


def widget_data(graph: Any, modes: list[str]) -> dict[str, dict]:
    """The `graph`, `streams` and `tables` trait values for a traced graph."""
    import mlgraph
    from mlgraph.tables import trace_table

    streams, tables = {}, {}
    for mode in modes:
        events = mlgraph.run(graph, mode)
        streams[mode] = [e.to_json() for e in events]
        tables[mode] = trace_table(graph, events).to_json()
    labels = edge_labels(graph)
    g = graph_json(graph)
    nodes = [{k: n[k] for k in NODE_FIELDS if k in n} for n in g["nodes"]]
    data = {
        "dot": to_dot(g, edge_labels=labels),
        **g,
        "nodes": nodes,
        "edge_labels": labels,
    }
    groups = scope_groups(g)
    if groups:  # the view re-joins the DOT per collapse state (js/dot.js)
        data.update(groups=groups, dot_parts=dot_parts(g, edge_labels=labels))
    return {"graph": data, "streams": streams, "tables": tables}


def pack(value: Any) -> Any:
    """Lists of dicts as columns `{"@cols": [...], "@rows": [[...], ...]}`, recursively;
    a missing key becomes null. `js/traits.js` unpacks it."""
    if isinstance(value, dict):
        return {k: pack(v) for k, v in value.items()}
    if isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
        cols = list(dict.fromkeys(k for x in value for k in x))
        return {"@cols": cols, "@rows": [[pack(x.get(k)) for k in cols] for x in value]}
    return value


def unpack(value: Any) -> Any:
    """Inverse of `pack` (null entries are dropped)."""
    if isinstance(value, dict) and "@cols" in value:
        cols = value["@cols"]
        return [
            {k: unpack(v) for k, v in zip(cols, row, strict=True) if v is not None}
            for row in value["@rows"]
        ]
    if isinstance(value, dict):
        return {k: unpack(v) for k, v in value.items()}
    return value


def _to_json_text(value: Any, widget: Any) -> str:
    return json.dumps(
        pack(value), separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _from_json_text(value: Any, widget: Any) -> Any:
    return unpack(json.loads(value)) if isinstance(value, str) else value


#: The bulky traits travel (and are saved in notebooks) as one compact JSON string each,
#: lists of records as columns: pretty-printed nested dicts in an .ipynb are ~3x larger.
JSON_TEXT = {"to_json": _to_json_text, "from_json": _from_json_text}


class GraphWidget(anywidget.AnyWidget):
    """A computation graph whose eval, forward and reverse sweeps play step by step.

    Build one with `GraphWidget.from_graph(graph)` or `mlgraph.show(f, x1=2.0, x2=5.0)`.
    """

    # The loader fetches the view from the shared engine. Under anywidget's hot reload
    # (ANYWIDGET_HMR=1, `npm --prefix js run dev`) the view itself is the ESM, so edits
    # to js/*.js show up live; it then ships once per widget.
    _HMR = os.environ.get("ANYWIDGET_HMR") == "1"
    _esm = STATIC / ("widget.js" if _HMR else "loader.js")
    _css = STATIC / "widget.css"

    graph = traitlets.Dict().tag(sync=True, **JSON_TEXT)
    streams = traitlets.Dict().tag(sync=True, **JSON_TEXT)
    tables = traitlets.Dict().tag(sync=True, **JSON_TEXT)
    mode = traitlets.Unicode("reverse").tag(sync=True)
    cursor = traitlets.Int(-1).tag(sync=True)
    speed = traitlets.Float(2.0).tag(sync=True)
    playing = traitlets.Bool(False).tag(sync=True)
    max_nodes = traitlets.Int(400).tag(sync=True)
    #: Forward (w.r.t. the input of `mode`) and reverse side by side on one layout;
    #: `cursor` then steps both streams together.
    compare = traitlets.Bool(False).tag(sync=True)
    #: Layers (top-level `mlgraph.scope`s) drawn as one node: "auto" collapses them all
    #: beyond `max_nodes` or in a tensor graph (an MLP), "all", or "none". A click on a
    #: layer expands it; a click on its cluster's label collapses it again.
    collapse = traitlets.Enum(["auto", "all", "none"], "auto").tag(sync=True)
    engine = traitlets.Instance(GraphvizEngine, allow_none=True).tag(
        sync=True, **widget_serialization
    )

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("engine", shared_engine())
        super().__init__(**kwargs)

    @classmethod
    def from_graph(
        cls, graph: Any, mode: str = "reverse", modes: list[str] | None = None, **kwargs
    ) -> GraphWidget:
        """A widget for a traced `Graph`, with the streams of `modes` (default: all)."""
        modes = list(modes or default_modes(graph))
        if mode not in modes:
            modes.append(mode)
        return cls(mode=mode, **widget_data(graph, modes), **kwargs)

    def set_graph(self, graph: Any) -> None:
        """Show a new trace (e.g. new input values), keeping the mode and the step."""
        modes = list(self.streams) or default_modes(graph)
        data = widget_data(graph, modes)
        with self.hold_sync():
            n = len(data["streams"].get(self.mode, []))
            self.cursor = min(self.cursor, n - 1)
            self.set_trait("streams", data["streams"])
            self.tables = data["tables"]
            self.graph = data["graph"]

    # -- validation ------------------------------------------------------------------

    def _events(self, mode: str | None = None) -> list:
        if mode is None and self.compare:  # the longer of the two panes' streams
            pair = (self.compare_modes()[0], "reverse")
            return max((self.streams.get(m, []) for m in pair), key=len)
        return self.streams.get(self.mode if mode is None else mode, [])

    def compare_modes(self) -> tuple[str, str]:
        """The two panes of the compare view: `mode` if it is a forward mode (else the
        first forward mode), and `reverse`."""
        if Mode.parse(self.mode).sweep == "forward":
            return self.mode, "reverse"
        first = next((m for m in self.streams if Mode.parse(m).sweep == "forward"),
                     self.mode)
        return first, "reverse"

    @traitlets.validate("cursor")
    def _check_cursor(self, proposal: dict) -> int:
        value, n = proposal["value"], len(self._events())
        if not -1 <= value <= n - 1:
            raise traitlets.TraitError(
                f"cursor must be between -1 and {n - 1} (there are {n} events in mode "
                f"{self.mode!r}), got {value}."
            )
        return value

    @traitlets.validate("mode")
    def _check_mode(self, proposal: dict) -> str:
        value = proposal["value"]
        if self.streams and value not in self.streams:
            known = ", ".join(repr(m) for m in self.streams)
            raise traitlets.TraitError(f"mode must be one of {known}, got {value!r}.")
        return value

    @traitlets.validate("speed")
    def _check_speed(self, proposal: dict) -> float:
        if not proposal["value"] > 0:
            raise traitlets.TraitError(
                "speed is in steps per second and must be positive, "
                f"got {proposal['value']}."
            )
        return proposal["value"]

    @traitlets.observe("mode", "streams", "compare")
    def _clamp_cursor(self, change: dict) -> None:
        last = len(self._events()) - 1
        if self.cursor > last:
            self.cursor = last

    # -- playback from the kernel ------------------------------------------------------

    def step(self, n: int = 1) -> None:
        """Advance the cursor by `n` events (stops at the last one)."""
        self.cursor = max(-1, min(self.cursor + n, len(self._events()) - 1))

    def back(self, n: int = 1) -> None:
        """Move the cursor back by `n` events (stops at -1, before the first)."""
        self.step(-n)

    def play(self) -> None:
        """Start playing in the browser view (from the start if at the end)."""
        if self.cursor >= len(self._events()) - 1:
            self.cursor = -1
        self.playing = True

    def pause(self) -> None:
        """Stop playing."""
        self.playing = False

    # -- export --------------------------------------------------------------------

    def save_html(self, path: str | Path, title: str = "mlgraph") -> Path:
        """Write a self-contained page that plays with no kernel and no network.

        All JS (the widget, the Graphviz WASM engine) and CSS are inline; a small model
        stand-in replaces the Jupyter widget manager.
        """
        path = Path(path)
        path.write_text(standalone_html(self, title), encoding="utf-8")
        return path


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body {{ margin: 16px; background: #fff; }} {css}</style></head>
<body>
<div id="mlgraph-root"></div>
<script type="application/json" id="mlgraph-data">{data}</script>
<script type="module">
// Stand-in for the Jupyter widget manager: the model API the widget uses in JupyterLab.
const data = JSON.parse(document.getElementById("mlgraph-data").textContent);
const blobURL = (src) =>
  URL.createObjectURL(new Blob([src], {{ type: "text/javascript" }}));
function makeModel(attrs, manager) {{
  const listeners = new Map();
  return {{
    get: (k) => attrs[k],
    set(k, v) {{
      const old = attrs[k];
      attrs[k] = v;
      if (old !== v) for (const f of [...(listeners.get("change:" + k) ?? [])]) f();
    }},
    save_changes() {{}},
    send() {{}},
    on(ev, f) {{ listeners.set(ev, [...(listeners.get(ev) ?? []), f]); }},
    off(ev, f) {{
      listeners.set(ev, (listeners.get(ev) ?? []).filter((g) => g !== f));
    }},
    widget_manager: manager,
  }};
}}
const engine = makeModel({{ source: data.engine }}, null);
const model = makeModel(data.state, {{ get_model: async () => engine }});
const el = document.getElementById("mlgraph-root");
el.mlgraphModel = model;  // for scripted checks (benchmarks/widget), not the view
const widget = await import(blobURL(data.esm));
await widget.default.render({{ model, el }});
</script>
</body></html>
"""


def _inline_json(obj: Any) -> str:
    """JSON safe inside a <script> element (no `</script>`, no `<!--`)."""
    text = json.dumps(obj, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def standalone_html(widget: GraphWidget, title: str = "mlgraph") -> str:
    """The text of `GraphWidget.save_html`."""
    state = {
        name: getattr(widget, name)
        for name in (
            "graph",
            "streams",
            "tables",
            "mode",
            "cursor",
            "speed",
            "max_nodes",
            "compare",
            "collapse",
        )
    }
    state.update(playing=False, engine="IPY_MODEL_engine")
    data = {
        "state": state,
        "esm": (STATIC / "widget.js").read_text(encoding="utf-8"),
        "engine": (STATIC / "engine.js").read_text(encoding="utf-8"),
    }
    css = (STATIC / "widget.css").read_text(encoding="utf-8").replace("</", "<\\/")
    return _PAGE.format(title=html.escape(title), css=css, data=_inline_json(data))
