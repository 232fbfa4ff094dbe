"""``newsarchive reindex``: archive.db rebuilt from the WARC files alone matches the original.

The archive here is written the way the crawler writes one (WarcWriter exchanges, revisits
and per-article metadata records in the ``newsarchive-article/1`` format; Index rows as the
crawler's store adds them), without Scrapy, so these tests do not depend on the crawler.
"""
from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from archive.cli import main
from archive.export import export_articles
from archive.extract import extract
from archive.index import ArticleRow, Index
from archive.records import CaptureRecord
from archive.records import METADATA_RECORD_FORMAT as ARTICLE_RECORD_FORMAT
from archive.reindex import ReindexError, reindex
from archive.urls import canonical_url
from archive.warc import (
    PROFILE_IDENTICAL_PAYLOAD,
    PROFILE_SERVER_NOT_MODIFIED,
    HttpExchange,
    WarcWriter,
)

SITE = "https://news.example"
T0 = dt.datetime(2024, 3, 5, 12, 0, tzinfo=dt.timezone.utc)


def article_html(slug: str, title: str, author: str, published: str, paragraphs: list[str],
                 canonical: str | None = None) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    canonical = canonical or f"{SITE}/2024/03/{slug}/"
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
                     "author": {"@type": "Person", "name": author}, "datePublished": published})
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} | Mock News</title>'
            f'<link rel="canonical" href="{canonical}"><meta property="og:type" content="article">'
            f'<script type="application/ld+json">{ld}</script></head><body><nav>Home Sections</nav>'
            f"<article><h1>{title}</h1>{body}</article><footer>(c) Mock News</footer></body></html>").encode()


def paragraphs(topic: str) -> list[str]:
    return [f"{topic} was the subject of a long hearing in the federal district court on Friday, "
            "where lawyers for both sides argued for hours about the evidence.",
            f"The judge said a written ruling on {topic} would follow within the next two weeks, "
            "and both parties said they expected to appeal whatever the outcome."]


@dataclass
class Archive:
    """A small archive written as the crawler writes one."""

    data: Path
    writer: WarcWriter
    index: Index
    crawl_id: int
    clock: dt.datetime = T0
    #: URL -> (response pointer, payload digest) of the first capture, for revisits
    seen_digests: dict[str, CaptureRecord] = field(default_factory=dict)
    responses: list[CaptureRecord] = field(default_factory=list)

    def tick(self) -> dt.datetime:
        self.clock += dt.timedelta(seconds=7)
        return self.clock

    def exchange(self, url: str, body: bytes, *, status: int = 200, headers: list[tuple[bytes, bytes]] | None = None,
                 request_headers: list[tuple[bytes, bytes]] | None = None) -> CaptureRecord:
        """Fetch: a response record, or an identical-payload revisit when the digest is known."""
        exchange = HttpExchange(url=url, method="GET", request_headers=request_headers or [(b"User-Agent", b"t")],
                                status=status, response_headers=headers or [(b"Content-Type", b"text/html; charset=utf-8")],
                                body=body, fetched_at=self.tick())
        from archive.warc import sha1_digest

        digest = sha1_digest(body)
        earlier = self.seen_digests.get(digest)
        if status == 304:
            assert earlier is None
            original = next(r for r in self.responses if r.url == url)
            records = self.writer.write_revisit(exchange, profile=PROFILE_SERVER_NOT_MODIFIED, refers_to_uri=original.url,
                                                refers_to_date=original.fetched_at, refers_to_record_id=original.record_id)
        elif earlier is not None and body:
            records = self.writer.write_revisit(exchange, profile=PROFILE_IDENTICAL_PAYLOAD, refers_to_uri=earlier.url,
                                                refers_to_date=earlier.fetched_at, refers_to_record_id=earlier.record_id,
                                                payload_digest=digest)
        else:
            records = self.writer.write_exchange(exchange)
            if body:
                self.seen_digests[digest] = records.response
        self.index.add_captures([records.response], self.crawl_id)
        self.responses.append(records.response)
        return records.response

    def article(self, capture: CaptureRecord, body: bytes, url: str, *, issue_date: str | None,
                aliases: tuple[str, ...] | list[str] = (), headers: dict[str, str] | None = None,
                override: dict[str, Any] | None = None) -> ArticleRow:
        """Extract, index and write the metadata record, as the pipelines and store do."""
        extracted = extract(body, url, headers or {"Content-Type": "text/html; charset=utf-8"})
        for name, value in (override or {}).items():
            setattr(extracted, name, value)
        canonical = canonical_url(extracted.canonical_url or url)
        capture_id = self.index.add_captures([capture], self.crawl_id)[0]
        row = ArticleRow.from_extracted(extracted, canonical_url=canonical, url=url, site="mock",
                                        issue_date=issue_date, capture=capture, capture_id=capture_id)
        self.index.upsert_articles([row])
        alias_list = sorted(set(aliases) - {canonical})
        self.index.add_aliases([(a, canonical) for a in alias_list])
        fields = {**extracted.to_dict(), "canonical_url": canonical, "url": url, "site": "mock",
                  "issue_date": issue_date, "aliases": alias_list, "record": ARTICLE_RECORD_FORMAT}
        self.writer.write_metadata(capture, fields, date=self.clock)
        return row


def build_archive(data: Path, *, max_bytes: int = 6000) -> dict[str, Any]:
    """Write a small archive into ``data``: 4 articles, a listing, a redirect, a revision, a
    gzip page, an identical-payload revisit and a 304 revisit, over several WARC files."""
    writer = WarcWriter(data / "warc", max_bytes=max_bytes, info={"operator": "tests"})
    index = Index(data / "archive.db")
    crawl_id = index.start_crawl("mock", since="2024-03-01", until="2024-03-31", args={})
    arc = Archive(data, writer, index, crawl_id)
    info: dict[str, Any] = {}

    arc.exchange(f"{SITE}/robots.txt", b"User-agent: *\nAllow: /\n", headers=[(b"Content-Type", b"text/plain")])
    listing = b"<html><body><a href='/2024/03/story-1/'>One</a><a href='/?p=2'>Two</a></body></html>"
    arc.exchange(f"{SITE}/2024/03/05/", listing)

    # 1: reached with tracking parameters; canonical is the clean URL
    body1 = article_html("story-1", "Judge rules on pipeline", "Ana Roe", "2024-03-05T10:00:00-05:00",
                         paragraphs("The pipeline"))
    url1 = f"{SITE}/2024/03/story-1/?utm_source=feed"
    cap1 = arc.exchange(url1, body1)
    arc.article(cap1, body1, url1, issue_date="2024-03-05", aliases=[url1])

    # 2: a shortlink redirect, then the article
    short = f"{SITE}/?p=2"
    arc.exchange(short, b"", status=301, headers=[(b"Location", f"{SITE}/2024/03/story-2/".encode()),
                                                  (b"Content-Length", b"0")])
    body2 = article_html("story-2", "Café owners sue the city", "Bo Li, Cy Dee", "2024-03-05",
                         paragraphs("The café lawsuit"))
    url2 = f"{SITE}/2024/03/story-2/"
    cap2 = arc.exchange(url2, body2)
    arc.article(cap2, body2, url2, issue_date="2024-03-05", aliases=[short])

    # 3: served gzip (stored gzip, extracted from the decoded body)
    body3 = article_html("story-3", "Council passes budget", "Dee Ex", "2024-03-06T08:30:00Z", paragraphs("The budget"))
    url3 = f"{SITE}/2024/03/story-3/"
    cap3 = arc.exchange(url3, gzip.compress(body3, mtime=0),
                        headers=[(b"Content-Type", b"text/html"), (b"Content-Encoding", b"gzip"),
                                 (b"Transfer-Encoding", b"chunked")])
    arc.article(cap3, body3, url3, issue_date="2024-03-06")

    # 4: captured twice; the publisher revised it in between: the newest capture wins
    url4 = f"{SITE}/2024/03/story-4/"
    body4a = article_html("story-4", "Storm closes schools", "Eve Fay", "2024-03-07", paragraphs("The storm"))
    cap4a = arc.exchange(url4, body4a)
    arc.article(cap4a, body4a, url4, issue_date="2024-03-07")
    body4b = article_html("story-4", "Storm closes schools for two days", "Eve Fay", "2024-03-07",
                          paragraphs("The storm") + ["Update: schools reopen on Monday."])
    cap4b = arc.exchange(url4, body4b)
    arc.article(cap4b, body4b, url4, issue_date="2024-03-07")

    # a repeated payload under another URL (identical-payload-digest revisit), and a 304
    arc.exchange(f"{SITE}/2024/03/story-1/amp/", body1)
    arc.exchange(url2, b"", status=304, request_headers=[(b"If-None-Match", b'"v1"')],
                 headers=[(b"ETag", b'"v1"')])
    arc.exchange(f"{SITE}/feed/", b"<rss></rss>", headers=[(b"Content-Type", b"application/rss+xml")])

    index.finish_crawl(crawl_id, status="finished", stats={})
    writer.close()
    index.close()
    info["files"] = writer.files_written
    info["urls"] = {"1": canonical_url(url1), "2": url2, "3": url3, "4": url4}
    return info


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    data = tmp_path_factory.mktemp("original") / "data"
    info = build_archive(data)
    return data, info


def export_jsonl(data: Path) -> list[dict[str, Any]]:
    import io

    out = io.StringIO()
    with Index(data / "archive.db", readonly=True) as index:
        export_articles(index, "jsonl", out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def table(data: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(data / "archive.db")
    try:
        return sorted(conn.execute(sql).fetchall(), key=repr)
    finally:
        conn.close()


CAPTURE_SQL = ("SELECT url, status, mime, payload_digest, fetched_at, warc_filename, warc_offset, warc_length,"
               " record_id, record_type, profile, refers_to_uri, refers_to_date FROM captures")
ALIAS_SQL = "SELECT aliases.url, articles.canonical_url FROM aliases JOIN articles ON articles.id = aliases.article_id"


def copy_warcs(source: Path, target: Path) -> Path:
    (target / "warc").mkdir(parents=True)
    for path in sorted((source / "warc").glob("*.warc.gz")):
        shutil.copy2(path, target / "warc" / path.name)
    return target


@pytest.fixture(scope="module")
def rebuilt(original: tuple[Path, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory):
    data = copy_warcs(original[0], tmp_path_factory.mktemp("rebuilt") / "data")
    stats = reindex(data)
    return data, stats


def test_fixture_spans_several_warc_files(original) -> None:
    assert len(original[1]["files"]) >= 3


def test_rebuilt_export_matches_the_original(original, rebuilt) -> None:
    before, after = export_jsonl(original[0]), export_jsonl(rebuilt[0])
    assert len(before) == 4
    assert [a["url"] for a in after] == [b["url"] for b in before]
    for old, new in zip(before, after):
        for name in ("title", "authors", "published", "text"):
            assert new[name] == old[name], (old["url"], name)
    assert after == before  # every exported field, WARC pointers included


def test_rebuilt_captures_and_aliases_match_the_original(original, rebuilt) -> None:
    assert table(rebuilt[0], CAPTURE_SQL) == table(original[0], CAPTURE_SQL)
    assert table(rebuilt[0], ALIAS_SQL) == table(original[0], ALIAS_SQL)
    kinds = table(rebuilt[0], "SELECT record_type, profile, status FROM captures WHERE record_type = 'revisit'")
    assert kinds == sorted([("revisit", PROFILE_IDENTICAL_PAYLOAD, 200), ("revisit", PROFILE_SERVER_NOT_MODIFIED, 304)],
                           key=repr)


def test_stats_count_what_was_read(rebuilt) -> None:
    stats = rebuilt[1]
    assert stats.articles == 4 and stats.metadata == 5 and stats.revisits == 2
    assert stats.captures == 11 and not stats.damaged and not stats.orphans
    assert stats.backup_path is None  # there was no index before
    assert not (rebuilt[0] / "archive.db.rebuild").exists()


def test_newest_capture_of_a_revised_article_wins(rebuilt, original) -> None:
    rows = {r["canonical_url"]: r for r in export_jsonl(rebuilt[0])}
    story4 = rows[original[1]["urls"]["4"]]
    assert story4["title"] == "Storm closes schools for two days"
    assert "reopen on Monday" in story4["text"]


def test_reindex_in_place_keeps_the_old_index_as_bak(original, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(original[0], data)
    before = export_jsonl(data)
    with Index(data / "archive.db") as index:  # a stale row that the WARCs do not hold
        index.db.execute("UPDATE articles SET title = 'stale' WHERE id = 1")
    stats = reindex(data)
    assert stats.backup_path == data / "archive.db.bak"
    assert export_jsonl(data) == before
    conn = sqlite3.connect(data / "archive.db.bak")
    assert conn.execute("SELECT title FROM articles WHERE id = 1").fetchone() == ("stale",)
    conn.close()
    assert not list(data.glob("archive.db.rebuild*"))
    reindex(data)  # twice is fine; the backup is replaced
    assert export_jsonl(data) == before


def test_re_extract_reports_and_applies_what_changed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    writer = WarcWriter(data / "warc")
    index = Index(tmp_path / "scratch.db")
    arc = Archive(data, writer, index, index.start_crawl("mock", since=None, until=None, args={}))
    body = article_html("story-9", "Bridge reopens after repairs", "Gil Ho", "2024-03-09", paragraphs("The bridge"))
    url = f"{SITE}/2024/03/story-9/"
    capture = arc.exchange(url, body)
    # an older extractor got the title wrong
    arc.article(capture, body, url, issue_date="2024-03-09", override={"title": "Bridge | Mock News", "extractor": "old/0.1"})
    writer.close()
    index.close()
    plain = reindex(data)
    assert plain.changed_articles == 0
    assert export_jsonl(data)[0]["title"] == "Bridge | Mock News"
    again = reindex(data, re_extract=True)
    assert again.changed == {"title": 1} and again.changed_articles == 1
    row = export_jsonl(data)[0]
    assert row["title"] == "Bridge reopens after repairs"
    assert row["canonical_url"] == url and row["authors"] == ["Gil Ho"]


def test_re_extract_decodes_a_gzip_page(original, tmp_path: Path) -> None:
    data = copy_warcs(original[0], tmp_path / "data")
    stats = reindex(data, re_extract=True)
    assert stats.changed_articles == 0, stats.changed
    assert export_jsonl(data) == export_jsonl(original[0])


def test_a_truncated_tail_is_never_indexed(original, tmp_path: Path) -> None:
    data = copy_warcs(original[0], tmp_path / "data")
    last = sorted((data / "warc").glob("*.warc.gz"))[-1]
    size = last.stat().st_size
    with open(last, "r+b") as fh:
        fh.truncate(size - 40)
    stats = reindex(data)
    assert len(stats.damaged) == 1 and stats.damaged[0][0] == last.name and "truncated" in stats.damaged[0][2]
    from archive.warc.check import check_file

    good_end = check_file(last).good_end
    assert stats.damaged[0][1] == good_end
    for _, offset, length in table(data, "SELECT warc_filename, warc_offset, warc_length FROM captures"
                                         f" WHERE warc_filename = '{last.name}'"):
        assert offset + length <= good_end


def test_metadata_whose_response_is_missing_is_skipped(tmp_path: Path) -> None:
    data = tmp_path / "data"
    writer = WarcWriter(data / "warc")
    index = Index(tmp_path / "scratch.db")
    arc = Archive(data, writer, index, index.start_crawl("mock", since=None, until=None, args={}))
    body = article_html("story-8", "Ferry runs late", "Hal Ive", "2024-03-08", paragraphs("The ferry"))
    capture = arc.exchange(f"{SITE}/2024/03/story-8/", body)
    lost = CaptureRecord(url=capture.url, status=200, mime="text/html", payload_digest=None,
                         fetched_at=capture.fetched_at, warc_filename="gone.warc.gz", warc_offset=0,
                         warc_length=1, record_id="<urn:uuid:00000000-0000-0000-0000-000000000000>")
    arc.article(capture, body, capture.url, issue_date=None)
    writer.write_metadata(lost, {"record": ARTICLE_RECORD_FORMAT, "canonical_url": f"{SITE}/lost/", "url": f"{SITE}/lost/"})
    writer.close()
    index.close()
    stats = reindex(data)
    assert stats.orphans == 1 and stats.articles == 1


def test_metadata_in_a_later_file_than_its_response(tmp_path: Path) -> None:
    original = tmp_path / "original"
    info = build_archive(original, max_bytes=1)  # every exchange closes its file
    assert len(info["files"]) > 10
    data = copy_warcs(original, tmp_path / "rebuilt")
    reindex(data)
    assert export_jsonl(data) == export_jsonl(original)


def test_no_warc_files_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ReindexError, match="no WARC files"):
        reindex(tmp_path)
    result = CliRunner().invoke(main, ["--data", str(tmp_path), "reindex"])
    assert result.exit_code == 1 and "no WARC files" in result.output


def test_cli_reindex(original, tmp_path: Path) -> None:
    data = copy_warcs(original[0], tmp_path / "data")
    result = CliRunner().invoke(main, ["--data", str(data), "reindex"])
    assert result.exit_code == 0, result.output
    assert "4 articles" in result.output and "2 revisits" in result.output
    result = CliRunner().invoke(main, ["--data", str(data), "reindex", "--re-extract"])
    assert result.exit_code == 0, result.output
    assert "Re-extracted 5 article captures: 0 changed" in result.output
    assert "archive.db.bak" in result.output


def test_b11_record_read_back_empty_is_left_out(tmp_path: Path) -> None:
    """Case B11: warcio yields the cut-off last record with an empty block; it gets no row."""
    data = tmp_path / "data"
    with WarcWriter(data / "warc") as writer:
        for n in range(3):
            last = writer.write_exchange(HttpExchange(
                url=f"{SITE}/{n}/", method="GET", request_headers=[], status=200,
                response_headers=[(b"Content-Type", b"text/html")], body=bytes(range(256)) * 12 + b"x" * 128)).response
        [name] = writer.files_written
    path = data / "warc" / name
    path.write_bytes(path.read_bytes()[:-40])
    stats = reindex(data)
    assert stats.damaged == [(name, last.warc_offset, stats.damaged[0][2])]
    assert "truncated" in stats.damaged[0][2]
    assert stats.captures == 2
    assert table(data, "SELECT url FROM captures") == [(f"{SITE}/0/",), (f"{SITE}/1/",)]


# ---- end to end: a real crawl of the mock site ------------------------------------------------------


def test_crawl_then_reindex_from_the_warcs_alone(tmp_path: Path) -> None:
    """Crawl the mock site with the CLI, copy only the WARC files into an empty data folder,
    reindex: the export matches the crawl's own, and the crawl's WARC files check clean."""
    from tests.helpers import run_cli as cli
    from tests.mocksite import MockSite

    crawled = tmp_path / "crawled"
    with MockSite(log_path=tmp_path / "requests.jsonl") as site:
        result = cli(crawled, "crawl", "courthousenews", "--base-url", site.url, "--since", "2024-03-01",
                     "--until", "2024-03-10", "-s", "DOWNLOAD_DELAY=0.01", "-s", "AUTOTHROTTLE_ENABLED=False")
    assert result.returncode == 0, result.stderr[-3000:]
    before = export_jsonl(crawled)
    assert before, "the crawl archived no articles"
    checked = cli(crawled, "warc", "check")
    assert checked.returncode == 0, checked.stdout[-3000:]

    rebuilt = copy_warcs(crawled, tmp_path / "rebuilt")
    result = cli(rebuilt, "reindex")
    assert result.returncode == 0, result.stderr[-3000:]
    after = export_jsonl(rebuilt)
    assert [a["url"] for a in after] == [b["url"] for b in before]
    for old, new in zip(before, after):
        for name in ("title", "authors", "published", "text"):
            assert new[name] == old[name], (old["url"], name)
    assert after == before
    assert table(rebuilt, CAPTURE_SQL) == table(crawled, CAPTURE_SQL)
    assert table(rebuilt, ALIAS_SQL) == table(crawled, ALIAS_SQL)


def test_reindex_in_place_keeps_crawls_schedules_and_url_state(tmp_path: Path) -> None:
    """The WARC files hold no crawl history, schedules or validators: a rebuild in place
    carries them over from the index it replaces."""
    from archive.index import Index
    from archive.reindex import reindex
    from archive.warc import HttpExchange, WarcWriter

    data = tmp_path / "data"
    with WarcWriter(data / "warc") as writer:
        writer.write_exchange(HttpExchange(url="https://news.example.org/a/", method="GET", request_headers=[],
                                           status=200, response_headers=[(b"Content-Type", b"text/html")],
                                           body=b"<html><body>a</body></html>"))
    with Index(data / "archive.db") as index:
        crawl_id = index.start_crawl("example", since="2024-03-01", until=None, args={})
        index.finish_crawl(crawl_id, status="finished", stats={})
        index.set_crawl_horizon(crawl_id, "2024-03-15")
        index.upsert_url_state([{"url": "https://news.example.org/a/", "etag": '"x"', "payload_digest": "sha1:A"}])
        with index._write():
            index.db["schedules"].insert({"site": "example", "args": "[]", "every_secs": 3600,
                                          "created_at": "2024-03-01T00:00:00Z", "enabled": 1})
        index.defer_urls([{"url": "https://news.example.org/b/", "site": "example", "role": "article",
                           "deferred_at": "2024-03-15T00:00:00+00:00"}])
    stats = reindex(data)
    assert stats.carried_over == {"crawls": 1, "schedules": 1, "url_state": 1, "deferred_urls": 1}
    with Index(data / "archive.db", readonly=True) as index:
        assert [r["url"] for r in index.deferred_urls("example")] == ["https://news.example.org/b/"]
        assert index.last_horizon("example") == "2024-03-15"
        assert index.url_state("https://news.example.org/a/")["etag"] == '"x"'
        assert index.db["schedules"].count == 1
        assert index.db["captures"].count == 1
