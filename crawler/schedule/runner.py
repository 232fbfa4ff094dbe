"""The foreground scheduler behind ``newsarchive schedule run``: :class:`ScheduleRunner`.

APScheduler 3's ``BlockingScheduler``, one job per enabled schedule (``IntervalTrigger`` or
``CronTrigger.from_crontab``), ``coalesce=True`` and ``max_instances=1``; one crawl at a
time per data folder (a single-thread executor, plus an exclusive ``flock`` on
``DATA/schedule.lock`` against a second scheduler on the same folder). Each run is a
:class:`~crawler.schedule.child.CrawlChild`; its start and end are logged to stderr and
``DATA/logs/schedule.log`` (:func:`setup_logging`) and recorded on the schedule.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from archive.layout import DataDir
from crawler.schedule.child import ChildResult, CrawlChild
from crawler.schedule.records import (Schedule, get_schedule, last_crawl_id, list_schedules, record_run, tag_crawls,
                                      utc_now)
from crawler.schedule.timing import first_run_time, make_trigger

logger = logging.getLogger("newsarchive.schedule")


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


@dataclass
class RunnerOptions:
    """How ``schedule run`` behaves.

    Attributes:
        data: The data folder.
        max_runs: Stop after this many runs (``None``: run until signalled).
        grace_secs: On SIGTERM/SIGINT, seconds a running crawl gets to end by itself
            before it is sent SIGTERM.
        reload_secs: Seconds between re-reading ``schedules`` (added/removed schedules).
        python: The interpreter that runs each crawl (``-m crawler.schedule``).
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
        wanted = {s.id for s in schedules}
        for schedule_id in list(self._keys):
            if schedule_id not in wanted:
                self._keys.pop(schedule_id)
                self.scheduler.remove_job(f"schedule-{schedule_id}")
                logger.info("schedule %d removed", schedule_id)
        for schedule in schedules:
            self._add_job(schedule, now)
        if not schedules:
            logger.warning("no schedules in %s yet; add one with: newsarchive --data %s schedule add",
                           self.db_path, self.options.data)

    def _add_job(self, schedule: Schedule, now: dt.datetime) -> None:
        """Schedule (or reschedule) the job of a new or changed schedule."""
        key = (schedule.site, tuple(schedule.args), schedule.every_secs, schedule.cron)
        if self._keys.get(schedule.id) == key:
            return
        try:
            trigger = make_trigger(schedule, self.scheduler.timezone)
        except ValueError as exc:
            logger.warning("schedule %d skipped: %s", schedule.id, exc)
            return
        first = first_run_time(schedule, now, self.scheduler.timezone)
        self.scheduler.add_job(
            self._run_job, trigger, args=[schedule.id], id=f"schedule-{schedule.id}",
            name=f"schedule {schedule.id}", next_run_time=first, replace_existing=True,
        )
        self._keys[schedule.id] = key
        logger.info("schedule %d: %s %s, %s; next run %s", schedule.id, schedule.site,
                    " ".join(schedule.args), schedule.when,
                    "now" if first <= now else first.astimezone().isoformat(timespec="seconds"))

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
            result, duration, tagged = self._crawl(schedule)
        status = result.status
        level = logging.INFO if status in ("ok", "skipped (busy)") else logging.WARNING
        logger.log(level, "schedule %d: run %d ended: exit %d after %.1fs, %s (%d crawl(s) recorded)",
                   schedule_id, self.runs, result.code, duration, status, tagged)
        if status.startswith("failed"):
            for line in result.tail[-5:]:
                logger.warning("schedule %d:   %s", schedule_id, line)

    def _crawl(self, schedule: Schedule) -> tuple[ChildResult, float, int]:
        """Run the schedule's crawl (:class:`~crawler.schedule.child.CrawlChild`), recording
        it on the schedule and tagging the crawls it recorded. Returns (result, seconds, crawls)."""
        before = last_crawl_id(self.db_path)
        record_run(self.db_path, schedule.id, status="running", last_run_at=utc_now())
        logger.info("schedule %d: run %d started: newsarchive --data %s %s", schedule.id,
                    self.runs, self.data, " ".join(schedule.crawl_argv()))
        start = time.monotonic()
        result = CrawlChild(self.options.python, self.data, schedule.site, schedule.args, schedule.id,
                            self.options.grace_secs, self._stopping, self._hurry).run()
        duration = time.monotonic() - start
        record_run(self.db_path, schedule.id, status=result.status)
        self._overlaps.discard(f"schedule-{schedule.id}")
        return result, duration, tag_crawls(self.db_path, schedule.id, before)


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
