"""The structure a newcomer relies on: layers that import one way, no import circle,
no primitive's name compared outside its block, and modules and functions of a size
one can read (the budgets of STYLE.md)."""

import ast
from pathlib import Path

import pytest
from conftest import LAYERS, UI_LAYER

import mlgraph

PACKAGE = Path(mlgraph.__file__).parent
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 60        # statements of the body, the docstring not counted


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (``mlgraph.gradcheck.driver``)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(("mlgraph", *parts))] = path
    return out


def layer_key(module: str) -> str:
    """The entry of LAYERS a module falls under: its first name below mlgraph (the
    package itself is ``__init__``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _runtime_nodes(tree: ast.AST):
    """Every node except those under ``if TYPE_CHECKING:`` (imports for type hints)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            stack.extend(node.orelse)
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """The mlgraph modules ``module`` imports at run time (also inside functions)."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in _runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from . import x` imports the module x; `from .x import f`, module .x
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                     for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:     # mlgraph.nn.MLP -> mlgraph.nn
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    mods = modules()
    return {m: imports_of(m, p, set(mods)) for m, p in mods.items()}


def test_every_module_has_a_layer():
    missing = sorted({layer_key(m) for m in modules()} - set(LAYERS))
    assert not missing, f"add these modules to LAYERS in tests/conftest.py: {missing}"


def test_imports_go_one_way_down_the_layers():
    upward = [f"{m} (layer {LAYERS[layer_key(m)]}) imports {t} (layer "
              f"{LAYERS[layer_key(t)]})"
              for m, targets in import_graph().items() for t in sorted(targets)
              if LAYERS[layer_key(t)] > LAYERS[layer_key(m)]]
    assert not upward, "\n".join(upward)


def test_the_graph_never_imports_the_tracer():
    assert not {"mlgraph.tracer", "mlgraph.tensor"} & import_graph()["mlgraph.graph"]


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a list of modules, or None."""
    state: dict[str, int] = {}        # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt, [*path, nxt])
                if cycle:
                    return cycle
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start, [start])
            if cycle:
                return cycle
    return None


def test_there_is_no_import_circle():
    assert find_cycle(import_graph()) is None, " -> ".join(find_cycle(import_graph()))


def test_the_cycle_finder_finds_a_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


# --- a primitive's name is compared nowhere but in its own block ----------------------

ABOUT_A_PRIMITIVE = {"name", "op", "prim_name", "primitive"}


def _strings(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [s for e in node.elts for s in _strings(e)]
    return []


def _is_about_a_primitive(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr in ABOUT_A_PRIMITIVE
    if isinstance(node, ast.Name):
        return node.id in ABOUT_A_PRIMITIVE
    if isinstance(node, ast.Subscript):
        return _strings(node.slice) in (["op"], ["name"])
    return False


def primitive_name_uses(source: str, names: set[str]) -> list[str]:
    """Comparisons of a primitive's name (``prim.name == "relu"``, ``n["op"] in
    ("max", ...)``) and collections of primitive names (``KINKS = ("relu", "abs")``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            literals = {s for side in sides for s in _strings(side)} & names
            if literals and any(_is_about_a_primitive(s) for s in sides):
                found.append(f"line {node.lineno}: compares with {sorted(literals)}")
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            items = _strings(node)
            if len(items) >= 2 and len(items) == len(node.elts) and set(items) <= names:
                found.append(f"line {node.lineno}: lists primitives {items}")
    return found


def test_no_module_outside_the_primitives_names_a_primitive():
    names = set(mlgraph.PRIMITIVES)
    offences = [f"{m}: {use}" for m, path in modules().items()
                if not m.startswith("mlgraph.primitives")
                for use in primitive_name_uses(path.read_text(), names)]
    assert not offences, ("put this knowledge in the primitive's block (a hook on "
                          "Primitive) and read it generically:\n" + "\n".join(offences))


@pytest.mark.parametrize("source", [
    "if prim.name == 'matmul': pass",
    "ok = node.op in ('relu', 'abs')",
    "ok = n['op'] != 'max'",
    "KINK_PRIMITIVES = ('relu', 'abs', 'maximum', 'max')",
])
def test_the_name_check_catches_a_planted_comparison(source):
    assert primitive_name_uses(source, set(mlgraph.PRIMITIVES))


@pytest.mark.parametrize("source", [
    "if activation == 'relu': pass",
    "ok = node.op in ('input', 'const')",
    "HIDDEN = ('tanh', 'relu', 'sigmoid', 'identity')",
])
def test_the_name_check_leaves_other_strings_alone(source):
    assert not primitive_name_uses(source, set(mlgraph.PRIMITIVES))


# --- sizes one can read ---------------------------------------------------------------


def _function_lengths(source: str):
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]                       # the docstring
            if body:
                yield node.name, body[-1].end_lineno - body[0].lineno + 1


def core_modules() -> dict[str, Path]:
    return {m: p for m, p in modules().items() if LAYERS[layer_key(m)] < UI_LAYER}


def test_core_modules_stay_readable():
    long = [f"{m}: {n} lines" for m, p in core_modules().items()
            if (n := p.read_text().count("\n")) > MAX_MODULE_LINES]
    assert not long, f"split these (budget {MAX_MODULE_LINES} lines): {long}"


def test_core_functions_stay_readable():
    long = [f"{m}.{name}: {n} lines" for m, p in core_modules().items()
            for name, n in _function_lengths(p.read_text()) if n > MAX_FUNCTION_LINES]
    assert not long, f"split these (budget {MAX_FUNCTION_LINES} lines): {long}"


def test_the_architecture_document_shows_the_layer_table():
    """docs/architecture.md's picture lists each layer's modules as LAYERS has them."""
    doc = (PACKAGE.parent / "docs" / "architecture.md").read_text()
    shown = {}
    for line in doc.splitlines():
        words = line.split()
        if len(words) > 3 and words[0] == "layer" and words[1].isdigit():
            for name in words[3:]:
                shown[name.rstrip("/").removeprefix("mlgraph/")] = int(words[1])
    assert shown == LAYERS
