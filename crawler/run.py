"""One crawl of one site into one data folder, as a library call: :func:`run_crawl`.

``newsarchive crawl`` and the scheduler's runs (:mod:`crawler.schedule.child`) both call it.
It takes the data folder's lock (``DATA/crawl.lock``), opens (creates or migrates) the
index, resumes or discards the site's unfinished job (``DATA/jobs/<site>/``), runs
:class:`~crawler.spiders.backissues.BackIssuesSpider` in a Scrapy ``CrawlerProcess`` (with
a distributed crawl's coordination for ``--workers``), and judges how it ended. What it
says on the way (the resume, the site, the log's path) goes to ``say``; a foreseeable
failure is one of the named :class:`~crawler.errors.CrawlError` exceptions, whose message
says what to do, and whose ``exit_code`` is the command's.

Scrapy's reactor runs once per process: a second :func:`run_crawl` in the same process
fails, which is why the scheduler runs each crawl in a child process of its own.
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.layout import DataDir
from crawler.errors import (CrawlBusy, CrawlEndedEarly, CrawlError, CrawlIncomplete, CrawlUsageError,
                            DataDirUnusable, IndexUnusable, IndexWriteFailed, NoPageFetched, SiteUnreachable,
                            WorkersLost)
from crawler.profiles import PROFILES, ProfileError, SiteProfile, base_url_of, resolve

__all__ = ["CONTACT_HINT", "CrawlOptions", "CrawlOutcome", "killed_crawl", "run_crawl", "with_scheme"]

#: Said on the first crawl into a data folder when no contact was given (the User-Agent then
#: names the project, not the person running the crawl).
CONTACT_HINT = ("[newsarchive] No --contact given, so the User-Agent names only the project. Let site "
                "owners reach you: --contact mailto:you@example.org (or set NEWSARCHIVE_CONTACT); "
                "said on the first crawl only.")
#: A SITE that names a host (``news.example.org``, ``127.0.0.1:8765``) rather than a profile.
_HOSTLIKE = re.compile(r"^[\w.-]+\.[\w-]+(:\d+)?(/.*)?$|^[\w.-]+:\d+(/.*)?$|^\[[0-9a-fA-F:.]+\](:\d+)?(/.*)?$")

Say = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class CrawlOptions:
    """What ``newsarchive crawl`` is given (see its ``--help`` for each option).

    Attributes:
        data: the data folder.
        site: a profile name (``courthousenews``, ``wordpress``), a start URL, or a host
            with no scheme (``news.example.org``: https is tried, then http).
        base_url: the site's root, overriding the profile's; may lack its scheme too.
        since, until: the publication-date range, ``YYYY-MM-DD`` (either may be None).
        contact: a URL or e-mail for the User-Agent.
        delay: seconds between requests (``DOWNLOAD_DELAY``).
        revisit_days, requisites, per_day: ``CRAWL_REVISIT_DAYS``, ``CRAWL_PAGE_REQUISITES``,
            ``CRAWL_SUMMARY_PER_DAY``.
        fresh: discard the unfinished state of an interrupted crawl.
        overrides: ``-s NAME=VALUE`` settings, already checked for their types.
        verbose: Scrapy's log on the terminal too.
        workers, redis_url: a distributed crawl (``--workers N``, ``--redis URL``).
    """

    data: Path
    site: str
    base_url: str | None = None
    since: str | None = None
    until: str | None = None
    contact: str | None = None
    delay: float | None = None
    revisit_days: int | None = None
    requisites: str | None = None
    per_day: bool = False
    fresh: bool = False
    overrides: dict[str, str] = field(default_factory=dict)
    verbose: bool = False
    workers: int | None = None
    redis_url: str | None = None


@dataclass
class CrawlOutcome:
    """A crawl that finished, every article it asked for answered.

    Attributes:
        profile: the site's profile (its name, base URL).
        data: the data folder.
        log_path: Scrapy's log of this crawl, ``DATA/logs/crawl-<time>.log``.
        reason: Scrapy's finish reason (``finished``).
        stats: the crawl's Scrapy stats (``newsarchive/...`` counters, ``downloader/...``).
    """

    profile: SiteProfile
    data: Path
    log_path: Path
    reason: str
    stats: dict[str, Any]


def run_crawl(options: CrawlOptions, say: Say = _stderr) -> CrawlOutcome:
    """Crawl ``options.site`` into ``options.data`` (see the module docstring).

    Args:
        options: the crawl's options.
        say: where notices go (one line each); default stderr.

    Returns:
        The outcome of a finished, complete crawl.

    Raises:
        CrawlUsageError: an unknown site, a bad address or URL, ``since`` after ``until`` (exit 2).
        SchemeUnreachable: an address with no scheme answers on neither https nor http.
        DataDirUnusable, IndexUnusable: the data folder or ``archive.db`` cannot be used.
        CrawlBusy: another crawl holds the data folder.
        SiteUnreachable, NoPageFetched: nothing of the site could be fetched.
        IndexWriteFailed: the index could not be written (the WARC files hold everything).
        WorkersLost: every worker of a distributed crawl stopped.
        CrawlEndedEarly, CrawlIncomplete: stopped before the end; the same call goes on.
    """
    site, base_url = _with_schemes(options, say)
    profile = _profile(site, base_url, options)
    if options.contact:
        os.environ["NEWSARCHIVE_CONTACT"] = options.contact
    settings = crawl_settings(options)
    log_path = _log_path(options.data)
    # Scrapy's log (its warnings too) goes to the file; the terminal gets ours (see crawler.logs)
    settings.set("LOG_FILE", str(log_path), priority="cmdline")
    settings.set("LOG_LEVEL", "DEBUG" if options.verbose else "INFO", priority="cmdline")
    _ignore_sigpipe()
    _apply_options(settings, options)
    lock = _lock(options.data)
    settings.set("ARCHIVE_LOCK_HELD", True, priority="cmdline")
    try:
        first_crawl = _count_crawls(options.data) == 0
        if first_crawl and not options.contact and not {"USER_AGENT", "CRAWL_CONTACT_URL"} & set(options.overrides):
            say(CONTACT_HINT)
        jobs = _prepare_job(options, profile.name, say)
    except BaseException:
        lock.close()
        raise
    if "JOBDIR" not in options.overrides:
        settings.set("JOBDIR", str(jobs), priority="cmdline")
    say(f"Crawling {profile.base_url} ({profile.name}) from {options.since or 'the last crawl (or the beginning)'} "
        f"to {options.until or 'today'} into {Path(options.data).resolve()} (log: {log_path})")
    crawler = _run_process(options, profile.name, site, base_url, settings, lock)
    _judge(crawler, options, profile, jobs)
    return CrawlOutcome(profile, Path(options.data), log_path, "finished", dict(crawler.stats.get_stats()))


# ---- before the crawl ------------------------------------------------------------------------
def _with_schemes(options: CrawlOptions, say: Say) -> tuple[str, str | None]:
    """``(site, base_url)`` with the scheme an address given without one answers on."""
    site, base_url = options.site, options.base_url
    if base_url is not None and base_url.strip() and "://" not in base_url:
        base_url = with_scheme(base_url, "--base-url", say)
    elif site not in PROFILES and "://" not in site and _HOSTLIKE.match(site):
        site = with_scheme(site, "SITE", say)
    return site, base_url


def with_scheme(address: str, what: str, say: Say = _stderr) -> str:
    """``address`` with the scheme it answers on (https first, then http, crawler.scheme),
    said through ``say``.

    Raises:
        CrawlUsageError: ``address`` is no site address.
        SchemeUnreachable: neither https nor http answers (crawler.scheme.SchemeError's message).
    """
    from crawler.errors import SchemeUnreachable
    from crawler.scheme import SchemeError, choose_scheme

    try:
        base_url_of("https://" + address.strip())  # its shape first: a usage error, no probe
    except ProfileError:
        raise CrawlUsageError(f"{what} {address!r} is not a site address; use one such as "
                              "https://news.example.org or 127.0.0.1:8765") from None
    try:
        url = choose_scheme(address)
    except SchemeError as exc:
        raise SchemeUnreachable(str(exc)) from None
    scheme = url.split("://", 1)[0]
    why = "" if scheme == "https" else " (https did not answer there)"
    say(f"{what} {address.strip()} has no scheme: using {url}{why}")
    return url


def _profile(site: str, base_url: str | None, options: CrawlOptions) -> SiteProfile:
    """The site's profile, the date range checked.

    Raises:
        CrawlUsageError: the profile's ProfileError, or ``since`` after ``until``.
    """
    try:
        profile = resolve(site, base_url)
    except ProfileError as exc:
        raise CrawlUsageError(str(exc)) from None
    if options.since and options.until and options.since > options.until:
        raise CrawlUsageError(f"--since {options.since} is after --until {options.until}")
    return profile


def crawl_settings(options: CrawlOptions) -> Any:
    """The project's settings (``crawler.settings``) with the data folder, the contact's
    User-Agent and ``--delay`` set at ``cmdline`` priority (``-s`` overrides come later)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.settings import Settings

    import crawler.settings as defaults

    settings = Settings()
    settings.setmodule(defaults, priority="project")
    settings.set("ARCHIVE_DATA_DIR", str(options.data), priority="cmdline")
    if options.contact:
        from archive import __version__

        settings.set("USER_AGENT", f"newsarchive/{__version__} (+{options.contact})", priority="cmdline")
    if options.delay is not None:
        settings.set("DOWNLOAD_DELAY", options.delay, priority="cmdline")
    return settings


def _apply_options(settings: Any, options: CrawlOptions) -> None:
    """``-s`` overrides, then the options that win over them (``--revisit-days`` ...)."""
    for name, value in options.overrides.items():
        settings.set(name, value, priority="cmdline")
    if options.revisit_days is not None:
        settings.set("CRAWL_REVISIT_DAYS", options.revisit_days, priority="cmdline")
    if options.requisites is not None:
        settings.set("CRAWL_PAGE_REQUISITES", options.requisites, priority="cmdline")
    if options.per_day:
        settings.set("CRAWL_SUMMARY_PER_DAY", True, priority="cmdline")


def _log_path(data: Path) -> Path:
    """``DATA/logs/crawl-<time>.log``, its folder made.

    Raises:
        DataDirUnusable: the folder cannot be made.
    """
    from crawler.logs import crawl_log_path

    try:
        return crawl_log_path(data)
    except OSError as exc:
        raise DataDirUnusable(f"cannot use the data folder {data}: {exc}") from None


def _ignore_sigpipe() -> None:
    """`newsarchive` lets SIGPIPE end a command whose output is piped into `head`; a crawl
    writes to its worker pipes, and a dead worker must not end the crawl."""
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)


def _lock(data: Path) -> Any:
    """The data folder's crawl lock (``DATA/crawl.lock``), held until ``close()``.

    Raises:
        CrawlBusy: another crawl holds it.
        DataDirUnusable: the folder cannot be made or the lock file written.
    """
    from crawler.session import ArchiveLocked, lock_data_dir

    try:
        return lock_data_dir(data)
    except ArchiveLocked as exc:
        raise CrawlBusy(str(exc)) from None
    except OSError as exc:
        raise DataDirUnusable(f"cannot use the data folder {data}: {exc}") from None


def _count_crawls(data: Path) -> int:
    """The crawls recorded in ``DATA/archive.db`` (created or migrated here).

    Raises:
        IndexUnusable: the file cannot be opened as the index.
    """
    from archive.index import Index

    db = DataDir(data).db
    try:
        with Index(db) as index:  # creates or migrates it; a broken file stops us here
            return int(index.count_crawls())
    except Exception as exc:  # noqa: BLE001 - sqlite and our own errors alike become one message
        raise IndexUnusable(f"cannot open {db}: {exc}. Move it aside; `newsarchive --data {data} reindex` "
                            "rebuilds it from the WARC files") from None


def _prepare_job(options: CrawlOptions, site: str, say: Say) -> Path:
    """The site's JOBDIR (``DATA/jobs/<site>``): discarded (``fresh``), cleared after a
    killed crawl (the archive is the state to resume from), or kept to resume."""
    from crawler.session import job_dir

    jobs = job_dir(options.data, site)
    if options.fresh and jobs.exists():
        shutil.rmtree(jobs)
        say(f"Discarded the unfinished crawl state in {jobs}")
    elif killed_crawl(options.data, site):
        # A killed crawl never wrote its queue's state: the archive itself is the state to
        # resume from (archived articles are skipped, listings re-checked conditionally).
        shutil.rmtree(jobs, ignore_errors=True)
        say("The last crawl was killed: resuming from what the archive holds "
            "(archived articles are not fetched again)")
    elif jobs.exists() and any(jobs.iterdir()):
        say(f"Resuming the interrupted crawl kept in {jobs} (use --fresh to start over)")
    return jobs


def killed_crawl(data: Path, site: str) -> bool:
    """Whether the last crawl of ``site`` in ``data`` died without closing (still "running"
    in the index while we hold the data folder's lock)."""
    from archive.index import Index

    db = DataDir(data).db
    if not db.exists():
        return False
    with Index(db) as index:
        return bool(index.interrupted_crawls(site))


# ---- the crawl -------------------------------------------------------------------------------
def _run_process(options: CrawlOptions, profile_name: str, site: str, base_url: str | None, settings: Any,
                 lock: Any) -> Any:
    """Run the spider to its end in a ``CrawlerProcess`` (and a distributed crawl's
    coordination); the lock is released afterwards. Returns the Scrapy crawler."""
    from scrapy.crawler import CrawlerProcess

    from crawler.logs import terminal_handler
    from crawler.spiders.backissues import BackIssuesSpider

    terminal = terminal_handler(options.verbose)
    coordination = None
    if options.workers or options.redis_url:
        from crawler.distributed.run import start_coordination

        coordination = start_coordination(options.data, profile_name, site, base_url, options.redis_url,
                                          options.fresh, options.workers or 0, settings, options.overrides, lock)
    try:
        process = CrawlerProcess(settings)
        logging.getLogger().addHandler(terminal)
        crawler: Any = process.create_crawler(BackIssuesSpider)
        process.crawl(crawler, site=site, base_url=base_url, since=options.since, until=options.until)
        process.start()
        if coordination is not None:
            from crawler.distributed.run import finish_coordination

            finish_coordination(coordination, crawler)
    finally:
        logging.getLogger().removeHandler(terminal)
        if coordination is not None:
            coordination.close()
        lock.close()
    return crawler


# ---- after the crawl -------------------------------------------------------------------------
def _store_of(crawler: Any) -> Any:
    """The crawl's session (its index failure and summary), or None."""
    from crawler.session import session_if_any

    return session_if_any(crawler)


def _judge(crawler: Any, options: CrawlOptions, profile: SiteProfile, jobs: Path) -> None:
    """Raise the named error of a crawl that did not finish complete; return if it did."""
    data = options.data
    stats = crawler.stats
    reason = stats.get_value("finish_reason") if stats else None
    unreachable = getattr(crawler, "unreachable", None)
    if unreachable:
        raise SiteUnreachable(f"no page of {profile.base_url} could be fetched: {unreachable}. "
                              "Nothing was archived; check the address, then run the same command again")
    store = _store_of(crawler)
    if store is not None and store.failure:
        raise IndexWriteFailed(
            f"the index ({DataDir(data).db}) could not be written: {store.failure}. Everything fetched is in "
            f"the WARC files; once the cause is fixed (disk space?), rebuild the index with: "
            f"newsarchive --data {data} reindex")
    if reason == "finished" and not stats.get_value("downloader/response_count"):
        raise NoPageFetched(f"no page of {profile.base_url} could be fetched (see the reasons above); "
                            "nothing was archived")
    if reason == "no_workers":
        _workers_lost(stats, data, jobs)
    if reason != "finished":
        raise CrawlEndedEarly(f"the crawl ended early ({reason}); run the same command again to go on", reason)
    if store is not None and store.summary and store.summary.get("unaccounted"):
        raise CrawlIncomplete(f"the crawl is not complete: {store.summary['reason']}")


def _workers_lost(stats: Any, data: Path, jobs: Path) -> None:
    """Every worker of a distributed crawl stopped: the handed-over requests were settled in
    the coordinator's JOBDIR, so it goes and the next run starts from what the archive holds,
    as after a killed crawl.

    Raises:
        WorkersLost: always.
    """
    shutil.rmtree(jobs, ignore_errors=True)
    waiting = stats.get_value("newsarchive/distributed/no_workers") or 0
    raise WorkersLost(
        f"every worker of the distributed crawl stopped (no heartbeat in Redis) with {waiting} requests still "
        f"to fetch; what they archived is merged into {data} (their logs: {DataDir(data).logs}/worker-*.log). "
        "Run the same command again to go on from there")

