"""What a crawl, a reindex or an import writes: captures (one row per WARC response or revisit
record, WARC 1.1 section 5), articles and their versions, and aliases (the other URLs of an
article). Each call is one transaction for its batch."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from archive.index.base import IndexBase
from archive.index.rows import (
    _ARTICLE_COLUMNS, _CAPTURE_COLUMNS, _LIST_COLUMNS, _VERSION_COLUMNS, VERSION_FIELDS, ArticleRow, _json,
    _norm, _utc_now,
)
from archive.records import CaptureRecord

__all__ = ["WritesMixin"]

_INSERT_ARTICLE_SQL = (
    f"INSERT INTO articles ({', '.join(_ARTICLE_COLUMNS)}, first_seen, last_seen, version)"
    f" VALUES ({', '.join(f':{c}' for c in _ARTICLE_COLUMNS)}, :first_seen, :last_seen, 1)"
)
_UPDATE_ALL_SQL = (
    "UPDATE articles SET "
    + ", ".join(f"{c} = :{c}" for c in _ARTICLE_COLUMNS)
    + ", first_seen = :first_seen, last_seen = :last_seen, version = :version WHERE id = :id"
)
_UPDATE_SEEN_SQL = (
    "UPDATE articles SET first_seen = :first_seen, last_seen = :last_seen"
    " WHERE id = :id"
)
_VERSION_SQL = (
    f"INSERT INTO article_versions ({', '.join(_VERSION_COLUMNS)})"
    f" VALUES ({', '.join(':' + c for c in _VERSION_COLUMNS)})"
    " ON CONFLICT(article_id, version) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _VERSION_COLUMNS[2:])
)


class WritesMixin(IndexBase):
    """:class:`archive.index.Index`'s writes of captures, articles and aliases."""

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
        with self._write():
            for row in rows:
                ids.append(self._upsert_article(row))
        return ids

    def _upsert_article(self, row: ArticleRow) -> int:
        """One row of :meth:`upsert_articles`, inside its transaction; returns its id."""
        values = asdict(row)
        for name in _LIST_COLUMNS:
            values[name] = _json(list(values[name]))
        seen = row.fetched_at or _utc_now()
        existing = self._execute(
            "SELECT * FROM articles WHERE canonical_url = ?", (row.canonical_url,)
        ).fetchone()
        if existing is None:
            values.update(first_seen=seen, last_seen=seen)
            cursor = self._execute(_INSERT_ARTICLE_SQL, values)
            article_id = int(cursor.lastrowid or 0)
            self._execute(_VERSION_SQL, {**values, "article_id": article_id, "version": 1,
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
                self._execute(_UPDATE_SEEN_SQL, {"id": article_id, "first_seen": first, "last_seen": last})
                return article_id
            self._update_article(row, values, existing, first=first, last=last)
        if row.url != row.canonical_url:
            self._insert_alias(row.url, article_id)
        return article_id

    def _update_article(self, row: ArticleRow, values: dict[str, Any], existing: sqlite3.Row,
                        *, first: str, last: str) -> None:
        """Overwrite a known article with a capture at least as new; a new version when both
        its payload digest and its text differ."""
        article_id = int(existing["id"])
        changed = [f for f in VERSION_FIELDS if _norm(values[f]) != _norm(existing[f])]
        version = int(existing["version"] or 1)
        new_payload = bool(row.payload_digest and existing["payload_digest"]
                           and row.payload_digest != existing["payload_digest"])
        if new_payload and "text" in changed:
            version += 1
        values.update(id=article_id, first_seen=first, last_seen=last, version=version)
        self._execute(_UPDATE_ALL_SQL, values)
        self._execute(_VERSION_SQL, {**values, "article_id": article_id, "version": version,
                                     "changed": _json(changed if version > 1 else [])})

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
