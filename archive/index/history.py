"""An article's versions as :mod:`archive.history` (``newsarchive history``) and the replay
page's version bar read them."""
from __future__ import annotations

import sqlite3
from typing import Any

from archive.index.base import IndexBase

__all__ = ["HistoryMixin"]


class HistoryMixin(IndexBase):
    """:class:`archive.index.Index`'s reads of ``article_versions``."""

    def article_head(self, article_id: int) -> dict[str, Any] | None:
        """``id``, ``canonical_url``, ``title`` and ``version`` of one article, or ``None``."""
        row = self._execute(
            "SELECT id, canonical_url, title, version FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        return None if row is None else dict(row)

    def version_rows(self, article_id: int) -> list[sqlite3.Row]:
        """Every version of an article, oldest first, as rows of ``version, fetched_at,
        payload_digest, warc_filename, warc_offset, warc_length, changed, title, authors,
        published, modified, text, capture_id``; an article indexed before versions were kept
        (no ``article_versions`` rows) has one, its ``articles`` row (version 1 by default)."""
        rows = self._execute(
            "SELECT version, fetched_at, payload_digest, warc_filename, warc_offset, warc_length,"
            " changed, title, authors, published, modified, text, capture_id"
            " FROM article_versions WHERE article_id = ? ORDER BY version",
            (article_id,),
        ).fetchall()
        if rows:
            return rows
        return self._execute(
            "SELECT coalesce(a.version, 1), a.fetched_at, coalesce(a.payload_digest, c.payload_digest),"
            " a.warc_filename, a.warc_offset, a.warc_length, '[]', a.title, a.authors, a.published,"
            " a.modified, a.text, a.capture_id"
            " FROM articles a LEFT JOIN captures c ON c.id = a.capture_id WHERE a.id = ?",
            (article_id,),
        ).fetchall()

    def replay_versions(self, article_id: int) -> list[tuple[int, str, str]]:
        """``(version, fetched_at, url)`` of each dated version of an article, oldest first,
        ``url`` being its capture's (else the article's) URL, for the replay page's version bar.

        Raises:
            sqlite3.OperationalError: An index without ``article_versions``.
        """
        rows = self._execute(
            "SELECT v.version, v.fetched_at, COALESCE(c.url, a.url) AS url"
            " FROM article_versions AS v JOIN articles AS a ON a.id = v.article_id"
            " LEFT JOIN captures AS c ON c.id = v.capture_id"
            " WHERE v.article_id = ? AND v.fetched_at IS NOT NULL ORDER BY v.version",
            (article_id,),
        ).fetchall()
        return [(row[0], row[1], row[2]) for row in rows]
