"""``newsarchive merge`` and a distributed crawl's merge on bad input: damaged bytes cost only
themselves, a WARC-Record-ID is merged once, an uncompressed input is merged too.

The inputs are the small archive of tests/test_reindex.build_archive (several WARC files of
one gzip member per record), damaged the way a killed worker or a careless copy damages them.
"""
from __future__ import annotations

import gzip
import shutil
import zlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

from archive.cli import main
from archive.merge import merge_files
from archive.warc.parse import Gap
from archive.warc.resync import scan
from crawler.distributed.run import Coordination
from tests.test_reindex import build_archive
from tests.test_warc_check import members


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("merge") / "data"
    build_archive(data)
    assert len(warcs(data)) >= 3, "the fixture should span several WARC files"
    return data


def warcs(data: Path) -> list[Path]:
    return sorted((data / "warc").glob("*.warc*"))


def record_ids(data: Path, *, skip_own_warcinfo: bool = False) -> list[str]:
    """The WARC-Record-IDs of every readable record of ``data``'s WARC files."""
    ids = []
    for path in warcs(data):
        records = [item for item in scan(path) if not isinstance(item, Gap)]
        if skip_own_warcinfo:
            assert records[0].rec_type == "warcinfo"
            records = records[1:]  # the warcinfo record a merge writes at the start of each of its files
        ids += [item.header("WARC-Record-ID") for item in records]
    return ids


def copy_folder(source: Path, target: Path) -> Path:
    (target / "warc").mkdir(parents=True)
    for path in warcs(source):
        shutil.copy(path, target / "warc" / path.name)
    return target


def merge(out: Path, *folders: Path) -> Any:
    return CliRunner().invoke(main, ["--data", str(out), "merge", *map(str, folders)])


def test_truncated_input_costs_only_its_damaged_record(source: Path, tmp_path: Path) -> None:
    worker = copy_folder(source, tmp_path / "w1")
    last = warcs(worker)[-1]
    last.write_bytes(last.read_bytes()[:-30])  # a worker killed mid-write
    cut_id = record_ids(source)[-1]
    result = merge(tmp_path / "out", worker)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback
    damaged = [line for line in result.output.splitlines() if line.startswith("damaged: ")]
    assert len(damaged) == 1 and f"{last}:" in damaged[0] and "bytes left out" in damaged[0]
    assert "every readable record was merged" in result.output
    merged = record_ids(tmp_path / "out", skip_own_warcinfo=True)
    assert sorted(merged) == sorted(i for i in record_ids(source) if i != cut_id)
    check = CliRunner().invoke(main, ["--data", str(tmp_path / "out"), "warc", "check"])
    assert check.exit_code == 0, check.output


def test_damaged_middle_member_costs_only_itself(source: Path, tmp_path: Path) -> None:
    worker = copy_folder(source, tmp_path / "w1")
    path = warcs(worker)[0]
    parts = [m for _, m in members(path)]
    middle = len(parts) // 2
    broken = bytearray(parts[middle])
    broken[len(broken) // 2] ^= 0xFF  # a flipped byte: the member no longer inflates
    path.write_bytes(b"".join(parts[:middle]) + bytes(broken) + b"".join(parts[middle + 1:]))
    lost = zlib.decompress(parts[middle], zlib.MAX_WBITS | 16).split(b"WARC-Record-ID: ", 1)[1].split(b"\r\n")[0]
    result = merge(tmp_path / "out", worker)
    assert result.exit_code == 1
    assert sorted(record_ids(tmp_path / "out", skip_own_warcinfo=True)) == sorted(
        i for i in record_ids(source) if i != lost.decode())


def test_same_records_in_two_folders_are_merged_once(source: Path, tmp_path: Path) -> None:
    copy = copy_folder(source, tmp_path / "copy")
    result = merge(tmp_path / "out", source, copy, source)
    assert result.exit_code == 0, result.output
    originals = record_ids(source)
    assert f"Merged {len(originals)} records of 2 folders" in result.output
    assert f"{len(originals)} records of a WARC-Record-ID merged already, left out" in result.output
    merged = record_ids(tmp_path / "out", skip_own_warcinfo=True)
    assert sorted(merged) == sorted(originals) and len(set(merged)) == len(merged)


def test_uncompressed_input_is_merged_as_gzip_members(source: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    (plain / "warc").mkdir(parents=True)
    raw = b"".join(gzip.decompress(path.read_bytes()) for path in warcs(source))
    (plain / "warc" / "all.warc").write_bytes(raw)
    result = merge(tmp_path / "out", plain)
    assert result.exit_code == 0, result.output
    merged_files = warcs(tmp_path / "out")
    assert merged_files and all(p.name.endswith(".warc.gz") for p in merged_files)
    inflated = b"".join(gzip.decompress(p.read_bytes()) for p in merged_files)
    for member in (m for path in warcs(source) for _, m in members(path)):
        assert gzip.decompress(member) in inflated  # every record's bytes, unchanged
    check = CliRunner().invoke(main, ["--data", str(tmp_path / "out"), "warc", "check"])
    assert check.exit_code == 0, check.output


def test_merge_files_without_damage_reports_none(source: Path, tmp_path: Path) -> None:
    result = merge_files(warcs(source), tmp_path / "warc")
    assert result.damaged == [] and result.damaged_bytes == 0 and result.duplicates == 0
    assert result.records == len(record_ids(source))


def test_distributed_merge_keeps_what_held_damaged_bytes(source: Path, tmp_path: Path) -> None:
    """A worker's folder with a damaged file, and a damaged file of the coordinator's, are
    kept after the merge (renamed out of the index's way); clean inputs are removed."""
    data = tmp_path / "data"
    own = copy_folder(source, data)
    coordinator_files = [p.name for p in warcs(own)]
    bad_own = warcs(own)[-1]
    bad_own.write_bytes(bad_own.read_bytes()[:-30])
    good_worker = copy_folder(source, data / "workers" / "w1")
    bad_worker = copy_folder(source, data / "workers" / "w2")
    worst = warcs(bad_worker)[0]
    worst.write_bytes(worst.read_bytes()[:-30])
    idle = SimpleNamespace(returncode=0)
    coordination = Coordination(data, SimpleNamespace(base="crawl:test", crawl="test"), "", None,
                                workers=[("w1", good_worker, idle), ("w2", bad_worker, idle)])  # type: ignore[list-item]
    result = coordination.merge(coordinator_files)
    assert set(result.damaged_inputs) == {bad_own, worst}
    assert not good_worker.exists(), "a clean worker folder is removed after the merge"
    assert worst.exists() and bad_worker in coordination.kept
    kept = bad_own.with_name(bad_own.name + ".merged-input")
    assert kept.exists() and not bad_own.exists() and kept in coordination.kept
    assert all(not (data / "warc" / name).exists() for name in coordinator_files)
    assert result.findings == []
