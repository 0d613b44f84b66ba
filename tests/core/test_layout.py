"""The package layout's rules (README, Layout), read from the source with `ast`: no import
cycles between modules (module- and function-level imports alike), each package imports only
the packages before it, nothing below the CLI imports `cli`, and only the CLI imports `bench`."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# README, Layout: each package imports only the packages before it in this order
PACKAGES = ("core", "extractors", "classifiers", "warehouse", "flows", "dashboards", "bench", "cli")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def runtime_nodes(tree: ast.AST):
    """Every node except those under `if TYPE_CHECKING:` (annotations only, never run)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Project modules that `name` imports anywhere in its file (top level or in a function)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                       for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # `import a.b.c` of a function's module
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


@cache  # parsed once for the module's tests
def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(name, path, set(modules)) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
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
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_import_graph_sees_function_level_imports_but_not_type_checking_ones():
    graph = import_graph()
    assert "cli.cmd_query" in graph["cli.cmd_sql"]  # imported inside `sql` only
    assert "cli.base" in graph["cli.main"]
    assert "extractors.robots" in graph["extractors.http"]
    assert "extractors.http" not in graph["extractors.robots"]  # under `if TYPE_CHECKING:`
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_nothing_below_the_cli_imports_cli():
    graph = import_graph()
    wrong = {m: sorted(t for t in ts if t.split(".")[0] == "cli")
             for m, ts in graph.items() if m.split(".")[0] != "cli"}
    assert {m: ts for m, ts in wrong.items() if ts} == {}


def test_only_the_cli_imports_bench():
    graph = import_graph()
    wrong = {m: sorted(t for t in ts if t.split(".")[0] == "bench")
             for m, ts in graph.items() if m.split(".")[0] not in ("bench", "cli")}
    assert {m: ts for m, ts in wrong.items() if ts} == {}


def test_each_package_imports_only_the_packages_before_it():
    graph = import_graph()
    upward = sorted((m, t) for m, ts in graph.items() for t in ts
                    if PACKAGES.index(t.split(".")[0]) > PACKAGES.index(m.split(".")[0]))
    assert upward == []
