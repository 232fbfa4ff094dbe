"""crawler.indexbuffer.IndexBuffer: rows written in batches, on its own timer (with the
progress lines off too), kept for the next flush when a write fails."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from scrapy.exceptions import NotConfigured
from twisted.internet.task import Clock

from archive.index import Index
from archive.records import CaptureRecord
from crawler.indexbuffer import IndexBuffer
from tests.crawlparts import SITE, article_row, crawler_and_spider, exchange


def capture(n: int) -> CaptureRecord:
    return CaptureRecord(url=f"{SITE}/p{n}/", status=200, mime="text/html", payload_digest=f"sha1:D{n}",
                         fetched_at="2024-03-04T10:00:00Z", warc_filename="a.warc.gz", warc_offset=n * 100,
                         warc_length=100, record_id=f"<urn:uuid:{n:08d}>")


def written(db: Path) -> tuple[int, int]:
    """``(captures, articles)`` rows another reader sees in ``db``."""
    with Index(db, readonly=True) as index:
        return index.count_captures(), len(list(index.iter_articles()))


@pytest.fixture()
def index(tmp_path: Path):
    with Index(tmp_path / "archive.db") as opened:
        yield opened


def test_rows_wait_for_a_full_batch(index: Index) -> None:
    buffer = IndexBuffer(batch_size=3, flush_secs=0)
    buffer.open(index, None)
    for n in range(2):
        buffer.add_capture(capture(n))
        buffer.add_article(article_row(f"/p{n}/", capture(n)), capture(n), [])
    assert written(index.path) == (0, 0)
    buffer.add_capture(capture(2))
    buffer.add_article(article_row("/p2/", capture(2)), capture(2), [])  # the third: a batch
    assert written(index.path) == (3, 3)
    assert buffer.articles_written == 3 and buffer.articles_by_day == {"2024-03-04": 3}


def test_captures_alone_are_written_at_four_batches(index: Index) -> None:
    buffer = IndexBuffer(batch_size=2, flush_secs=0)
    buffer.open(index, None)
    for n in range(7):
        buffer.add_capture(capture(n))
    assert written(index.path) == (0, 0)
    buffer.add_capture(capture(7))
    assert written(index.path) == (8, 0)


def test_the_timer_flushes_what_is_buffered(index: Index) -> None:
    clock = Clock()
    buffer = IndexBuffer(batch_size=50, flush_secs=5, clock=clock)
    buffer.open(index, None)
    buffer.add_capture(capture(1))
    buffer.add_article(article_row("/p1/", capture(1)), capture(1), [f"{SITE}/?p=1"])
    clock.advance(4.9)
    assert written(index.path) == (0, 0)
    clock.advance(0.1)
    assert written(index.path) == (1, 1)
    assert f"{SITE}/?p=1" in index.known_urls()  # the alias, with its article
    buffer.add_capture(capture(2))
    buffer.close()  # no more timed flushes once closed
    clock.advance(10)
    assert written(index.path) == (1, 1)


def test_the_timed_flush_runs_with_the_progress_lines_off(tmp_path: Path) -> None:
    """Before, the progress extension flushed the index: CRAWL_PROGRESS_INTERVAL_SECS=0 (a
    distributed worker's setting) left every row in memory until the crawl's end."""
    from crawler.extensions import CrawlProgress
    from crawler.session import crawl_session

    crawler, spider = crawler_and_spider(tmp_path / "data", CRAWL_PROGRESS_INTERVAL_SECS=0, ARCHIVE_INDEX_FLUSH_SECS=2)
    with pytest.raises(NotConfigured):
        CrawlProgress.from_crawler(crawler)
    session = crawl_session(crawler)
    clock = session.buffer.clock = Clock()
    session.open(spider)
    try:
        record = session.writer.write_exchange(exchange("/s/"))
        session.buffer.add_article(article_row("/s/", record), record, [])
        assert written(session.layout.db) == (0, 0)
        clock.advance(2)
        assert written(session.layout.db) == (1, 1)
    finally:
        crawler.stats.set_value("downloader/response_count", 1)
        session.close(spider, "finished")


def test_a_failed_write_keeps_the_rows_for_the_next_flush(index: Index, monkeypatch, caplog) -> None:
    buffer = IndexBuffer(batch_size=50, flush_secs=0)
    buffer.open(index, None)
    buffer.add_capture(capture(1))
    buffer.add_article(article_row("/p1/", capture(1)), capture(1), [])
    real = index.add_captures

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(index, "add_captures", full)
    buffer.flush()
    assert buffer.failure == "database or disk is full"
    assert written(index.path) == (0, 0)
    assert "`newsarchive reindex` rebuilds the index" in caplog.text
    monkeypatch.setattr(index, "add_captures", real)
    buffer.flush()
    assert written(index.path) == (1, 1)
    with Index(index.path, readonly=True) as reader:
        row = next(reader.iter_articles())
    assert row["capture_id"] is not None  # the article points at its capture's row


def test_url_state_is_read_through_and_written_with_the_flush(index: Index) -> None:
    index.upsert_url_state([{"url": f"{SITE}/feed/", "etag": '"v1"', "status": 200}])
    buffer = IndexBuffer(flush_secs=0)
    buffer.open(index, None)
    assert buffer.url_state(f"{SITE}/feed/")["etag"] == '"v1"'
    assert buffer.url_state(f"{SITE}/other/") is None
    buffer.note_url_state(f"{SITE}/feed/?utm_source=x", lastmod="2024-03-05", etag=None)  # canonical URL; None kept out
    assert buffer.url_state(f"{SITE}/feed/") == {**index.url_state(f"{SITE}/feed/"), "lastmod": "2024-03-05"}
    assert index.url_state(f"{SITE}/feed/")["lastmod"] is None
    buffer.flush()
    assert index.url_state(f"{SITE}/feed/")["lastmod"] == "2024-03-05"
    assert index.url_state(f"{SITE}/feed/")["etag"] == '"v1"'


def test_a_redirect_alias_waits_for_its_article(index: Index) -> None:
    buffer = IndexBuffer(flush_secs=0)
    buffer.open(index, None)
    buffer.add_redirect(f"{SITE}/?p=7", f"{SITE}/p7/")
    buffer.flush()
    assert f"{SITE}/?p=7" not in index.known_urls()
    buffer.add_capture(capture(7))
    buffer.add_article(article_row("/p7/", capture(7)), capture(7), [])
    buffer.flush()
    assert f"{SITE}/?p=7" in index.known_urls()
