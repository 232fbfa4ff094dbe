"""archive.layout.DataDir: the data folder's layout in one place (issue 15, STYLE.md habit 16)."""
from __future__ import annotations

import re
from pathlib import Path

from archive.layout import DataDir

ROOT = Path(__file__).resolve().parents[1]

#: ``/ "warc"``, ``/ "archive.db"``, ``/ "crawl.lock"`` ...: a layout name joined onto a path.
SPELLED = re.compile(r'/\s*"(warc|indexes|jobs|logs|replay|files|redis|workers|metadata\.json|archive\.db[.a-z]*'
                     r'|[a-z]*\.lock)"')


def test_every_place_of_the_data_folder() -> None:
    data = DataDir(Path("/d"))
    assert data.db == Path("/d/archive.db")
    assert data.db_rebuild == Path("/d/archive.db.rebuild")
    assert data.db_backup == Path("/d/archive.db.bak")
    assert data.datasette_metadata == Path("/d/metadata.json")
    assert data.redis == Path("/d/redis")
    assert data.workers == Path("/d/workers")
    assert data.worker("w1") == Path("/d/workers/w1")
    assert data.warc == Path("/d/warc")
    assert data.warc_file("a.warc.gz") == Path("/d/warc/a.warc.gz")
    assert data.indexes == Path("/d/indexes")
    assert data.cdxj == Path("/d/indexes/index.cdxj")
    assert data.cdxj_files == Path("/d/indexes/files")
    assert data.indexes_lock == Path("/d/indexes/.lock")
    assert data.jobs == Path("/d/jobs")
    assert data.job("courthousenews") == Path("/d/jobs/courthousenews")
    assert data.logs == Path("/d/logs")
    assert data.replay == Path("/d/replay")
    assert data.replay_collections == Path("/d/replay/collections")
    assert data.crawl_lock == Path("/d/crawl.lock")
    assert data.schedule_lock == Path("/d/schedule.lock")


def test_a_string_root_is_a_path_and_nothing_touches_the_disk(tmp_path: Path) -> None:
    data = DataDir(str(tmp_path / "new"))  # type: ignore[arg-type]  # a str is accepted too
    assert data.root == tmp_path / "new"
    assert data.warc == tmp_path / "new" / "warc"
    assert not (tmp_path / "new").exists()


def test_no_other_module_spells_the_layout_out() -> None:
    found = []
    for path in sorted([*(ROOT / "archive").rglob("*.py"), *(ROOT / "crawler").rglob("*.py")]):
        name = path.relative_to(ROOT).as_posix()
        if name == "archive/layout.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if SPELLED.search(line) and not line.lstrip().startswith("#"):
                found.append(f"{name}:{number}: {line.strip()}")
    assert found == [], "use archive.layout.DataDir:\n" + "\n".join(found)
