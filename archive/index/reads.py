"""Reads of articles and captures: by URL (any spelling, case B09), one article in full
(``show``), every article (``export``), the URLs known to a crawl, the statistics (``stats``),
and the captures a recovery or an import still has to extract."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from archive.index.base import IndexBase
from archive.index.rows import _DATE_FILTER, _LIST_COLUMNS, ArticleDetail, _decode_list
from archive.index.search_sql import _check_date, register_sql_functions
from archive.query import QueryError, clean_text
from archive.records import CaptureRecord
from archive.stats import ArchiveStats

__all__ = ["ReadsMixin"]

#: The 200 HTML responses of one WARC file that no article or article version points at yet.
_UNEXTRACTED_IN_FILE = """
    SELECT c.* FROM captures AS c
     WHERE c.warc_filename = ? AND c.record_type = 'response' AND c.status = 200
       AND (c.mime IN ({types}))
       AND NOT EXISTS (SELECT 1 FROM articles AS a WHERE a.capture_id = c.id)
       AND NOT EXISTS (SELECT 1 FROM article_versions AS v WHERE v.capture_id = c.id)
     ORDER BY c.warc_offset
"""


def capture_from_row(row: sqlite3.Row | dict[str, Any]) -> tuple[CaptureRecord, int]:
    """A ``captures`` row as the WARC record pointer it holds, and its ``captures.id``."""
    values = dict(row)
    fields = {k: values[k] for k in CaptureRecord.__dataclass_fields__ if k in values}
    return CaptureRecord(**fields), int(values["id"])


class ReadsMixin(IndexBase):
    """:class:`archive.index.Index`'s reads of articles and captures."""

    def article_id_for(self, url: str) -> int | None:
        """The article whose canonical URL, or one of whose aliases, is *url*.

        Args:
            url: Any URL, compared exactly (canonicalise it first). Text that is not valid
                Unicode (a non-UTF-8 argument) is read as :func:`archive.query.clean_text` does.

        Returns:
            ``articles.id`` or ``None``.
        """
        row = self._conn.execute(
            "SELECT id FROM articles WHERE canonical_url = :url"
            " UNION ALL SELECT article_id FROM aliases WHERE url = :url LIMIT 1",
            {"url": clean_text(url)},
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

        url = clean_text(url).strip()  # a non-UTF-8 argument, read as search reads it
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
        from archive.index.stats import compute_stats

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

    def count_captures(self) -> int:
        """The number of captures (WARC response and revisit records indexed)."""
        return int(self._execute("SELECT count(*) FROM captures").fetchone()[0])

    def count_aliases(self) -> int:
        """The number of aliases (other URLs of articles)."""
        return int(self._execute("SELECT count(*) FROM aliases").fetchone()[0])

    def capture_by_record_id(self, record_id: str) -> tuple[CaptureRecord, int] | None:
        """The capture of one WARC-Record-ID and its ``captures.id``, or ``None``."""
        row = self._execute("SELECT * FROM captures WHERE record_id = ?", (record_id,)).fetchone()
        return None if row is None else capture_from_row(row)

    def capture_url(self, capture_id: int) -> str | None:
        """The URL (WARC-Target-URI) of ``captures.id`` *capture_id*, or ``None``."""
        row = self._execute("SELECT url FROM captures WHERE id = ?", (capture_id,)).fetchone()
        return None if row is None else str(row[0])

    def unextracted_captures(self, warc_filename: str, mimes: Sequence[str]) -> list[tuple[CaptureRecord, int]]:
        """The 200 responses of one WARC file (its name under ``DATA/warc``) with one of
        *mimes* that no article or article version points at, in file order (``import``)."""
        sql = _UNEXTRACTED_IN_FILE.format(types=", ".join("?" for _ in mimes))
        return [capture_from_row(row) for row in self._execute(sql, (warc_filename, *mimes)).fetchall()]

    def unextracted_pages(self, since: str) -> list[dict[str, Any]]:
        """The 200 HTML responses fetched at or after *since* (ISO 8601 UTC, compared to the
        second) whose URL is no article, alias or canonical URL, oldest first
        (:func:`archive.recovery.unextracted_pages`)."""
        return [dict(row) for row in self._execute(
            "SELECT * FROM captures WHERE substr(fetched_at, 1, 19) >= substr(:since, 1, 19) AND status = 200 AND record_type = 'response'"
            " AND lower(coalesce(mime, '')) LIKE '%html%'"
            " AND url NOT IN (SELECT url FROM articles WHERE url IS NOT NULL)"
            " AND url NOT IN (SELECT canonical_url FROM articles) AND url NOT IN (SELECT url FROM aliases)"
            " ORDER BY fetched_at", {"since": since})]
