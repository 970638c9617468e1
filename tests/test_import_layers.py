"""The operation descriptions sit below everything else: ``apis`` (the data) imports
``spec`` (the kinds), which builds an operation's marshmallow schema with ``schemas`` (the
wire format) on first use; none of them imports anything that imports it back, not even
for type checking. Read from the source, as the import statements are written."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pulumi_aliread"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The package modules ``path`` imports anywhere (module level, functions,
    ``if TYPE_CHECKING``)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if _path_of(sub) else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {module for module in found if module.split(".")[0] == PACKAGE.name}


def _path_of(module: str) -> Path | None:
    base = PACKAGE.parent / module.replace(".", "/")
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def _graph() -> dict[str, set[str]]:
    return {_module_name(path): _imports(path) for path in PACKAGE.rglob("*.py")}


def _path_back(graph: dict[str, set[str]], start: str) -> list[str] | None:
    """An import chain from ``start`` back to ``start``, if there is one."""
    stack = [(start, [start])]
    seen: set[str] = set()
    while stack:
        module, chain = stack.pop()
        for imported in sorted(graph.get(module, ())):
            if imported == start:
                return [*chain, imported]
            if imported not in seen:
                seen.add(imported)
                stack.append((imported, [*chain, imported]))
    return None


@pytest.mark.parametrize("module", ["pulumi_aliread.core.apis", "pulumi_aliread.core.spec",
                                    "pulumi_aliread.core.schemas"])
def test_the_api_descriptions_are_in_no_import_circle(module: str) -> None:
    graph = _graph()
    assert module in graph
    assert _path_back(graph, module) is None, " -> ".join(_path_back(graph, module) or [])


def test_the_specs_are_built_on_schemas() -> None:
    graph = _graph()
    assert "pulumi_aliread.core.spec" in graph["pulumi_aliread.core.apis"]
    assert "pulumi_aliread.core.schemas" in graph["pulumi_aliread.core.spec"]
    assert not {"pulumi_aliread.core.apis", "pulumi_aliread.core.spec"} & set(
        graph["pulumi_aliread.core.schemas"])


def test_no_module_is_in_an_import_circle() -> None:
    graph = _graph()  # the emulator included: testing/cli and http take it from above
    circles = {module: _path_back(graph, module) for module in graph}
    found = {module: " -> ".join(chain) for module, chain in circles.items() if chain}
    assert not found, found


def test_the_core_imports_no_entry_point() -> None:
    graph = _graph()
    above = ("pulumi_aliread.pulumi", "pulumi_aliread.cli", "pulumi_aliread.plugin",
             "pulumi_aliread.testing")
    climbing = {module: sorted(i for i in imports if i.startswith(above))
                for module, imports in graph.items()
                if module.startswith("pulumi_aliread.core")}
    assert not any(climbing.values()), {m: i for m, i in climbing.items() if i}
