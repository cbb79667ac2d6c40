"""Every primitive of mlgraph, by family, and the registry they join.

`core` holds the `Primitive` record and the registry; each family module holds one block
per primitive (forward, jvp, vjp and its other knowledge): `elementwise` (arithmetic and
functions of one variable), `shapes` (shape and indexing), `reductions`, `linalg` and
`neural` (neural-network functions). A new primitive goes into its family's module and
joins ``PRIMITIVES`` (and every registry-driven test) by being defined. Layer 0: numpy
and the standard library only.
"""

from __future__ import annotations

from .core import PRIMITIVES, UFUNCS, Primitive, Traced, define, shape_of, value_of
from .elementwise import (
    abs,
    add,
    cos,
    div,
    exp,
    log,
    maximum,
    mul,
    neg,
    pow,
    sin,
    sqrt,
    sub,
    tanh,
    where,
)
from .linalg import matmul
from .neural import log_softmax, relu, sigmoid, softmax, softplus
from .reductions import logsumexp, max, mean, sum
from .shapes import (
    broadcast_to,
    concatenate,
    getitem,
    index_add,
    reshape,
    stack,
    transpose,
)

__all__ = [
    "Primitive", "PRIMITIVES", "UFUNCS", "define", "Traced", "value_of", "shape_of",
    "add", "sub", "mul", "div", "pow", "maximum", "where", "neg", "exp", "log", "sin",
    "cos", "tanh", "abs", "sqrt", "reshape", "transpose", "broadcast_to", "getitem",
    "index_add", "concatenate", "stack", "sum", "mean", "max", "logsumexp", "matmul",
    "sigmoid", "softplus", "relu", "softmax", "log_softmax",
]
