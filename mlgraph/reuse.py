"""Re-running one traced graph for new arguments (`value_and_grad`'s ``reuse_graph``).

A reused graph is keyed by the *structure* of the arguments, never by their identity:
the shapes and dtypes of the arrays, the layout of tuples, lists and dicts (as JAX's
pytrees), and the values of plain Python ints, strings, booleans and ``None``. Every
array (and float) inside a container becomes a data input of the graph, so a fresh
``(X, y)`` tuple per step, or a list changed in place, feeds its current numbers. An
argument of any other kind (an object, a function) is not keyed at all: f is traced
afresh on every such call. Arrays that f reads from its globals or closures (and those
of the plain functions it calls by name) are baked into the graph as constants, so they
are watched: a changed one (rebound or changed in place) makes f be traced again.
Layer 3.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np

__all__ = ["Flat", "flatten", "Watch"]

_STATIC = (int, str, bool, type(None), np.integer, np.bool_)


class Flat(NamedTuple):
    """The arguments of one call, as a graph is traced for them (see `flatten`).

    Attributes:
        args: the arguments.
        nums: the differentiated arguments' positions.
    """

    args: tuple
    nums: tuple[int, ...]

    def _structure(self) -> tuple[list[tuple], list]:
        """Per leaf its path, per argument its structure.

        A path is the argument's position, then the leaf's place inside it; the
        structure of a differentiated argument is ``None``.
        """
        paths: list[tuple] = [(k,) for k in self.nums]
        trees = [None if k in self.nums else _tree(a, (k,), [], paths)
                 for k, a in enumerate(self.args)]
        return paths, trees

    def names(self, params: Sequence[str]) -> list[str]:
        """The leaves' names from f's parameter names: ``b[0]``, ``batch['X']``."""
        return [params[p[0]] + "".join(f"[{k!r}]" for k in p[1:])
                for p in self._structure()[0]]

    def function(self, f: Callable) -> Callable:
        """f as a function of the leaves, rebuilding every container around them."""
        trees = self._structure()[1]
        nums, n_diff = self.nums, len(self.nums)

        def fn(*xs: Any) -> Any:
            data = iter(xs[n_diff:])
            args = [xs[nums.index(k)] if tree is None else _rebuild(tree, data)
                    for k, tree in enumerate(trees)]
            return f(*args)

        return fn


_FLOAT = ("float",)


def _leaf(a: Any) -> tuple | None:
    """The key of an array or a float leaf (``None``: not a numeric leaf)."""
    if type(a) is np.ndarray:
        return ("array", a.shape, a.dtype) if a.dtype.kind in "biuf" else None
    if type(a) is float:
        return _FLOAT
    if isinstance(a, np.floating):
        return ("array", (), a.dtype)
    return None


def _tree(a: Any, path: tuple, leaves: list, paths: list) -> tuple | None:
    """a's structure (hashable), its numeric leaves appended; ``None``: not keyable."""
    spec = _leaf(a)
    if spec is not None:
        leaves.append(a)
        paths.append(path)
        return spec
    if isinstance(a, _STATIC):
        return ("static", type(a), a)
    if type(a) in (tuple, list):
        kids = tuple(_tree(x, (*path, i), leaves, paths) for i, x in enumerate(a))
        return None if None in kids else (type(a), kids)
    if type(a) is dict and all(isinstance(k, (str, int)) for k in a):
        kids = tuple(_tree(v, (*path, k), leaves, paths) for k, v in a.items())
        return None if None in kids else (dict, tuple(a), kids)
    return None


def _rebuild(tree: tuple, data: Iterator[Any]) -> Any:
    kind = tree[0]
    if kind in ("array", "float"):
        return next(data)
    if kind == "static":
        return tree[2]
    if kind is dict:
        return {k: _rebuild(t, data) for k, t in zip(tree[1], tree[2], strict=True)}
    return kind(_rebuild(t, data) for t in tree[1])


def flatten(args: tuple, nums: tuple[int, ...]) -> tuple[tuple, list] | None:
    """``(key, leaves)`` of a call, or ``None`` if an argument can't be keyed.

    The key is what a graph depends on (hashable): structure, shapes, dtypes, statics;
    the leaves are the differentiated arguments, then every data array or float found
    in the others, depth first (the graph's inputs, in order). ``None``: trace afresh.

    Args:
        args: f's positional arguments.
        nums: the differentiated ones (each must be an array or a float).
    """
    # NOTE: the common case first, in one pass: every argument an array (a training
    # loop's parameters and batch)
    key: list = [nums]
    for a in args:
        if type(a) is not np.ndarray:   # NOTE: a non-numeric one is refused when traced
            break
        key.append((a.shape, a.dtype))
    else:
        leaves = [args[k] for k in nums]
        leaves += [a for k, a in enumerate(args) if k not in nums]
        return tuple(key), leaves
    leaves: list = []
    key = [nums, "tree"]
    for k in nums:
        spec = _leaf(args[k])
        if spec is None:
            return None
        leaves.append(args[k])
        key.append(spec)
    for k, a in enumerate(args):
        if k not in nums:
            tree = _tree(a, (k,), leaves, [])
            if tree is None:
                return None
            key.append(tree)
    return tuple(key), leaves


class Watch:
    """The arrays a function reads from outside (globals, closures), to notice changes.

    Follows the plain Python functions f calls by name (not mlgraph's or numpy's own).
    `changed()` compares each array with its numbers when f was traced.
    """

    def __init__(self, f: Callable) -> None:
        self.entries: list[tuple[Callable[[], Any], list[np.ndarray]]] = []
        seen: set[int] = set()
        stack = [f]
        while stack:
            fn = stack.pop()
            code = getattr(fn, "__code__", None)
            module = getattr(fn, "__module__", "") or ""
            if code is None or id(fn) in seen or module.split(".")[0] in (
                    "mlgraph", "numpy"):
                continue
            seen.add(id(fn))
            for cell in fn.__closure__ or ():
                stack += self._add(lambda cell=cell: cell.cell_contents)
            for name in code.co_names:
                if name in fn.__globals__:
                    stack += self._add(lambda g=fn.__globals__, n=name: g[n])

    def _add(self, get: Callable[[], Any]) -> list[Callable]:
        """Watch what ``get()`` returns if it holds arrays; a function, to follow."""
        try:
            value = get()
        except (KeyError, ValueError):
            return []
        if callable(value) and hasattr(value, "__code__"):
            return [value]
        arrays = _arrays(value)
        if arrays:
            self.entries.append((get, [a.copy() for a in arrays]))
        return []

    def changed(self) -> bool:
        """Whether a watched array's numbers (or shape) differ from when traced."""
        for get, copies in self.entries:
            try:
                now = _arrays(get())
            except (KeyError, ValueError):
                return True
            if len(now) != len(copies) or not all(
                    a.shape == c.shape and np.array_equal(a, c)
                    for a, c in zip(now, copies, strict=True)):
                return True
        return False


def _arrays(value: Any) -> list[np.ndarray]:
    """The numpy arrays in a value, a tuple, a list or a dict (one level down)."""
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (tuple, list)):
        return [v for v in value if isinstance(v, np.ndarray)]
    if isinstance(value, dict):
        return [v for v in value.values() if isinstance(v, np.ndarray)]
    return []
