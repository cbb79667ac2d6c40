"""mlgraph: computation graphs and automatic differentiation you can watch.

Trace a function into a graph, run its evaluation, forward-mode and reverse-mode sweeps
as streams of events, and read the lecture's trace tables, or animate them in
JupyterLab.

Example:
    >>> import mlgraph as mg
    >>> f = lambda x1, x2: mg.log(x1) + x1 * x2 - mg.sin(x2)
    >>> [round(float(d), 3) for d in mg.grad(f, argnums=(0, 1))(2.0, 5.0)]
    [5.5, 1.716]
"""

from __future__ import annotations

from typing import Any

from . import interop, numpy
from .errors import debug_nans
from .events import Event, replay
from .gradcheck import check_grad, check_grads, gradcheck, numerical_grad
from .graph import Graph, Node, local_partials
from .jacobians import hessian, jacobian
from .modes import default_modes, forward_memory, pass_counts, run
from .primitives import PRIMITIVES, Primitive
from .sweeps import eval_sweep, forward_sweep, reverse_sweep
from .tables import trace_table
from .tracer import Tensor, name, scope, trace
from .transforms import grad, jvp, value_and_grad, vjp

__version__ = "0.1.0"

# numpy's functions on a traced value run mlgraph.numpy's of the same name (np.sum(x)).
interop.register_rules(numpy.COVERAGE)

log = numpy.log
exp = numpy.exp
sin = numpy.sin
cos = numpy.cos
tanh = numpy.tanh
sigmoid = numpy.sigmoid
relu = numpy.relu
sqrt = numpy.sqrt

# The UI layer (anywidget, ipywidgets, matplotlib, graphviz) loads on first use only,
# so the headless core imports without any of them.
_LAZY = {
    "GraphWidget": "widget", "show": "controls", "explore": "controls",
    "TrainingWidget": "training_widget", "nn": "nn", "datasets": "datasets",
    "Trainer": "trainer", "symbolic": "symbolic",
}

__all__ = [
    "Event", "Graph", "Node", "PRIMITIVES", "Primitive", "Tensor", "check_grad",
    "check_grads", "cos", "numerical_grad",
    "debug_nans", "gradcheck",
    "eval_sweep", "exp", "forward_memory", "forward_sweep", "grad", "hessian",
    "jacobian", "jvp",
    "local_partials", "log", "name", "numpy", "pass_counts", "default_modes", "relu",
    "replay", "reverse_sweep", "run",
    "scope", "sigmoid", "sin", "sqrt", "tanh", "trace", "trace_table", "value_and_grad",
    "vjp",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mlgraph' has no attribute {name!r}")
    import importlib

    mod = importlib.import_module(f".{module}", __name__)
    value = mod if name == module else getattr(mod, name)
    globals()[name] = value
    return value
