"""Recurring crawls: the ``schedules`` table of ``DATA/archive.db`` and a foreground scheduler.

A schedule is a site, the ``crawl`` options to run it with, and either an interval
(``every_secs``) or a crontab expression (``cron``, five fields, local time). The scheduler
(:class:`ScheduleRunner`) is APScheduler 3's ``BlockingScheduler``: one job per enabled
schedule (``IntervalTrigger`` or ``CronTrigger.from_crontab``), ``coalesce=True`` and
``max_instances=1``, so runs missed while a crawl was still going, while the machine slept
or while no scheduler ran at all become one run as soon as possible. Each run is a
subprocess::

    python -m archive --data DATA crawl SITE *ARGS

one at a time per data folder (an in-process single-thread executor, plus an exclusive
``flock`` on ``DATA/schedule.lock`` against a second scheduler on the same folder). Each
run's start and end (exit code, duration, status) are logged to stderr and to
``DATA/logs/schedule.log``, and recorded on the schedule (``last_run_at``,
``last_status``). The crawl itself decides what to fetch: without ``--since`` it continues
from the previous crawl (incremental).

SIGTERM or SIGINT stops the scheduler: no new run starts, the running crawl gets
``grace_secs`` to end by itself, then SIGTERM (Scrapy's clean shutdown: the WARC and the
index are flushed and the crawl is recorded as interrupted), then SIGKILL after
:data:`KILL_AFTER_SECS` more. A second signal skips the grace period.

Storage functions open their own :class:`~archive.index.Index` and hold the write lock for
one short transaction each; nothing here imports Scrapy.
"""
from __future__ import annotations

import collections
import datetime as dt
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from archive.index import Index, IndexNotFound, SchemaOutdated
from archive.layout import DataDir

__all__ = [
    "BUSY_MARKERS",
    "KILL_AFTER_SECS",
    "RunnerOptions",
    "Schedule",
    "ScheduleError",
    "ScheduleNotFound",
    "ScheduleRunner",
    "add_schedule",
    "first_run_time",
    "format_secs",
    "get_schedule",
    "list_schedules",
    "make_trigger",
    "parse_every",
    "record_run",
    "remove_schedule",
    "setup_logging",
    "validate_crawl_args",
    "validate_cron",
]

logger = logging.getLogger("newsarchive.schedule")

#: Seconds between the SIGTERM sent to a crawl that outlived the grace period and SIGKILL.
KILL_AFTER_SECS = 30.0
#: Lower-cased substrings of the crawl's message when another crawl holds the data folder's
#: lock (``crawler.store.ArchiveLocked``): the run is then "skipped (busy)", not a failure.
BUSY_MARKERS = ("another crawl", "already running")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_EVERY_RE = re.compile(r"(\d+)\s*([smhd])", re.IGNORECASE)


class ScheduleError(ValueError):
    """A schedule that cannot be stored: bad ``--every``, ``--cron`` or crawl options."""


class ScheduleNotFound(LookupError):
    """No schedule has that id."""


# -- parsing ----------------------------------------------------------------------------


def parse_every(text: str) -> int:
    """An interval such as ``30s``, ``15m``, ``6h``, ``1d`` or ``1h30m``, in seconds.

    Args:
        text: Numbers each followed by a unit: ``s``, ``m``, ``h`` or ``d``.

    Returns:
        The interval in seconds (>= 1).

    Raises:
        ScheduleError: Not an interval, or zero.
    """
    compact = re.sub(r"\s+", "", text or "")
    parts = _EVERY_RE.findall(compact)
    if not parts or "".join(n + u for n, u in parts).lower() != compact.lower():
        raise ScheduleError(f"{text!r} is not an interval; use e.g. 30s, 15m, 6h, 1d or 1h30m")
    secs = sum(int(number) * _UNITS[unit.lower()] for number, unit in parts)
    if secs < 1:
        raise ScheduleError(f"{text!r}: the interval must be at least 1s")
    if secs > 366 * 86400:
        raise ScheduleError(f"{text!r}: the interval must be a year or less")
    return secs


def format_secs(secs: int) -> str:
    """``21600`` -> ``6h``, ``5400`` -> ``1h30m``: the inverse of :func:`parse_every`."""
    out = []
    for unit in ("d", "h", "m", "s"):
        count, secs = divmod(secs, _UNITS[unit])
        if count:
            out.append(f"{count}{unit}")
    return "".join(out) or "0s"


def validate_cron(expr: str) -> str:
    """A five-field crontab expression (minute hour day month weekday), whitespace normalised.

    Raises:
        ScheduleError: APScheduler's ``CronTrigger.from_crontab`` rejects it.
    """

    normalised = " ".join((expr or "").split())
    try:
        cron_trigger(normalised)
    except ValueError as exc:
        raise ScheduleError(
            f"{expr!r} is not a crontab expression ({exc}); use five fields, "
            'minute hour day month weekday, e.g. "0 */6 * * *"'
        ) from None
    return normalised


def validate_crawl_args(site: str, args: Sequence[str]) -> None:
    """Check *site* and *args* the way ``newsarchive crawl SITE ARGS`` would, without crawling.

    The crawl command's own click parser runs (option names, dates, ``-s NAME=VALUE``), then
    the site profile is resolved and ``--since``/``--until`` are compared.

    Raises:
        ScheduleError: The crawl command would refuse them (its message, usage errors).
    """
    import click

    from crawler.cli import crawl
    from crawler.profiles import ProfileError, resolve

    if any(a in ("-h", "--help") for a in args):
        raise ScheduleError("--help is not a crawl option to schedule")
    if any(a == "--data" or a.startswith("--data=") for a in args):
        raise ScheduleError("put --data before the command: newsarchive --data DIR schedule add ...")
    try:
        with crawl.make_context("crawl", [site, *args]) as ctx:
            params = dict(ctx.params)
    except click.ClickException as exc:
        raise ScheduleError(f"crawl option: {exc.format_message()}") from None
    try:
        resolve(params["site"], params.get("base_url"))
    except ProfileError as exc:
        raise ScheduleError(str(exc)) from None
    since, until = params.get("since"), params.get("until")
    if since and until and since > until:
        raise ScheduleError(f"--since {since} is after --until {until}")


# -- records ----------------------------------------------------------------------------


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


# -- storage ----------------------------------------------------------------------------


def _utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_utc(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


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


def _last_crawl_id(db_path: Path) -> int:
    with _reading(db_path) as index:
        if index is None:
            return 0
        return index.last_crawl_id()


def _tag_crawls(db_path: Path, schedule_id: int, after_crawl_id: int) -> int:
    """Set ``crawls.schedule_id`` on the crawls a run recorded (ids above *after_crawl_id*)."""
    if not db_path.exists():
        return 0
    with Index(db_path) as index:
        return index.tag_crawls(schedule_id, after_crawl_id)


# -- triggers ---------------------------------------------------------------------------


def make_trigger(schedule: Schedule, timezone: Any = None) -> Any:
    """The APScheduler trigger of *schedule*: ``IntervalTrigger`` or ``CronTrigger.from_crontab``."""
    from apscheduler.triggers.interval import IntervalTrigger

    if schedule.every_secs:
        return IntervalTrigger(seconds=schedule.every_secs, timezone=timezone)
    return cron_trigger(schedule.cron or "", timezone=timezone)


_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def crontab_weekdays(field: str) -> str:
    """A crontab weekday field with its numbers as names (``0``/``7`` Sunday, ``1`` Monday ...).

    APScheduler 3 counts weekday numbers from Monday (``0`` is Monday), crontab(5) from
    Sunday; written as names, ``1-5`` means Monday to Friday to both.

    Raises:
        ValueError: a number outside 0-7.
    """
    def name(match: re.Match[str]) -> str:
        number = int(match.group(0))
        if number > 7:
            raise ValueError(f"weekday {number} is not 0-7")
        return _WEEKDAYS[number]

    return re.sub(r"(?<![/\d])\d+", name, field)


def cron_trigger(expr: str, timezone: Any = None) -> Any:
    """APScheduler's trigger for a five-field crontab expression, with crontab's weekdays."""
    from apscheduler.triggers.cron import CronTrigger

    fields = expr.split()
    if len(fields) == 5:
        fields[4] = crontab_weekdays(fields[4])
        expr = " ".join(fields)
    return CronTrigger.from_crontab(expr, timezone=timezone)


def first_run_time(schedule: Schedule, now: dt.datetime, timezone: Any = None) -> dt.datetime:
    """When the scheduler should first run *schedule*, *now* being when it starts.

    Never run: now. Otherwise the first time due after ``last_run_at``; if that has passed
    (the scheduler was not running), now: every missed run becomes one (coalesced).

    Args:
        schedule: The schedule.
        now: An aware datetime.
        timezone: For cron schedules (default: local time).

    Returns:
        An aware datetime, at or after *now*.
    """
    last = _parse_utc(schedule.last_run_at)
    if last is None:
        return now
    if schedule.every_secs:
        due = last + dt.timedelta(seconds=schedule.every_secs)
    else:
        # +1 s: last_run_at is stored to the second, at or just after a fire time
        due = make_trigger(schedule, timezone).get_next_fire_time(None, last + dt.timedelta(seconds=1))
    return now if due is None or due <= now else due


# -- logging ----------------------------------------------------------------------------


def setup_logging(data: Path, stream: TextIO | None = None) -> Path:
    """Send the scheduler's log (and APScheduler's warnings) to *stream* and ``DATA/logs/schedule.log``.

    Returns:
        The log file's path.
    """
    log_dir = DataDir(data).logs
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "schedule.log"
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(message)s")
    handlers: list[logging.Handler] = [
        logging.StreamHandler(stream or sys.stderr),
        logging.FileHandler(path, encoding="utf-8"),
    ]
    for handler in handlers:
        handler.setFormatter(formatter)
    # APScheduler's "skipped: maximum number of running instances" warning comes every tick
    # while a crawl runs; ScheduleRunner logs that once per crawl instead.
    levels = (("newsarchive.schedule", logging.INFO), ("apscheduler", logging.WARNING),
              ("apscheduler.scheduler", logging.ERROR))
    for name, level in levels:
        log = logging.getLogger(name)
        log.setLevel(level)
        log.propagate = False
        for old in list(log.handlers):
            log.removeHandler(old)
            old.close()
        for handler in handlers:
            log.addHandler(handler)
    return path


# -- the scheduler ----------------------------------------------------------------------


@dataclass
class RunnerOptions:
    """How ``schedule run`` behaves.

    Attributes:
        data: The data folder.
        max_runs: Stop after this many runs (``None``: run until signalled).
        grace_secs: On SIGTERM/SIGINT, seconds a running crawl gets to end by itself
            before it is sent SIGTERM.
        reload_secs: Seconds between re-reading ``schedules`` (added/removed schedules).
        python: The interpreter that runs ``-m archive``.
    """

    data: Path
    max_runs: int | None = None
    grace_secs: float = 30.0
    reload_secs: float = 30.0
    python: str = sys.executable


class ScheduleRunner:
    """The foreground scheduler behind ``newsarchive schedule run`` (see the module docstring)."""

    def __init__(self, options: RunnerOptions) -> None:
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.blocking import BlockingScheduler

        self.options = options
        self.data = options.data.resolve()
        self.db_path = DataDir(self.data).db
        self.runs = 0
        self._stopping = threading.Event()
        self._hurry = threading.Event()
        self._active = 0
        self._cond = threading.Condition()
        self._keys: dict[int, tuple[Any, ...]] = {}
        self._overlaps: set[str] = set()
        self.scheduler = BlockingScheduler(
            executors={
                # one worker: one crawl at a time; due runs of other schedules queue behind it
                "default": ThreadPoolExecutor(max_workers=1),
                "control": ThreadPoolExecutor(max_workers=1),
            },
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    # -- lifecycle ----------------------------------------------------------------------

    def run(self) -> int:
        """Schedule every enabled schedule and block until stopped; returns the runs made."""
        from apscheduler.events import EVENT_JOB_MAX_INSTANCES
        from apscheduler.triggers.interval import IntervalTrigger

        self.scheduler.add_listener(self._on_overlap, EVENT_JOB_MAX_INSTANCES)
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self._sync()
            self.scheduler.add_job(
                self._sync, IntervalTrigger(seconds=self.options.reload_secs), id="reload",
                name="reload schedules", executor="control",
            )
            logger.info("scheduler started for %s (pid %d)", self.data, os.getpid())
            if not self._stopping.is_set():
                self.scheduler.start()
            with self._cond:
                while self._active:
                    self._cond.wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        logger.info("scheduler stopped after %d run(s)", self.runs)
        return self.runs

    def stop(self, reason: str) -> None:
        """Start no new run; let the running crawl end (see the module docstring)."""
        from apscheduler.schedulers import SchedulerNotRunningError

        if self._stopping.is_set():
            return
        self._stopping.set()
        busy = f" (the running crawl gets {self.options.grace_secs:.0f}s to finish)" if self._active else ""
        logger.info("stopping: %s%s", reason, busy)
        try:
            self.scheduler.shutdown(wait=False)
        except SchedulerNotRunningError:
            pass

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self._stopping.is_set():
            if not self._hurry.is_set():
                logger.info("%s again: stopping the running crawl now", name)
                self._hurry.set()
            return
        self.stop(f"received {name}")

    def _on_overlap(self, event: Any) -> None:
        """A run fell due while the schedule's previous crawl still ran: say so once per crawl."""
        if event.job_id in self._overlaps:
            return
        self._overlaps.add(event.job_id)
        logger.info("%s: due again while its crawl still runs; skipped (the next run is the first "
                    "one due after the crawl ends)", event.job_id.replace("-", " "))

    # -- jobs ---------------------------------------------------------------------------

    def _sync(self) -> None:
        """Make the scheduler's jobs match the enabled rows of ``schedules``."""
        try:
            schedules = list_schedules(self.db_path, enabled_only=True)
        except Exception as exc:  # noqa: BLE001 - a locked or broken DB must not kill the loop
            logger.warning("cannot read schedules from %s: %s", self.db_path, exc)
            return
        now = dt.datetime.now(dt.timezone.utc)
        wanted = {s.id: s for s in schedules}
        for schedule_id in list(self._keys):
            if schedule_id not in wanted:
                self._keys.pop(schedule_id)
                self.scheduler.remove_job(f"schedule-{schedule_id}")
                logger.info("schedule %d removed", schedule_id)
        for schedule in schedules:
            key = (schedule.site, tuple(schedule.args), schedule.every_secs, schedule.cron)
            if self._keys.get(schedule.id) == key:
                continue
            try:
                trigger = make_trigger(schedule, self.scheduler.timezone)
            except ValueError as exc:
                logger.warning("schedule %d skipped: %s", schedule.id, exc)
                continue
            first = first_run_time(schedule, now, self.scheduler.timezone)
            self.scheduler.add_job(
                self._run_job, trigger, args=[schedule.id], id=f"schedule-{schedule.id}",
                name=f"schedule {schedule.id}", next_run_time=first, replace_existing=True,
            )
            self._keys[schedule.id] = key
            logger.info("schedule %d: %s %s, %s; next run %s", schedule.id, schedule.site,
                        " ".join(schedule.args), schedule.when,
                        "now" if first <= now else first.astimezone().isoformat(timespec="seconds"))
        if not schedules:
            logger.warning("no schedules in %s yet; add one with: newsarchive --data %s schedule add",
                           self.db_path, self.options.data)

    def _run_job(self, schedule_id: int) -> None:
        with self._cond:
            if self._stopping.is_set():
                return
            self._active += 1
        try:
            self._run(schedule_id)
        except Exception:  # noqa: BLE001 - log it; the next run still happens
            logger.exception("schedule %d: the run failed", schedule_id)
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()
        if self.options.max_runs is not None and self.runs >= self.options.max_runs:
            self.stop(f"--max-runs {self.options.max_runs} reached")

    def _run(self, schedule_id: int) -> None:
        schedule = get_schedule(self.db_path, schedule_id)
        if schedule is None or not schedule.enabled:
            return
        with _data_lock(self.data) as locked:
            if not locked:
                logger.warning("schedule %d skipped: another scheduler is running a crawl in %s",
                               schedule_id, self.data)
                record_run(self.db_path, schedule_id, status="skipped (busy)")
                return
            self.runs += 1
            before = _last_crawl_id(self.db_path)
            argv = [self.options.python, "-m", "archive", "--data", str(self.data), *schedule.crawl_argv()]
            started_at = _utc_now()
            record_run(self.db_path, schedule_id, status="running", last_run_at=started_at)
            logger.info("schedule %d: run %d started: newsarchive --data %s %s", schedule_id,
                        self.runs, self.data, " ".join(schedule.crawl_argv()))
            start = time.monotonic()
            code, interrupted, tail = self._crawl(argv, schedule_id)
            duration = time.monotonic() - start
            if code == 0:
                status = "ok"
            elif any(m in line.lower() for line in tail[-3:] for m in BUSY_MARKERS):
                status = "skipped (busy)"
            elif interrupted:
                status = "interrupted"
            else:
                status = f"failed (exit {code})"
            record_run(self.db_path, schedule_id, status=status)
            self._overlaps.discard(f"schedule-{schedule_id}")
            tagged = _tag_crawls(self.db_path, schedule_id, before)
        level = logging.INFO if status in ("ok", "skipped (busy)") else logging.WARNING
        logger.log(level, "schedule %d: run %d ended: exit %d after %.1fs, %s (%d crawl(s) recorded)",
                   schedule_id, self.runs, code, duration, status, tagged)
        if status.startswith("failed"):
            for line in tail[-5:]:
                logger.warning("schedule %d:   %s", schedule_id, line)

    def _crawl(self, argv: list[str], schedule_id: int) -> tuple[int, bool, list[str]]:
        """Run one crawl; its output goes to our stderr. Returns (exit code, interrupted, last lines)."""
        env = {**os.environ, "NEWSARCHIVE_SCHEDULE_ID": str(schedule_id), "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            env=env, text=True, encoding="utf-8", errors="replace",
            start_new_session=True,  # the terminal's Ctrl-C reaches us only; we decide
        )
        tail: collections.deque[str] = collections.deque(maxlen=20)
        reader = threading.Thread(target=_forward, args=(proc.stdout, tail), daemon=True)
        reader.start()
        term_at: float | None = None
        kill_at: float | None = None
        while True:
            try:
                code = proc.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                pass
            if not self._stopping.is_set():
                continue
            now = time.monotonic()
            if term_at is None:
                term_at = now + self.options.grace_secs
            if kill_at is None and (now >= term_at or self._hurry.is_set()):
                logger.info("schedule %d: sending SIGTERM to the crawl (pid %d)", schedule_id, proc.pid)
                proc.terminate()  # the crawl's main process only: Scrapy shuts down cleanly
                kill_at = now + KILL_AFTER_SECS
            elif kill_at is not None and now >= kill_at:
                logger.warning("schedule %d: the crawl ignored SIGTERM; killing it", schedule_id)
                _kill_group(proc)
                kill_at = float("inf")
        reader.join(timeout=5)
        return code, term_at is not None and kill_at is not None, list(tail)


def _forward(stream: TextIO | None, tail: collections.deque[str]) -> None:
    """Copy the crawl's output to our stderr, keeping its last lines."""
    if stream is None:
        return
    with stream:
        for line in stream:
            sys.stderr.write(line)
            sys.stderr.flush()
            if line.strip():
                tail.append(line.rstrip())


def _kill_group(proc: subprocess.Popen[str]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the crawl and its extraction workers
    except (AttributeError, OSError):
        proc.kill()


@contextmanager
def _data_lock(data: Path) -> Iterator[bool]:
    """An exclusive, non-blocking lock on ``DATA/schedule.lock``; yields whether we hold it."""
    data.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: the in-process executor still serialises
        yield True
        return
    with open(DataDir(data).schedule_lock, "a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(f"{os.getpid()}\n")
            fh.flush()
            yield True
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
