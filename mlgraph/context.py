"""What a traced function can say about its own graph: scopes and names.

`scope` groups the nodes recorded inside a ``with`` block (``layer1/act``), `name`
gives one value the name a lecture writes for it (``z``, ``h``, ``ŷ``, ``L``). The open
scope path is a context variable, so a scope in one thread or asyncio task never labels
another's nodes. Layer 2: imports layer 0 only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TypeVar

__all__ = ["scope", "name", "current_scope", "SCOPE", "OPEN"]

# NOTE: a trace itself is carried by its Tensors (their ``_trace``): there is no global
# "current trace" to keep per thread; only the scope path is context state.
SCOPE: ContextVar[str] = ContextVar("mlgraph_scope", default="")
"""The path of the open `scope` blocks, ``"layer1/act"`` (``""``: none)."""

OPEN: list[object] = []
"""One entry per `scope` block open in any thread: the tracer reads `SCOPE` only while
some scope is open anywhere (a context variable costs a call per recorded node)."""

T = TypeVar("T")


def current_scope() -> str:
    """The path of the open `scope` blocks, ``"layer1/act"`` (``""``: none)."""
    return SCOPE.get()


@contextlib.contextmanager
def scope(name: str) -> Iterator[None]:
    """Group the nodes recorded inside this block under ``name`` (e.g. ``"layer1"``).

    Scopes nest (``layer1/linear``). The graph widget draws a scope as one box that
    collapses into a single node, so a tensor graph of an MLP reads layer by layer.
    """
    if not isinstance(name, str) or not name or "/" in name:
        raise ValueError(f"a scope name must be a non-empty string without '/', "
                         f"got {name!r}.")
    outer = SCOPE.get()
    token = SCOPE.set(f"{outer}/{name}" if outer else name)
    OPEN.append(token)                     # NOTE: append and remove are atomic
    try:
        yield
    finally:
        OPEN.remove(token)
        SCOPE.reset(token)


def name(value: T, label: str) -> T:
    """Name a value as the lecture does (``z``, ``h``, ``ŷ``, ``L``) and return it.

    Inside a trace the value's node gets the name: `str(graph)` and the trace tables
    write it beside the node (``v3 (z) = v1 @ v2``), the command line prints it, and
    the graph JSON carries it as the node's ``label`` for the widget. A `Tensor`
    outside a trace keeps it as its ``name`` (its label when it becomes an input);
    anything else is returned unchanged, so the same code runs untraced. The name is
    stored as given; the views escape it.

    Example:
        >>> import mlgraph as mg
        >>> def neuron(x, w, b):
        ...     z = mg.name(x * w + b, "z")
        ...     return mg.name(mg.sigmoid(z), "ŷ")
        >>> print(mg.trace(neuron, 2.0, 0.5, -1.0))
        v0 = x
        v1 = w
        v2 = b
        v3 = v0 × v1
        v4 (z) = v3 + v2
        v5 (ŷ) = σ(v4)
        ŷ = v5
    """
    if not isinstance(label, str) or not label.strip():
        raise ValueError(f"a name must be a non-empty string, got {label!r}.")
    trace = getattr(value, "_trace", None)
    if trace is not None and trace.open:
        trace.name(value._id, label)
    elif hasattr(value, "_trace"):
        value.name = label
    return value
