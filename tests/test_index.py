"""archive.index: schema and migrations, writes, aliases, search, and case B22 (locking)."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.index import (
    ArchiveIndexError,
    ArticleRow,
    Index,
    IndexNotFound,
    QueryError,
    migrations,
)
from archive.records import CaptureRecord, ExtractedArticle


def capture(n: int, *, url: str | None = None, fetched_at: str = "2024-03-02T10:00:00Z",
            record_type: str = "response") -> CaptureRecord:
    return CaptureRecord(
        url=url or f"https://news.example.org/2024/03/02/story-{n}",
        status=200,
        mime="text/html",
        payload_digest=f"sha1:DIGEST{n}",
        fetched_at=fetched_at,
        warc_filename="news-20240302-00000.warc.gz",
        warc_offset=1000 * n,
        warc_length=900 + n,
        record_id=f"<urn:uuid:00000000-0000-0000-0000-{n:012d}>",
        record_type=record_type,
    )


def article(n: int, **fields: object) -> ArticleRow:
    values: dict[str, object] = {
        "canonical_url": f"https://news.example.org/2024/03/02/story-{n}",
        "url": f"https://news.example.org/2024/03/02/story-{n}",
        "site": "example",
        "title": f"Story {n}",
        "text": f"Body of story {n}.",
        "published": "2024-03-02",
        "fetched_at": "2024-03-02T10:00:00Z",
    }
    values.update(fields)
    return ArticleRow(**values)  # type: ignore[arg-type]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "archive.db"


@pytest.fixture
def index(db_path: Path) -> Iterator[Index]:
    with Index(db_path) as ix:
        yield ix


# -- schema ----------------------------------------------------------------------------


def test_schema_created_with_wal_and_busy_timeout(index: Index, db_path: Path) -> None:
    assert db_path.is_file()
    tables = set(index.db.table_names())
    assert {"captures", "articles", "aliases", "crawls", "articles_fts", "article_versions",
            "url_state", "schedules", "deferred_urls"} <= tables
    assert index.db.journal_mode == "wal"
    assert index.db.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
    assert index.schema_version == len(migrations) == 4
    assert {t.name for t in index.db.table("articles").triggers} == {
        "articles_ai", "articles_ad", "articles_au",
    }
    assert "remove_diacritics 2" in index.db.table("articles_fts").schema
    indexed = {
        (name, tuple(ix.columns), bool(ix.unique))
        for name in ("captures", "articles", "aliases")
        for ix in index.db.table(name).indexes
        if not ix.name.startswith("sqlite_autoindex")
    }
    assert indexed == {
        ("captures", ("url",), False),
        ("captures", ("payload_digest",), False),
        ("captures", ("record_id",), True),
        ("articles", ("canonical_url",), True),
        ("articles", ("published",), False),
        ("articles", ("site",), False),
        ("aliases", ("article_id",), False),
        ("articles", ("published_month",), False),
        ("captures", ("refers_to_uri",), False),
    }


def test_reopen_is_idempotent(db_path: Path) -> None:
    with Index(db_path) as ix:
        ix.upsert_articles([article(1)])
        schema = ix.db.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    with Index(db_path) as ix:
        assert ix.schema_version == len(migrations)
        assert ix.db.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == schema
        assert ix.count_articles() == 1
    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == len(migrations)
    raw.close()


def test_newer_schema_is_refused(db_path: Path) -> None:
    Index(db_path).close()
    raw = sqlite3.connect(db_path)
    raw.execute("PRAGMA user_version = 99")
    raw.close()
    with pytest.raises(ArchiveIndexError, match="schema version 99, newer"):
        Index(db_path)
    with pytest.raises(ArchiveIndexError, match="schema version 99, newer"):
        Index(db_path, readonly=True)


def test_readonly_missing_file_raises_index_not_found(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "archive.db"
    with pytest.raises(IndexNotFound, match="no archive index at"):
        Index(missing, readonly=True)
    assert not missing.exists()
    assert not missing.parent.exists()


def test_readonly_reads_but_refuses_writes(db_path: Path) -> None:
    with Index(db_path) as ix:
        ix.upsert_articles([article(1)])
    with Index(db_path, readonly=True) as ro:
        assert ro.count_articles() == 1
        assert [h.id for h in ro.search("story")] == [1]
        with pytest.raises(ArchiveIndexError, match="read-only"):
            ro.upsert_articles([article(2)])
    with Index(db_path) as ix:
        assert ix.count_articles() == 1


def test_archive_does_not_import_scrapy() -> None:
    code = (
        "import sys, archive.index, archive.query, archive.export; "
        "assert 'scrapy' not in sys.modules, 'scrapy imported'"
    )
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


# -- crawls and captures ---------------------------------------------------------------


def test_crawl_lifecycle(index: Index) -> None:
    crawl_id = index.start_crawl(
        "example", since="2024-03-01", until="2024-03-31",
        args={"seeds": ["https://news.example.org/archive/"], "depth": 2},
    )
    row = index.db.table("crawls").get(crawl_id)
    assert row["status"] == "running"
    assert row["seeds"] == '["https://news.example.org/archive/"]'
    assert row["since"] == "2024-03-01" and row["until"] == "2024-03-31"
    assert row["finished_at"] is None
    index.finish_crawl(crawl_id, status="finished", stats={"item_scraped_count": 3})
    row = index.db.table("crawls").get(crawl_id)
    assert row["status"] == "finished"
    assert row["stats"] == '{"item_scraped_count": 3}'
    assert row["finished_at"] >= row["started_at"]
    with pytest.raises(ValueError, match="crawl status must be one of"):
        index.finish_crawl(crawl_id, status="done", stats={})
    with pytest.raises(ArchiveIndexError, match="no crawl with id 999"):
        index.finish_crawl(999, status="failed", stats={})


def test_add_captures_returns_ids_in_order_and_is_idempotent(index: Index) -> None:
    crawl_id = index.start_crawl("example", since=None, until=None, args={})
    ids = index.add_captures([capture(1), capture(2), capture(3, record_type="revisit")],
                             crawl_id)
    assert ids == [1, 2, 3]
    again = index.add_captures([capture(4), capture(2)], None)
    assert again == [4, 2]
    assert index.db.table("captures").count == 4
    row = index.db.table("captures").get(3)
    assert row == {
        "id": 3,
        "url": "https://news.example.org/2024/03/02/story-3",
        "status": 200,
        "mime": "text/html",
        "payload_digest": "sha1:DIGEST3",
        "fetched_at": "2024-03-02T10:00:00Z",
        "warc_filename": "news-20240302-00000.warc.gz",
        "warc_offset": 3000,
        "warc_length": 903,
        "record_id": "<urn:uuid:00000000-0000-0000-0000-000000000003>",
        "record_type": "revisit",
        "crawl_id": crawl_id,
        "profile": None,
        "refers_to_uri": None,
        "refers_to_date": None,
    }
    assert index.add_captures([], None) == []


# -- articles --------------------------------------------------------------------------


def test_from_extracted_copies_fields_and_capture_pointer() -> None:
    extracted = ExtractedArticle(
        title="Council approves budget", authors=["Alex Placeholder"],
        published="2024-03-02", modified="2024-03-18", categories=["Local"],
        tags=["budget", "council"], description="d", sitename="Example Gazette",
        language="en", text="The council approved.", canonical_url="https://x/raw",
        is_article=True, error=None, extractor="newsarchive/0.1.0",
    )
    cap = capture(7)
    row = ArticleRow.from_extracted(
        extracted, canonical_url="https://news.example.org/c", url=cap.url,
        site="example", issue_date="2024-03-02", capture=cap, capture_id=7,
    )
    assert row == ArticleRow(
        canonical_url="https://news.example.org/c", url=cap.url, site="example",
        issue_date="2024-03-02", title="Council approves budget",
        authors=["Alex Placeholder"], published="2024-03-02", modified="2024-03-18",
        categories=["Local"], tags=["budget", "council"], description="d",
        sitename="Example Gazette", language="en", text="The council approved.",
        extraction_error=None, extractor="newsarchive/0.1.0", capture_id=7,
        warc_filename="news-20240302-00000.warc.gz", warc_offset=7000, warc_length=907,
        fetched_at="2024-03-02T10:00:00Z", payload_digest=cap.payload_digest,
    )
    assert row.payload_digest == "sha1:DIGEST7"


def test_upsert_by_canonical_url_keeps_one_row_and_updates(index: Index) -> None:
    first = index.upsert_articles([
        article(1, authors=["A"], tags=["x"], fetched_at="2024-03-02T10:00:00Z"),
        article(2),
    ])
    assert first == [1, 2]
    second = index.upsert_articles([
        article(1, title="Story 1, updated", authors=["A", "B"], tags=[],
                fetched_at="2024-03-05T08:00:00Z"),
    ])
    assert second == [1]
    assert index.count_articles() == 2
    row = index.db.table("articles").get(1)
    assert row["title"] == "Story 1, updated"
    assert row["authors"] == '["A", "B"]'
    assert row["tags"] == "[]"
    assert row["fetched_at"] == "2024-03-05T08:00:00Z"
    assert row["first_seen"] == "2024-03-02T10:00:00Z"
    assert row["last_seen"] == "2024-03-05T08:00:00Z"


def test_upsert_of_older_capture_keeps_newer_fields(index: Index) -> None:
    index.upsert_articles([article(1, title="New", fetched_at="2024-03-05T08:00:00Z")])
    index.upsert_articles([article(1, title="Old", fetched_at="2024-03-01T08:00:00Z")])
    row = index.db.table("articles").get(1)
    assert row["title"] == "New"
    assert row["first_seen"] == "2024-03-01T08:00:00Z"
    assert row["last_seen"] == "2024-03-05T08:00:00Z"


def test_upsert_batch_is_one_transaction(index: Index) -> None:
    bad = article(2)
    bad.canonical_url = None  # type: ignore[assignment]  # NOT NULL violated
    with pytest.raises(sqlite3.IntegrityError):
        index.upsert_articles([article(1), bad])
    assert index.count_articles() == 0
    assert index.upsert_articles([article(1)]) == [1]


def test_aliases_resolve(index: Index) -> None:
    canonical = "https://news.example.org/2024/03/02/council-budget"
    (article_id,) = index.upsert_articles([
        article(1, canonical_url=canonical,
                url="https://news.example.org/2024/03/02/council-budget/amp/"),
    ])
    unresolved = index.add_aliases([
        ("http://news.example.org/story?id=7", canonical),
        ("https://news.example.org/2024/03/02/council-budget?utm_source=x", canonical),
        (canonical, canonical),  # ignored: alias == canonical
        ("http://news.example.org/story?id=7", canonical),  # ignored: already known
        ("https://news.example.org/orphan", "https://news.example.org/unknown"),  # returned
    ])
    assert unresolved == [("https://news.example.org/orphan", "https://news.example.org/unknown")]
    assert index.article_id_for(canonical) == article_id
    assert index.article_id_for("http://news.example.org/story?id=7") == article_id
    assert index.article_id_for(
        "https://news.example.org/2024/03/02/council-budget/amp/") == article_id
    assert index.article_id_for("https://news.example.org/orphan") is None
    assert index.article_id_for("https://news.example.org/unknown") is None
    assert index.known_urls() == {
        canonical,
        "https://news.example.org/2024/03/02/council-budget/amp/",
        "http://news.example.org/story?id=7",
        "https://news.example.org/2024/03/02/council-budget?utm_source=x",
    }
    assert index.db.table("aliases").count == 3


def test_alias_may_name_its_article_by_another_alias(index: Index) -> None:
    """A redirect source points at the redirect target, itself an alias (case B04)."""
    (article_id,) = index.upsert_articles([article(1)])
    index.add_aliases([("https://news.example.org/a-slug", article(1).canonical_url)])
    assert index.add_aliases([("https://news.example.org/?p=7", "https://news.example.org/a-slug")]) == []
    assert index.article_id_for("https://news.example.org/?p=7") == article_id


def test_alias_never_shadows_another_canonical_url(index: Index) -> None:
    index.upsert_articles([article(1), article(2)])
    index.add_aliases([(article(2).canonical_url, article(1).canonical_url)])
    assert index.article_id_for(article(2).canonical_url) == 2
    assert index.db.table("aliases").count == 0


# -- search ----------------------------------------------------------------------------


def test_fts_triggers_follow_update_and_delete(index: Index) -> None:
    index.upsert_articles([article(1, title="Harbour café", text="Boats and coffee.")])
    assert [h.id for h in index.search("harbour")] == [1]
    index.upsert_articles([article(1, title="Market hall", text="Stalls and bread.",
                                   fetched_at="2024-03-03T10:00:00Z")])
    assert index.search("harbour") == []
    assert [h.id for h in index.search("bread")] == [1]
    index.db.execute("DELETE FROM articles WHERE id = 1")
    assert index.search("bread") == []
    assert index.search("market") == []


def test_search_hit_fields(index: Index) -> None:
    (capture_id,) = index.add_captures([capture(1)], None)
    index.upsert_articles([article(
        1, authors=["Alex Placeholder"], capture_id=capture_id, text="Tides and boats.",
        warc_filename="news-20240302-00000.warc.gz", warc_offset=1000, warc_length=901,
    )])
    (hit,) = index.search("tides")
    assert hit.id == 1
    assert hit.url == hit.canonical_url == "https://news.example.org/2024/03/02/story-1"
    assert hit.title == "Story 1"
    assert hit.authors == ["Alex Placeholder"]
    assert hit.published == "2024-03-02"
    assert hit.snippet == "[Tides] and boats."
    assert hit.score > 0
    assert (hit.warc_filename, hit.warc_offset, hit.warc_length) == (
        "news-20240302-00000.warc.gz", 1000, 901)
    assert hit.fetched_at == "2024-03-02T10:00:00Z"
    # authors are searchable too
    assert [h.id for h in index.search("placeholder")] == [1]


def test_title_match_ranks_above_body_only_match(index: Index) -> None:
    index.upsert_articles([
        article(1, title="Weather report", text="The budget was discussed at length."),
        article(2, title="Council budget approved", text="The council met on Tuesday."),
        article(3, title="Sports", text="Nothing about money here."),
    ])
    assert [h.id for h in index.search("budget")] == [2, 1]
    scores = [h.score for h in index.search("budget")]
    assert scores[0] > scores[1]


def test_since_until_filters(index: Index) -> None:
    index.upsert_articles([
        article(1, published="2024-03-01T23:30:00+01:00"),
        article(2, published="2024-03-02"),
        article(3, published="2024-03-03T08:00:00Z"),
        article(4, published=None),
    ])
    assert sorted(h.id for h in index.search("story", since="2024-03-02")) == [2, 3]
    assert sorted(h.id for h in index.search("story", until="2024-03-02")) == [1, 2]
    assert [h.id for h in index.search("story", since="2024-03-02", until="2024-03-02")] == [2]
    assert sorted(h.id for h in index.search("story")) == [1, 2, 3, 4]
    # no query: latest first, undated last, filters still apply
    assert [h.id for h in index.search("")] == [3, 2, 1, 4]
    assert [h.id for h in index.search("", since="2024-03-02")] == [3, 2]
    assert [a["id"] for a in index.iter_articles(since="2024-03-02")] == [2, 3]
    assert [a["id"] for a in index.iter_articles(until="2024-03-01")] == [1]
    assert [a["id"] for a in index.iter_articles()] == [1, 2, 3, 4]
    with pytest.raises(QueryError, match="since must be a date"):
        index.iter_articles(since="yesterday")


def test_limit_and_offset(index: Index) -> None:
    index.upsert_articles([article(n, published=f"2024-03-0{n}") for n in range(1, 6)])
    assert [h.id for h in index.search("", limit=2)] == [5, 4]
    assert [h.id for h in index.search("", limit=2, offset=2)] == [3, 2]
    assert len(index.search("story", limit=3)) == 3
    assert len(index.search("story", limit=3, offset=3)) == 2


def test_iter_articles_decodes_lists(index: Index) -> None:
    index.upsert_articles([article(1, authors=["Zoë"], categories=["Local"], tags=["a", "b"])])
    (row,) = list(index.iter_articles())
    assert row["authors"] == ["Zoë"]
    assert row["categories"] == ["Local"]
    assert row["tags"] == ["a", "b"]
    assert row["canonical_url"] == "https://news.example.org/2024/03/02/story-1"


# -- B22: concurrent writers and a reader ----------------------------------------------


def test_b22_writer_commits_while_reader_holds_a_read_transaction(db_path: Path) -> None:
    """Case B22: a deferred read-then-write transaction fails instantly with "database is
    locked" once another connection has committed. Index writes take the lock up front
    (BEGIN IMMEDIATE), so both writers' rows land."""
    writer_a = Index(db_path)
    writer_b = Index(db_path)
    reader = sqlite3.connect(db_path, timeout=5, isolation_level=None)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
        writer_a.upsert_articles([article(1)])
        writer_b.upsert_articles([article(2)])
        # The reader's snapshot is unchanged inside its read transaction ...
        assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
        # ... while writers keep committing batches
        writer_a.upsert_articles([article(3), article(4)])
        writer_b.add_captures([capture(5)], None)
        reader.execute("COMMIT")
        assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 4
    finally:
        reader.close()
        writer_a.close()
        writer_b.close()
    with Index(db_path, readonly=True) as ix:
        assert ix.count_articles() == 4
        assert ix.db.table("captures").count == 1


def test_b22_two_writers_in_threads_lose_nothing(db_path: Path) -> None:
    """Two writer connections, each reading ("already indexed?") then writing in its own
    transaction, batch after batch, with a reader holding snapshots in between."""
    Index(db_path).close()
    errors: list[BaseException] = []
    batches, per_batch = 20, 5

    def write(offset: int) -> None:
        try:
            with Index(db_path) as ix:
                for b in range(batches):
                    start = offset + b * per_batch
                    ix.known_urls()
                    ix.upsert_articles([article(start + i) for i in range(per_batch)])
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    def read() -> None:
        try:
            with Index(db_path, readonly=True) as ro:
                for _ in range(batches):
                    conn = sqlite3.connect(db_path, timeout=5, isolation_level=None)
                    conn.execute("BEGIN")
                    conn.execute("SELECT count(*) FROM articles").fetchone()
                    ro.search("story")
                    conn.execute("COMMIT")
                    conn.close()
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=write, args=(0,)),
        threading.Thread(target=write, args=(10_000,)),
        threading.Thread(target=read),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Index(db_path, readonly=True) as ix:
        assert ix.count_articles() == 2 * batches * per_batch


def test_b22_deferred_transaction_really_fails(db_path: Path) -> None:
    """The fault itself, so the tests above are known to be testing something."""
    Index(db_path).close()
    a = sqlite3.connect(db_path, timeout=5, isolation_level=None)
    b = sqlite3.connect(db_path, timeout=5, isolation_level=None)
    try:
        a.execute("BEGIN")
        a.execute("SELECT count(*) FROM articles").fetchone()
        b.execute("BEGIN")
        b.execute("INSERT INTO articles (canonical_url, url) VALUES ('b', 'b')")
        b.execute("COMMIT")
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            a.execute("INSERT INTO articles (canonical_url, url) VALUES ('a', 'a')")
        a.execute("ROLLBACK")
    finally:
        a.close()
        b.close()


def test_migration_2_keeps_articles_and_makes_their_first_version(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import archive.index as index_module
    import archive.index.schema as index_schema

    monkeypatch.setattr(index_schema, "migrations", index_schema.migrations[:1])
    with Index(db_path) as old:
        # rows as the schema-1 code wrote them (no payload_digest, no versions)
        for n in (1, 2):
            old.db["articles"].insert({"canonical_url": f"https://news.example.org/2024/03/02/story-{n}",
                                       "url": f"https://news.example.org/2024/03/02/story-{n}",
                                       "title": f"Story {n}", "published": "2024-03-02", "text": "t"})
        assert old.schema_version == 1
    monkeypatch.undo()
    with Index(db_path) as new:
        assert new.schema_version == len(index_module.migrations)
        rows = list(new.db.query("SELECT article_id, version, title FROM article_versions ORDER BY article_id"))
        assert [(r["article_id"], r["version"]) for r in rows] == [(1, 1), (2, 1)]
        assert [r["version"] for r in new.db.query("SELECT version FROM articles")] == [1, 1]
        month = next(new.db.query("SELECT published, published_month FROM articles WHERE id = 1"))
        assert (month["published"], month["published_month"]) == ("2024-03-02", "2024-03")


def test_a_changed_payload_with_new_text_is_a_new_version(index: Index) -> None:
    first = article(1, payload_digest="sha1:A", fetched_at="2024-03-02T10:00:00Z")
    (article_id,) = index.upsert_articles([first])
    # the same page again (same digest): no new version
    index.upsert_articles([article(1, payload_digest="sha1:A", fetched_at="2024-03-03T10:00:00Z")])
    # a new payload but the same text (an ad changed): no new version
    index.upsert_articles([article(1, payload_digest="sha1:B", fetched_at="2024-03-04T10:00:00Z")])
    # a new payload with new text: version 2, with what changed
    index.upsert_articles([article(1, payload_digest="sha1:C", fetched_at="2024-03-05T10:00:00Z",
                                   text="Body of story 1. Update: a correction.")])
    rows = list(index.db.query("SELECT version, payload_digest, changed, text FROM article_versions"
                               " WHERE article_id = ? ORDER BY version", [article_id]))
    assert [(r["version"], r["payload_digest"]) for r in rows] == [(1, "sha1:B"), (2, "sha1:C")]
    assert rows[1]["changed"] == '["text"]' and rows[0]["text"] == "Body of story 1."
    latest = index.db.table("articles").get(article_id)
    assert latest["version"] == 2 and "correction" in latest["text"]
    # an older capture arriving late (reindex out of order) changes nothing
    index.upsert_articles([article(1, payload_digest="sha1:Z", fetched_at="2024-03-01T10:00:00Z", text="old")])
    assert index.db.table("articles").get(article_id)["version"] == 2


def test_url_state_keeps_unchanged_fields(index: Index) -> None:
    index.upsert_url_state([{"url": "https://x.org/a", "etag": '"1"', "payload_digest": "sha1:A", "status": 200}])
    index.upsert_url_state([{"url": "https://x.org/a", "lastmod": "2024-03-05", "etag": None}])
    state = index.url_state("https://x.org/a")
    assert state is not None
    assert (state["etag"], state["payload_digest"], state["lastmod"]) == ('"1"', "sha1:A", "2024-03-05")
    assert index.url_state("https://x.org/never") is None


def test_deferred_urls_are_kept_per_site_until_fetched(tmp_path: Path) -> None:
    index = Index(tmp_path / "archive.db")
    index.defer_urls([
        {"url": "https://a.example/story/", "site": "a", "role": "article", "issue_date": "2024-03-02",
         "source": "edition", "retry_after_secs": 7200.0, "deferred_at": "2024-03-02T10:00:00+00:00"},
        {"url": "https://b.example/x/", "site": "b", "role": "article", "deferred_at": "2024-03-02T10:00:01+00:00"},
    ])
    # Deferred again: the row is updated, not doubled.
    index.defer_urls([{"url": "https://a.example/story/", "site": "a", "role": "article",
                       "issue_date": "2024-03-02", "retry_after_secs": 3600.0,
                       "deferred_at": "2024-03-03T10:00:00+00:00"}])
    rows = index.deferred_urls("a")
    assert [(r["url"], r["role"], r["issue_date"], r["retry_after_secs"]) for r in rows] == [
        ("https://a.example/story/", "article", "2024-03-02", 3600.0)]
    assert [r["url"] for r in index.deferred_urls("b")] == ["https://b.example/x/"]
    index.undefer_urls(["https://a.example/story/"])
    assert index.deferred_urls("a") == []
    assert len(index.deferred_urls("b")) == 1


def test_urls_captured_since_compares_to_the_second(index: Index) -> None:
    """A capture in the very second a crawl started (WARC-Date with a fraction) is since then."""
    index.add_captures([capture(1, fetched_at="2024-03-02T10:00:51.25Z"),
                        capture(2, fetched_at="2024-03-02T10:00:50.999Z"),
                        capture(3, fetched_at="2024-03-02T10:01:00Z")], None)
    since = set(index.urls_captured_since("2024-03-02T10:00:51Z"))
    assert since == {capture(1).url, capture(3).url}


# -- a rebuild's part (archive.index.rebuild) -----------------------------------------
def test_row_counts_skip_not_replayable_and_survive_a_damaged_file(index: Index, db_path: Path, tmp_path: Path) -> None:
    index.add_captures([capture(1), capture(2), capture(3)], None)
    index.upsert_articles([article(1, capture_id=1)])
    assert Index.row_counts(db_path) == {"articles": 1, "captures": 3}
    assert Index.row_counts(db_path, [capture(2).record_id, "<urn:unknown>"]) == {"articles": 1, "captures": 2}
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"not an SQLite file at all" * 100)
    assert Index.row_counts(damaged) is None


def test_carry_over_from_copies_what_the_warc_files_do_not_hold(index: Index, tmp_path: Path) -> None:
    crawl_id = index.start_crawl("example", since="2024-03-01", until="2024-03-02", args={})
    index.upsert_url_state([{"url": "https://news.example.org/", "etag": "x"}])
    with Index(tmp_path / "rebuilt.db") as rebuilt:
        copied = rebuilt.carry_over_from(index.path)
        assert copied["crawls"] == 1 and copied["url_state"] == 1
        assert rebuilt.last_crawl_id() == crawl_id
        assert rebuilt.carry_over_from(index.path)["crawls"] == 0  # INSERT OR IGNORE: twice is harmless
        damaged = tmp_path / "damaged.db"
        damaged.write_bytes(b"not an SQLite file at all" * 100)
        assert rebuilt.carry_over_from(damaged) == {}
        rebuilt.add_captures([capture(9)], None)  # still writable: old is detached


# -- replay's part (archive.index.replay) -----------------------------------------------
def test_article_capture_offsets_and_shadowed_bodiless(index: Index) -> None:
    empty = "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"
    bodiless = capture(2, url=capture(1).url)
    bodiless.payload_digest = empty
    index.add_captures([capture(1), bodiless], None)
    index.upsert_articles([article(1, capture_id=1)])
    assert index.article_capture_offsets() == {capture(1).warc_filename: {1000: {article(1).canonical_url}}}
    assert index.shadowed_bodiless([], [empty]) == [bodiless.record_id]
    assert index.drop_shadowed_bodiless([], [empty]) == [bodiless.record_id]
    assert index.shadowed_bodiless([], [empty]) == []
