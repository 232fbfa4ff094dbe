"""The index's schema: numbered migrations, applied in order, recorded in ``PRAGMA user_version``.

Migration N (1-based in :data:`migrations`) takes a database from ``user_version`` N-1 to N.
Append only: a released migration never changes, so every archive made by an older newsarchive
can be brought up to date (:meth:`archive.index.Index.__init__` runs them in one transaction).
Full-text search is an FTS5 table over articles' :data:`FTS_COLUMNS` with
:data:`FTS_TOKENIZE` (so ``cafe`` finds ``café``), kept in step by triggers (sqlite-utils
``enable_fts(..., create_triggers=True)``).
"""
from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database

__all__ = ["FTS_COLUMNS", "FTS_TOKENIZE", "migrations"]

#: Columns of the full-text index, in the order the bm25 weights of the search follow.
FTS_COLUMNS = ("title", "text", "authors", "categories", "tags")
FTS_TOKENIZE = "unicode61 remove_diacritics 2"


def _migration_1_initial_schema(db: Database) -> None:
    """Create crawls, captures, articles, aliases and the articles' FTS5 index."""
    _create_crawls(db)
    _create_captures(db)
    _create_articles(db)
    aliases = db.table("aliases").create(
        {"url": str, "article_id": int},
        pk="url",
        not_null={"article_id"},
        foreign_keys=[("article_id", "articles", "id")],
    )
    aliases.create_index(["article_id"])
    db.table("articles").enable_fts(list(FTS_COLUMNS), create_triggers=True, tokenize=FTS_TOKENIZE)


def _create_crawls(db: Database) -> None:
    db.table("crawls").create(
        {
            "id": int,
            "site": str,
            "seeds": str,  # JSON list
            "args": str,  # JSON object
            "since": str,
            "until": str,
            "started_at": str,
            "finished_at": str,
            "status": str,
            "stats": str,  # JSON object
        },
        pk="id",
        not_null={"site", "started_at", "status"},
    )


def _create_captures(db: Database) -> None:
    captures = db.table("captures").create(
        {
            "id": int,
            "url": str,
            "status": int,
            "mime": str,
            "payload_digest": str,
            "fetched_at": str,
            "warc_filename": str,
            "warc_offset": int,
            "warc_length": int,
            "record_id": str,
            "record_type": str,
            "crawl_id": int,
        },
        pk="id",
        not_null={
            "url", "fetched_at", "warc_filename", "warc_offset", "warc_length",
            "record_id", "record_type",
        },
        foreign_keys=[("crawl_id", "crawls", "id")],
    )
    captures.create_index(["record_id"], unique=True)
    captures.create_index(["url"])
    captures.create_index(["payload_digest"])


def _create_articles(db: Database) -> None:
    articles = db.table("articles").create(
        {
            "id": int,
            "canonical_url": str,
            "url": str,
            "site": str,
            "title": str,
            "authors": str,  # JSON list
            "published": str,
            "modified": str,
            "categories": str,  # JSON list
            "tags": str,  # JSON list
            "description": str,
            "sitename": str,
            "language": str,
            "text": str,
            "issue_date": str,
            "extraction_error": str,
            "extractor": str,
            "capture_id": int,
            "warc_filename": str,
            "warc_offset": int,
            "warc_length": int,
            "fetched_at": str,
            "first_seen": str,
            "last_seen": str,
        },
        pk="id",
        not_null={"canonical_url", "url"},
        foreign_keys=[("capture_id", "captures", "id")],
    )
    articles.create_index(["canonical_url"], unique=True)
    articles.create_index(["published"])
    articles.create_index(["site"])


def _migration_2_versions_state_schedules(db: Database) -> None:
    """Revisit details on captures; article versions; per-URL crawl state; schedules.

    * ``captures`` gains the revisit record's ``profile`` (WARC 1.1 section 6.7.2),
      ``refers_to_uri`` and ``refers_to_date``.
    * ``articles`` gains ``version`` (1, 2, ... as the publisher revises it),
      ``payload_digest`` of its latest capture, and ``published_month`` (a virtual column,
      ``YYYY-MM``, for facets).
    * ``article_versions`` keeps every version of every article.
    * ``url_state`` keeps, per URL fetched, its HTTP validators (RFC 9110 section 8.8), last
      payload digest and when it was last checked, for incremental crawls.
    * ``crawls`` gains ``horizon`` (the last day the crawl covered) and ``schedule_id``.
    * ``schedules`` holds recurring crawls.
    """
    captures = db.table("captures")
    for column in ("profile", "refers_to_uri", "refers_to_date"):
        captures.add_column(column, str)
    articles = db.table("articles")
    articles.add_column("version", int)
    articles.add_column("payload_digest", str)
    db.execute("UPDATE articles SET version = 1")
    db.execute(
        "ALTER TABLE articles ADD COLUMN published_month TEXT"
        " GENERATED ALWAYS AS (substr(published, 1, 7)) VIRTUAL"
    )
    _create_versions(db)
    _create_url_state(db)
    crawls = db.table("crawls")
    crawls.add_column("horizon", str)
    crawls.add_column("schedule_id", int)
    _create_schedules(db)


def _create_versions(db: Database) -> None:
    """``article_versions``, with version 1 of every article already indexed."""
    versions = db.table("article_versions").create(
        {
            "id": int,
            "article_id": int,
            "version": int,
            "capture_id": int,
            "fetched_at": str,
            "payload_digest": str,
            "title": str,
            "authors": str,  # JSON list
            "published": str,
            "modified": str,
            "text": str,
            "changed": str,  # JSON list of the fields that differ from the previous version
            "warc_filename": str,
            "warc_offset": int,
            "warc_length": int,
        },
        pk="id",
        not_null={"article_id", "version"},
        foreign_keys=[("article_id", "articles", "id"), ("capture_id", "captures", "id")],
    )
    versions.create_index(["article_id", "version"], unique=True)
    db.execute(
        "INSERT INTO article_versions (article_id, version, capture_id, fetched_at, payload_digest,"
        " title, authors, published, modified, text, changed, warc_filename, warc_offset, warc_length)"
        " SELECT a.id, 1, a.capture_id, a.fetched_at, c.payload_digest, a.title, a.authors,"
        " a.published, a.modified, a.text, '[]', a.warc_filename, a.warc_offset, a.warc_length"
        " FROM articles a LEFT JOIN captures c ON c.id = a.capture_id"
    )


def _create_url_state(db: Database) -> None:
    db.table("url_state").create(
        {
            "url": str,
            "etag": str,
            "last_modified": str,
            "payload_digest": str,
            "status": int,
            "last_checked": str,
            "lastmod": str,  # sitemap lastmod last seen
            "article_id": int,
        },
        pk="url",
    )


def _create_schedules(db: Database) -> None:
    db.table("schedules").create(
        {
            "id": int,
            "site": str,
            "args": str,  # JSON list of crawl options
            "every_secs": int,
            "cron": str,
            "created_at": str,
            "last_run_at": str,
            "last_status": str,
            "enabled": int,
        },
        pk="id",
        not_null={"site", "created_at"},
    )


def _migration_3_facet_and_revisit_indexes(db: Database) -> None:
    """Indexes for Datasette's month facet and for finding what a revisit refers to."""
    db.table("articles").create_index(["published_month"], if_not_exists=True)
    db.table("captures").create_index(["refers_to_uri"], if_not_exists=True)


def _migration_4_deferred_urls(db: Database) -> None:
    """``deferred_urls``: pages a server asked to be fetched later than this crawl could
    wait (``Retry-After`` above ``CRAWL_RETRY_AFTER_MAX_SECS``, RFC 9110 section 10.2.3),
    kept for the next crawl of the site (case B07)."""
    db.table("deferred_urls").create(
        {
            "url": str,  # as requested
            "site": str,
            "role": str,  # the spider's request role: article, edition, ...
            "issue_date": str,  # YYYY-MM-DD of the listing that led there, or NULL
            "source": str,
            "retry_after_secs": float,
            "deferred_at": str,  # ISO 8601 UTC
        },
        pk="url",
        if_not_exists=True,
    )


#: Schema migrations; number N (1-based) takes ``user_version`` from N-1 to N. Append only.
migrations: list[Callable[[Database], None]] = [
    _migration_1_initial_schema,
    _migration_2_versions_state_schedules,
    _migration_3_facet_and_revisit_indexes,
    _migration_4_deferred_urls,
]
