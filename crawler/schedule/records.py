"""Schedules as stored in the ``schedules`` table of ``DATA/archive.db``: :class:`Schedule`,
and the functions that add, list, find, remove and record runs of them. Each opens its own
:class:`~archive.index.Index` and holds the write lock for one short transaction."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from archive.index import Index, IndexNotFound, SchemaOutdated
from crawler.schedule.timing import ScheduleError, format_secs


class ScheduleNotFound(LookupError):
    """No schedule has that id."""


@dataclass
class Schedule:
    """One row of ``schedules``.

    Attributes:
        id: ``schedules.id``.
        site: The crawl's SITE argument (profile name or URL).
        args: The crawl's options, as typed (e.g. ``["--base-url", "https://…"]``).
        every_secs: Interval in seconds, or ``None`` for a cron schedule.
        cron: Five-field crontab expression (local time), or ``None``.
        created_at, last_run_at: ISO 8601 UTC (``2024-03-15T06:00:00Z``); ``last_run_at``
            is when the last run started, ``None`` before the first.
        last_status: ``running``, ``ok``, ``failed (exit N)``, ``interrupted``,
            ``skipped (busy)`` or ``None``.
        enabled: Whether ``schedule run`` runs it.
    """

    id: int
    site: str
    args: list[str]
    every_secs: int | None
    cron: str | None
    created_at: str
    last_run_at: str | None
    last_status: str | None
    enabled: bool

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Schedule:
        try:
            args = json.loads(row["args"] or "[]")
        except ValueError:
            args = []
        return cls(
            id=int(row["id"]),
            site=row["site"],
            args=[str(a) for a in args] if isinstance(args, list) else [],
            every_secs=int(row["every_secs"]) if row["every_secs"] else None,
            cron=row["cron"] or None,
            created_at=row["created_at"],
            last_run_at=row["last_run_at"],
            last_status=row["last_status"],
            enabled=bool(row["enabled"]) if row["enabled"] is not None else True,
        )

    @property
    def when(self) -> str:
        """``every 6h`` or ``cron 0 */6 * * *``."""
        return f"every {format_secs(self.every_secs)}" if self.every_secs else f"cron {self.cron}"

    def crawl_argv(self) -> list[str]:
        """``crawl SITE ARGS...``, what follows ``newsarchive --data DATA``."""
        return ["crawl", self.site, *self.args]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "when": self.when}


def utc_now() -> str:
    """Now, as stored: ``2024-03-15T06:00:00Z``."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextmanager
def _reading(db_path: Path) -> Iterator[Index | None]:
    """The index read-only (migrated first if older), or ``None`` when there is none yet."""
    try:
        index = Index(db_path, readonly=True)
    except IndexNotFound:
        yield None
        return
    except SchemaOutdated:
        Index(db_path).close()
        index = Index(db_path, readonly=True)
    try:
        yield index
    finally:
        index.close()


def add_schedule(db_path: str | Path, site: str, args: Sequence[str], *,
                 every_secs: int | None = None, cron: str | None = None) -> Schedule:
    """Store a schedule (enabled). The caller validates (:func:`validate_crawl_args`).

    Args:
        db_path: ``DATA/archive.db`` (created if missing).
        site: The crawl's SITE.
        args: The crawl's options.
        every_secs: Interval in seconds; exactly one of *every_secs* and *cron*.
        cron: Crontab expression (:func:`validate_cron`).

    Returns:
        The stored schedule.

    Raises:
        ScheduleError: Neither or both of *every_secs* and *cron*.
    """
    if (every_secs is None) == (cron is None):
        raise ScheduleError("give exactly one of --every and --cron")
    with Index(db_path) as index:
        row = index.add_schedule(site, args, every_secs=every_secs, cron=cron)
    return Schedule.from_row(row)


def list_schedules(db_path: str | Path, *, enabled_only: bool = False) -> list[Schedule]:
    """Every schedule, by id (``[]`` when the archive does not exist yet)."""
    with _reading(Path(db_path)) as index:
        if index is None:
            return []
        return [Schedule.from_row(row) for row in index.schedules(enabled_only=enabled_only)]


def get_schedule(db_path: str | Path, schedule_id: int) -> Schedule | None:
    """The schedule with *schedule_id*, or ``None``."""
    with _reading(Path(db_path)) as index:
        if index is None:
            return None
        row = index.schedule(schedule_id)
    return Schedule.from_row(row) if row else None


def remove_schedule(db_path: str | Path, schedule_id: int) -> Schedule:
    """Delete a schedule (its past crawls keep their ``schedule_id``).

    Returns:
        The schedule removed.

    Raises:
        ScheduleNotFound: No schedule has that id.
    """
    if not Path(db_path).exists():
        raise ScheduleNotFound(f"no schedule {schedule_id} (there is no archive at {db_path})")
    with Index(db_path) as index:
        row = index.remove_schedule(schedule_id)
    if row is None:
        raise ScheduleNotFound(f"no schedule {schedule_id}")
    return Schedule.from_row(row)


def record_run(db_path: str | Path, schedule_id: int, *, status: str,
               last_run_at: str | None = None) -> None:
    """Set a schedule's ``last_status`` (and ``last_run_at`` when given); a gone schedule is ignored."""
    with Index(db_path) as index:
        index.record_schedule_run(schedule_id, status=status, last_run_at=last_run_at)


def last_crawl_id(db_path: Path) -> int:
    """The id of the last crawl recorded (0: none, or no archive yet)."""
    with _reading(db_path) as index:
        if index is None:
            return 0
        return index.last_crawl_id()


def tag_crawls(db_path: Path, schedule_id: int, after_crawl_id: int) -> int:
    """Set ``crawls.schedule_id`` on the crawls a run recorded (ids above *after_crawl_id*)."""
    if not db_path.exists():
        return 0
    with Index(db_path) as index:
        return index.tag_crawls(schedule_id, after_crawl_id)

