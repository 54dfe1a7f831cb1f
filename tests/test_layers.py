"""The import structure, read from the source (an AST walk, every import, at module level or inside a function):

- no module of dapctl imports ``dapctl.cli`` (only ``dapctl/__main__.py`` does, to start it): commands never reach
  back to the command line that registers them;
- no import circle inside ``dapctl/``, ``operations/`` nor ``emulator/``;
- the emulator's layers point one way: ``emulator.core`` imports nothing of the emulator outside itself; the service
  packages (``arm``, ``graph``, ``entra``, ``partner_center``) import core and each other, never ``worlds`` nor the
  composition root (``emulator.app``, ``server``, the package itself); ``worlds`` build on the services;
- ``operations/`` imports neither typer nor rich (plain functions, callable from pipelines and tests alike) and
  nothing of ``dapctl``;
- nothing in dapctl or operations writes the environment (the connection is passed down). One exception, by
  design: `dapctl demo` plays `pulumi up` by calling the dynamic providers, which read their endpoint from the
  environment as under Pulumi's engine (they are pickled, so they carry no connection); it gives them the
  emulator's with ``mock.patch.dict`` for its run and restores it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import REPO
from tests.support.python_source import parse

PACKAGES = ("dapctl", "operations")
EMULATOR_SERVICES = ("emulator.arm", "emulator.graph", "emulator.entra", "emulator.partner_center")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(package: str) -> dict[str, Path]:
    return {module_name(p): p for p in sorted((REPO / package).rglob("*.py"))}


def imports_of(name: str, path: Path) -> set[str]:
    """Every module ``name`` imports (absolute names; ``from x import y`` counts x.y when x.y is a module too)."""
    tree = parse(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def graph(package: str) -> dict[str, set[str]]:
    """Edges between the package's own modules."""
    mods = modules(package)
    return {name: {m for m in imports_of(name, path) if m in mods and m != name} for name, path in mods.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle (Tarjan's strongly connected components of more than one module)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in edges:
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize("package", [*PACKAGES, "emulator"])
def test_no_import_circle(package):
    assert cycles(graph(package)) == []


def emulator_imports(layer: str) -> dict[str, set[str]]:
    """The emulator's own modules each module of ``layer`` (a subpackage) imports."""
    mods = modules("emulator")
    inside = {name: path for name, path in mods.items() if name == layer or name.startswith(f"{layer}.")}
    assert inside, layer
    return {name: {m for m in imports_of(name, path) if m in mods} for name, path in inside.items()}


def within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(f"{p}.") for p in packages)


def test_emulator_core_imports_nothing_of_the_emulator_outside_it():
    for name, imported in emulator_imports("emulator.core").items():
        assert all(within(m, ("emulator.core",)) for m in imported), (name, sorted(imported))


@pytest.mark.parametrize("service", EMULATOR_SERVICES)
def test_emulator_services_reach_neither_the_worlds_nor_the_composition_root(service):
    for name, imported in emulator_imports(service).items():
        outside = {m for m in imported if not within(m, ("emulator.core", *EMULATOR_SERVICES))}
        assert not outside, (name, sorted(outside))


def test_emulator_worlds_reach_no_composition_root():
    for name, imported in emulator_imports("emulator.worlds").items():
        outside = {m for m in imported if not within(m, ("emulator.core", "emulator.worlds", *EMULATOR_SERVICES))}
        assert not outside, (name, sorted(outside))


def test_the_cycle_finder_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_of_dapctl_imports_the_command_line():
    importers = {name for name, path in modules("dapctl").items() if "dapctl.cli" in imports_of(name, path)}
    assert importers == {"dapctl.__main__"}


def test_operations_use_no_command_line_library_and_nothing_of_dapctl():
    for name, path in modules("operations").items():
        roots = {m.split(".")[0] for m in imports_of(name, path)}
        assert not roots & {"typer", "rich", "click", "dapctl"}, name


@pytest.mark.parametrize("package", PACKAGES)
def test_nothing_writes_the_environment(package):
    for name, path in modules(package).items():
        for node in ast.walk(parse(path)):
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                written = isinstance(target, ast.Subscript) and ast.unparse(target.value) == "os.environ"
                assert not written, f"{name} writes os.environ"
            if isinstance(node, ast.Call) and ast.unparse(node.func) in ("os.environ.update", "os.putenv"):
                raise AssertionError(f"{name} writes the environment")


def test_commands_exit_with_named_codes():
    """Every ``typer.Exit`` of dapctl names its code from ``exit_codes`` (or passes on a computed one)."""
    for name, path in modules("dapctl").items():
        for node in ast.walk(parse(path)):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "typer.Exit" and node.args:
                assert not isinstance(node.args[0], ast.Constant), f"{name}: typer.Exit({ast.unparse(node.args[0])})"
