"""Print the project's import graph, module line counts and long functions (issue 15).

Usage: ``python tools/import_graph.py [--max-lines 80] > graph.txt``.

Reads the source with :mod:`ast` (nothing is imported), so it works on a tree that does not
import. Four sections, each sorted:

- ``== imports``: ``module -> imported module`` for every first-party import (``archive``,
  ``crawler``), function-local imports marked ``(local)``, ``if TYPE_CHECKING`` ones ``(type)``;
- ``== cycles``: the groups of modules that import each other, type-only imports left out;
- ``== lines``: ``lines  module``;
- ``== long functions``: ``lines  module:qualified.name`` for every function or method over
  ``--max-lines`` lines (``end_lineno - lineno + 1``, decorators excluded).
"""
from __future__ import annotations

import argparse
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("archive", "crawler")


def module_name(path: Path) -> str:
    """``archive/index/__init__.py`` -> ``archive.index``; ``crawler/cli.py`` -> ``crawler.cli``."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` names (relative levels resolved)."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_type_checking(node: ast.AST) -> bool:
    """``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``): imports for the type checker only."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(path: Path, modules: set[str]) -> set[tuple[str, str]]:
    """First-party modules imported by one file, as ``(module, kind)`` pairs: kind ``""`` at
    module level, ``"local"`` inside a function, ``"type"`` under ``if TYPE_CHECKING``.
    ``from package import submodule`` counts as an import of the submodule."""
    module = module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[tuple[str, str]] = set()

    def visit(node: ast.AST, kind: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.update((alias.name, kind) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = resolve(module, path.name == "__init__.py", child)
                for alias in child.names:
                    found.add((f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base, kind))
            inner = kind
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = kind or "local"
            elif _is_type_checking(child):
                inner = "type"
            visit(child, inner)

    visit(tree, "")
    return {(m, k) for m, k in found if m.split(".")[0] in PACKAGES}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


def long_functions(path: Path, max_lines: int) -> list[tuple[int, str]]:
    """``(lines, qualified name)`` of every function longer than ``max_lines``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: list[tuple[int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    length = (child.end_lineno or child.lineno) - child.lineno + 1
                    if length > max_lines:
                        out.append((length, name))
                visit(child, name + ".")

    visit(tree, "")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-lines", type=int, default=80)
    args = parser.parse_args()
    files = sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))
    modules = {module_name(p) for p in files}
    print("== imports")
    runtime: dict[str, set[str]] = {}
    for path in files:
        for target, kind in sorted(imports_of(path, modules)):
            print(f"{module_name(path)} -> {target}{f' ({kind})' if kind else ''}")
            if kind != "type" and target != module_name(path):
                runtime.setdefault(module_name(path), set()).add(target)
    print("\n== cycles (imports run at import time or in a function; TYPE_CHECKING ones left out)")
    for component in cycles(runtime):
        print(f"{len(component):3d}  {' '.join(component)}")
    print("\n== lines")
    for path in files:
        lines = len(path.read_text(encoding="utf-8").splitlines())
        print(f"{lines:5d}  {module_name(path)}")
    print(f"\n== long functions (over {args.max_lines} lines)")
    rows = []
    for path in files:
        rows += [(n, f"{module_name(path)}:{name}") for n, name in long_functions(path, args.max_lines)]
    for n, name in sorted(rows, reverse=True):
        print(f"{n:5d}  {name}")


if __name__ == "__main__":
    main()
