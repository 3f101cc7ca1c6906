"""Each layer imports only the layers below it, and nothing imports in a circle.

Every module of the package is read (not imported) and every import in it counts: at the top,
inside a function (imported late for start-up time) or under TYPE_CHECKING alike, since each
is a dependency all the same. The map below is the README's (Development).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = "aiwatch_tui"
ROOT = Path(__file__).resolve().parents[2] / PACKAGE

# Who may import whom: a module of the layer on the left may import the layers on the right
# (and its own layer). A layer is the longest prefix of a module's name found here.
MAY_IMPORT: dict[str, set[str]] = {
    "aiwatch_tui": set(),  # __version__ only
    "aiwatch_tui.paths": set(),
    "aiwatch_tui.core.model": set(),
    "aiwatch_tui.core.uris": set(),
    "aiwatch_tui.core.files": set(),
    "aiwatch_tui.core.text": {"aiwatch_tui.core.model"},
    "aiwatch_tui.core.library": {
        "aiwatch_tui.core.model",
        "aiwatch_tui.core.text",
        "aiwatch_tui.core.files",
        "aiwatch_tui.core.uris",
    },
    "aiwatch_tui.core.store": {
        "aiwatch_tui.core.model",
        "aiwatch_tui.core.text",
        "aiwatch_tui.core.files",
        "aiwatch_tui.core.uris",
    },
    "aiwatch_tui.core.anchoring": {"aiwatch_tui.core.model"},
    "aiwatch_tui.core.config": {"aiwatch_tui.core.files", "aiwatch_tui.core.text"},
    "aiwatch_tui.core.annotations": {
        "aiwatch_tui.core.model",
        "aiwatch_tui.core.store",
        "aiwatch_tui.core.anchoring",
    },
    "aiwatch_tui.core.find": {
        "aiwatch_tui.core.model",
        "aiwatch_tui.core.text",
        "aiwatch_tui.core.files",
        "aiwatch_tui.core.library",
    },
    "aiwatch_tui.core.interchange": {
        "aiwatch_tui",
        "aiwatch_tui.core.model",
        "aiwatch_tui.core.text",
        "aiwatch_tui.core.uris",
    },
    # "aiwatch_tui" for __version__ (the User-Agent).
    "aiwatch_tui.core.web": {
        "aiwatch_tui",
        "aiwatch_tui.core.model",
        "aiwatch_tui.core.text",
        "aiwatch_tui.core.uris",
    },
    "aiwatch_tui.core.operations": {"aiwatch_tui.core", "aiwatch_tui.paths"},
    "aiwatch_tui.ui": {"aiwatch_tui.core", "aiwatch_tui.paths"},
    # `aiwatch serve` runs the app in other processes, by its command line.
    "aiwatch_tui.serve": {"aiwatch_tui.paths"},
    "aiwatch_tui.cli": {
        "aiwatch_tui",
        "aiwatch_tui.core",
        "aiwatch_tui.paths",
        "aiwatch_tui.ui",
        "aiwatch_tui.serve",
    },
    "aiwatch_tui.__main__": {"aiwatch_tui.cli"},
}


def module_name(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
    return name.removesuffix(".__init__")


MODULES = {module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def imports(name: str) -> Iterator[str]:
    """The package's modules that `name` imports (a package when no module is named)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            # `from package import module` depends on that module, not the whole package.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            if target == PACKAGE or target.startswith(PACKAGE + "."):
                yield target


def layer(name: str) -> str:
    candidates = [
        prefix for prefix in MAY_IMPORT if name == prefix or name.startswith(prefix + ".")
    ]
    assert candidates, f"{name}: in no layer of the map (add it to MAY_IMPORT and the README)"
    return max(candidates, key=len)


def allowed(importer: str, target: str) -> bool:
    own, theirs = layer(importer), layer(target)
    if own == theirs:
        return True
    return any(theirs == other or theirs.startswith(other + ".") for other in MAY_IMPORT[own])


def test_every_module_is_in_a_layer_of_the_map() -> None:
    for name in MODULES:
        layer(name)


def test_each_layer_imports_only_the_layers_it_may() -> None:
    wrong = sorted(
        f"{name} imports {target}"
        for name in MODULES
        for target in imports(name)
        if not allowed(name, target)
    )
    assert wrong == []


def test_the_core_and_the_ui_import_no_module_in_a_circle() -> None:
    graph = {name: set(imports(name)) - {name} for name in MODULES}
    circles = [
        sorted(component)
        for component in strongly_connected(graph)
        if len(component) > 1
        and any(part.startswith(("aiwatch_tui.core", "aiwatch_tui.ui")) for part in component)
    ]
    assert circles == []


def test_the_map_finds_a_circle_and_a_wrong_direction() -> None:
    # The checks themselves: a made-up circle is found, and so is the core importing the UI.
    assert [sorted(c) for c in strongly_connected({"a": {"b"}, "b": {"a"}}) if len(c) > 1] == [
        ["a", "b"]
    ]
    assert not allowed("aiwatch_tui.core.store.database", "aiwatch_tui.ui.app")
    assert not allowed("aiwatch_tui.ui.app", "aiwatch_tui.cli")
    assert not allowed("aiwatch_tui.core.text.parse", "aiwatch_tui.core.library.sources")


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iteratively (no recursion limit for a deep import chain)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[set[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
    return components
