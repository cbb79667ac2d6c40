"""The animated graph widget (anywidget): synced traits in, layout and playback in JS.

`GraphWidget` holds only synced state. The JS view (`js/widget.js`, bundled to
`mlgraph/static/widget.js`) lays the DOT out once with Graphviz compiled to WebAssembly,
and replays the event streams; its controls move `cursor` with no kernel round-trip.
Every text it shows was written here (`mlgraph.display`), from the engine's numbers.

The 0.8 MB Graphviz WASM bundle and the view code are not part of each widget: they live
in one `GraphvizEngine` widget per kernel, referenced by every `GraphWidget`, whose own
ESM is a few-line loader (`js/loader.js`). A saved notebook stores the bundles once.
`save_html` writes a page with its own bundle (`js/page.js`): view, engine and an
in-page model, no kernel and no network.
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

from mlgraph import display
from mlgraph.dot import dot_parts, graph_json, heat_cell, heat_dims, scope_groups
from mlgraph.events import Mode

STATIC = Path(__file__).parent / "static"

#: The node fields the view uses (the rest of Graph JSON stays in the kernel).
NODE_FIELDS = ("id", "name", "label", "op", "kind", "shape", "scope")

#: Above this many inputs only eval, reverse and the chosen mode are precomputed.
MAX_FORWARD_MODES = 8
#: Graphs up to this many nodes get the paths view (scalar graphs only): the lecture
#: graphs; a bigger graph has too many paths to read one by one.
MAX_PATH_NODES = 40

#: Keyword presets of `GraphWidget.from_graph` / `mlgraph.show`.
PRESETS = {
    "notebook": {},
    "lecture": {"predict": True, "speed": 1.0, "font_size": 18},
}


def parse_mode(mode: str) -> Mode:
    """`"eval"`, `"forward:x1"` or `"reverse"` as the core's `mlgraph.events.Mode`.

    The one parser of mode strings on the Python side (`js/modes.js` is the other
    side's).

    Raises:
        ValueError: naming the accepted forms.
    """
    return Mode.parse(mode)


class GraphvizEngine(anywidget.AnyWidget):
    """Carries the Graphviz WASM bundle and the view code once per page.

    Every `GraphWidget` points at one.
    """

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
    """The modes precomputed: `mlgraph.default_modes`, forward ones for few inputs.

    `eval`, forward by each input entry (if there are at most `MAX_FORWARD_MODES`
    inputs), then reverse from each output (entry).
    """
    from mlgraph.modes import default_modes as kernel_modes

    modes = kernel_modes(graph)
    if len(graph.inputs) > MAX_FORWARD_MODES:
        modes = [m for m in modes if not m.startswith("forward")]
    return modes


def _needs_derivative(g: dict) -> set[int]:
    """Nodes that depend on some input.

    The others (constants and what is computed from constants only) never get a tangent
    or an adjoint.
    """
    out = set(g["inputs"])
    for e in sorted(g["edges"], key=lambda e: e["dst"]):
        if e["src"] in out:
            out.add(e["dst"])
    return out


def _sequences(modes: list[str], tangents: dict[str, Any]) -> dict[str, list[str]]:
    """The passes each pane of the compare view runs, one after another.

    Forward: one pass per input entry (the columns of the Jacobian; a directional
    derivative is no column); reverse: one pass per output entry (its rows). Empty
    when a graph lacks either.
    """
    forward = [
        m for m in modes if parse_mode(m).sweep == "forward" and m not in tangents
    ]
    reverse = [m for m in modes if parse_mode(m).sweep == "reverse"]
    return {"forward": forward, "reverse": reverse} if forward and reverse else {}


def widget_data(
    graph: Any, modes: list[str], tangents: dict[str, Any] | None = None
) -> dict[str, dict]:
    """The `graph`, `streams` and `tables` trait values for a traced graph.

    Args:
        graph: the traced graph.
        modes: the modes whose streams are computed.
        tangents: mode -> its explicit direction, for a forward mode by a whole
            non-scalar input (a directional derivative, never all ones by default).
    """
    import mlgraph
    from mlgraph.tables import trace_table

    tangents = tangents or {}
    for m in modes:
        parse_mode(m)
    runs = {m: mlgraph.run(graph, m, tangent=tangents.get(m)) for m in modes}
    streams = {m: [display.event_record(e) for e in ev] for m, ev in runs.items()}
    tables = {}
    for m, ev in runs.items():
        table = trace_table(graph, ev)
        tables[m] = [display.table_record(d) for d in table.to_json()]
    g = graph_json(graph)
    try:
        partials = mlgraph.local_partials(graph)
    except (ValueError, TypeError, NotImplementedError):
        partials = {}
    grad = _needs_derivative(g)
    given = getattr(graph, "names", {})  # mg.name: z, h, ŷ, L as on the slides
    nodes = []
    for n in g["nodes"]:
        node = {k: n[k] for k in NODE_FIELDS if k in n}
        if n["id"] in given:
            node["named"] = given[n["id"]]
        if n["id"] in grad:
            node["grad"] = True
        if n["shape"]:
            node.update(heat=list(heat_dims(n["shape"])), cell=heat_cell(n["shape"]))
        nodes.append(node)
    edges = []
    for e in g["edges"]:
        edge = dict(e)
        lab = partials.get((e["src"], e["dst"], e["argnum"]))
        if lab is not None and e["src"] in grad:
            edge["partial"] = display.partial_record(lab)
        edges.append(edge)
    data: dict[str, Any] = {
        "nodes": nodes,
        "edges": edges,
        "inputs": g["inputs"],
        "outputs": g["outputs"],
        "dot_parts": dot_parts(g),
        "groups": scope_groups(g),
        "sequences": _sequences(modes, tangents),
        "output_names": list(getattr(graph, "output_names", g.get("output_names", []))),
        "directions": {m: display.direction_text(m, t) for m, t in tangents.items()},
        "passes": display.passes(graph),
        "jacobian": display.jacobian(graph, runs),
        "shapes": display.shapes(g),
        "matmul": display.matmul_sums(graph),
    }
    scalar = all(not n["shape"] for n in g["nodes"])
    one_output = len(g["outputs"]) == 1  # paths run from an input to the one output
    if scalar and partials and one_output and len(g["nodes"]) <= MAX_PATH_NODES:
        reverse = runs.get("reverse") or mlgraph.run(graph, "reverse")
        final = {e.node: e.value for e in reverse if e.sweep == "reverse"}
        if all(i in final for i in g["inputs"]):
            data["paths"] = display.path_sums(g, partials, final)
    return {"graph": data, "streams": streams, "tables": tables}


def pack(value: Any) -> Any:
    """Lists of dicts as columns `{"@cols": [...], "@rows": [[...], ...]}`, recursively.

    A missing key becomes null. A column that is the row index (an event's `step`) is
    listed in `"@seq"` and left out of the rows; a column of a few repeated strings
    (`sweep`, `kind`) is sent as indexes into `"@enums"`. `js/traits.js` unpacks it.
    """
    if isinstance(value, dict):
        return {k: pack(v) for k, v in value.items()}
    if not (
        isinstance(value, list) and value and all(isinstance(x, dict) for x in value)
    ):
        return value
    cols = list(dict.fromkeys(k for x in value for k in x))
    columns = {k: [x.get(k) for x in value] for k in cols}
    seq = [k for k in cols if columns[k] == list(range(len(value)))]
    enums = {}
    for k in cols:
        if len(value) >= 8 and all(isinstance(w, str) for w in columns[k]):
            words = sorted(set(columns[k]))
            if len(words) <= 16:
                enums[k] = words
    keep = [k for k in cols if k not in seq]
    index = {k: {w: i for i, w in enumerate(ws)} for k, ws in enums.items()}
    rows = [
        [index[k][x.get(k)] if k in index else pack(x.get(k)) for k in keep]
        for x in value
    ]
    out: dict[str, Any] = {"@cols": keep, "@rows": rows}
    if seq:
        out["@seq"] = seq
    if enums:
        out["@enums"] = enums
    return out


def unpack(value: Any) -> Any:
    """Inverse of `pack` (null entries are dropped)."""
    if isinstance(value, dict) and "@cols" in value:
        cols, enums = value["@cols"], value.get("@enums", {})
        out = []
        for n, row in enumerate(value["@rows"]):
            rec = {k: n for k in value.get("@seq", [])}
            for k, v in zip(cols, row, strict=True):
                if v is not None:
                    rec[k] = enums[k][v] if k in enums else unpack(v)
            out.append(rec)
        return out
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

#: Allowed ranges of the numeric view traits, with what they mean.
_RANGES = {
    "font_size": (
        14,
        40,
        "font_size is the node text size in px, from 14 (the smallest "
        "a projector shows legibly) to 40",
    ),
    "height": (
        240,
        2000,
        "height is the widget's height in px, from 240 to 2000, or 0 to fill the "
        "element it is drawn in",
    ),
}

#: The traits that define a view; `save_html` writes them into the page.
VIEW_TRAITS = (
    "graph",
    "streams",
    "tables",
    "mode",
    "cursor",
    "speed",
    "max_nodes",
    "compare",
    "collapse",
    "font_size",
    "panel",
    "predict",
    "paths",
    "follow",
    "height",
    "title",
    "jacobian",
    "compare_step",
    "pane_cursors",
)


class GraphWidget(anywidget.AnyWidget):
    """A computation graph whose eval, forward and reverse sweeps play step by step.

    Build one with `GraphWidget.from_graph(graph)` or `mlgraph.show(f, x1=2.0, x2=5.0)`.
    Every trait that defines the view (mode, cursor, speed, font size, panel, predict,
    paths, follow) is synced, so a saved notebook or `save_html` page shows it as left.
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
    #: Steps per second while playing (the view offers ½, 1, 2 and 4).
    speed = traitlets.Float(1.0).tag(sync=True)
    playing = traitlets.Bool(False).tag(sync=True)
    max_nodes = traitlets.Int(400).tag(sync=True)
    #: Forward and reverse side by side on one layout, each pane running every pass a
    #: full Jacobian needs (forward: one per input entry; reverse: one per output
    #: entry), one after another; `compare_step` says which pane `cursor` steps.
    compare = traitlets.Bool(False).tag(sync=True)
    #: In the compare view, "both" panes step together, or only the "forward" or the
    #: "reverse" one (the other keeps its step in `pane_cursors`).
    compare_step = traitlets.Enum(["both", "forward", "reverse"], "both").tag(sync=True)
    #: The compare view's step of each pane (forward, reverse) while it is not stepped.
    pane_cursors = traitlets.List(traitlets.Int(), [-1, -1]).tag(sync=True)
    #: The Jacobian panel in place of the trace table: one column per forward pass and
    #: one row per reverse pass, filled as the passes run.
    jacobian = traitlets.Bool(False).tag(sync=True)
    #: Layers (top-level `mlgraph.scope`s) drawn as one node: "auto" collapses them all
    #: beyond `max_nodes` or in a tensor graph (an MLP), "all", or "none". A click on a
    #: layer expands it; a click on its cluster's label collapses it again.
    collapse = traitlets.Enum(["auto", "all", "none"], "auto").tag(sync=True)
    #: Node text size in px at 100% zoom (the view never fits the graph below 14 px).
    font_size = traitlets.Int(16).tag(sync=True)
    #: Where the trace table sits: "auto" (beside on wide outputs, else below),
    #: "beside", "below" or "hidden".
    panel = traitlets.Enum(["auto", "beside", "below", "hidden"], "auto").tag(sync=True)
    #: Predict, then reveal: each new value shows "?" until a second key press.
    predict = traitlets.Bool(False).tag(sync=True)
    #: The paths view: every path from this input to the output with the product of its
    #: local derivatives ("" = off; scalar graphs only).
    paths = traitlets.Unicode("").tag(sync=True)
    #: While playing, the camera keeps the active node in view.
    follow = traitlets.Bool(True).tag(sync=True)
    #: Height of the widget in px (toolbar, narration, graph and table all fit in it);
    #: 0 fills the element it is drawn in (a tab of the training widget).
    height = traitlets.Int(580).tag(sync=True)
    #: A caption shown above the view (plain text).
    title = traitlets.Unicode("").tag(sync=True)
    engine = traitlets.Instance(GraphvizEngine, allow_none=True).tag(
        sync=True, **widget_serialization
    )

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("engine", shared_engine())
        super().__init__(**kwargs)

    @classmethod
    def from_graph(
        cls,
        graph: Any,
        mode: str = "reverse",
        modes: list[str] | None = None,
        preset: str = "notebook",
        tangent: Any = None,
        **kwargs: Any,
    ) -> GraphWidget:
        """A widget for a traced `Graph`, with the streams of `modes` (default: all).

        Args:
            graph: the traced graph.
            mode: the mode shown first: `"reverse"`, `"forward:x1"`, `"forward:w[1]"`
                (one entry of a vector input), `"reverse:y2"` (one of several outputs).
            modes: the modes whose event streams are sent (default: eval, forward by
                each input entry, reverse from each output).
            preset: "notebook", or "lecture" (predict-then-reveal, 1 step/s, 18 px).
            tangent: the direction of `mode` = `"forward:w"` for a whole vector input:
                the view then shows a directional derivative, labelled as one.
            **kwargs: trait values, e.g. `font_size=20`, `panel="below"`.
        """
        if preset not in PRESETS:
            raise ValueError(
                f"unknown preset {preset!r}; use one of "
                f"{', '.join(map(repr, PRESETS))}."
            )
        from mlgraph.modes import resolve_mode

        modes = list(modes or default_modes(graph))
        if mode == "reverse" and "reverse" not in modes:  # several outputs: the first
            mode = next(m for m in modes if parse_mode(m).sweep == "reverse")
        mode = str(resolve_mode(graph, mode, tangent=tangent))  # "forward": "forward:x"
        if tangent is not None and parse_mode(mode).sweep != "forward":
            raise ValueError(
                "tangent= is the direction of a forward mode, but the mode is "
                f"{mode!r}; write e.g. mode='forward:w', tangent=[1, 0, 0, 0]."
            )
        if mode not in modes:
            modes.append(mode)
        tangents = {mode: tangent} if tangent is not None else None
        widget = cls(
            mode=mode,
            **widget_data(graph, modes, tangents),
            **{**PRESETS[preset], **kwargs},
        )
        widget._tangents = tangents or {}
        return widget

    def set_graph(self, graph: Any) -> None:
        """Show a new trace (e.g. new input values), keeping the mode and the step."""
        modes = list(self.streams) or default_modes(graph)
        data = widget_data(graph, modes, getattr(self, "_tangents", None))
        with self.hold_sync():
            n = len(data["streams"].get(self.mode, []))
            self.cursor = min(self.cursor, n - 1)
            self.set_trait("streams", data["streams"])
            self.tables = data["tables"]
            self.graph = data["graph"]

    # -- validation ------------------------------------------------------------------

    def _events(self, mode: str | None = None) -> list:
        if mode is None and self.compare and self.compare_modes():
            panes = dict(zip(("forward", "reverse"), self.compare_modes(), strict=True))
            stepped = [p for s, p in panes.items() if self.compare_step in ("both", s)]
            # the passes of a pane one after another; both: the longer pane
            return max(
                ([e for m in p for e in self.streams.get(m, [])] for p in stepped),
                key=len,
            )
        return self.streams.get(self.mode if mode is None else mode, [])

    def compare_modes(self) -> tuple[list[str], ...]:
        """The passes of the compare view's two panes: (forward ones, reverse ones).

        Every pass a full Jacobian needs that was computed: one forward pass per input
        entry and one reverse pass per output entry (empty if the graph lacks one).
        """
        seq = self.graph.get("sequences", {})
        return (seq["forward"], seq["reverse"]) if seq else ()

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
        try:
            parse_mode(value)
        except ValueError as err:
            raise traitlets.TraitError(str(err)) from None
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

    @traitlets.validate("font_size", "height")
    def _check_range(self, proposal: dict) -> int:
        name = proposal["trait"].name
        lo, hi, what = _RANGES[name]
        if name == "height" and proposal["value"] == 0:  # fill the container
            return 0
        if not lo <= proposal["value"] <= hi:
            raise traitlets.TraitError(f"{what}, got {proposal['value']}.")
        return proposal["value"]

    @traitlets.validate("paths")
    def _check_paths(self, proposal: dict) -> str:
        value, known = proposal["value"], self.graph.get("paths", {})
        if value and value not in known:
            names = (
                ", ".join(map(repr, known)) or "none (only graphs of scalars have it)"
            )
            raise traitlets.TraitError(
                f"paths must name an input of the graph ({names}) or be '', got "
                f"{value!r}."
            )
        return value

    @traitlets.observe("mode", "streams", "compare", "compare_step")
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

    def save_html(self, path: str | Path, title: str | None = None) -> Path:
        """Write a self-contained page that plays with no kernel and no network.

        The view, the Graphviz WASM engine and the CSS are inline (`js/page.js`); the
        page keeps every view trait (mode, cursor, font size, panel, ...).

        Args:
            path: the file to write.
            title: the page's title and caption (default: the widget's `title`).
        """
        path = Path(path)
        path.write_text(standalone_html(self, title), encoding="utf-8")
        return path


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{css}</style></head>
<body class="mlgraph-page">
<main id="mlgraph-root"></main>
<script type="application/json" id="mlgraph-data">{data}</script>
<script type="module">{js}</script>
</body></html>
"""


def _inline_json(obj: Any) -> str:
    """JSON safe inside a <script> element (no `</script>`, no `<!--`)."""
    text = json.dumps(obj, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def standalone_html(widget: GraphWidget, title: str | None = None) -> str:
    """The text of `GraphWidget.save_html`."""
    state = {name: getattr(widget, name) for name in VIEW_TRAITS}
    if title is not None:
        state["title"] = title
    state.update(playing=False)
    css = (STATIC / "widget.css").read_text(encoding="utf-8").replace("</", "<\\/")
    js = (
        (STATIC / "page.js")
        .read_text(encoding="utf-8")
        .replace("</script", "<\\/script")
    )
    return _PAGE.format(
        title=html.escape(state["title"] or "mlgraph"),
        css=css,
        data=_inline_json({"state": state}),
        js=js,
    )
