"""crawler.capture.CaptureWriter (the WARC records and the revisit rule, WARC 1.1 section
6.7.2) and the capture middleware in front of it (conditional requests, RFC 9110 section
13.1; the archived copy behind a listing's 304; redirect aliases)."""
from __future__ import annotations

from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response
from scrapy.settings import Settings

import crawler.settings as defaults
from archive.index import Index
from archive.urls import match_key
from archive.warc import PROFILE_IDENTICAL_PAYLOAD, PROFILE_SERVER_NOT_MODIFIED, iter_records
from crawler.capture import CaptureWriter
from crawler.indexbuffer import IndexBuffer
from crawler.middlewares import WarcCaptureMiddleware
from crawler.session import crawl_session
from tests.crawlparts import SITE, article_row, crawler_and_spider, exchange

PAGE = b"<html><body>" + b"a story worth keeping " * 40 + b"</body></html>"
ETAG = [(b"Content-Type", b"text/html"), (b"ETag", b'"v1"'), (b"Last-Modified", b"Mon, 04 Mar 2024 10:00:00 GMT")]


class Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, n: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + n


@pytest.fixture()
def writer(tmp_path: Path):
    settings = Settings()
    settings.setmodule(defaults)
    settings.set("ARCHIVE_CDXJ_AHEAD_BYTES", 0)
    with Index(tmp_path / "archive.db") as index:
        buffer = IndexBuffer(flush_secs=0)
        buffer.open(index, None)
        capture_writer = CaptureWriter(buffer, Stats(), settings)
        capture_writer.open(tmp_path / "warc", tmp_path, {"software": "test"})
        yield capture_writer
        capture_writer.close()
        buffer.close()


def test_writing_before_open_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="not open"):
        CaptureWriter(IndexBuffer(), Stats(), Settings()).write_exchange(exchange("/a/"))


def test_a_new_payload_is_a_response_and_a_repeated_one_a_revisit(writer: CaptureWriter) -> None:
    first = writer.write_exchange(exchange("/a/", PAGE, headers=ETAG))
    again = writer.write_exchange(exchange("/a-copy/", PAGE))
    assert first.record_type == "response"
    assert again.record_type == "revisit" and again.profile == PROFILE_IDENTICAL_PAYLOAD
    assert (again.refers_to_uri, again.refers_to_date) == (first.url, first.fetched_at)
    assert again.payload_digest == first.payload_digest
    assert writer.stats.values == {"newsarchive/revisits": 1}
    # the pipeline indexes the revisit's article against the record that holds the payload
    assert writer.payload_capture(again)[0].record_id == first.record_id
    assert writer.payload_capture(first) == (first, None)
    state = writer.buffer.url_state(SITE + "/a/")
    assert state["etag"] == '"v1"' and state["payload_digest"] == first.payload_digest and state["status"] == 200


def test_a_payload_of_an_earlier_crawl_is_a_revisit_of_its_record(writer: CaptureWriter) -> None:
    first = writer.write_exchange(exchange("/a/", PAGE))
    writer.buffer.flush()
    writer._payloads.clear()  # as in the next crawl: only the index knows the record
    again = writer.write_exchange(exchange("/b/", PAGE))
    assert again.record_type == "revisit" and again.refers_to_uri == first.url
    payload, capture_id = writer.payload_capture(again)
    assert payload.record_id == first.record_id and capture_id is not None


def test_a_304_to_a_conditional_request_is_a_not_modified_revisit(writer: CaptureWriter) -> None:
    first = writer.write_exchange(exchange("/feed/", PAGE, headers=ETAG))
    unasked = writer.write_exchange(exchange("/feed/", b"", status=304))
    assert unasked.record_type == "response"  # not our conditional request: as it came
    revisit = writer.write_exchange(exchange("/feed/", b"", status=304), conditional=True)
    assert revisit.record_type == "revisit" and revisit.profile == PROFILE_SERVER_NOT_MODIFIED
    assert revisit.refers_to_uri == first.url and revisit.payload_digest == first.payload_digest
    assert writer.buffer.url_state(SITE + "/feed/")["status"] == 304


def test_partial_and_empty_responses_are_responses(writer: CaptureWriter) -> None:
    writer.write_exchange(exchange("/a/", PAGE))
    assert writer.write_exchange(exchange("/a/", PAGE, status=206)).record_type == "response"
    assert writer.write_exchange(exchange("/empty/", b"")).record_type == "response"
    assert writer.write_exchange(exchange("/empty2/", b"")).record_type == "response"


def test_every_record_gets_a_captures_row(writer: CaptureWriter, tmp_path: Path) -> None:
    records = [writer.write_exchange(exchange(f"/{n}/", PAGE if n else b"x")) for n in range(3)]
    metadata = writer.write_metadata(records[1], {"title": "Story"})
    assert metadata is not None and metadata.record_type == "metadata"
    writer.buffer.flush()
    writer.close()
    assert writer.buffer.index.count_captures() == 3
    assert len(writer.files_written) == 1
    types = [r.rec_type for p in (tmp_path / "warc").glob("*.warc.gz") for _o, _l, r in iter_records(p)]
    assert types.count("response") == 2 and types.count("revisit") == 1 and types.count("metadata") == 1


# ---- the capture middleware ---------------------------------------------------------------------
@pytest.fixture()
def middleware(tmp_path: Path):
    crawler, spider = crawler_and_spider(tmp_path / "data")
    session = crawl_session(crawler)
    session.open(spider)
    yield WarcCaptureMiddleware.from_crawler(crawler)
    crawler.stats.set_value("downloader/response_count", 1)
    session.close(spider, "shutdown")


def response_to(request: Request, body: bytes = PAGE, status: int = 200,
                headers: dict[str, str] | None = None) -> Response:
    return HtmlResponse(request.url, status=status, body=body, request=request,
                        headers=headers or {"Content-Type": "text/html", "ETag": '"v1"'})


def test_a_listing_seen_before_is_asked_for_conditionally(middleware: WarcCaptureMiddleware) -> None:
    listing = Request(SITE + "/category/news/", meta={"role": "home"})
    middleware.process_request(listing)
    assert not listing.meta["conditional"] and b"If-None-Match" not in listing.headers  # never seen
    middleware.process_response(listing, response_to(listing))
    again = Request(SITE + "/category/news/", meta={"role": "home"})
    middleware.process_request(again)
    assert again.meta["conditional"] and again.headers[b"If-None-Match"] == b'"v1"'
    # an article only when it is revalidated on purpose (revisit window, newer lastmod)
    article = Request(SITE + "/category/news/", meta={"role": "article"})
    middleware.process_request(article)
    assert not article.meta["conditional"]
    revalidated = Request(SITE + "/category/news/", meta={"role": "article", "revalidate": True})
    middleware.process_request(revalidated)
    assert revalidated.meta["conditional"]


def test_a_listings_304_brings_back_its_archived_copy(middleware: WarcCaptureMiddleware) -> None:
    first = Request(SITE + "/category/news/", meta={"role": "home"})
    middleware.process_request(first)
    middleware.process_response(first, response_to(first))
    again = Request(SITE + "/category/news/", meta={"role": "home"})
    middleware.process_request(again)
    answer = middleware.process_response(again, response_to(again, b"", status=304, headers={}))
    assert again.meta["capture"].record_type == "revisit"
    assert answer.status == 200 and answer.body == PAGE and "archived" in answer.flags


def test_an_articles_redirect_becomes_an_alias(middleware: WarcCaptureMiddleware) -> None:
    hop = Request(SITE + "/?p=7", meta={"role": "article"})
    middleware.process_request(hop)
    middleware.process_response(hop, response_to(hop, b"", status=301, headers={"Location": "/p7/"}))
    page = Request(SITE + "/p7/", meta={"role": "article"})
    middleware.process_request(page)
    middleware.process_response(page, response_to(page))
    assert hop.meta["capture"].status == 301 and page.meta["capture"].status == 200
    buffer = middleware.session.buffer
    buffer.add_article(article_row("/p7/", page.meta["capture"]), page.meta["capture"], [])
    buffer.flush()
    assert SITE + "/?p=7" in middleware.session.index.known_urls()


def test_a_page_a_killed_crawl_did_not_extract_is_read_from_warc(middleware: WarcCaptureMiddleware) -> None:
    page = Request(SITE + "/p9/", meta={"role": "article"})
    middleware.process_request(page)
    middleware.process_response(page, response_to(page))
    middleware.session.buffer.flush()
    row = dict(middleware.session.index.capture_for_digest(page.meta["capture"].payload_digest))
    middleware.session.plan.recovered.unextracted = {match_key(row["url"]): row}
    again = Request(SITE + "/p9/", meta={"role": "article"})
    answer = middleware.process_request(again)
    assert answer is not None and answer.body == PAGE and "recovered" in answer.flags
    assert again.meta["capture"].record_id == row["record_id"]
    assert middleware.process_response(again, answer) is answer  # archived already: not written again
    assert not middleware.session.plan.recovered.unextracted  # answered once
