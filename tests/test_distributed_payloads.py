"""Revisits across the processes of a distributed crawl (issue 16) against a real redis-server:
a payload one worker archived becomes, in another worker, an identical-payload-digest revisit
record that refers to the first worker's response record (WARC-Refers-To-Target-URI, -Date,
WARC-Refers-To); merged, the two workers' folders pass ``warc check`` and the revisit is a
capture of its own URL."""
from __future__ import annotations

from pathlib import Path

import redis
from scrapy.utils.test import get_crawler

import crawler.settings as defaults
from archive.warc import HttpExchange, iter_records
from crawler.distributed.keys import CrawlKeys
from crawler.spiders.backissues import BackIssuesSpider
from crawler.distributed.payloads import SharedCaptureWriter
from crawler.distributed.settings import worker_settings
from crawler.session import CrawlSession, crawl_session
from tests.helpers import run_cli
from tests.redis_server import redis_server  # noqa: F401 - the fixture

KEYS = CrawlKeys("courthousenews", "c1")
BODY = b"<html><body>" + b"the same page under two addresses " * 50 + b"</body></html>"


def worker_store(url: str, data: Path, name: str) -> tuple[CrawlSession, object]:
    """A worker's crawl session (its settings: :func:`worker_settings`), opened."""
    settings = {n: getattr(defaults, n) for n in dir(defaults) if n.isupper()}
    wanted = worker_settings(url, KEYS, name)
    settings.update({n: wanted[n] for n in ("REDIS_URL", "CRAWL_REDIS_SITE", "CRAWL_REDIS_CRAWL", "CRAWL_REDIS_ROLE",
                                            "CRAWL_REDIS_WORKER_ID", "ARCHIVE_WARC_PREFIX", "CRAWL_CAPTURE_WRITER_CLASS")})
    settings.update(ARCHIVE_DATA_DIR=str(data), ARCHIVE_EXTRACT_WORKERS=0, ARCHIVE_CDXJ_AHEAD_BYTES=0)
    crawler = get_crawler(BackIssuesSpider, settings)
    spider = crawler._create_spider(site="http://127.0.0.1:9/")
    store = crawl_session(crawler)
    assert isinstance(store.writer, SharedCaptureWriter)
    store.open(spider)
    return store, spider


def exchange(url: str) -> HttpExchange:
    return HttpExchange(url=url, method="GET", request_headers=[(b"Host", b"127.0.0.1:9")], request_body=b"",
                        status=200, response_headers=[(b"Content-Type", b"text/html")], body=BODY)


def test_a_payload_another_worker_archived_is_a_revisit_of_its_record(redis_server, tmp_path):
    first, first_spider = worker_store(redis_server.url, tmp_path / "w1", "w1")
    second, second_spider = worker_store(redis_server.url, tmp_path / "w2", "w2")
    original = first.writer.write_exchange(exchange("http://127.0.0.1:9/a/"))
    revisit = second.writer.write_exchange(exchange("http://127.0.0.1:9/b/"))
    fresh = second.writer.write_exchange(HttpExchange(**{**exchange("http://127.0.0.1:9/c/").__dict__, "body": b"other"}))
    assert original.record_type == "response" and fresh.record_type == "response"
    assert revisit.record_type == "revisit" and revisit.payload_digest == original.payload_digest
    assert (revisit.refers_to_uri, revisit.refers_to_date) == (original.url, original.fetched_at)
    shared = redis.Redis.from_url(redis_server.url).hgetall(KEYS.payloads)
    assert {k.decode() for k in shared} == {original.payload_digest, fresh.payload_digest}
    for store, spider in ((first, first_spider), (second, second_spider)):
        store.close(spider, "finished")
    records = {r.warc_headers["WARC-Target-URI"]: r for p in (tmp_path / "w2" / "warc").glob("*.warc.gz")
               for _o, _l, r in iter_records(p) if r.rec_type == "revisit"}
    headers = records["http://127.0.0.1:9/b/"].warc_headers
    assert headers["WARC-Refers-To"] == original.record_id
    assert headers["WARC-Profile"].endswith("/identical-payload-digest")

    merged = tmp_path / "merged"
    run_cli(merged, "merge", str(tmp_path / "w1"), str(tmp_path / "w2"), check=True)
    check = run_cli(merged, "warc", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    from tests.test_replay import ReplayServer

    timestamp = "".join(ch for ch in revisit.fetched_at if ch.isdigit())[:14]
    with ReplayServer(merged) as server:  # the revisit replays with the other worker's payload
        status, _headers, body = server.get(f"/archive/{timestamp}id_/http://127.0.0.1:9/b/")
    assert status == 200 and body == BODY
