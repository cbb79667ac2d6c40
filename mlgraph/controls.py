"""Compositions that need Python: `show` and `explore`.

`show` is a graph widget for a function or a traced graph; `explore` adds sliders for
the input values that re-trace and re-run every sweep live.
"""

from __future__ import annotations

import traceback
from typing import Any

import ipywidgets as W

from mlgraph.widget import GraphWidget


def _is_graph(obj: Any) -> bool:
    return hasattr(obj, "nodes") and hasattr(obj, "to_json")


def show(
    f_or_graph: Any,
    mode: str = "reverse",
    preset: str = "notebook",
    tangent: Any = None,
    **inputs: Any,
) -> GraphWidget:
    """A `GraphWidget` for a traced graph, or for `f` traced at `inputs`.

    Args:
        f_or_graph: a function, or a `Graph` from `mlgraph.trace`.
        mode: the mode shown first: "eval", "forward:<input>", "forward:w[1]" (one
            entry of a vector input), "reverse" or "reverse:y2" (one of several
            outputs).
        preset: "notebook", or "lecture" (predict-then-reveal, 1 step/s, larger text).
        tangent: an explicit direction for mode "forward:w" (a whole vector input):
            the view shows that directional derivative, labelled as one.
        **inputs: the input values, by name.

    Example:
        >>> show(lambda x1, x2: mg.log(x1) + x1 * x2 - mg.sin(x2), x1=2.0, x2=5.0)
    """
    import mlgraph

    if _is_graph(f_or_graph):
        if inputs:
            raise TypeError(
                "show got a traced Graph and input values "
                f"({', '.join(inputs)}); the values are already in the graph. "
                "Pass the function instead to trace it at new values."
            )
        graph = f_or_graph
    elif callable(f_or_graph):
        graph = mlgraph.trace(f_or_graph, **inputs)
    else:
        raise TypeError(
            "show needs a function or a traced Graph, "
            f"got {type(f_or_graph).__name__}. "
            "Pass f itself, e.g. show(f, x1=2.0, x2=5.0)."
        )
    return GraphWidget.from_graph(graph, mode=mode, preset=preset, tangent=tangent)


def _slider(name: str, value: float) -> W.FloatSlider:
    if value > 0:
        lo, hi = value / 10, value * 3
    elif value < 0:
        lo, hi = value * 3, value / 10
    else:
        lo, hi = -2.0, 2.0
    return W.FloatSlider(
        value=value,
        min=lo,
        max=hi,
        step=(hi - lo) / 200,
        description=name,
        continuous_update=False,
        readout_format=".4g",
    )


def explore(f: Any, mode: str = "reverse", **inputs: float) -> W.VBox:
    """Sliders for `f`'s input values above its graph widget.

    Moving one re-traces `f` and re-runs every sweep, keeping the mode and the step on
    screen.

    Errors (e.g. a log of a negative number) are shown below the widget.
    """
    import mlgraph

    if not inputs:
        raise TypeError(
            "explore needs a starting value for each input of f, "
            "e.g. explore(f, x1=2.0, x2=5.0)."
        )
    sliders = {name: _slider(name, float(v)) for name, v in inputs.items()}
    widget = show(f, mode=mode, **inputs)
    out = W.Output()

    def retrace(change: dict) -> None:
        out.clear_output()
        with out:
            try:
                values = {name: s.value for name, s in sliders.items()}
                widget.set_graph(mlgraph.trace(f, **values))
            except Exception:  # shown to the student, not swallowed
                traceback.print_exc()

    for s in sliders.values():
        s.observe(retrace, names=["value"])
    box = W.VBox([W.HBox(list(sliders.values())), widget, out])
    box.graph_widget = widget  # for tests and for notebooks that want to drive it
    box.sliders = sliders
    return box
