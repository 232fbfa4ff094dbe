"""Print the project's import graph, module line counts and long functions (issue 15).

Usage: ``python tools/import_graph.py [--max-lines 80] > graph.txt``.

Reads the source with :mod:`ast` (nothing is imported), so it works on a tree that does not
import. Three sections, each sorted:

- ``== imports``: ``module -> imported module`` for every first-party import (``archive``,
  ``crawler``), function-local imports included and marked ``(local)``;
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


def imports_of(path: Path) -> set[tuple[str, bool]]:
    """First-party modules imported by one file, as ``(module, local)`` pairs."""
    module = module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[tuple[str, bool]] = set()

    def visit(node: ast.AST, local: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.update((alias.name, local) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                found.add((resolve(module, path.name == "__init__.py", child), local))
            visit(child, local or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))

    visit(tree, False)
    return {(m, loc) for m, loc in found if m.split(".")[0] in PACKAGES}


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
    print("== imports")
    for path in files:
        for target, local in sorted(imports_of(path)):
            print(f"{module_name(path)} -> {target}{' (local)' if local else ''}")
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
