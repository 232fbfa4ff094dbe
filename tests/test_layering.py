"""``archive/`` never imports Scrapy or the crawler (STYLE.md habit 1, issue 15).

Every module of the ``archive`` package, found by walking it with :mod:`pkgutil` (so a new
module is covered without editing this test), is imported in one fresh interpreter; afterwards
neither ``scrapy`` nor ``crawler`` may be in ``sys.modules``. ``archive.cli`` registers the
crawler's commands when its group is first run, not on import, so importing it is allowed here;
``archive.__main__`` (``python -m archive``) runs the CLI, so it is the one module left out.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CODE = """
import importlib, json, pkgutil, sys
import archive
names = sorted(m.name for m in pkgutil.walk_packages(archive.__path__, "archive.")
               if not m.name.endswith(".__main__"))
for name in names:
    importlib.import_module(name)
leaked = sorted(m for m in sys.modules if m.split(".")[0] in ("scrapy", "crawler"))
print(json.dumps({"modules": names, "leaked": leaked}))
"""


def test_every_archive_module_imports_without_scrapy_or_crawler() -> None:
    result = subprocess.run([sys.executable, "-c", _CODE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    on_disk = {p for p in (ROOT / "archive").rglob("*.py") if "replay_templates" not in p.parts}
    # archive/__init__.py is the package itself; archive/__main__.py runs the CLI on import
    assert len(found["modules"]) == len(on_disk) - 2, "pkgutil missed modules"
    assert found["leaked"] == [], f"archive imported {found['leaked'][:5]}"


def _crawler_module_names(path: Path) -> list[str]:
    """String constants in *path* that name a module of the crawler (an import by name)."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and (node.value == "crawler" or node.value.startswith("crawler."))
            and " " not in node.value]


def test_no_archive_module_names_a_crawler_module() -> None:
    """The crawler's commands come through the ``newsarchive.commands`` entry points, not a
    list of module names in ``archive.cli`` (issue 15: the CLI has one direction)."""
    named = {str(p.relative_to(ROOT)): _crawler_module_names(p) for p in (ROOT / "archive").rglob("*.py")}
    assert {p: n for p, n in named.items() if n} == {}


def test_the_crawler_registers_its_commands_through_entry_points() -> None:
    from importlib.metadata import entry_points

    from archive.cli import COMMAND_ENTRY_POINTS

    values = {e.value for e in entry_points(group=COMMAND_ENTRY_POINTS)}
    assert {"crawler.cli", "crawler.distributed.cli", "crawler.cli_schedule"} <= values


def test_a_registered_module_that_fails_to_import_is_reported_not_raised(monkeypatch) -> None:
    import importlib.metadata as metadata

    from archive import cli

    broken = metadata.EntryPoint(name="broken", value="no_such_package.cli", group=cli.COMMAND_ENTRY_POINTS)
    monkeypatch.setattr(metadata, "entry_points", lambda group: [broken] if group == cli.COMMAND_ENTRY_POINTS else [])
    problems = cli.load_command_entry_points()
    assert len(problems) == 1 and problems[0].startswith("no_such_package.cli: ")
    assert "no_such_package" in problems[0].split(": ", 1)[1]
