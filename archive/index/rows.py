"""The index's rows as Python sees them: what is written (:class:`ArticleRow`) and what a
read gives back (:class:`SearchHit`, :class:`ArticleDetail`), the column lists the SQL is built
from, and the replay URL of a capture (pywb's ``/<collection>/<timestamp>/<url>``).
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from archive.records import CaptureRecord, ExtractedArticle

__all__ = ["ArticleDetail", "ArticleRow", "SearchHit", "VERSION_FIELDS", "replay_url"]

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
