"""The package's layers (docs/architecture.md): no module imports a layer above its own, no import cycle."""
import ast

import pytest

from conftest import REPO

PACKAGE = REPO / "nanobragg_nb"

#: the layers from the bottom up, by module-name prefix (the longest prefix that matches decides)
LAYERS = [
    ("foundation", ("nanobragg_nb.errors", "nanobragg_nb.cnum", "nanobragg_nb.version", "nanobragg_nb.jit_cache",
                    "nanobragg_nb.interrupt", "nanobragg_nb.startup")),
    ("file formats", ("nanobragg_nb.io",)),
    ("core: numerics", ("nanobragg_nb.core.config", "nanobragg_nb.core.log", "nanobragg_nb.core.physics",
                        "nanobragg_nb.core.physics_fast", "nanobragg_nb.core.views", "nanobragg_nb.core.rng",
                        "nanobragg_nb.core.images", "nanobragg_nb.core")),
    ("core: setup", ("nanobragg_nb.core.setup", "nanobragg_nb.core.amorphous")),
    ("core: kernels", ("nanobragg_nb.core.kernels",)),
    ("core: engines", ("nanobragg_nb.core.engines",)),
    ("audit", ("nanobragg_nb.audit",)),
    ("programs", ("nanobragg_nb.programs",)),
    ("entry", ("nanobragg_nb.cli", "nanobragg_nb.__main__", "nanobragg_nb")),
]


def layer_of(module):
    best = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (index, len(prefix))
    return best[0] if best else None


def modules():
    """Every module of the package: dotted name -> (path, is a package)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        if parts[-1] == "__init__":
            found[".".join(parts[:-1])] = (path, True)
        else:
            found[".".join(parts)] = (path, False)
    return found


def imports(name, path, is_package, known):
    """The package modules that ``name`` imports, anywhere in its code (lazy imports included)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "nanobragg_nb":
                continue
            for alias in node.names:
                full = f"{target}.{alias.name}"
                out.add(full if full in known else target)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "nanobragg_nb")
    return out


@pytest.fixture(scope="module")
def graph():
    known = modules()
    return {name: imports(name, path, is_package, known) for name, (path, is_package) in known.items()}


def test_every_module_has_a_layer(graph):
    assert [m for m in graph if layer_of(m) is None] == []


def test_no_import_reaches_a_higher_layer(graph):
    upward = [f"{a} ({LAYERS[layer_of(a)][0]}) imports {b} ({LAYERS[layer_of(b)][0]})"
              for a, targets in graph.items() for b in targets
              if layer_of(b) is not None and layer_of(b) > layer_of(a)]
    assert upward == []


def test_no_import_cycle(graph):
    # a package's __init__ may name its own modules (re-exports); modules may not import each other in a ring
    edges = {a: {b for b in targets if b in graph and not a.startswith(b + ".")} for a, targets in graph.items()}
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in edges:
        if v not in index:
            visit(v)
    assert cycles == []

