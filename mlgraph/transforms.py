"""The functional API (as in JAX): grad, value_and_grad (with has_aux), jvp, vjp.

Each traces ``f`` once and drains the sweeps of `mlgraph.sweeps` with event recording
off: the numbers returned are computed by exactly the code the widget animates.
Layer 3: imports layers 0-3.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .arguments import bind, param_names
from .errors import ValueDependence
from .graph import Graph
from .reuse import Flat, Watch, flatten
from .sweeps import (
    _cotangent_seed,
    _eval,
    _forward,
    _reverse,
    _seeds,
    _zeros,
    drain,
    primal_values,
)
from .tracer import Tensor, trace, trace_inputs

__all__ = ["grad", "value_and_grad", "jvp", "vjp"]


def _argnums(argnums: int | Sequence[int], n: int, fname: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for a in nums:
        if not -n <= a < n:
            raise ValueError(f"argnums={argnums!r} but {fname} was called with {n} "
                             f"positional argument{'s' * (n != 1)}.")
    return tuple(a % n for a in nums)


def _trace_wrt(f: Callable, args: tuple, kwargs: dict, nums: tuple[int, ...]) -> Graph:
    """Trace f with the arguments in ``nums`` as inputs; the others are constants."""
    fn, names, values, fixed = bind(f, args, kwargs, nums)
    return trace_inputs(fn, names, values, fixed=fixed, renumber=False,
                        fn_name=getattr(f, "__name__", "f"))


def _scalar_output(g: Graph, fname: str, api: str) -> None:
    outputs = g.outputs
    if len(outputs) != 1:
        raise ValueError(
            f"{api} needs {fname} to return a scalar, but it returned {len(outputs)} "
            "values. Differentiate one of them (or their sum), use has_aux=True for a "
            "(value, aux) pair, or jacobian / vjp for several outputs.")
    out = g.values[outputs[0]]
    if type(out) is np.float64:
        return
    shape = np.shape(out)
    if shape != ():
        raise ValueError(
            f"{api} needs {fname} to return a scalar, but it returned shape {shape}. "
            "Reduce it first (e.g. return loss.sum() or loss.mean()) or use vjp for "
            "non-scalar outputs.")


def _result(x: Any, like: Any) -> Any:
    """Gradients come back with their input's dtype and as numpy unless traced."""
    if type(x) is np.float64 and type(like) is float:   # NOTE: the scalar case, quickly
        return x
    if isinstance(x, Tensor):
        return x
    if (isinstance(x, np.ndarray) and isinstance(like, np.ndarray)
            and x.dtype == like.dtype):
        # NOTE: a broadcast cotangent is a read-only view; hand out a writable array
        return x if x.flags.writeable else x.copy()
    out = np.asarray(x, dtype=np.asarray(getattr(like, "value", like)).dtype)
    if out.ndim and not out.flags.writeable:
        out = out.copy()
    return out[()]


def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0, *,
                   has_aux: bool = False, reuse_graph: bool = False) -> Callable:
    """Like `grad`, but the function returns ``(f(*args), gradient)``.

    Args:
        f: a function returning a scalar.
        argnums: which positional argument(s) to differentiate by.
        has_aux: f returns a pair ``(value, aux)``; only ``value`` is differentiated,
            and the function returns ``((value, aux), gradient)``, as JAX's. Traced
            values in ``aux`` (also inside tuples, lists, dicts) come back as numpy.
        reuse_graph: trace ``f`` once per argument structure, then re-run the
            recorded graph (an eval sweep on the new values, then the reverse sweep)
            instead of tracing again: the "trace once, then interpret" of training
            loops. The key is the arguments' structure, never their identity: array
            shapes and dtypes, the layout of tuples, lists and dicts, and the values
            of Python ints, strings and booleans; every array or float not in
            ``argnums`` (also inside a tuple, list or dict) is a data input of the
            graph, fed its current numbers on each call. Arguments of other kinds
            (objects, functions) are traced afresh on every call. If f looks at its
            values while being traced (a comparison, an ``if`` on a traced value),
            the graph could go stale, so f is then traced on every call, as without
            reuse. Arrays f reads from outside (its globals and closures, and those
            of the functions it calls by name) become constants of the graph; they
            are compared with their traced numbers on each call and a change traces
            again (pass big arrays as arguments to skip that comparison).

    Example:
        >>> import mlgraph as mg
        >>> f = lambda x1, x2: mg.log(x1) + x1 * x2 - mg.sin(x2)
        >>> y, (d1, d2) = mg.value_and_grad(f, argnums=(0, 1))(2.0, 5.0)
        >>> round(float(y), 3), round(float(d1), 3), round(float(d2), 3)
        (11.652, 5.5, 1.716)
    """
    call = _value_and_grad(f, argnums, reuse_graph, has_aux)

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        out, grads, aux = call(args, kwargs)
        return ((out, aux) if has_aux else out), grads

    return wrapper


def _value_and_grad(f: Callable, argnums: int | Sequence[int], reuse_graph: bool,
                    has_aux: bool = False) -> Callable[[tuple, dict], tuple]:
    """``call(args, kwargs) -> (value, gradient, aux)``, for `value_and_grad`, `grad`.

    The argument numbers are checked once per number of arguments. With ``has_aux``,
    f is traced through a wrapper that keeps the aux of the latest trace in a box.
    """
    fname = getattr(f, "__name__", "f")
    cache: dict[tuple, Graph] = {}
    plans: dict[int, tuple[tuple[int, ...], list[str] | None]] = {}
    single = isinstance(argnums, int)
    box: list = []
    traced = _value_of_pair(f, box, fname) if has_aux else f

    def call(args: tuple, kwargs: dict) -> tuple[Any, Any, Any]:
        plan = plans.get(len(args))
        if plan is None:
            plan = plans[len(args)] = _plan(traced, argnums, len(args), fname)
        nums, names = plan
        if reuse_graph and not kwargs and not _any_tensor(args):
            out, grads, aux = _reused(traced, cache, args, nums, fname, box)
        else:
            out, grads = _fresh(traced, args, kwargs, nums, fname,
                                None if kwargs else names)
            aux = _tree_map(_detached, box.pop()) if box else None
        return out, (grads[0] if single else grads), aux

    return call


def _plan(f: Callable, argnums: int | Sequence[int], n: int, fname: str
          ) -> tuple[tuple[int, ...], list[str] | None]:
    """The argument numbers for n positional arguments (checked), and f's names.

    The names only when the numbers are all the arguments in order: f is then traced
    as it is, without binding (else ``None``).
    """
    nums = _argnums(argnums, n, fname)
    return nums, (param_names(f, n) if nums == tuple(range(n)) else None)


def _value_of_pair(f: Callable, box: list, fname: str) -> Callable:
    """f returning ``(value, aux)`` as a function returning ``value``; aux into box."""
    @functools.wraps(f)
    def value_only(*args: Any) -> Any:
        out = f(*args)
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            size = f" of length {len(out)}" if isinstance(out, (tuple, list)) else ""
            raise TypeError(f"has_aux=True needs {fname} to return a pair (value, "
                            f"aux), but it returned a {type(out).__name__}{size}. "
                            "Return (loss, aux), or leave has_aux out.")
        box[:] = [out[1]]
        return out[0]

    return value_only


def _tree_map(fn: Callable, tree: Any) -> Any:
    """fn on every leaf of nested tuples, lists and dicts."""
    if isinstance(tree, (tuple, list)):
        return type(tree)(_tree_map(fn, t) for t in tree)
    if isinstance(tree, dict):
        return {k: _tree_map(fn, v) for k, v in tree.items()}
    return fn(tree)


def _detached(a: Any) -> Any:
    """An aux value as numpy, unless it belongs to an enclosing trace still open."""
    if isinstance(a, Tensor) and not (a._trace is not None and a._trace.open):
        return a.value
    return a


_RETRACE = object()


def _any_tensor(args: tuple) -> bool:
    for a in args:
        if isinstance(a, Tensor):
            return True
    return False


def _fresh(f: Callable, args: tuple, kwargs: dict, nums: tuple[int, ...], fname: str,
           names: list[str] | None = None) -> tuple[Any, tuple]:
    """Trace f now, then drain the reverse sweep.

    ``names``: f's parameter names when every argument is an input (no binding).
    """
    g = (trace_inputs(f, names, args, renumber=False, fn_name=fname)
         if names is not None else _trace_wrt(f, args, kwargs, nums))
    _scalar_output(g, fname, "grad")
    values = primal_values(g)
    adj = drain(_reverse(g, values, _cotangent_seed(g, None), False))
    grads = tuple([_result(adj[i], args[k])
                   for i, k in zip(g.inputs, nums, strict=True)])
    return values[g.outputs[0]], grads


def _reused(f: Callable, cache: dict, args: tuple, nums: tuple[int, ...], fname: str,
            box: list) -> tuple[Any, tuple, Any]:
    """value_and_grad on a graph traced once per argument structure (``reuse_graph``).

    The arguments are keyed by structure (`mlgraph.reuse.flatten`), never by identity;
    what can't be keyed is traced afresh. An aux (``has_aux``) is read from the re-run
    graph's values.
    """
    flat = flatten(args, nums)
    entry = _RETRACE if flat is None else cache.get(flat[0])
    if entry is None or (entry is not _RETRACE and entry[2] is not None
                         and entry[2].changed()):
        entry = cache[flat[0]] = _trace_for_reuse(f, Flat(args, nums), flat[1], fname,
                                                  box)
    if entry is _RETRACE:
        out, grads = _fresh(f, args, {}, nums, fname)
        return out, grads, (_tree_map(_detached, box.pop()) if box else None)
    g, seed, _, aux = entry
    values = drain(_eval(g, flat[1], False))
    adj = drain(_reverse(g, values, seed, False))
    # NOTE: the data inputs come after the differentiated ones and get no gradient
    grads = tuple(_result(adj[i], args[k])
                  for i, k in zip(g.inputs, nums, strict=False))
    if aux is not None:
        aux = _tree_map(lambda a: values[a.id] if type(a) is _Node else a, aux)
    return values[g.outputs[0]], grads, aux


class _Node:
    """An aux leaf that is node ``id`` of a reused graph."""

    __slots__ = ("id",)

    def __init__(self, node_id: int) -> None:
        self.id = node_id


def _trace_for_reuse(f: Callable, flat: Flat, leaves: list, fname: str, box: list
                     ) -> Any:
    """(graph, output cotangent, watch, aux by node), or _RETRACE if f looks at values.

    _RETRACE too if an aux value can't be read from the graph's nodes. The watch is
    ``None`` when f reads no array from outside.
    """
    watch = Watch(f)
    try:
        names = flat.names(param_names(f, len(flat.args)))
        g = trace_inputs(flat.function(f), names, leaves, n_diff=len(flat.nums),
                         renumber=False, strict=True, fn_name=fname)
    except ValueDependence:
        # NOTE: f looks at its values (a comparison, np.asarray, an `if`), so a
        # recorded graph could go stale: trace every call instead, as without reuse.
        return _RETRACE
    _scalar_output(g, fname, "grad")
    aux = None
    if box:
        def node_of(a: Any) -> Any:
            if not isinstance(a, Tensor):
                return a
            if 0 <= a._id < len(g) and g.values[a._id] is a.value:
                return _Node(a._id)
            raise ValueDependence("an aux value is not a node of this graph")
        try:
            aux = _tree_map(node_of, box.pop())
        except ValueDependence:
            return _RETRACE
    return g, _cotangent_seed(g, None), (watch if watch.entries else None), aux


def grad(f: Callable, argnums: int | Sequence[int] = 0, *, has_aux: bool = False
         ) -> Callable:
    """The gradient of a scalar function, by reverse mode.

    Args:
        f: a function of floats / arrays / Tensors returning a scalar.
        argnums: which positional argument(s) to differentiate by. Unused inputs get
            zero gradients.
        has_aux: f returns ``(value, aux)``; the function then returns
            ``(gradient, aux)``, as JAX's.

    Returns:
        A function with f's signature returning ∂f/∂x (a tuple for several argnums).

    Raises:
        ValueError: if f's output is not a scalar (use `vjp`).
        TypeError: if an argument can't be traced (a list, a string, an integer).

    Example:
        >>> import mlgraph as mg
        >>> cube = lambda x: x ** 3
        >>> float(mg.grad(cube)(2.0)), float(mg.grad(mg.grad(cube))(2.0))
        (12.0, 12.0)
    """
    call = _value_and_grad(f, argnums, False, has_aux)

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _, grads, aux = call(args, kwargs)
        return (grads, aux) if has_aux else grads

    return wrapper


def _outputs(g: Graph, per_node: Sequence[Any], like: Sequence[Any]) -> Any:
    """One value per output (a tuple for several), missing ones as zeros."""
    got = [per_node[i] if per_node[i] is not None else _zeros(like[i])
           for i in g.outputs]
    return got[0] if len(got) == 1 else tuple(got)


def jvp(f: Callable, primals: Sequence[Any], tangents: Sequence[Any]
        ) -> tuple[Any, Any]:
    """Forward mode: ``(f(*primals), J·tangents)`` in one forward-mode sweep.

    A function returning a tuple ``(y1, y2)`` gets tuples back: the slides' "both
    outputs' tangents in one forward pass".

    Example:
        >>> import mlgraph as mg
        >>> y, y_dot = mg.jvp(lambda x1, x2: mg.log(x1) + x1 * x2 - mg.sin(x2),
        ...                   (2.0, 5.0), (1.0, 0.0))
        >>> float(y_dot)
        5.5
        >>> (y1, y2), (t1, t2) = mg.jvp(lambda w1: (mg.sin(w1 * 2.0 + 0.5),
        ...                                         mg.cos(w1 * 2.0 + 0.5)),
        ...                             (1.5,), (1.0,))
        >>> round(float(t1), 3), round(float(t2), 4)
        (-1.873, 0.7016)
    """
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp got {len(primals)} primals but {len(tangents)} "
                         "tangents; give one tangent per primal, with the same shape.")
    g = trace(f, *primals)
    values = primal_values(g)
    seeds = _seeds(g, None, tangents)
    tans = drain(_forward(g, values, seeds, False, False))
    return _outputs(g, values, values), _outputs(g, tans, values)


def vjp(f: Callable, *primals: Any) -> tuple[Any, Callable]:
    """Reverse mode for any output shape: ``(f(*primals), vjp_fn)``.

    ``vjp_fn(ȳ)`` returns one cotangent per primal, ``x̄ = Jᵀ ȳ``, re-running the reverse
    sweep on the same graph for every ȳ (one pass per output direction). For a function
    returning a tuple, ȳ is a tuple with one cotangent per output (``None``: zero).

    Example:
        >>> import numpy as np, mlgraph as mg
        >>> y, pullback = mg.vjp(lambda x: x * x, np.array([1.0, 2.0]))
        >>> pullback(np.array([1.0, 1.0]))
        (array([2., 4.]),)
    """
    g = trace(f, *primals)
    values = primal_values(g)

    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        seed = _cotangent_seed(g, cotangent)
        adj = drain(_reverse(g, values, seed, False))
        return tuple(_result(adj[i], p)
                     for i, p in zip(g.inputs, primals, strict=True))

    return _outputs(g, values, values), vjp_fn
