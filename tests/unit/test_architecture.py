"""The house: imports point down the layers, and no module imports itself
back through others (``docs/architecture.md``).

The import graph of ``src/parley`` is read from the source (every ``import``
of a ``parley`` module, in functions too, but not under ``TYPE_CHECKING``),
so a new module is checked the day it is added.
"""

import ast
from pathlib import Path

import pytest

import parley

SOURCE = Path(parley.__file__).parent

# Each module's layer: its folder under src/parley, or for a top-level
# module the layer named here.
TOP_LEVEL_LAYERS = {
    "parley.conf": "base",
    "parley.db": "base",
    "parley.models": "base",
    "parley.ratelimit": "base",
    "parley.signals": "base",
    "parley.commands": "base",
    "parley.version": "base",
    "parley": "entry",  # parley.notify / anotify
    "parley.__main__": "entry",
    "parley.apps": "entry",
    "parley.urls": "entry",
    "parley.client": "entry",
    "parley.asgi": "entry",
    "parley.checks": "entry",
    "parley.admin": "entry",
    "parley.client_rooms": "entry",
    "parley.client_http": "entry",
    "parley.client_shapes": "entry",
}
BELOW_EVERYTHING = {"wire", "base", "migrations"}
# Layer -> the layers it may import (besides itself).
ALLOWED = {
    "wire": set(),
    "base": {"wire"},
    "migrations": {"wire", "base"},
    "bus": {"wire", "base"},
    "ops": {"wire", "base", "bus"},
    "services": {"wire", "base", "bus"},
    "realtime": {"wire", "base", "bus", "ops", "services"},
    "api": {"wire", "base", "bus", "services"},
    "web": {"wire", "base", "bus", "services"},
    "management": {"wire", "base", "bus", "ops", "services", "realtime"},
    "site": {"wire", "base", "bus", "ops", "services", "realtime", "entry"},
    "entry": {"wire", "base", "bus", "ops", "services", "realtime", "api", "web"},
}
# The socket side, which the layers below must never reach.
SOCKET_SIDE = {"realtime", "api", "web", "site", "management", "entry"}


def module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(path): path for path in SOURCE.rglob("*.py")}


def layer(module: str) -> str:
    parts = module.split(".")
    if parts[:2] == ["parley", "models"]:
        return "base"
    if len(parts) > 1 and (SOURCE / parts[1]).is_dir():
        return parts[1]
    return TOP_LEVEL_LAYERS[module]


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported(module: str, path: Path) -> set[str]:
    """The ``parley`` modules ``module`` imports, at run time."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    class Visitor(ast.NodeVisitor):
        def visit_If(self, node: ast.If) -> None:
            if is_type_checking(node.test):
                for statement in node.orelse:
                    self.visit(statement)
            else:
                self.generic_visit(node)

        def visit_Import(self, node: ast.Import) -> None:
            found.update(alias.name for alias in node.names)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                found.add(submodule if submodule in MODULES else source)

    Visitor().visit(ast.parse(path.read_text(encoding="utf-8")))
    return {name for name in found if name in MODULES and name != module}


GRAPH = {module: imported(module, path) for module, path in MODULES.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan,
    1972), each a set of modules that import one another in a circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_module_has_a_layer():
    assert {module: layer(module) for module in MODULES}


def test_no_module_imports_itself_through_others():
    assert cycles(GRAPH) == []


def test_no_layer_imports_itself_through_others():
    layers: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        layers.setdefault(layer(module), set()).update(
            layer(target) for target in targets if layer(target) != layer(module)
        )
    assert cycles(layers) == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    """Each import goes to the module's own layer or one it may use: the
    services never reach the socket side, nothing reaches above itself."""
    own = layer(module)
    upward = sorted(
        target
        for target in GRAPH[module]
        if layer(target) != own and layer(target) not in ALLOWED[own]
    )
    assert upward == []


@pytest.mark.parametrize("lower", sorted(BELOW_EVERYTHING | {"bus", "services"}))
def test_the_core_never_imports_the_socket_side(lower):
    reached = {
        target
        for module, targets in GRAPH.items()
        if layer(module) == lower
        for target in targets
        if layer(target) in SOCKET_SIDE
    }
    assert reached == set()


def test_a_cycle_is_found():
    """The check itself: a circle of three modules is reported."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
