"""Recurring crawls in the index (``schedules``), for :mod:`crawler.schedule`: rows as dicts,
``args`` as the JSON list of the crawl's options it was stored with."""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from archive.index.base import IndexBase
from archive.index.rows import _utc_now

__all__ = ["SchedulesMixin"]


class SchedulesMixin(IndexBase):
    """:class:`archive.index.Index`'s ``schedules`` table."""

    def add_schedule(self, site: str, args: Sequence[str], *, every_secs: int | None,
                     cron: str | None) -> dict[str, Any]:
        """Store an enabled schedule (one transaction) and return its row."""
        with self._write():
            cursor = self._execute(
                "INSERT INTO schedules (site, args, every_secs, cron, created_at, enabled)"
                " VALUES (?, ?, ?, ?, ?, 1)",
                (site, json.dumps(list(args), ensure_ascii=False), every_secs, cron, _utc_now()),
            )
            schedule_id = int(cursor.lastrowid or 0)
            return dict(self._execute("SELECT * FROM schedules WHERE id = ?", (schedule_id,)).fetchone())

    def schedules(self, *, enabled_only: bool = False) -> list[dict[str, Any]]:
        """Every schedule's row (only the enabled ones with *enabled_only*), by id."""
        where = " WHERE enabled = 1 OR enabled IS NULL" if enabled_only else ""
        return [dict(row) for row in self._execute(f"SELECT * FROM schedules{where} ORDER BY id")]

    def schedule(self, schedule_id: int) -> dict[str, Any] | None:
        """The row of one schedule, or ``None``."""
        row = self._execute("SELECT * FROM schedules WHERE id = ?", (schedule_id,)).fetchone()
        return None if row is None else dict(row)

    def remove_schedule(self, schedule_id: int) -> dict[str, Any] | None:
        """Delete a schedule (one transaction); its row, or ``None`` when there was none."""
        with self._write():
            row = self._execute("SELECT * FROM schedules WHERE id = ?", (schedule_id,)).fetchone()
            if row is None:
                return None
            self._execute("DELETE FROM schedules WHERE id = ?", (schedule_id,))
            return dict(row)

    def record_schedule_run(self, schedule_id: int, *, status: str, last_run_at: str | None = None) -> None:
        """Set a schedule's ``last_status`` (and ``last_run_at`` when given); a gone one is ignored."""
        with self._write():
            if last_run_at is None:
                self._execute("UPDATE schedules SET last_status = ? WHERE id = ?", (status, schedule_id))
            else:
                self._execute("UPDATE schedules SET last_status = ?, last_run_at = ? WHERE id = ?",
                              (status, last_run_at, schedule_id))
