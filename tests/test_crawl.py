"""End to end: crawl our mock news site with the CLI, then check WARC, index, search, export.

One crawl of the mock site with faults on (conftest's session-wide ``mock_crawl``, shared
with the replay tests); each test checks one promise against the site's own request log and
ground truth.
"""
from __future__ import annotations

import collections
import datetime as dt
import gzip
import io
import json
import subprocess
from pathlib import Path

import pytest

from archive.index import Index
from archive.urls import match_key
from archive.warc import iter_records, read_record
from tests.conftest import MOCK_SINCE, MOCK_UNTIL
from tests.helpers import run_cli
from tests.mocksite import MockSite

ROOT = Path(__file__).resolve().parents[1]
SINCE, UNTIL = MOCK_SINCE, MOCK_UNTIL


def cli(data: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = run_cli(data, *args)
    if check and result.returncode:
        raise subprocess.CalledProcessError(result.returncode, result.args, result.stdout, result.stderr)
    return result


@pytest.fixture()
def crawled(mock_crawl):
    """The shared crawl (read only): data, site, url, log, stderr, expected, served."""
    return mock_crawl


def warc_records(data: Path) -> list[tuple[Path, int, int, object]]:
    out = []
    for path in sorted((data / "warc").glob("*.warc.gz")):
        for offset, length, record in iter_records(path):
            out.append((path, offset, length, record))
    return out


def article_rows(data: Path) -> list[dict]:
    with Index(data / "archive.db", readonly=True) as index:
        return list(index.iter_articles())


def test_every_article_in_range_is_archived_once(crawled):
    rows = article_rows(crawled["data"])
    got = collections.Counter(match_key(r["canonical_url"]) for r in rows)
    want = {match_key(crawled["url"] + a.path) for a in crawled["expected"]}
    assert set(got) == want
    assert all(n == 1 for n in got.values())


def test_no_listing_or_out_of_range_page_becomes_an_article(crawled):
    rows = article_rows(crawled["data"])
    for row in rows:
        assert SINCE <= (row["published"] or "")[:10] <= UNTIL, row["url"]
        assert "/category/" not in row["url"] and "/top-" not in row["url"] and "/20" not in row["url"]


def test_extracted_fields(crawled):
    rows = {match_key(r["canonical_url"]): r for r in article_rows(crawled["data"])}
    for article in crawled["expected"]:
        row = rows[match_key(crawled["url"] + article.path)]
        assert row["title"] == article.title
        assert [a.lower() for a in row["authors"]] == [a.lower() for a in article.authors]
        assert row["published"][:10] == article.date.isoformat()
        assert row["warc_filename"] and row["warc_length"] > 0
        words = set(article.text.split()[:40])
        assert len(words & set(row["text"].split())) > 0.8 * len(words)


def test_politeness_robots_traps_and_scope(crawled):
    log = crawled["log"]
    assert log, "the site saw no requests"
    assert not [e for e in log if e.get("robots_violation")]
    assert not [e for e in log if e.get("trap")]
    assert not [e for e in log if e.get("amp")]
    assert not [e for e in log if e["path"].startswith("/big-page")]
    fetched = collections.Counter(e["article"] for e in log if e.get("article") and e["status"] == 200)
    assert fetched and max(fetched.values()) == 1, fetched
    out_of_range = [a.slug for a in crawled["site"].articles if not SINCE <= a.date.isoformat() <= UNTIL]
    assert out_of_range and not set(out_of_range) & set(fetched)
    assert all(e["ua"].startswith("newsarchive/") for e in log)


def test_retry_after_429_and_503_are_retried_and_archived(crawled):
    log = crawled["log"]
    first = {}
    for e in log:
        first.setdefault(e["path"], []).append(e)
    retried = [entries for entries in first.values() if entries[0]["status"] in (429, 503)]
    assert len(retried) >= 2
    for entries in retried:
        assert entries[-1]["status"] == 200
        if entries[0]["status"] == 429:  # Retry-After: 1
            assert entries[1]["t"] - entries[0]["t"] >= 0.9
    statuses = collections.Counter(r.status for _, _, _, r in warc_records(crawled["data"]) if r.rec_type == "response")
    assert statuses[429] >= 1 and statuses[503] >= 1


def test_every_exchange_is_in_warc_as_request_and_response(crawled):
    records = warc_records(crawled["data"])
    responses = [r for _, _, _, r in records if r.rec_type in ("response", "revisit")]
    requests = [r for _, _, _, r in records if r.rec_type == "request"]
    assert len(responses) == len(crawled["log"])
    assert len(requests) == len(responses)
    ids = {r.warc_headers["WARC-Record-ID"] for r in responses}
    assert all(r.warc_headers["WARC-Concurrent-To"] in ids for r in requests)
    first = records[0][3]
    assert first.rec_type == "warcinfo"


def test_redirect_hops_are_archived(crawled):
    """Case B04: the 301 of a /?p=N shortlink is its own response record with Location."""
    redirects = [r for _, _, _, r in warc_records(crawled["data"]) if r.rec_type == "response" and r.status == 301]
    assert redirects
    assert all(r.header("Location") for r in redirects)
    with Index(crawled["data"] / "archive.db", readonly=True) as index:
        for r in redirects:
            target = r.header("Location")
            if "/?p=" in r.warc_headers["WARC-Target-URI"]:
                assert index.article_id_for(r.warc_headers["WARC-Target-URI"]) == index.article_id_for(target)


def test_gzip_and_chunked_bodies_are_stored_as_received(crawled):
    """Cases B01-B03: gzip kept with its Content-Encoding, no chunked framing claimed, the
    chunked article's Transfer-Encoding recorded."""
    records = [r for _, _, _, r in warc_records(crawled["data"]) if r.rec_type == "response"]
    gzipped = [r for r in records if (r.header("Content-Encoding") or "") == "gzip"]
    assert gzipped
    for r in records:
        assert "chunked" not in (r.header("Transfer-Encoding") or "")
        assert int(r.header("Content-Length")) == len(r.raw_payload)
    for r in gzipped:
        assert r.raw_payload[:2] == b"\x1f\x8b"
        assert gzip.decompress(r.raw_payload) == r.payload
    chunked = [r for r in records if r.header("X-Archive-Orig-Transfer-Encoding")]
    assert chunked, "the mock site's chunked article is stored with its framing recorded"
    assert all(r.header("X-Archive-Orig-Transfer-Encoding") == "chunked" for r in chunked)
    assert all(int(r.header("Content-Length")) == len(r.raw_payload) for r in chunked)
    # header names as the server sent them (Twisted would give Scrapy "Etag")
    with_etag = [r for r in records if r.status == 200 and r.header("ETag")]
    assert with_etag, "the mock site sends an ETag on its 200 pages"
    assert all("ETag" in dict(r.http_headers) for r in with_etag)


def test_replayed_bytes_equal_served_bytes(crawled):
    rows = {match_key(r["canonical_url"]): r for r in article_rows(crawled["data"])}
    for slug, body in crawled["served"].items():
        row = rows[match_key(f"{crawled['url']}/{slug}/")]
        record = read_record(crawled["data"] / "warc" / row["warc_filename"], row["warc_offset"])
        assert record.rec_type == "response" and record.status == 200
        assert record.payload == body


def test_cdxj_indexer_reads_every_file(crawled):
    from cdxj_indexer.main import CDXJIndexer

    for path in (crawled["data"] / "warc").glob("*.warc.gz"):
        out = io.StringIO()
        CDXJIndexer(output=out, inputs=[str(path)]).process_all()
        lines = out.getvalue().splitlines()
        assert lines and all(json.loads(line.split(" ", 2)[2])["filename"] == path.name for line in lines)


def test_search_and_export(crawled):
    data = crawled["data"]
    result = cli(data, "search", "Kazakhstan", "--json")
    hits = json.loads(result.stdout)["hits"]
    assert [h["title"] for h in hits] == ["Federal judge blocks Kazakhstan pipeline seizure pending arbitration"]
    assert "[Kazakhstan]" in hits[0]["snippet"]
    result = cli(data, "export", "--format", "jsonl")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == len(crawled["expected"])
    assert list(lines[0]) == ["id", "url", "canonical_url", "title", "authors", "published", "modified", "categories",
                              "tags", "description", "sitename", "language", "text", "warc_filename",
                              "warc_offset", "warc_length", "fetched_at", "replay_url"]


def test_progress_and_summary_are_printed(crawled):
    err = crawled["stderr"]
    assert "Crawl finished:" in err and "articles archived" in err
    assert "Articles per issue date:" in err and "2024-03-04" in err
    assert "Skipped, and why:" in err
    assert "Traceback" not in err


def test_second_crawl_fetches_no_article_again(crawled, tmp_path):
    """Articles already in the index are not fetched again by a later crawl."""
    site: MockSite = crawled["site"]
    with MockSite(log_path=tmp_path / "again.jsonl") as again:
        # a fresh site process with the same content, on another port: point the index at it
        data = tmp_path / "data"
        cli(data, "crawl", "courthousenews", "--base-url", again.url, "--since", "2024-03-04", "--until", "2024-03-05",
            "-s", "DOWNLOAD_DELAY=0.01")
        before = [e for e in again.requests() if e.get("article") and e["status"] == 200]
        cli(data, "crawl", "courthousenews", "--base-url", again.url, "--since", "2024-03-04", "--until", "2024-03-05",
            "-s", "DOWNLOAD_DELAY=0.01")
        after = [e for e in again.requests() if e.get("article") and e["status"] == 200]
    assert before and len(after) == len(before)
    assert site is not None


def test_teaser_context_makes_an_unmarked_story_an_article():
    from archive.records import ExtractedArticle
    from crawler.pipelines import is_article

    long_text = " ".join(["word"] * 400)
    unmarked = ExtractedArticle(title="A story", text=long_text, is_article=False)
    assert is_article(unmarked, teaser_dated=True)
    assert not is_article(unmarked, teaser_dated=False)
    assert not is_article(ExtractedArticle(title="Listing", text="word " * 50, is_article=False), teaser_dated=True)
    assert is_article(ExtractedArticle(title="x", text="short", is_article=True), teaser_dated=False)


def test_court_filings_linked_from_an_article_are_requested_without_parsing_the_page():
    from scrapy.http import HtmlResponse, Request
    from scrapy.settings import Settings

    from crawler.spiders.backissues import BackIssuesSpider

    spider = BackIssuesSpider(site="courthousenews", base_url="https://www.courthousenews.com")
    spider.settings = Settings({"CRAWL_FETCH_DOCUMENTS": True})
    body = (b'<html><body><article><p>Story.</p>'
            b'<a class="pdf" href="/wp-content/uploads/2024/03/complaint.pdf">Complaint</a>'
            b"<A HREF='https://www.courthousenews.com/wp-content/uploads/2024/03/order.pdf?v=1&amp;x=2'>Order</A>"
            b'<a href=/wp-content/uploads/2024/03/ruling.PDF>Ruling</a>'
            b'<a data-href="/wp-content/uploads/2024/03/not-a-link.pdf" href="/about/">About</a>'
            b'<img src="/wp-content/uploads/2024/03/photo.jpg">'
            b'<a href="https://elsewhere.example/wp-content/uploads/2024/03/offsite.pdf">Offsite</a>'
            b'<a href="/wp-content/uploads/2024/03/photo.jpg">Photo</a>'
            b'</article></body></html>')
    url = "https://www.courthousenews.com/some-story/"
    response = HtmlResponse(url, body=body, encoding="utf-8", request=Request(url, meta={"role": "article"}))
    out = list(spider.parse_article(response))
    documents = sorted(r.url for r in out if isinstance(r, Request))
    assert documents == [
        "https://www.courthousenews.com/wp-content/uploads/2024/03/complaint.pdf",
        "https://www.courthousenews.com/wp-content/uploads/2024/03/order.pdf?v=1&x=2",
        "https://www.courthousenews.com/wp-content/uploads/2024/03/ruling.PDF",
    ]
    assert sum(1 for r in out if not isinstance(r, Request)) == 1  # the article item itself


def test_upload_hrefs_only_from_a_tags_and_unclosed_tags_yield_nothing():
    from crawler.profiles import upload_hrefs

    body = (b'<a title="/wp-content/uploads/2024/03/title.pdf" href="/x">t</a>'
            b'<a href="/x" title="/wp-content/uploads/2024/03/after.pdf">u</a>'
            b'<a\nhref="/wp-content/uploads/2024/03/newline.pdf">n</a>'
            b'<link href="/wp-content/uploads/2024/03/style.css">')
    assert upload_hrefs(body) == [b"/wp-content/uploads/2024/03/newline.pdf"]
    # Unclosed tags and quotes by the hundred thousand: nothing is an href, and the scan
    # stays linear (a whole-page regex here backtracks for hours).
    assert upload_hrefs(b"<a " * 200_000 + b"/wp-content/uploads/2024/03/x.pdf") == []
    assert upload_hrefs(b'<a href="' * 200_000 + b"/wp-content/uploads/2024/03/x.pdf") == []


def test_page_deferred_by_a_long_retry_after_is_fetched_by_the_next_crawl(tmp_path):
    """Case B07: a Retry-After longer than CRAWL_RETRY_AFTER_MAX_SECS leaves the page for the
    next scheduled run (kept in the index), which fetches it even outside its own range."""
    import sqlite3

    from tests.helpers import run_cli
    from tests.mocksite import MockSite

    data = tmp_path / "data"
    with MockSite(log_path=tmp_path / "requests.jsonl") as site:
        throttled = next(a for a in site.articles if a.fault == "429")
        day = throttled.date.isoformat()
        fast = ["-s", "DOWNLOAD_DELAY=0.01", "-s", "AUTOTHROTTLE_ENABLED=False"]
        first = run_cli(data, "crawl", "courthousenews", "--base-url", site.url, "--since", day, "--until", day,
                        "-s", "CRAWL_RETRY_AFTER_MAX_SECS=0", *fast, check=True)
        assert "left for the next crawl" in first.stderr
        db = sqlite3.connect(data / "archive.db")
        assert not db.execute("SELECT 1 FROM articles WHERE url LIKE ?", (f"%/{throttled.slug}/%",)).fetchone()
        assert [r[0] for r in db.execute("SELECT url FROM deferred_urls")] == [f"{site.url}/{throttled.slug}/"]
        # The next crawl covers other days only; the deferred page is fetched all the same.
        later = (throttled.date + dt.timedelta(days=20)).isoformat()
        second = run_cli(data, "crawl", "courthousenews", "--base-url", site.url, "--since", later, "--until", later,
                         *fast, check=True)
        assert "Fetching 1 pages the last crawl deferred" in second.stderr
        assert db.execute("SELECT 1 FROM articles WHERE url LIKE ?", (f"%/{throttled.slug}/%",)).fetchone()
        assert db.execute("SELECT count(*) FROM deferred_urls").fetchone()[0] == 0
        db.close()
