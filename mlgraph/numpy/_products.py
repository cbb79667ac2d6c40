"""Products: dot, vdot, inner, outer, tensordot, einsum, kron, cross, convolve...

On traced values, dot is the matmul primitive (or a product by a scalar), and the
contractions are one einsum node each, so the graph shows the operation the student
wrote. Layer 2.
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from .. import primitives as P
from ..primitives import shape_of
from ._arrays import diagonal
from ._dispatch import assemble, cast, differentiable, no_out, offer
from ._shapes import moveaxis

__all__ = ["dot", "vdot", "inner", "outer", "tensordot", "einsum", "kron", "cross",
           "convolve", "correlate", "vecdot", "matvec", "vecmat"]

_LETTERS = string.ascii_letters


@differentiable(np.dot)
def dot(a: Any, b: Any, out: Any = None) -> Any:
    """The matrix product for 1-D and 2-D operands (a·b for scalars).

    Beyond 2-D, numpy's sum over a's last and b's second-to-last axis.
    """
    no_out("dot", out)
    a, b = assemble(a), assemble(b)
    na, nb = len(shape_of(a)), len(shape_of(b))
    if na == 0 or nb == 0:
        return P.mul(a, b)
    if na > 2 and nb > 2:
        return tensordot(a, b, axes=([-1], [-2]))
    return P.matmul(a, b)


@differentiable(np.vdot)
def vdot(a: Any, b: Any, /) -> Any:
    """Σ a·b over all entries (the arrays flattened)."""
    flat_a = P.reshape(assemble(a), shape=(-1,))
    return P.sum(flat_a * P.reshape(assemble(b), shape=(-1,)))


@differentiable(np.inner)
def inner(a: Any, b: Any, /) -> Any:
    """Σ over the last axes of a and b."""
    a, b = assemble(a), assemble(b)
    if not shape_of(a) or not shape_of(b):
        return P.mul(a, b)
    return tensordot(a, b, axes=([-1], [-1]))


@differentiable(np.outer)
def outer(a: Any, b: Any, out: Any = None) -> Any:
    """Every product aᵢ·bⱼ (both flattened)."""
    no_out("outer", out)
    column = P.reshape(assemble(a), shape=(-1, 1))
    return P.mul(column, P.reshape(assemble(b), shape=(1, -1)))


@differentiable(np.tensordot)
def tensordot(a: Any, b: Any, axes: Any = 2) -> Any:
    """Σ over the given axes of a and b (the last ``axes`` of a with b's first)."""
    a, b = assemble(a), assemble(b)
    na, nb = len(shape_of(a)), len(shape_of(b))
    if np.ndim(axes) == 0:
        axes_a, axes_b = list(range(na - int(axes), na)), list(range(int(axes)))
    else:
        axes_a, axes_b = (list(np.atleast_1d(x)) for x in axes)
    letters_a = list(_LETTERS[:na])
    letters_b = list(_LETTERS[na:na + nb])
    for i, j in zip(axes_a, axes_b, strict=True):
        letters_b[int(j) % nb] = letters_a[int(i) % na]
    shared = set(letters_a) & set(letters_b)
    result = "".join([c for c in letters_a if c not in shared]
                     + [c for c in letters_b if c not in shared])
    subscripts = f"{''.join(letters_a)},{''.join(letters_b)}->{result}"
    return P.einsum(a, b, subscripts=subscripts)


# --- einsum --------------------------------------------------------------------------


def _from_sublists(operands: tuple) -> tuple[str, list]:
    """einsum(op0, sublist0, op1, sublist1, ..., [sublistout]) as subscripts."""
    def text(sub: Any) -> str:
        return "".join("..." if s is Ellipsis else _LETTERS[s] for s in sub)
    pairs = operands[:len(operands) - len(operands) % 2]
    subscripts = ",".join(text(s) for s in pairs[1::2])
    if len(operands) % 2:
        subscripts += "->" + text(operands[-1])
    return subscripts, list(pairs[0::2])


def _explicit(subscripts: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """Each operand's letters (ellipses spelled out) and the output's."""
    subscripts = subscripts.replace(" ", "")
    ins, arrow, result = subscripts.partition("->")
    ins = ins.split(",")
    if len(ins) != len(shapes):
        raise ValueError(f"einsum subscripts {subscripts!r} name {len(ins)} operands, "
                         f"but {len(shapes)} were given.")
    spare = [c for c in _LETTERS[::-1] if c not in subscripts]
    most = max((len(s) - len(sub.replace("...", "")) for s, sub in zip(shapes, ins,
                                                                      strict=True)
                if "..." in sub), default=0)
    dots = "".join(spare[:most])
    spelled = [sub.replace("...", dots[most - (len(s) - len(sub.replace("...", ""))):])
               for s, sub in zip(shapes, ins, strict=True)]
    if not arrow:                            # implicit: letters seen once, sorted
        counts = "".join(spelled)
        result = "".join(sorted(c for c in set(counts)
                                if counts.count(c) == 1 and c not in dots))
        result = dots + result
    else:
        result = result.replace("...", dots)
    return spelled, result


@differentiable(np.einsum)
def einsum(*operands: Any, out: Any = None, dtype: Any = None, order: str = "K",
           casting: str = "safe", optimize: Any = False) -> Any:
    """Einstein summation: one einsum node, whose derivatives are einsums too."""
    no_out("einsum", out)
    if isinstance(operands[0], str):
        subscripts, ops = operands[0], [assemble(o) for o in operands[1:]]
    else:
        subscripts, ops = _from_sublists(operands)
        ops = [assemble(o) for o in ops]
    ins, result = _explicit(subscripts, [shape_of(o) for o in ops])
    for k, letters in enumerate(ins):        # a repeated letter: take that diagonal
        while len(set(letters)) < len(letters):
            c = next(c for c in letters if letters.count(c) > 1)
            i = letters.index(c)
            j = letters.index(c, i + 1)
            ops[k] = diagonal(ops[k], 0, i, j)
            letters = letters[:i] + letters[i + 1:j] + letters[j + 1:] + c
        ins[k] = letters
    return cast(P.einsum(*ops, subscripts=f"{','.join(ins)}->{result}"), dtype)


# --- other products ------------------------------------------------------------------


@differentiable(np.kron)
def kron(a: Any, b: Any) -> Any:
    """The Kronecker product: b scaled by each entry of a, as blocks."""
    a, b = assemble(a), assemble(b)
    nd = max(len(shape_of(a)), len(shape_of(b)))
    sa = (1,) * (nd - len(shape_of(a))) + shape_of(a)
    sb = (1,) * (nd - len(shape_of(b))) + shape_of(b)
    blocks = (P.reshape(a, shape=tuple(x for n in sa for x in (n, 1)))
              * P.reshape(b, shape=tuple(x for m in sb for x in (1, m))))
    return P.reshape(blocks, shape=tuple(n * m for n, m in zip(sa, sb, strict=True)))


@differentiable(np.cross)
def cross(a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: Any = None) -> Any:
    """The cross product of 3-vectors (or the z-component for 2-vectors)."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a = moveaxis(assemble(a), axisa, -1)
    b = moveaxis(assemble(b), axisb, -1)
    n, m = shape_of(a)[-1], shape_of(b)[-1]
    if n == m == 2:
        return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    if n != 3 or m != 3:
        raise ValueError("cross of traced values needs two 3-vectors (or 2-vectors)")
    c = P.stack(a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1],
                a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2],
                a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0], axis=-1)
    return moveaxis(c, -1, axisc)


def _full_convolution(a: Any, v: Any) -> Any:
    """(a ∗ v)[k] = Σⱼ a[k − j]·v[j], as a gather of a (zero-padded) times v."""
    n, m = shape_of(a)[0], shape_of(v)[0]
    zeros = np.zeros(m - 1)
    padded = P.concatenate(zeros, a, zeros, axis=0) if m > 1 else a
    k, j = np.ogrid[:n + m - 1, :m]
    return P.matmul(padded[k + m - 1 - j], v)


@differentiable(np.convolve)
def convolve(a: Any, v: Any, mode: str = "full") -> Any:
    """The discrete convolution of two vectors (modes full, same, valid)."""
    a, v = assemble(a), assemble(v)
    if shape_of(v)[0] > shape_of(a)[0]:
        a, v = v, a
    n, m = shape_of(a)[0], shape_of(v)[0]
    full = _full_convolution(a, v)
    if mode == "full":
        return full
    start = (m - 1) // 2 if mode == "same" else m - 1
    stop = start + n if mode == "same" else n
    return full[start:stop]


@differentiable(np.correlate)
def correlate(a: Any, v: Any, mode: str = "valid") -> Any:
    """The cross-correlation of two vectors: a convolved with v reversed."""
    return convolve(a, assemble(v)[::-1], mode)


def _vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    return P.sum(x1 * x2, axis=axis)


vecdot = offer("vecdot", lambda x1, x2: _vecdot(x1, x2))
matvec = offer("matvec", lambda a, v: P.matmul(a, P.reshape(
    v, shape=shape_of(v) + (1,)))[..., 0])
vecmat = offer("vecmat", lambda v, a: P.matmul(P.reshape(
    v, shape=shape_of(v)[:-1] + (1, shape_of(v)[-1])), a)[..., 0, :])
