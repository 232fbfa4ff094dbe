"""The SQLite index of the archive: captures, articles, aliases, crawls, full-text search.

The database (``DATA/archive.db``) is opened through sqlite-utils in WAL mode with a 10 s
busy timeout. Every write is one short ``BEGIN IMMEDIATE`` transaction per batch: the write
lock is taken up front, so a second writer waits for the busy timeout instead of failing at
once with "database is locked" when a deferred transaction tries to upgrade from read to
write (case B22, simonw/datasette#2358; SQLite "Transaction", section 2.1
https://www.sqlite.org/lang_transaction.html). Use one writing :class:`Index` per process.

The schema is built by numbered migrations (:data:`migrations`), applied in order and
recorded in ``PRAGMA user_version``. Full-text search is an FTS5 table over articles'
title, text, authors, categories and tags with ``unicode61 remove_diacritics 2`` (so
``cafe`` finds ``café``), kept in step by triggers (sqlite-utils ``enable_fts``). User text
never goes into SQL: values are bound, and search-box text becomes an FTS5 expression of
string literals (:func:`archive.query.to_fts5`, case B21).
"""
from __future__ import annotations

import json
import logging
import math
import os
import re
import signal
import sqlite3
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlite_utils import Database

from archive.query import ArchiveIndexError, QueryError, clean_text, compile_query
from archive.stats import ArchiveStats
from archive.records import CaptureRecord, ExtractedArticle

__all__ = [
    "ArchiveIndexError",
    "ArchiveStats",
    "ArticleDetail",
    "ArticleRow",
    "BUSY_TIMEOUT_S",
    "CRAWL_STATUSES",
    "DEFAULT_SEARCH_TIME_LIMIT_S",
    "FTS_COLUMNS",
    "FTS_TOKENIZE",
    "Index",
    "IndexNotFound",
    "QueryError",
    "SEARCH_TIME_LIMIT_ENV",
    "SORTS",
    "SearchHit",
    "SearchOptions",
    "SearchTimeout",
    "SchemaOutdated",
    "migrations",
    "replay_url",
    "search_sql",
    "search_time_limit",
    "fold_name",
    "register_sql_functions",
]

logger = logging.getLogger(__name__)

#: How long a connection waits for another one's lock before "database is locked".
BUSY_TIMEOUT_S = 10.0
#: Columns of the full-text index, in the order the bm25 weights below follow.
FTS_COLUMNS = ("title", "text", "authors", "categories", "tags")
FTS_TOKENIZE = "unicode61 remove_diacritics 2"
#: bm25 weight per FTS column: a title match ranks above a body-only match.
_BM25_WEIGHTS = (10.0, 1.0, 3.0, 2.0, 2.0)
CRAWL_STATUSES = frozenset({"running", "finished", "failed", "interrupted"})
#: Characters of article text shown as the snippet when there is no query.
_LATEST_SNIPPET_CHARS = 200
#: Tokens in a search snippet (FTS5 allows 1..64).
_SNIPPET_TOKENS = 32

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


class IndexNotFound(ArchiveIndexError, FileNotFoundError):
    """The index file does not exist (raised when opening read-only)."""


class SchemaOutdated(ArchiveIndexError):
    """A read-only open found a schema older than this code: open it writable once to migrate."""


class SearchTimeout(ArchiveIndexError):
    """A search ran longer than its time limit and was stopped (a failure, not a usage error).

    Attributes:
        time_limit: The limit, in seconds.
    """

    def __init__(self, time_limit: float) -> None:
        self.time_limit = time_limit
        super().__init__(f"the search took longer than {time_limit:g} s and was stopped; narrow it")


#: Seconds a search may run before it is stopped (:meth:`Index.search`).
DEFAULT_SEARCH_TIME_LIMIT_S = 5.0
#: The environment variable that sets another default (seconds; ``0`` for none).
SEARCH_TIME_LIMIT_ENV = "NEWSARCHIVE_SEARCH_TIME_LIMIT"
#: SQLite virtual-machine steps between two checks of the clock (and of Ctrl-C).
_PROGRESS_STEPS = 1000


def search_time_limit(value: float | str | None = None) -> float | None:
    """The time limit a search runs under, in seconds, or ``None`` for no limit.

    Args:
        value: Seconds (``0`` for no limit); ``None`` reads ``$NEWSARCHIVE_SEARCH_TIME_LIMIT``
            and falls back to :data:`DEFAULT_SEARCH_TIME_LIMIT_S`.

    Raises:
        QueryError: *value* (or the variable) is not a number of seconds, 0 or more.
    """
    source = "the time limit"
    if value is None:
        value = os.environ.get(SEARCH_TIME_LIMIT_ENV, "").strip() or DEFAULT_SEARCH_TIME_LIMIT_S
        source = f"${SEARCH_TIME_LIMIT_ENV}"
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if not seconds >= 0:  # also NaN
        raise QueryError(f"{source} must be a number of seconds (0 for none), got {clean_text(value)!r}")
    return None if seconds == 0 or math.isinf(seconds) else seconds


@contextmanager
def _sigint_sets(flag: list[bool]) -> Iterator[None]:
    """While the block runs, Ctrl-C (SIGINT) sets ``flag[0]`` instead of raising at once.

    A KeyboardInterrupt raised inside SQLite's progress callback would be swallowed by the
    sqlite3 module (the query only fails as "interrupted"); the flag lets the callback stop
    the query and the caller raise KeyboardInterrupt itself. Only Python's default handler
    in the main thread is replaced; elsewhere nothing changes.
    """
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        flag[0] = True

    try:
        signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


# -- records ----------------------------------------------------------------------------


@dataclass
class ArticleRow:
    """One row of ``articles``: a canonical article, what extraction found, where it lies.

    Attributes:
        canonical_url: The article's canonical URL (the key; one row per canonical URL).
        url: The final URL actually fetched (after redirects). When it differs from
            ``canonical_url`` it is also recorded as an alias.
        site: The site profile's name.
        issue_date: The back-issue / listing date that led to the article
            (``YYYY-MM-DD``) or ``None``.
        title, authors, published, modified, categories, tags, description, sitename,
            language, text: As in :class:`archive.records.ExtractedArticle`.
        extraction_error: ``ExtractedArticle.error``.
        extractor: ``ExtractedArticle.extractor``.
        capture_id: ``captures.id`` of the response record the article was extracted from.
        warc_filename, warc_offset, warc_length: That record's place (relative file name
            under ``DATA/warc``, byte offset and length of its gzip member).
        fetched_at: That record's WARC-Date (ISO 8601 UTC).
    """

    canonical_url: str
    url: str
    site: str | None = None
    issue_date: str | None = None
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    description: str | None = None
    sitename: str | None = None
    language: str | None = None
    text: str = ""
    extraction_error: str | None = None
    extractor: str = ""
    capture_id: int | None = None
    warc_filename: str | None = None
    warc_offset: int | None = None
    warc_length: int | None = None
    fetched_at: str | None = None
    #: the payload digest of the capture (tells a changed page from a refetch)
    payload_digest: str | None = None

    @classmethod
    def from_extracted(
        cls,
        extracted: ExtractedArticle,
        *,
        canonical_url: str,
        url: str,
        site: str | None,
        issue_date: str | None,
        capture: CaptureRecord,
        capture_id: int | None,
    ) -> ArticleRow:
        """Build a row from an extraction result and the capture it came from.

        Args:
            extracted: What extraction found.
            canonical_url: The canonicalised article URL (the row's key).
            url: The final URL fetched.
            site: The site profile's name.
            issue_date: The back-issue date that led here (``YYYY-MM-DD``) or ``None``.
            capture: The WARC response record's pointer.
            capture_id: Its ``captures.id`` (from :meth:`Index.add_captures`).

        Returns:
            The row, ready for :meth:`Index.upsert_articles`.
        """
        return cls(
            canonical_url=canonical_url,
            url=url,
            site=site,
            issue_date=issue_date,
            title=extracted.title,
            authors=list(extracted.authors),
            published=extracted.published,
            modified=extracted.modified,
            categories=list(extracted.categories),
            tags=list(extracted.tags),
            description=extracted.description,
            sitename=extracted.sitename,
            language=extracted.language,
            text=extracted.text,
            extraction_error=extracted.error,
            extractor=extracted.extractor,
            capture_id=capture_id,
            warc_filename=capture.warc_filename,
            warc_offset=capture.warc_offset,
            warc_length=capture.warc_length,
            fetched_at=capture.fetched_at,
            payload_digest=capture.payload_digest,
        )


@dataclass
class SearchHit:
    """One search result.

    Attributes:
        id: ``articles.id``.
        url: The final URL fetched (the WARC-Target-URI of its capture).
        canonical_url: The article's canonical URL.
        title: Title or ``None``.
        authors: Author names.
        published: Publication date as stored (ISO 8601) or ``None``.
        snippet: A piece of the text around the matches, matches wrapped in the highlight
            markers (``[`` ``]`` by default); the start of the text when there was no query.
        score: Relevance, higher is better (negated FTS5 bm25); ``0.0`` without a query.
        warc_filename, warc_offset, warc_length: Where the capture lies in ``DATA/warc``.
        fetched_at: When it was captured (WARC-Date, ISO 8601 UTC).
        site: The site profile's name, or ``None``.
        language: The article's language (BCP 47, e.g. ``en``) or ``None``.
        categories, tags: As extracted.
        replay_url: Where the replay server shows the capture:
            ``/archive/<YYYYmmddHHMMSS of fetched_at>/<url>`` (pywb's URL form); computed
            from *fetched_at* and *url* unless given; ``None`` without *fetched_at*.
    """

    id: int
    url: str
    canonical_url: str
    title: str | None
    authors: list[str]
    published: str | None
    snippet: str
    score: float
    warc_filename: str | None
    warc_offset: int | None
    warc_length: int | None
    fetched_at: str | None
    site: str | None = None
    language: str | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    replay_url: str | None = None

    def __post_init__(self) -> None:
        if self.replay_url is None:
            self.replay_url = replay_url(self.fetched_at, self.url)

    def to_dict(self) -> dict[str, Any]:
        """The hit as a JSON-ready dict (every attribute, ``replay_url`` included)."""
        return asdict(self)


def replay_url(fetched_at: str | None, url: str, *, prefix: str = "/archive") -> str | None:
    """The replay server's URL of the capture of *url* made at *fetched_at*.

    pywb's form ``<prefix>/<14-digit timestamp>/<url>`` (the Wayback Machine's URL scheme),
    the timestamp being the capture's WARC-Date as ``YYYYmmddHHMMSS`` (UTC).

    Args:
        fetched_at: ISO 8601 UTC (``2024-03-02T10:00:00Z``) or ``None``.
        url: The captured URL (WARC-Target-URI).
        prefix: The replay collection's path.

    Returns:
        E.g. ``/archive/20240302100000/https://example.org/a``, or ``None`` without a date.
    """
    if not fetched_at:
        return None
    digits = "".join(ch for ch in fetched_at if ch.isdigit())[:14]
    if len(digits) < 8:
        return None
    return f"{prefix}/{digits.ljust(14, '0')}/{url}"


# -- schema -----------------------------------------------------------------------------


def _migration_1_initial_schema(db: Database) -> None:
    """Create crawls, captures, articles, aliases and the articles' FTS5 index."""
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

    aliases = db.table("aliases").create(
        {"url": str, "article_id": int},
        pk="url",
        not_null={"article_id"},
        foreign_keys=[("article_id", "articles", "id")],
    )
    aliases.create_index(["article_id"])

    articles.enable_fts(list(FTS_COLUMNS), create_triggers=True, tokenize=FTS_TOKENIZE)


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
    crawls = db.table("crawls")
    crawls.add_column("horizon", str)
    crawls.add_column("schedule_id", int)
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


# -- helpers ----------------------------------------------------------------------------

_ARTICLE_COLUMNS = (
    "canonical_url", "url", "site", "title", "authors", "published", "modified",
    "categories", "tags", "description", "sitename", "language", "text", "issue_date",
    "extraction_error", "extractor", "capture_id", "warc_filename", "warc_offset",
    "warc_length", "fetched_at", "payload_digest",
)
_URL_STATE_COLUMNS = ("etag", "last_modified", "payload_digest", "status", "last_checked", "lastmod", "article_id")
#: Fields compared between an article's versions (a change in any is listed in ``changed``).
VERSION_FIELDS = ("title", "authors", "published", "modified", "categories", "tags", "description", "text")
_VERSION_COLUMNS = (
    "article_id", "version", "capture_id", "fetched_at", "payload_digest", "title", "authors",
    "published", "modified", "text", "changed", "warc_filename", "warc_offset", "warc_length",
)
_LIST_COLUMNS = ("authors", "categories", "tags")
_CAPTURE_COLUMNS = (
    "url", "status", "mime", "payload_digest", "fetched_at", "warc_filename",
    "warc_offset", "warc_length", "record_id", "record_type", "crawl_id",
    "profile", "refers_to_uri", "refers_to_date",
)
_HIT_COLUMNS = """
    a.id, a.url, a.canonical_url, a.title, a.authors, a.published,
    a.warc_filename, a.warc_offset, a.warc_length, a.fetched_at,
    a.site, a.language, a.categories, a.tags"""
_DATE_FILTER = """
    AND (:since IS NULL OR substr(a.published, 1, 10) >= :since)
    AND (:until IS NULL OR substr(a.published, 1, 10) <= :until)"""


def _utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _norm(value: Any) -> str:
    """A field's value with white space folded, for comparing versions."""
    return " ".join(str(value or "").split())


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _decode_list(value: str | None) -> list[str]:
    if not value:
        return []
    decoded = json.loads(value)
    return [str(item) for item in decoded] if isinstance(decoded, list) else []


def _check_date(name: str, value: str | None) -> str | None:
    """Return *value* if it is ``None`` or a real ``YYYY-MM-DD`` date.

    Raises:
        QueryError: It is not.
    """
    if value is None:
        return None
    try:
        if not _DATE_RE.fullmatch(value):
            raise ValueError(value)
        date.fromisoformat(value)
    except ValueError:
        raise QueryError(
            f"{name} must be a date written YYYY-MM-DD (e.g. 2024-03-02), got {value!r}"
        ) from None
    return value


def _hit_from_row(row: sqlite3.Row) -> SearchHit:
    return SearchHit(
        id=row["id"],
        url=row["url"],
        canonical_url=row["canonical_url"],
        title=row["title"],
        authors=_decode_list(row["authors"]),
        published=row["published"],
        snippet=row["snippet"] or "",
        score=-float(row["bm25_score"]) if row["bm25_score"] else 0.0,
        warc_filename=row["warc_filename"],
        warc_offset=row["warc_offset"],
        warc_length=row["warc_length"],
        fetched_at=row["fetched_at"],
        site=row["site"],
        language=row["language"],
        categories=_decode_list(row["categories"]),
        tags=_decode_list(row["tags"]),
    )


#: Orders a search may ask for.
SORTS = ("relevance", "newest", "oldest")
_ORDER_BY = {
    "relevance": "bm25_score, a.id",
    "newest": "a.published IS NULL, a.published DESC, a.id DESC",
    "oldest": "a.published IS NULL, a.published, a.id",
}
_LANG_RE = re.compile(r"[a-z]{2,8}(?:-[a-z0-9]{1,8})*")
#: The host of ``a.canonical_url`` (``https://HOST/...``), lower case.
_HOST_SQL = (
    "lower(substr(substr(a.canonical_url, instr(a.canonical_url, '://') + 3), 1,"
    " instr(substr(a.canonical_url, instr(a.canonical_url, '://') + 3) || '/', '/') - 1))"
)


#: Name of the SQL function :func:`fold_name` is registered as on every reading connection.
CASEFOLD_SQL_FUNCTION = "newsarchive_casefold"


def fold_name(value: object) -> str | None:
    """A name as compared by ``--author``/``--category``/``--tag``: Unicode NFKC, case
    folded (``Ярослав`` = ``ЯРОСЛАВ``, ``Straße`` = ``STRASSE``), spaces collapsed."""
    if value is None:
        return None
    return " ".join(unicodedata.normalize("NFKC", str(value)).casefold().split())


def register_sql_functions(conn: sqlite3.Connection) -> None:
    """Register :data:`CASEFOLD_SQL_FUNCTION` on *conn* (SQLite's ``lower()`` folds
    ASCII only)."""
    conn.create_function(CASEFOLD_SQL_FUNCTION, 1, fold_name, deterministic=True)


def _in_json_list(column: str, param: str) -> str:
    """SQL: the JSON list in *column* holds the value of *param* (already folded with
    :func:`fold_name`), compared as a whole name, case-insensitively."""
    return (
        f"EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid({column}) THEN {column} END)"
        f" AS j WHERE {CASEFOLD_SQL_FUNCTION}(j.value) = :{param})"
    )


@dataclass(frozen=True)
class SearchOptions:
    """Everything about a search except the query.

    Attributes:
        since: Only articles published on or after this ``YYYY-MM-DD`` date.
        until: Only articles published on or before this ``YYYY-MM-DD`` date. Articles
            without a publication date are left out when either is given.
        author: Only articles with exactly this author (whole name, case-insensitive),
            one of the ``authors`` list.
        category: Likewise over ``categories``.
        tag: Likewise over ``tags``.
        site: Only articles whose site profile is this, or whose canonical URL's host is
            this (``www.`` optional; a URL is cut to its host).
        lang: Only articles in this language: ``en`` matches ``en`` and ``en-US``.
        sort: ``relevance`` (bm25; newest first without a query), ``newest`` or
            ``oldest`` (by ``published``, undated last).
        limit: Most hits to return (>= 0).
        offset: Hits to skip, for paging (>= 0).
        raw: Pass the query to FTS5 unchanged.
        highlight: Markers put around matches in the snippet.
    """

    since: str | None = None
    until: str | None = None
    author: str | None = None
    category: str | None = None
    tag: str | None = None
    site: str | None = None
    lang: str | None = None
    sort: str = "relevance"
    limit: int = 20
    offset: int = 0
    raw: bool = False
    highlight: tuple[str, str] = ("[", "]")


def _normalise_site(site: str) -> str:
    site = site.strip().lower()
    if "://" in site:
        site = site.split("://", 1)[1]
    site = site.split("/", 1)[0]
    return site[4:] if site.startswith("www.") else site


def search_sql(query: str, options: SearchOptions, *, count: bool = False) -> tuple[str, dict[str, Any]] | None:
    """The SQL statement and parameters :meth:`Index.search` runs (``search --sql``).

    User text is only ever a bound parameter; the statement is built from fixed pieces
    chosen by which options are set.

    Args:
        query: As for :meth:`Index.search`.
        options: The filters, order and page.
        count: The statement that counts every hit instead (one row, one column; the
            page, order and highlight are left out), as :meth:`Index.count_hits` runs.

    Returns:
        ``(sql, params)``, or ``None`` when the query has nothing searchable in it (the
        search finds nothing without running anything).

    Raises:
        QueryError: An option is not valid.
    """
    query = clean_text(query)
    options = replace(options, **{
        name: clean_text(value) for name in ("since", "until", "author", "category", "tag", "site", "lang")
        if isinstance(value := getattr(options, name), str)
    }, highlight=tuple(clean_text(m) for m in options.highlight))
    o = options
    if o.limit < 0 or o.offset < 0:
        raise QueryError(f"limit and offset must be 0 or more, got {o.limit} and {o.offset}")
    if o.sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, got {o.sort!r}")
    params: dict[str, Any] = {"limit": o.limit, "offset": o.offset}
    where: list[str] = []
    since = _check_date("since", o.since)
    until = _check_date("until", o.until)
    if since:
        params["since"] = since
        where.append("substr(a.published, 1, 10) >= :since")
    if until:
        params["until"] = until
        where.append("substr(a.published, 1, 10) <= :until")
    for name, column in (("author", "a.authors"), ("category", "a.categories"),
                         ("tag", "a.tags")):
        value = getattr(o, name)
        if value is not None:
            value = fold_name(value)
            if not value:
                raise QueryError(f"{name} must not be empty")
            params[name] = value
            where.append(_in_json_list(column, name))
    if o.site is not None:
        site = _normalise_site(o.site)
        if not site:
            raise QueryError("site must be a site name or host, e.g. courthousenews.com")
        params["site"] = site
        where.append(f"(lower(a.site) = :site OR {_HOST_SQL} IN (:site, 'www.' || :site))")
    if o.lang is not None:
        lang = o.lang.strip().lower().replace("_", "-")
        if not _LANG_RE.fullmatch(lang):
            raise QueryError(f"lang must be a language code such as en or pt-BR, got {o.lang!r}")
        params["lang"] = lang
        # lang holds only letters, digits and '-', so it is safe inside LIKE
        where.append("(lower(a.language) = :lang OR lower(a.language) LIKE :lang || '-%')")

    if not query.strip():
        match, exclude = "", ""
    elif o.raw:
        match, exclude = query, ""
    else:
        compiled = compile_query(query)
        match, exclude = compiled.match, compiled.exclude
        if not match and not exclude:
            return None
    if exclude and not match:
        params["exclude"] = exclude
        where.append(
            "a.id NOT IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :exclude)"
        )
    filters = "".join(f"\n      AND {clause}" for clause in where)

    if count:
        if not match:
            return f"SELECT count(*) FROM articles AS a\nWHERE 1{filters}", params
        params["match"] = match
        return (f"SELECT count(*) FROM articles_fts\nJOIN articles AS a ON a.id = articles_fts.rowid\n"
                f"WHERE articles_fts MATCH :match{filters}"), params
    if not match:
        order = _ORDER_BY["newest" if o.sort == "relevance" else o.sort]
        sql = f"""SELECT {_HIT_COLUMNS.strip()},
    CASE WHEN length(a.text) > {_LATEST_SNIPPET_CHARS}
         THEN substr(a.text, 1, {_LATEST_SNIPPET_CHARS}) || '…'
         ELSE a.text END AS snippet,
    0.0 AS bm25_score
FROM articles AS a
WHERE 1{filters}
ORDER BY {order}
LIMIT :limit OFFSET :offset"""
        return sql, params

    order = _ORDER_BY[o.sort]
    weights = ", ".join(str(w) for w in _BM25_WEIGHTS)
    params.update(match=match, open=o.highlight[0], close=o.highlight[1])
    # Rank (and filter and page) first, then make snippets for the page's hits only: CROSS
    # JOIN keeps hits outermost, so FTS5 looks each hit up by rowid instead of re-scanning.
    sql = f"""WITH hits AS (
    SELECT a.id AS id, bm25(articles_fts, {weights}) AS bm25_score
    FROM articles_fts
    JOIN articles AS a ON a.id = articles_fts.rowid
    WHERE articles_fts MATCH :match{filters}
    ORDER BY {order}
    LIMIT :limit OFFSET :offset
)
SELECT {_HIT_COLUMNS.strip()},
    snippet(articles_fts, {FTS_COLUMNS.index("text")}, :open, :close, '…',
            {_SNIPPET_TOKENS}) AS snippet,
    hits.bm25_score AS bm25_score
FROM hits
CROSS JOIN articles_fts ON articles_fts.rowid = hits.id
JOIN articles AS a ON a.id = hits.id
WHERE articles_fts MATCH :match
ORDER BY {order}"""
    return sql, params


@dataclass
class ArticleDetail:
    """One article as :meth:`Index.article` finds it (``newsarchive show``).

    Attributes:
        article: Every column of its ``articles`` row; ``authors``, ``categories`` and
            ``tags`` decoded to lists.
        aliases: Its other URLs.
        captures: Every ``captures`` row of its URLs (canonical, fetched, aliases) and of
            its versions, oldest first: ``fetched_at``, ``status``, ``record_type``
            (``response`` or ``revisit``), ``warc_filename``, ``warc_offset``, ...
        versions: Its ``article_versions`` rows (``version``, ``fetched_at``,
            ``changed`` as a list, ...), oldest first.
    """

    article: dict[str, Any]
    aliases: list[str]
    captures: list[dict[str, Any]]
    versions: list[dict[str, Any]]

    @property
    def replay_url(self) -> str | None:
        """The replay URL of the article's current capture (see :func:`replay_url`)."""
        return replay_url(self.article.get("fetched_at"), self.article["url"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the article's columns, plus ``aliases``, ``captures``,
        ``versions`` and ``replay_url``; each capture gets its ``replay_url`` too."""
        captures = [
            {**c, "replay_url": replay_url(c.get("fetched_at"), c["url"])} for c in self.captures
        ]
        return {**self.article, "replay_url": self.replay_url, "aliases": self.aliases,
                "captures": captures, "versions": self.versions}


# -- the index --------------------------------------------------------------------------


class Index:
    """The archive's SQLite index (``DATA/archive.db``).

    Example::

        with Index("data/archive.db") as index:
            ids = index.add_captures([capture], crawl_id)
            index.upsert_articles([ArticleRow.from_extracted(...)])
            hits = index.search("U.S. election", since="2024-03-01")

    One :class:`Index` per thread; one writing :class:`Index` per process (any number of
    readers, in this or other processes, may read meanwhile).
    """

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        """Open the index, creating and migrating it unless *readonly*.

        Args:
            path: The database file, normally ``DATA/archive.db``. Its folder is created
                when writable.
            readonly: Open for reading only: nothing is created or migrated, writes raise.

        Raises:
            IndexNotFound: *readonly* and the file does not exist.
            ArchiveIndexError: The file's schema is newer than this code knows, or (when
                *readonly*) older, so it needs a migration that a read-only open cannot do.
            sqlite3.DatabaseError: The file is not an SQLite database.
        """
        self.path = Path(path)
        self.readonly = readonly
        if readonly:
            if not self.path.is_file():
                raise IndexNotFound(
                    f"no archive index at {self.path}: crawl or reindex first, "
                    "or point --data at the folder that holds archive.db"
                )
            conn = sqlite3.connect(
                self.path.resolve().as_uri() + "?mode=ro",
                uri=True,
                timeout=BUSY_TIMEOUT_S,
                isolation_level=None,
            )
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: the driver never opens transactions behind our back;
            # every write goes through _write() (BEGIN IMMEDIATE), sqlite-utils' own
            # atomic() blocks then nest as savepoints inside it.
            conn = sqlite3.connect(
                str(self.path), timeout=BUSY_TIMEOUT_S, isolation_level=None
            )
        self._conn = conn
        self.db = Database(conn)
        try:
            if readonly:
                self._check_version()
            else:
                self.db.enable_wal()
                # WAL + NORMAL: durable against crashes of the process; the WARCs stay the
                # source of truth should a power cut drop the last transactions.
                conn.execute("PRAGMA synchronous=NORMAL")
                self._migrate()
        except BaseException:
            conn.close()
            raise

    # -- lifecycle ----------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (rolling back a transaction left open by an error)."""
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")
        self._conn.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        self.close()

    @classmethod
    def open_readonly(cls, path: str | Path) -> Index:
        """Open for reading; an index whose schema is older than this code is migrated first
        (one short write transaction), so readers never refuse an archive made by an older
        newsarchive.

        Raises:
            IndexNotFound: there is no index at ``path``.
            ArchiveIndexError: it cannot be opened or migrated.
        """
        try:
            return cls(path, readonly=True)
        except SchemaOutdated:
            cls(path).close()
            return cls(path, readonly=True)

    @property
    def schema_version(self) -> int:
        """The applied migration count (``PRAGMA user_version``)."""
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def _check_version(self) -> None:
        version = self.schema_version
        if version > len(migrations):
            raise ArchiveIndexError(
                f"{self.path} has schema version {version}, newer than this newsarchive "
                f"knows ({len(migrations)}): upgrade newsarchive"
            )
        if self.readonly and version < len(migrations):
            raise SchemaOutdated(
                f"{self.path} has schema version {version}, older than {len(migrations)}: "
                "open it once without read-only (e.g. run reindex) to migrate it"
            )

    def _migrate(self) -> None:
        """Apply the migrations the file has not had yet, in one transaction."""
        with self._write():
            self._check_version()
            version = self.schema_version
            for number, migration in enumerate(migrations[version:], start=version + 1):
                logger.info("migrating %s to schema version %d", self.path, number)
                migration(self.db)
                # number is an int from enumerate(), never user text
                self._conn.execute(f"PRAGMA user_version = {int(number)}")

    def _execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        """Run one statement with bound *params*; rows come back as :class:`sqlite3.Row`.

        (The row factory is set per cursor, not on the connection sqlite-utils shares.)
        """
        cursor = self._conn.cursor()
        cursor.row_factory = sqlite3.Row
        return cursor.execute(sql, params)

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction, taking the write lock up front (``BEGIN IMMEDIATE``).

        Raises:
            ArchiveIndexError: The index was opened read-only.
        """
        if self.readonly:
            raise ArchiveIndexError(f"{self.path} was opened read-only; cannot write")
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
        else:
            self._conn.execute("COMMIT")

    # -- crawls -------------------------------------------------------------------------

    def start_crawl(
        self,
        site: str,
        *,
        since: str | None,
        until: str | None,
        args: dict[str, Any],
        seeds: list[str] | None = None,
    ) -> int:
        """Record that a crawl of *site* started now, with status ``running``.

        Args:
            site: The site profile's name.
            since: First back-issue date crawled (``YYYY-MM-DD``) or ``None``.
            until: Last back-issue date crawled (``YYYY-MM-DD``) or ``None``.
            args: The crawl's arguments and settings, stored as JSON.
            seeds: The seed URLs, stored as a JSON list (default: ``args["seeds"]`` if
                given, else ``[]``).

        Returns:
            The new ``crawls.id``.
        """
        if seeds is None:
            seeds = list(args.get("seeds") or [])
        with self._write():
            cursor = self._execute(
                "INSERT INTO crawls (site, seeds, args, since, until, started_at, status)"
                " VALUES (?, ?, ?, ?, ?, ?, 'running')",
                (site, _json(seeds), _json(args), since, until, _utc_now()),
            )
            return int(cursor.lastrowid or 0)

    def finish_crawl(self, crawl_id: int, *, status: str, stats: dict[str, Any]) -> None:
        """Record a crawl's end.

        Args:
            crawl_id: From :meth:`start_crawl`.
            status: ``finished``, ``failed`` or ``interrupted`` (or ``running``).
            stats: The crawl's statistics (Scrapy stats, counts), stored as JSON;
                values that are not JSON (datetimes) are stored as their ``str()``.

        Raises:
            ValueError: Unknown *status*.
            ArchiveIndexError: No crawl has that id.
        """
        if status not in CRAWL_STATUSES:
            raise ValueError(
                f"crawl status must be one of {sorted(CRAWL_STATUSES)}, got {status!r}"
            )
        stats_json = json.dumps(stats, ensure_ascii=False, default=str)
        with self._write():
            cursor = self._execute(
                "UPDATE crawls SET finished_at = ?, status = ?, stats = ? WHERE id = ?",
                (_utc_now(), status, stats_json, crawl_id),
            )
            if cursor.rowcount == 0:
                raise ArchiveIndexError(f"no crawl with id {crawl_id} in {self.path}")

    # -- writes -------------------------------------------------------------------------

    def add_captures(self, captures: list[CaptureRecord], crawl_id: int | None) -> list[int]:
        """Record WARC records (responses, revisits), one transaction for the batch.

        A record already indexed (same WARC-Record-ID, e.g. on reindex) is not added again;
        its existing id is returned.

        Args:
            captures: Pointers returned by the WARC writer (WARC 1.1 section 5).
            crawl_id: The crawl that made them, or ``None`` (reindex).

        Returns:
            ``captures.id`` for each record, in the order given.
        """
        ids: list[int] = []
        if not captures:
            return ids
        placeholders = ", ".join("?" for _ in _CAPTURE_COLUMNS)
        insert_sql = (
            f"INSERT INTO captures ({', '.join(_CAPTURE_COLUMNS)}) VALUES ({placeholders})"
            " ON CONFLICT(record_id) DO NOTHING"
        )
        with self._write():
            for capture in captures:
                values = {**capture.to_dict(), "crawl_id": crawl_id}
                cursor = self._execute(insert_sql, [values[c] for c in _CAPTURE_COLUMNS])
                if cursor.rowcount == 1 and cursor.lastrowid is not None:
                    ids.append(int(cursor.lastrowid))
                else:
                    row = self._execute(
                        "SELECT id FROM captures WHERE record_id = ?", (capture.record_id,)
                    ).fetchone()
                    ids.append(int(row[0]))
        return ids

    def delete_captures(self, record_ids: Iterable[str]) -> list[str]:
        """Delete the ``captures`` rows of these WARC-Record-IDs that no article or article
        version points at (a capture that must not replay, :mod:`archive.replayable`).

        Returns:
            The record ids whose row was deleted.
        """
        wanted = sorted(set(record_ids))
        deleted: list[str] = []
        with self._write():
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                marks = ", ".join("?" for _ in chunk)
                rows = self._execute(
                    f"SELECT id, record_id FROM captures AS c WHERE record_id IN ({marks})"
                    " AND NOT EXISTS (SELECT 1 FROM articles AS a WHERE a.capture_id = c.id)"
                    " AND NOT EXISTS (SELECT 1 FROM article_versions AS v WHERE v.capture_id = c.id)",
                    chunk).fetchall()
                for row in rows:
                    self._execute("DELETE FROM captures WHERE id = ?", (row["id"],))
                    deleted.append(str(row["record_id"]))
        return deleted

    def upsert_articles(self, rows: list[ArticleRow]) -> list[int]:
        """Insert articles, or update them by ``canonical_url``; one transaction per batch.

        Every article keeps its versions in ``article_versions``. A row for a known article
        from a newer capture whose payload digest differs *and* whose text differs is a new
        version: ``version`` goes up by one and the version row lists the fields that
        changed. Otherwise (a refetch of the same page, or re-extraction of the same
        capture) the fields are updated in place and the version stays.

        An existing row keeps its ``id`` and ``first_seen``; ``first_seen``/``last_seen``
        become the earliest/latest ``fetched_at`` seen (now, if ``fetched_at`` is
        ``None``). A row from a capture older than the stored one only widens
        ``first_seen`` (so a reindex in any order leaves the newest capture's fields).
        When ``url`` differs from ``canonical_url`` it is recorded as an alias.

        Args:
            rows: The articles.

        Returns:
            ``articles.id`` for each row, in the order given.
        """
        ids: list[int] = []
        if not rows:
            return ids
        columns = ", ".join(_ARTICLE_COLUMNS)
        placeholders = ", ".join(f":{c}" for c in _ARTICLE_COLUMNS)
        insert_sql = (
            f"INSERT INTO articles ({columns}, first_seen, last_seen, version)"
            f" VALUES ({placeholders}, :first_seen, :last_seen, 1)"
        )
        update_all_sql = (
            "UPDATE articles SET "
            + ", ".join(f"{c} = :{c}" for c in _ARTICLE_COLUMNS)
            + ", first_seen = :first_seen, last_seen = :last_seen, version = :version WHERE id = :id"
        )
        update_seen_sql = (
            "UPDATE articles SET first_seen = :first_seen, last_seen = :last_seen"
            " WHERE id = :id"
        )
        version_sql = (
            f"INSERT INTO article_versions ({', '.join(_VERSION_COLUMNS)})"
            f" VALUES ({', '.join(':' + c for c in _VERSION_COLUMNS)})"
            " ON CONFLICT(article_id, version) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in _VERSION_COLUMNS[2:])
        )
        with self._write():
            for row in rows:
                values = asdict(row)
                for name in _LIST_COLUMNS:
                    values[name] = _json(list(values[name]))
                seen = row.fetched_at or _utc_now()
                existing = self._execute(
                    "SELECT * FROM articles WHERE canonical_url = ?", (row.canonical_url,)
                ).fetchone()
                if existing is None:
                    values.update(first_seen=seen, last_seen=seen)
                    cursor = self._execute(insert_sql, values)
                    article_id = int(cursor.lastrowid or 0)
                    self._execute(version_sql, {**values, "article_id": article_id, "version": 1,
                                                "changed": "[]"})
                else:
                    article_id = int(existing["id"])
                    first = min(s for s in (existing["first_seen"], seen) if s)
                    last = max(s for s in (existing["last_seen"], seen) if s)
                    stored_at = existing["fetched_at"]
                    newer = row.fetched_at is None or stored_at is None or (
                        row.fetched_at >= stored_at
                    )
                    if not newer:
                        self._execute(update_seen_sql, {"id": article_id, "first_seen": first, "last_seen": last})
                        ids.append(article_id)
                        continue
                    changed = [f for f in VERSION_FIELDS if _norm(values[f]) != _norm(existing[f])]
                    version = int(existing["version"] or 1)
                    new_payload = bool(row.payload_digest and existing["payload_digest"]
                                       and row.payload_digest != existing["payload_digest"])
                    if new_payload and "text" in changed:
                        version += 1
                    values.update(id=article_id, first_seen=first, last_seen=last, version=version)
                    self._execute(update_all_sql, values)
                    self._execute(version_sql, {**values, "article_id": article_id, "version": version,
                                                "changed": _json(changed if version > 1 else [])})
                if row.url != row.canonical_url:
                    self._insert_alias(row.url, article_id)
                ids.append(article_id)
        return ids

    def _insert_alias(self, url: str, article_id: int) -> None:
        """Record *url* as an alias unless it is already an alias or a canonical URL."""
        if self._execute(
            "SELECT 1 FROM articles WHERE canonical_url = ?", (url,)
        ).fetchone():
            return
        self._execute(
            "INSERT INTO aliases (url, article_id) VALUES (?, ?)"
            " ON CONFLICT(url) DO NOTHING",
            (url, article_id),
        )

    def add_aliases(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Record other URLs of articles (redirect sources, tracking-parameter variants, AMP
        pages, shortlinks), one transaction for the batch.

        The second URL of a pair names the article: its canonical URL, or an alias it
        already has (so a redirect source can point at the redirect's target). Pairs whose
        alias equals that URL, or is already known, are ignored.

        Args:
            pairs: ``(alias_url, article_url)`` tuples.

        Returns:
            The pairs whose article is not in the index (yet): retry them after the
            article is upserted.
        """
        unresolved: list[tuple[str, str]] = []
        if not pairs:
            return unresolved
        with self._write():
            for alias, target in pairs:
                if alias == target:
                    continue
                row = self._execute(
                    "SELECT id FROM articles WHERE canonical_url = :url"
                    " UNION ALL SELECT article_id FROM aliases WHERE url = :url LIMIT 1",
                    {"url": target},
                ).fetchone()
                if row is None:
                    unresolved.append((alias, target))
                    continue
                self._insert_alias(alias, int(row[0]))
        return unresolved

    # -- crawl state (incremental crawls) ------------------------------------------------

    def upsert_url_state(self, rows: list[dict[str, Any]]) -> None:
        """Record per-URL crawl state, one transaction for the batch.

        Each row has ``url`` (canonical) and any of ``etag``, ``last_modified``,
        ``payload_digest``, ``status``, ``last_checked``, ``lastmod``, ``article_id``;
        a key that is absent (or None) leaves the stored value alone.
        """
        if not rows:
            return
        with self._write():
            for row in rows:
                fields = {k: v for k, v in row.items() if k != "url" and v is not None and k in _URL_STATE_COLUMNS}
                self._execute("INSERT INTO url_state (url) VALUES (?) ON CONFLICT(url) DO NOTHING", (row["url"],))
                if fields:
                    # column names come from _URL_STATE_COLUMNS, never from the caller
                    assignments = ", ".join(f"{name} = :{name}" for name in fields)
                    self._execute(f"UPDATE url_state SET {assignments} WHERE url = :url", {**fields, "url": row["url"]})

    def defer_urls(self, rows: list[dict[str, Any]]) -> None:
        """Keep pages for the next crawl (case B07), one transaction for the batch.

        Each row has ``url`` and ``site`` and any of ``role``, ``issue_date``, ``source``,
        ``retry_after_secs``, ``deferred_at``; a URL deferred again is updated.
        """
        if not rows:
            return
        columns = ("url", "site", "role", "issue_date", "source", "retry_after_secs", "deferred_at")
        with self._write():
            for row in rows:
                values = {c: row.get(c) for c in columns}
                self._execute(
                    f"INSERT OR REPLACE INTO deferred_urls ({', '.join(columns)})"
                    f" VALUES ({', '.join(':' + c for c in columns)})", values)

    def deferred_urls(self, site: str) -> list[dict[str, Any]]:
        """The pages kept for the next crawl of ``site``, oldest deferral first."""
        rows = self._execute("SELECT * FROM deferred_urls WHERE site = ? ORDER BY deferred_at, url", (site,))
        return [dict(row) for row in rows.fetchall()]

    def undefer_urls(self, urls: list[str]) -> None:
        """Forget deferred pages that were fetched (one transaction)."""
        if not urls:
            return
        with self._write():
            for url in urls:
                self._execute("DELETE FROM deferred_urls WHERE url = ?", (url,))

    def url_state(self, url: str) -> dict[str, Any] | None:
        """The crawl state of one canonical URL, or None if it was never fetched."""
        row = self._execute("SELECT * FROM url_state WHERE url = ?", (url,)).fetchone()
        return dict(row) if row else None

    def capture_for_digest(self, payload_digest: str) -> dict[str, Any] | None:
        """The earliest response record holding this payload (for identical-payload revisits)."""
        row = self._execute(
            "SELECT * FROM captures WHERE payload_digest = ? AND record_type = 'response'"
            " ORDER BY id LIMIT 1", (payload_digest,),
        ).fetchone()
        return dict(row) if row else None

    def last_horizon(self, site: str) -> str | None:
        """The horizon (last day covered, ``YYYY-MM-DD``) of the newest finished crawl of ``site``."""
        row = self._execute(
            "SELECT horizon FROM crawls WHERE site = ? AND status = 'finished' AND horizon IS NOT NULL"
            " ORDER BY id DESC LIMIT 1", (site,),
        ).fetchone()
        return str(row[0]) if row else None

    def set_crawl_horizon(self, crawl_id: int, horizon: str | None) -> None:
        """Record the last day a crawl covered (``YYYY-MM-DD``)."""
        with self._write():
            self._execute("UPDATE crawls SET horizon = ? WHERE id = ?", (horizon, crawl_id))

    def interrupted_crawls(self, site: str | None = None) -> list[dict[str, Any]]:
        """Crawls still marked ``running``: they were killed (or are running elsewhere)."""
        cursor = self._execute(
            "SELECT * FROM crawls WHERE status = 'running' AND (:site IS NULL OR site = :site) ORDER BY id",
            {"site": site},
        )
        return [dict(r) for r in cursor]

    def recent_article_urls(self, since: str) -> set[str]:
        """Canonical URLs of articles published on or after ``since`` (``YYYY-MM-DD``)."""
        cursor = self._execute("SELECT canonical_url FROM articles WHERE substr(published, 1, 10) >= ?", (since,))
        return {r[0] for r in cursor}

    # -- reads --------------------------------------------------------------------------

    def article_id_for(self, url: str) -> int | None:
        """The article whose canonical URL, or one of whose aliases, is *url*.

        Args:
            url: Any URL, compared exactly (canonicalise it first).

        Returns:
            ``articles.id`` or ``None``.
        """
        row = self._conn.execute(
            "SELECT id FROM articles WHERE canonical_url = :url"
            " UNION ALL SELECT article_id FROM aliases WHERE url = :url LIMIT 1",
            {"url": url},
        ).fetchone()
        return None if row is None else int(row[0])

    def article_id_for_spelling(self, url: str) -> int | None:
        """The article that any spelling of ``url`` the crawler treats as one article names
        (case B09): as given, canonical (tracking parameters, case, default port), with or
        without the trailing slash, an AMP twin, or the URL it was fetched from.

        Returns:
            ``articles.id`` or ``None``.
        """
        from archive.urls import canonical_url, match_key

        url = url.strip()
        candidates = [url]
        try:
            canonical, key = canonical_url(url), match_key(url)
            candidates += [canonical, canonical.rstrip("/"), canonical + "/", key, key + "/"]
        except ValueError:
            pass
        candidates += [url.rstrip("/"), url + "/"]
        for candidate in dict.fromkeys(candidates):
            article_id = self.article_id_for(candidate)
            if article_id is not None:
                return article_id
        row = self._execute("SELECT id FROM articles WHERE url = ? LIMIT 1", (url,)).fetchone()
        return None if row is None else int(row[0])

    def known_urls(self) -> set[str]:
        """Every canonical URL and alias (for the crawler's dedup when it starts).

        Returns:
            The URLs.
        """
        cursor = self._conn.execute(
            "SELECT canonical_url FROM articles UNION SELECT url FROM aliases"
        )
        return {row[0] for row in cursor}

    def captured_urls(self, urls: list[str]) -> set[str]:
        """Which of ``urls`` have a capture (a response or revisit record, any status)."""
        found: set[str] = set()
        for start in range(0, len(urls), 500):
            chunk = urls[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            cursor = self._conn.execute(f"SELECT DISTINCT url FROM captures WHERE url IN ({marks})", chunk)
            found.update(row[0] for row in cursor)
        return found

    def urls_captured_since(self, fetched_at: str) -> list[str]:
        """The URLs of every capture fetched at or after ``fetched_at`` (ISO 8601 UTC), to the
        second: WARC-Dates carry fractions (``…:51.25Z``) and a crawl's start does not, and as
        text ``.`` sorts before ``Z``, so the first 19 characters are compared."""
        cursor = self._conn.execute(
            "SELECT DISTINCT url FROM captures WHERE substr(fetched_at, 1, 19) >= substr(?, 1, 19)", (fetched_at,))
        return [row[0] for row in cursor]

    def count_articles(self) -> int:
        """The number of articles."""
        return int(self._conn.execute("SELECT count(*) FROM articles").fetchone()[0])

    def search(
        self,
        query: str,
        *,
        since: str | None = None,
        until: str | None = None,
        author: str | None = None,
        category: str | None = None,
        tag: str | None = None,
        site: str | None = None,
        lang: str | None = None,
        sort: str = "relevance",
        limit: int = 20,
        offset: int = 0,
        raw: bool = False,
        highlight: tuple[str, str] = ("[", "]"),
        time_limit: float | None = None,
    ) -> list[SearchHit]:
        """Full-text search over title, text, authors, categories and tags, with filters.

        Ranked by FTS5 bm25 with the title weighted 10, authors 3, categories and tags 2,
        text 1. An empty or whitespace-only query lists the latest articles instead
        (by ``published``, newest first), as does a query of only ``-word`` s (less the
        articles matching them); a query with nothing searchable in it (``+++``) finds
        nothing.

        Args:
            query: What a person typed (see :mod:`archive.query`), or with *raw* an FTS5
                expression (https://www.sqlite.org/fts5.html#full_text_query_syntax).
            since, until, author, category, tag, site, lang, sort, limit, offset, raw,
                highlight: See :class:`SearchOptions`.
            time_limit: Seconds the query may run before it is stopped (``0``: no limit);
                ``None``: ``$NEWSARCHIVE_SEARCH_TIME_LIMIT``, else 5 (:func:`search_time_limit`).

        Returns:
            The hits, in the order asked for (best first by default).

        Raises:
            QueryError: An option is not valid (a date that is not ``YYYY-MM-DD``, an
                unknown sort, a negative limit, a bad time limit), the query has too many
                terms (:data:`archive.query.MAX_TERMS`), or a *raw* query is not valid FTS5.
            SearchTimeout: The query ran longer than the time limit and was stopped.
            KeyboardInterrupt: Ctrl-C while it ran (the query is stopped first).

        Any str is accepted, valid Unicode or not (:func:`archive.query.clean_text`).
        """
        options = SearchOptions(
            since=since, until=until, author=author, category=category, tag=tag,
            site=site, lang=lang, sort=sort, limit=limit, offset=offset, raw=raw,
            highlight=highlight,
        )
        limit_s = search_time_limit(time_limit)
        built = search_sql(query, options)
        if built is None:
            return []
        sql, params = built
        register_sql_functions(self._conn)
        try:
            rows = self._fetch_bounded(sql, params, limit_s)
        except sqlite3.OperationalError as exc:
            if not raw or "locked" in str(exc) or "busy" in str(exc):
                raise
            raise QueryError(
                f"FTS5 syntax error: {clean_text(exc)} (check quotes and operators, or search "
                "without raw mode to match the words as typed)"
            ) from None
        return [_hit_from_row(row) for row in rows]

    def count_hits(self, query: str, *, time_limit: float | None = None, **filters: Any) -> int:
        """How many articles :meth:`search` finds for *query* with these filters, whatever
        the page (``limit`` and ``offset`` are ignored).

        Args:
            query: As for :meth:`search`.
            time_limit: As for :meth:`search`.
            **filters: :meth:`search`'s keyword arguments (``since``, ``author``, ``raw``, ...).

        Returns:
            The number of hits (0 when the query has nothing searchable in it).

        Raises:
            QueryError, SearchTimeout, KeyboardInterrupt: As for :meth:`search`.
        """
        built = search_sql(query, SearchOptions(**filters), count=True)
        if built is None:
            return 0
        sql, params = built
        register_sql_functions(self._conn)
        try:
            rows = self._fetch_bounded(sql, params, search_time_limit(time_limit))
        except sqlite3.OperationalError as exc:
            if not filters.get("raw") or "locked" in str(exc) or "busy" in str(exc):
                raise
            raise QueryError(f"FTS5 syntax error: {clean_text(exc)}") from None
        return int(rows[0][0])

    def _fetch_bounded(self, sql: str, params: Any, time_limit: float | None) -> list[sqlite3.Row]:
        """Every row of one read statement, stopped after *time_limit* seconds or by Ctrl-C.

        A progress handler (``sqlite3.Connection.set_progress_handler``, SQLite's
        ``sqlite3_progress_handler``) looks at the clock and at a Ctrl-C flag every
        :data:`_PROGRESS_STEPS` virtual-machine steps, and aborts the statement when either
        says so.

        Raises:
            SearchTimeout: The time ran out.
            KeyboardInterrupt: Ctrl-C.
            sqlite3.OperationalError: Any other failure of the statement.
        """
        deadline = None if time_limit is None else time.monotonic() + time_limit
        interrupted = [False]
        stopped: list[str] = []

        def progress() -> int:
            if interrupted[0]:
                stopped.append("interrupt")
                return 1
            if deadline is not None and time.monotonic() > deadline:
                stopped.append("timeout")
                return 1
            return 0

        self._conn.set_progress_handler(progress, _PROGRESS_STEPS)
        try:
            with _sigint_sets(interrupted):
                try:
                    rows = self._execute(sql, params).fetchall()
                except sqlite3.Error as exc:
                    # stopped mid-statement: SQLite says "interrupted" (or, should the abort
                    # land inside an FTS5 function, whatever error that passes on)
                    if stopped and stopped[0] == "timeout":
                        raise SearchTimeout(time_limit or 0.0) from None
                    if stopped or "interrupted" in str(exc):
                        # our flag, or a KeyboardInterrupt the sqlite3 module swallowed in the callback
                        raise KeyboardInterrupt from None
                    raise
        finally:
            self._conn.set_progress_handler(None, 0)
        if interrupted[0]:
            raise KeyboardInterrupt
        return rows

    def article(self, ident: int | str) -> ArticleDetail | None:
        """One article with its text, every version and every capture of it.

        Args:
            ident: ``articles.id`` (an int, or a string of digits), or a URL: its
                canonical URL or one of its aliases, as given or canonicalised.

        Returns:
            The article, or ``None`` when the index has no such article.
        """
        article_id: int | None
        if isinstance(ident, int) or (isinstance(ident, str) and ident.strip().isascii() and ident.strip().isdigit()):
            article_id = int(ident)
            if not -(2**63) <= article_id < 2**63:
                return None  # beyond SQLite's integers: no such article
        else:
            article_id = self.article_id_for_spelling(ident)
        if article_id is None:
            return None
        row = self._execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            return None
        article = dict(row)
        for name in _LIST_COLUMNS:
            article[name] = _decode_list(article[name])
        aliases = [
            r[0] for r in self._execute(
                "SELECT url FROM aliases WHERE article_id = ? ORDER BY url", (article_id,)
            )
        ]
        urls = sorted({article["canonical_url"], article["url"], *aliases})
        placeholders = ", ".join("?" for _ in urls)
        captures = [
            dict(r) for r in self._execute(
                f"""SELECT * FROM captures
                    WHERE url IN ({placeholders})
                       OR id = ?
                       OR id IN (SELECT capture_id FROM article_versions WHERE article_id = ?)
                    ORDER BY fetched_at, id""",
                (*urls, article["capture_id"], article_id),
            )
        ]
        versions = []
        for r in self._execute(
            "SELECT version, capture_id, fetched_at, payload_digest, title, changed,"
            " warc_filename, warc_offset, warc_length"
            " FROM article_versions WHERE article_id = ? ORDER BY version",
            (article_id,),
        ):
            version = dict(r)
            version["changed"] = _decode_list(version["changed"])
            versions.append(version)
        return ArticleDetail(article=article, aliases=aliases, captures=captures,
                             versions=versions)

    def stats(self, *, since: str | None = None, until: str | None = None,
              top: int = 10, short_text_chars: int = 500) -> ArchiveStats:
        """What the archive holds: a coverage calendar, top names, extraction gaps, crawls.

        Args:
            since: Count articles published on or after this ``YYYY-MM-DD`` date (and
                start the calendar there).
            until: ... on or before this date (and end the calendar there).
            top: How many authors, categories and sites to list.
            short_text_chars: Text shorter than this counts as "little text".

        Returns:
            See :class:`ArchiveStats`.

        Raises:
            QueryError: *since*/*until* are not dates, or *since* is after *until*.
        """
        from archive.stats import compute_stats

        register_sql_functions(self._conn)
        since = _check_date("since", since)
        until = _check_date("until", until)
        if since and until and since > until:
            raise QueryError(f"since ({since}) is after until ({until})")
        return compute_stats(self._execute, since=since, until=until, top=top,
                             short_text_chars=short_text_chars)

    def iter_articles(
        self, *, since: str | None = None, until: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Stream articles for export, ordered by ``published`` (undated last), then id.

        Args:
            since: Only articles published on or after this ``YYYY-MM-DD`` date.
            until: Only articles published on or before this ``YYYY-MM-DD`` date.

        Returns:
            An iterator of each article's columns as a dict, ``authors``, ``categories``
            and ``tags`` decoded to lists. The query runs (and the dates are checked) at
            the call, rows are fetched as the iterator is consumed.

        Raises:
            QueryError: *since*/*until* are not dates.
        """
        params = {"since": _check_date("since", since), "until": _check_date("until", until)}
        cursor = self._execute(
            f"""SELECT a.* FROM articles AS a WHERE 1 {_DATE_FILTER}
                ORDER BY a.published IS NULL, a.published, a.id""",
            params,
        )
        return self._decode_rows(cursor)

    @staticmethod
    def _decode_rows(cursor: sqlite3.Cursor) -> Iterator[dict[str, Any]]:
        try:
            for row in cursor:
                article = dict(row)
                for name in _LIST_COLUMNS:
                    article[name] = _decode_list(article[name])
                yield article
        finally:
            cursor.close()
