"""What incremental and resumed crawls read back: per-URL crawl state (``url_state``: HTTP
validators, RFC 9110 section 8.8, and the last payload digest), pages deferred to the next crawl
(``deferred_urls``, case B07) and the capture a payload digest was first archived in."""
from __future__ import annotations

from typing import Any

from archive.index.base import IndexBase
from archive.index.rows import _URL_STATE_COLUMNS

__all__ = ["CrawlStateMixin"]


class CrawlStateMixin(IndexBase):
    """:class:`archive.index.Index`'s ``url_state`` and ``deferred_urls`` tables."""

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

    def recent_article_urls(self, since: str) -> set[str]:
        """Canonical URLs of articles published on or after ``since`` (``YYYY-MM-DD``)."""
        cursor = self._execute("SELECT canonical_url FROM articles WHERE substr(published, 1, 10) >= ?", (since,))
        return {r[0] for r in cursor}
