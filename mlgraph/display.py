"""What the graph widget shows, computed from the engine: the browser formats no number.

The text of every value, tangent, adjoint and local derivative (`mlgraph.tables.fmt`,
the trace tables' own formatter), pooled heatmap grids of tensors, the sums over paths,
and the weighted sums inside a matrix product.

Non-finite numbers are data: they travel as text (∞, −∞, NaN) with a `bad` flag, and in
JSON number fields as the strings "inf", "-inf", "nan" (as `mlgraph.events` does).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mlgraph.dot import heat_dims, shape_text
from mlgraph.tables import fmt

#: Arrays up to this many entries also send each entry's text (the inspector's table).
CELL_TEXTS = 64
#: Paths listed one by one in the paths view; beyond, only their count.
MAX_PATHS = 24
#: Output entries of a matrix product expanded into their weighted sums.
MAX_EXPANDED = 16


def number(v: float) -> float | str:
    """A float for JSON: finite as is, else "inf", "-inf" or "nan"."""
    if math.isfinite(v):
        return v
    return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")


def _array(x: Any) -> np.ndarray:
    return np.asarray(getattr(x, "value", x), dtype=float)


def is_bad(x: Any) -> bool:
    """Whether `x` (a number or an array) has an infinite or NaN entry."""
    return x is not None and not bool(np.isfinite(_array(x)).all())


def grid(x: Any) -> list[list[float | str]]:
    """`x` as the rows × columns of its heatmap (`mlgraph.dot.heat_dims`).

    An axis longer than 16 is average-pooled; entries keep 4 significant digits.
    """
    a = _array(x)
    cols = a.shape[-1] if a.ndim else 1
    a = a.reshape(-1, cols)
    rows_out, cols_out = heat_dims(a.shape)
    with np.errstate(all="ignore"):
        if a.shape[0] > rows_out:
            a = np.stack([c.mean(axis=0) for c in np.array_split(a, rows_out, axis=0)])
        if a.shape[1] > cols_out:
            a = np.stack(
                [c.mean(axis=1) for c in np.array_split(a, cols_out, axis=1)], axis=1
            )
    return [[number(float(f"{v:.4g}")) for v in row] for row in a]


def quantity(x: Any) -> dict:
    """The display fields of one value.

    `text` and `bad`, and for arrays `grid`, `stats` and (up to 64 entries) `cells`,
    every entry's text in row-major order.
    """
    out: dict[str, Any] = {"text": fmt(x)}
    if is_bad(x):
        out["bad"] = True
    a = _array(x)
    if a.ndim:
        out["grid"] = grid(a)
        with np.errstate(all="ignore"):
            finite = a[np.isfinite(a)]
            span = float(np.abs(finite).max()) if finite.size else 0.0
            out["stats"] = {
                "min": fmt(a.min()),
                "max": fmt(a.max()),
                "mean": fmt(a.mean()),
                "absmax": fmt(span),
            }
        if a.size <= CELL_TEXTS:
            out["cells"] = [fmt(v) for v in a.ravel()]
    return out


def event_record(event: Any) -> dict:
    """An event's JSON (`Event.to_json`) with the texts the view shows.

    The quantity's display fields, and for an accumulation `dtext` (and `dbad`), the
    contribution.
    """
    d = event.to_json()
    d.update(quantity(event.value))
    if event.kind == "accumulate":
        d["dtext"] = fmt(event.delta)
        if is_bad(event.delta):
            d["dbad"] = True
    return d


def table_record(row: dict) -> dict:
    """A trace-table row with `bad` set when its numbers or value are not finite."""
    text = f"{row['numbers']} {row['value']}"
    return {**row, "bad": True} if ("∞" in text or "NaN" in text) else row


def partial_record(lab: dict) -> dict:
    """A local derivative for an edge: its formula and, for scalars, its value."""
    out: dict[str, Any] = {"formula": str(lab["formula"])}
    if lab.get("value") is not None:
        out["text"] = fmt(lab["value"])
        if is_bad(lab["value"]):
            out["bad"] = True
    return out


def _join(terms: list[str]) -> str:
    """`a + b − c`: a term that starts with − is subtracted."""
    out = terms[0]
    for t in terms[1:]:
        out += f" − {t[1:]}" if t.startswith("−") else f" + {t}"
    return out


def path_sums(g: dict, partials: dict, gradient: dict[int, Any]) -> dict:
    """Every path from each input to the output, and its product: Olah's sum over paths.

    For a graph of scalars: each path's local derivatives, their product, and the sum of
    the products.

    Args:
        g: Graph JSON.
        partials: `mlgraph.local_partials` of the graph.
        gradient: input id -> its final adjoint from the reverse sweep.

    Returns:
        input label -> `{"paths": [{"edges", "factors", "product"}], "count", "sum",
        "grad"}`: each path as its edge keys "src_dst_argnum" from the input to the
        output; `paths` is empty when there are more than `MAX_PATHS`.
    """
    out_id = g["outputs"][0]
    into: dict[int, list[tuple[int, int, int]]] = {}
    for src, dst, k in partials:
        into.setdefault(src, []).append((src, dst, k))
    count: dict[int, int] = {out_id: 1}

    def n_paths(i: int) -> int:  # paths from i to the output (memoized)
        if i not in count:
            count[i] = sum(n_paths(dst) for (_, dst, _) in into.get(i, []))
        return count[i]

    result = {}
    labels = {n["id"]: n["label"] for n in g["nodes"]}
    for i in g["inputs"]:
        total = n_paths(i)
        listed = []
        if total <= MAX_PATHS:
            stack = [(i, [])]
            while stack:
                node, edges = stack.pop()
                if node == out_id:
                    listed.append(edges)
                    continue
                for e in reversed(into.get(node, [])):
                    stack.append((e[1], [*edges, e]))
        paths, acc = [], 0.0
        for edges in listed:
            values = [float(partials[e]["value"]) for e in edges]
            product = float(np.prod(values))
            acc += product
            paths.append(
                {
                    "edges": [f"{s}_{d}_{k}" for (s, d, k) in edges],
                    "factors": [fmt(v) for v in values],
                    "product": fmt(product),
                }
            )
        entry = {"paths": paths, "count": total, "grad": fmt(gradient[i])}
        if paths:
            entry["sum"] = fmt(acc)
        result[labels[i]] = entry
    return result


def matmul_sums(g: Any) -> dict[str, list[dict]]:
    """Each weighted-sum node's first output entries as weighted sums.

    `v3 = 2·0.1 + 3·0.5 − 1·2.5 + 5·0.2 = 0.2`, and when its one consumer adds a bias,
    that entry plus the bias: `… + 3 = 3.2`. A node is expanded when its primitive says
    how an output entry is made (`Primitive.entry_terms`: matmul's row times column), so
    the sums shown are the node's own; a consumer adds a bias when its primitive is
    numpy's add and it has the same shape.

    Returns:
        node id (as text) -> `[{"index", "terms", "value", "bias"?, "out"?, "add"?}]`.
    """
    nodes = g.nodes
    consumers: dict[int, list[int]] = {}
    for src, dst, _ in g.edges:
        consumers.setdefault(src, []).append(dst)
    out = {}
    for n in nodes:
        prim = n.primitive
        if prim is None or prim.entry_terms is None:
            continue
        value = np.asarray(n.value, dtype=float)
        args = [nodes[j].value for j in n.inputs]
        after = [nodes[j] for j in consumers.get(n.id, [])]
        add = after[0] if len(after) == 1 and _is_sum(after[0]) else None
        entries = []
        for flat in range(min(value.size, MAX_EXPANDED)):
            index = tuple(int(i) for i in np.unravel_index(flat, value.shape))
            pairs = prim.entry_terms(index, *args, **n.params)
            if pairs is None:
                break
            entry = {
                "index": list(index),
                "terms": _join([f"{fmt(a)}·{_factor(b)}" for a, b in pairs]),
                "value": fmt(value[index]),
            }
            if add is not None and tuple(add.shape) == value.shape:
                other = add.inputs[1] if add.inputs[0] == n.id else add.inputs[0]
                bias = np.broadcast_to(
                    np.asarray(nodes[other].value, dtype=float), value.shape
                )
                full = np.asarray(add.value, dtype=float)
                entry.update(bias=fmt(bias[index]), out=fmt(full[index]), add=add.id)
            entries.append(entry)
        if entries:
            out[str(n.id)] = entries
    return out


def _is_sum(node: Any) -> bool:
    """Whether a node adds its two arguments (its primitive answers numpy's add)."""
    prim = node.primitive
    return prim is not None and np.add in prim.ufuncs and len(node.inputs) == 2


def _factor(v: float) -> str:
    text = fmt(v)
    return f"({text})" if text.startswith("−") else text


def direction_text(mode: str, tangent: Any) -> str:
    """`ẇ = [1, 0, 0, 0]`: the explicit direction of a directional-derivative mode."""
    from mlgraph.events import Mode

    wrt = Mode.parse(mode).wrt or ""
    return f"{wrt}\u0307 = {fmt(tangent)}"


def passes(graph: Any) -> dict[str, int]:
    """What a full Jacobian costs, in scalar entries (`mlgraph.pass_counts`).

    One forward pass per input entry, one reverse pass per output entry.
    """
    from mlgraph.modes import pass_counts

    counts = pass_counts(graph)
    return {"forward": counts.forward, "reverse": counts.reverse}


#: The Jacobian panel shows its entries up to this many columns (input entries) and
#: rows (output entries); beyond, only the pass counts.
MAX_JACOBIAN = (24, 16)


def _entry_names(names: Any, values: list) -> list[str]:
    """`x[0]`, `x[1]`, `b`: every scalar entry of each named value."""
    out = []
    for name, v in zip(names, values, strict=True):
        shape = np.shape(getattr(v, "value", v))
        out += [name] if not shape else [
            f"{name}[{','.join(map(str, i))}]" for i in np.ndindex(*shape)]
    return out


def jacobian(graph: Any, runs: dict[str, list]) -> dict:
    """The Jacobian panel: one column per forward pass, one row per reverse pass.

    Every entry is the text of a number a run computed: a forward pass by input entry
    ``w[1]`` gives the column of ∂(each output entry)/∂w[1] (the outputs' final
    tangents); a reverse pass from output entry ``y[0]`` the row of ∂y[0]/∂(each input
    entry) (the inputs' final adjoints).

    Args:
        graph: the traced graph.
        runs: mode -> its events (`mlgraph.run`).

    Returns:
        `{"cols", "rows", "forward": {mode: {"col", "texts"}}, "reverse": {mode:
        {"row", "texts"}}}`; without the entries when the matrix is larger than
        `MAX_JACOBIAN`.
    """
    from mlgraph.events import Mode

    cols = _entry_names(graph.input_names, [graph.values[i] for i in graph.inputs])
    rows = _entry_names(graph.output_names, [graph.values[i] for i in graph.outputs])
    out: dict[str, Any] = {"cols": cols, "rows": rows, "forward": {}, "reverse": {}}
    if len(cols) > MAX_JACOBIAN[0] or len(rows) > MAX_JACOBIAN[1]:
        return {"cols": [], "rows": [], "forward": {}, "reverse": {}}
    for mode, events in runs.items():
        m = Mode.parse(mode)
        if m.sweep == "eval" or (m.index is None and _has_entries(graph, m)):
            continue  # a directional derivative is no column of the Jacobian
        final = {e.node: e.value for e in events if e.sweep == m.sweep}
        ids = graph.outputs if m.sweep == "forward" else graph.inputs
        texts = [fmt(v) for i in ids
                 for v in np.ravel(np.asarray(final.get(i, np.zeros(np.shape(
                     graph.values[i]))), dtype=float))]
        name = m.wrt if m.index is None else f"{m.wrt}[{','.join(map(str, m.index))}]"
        if m.sweep == "forward":
            out["forward"][mode] = {"col": cols.index(name), "texts": texts}
        else:
            out["reverse"][mode] = {"row": rows.index(name) if m.wrt else 0,
                                    "texts": texts}
    return out


def _has_entries(graph: Any, mode: Any) -> bool:
    """Whether the input (forward) or output (reverse) a mode names is not a scalar."""
    names = graph.input_names if mode.sweep == "forward" else graph.output_names
    ids = graph.inputs if mode.sweep == "forward" else graph.outputs
    if mode.wrt is None:
        return len(ids) == 1 and bool(np.shape(graph.values[ids[0]]))
    return bool(np.shape(graph.values[ids[list(names).index(mode.wrt)]]))


def shapes(g: dict) -> dict[str, str]:
    """Node id (as text) -> its shape as the view prints it, for tensors only."""
    return {str(n["id"]): shape_text(n["shape"]) for n in g["nodes"] if n["shape"]}
