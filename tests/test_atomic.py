"""archive.atomic: a file is replaced whole or not at all, and nothing is left beside it."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from archive.atomic import replacing, write_text


def test_write_text_replaces_the_file_with_a_new_inode(tmp_path: Path) -> None:
    target = tmp_path / "config.yaml"
    target.write_text("old\n")
    inode = target.stat().st_ino
    write_text(target, "new\n")
    assert target.read_text() == "new\n"
    assert target.stat().st_ino != inode  # renamed over it, not rewritten in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "index.cdxj"
    target.write_text("kept\n")
    with pytest.raises(RuntimeError), replacing(target) as tmp:
        tmp.write_text("half")
        assert tmp.parent == tmp_path and tmp.name.startswith(".index.cdxj.") and tmp.name.endswith(".part")
        raise RuntimeError("disk full, say")
    assert target.read_text() == "kept\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.cdxj"]


def test_the_new_file_has_the_umask_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_text(tmp_path / "export.jsonl", "{}\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "export.jsonl").stat().st_mode) == 0o644  # not mkstemp's 0600


def test_two_writers_get_two_temporaries(tmp_path: Path) -> None:
    target = tmp_path / "metadata.json"
    with replacing(target) as first, replacing(target) as second:
        assert first != second
        first.write_text("first")
        second.write_text("second")
    assert target.read_text() == "first"  # the outer block ends last: its file is renamed last
