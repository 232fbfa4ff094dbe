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
