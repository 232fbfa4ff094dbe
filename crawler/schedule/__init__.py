"""Recurring crawls: the ``schedules`` table of ``DATA/archive.db`` and a foreground scheduler.

A schedule is a site, the ``crawl`` options to run it with, and either an interval
(``every_secs``) or a crontab expression (``cron``, five fields, local time). The scheduler
(:class:`ScheduleRunner`) is APScheduler 3's ``BlockingScheduler``: one job per enabled
schedule (``IntervalTrigger`` or ``CronTrigger.from_crontab``), ``coalesce=True`` and
``max_instances=1``, so runs missed while a crawl was still going, while the machine slept
or while no scheduler ran at all become one run as soon as possible. Each run is a child
process that calls :func:`crawler.run.run_crawl` (:mod:`crawler.schedule.child`)::

    python -m crawler.schedule DATA OUTCOME SITE *ARGS

one at a time per data folder (an in-process single-thread executor, plus an exclusive
``flock`` on ``DATA/schedule.lock`` against a second scheduler on the same folder). Each
run's start and end (exit code, duration, status) are logged to stderr and to
``DATA/logs/schedule.log``, and recorded on the schedule (``last_run_at``, ``last_status``;
a crawl that found the data folder held by another crawl is ``skipped (busy)``, known by its
error's class, :class:`~crawler.errors.CrawlBusy`, not by its message). The crawl itself
decides what to fetch: without ``--since`` it continues from the previous crawl (incremental).

SIGTERM or SIGINT stops the scheduler: no new run starts, the running crawl gets
``grace_secs`` to end by itself, then SIGTERM (Scrapy's clean shutdown: the WARC and the
index are flushed and the crawl is recorded as interrupted), then SIGKILL after
:data:`KILL_AFTER_SECS` more. A second signal skips the grace period.

Modules: :mod:`~crawler.schedule.timing` (intervals, crontab, the first run),
:mod:`~crawler.schedule.records` (the ``schedules`` rows; each function opens its own
:class:`~archive.index.Index` for one short transaction), :mod:`~crawler.schedule.runner`
(the scheduler) and :mod:`~crawler.schedule.child` (a run's crawl). The scheduler's process
never imports Scrapy; the child does.
"""
from __future__ import annotations

from crawler.schedule.child import KILL_AFTER_SECS, validate_crawl_args
from crawler.schedule.records import (Schedule, ScheduleNotFound, add_schedule, get_schedule, list_schedules,
                                      record_run, remove_schedule)
from crawler.schedule.runner import RunnerOptions, ScheduleRunner, _data_lock, setup_logging
from crawler.schedule.timing import (ScheduleError, cron_trigger, first_run_time, format_secs, make_trigger,
                                     parse_every, validate_cron)

__all__ = [
    "KILL_AFTER_SECS",
    "RunnerOptions",
    "Schedule",
    "ScheduleError",
    "ScheduleNotFound",
    "ScheduleRunner",
    "add_schedule",
    "cron_trigger",
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
