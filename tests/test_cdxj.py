"""archive.warc.cdxj: the data folder's CDXJ index, kept current incrementally."""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from archive.warc.cdxj import index_path, update_index, update_index_report
from archive.warc import HttpExchange, WarcWriter


def exchange(url: str, body: bytes = b"<html><title>t</title></html>", minute: int = 0) -> HttpExchange:
    return HttpExchange(
        url=url, method="GET", request_headers=[(b"User-Agent", b"test")], status=200,
        response_headers=[(b"Content-Type", b"text/html; charset=utf-8")], body=body,
        fetched_at=dt.datetime(2024, 3, 13, 12, minute, 0, tzinfo=dt.timezone.utc),
    )


def write_warc(data: Path, urls: list[str], prefix: str = "newsarchive") -> Path:
    writer = WarcWriter(data / "warc", prefix=prefix)
    for i, url in enumerate(urls):
        writer.write_exchange(exchange(url, minute=i))
    name = writer.current_filename
    writer.close()
    assert name
    return data / "warc" / name


def lines(data: Path) -> list[str]:
    return index_path(data).read_text(encoding="utf-8").splitlines()


def urls_in(data: Path) -> list[str]:
    return [json.loads(line.split(" ", 2)[2])["url"] for line in lines(data)]


def test_indexes_every_response_sorted_with_filename_offset_length(tmp_path: Path) -> None:
    a = write_warc(tmp_path, ["http://example.org/z/", "http://example.org/a/"], prefix="a")
    b = write_warc(tmp_path, ["http://example.org/m/", "http://example.net/"], prefix="b")
    path = update_index(tmp_path)
    assert path == tmp_path / "indexes" / "index.cdxj"
    got = lines(tmp_path)
    assert got == sorted(got)
    assert len(got) == 4  # responses only: no warcinfo, request or metadata lines
    assert sorted(urls_in(tmp_path)) == sorted(["http://example.org/z/", "http://example.org/a/",
                                                "http://example.org/m/", "http://example.net/"])
    for line in got:
        urlkey, ts, blob = line.split(" ", 2)
        info = json.loads(blob)
        assert len(ts) == 14 and ts.startswith("20240313")
        assert info["filename"] in (a.name, b.name)
        assert info["status"] == "200" and info["mime"] == "text/html"
        with open(tmp_path / "warc" / info["filename"], "rb") as fh:  # offset is a gzip member
            fh.seek(int(info["offset"]))
            assert fh.read(2) == b"\x1f\x8b"


def test_second_update_reads_only_new_or_changed_files(tmp_path: Path) -> None:
    write_warc(tmp_path, ["http://example.org/1/"], prefix="a")
    first = update_index_report(tmp_path)
    assert len(first.indexed) == 1 and not first.reused
    before = index_path(tmp_path).read_bytes()

    again = update_index_report(tmp_path)
    assert again.indexed == [] and again.reused == first.indexed
    assert index_path(tmp_path).read_bytes() == before

    write_warc(tmp_path, ["http://example.org/2/"], prefix="b")
    third = update_index_report(tmp_path)
    assert third.reused == first.indexed and len(third.indexed) == 1
    assert sorted(urls_in(tmp_path)) == ["http://example.org/1/", "http://example.org/2/"]


def test_a_file_that_grows_is_indexed_again(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path / "warc")
    writer.write_exchange(exchange("http://example.org/first/"))
    update_index(tmp_path)
    assert urls_in(tmp_path) == ["http://example.org/first/"]
    writer.write_exchange(exchange("http://example.org/second/", minute=5))  # same file, appended
    writer.close()
    report = update_index_report(tmp_path)
    assert report.indexed == [writer.files_written[0]]
    assert sorted(urls_in(tmp_path)) == ["http://example.org/first/", "http://example.org/second/"]


def test_a_removed_file_leaves_the_index(tmp_path: Path) -> None:
    a = write_warc(tmp_path, ["http://example.org/a/"], prefix="a")
    write_warc(tmp_path, ["http://example.org/b/"], prefix="b")
    update_index(tmp_path)
    a.unlink()
    report = update_index_report(tmp_path)
    assert report.removed == [a.name]
    assert urls_in(tmp_path) == ["http://example.org/b/"]
    assert not (tmp_path / "indexes" / "files" / (a.name + ".cdxj")).exists()


@pytest.mark.parametrize("damage", ["not-gzip", "garbage-only"])
def test_a_file_with_no_readable_record_is_reported_and_skipped(tmp_path: Path, damage: str) -> None:
    good = write_warc(tmp_path, ["http://example.org/good/"], prefix="good")
    bad = write_warc(tmp_path, ["http://example.org/bad/", "http://example.org/bad2/"], prefix="bad")
    raw = bad.read_bytes()
    if damage == "not-gzip":
        bad.write_bytes(b"this is not a WARC file at all\n" * 10)
    else:  # a gzip magic and junk, no member that inflates
        bad.write_bytes(b"\x1f\x8b\x08\x00garbage" * 10)
    report = update_index_report(tmp_path)
    assert set(report.broken) == {bad.name} and report.broken[bad.name].isprintable()
    assert report.indexed == [good.name]
    assert urls_in(tmp_path) == ["http://example.org/good/"]
    # reported again next time, without being read again; repaired, it is indexed
    again = update_index_report(tmp_path)
    assert set(again.broken) == {bad.name} and again.indexed == []
    bad.write_bytes(raw)
    os.utime(bad, ns=(1, 1))
    fixed = update_index_report(tmp_path)
    assert fixed.broken == {} and fixed.indexed == [bad.name]
    assert len(lines(tmp_path)) == 3


@pytest.mark.parametrize("damage", ["truncated", "empty-member-garbage"])
def test_damage_at_the_end_costs_only_its_own_bytes(tmp_path: Path, damage: str) -> None:
    """A crawl that died mid-record, or junk after the last member: the records before it
    are indexed (reindex reads them too), the gap is reported with its offset and length."""
    write_warc(tmp_path, ["http://example.org/good/"], prefix="good")
    bad = write_warc(tmp_path, ["http://example.org/bad/", "http://example.org/bad2/"], prefix="bad")
    raw = bad.read_bytes()
    readable = ["http://example.org/bad/", "http://example.org/bad2/", "http://example.org/good/"]
    if damage == "truncated":  # the last member (bad2's response record) cut short
        bad.write_bytes(raw[: len(raw) - 40])
        cut = raw.rfind(b"\x1f\x8b\x08")
        expected_gap = (cut, len(raw) - 40 - cut)
        readable.remove("http://example.org/bad2/")
    else:
        bad.write_bytes(raw + b"\x1f\x8b\x08\x00garbage")
        expected_gap = (len(raw), 11)
    report = update_index_report(tmp_path)
    assert report.broken == {}
    [(offset, length, why)] = report.damaged[bad.name]
    assert (offset, length) == expected_gap and why.isprintable()
    assert sorted(urls_in(tmp_path)) == readable
    for line in lines(tmp_path):  # every line points at a whole gzip member
        info = json.loads(line.split(" ", 2)[2])
        with open(tmp_path / "warc" / info["filename"], "rb") as fh:
            fh.seek(int(info["offset"]))
            assert fh.read(3) == b"\x1f\x8b\x08"


def test_no_warc_folder_gives_an_empty_index(tmp_path: Path) -> None:
    path = update_index(tmp_path)
    assert path.read_text() == ""


def test_the_index_is_replaced_atomically(tmp_path: Path) -> None:
    write_warc(tmp_path, ["http://example.org/a/"])
    update_index(tmp_path)
    inode = index_path(tmp_path).stat().st_ino
    write_warc(tmp_path, ["http://example.org/b/"], prefix="b")
    update_index(tmp_path)
    assert index_path(tmp_path).stat().st_ino != inode  # a new file renamed over the old
    leftovers = [p.name for p in (tmp_path / "indexes").rglob(".*.part")]
    assert leftovers == []
