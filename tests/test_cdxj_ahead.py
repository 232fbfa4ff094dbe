"""archive.warc.cdxj_ahead: a WARC file indexed range by range while it is written gives the same
CDXJ as the whole file indexed afterwards, and anything doubtful is left to update_index."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive.warc.cdxj import index_path, index_warc, update_index_report
from archive.warc.cdxj_file import index_file
from archive.warc.cdxj_ahead import AheadIndexer
from archive.records import CaptureRecord
from archive.warc import WarcWriter
from tests.test_cdxj import exchange

URLS = [f"http://example.com/story-{i}/" for i in range(40)]


def crawl_like(data: Path, chunk_bytes: int, *, max_bytes: int = 10**9, urls: list[str] = URLS) -> tuple[WarcWriter, AheadIndexer]:
    """Write exchanges and metadata records as a crawl does, the ahead indexer listening."""
    ahead = AheadIndexer(data, chunk_bytes)
    writer = WarcWriter(data / "warc", max_bytes=max_bytes)
    writer.on_boundary = ahead.boundary
    for i, url in enumerate(urls):
        records = writer.write_exchange(exchange(url, body=f"<html><p>{'story ' * (50 + i)}</p></html>".encode(), minute=i % 60))
        writer.write_metadata(records.response, {"title": f"story {i}"})
    writer.close()
    return writer, ahead


def cached(data: Path, name: str) -> list[str]:
    return (data / "indexes" / "files" / (name + ".cdxj")).read_text(encoding="utf-8").splitlines(keepends=True)


@pytest.mark.parametrize("chunk_bytes", [1, 3000, 10**9])
def test_ranges_give_the_lines_of_the_whole_file(tmp_path: Path, chunk_bytes: int) -> None:
    writer, ahead = crawl_like(tmp_path, chunk_bytes)
    stored = ahead.finish()
    assert stored == writer.files_written
    for name in stored:
        whole = index_warc(tmp_path / "warc" / name)
        assert len(whole) == len(URLS)
        assert cached(tmp_path, name) == whole
    if chunk_bytes == 1:  # one range per exchange and per metadata record
        assert len(ahead._files[stored[0]].ranges) == 2 * len(URLS)


def test_the_update_after_the_crawl_reuses_what_was_indexed_ahead(tmp_path: Path) -> None:
    writer, ahead = crawl_like(tmp_path, 2000, max_bytes=20_000)
    assert len(writer.files_written) > 2  # rotated: every file is covered
    assert sorted(ahead.finish()) == sorted(writer.files_written)
    report = update_index_report(tmp_path)
    assert report.indexed == [] and sorted(report.reused) == sorted(writer.files_written)
    urls = [json.loads(line.split(" ", 2)[2])["url"] for line in index_path(tmp_path).read_text().splitlines()]
    assert sorted(urls) == sorted(URLS)


def test_a_file_written_after_the_last_boundary_is_left_to_update_index(tmp_path: Path) -> None:
    writer, ahead = crawl_like(tmp_path, 2000)
    name = writer.files_written[0]
    other = WarcWriter(tmp_path / "extra")  # someone appends whole records behind our back
    other.write_exchange(exchange("http://example.com/appended/"))
    other.close()
    with open(tmp_path / "warc" / name, "ab") as fh:
        fh.write((tmp_path / "extra" / other.files_written[0]).read_bytes())
    assert ahead.finish() == []
    report = update_index_report(tmp_path)
    assert report.indexed == [name]
    assert any("/appended/" in line for line in index_path(tmp_path).read_text().splitlines())


def test_a_range_the_worker_failed_is_indexed_at_the_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writer, ahead = crawl_like(tmp_path, 2000)
    name = writer.files_written[0]
    bad = ahead._files[name].ranges[1][2]
    monkeypatch.setattr(bad, "exception", lambda timeout=None: RuntimeError("worker died"))
    assert ahead.finish() == [name]
    assert cached(tmp_path, name) == index_warc(tmp_path / "warc" / name)


def test_without_a_worker_the_whole_file_is_indexed_at_the_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AheadIndexer, "_executor", lambda self: None)
    writer, ahead = crawl_like(tmp_path, 1)
    (name,) = writer.files_written
    assert ahead._files[name].ranges == []
    assert ahead.finish() == [name]
    assert cached(tmp_path, name) == index_warc(tmp_path / "warc" / name)


def test_damage_in_a_range_leaves_the_file_to_update_index(tmp_path: Path) -> None:
    writer, ahead = crawl_like(tmp_path, 10**9)  # every range is left for finish()
    (name,) = writer.files_written
    path = tmp_path / "warc" / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    assert ahead.finish() == []
    assert not (tmp_path / "indexes" / "files" / (name + ".cdxj")).exists()
    report = update_index_report(tmp_path)
    assert name not in report.reused  # read again, whole, by the update (which says what is wrong)


def test_offsets_in_a_range_are_the_files_own(tmp_path: Path) -> None:
    writer, ahead = crawl_like(tmp_path, 10**9, urls=URLS[:3])
    ahead.close()
    path = tmp_path / "warc" / writer.files_written[0]
    whole = index_warc(path)
    last = json.loads(whole[-1].split(" ", 2)[2])
    start = int(last["offset"])
    # from the last response's own member to the end: its line, offset unchanged
    (line,) = [entry for entry in index_file(path, start, path.stat().st_size).lines if "story-2" in entry]
    assert json.loads(line.split(" ", 2)[2])["offset"] == last["offset"]


def test_no_boundary_no_pool(tmp_path: Path) -> None:
    ahead = AheadIndexer(tmp_path, 1)
    assert ahead.finish() == [] and ahead._pool is None


def test_capture_records_are_unchanged(tmp_path: Path) -> None:
    """The writer's callback is an observer: the records' offsets are those in the index."""
    ahead = AheadIndexer(tmp_path, 1)
    writer = WarcWriter(tmp_path / "warc")
    writer.on_boundary = ahead.boundary
    records = writer.write_exchange(exchange(URLS[0]))
    writer.close()
    ahead.finish()
    response: CaptureRecord = records.response
    (line,) = cached(tmp_path, response.warc_filename)
    entry = json.loads(line.split(" ", 2)[2])
    assert (int(entry["offset"]), int(entry["length"])) == (response.warc_offset, response.warc_length)


def test_head_and_empty_responses_are_judged_as_in_the_whole_file(tmp_path: Path) -> None:
    """HEAD responses get no line and empty 2xx are marked, range by range as for the whole file."""
    import dataclasses
    import json as _json

    ahead = AheadIndexer(tmp_path, 1)
    writer = WarcWriter(tmp_path / "warc")
    writer.on_boundary = ahead.boundary
    page = exchange(URLS[0], body=b"<html><p>the page</p></html>")
    writer.write_exchange(dataclasses.replace(page, method="HEAD", body=b""))
    writer.write_exchange(page)
    writer.write_exchange(exchange(URLS[1], body=b""))  # an empty 200 with no fuller capture
    writer.close()
    (name,) = ahead.finish()
    ahead_entry = _json.loads((tmp_path / "indexes" / "files" / "manifest.json").read_text())["files"][name]
    whole = index_file(tmp_path / "warc" / name)
    assert whole.heads == 1 and len(whole.bodiless) == 1  # the rules did fire
    assert cached(tmp_path, name) == whole.lines
    assert ahead_entry["heads"] == whole.heads
    assert [tuple(item) for item in ahead_entry["bodiless"]] == whole.bodiless
