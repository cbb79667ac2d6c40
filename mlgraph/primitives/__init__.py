"""Every primitive of mlgraph, by family, and the registry they join.

`core` holds the `Primitive` record and the registry; each family module holds one block
per primitive (forward, jvp, vjp and its other knowledge): `elementwise` (arithmetic and
functions of one variable), `mathfuncs` (more functions of one and two variables),
`shapes` (shape, indexing and ordering), `reductions`, `linalg` (products, inverse,
determinant, solve, norm, einsum), `decompositions` (Cholesky, eigh, SVD) and `neural`
(neural-network functions and threshold units). A new primitive goes into its
family's module and joins ``PRIMITIVES`` (and every registry-driven test) by being
defined. Layer 0: numpy and the standard library only.
"""

from __future__ import annotations

from .core import PRIMITIVES, UFUNCS, Primitive, Traced, define, shape_of, value_of
from .decompositions import (
    cholesky,
    eigh_vectors,
    eigvalsh,
    svd_u,
    svd_vh,
    svdvals,
)
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
from .linalg import det, einsum, inv, logabsdet, matmul, norm, pinv, solve
from .mathfuncs import (
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    cbrt,
    cosh,
    exp2,
    expm1,
    fmod,
    hypot,
    log1p,
    log2,
    log10,
    logaddexp,
    logaddexp2,
    mod,
    sinh,
    tan,
)
from .neural import log_softmax, relu, sigmoid, sign, softmax, softplus, step
from .reductions import cumsum, logsumexp, max, mean, prod, sum
from .shapes import (
    astype,
    broadcast_to,
    concatenate,
    getitem,
    index_add,
    index_set,
    reshape,
    sort,
    stack,
    transpose,
)

__all__ = [
    "Primitive", "PRIMITIVES", "UFUNCS", "define", "Traced", "value_of", "shape_of",
    "add", "sub", "mul", "div", "pow", "maximum", "where", "neg", "exp", "log", "sin",
    "cos", "tanh", "abs", "sqrt", "reshape", "transpose", "broadcast_to", "getitem",
    "index_add", "concatenate", "stack", "sum", "mean", "max", "logsumexp", "matmul",
    "sigmoid", "softplus", "relu", "softmax", "log_softmax",
    "log1p", "expm1", "exp2", "log2", "log10", "tan", "arcsin", "arccos", "arctan",
    "sinh", "cosh", "arcsinh", "arccosh", "arctanh", "cbrt", "logaddexp", "logaddexp2",
    "arctan2", "hypot", "mod", "fmod", "sign", "step", "index_set", "astype", "sort",
    "prod", "cumsum", "inv", "det", "logabsdet", "solve", "pinv", "norm", "einsum",
    "cholesky", "eigvalsh", "eigh_vectors", "svdvals", "svd_u", "svd_vh",
]
