"""Crawls in the index (``crawls``): started, finished, their horizon, the ones left running,
and the schedule that ran them."""
from __future__ import annotations

import json
from typing import Any

from archive.index.base import IndexBase
from archive.index.rows import _json, _utc_now
from archive.query import ArchiveIndexError

__all__ = ["CRAWL_STATUSES", "CrawlsMixin"]

CRAWL_STATUSES = frozenset({"running", "finished", "failed", "interrupted"})


class CrawlsMixin(IndexBase):
    """:class:`archive.index.Index`'s ``crawls`` table."""

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

    def count_crawls(self) -> int:
        """How many crawls were ever recorded (0 before the first crawl into a data folder)."""
        return int(self._execute("SELECT count(*) FROM crawls").fetchone()[0])

    def last_crawl_id(self) -> int:
        """The highest ``crawls.id`` (0 when there are none)."""
        return int(self._execute("SELECT coalesce(max(id), 0) FROM crawls").fetchone()[0])

    def tag_crawls(self, schedule_id: int, after_crawl_id: int) -> int:
        """Set ``crawls.schedule_id`` on the crawls with an id above *after_crawl_id* that have
        none yet (the ones a scheduled run recorded).

        Returns:
            How many crawls were tagged.
        """
        with self._write():
            cursor = self._execute(
                "UPDATE crawls SET schedule_id = ? WHERE id > ? AND schedule_id IS NULL",
                (schedule_id, after_crawl_id),
            )
            return int(cursor.rowcount)
