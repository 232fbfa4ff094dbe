"""CrawlSession: one crawl's life in the archive (start, finish, horizon, deferred pages,
recovery), and the :class:`CrawlPlan` it hands the spider.

On ``spider_opened`` the session takes the data folder's lock, opens ``archive.db``,
recovers what a killed crawl left (its WARC tail repaired, its records indexed), decides the
crawl's range (an incremental crawl starts at the last crawl's horizon minus
``CRAWL_OVERLAP_DAYS``), records the crawl in ``crawls`` and opens the
:class:`~crawler.capture.CaptureWriter` and the :class:`~crawler.indexbuffer.IndexBuffer`.
On ``spider_closed`` it flushes every buffered row, closes the WARC, records the crawl's
summary and horizon, and removes the resume state of a crawl that is done.

Components find the session with :func:`crawl_session`; its class is chosen by
``CRAWL_SESSION_CLASS`` and its capture writer's by ``CRAWL_CAPTURE_WRITER_CLASS`` (Scrapy's
``load_object``, as for ``SCHEDULER``).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import IO, Any

from scrapy import Spider, signals
from scrapy.utils.misc import build_from_crawler, load_object

from archive import __version__
from archive.index import ArchiveIndexError, Index
from archive.layout import DataDir
from archive.lock import ArchiveLocked, lock_data_dir
from archive.urls import match_key
from crawler.capture import CaptureWriter
from crawler.indexbuffer import IndexBuffer

logger = logging.getLogger(__name__)

#: Where a crawler keeps its session (one a crawl).
_ATTRIBUTE = "_newsarchive_session"


def job_dir(data_dir: Path, site: str) -> Path:
    """Where Scrapy keeps an unfinished crawl's queue and seen requests (JOBDIR)."""
    return DataDir(data_dir).job(site)


def notice(message: str, *args: Any) -> None:
    """Tell the person running the crawl something that is not a problem: a line on
    stderr in the progress lines' style (``[newsarchive] …``), and an INFO log record."""
    logger.info(message, *args)
    sys.stderr.write(f"[newsarchive] {message % args}\n")
    sys.stderr.flush()


@dataclasses.dataclass
class Recovered:
    """What a killed crawl of the site left undone, read back from its WARC files."""

    #: page requisites its articles named and it did not fetch: ``(url, kind, page)``
    requisites: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)
    #: URLs it fetched already: their requisites are not asked for again
    fetched: list[str] = dataclasses.field(default_factory=list)
    #: match key -> ``captures`` row of a page it archived but did not extract (answered
    #: from WARC by the capture middleware, not fetched again; taken out as used)
    unextracted: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class CrawlPlan:
    """What this crawl is to fetch, decided when it opens, for the spider, the capture
    middleware and the pipelines.

    A spider starts with the range it was asked for (``since``/``until`` only); the
    session's plan adds what the archive knows.
    """

    #: first and last publication day of the range (inclusive); None: unbounded
    since: dt.date | None = None
    until: dt.date | None = None
    #: ``since`` came from the last crawl's horizon (no --since given)
    incremental: bool = False
    #: match keys of every URL the archive holds (articles' canonical URLs and aliases)
    known: set[str] = dataclasses.field(default_factory=set)
    #: match keys of the articles published inside the revisit window (fetched again, conditionally)
    revisit: set[str] = dataclasses.field(default_factory=set)
    #: ``CRAWL_REVISIT_DAYS``: how many days back the revisit window reaches
    revisit_days: int = 0
    #: ``deferred`` rows (url, role, issue_date, source, ...) an earlier crawl left for this one
    deferred: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    recovered: Recovered = dataclasses.field(default_factory=Recovered)
    #: the newest in-range publication day seen (the spider's): the next crawl's horizon
    horizon_seen: dt.date | None = None

    def in_range(self, day: dt.date | None) -> bool:
        """Whether ``day`` is inside ``since``..``until``; an unknown day (None) is."""
        if day is None:
            return True
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)

    def saw_day(self, day: dt.date) -> None:
        """Remember ``day`` (in range, not after the horizon) if it is the newest seen."""
        if self.horizon_seen is None or day > self.horizon_seen:
            self.horizon_seen = day


def crawl_session(crawler: Any) -> CrawlSession:
    """The crawl's session, built on first use from ``CRAWL_SESSION_CLASS``."""
    session = getattr(crawler, _ATTRIBUTE, None)
    if session is None:
        cls = load_object(crawler.settings.get("CRAWL_SESSION_CLASS") or "crawler.session.CrawlSession")
        session = build_from_crawler(cls, crawler)
        setattr(crawler, _ATTRIBUTE, session)
    return session


def session_if_any(crawler: Any) -> CrawlSession | None:
    """The crawl's session if one was built (after a crawl: for its outcome), else None."""
    return getattr(crawler, _ATTRIBUTE, None)


class CrawlSession:
    """One crawl's archive: the index, the capture writer, the index buffer, the plan.

    Get it with :func:`crawl_session`; it opens on ``spider_opened`` and closes on
    ``spider_closed`` (flushing every buffered row and recording the crawl in ``crawls``).
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.data_dir = Path(settings.get("ARCHIVE_DATA_DIR") or "data")
        self.layout = DataDir(self.data_dir)
        self.overlap_days = settings.getint("CRAWL_OVERLAP_DAYS", 2)
        self.revisit_days = settings.getint("CRAWL_REVISIT_DAYS", 3)
        self.buffer = IndexBuffer.from_crawler(crawler)
        writer_class = load_object(settings.get("CRAWL_CAPTURE_WRITER_CLASS") or "crawler.capture.CaptureWriter")
        self.writer: CaptureWriter = build_from_crawler(writer_class, crawler, self.buffer)
        self.index: Index | None = None
        self.crawl_id: int | None = None
        self.plan = CrawlPlan()
        self.summary: dict[str, Any] | None = None
        self.site = ""
        #: the site's pages kept for a later crawl (Retry-After too long), by URL
        self.deferred: dict[str, dict[str, Any]] = {}
        self._failure: str | None = None
        self._lock: IO[str] | None = None
        crawler.signals.connect(self.open, signal=signals.spider_opened)
        crawler.signals.connect(self.close, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlSession:
        return cls(crawler)

    @property
    def failure(self) -> str | None:
        """Why the index could not be written, if it could not (the crawl then fails)."""
        return self._failure or self.buffer.failure

    # ---- start -----------------------------------------------------------------------------
    def open(self, spider: Spider) -> None:
        """Lock the data folder, open the index, recover, plan, record the crawl, open the WARC."""
        if self.index is not None:
            return
        if not self.crawler.settings.getbool("ARCHIVE_LOCK_HELD"):
            self._lock = lock_data_dir(self.data_dir)
        self.index = Index(self.layout.db)
        profile = getattr(spider, "profile", None)
        self.site = profile.name if profile else spider.name
        recovered = self.recover_after_crash(self.site)
        self.plan = self.make_plan(getattr(spider, "plan", None) or CrawlPlan(), recovered)
        self.crawl_id = self.start_crawl(spider, profile)
        self.buffer.open(self.index, self.crawl_id)
        self.writer.open(self.layout.warc, self.data_dir, self.warcinfo(profile))

    def make_plan(self, asked: CrawlPlan, recovered: Recovered) -> CrawlPlan:
        """The plan for the range ``asked`` (the spider's arguments), from what the index holds."""
        assert self.index is not None
        since, incremental = self.start_day(asked.since)
        self.deferred = {row["url"]: row for row in self.index.deferred_urls(self.site)}
        if self.deferred:
            notice("Fetching %d pages the last crawl deferred (Retry-After)", len(self.deferred))
        recent = (dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=self.revisit_days)).isoformat()
        return CrawlPlan(
            since=since, until=asked.until, incremental=incremental,
            known={match_key(url) for url in self.index.known_urls()},
            revisit={match_key(url) for url in self.index.recent_article_urls(recent)},
            revisit_days=self.revisit_days, deferred=list(self.deferred.values()), recovered=recovered)

    def start_day(self, since: dt.date | None) -> tuple[dt.date | None, bool]:
        """``since``, or with none given (and ``CRAWL_INCREMENTAL``) the last crawl's horizon
        minus ``CRAWL_OVERLAP_DAYS``; and whether the crawl is so incremental."""
        assert self.index is not None
        if since is not None or not self.crawler.settings.getbool("CRAWL_INCREMENTAL", True):
            return since, False
        horizon = self.index.last_horizon(self.site)
        if not horizon:
            return None, False
        since = dt.date.fromisoformat(horizon) - dt.timedelta(days=self.overlap_days)
        notice("Incremental crawl from %s (the last crawl's horizon %s minus %d days)",
               since, horizon, self.overlap_days)
        return since, True

    def start_crawl(self, spider: Spider, profile: Any) -> int:
        """Record the crawl as running in ``crawls``; its id."""
        assert self.index is not None
        since, until = self.plan.since, self.plan.until
        return self.index.start_crawl(
            self.site,
            since=since.isoformat() if since else None,
            until=until.isoformat() if until else None,
            args={"base_url": profile.base_url if profile else None, "spider": spider.name,
                  "incremental": self.plan.incremental},
        )

    def warcinfo(self, profile: Any) -> dict[str, Any]:
        """The fields of the crawl's warcinfo record (WARC 1.1 section 6.2)."""
        settings = self.crawler.settings
        since, until = self.plan.since, self.plan.until
        return {
            "operator": settings.get("ARCHIVE_OPERATOR") or "",
            "isPartOf": f"{self.site} {since or ''}..{until or ''}",
            "description": f"newsarchive crawl {self.crawl_id} of {profile.base_url if profile else self.site}",
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "http-header-user-agent": settings.get("USER_AGENT"),
            "software": f"newsarchive/{__version__} (Scrapy, warcio)",
        }

    def recover_after_crash(self, site: str) -> Recovered:
        """After a crawl that was killed: repair the WARC tail it left, and index what its
        WARC files hold that its index rows did not get (the WARCs are the truth)."""
        assert self.index is not None
        crashed = self.index.interrupted_crawls(site)
        if not crashed:
            return Recovered()
        from archive.recovery import pending_requisites, recover_index, repair_tails, unextracted_pages

        for line in repair_tails(self.layout.warc):
            notice("Repaired after a crash: %s", line)
        started = min(c["started_at"] for c in crashed)
        added = recover_index(self.index, self.layout.warc, since=started)
        notice("Resuming after an interrupted crawl: %d captures and %d articles recovered from WARC",
               added["captures"], added["articles"])
        recovered = Recovered(
            requisites=pending_requisites(self.index, self.layout.warc, since=started),
            fetched=self.index.urls_captured_since(started),
            unextracted={match_key(row["url"]): row for row in unextracted_pages(self.index, since=started)})
        for c in crashed:
            self.index.finish_crawl(c["id"], status="interrupted", stats={"reason": "killed; resumed later"})
        return recovered

    # ---- deferred pages (Retry-After, case B07) ------------------------------------------------
    def defer(self, url: str, meta: dict[str, Any], wait: float) -> None:
        """Keep a page for the next crawl: the server asked for a wait this crawl won't
        make (case B07). ``meta`` is the request's (its ``role``, ``issue_date``, ``source``)."""
        if self.index is None:
            return
        day = meta.get("issue_date")
        row = {"url": url, "site": self.site, "role": meta.get("role"),
               "issue_date": day.isoformat() if isinstance(day, dt.date) else day,
               "source": meta.get("source"), "retry_after_secs": wait,
               "deferred_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        self.index.defer_urls([row])
        self.deferred[url] = row

    def fetched(self, url: str) -> None:
        """A page got its answer: if an earlier crawl deferred it, it is deferred no more."""
        if url in self.deferred and self.index is not None:
            self.index.undefer_urls([url])
            del self.deferred[url]

    # ---- finish ----------------------------------------------------------------------------
    def close(self, spider: Spider, reason: str = "finished") -> None:
        """Flush, close the WARC, record the crawl's outcome, and tidy the data folder."""
        if self.index is None:
            return
        try:
            self.buffer.stop_timer()
            self.buffer.flush()
            self._drop_shadowed()
        finally:
            self.writer.close()
            self.summary, status = self.outcome(spider, reason)
            status = self.record_crawl(status, self.summary)
            self.buffer.close()
            self.index.close()
            self.index = None
            self.tidy(status, reason)
            if self._lock is not None:
                self._lock.close()
                self._lock = None

    def outcome(self, spider: Spider, reason: str) -> tuple[dict[str, Any], str]:
        """The crawl's summary (``crawls.stats``) and status: finished, interrupted or failed."""
        summary = self.summarize(reason)
        status = "finished" if reason == "finished" else ("interrupted" if reason in ("shutdown", "cancelled") else "failed")
        if status == "finished" and not summary["pages"]:
            status = "failed"  # not one response: the site was unreachable
            summary["reason"] = "no response from the site"
        if getattr(self.crawler, "unreachable", None):
            summary["reason"] = self.crawler.unreachable  # robots.txt and home page (crawler.reachability)
        unaccounted = getattr(spider, "unaccounted_articles", lambda: 0)()
        if status == "finished" and unaccounted:
            # ran out of requests with articles still unanswered: not done, and resumable
            status = "interrupted"
            summary["unaccounted"] = unaccounted
            summary["reason"] = (f"{unaccounted} article{'s were' if unaccounted != 1 else ' was'} asked for but got no answer; "
                                 "run the same command again to fetch them")
        if self.failure:
            status = "failed"
            summary["reason"] = f"the index could not be written: {self.failure}"
        return summary, status

    def summarize(self, reason: str) -> dict[str, Any]:
        """The figures of the crawl (from Scrapy's stats and the buffer's counts)."""
        from crawler.errors import error_counts

        stats = self.crawler.stats.get_stats()
        error_kinds = error_counts(stats)
        return {
            "reason": reason,
            "since": _iso(self.plan.since),
            "until": _iso(self.plan.until),
            "pages": stats.get("downloader/response_count", 0),
            "articles": self.buffer.articles_written,
            "articles_by_day": dict(sorted(self.buffer.articles_by_day.items())),
            "skipped": _by_suffix(stats, "newsarchive/skipped/"),
            "revisits": stats.get("newsarchive/revisits", 0),
            "requisites": stats.get("newsarchive/requisites", 0),
            "found_by": _by_suffix(stats, "newsarchive/found_by/"),
            "errors": error_kinds["total"],
            "error_kinds": error_kinds,
            "warc_files": self.writer.files_written,
        }

    def record_crawl(self, status: str, summary: dict[str, Any]) -> str:
        """Write the crawl's status, summary and (finished) horizon to ``crawls``; the status,
        "failed" when that write failed."""
        assert self.index is not None and self.crawl_id is not None
        try:
            if status == "finished":
                self.record_horizon()
            self.index.finish_crawl(self.crawl_id, status=status, stats=summary)
        except (sqlite3.Error, ArchiveIndexError) as exc:
            self._failure = self.failure or str(exc)
            logger.error("Could not record the crawl in %s: %s", self.index.path, exc)
            return "failed"
        return status

    def record_horizon(self) -> None:
        """The crawl's horizon: the newest day it saw, or the last crawl's if that is later."""
        assert self.index is not None and self.crawl_id is not None
        horizon = self.plan.horizon_seen
        previous = self.index.last_horizon(self.site)
        if horizon or previous:
            best = max(h for h in (horizon.isoformat() if horizon else None, previous) if h)
            self.index.set_crawl_horizon(self.crawl_id, best)

    def tidy(self, status: str, reason: str) -> None:
        """After a finished crawl, its derived indexes; after one not worth resuming, no job state."""
        if status == "finished":
            self.after_crawl()
        elif reason == "finished" or getattr(self.crawler, "unreachable", None):
            # Ran to its end without a page (site unreachable) or with an index failure:
            # its queue holds nothing worth resuming, and a resume would replay its range.
            self.discard_job_state()

    def _drop_shadowed(self) -> None:
        """The crawl's 2xx captures with no payload lose their row once a capture of the same
        URL holds one (:func:`archive.replayable.drop_shadowed_bodiless`); CDXJ does the same."""
        from archive.replayable import drop_shadowed_bodiless

        assert self.index is not None
        try:
            dropped = drop_shadowed_bodiless(self.index)
        except (sqlite3.Error, ArchiveIndexError) as exc:
            logger.warning("Could not drop the empty captures of %s: %s", self.index.path, exc)
            return
        if dropped:
            logger.info("%d empty 2xx captures dropped: their URLs have a capture with a payload", len(dropped))

    def discard_job_state(self) -> None:
        """Remove this crawl's resume state (``DATA/jobs/<site>/``), and ``jobs/`` when empty."""
        jobdir = self.crawler.settings.get("JOBDIR")
        jobs = self.layout.jobs.resolve()
        if jobdir and Path(jobdir).resolve().is_relative_to(jobs):
            shutil.rmtree(jobdir, ignore_errors=True)
            if jobs.is_dir() and not any(jobs.iterdir()):
                jobs.rmdir()

    def after_crawl(self) -> None:
        """A finished crawl leaves no resume state, and its derived indexes are brought up to date."""
        self.discard_job_state()
        for name, hook in (("CDXJ index", "archive.warc.cdxj:update_index"),
                           ("Datasette metadata", "archive.datasette:write_datasette_metadata")):
            module_name, _, func_name = hook.partition(":")
            try:
                module = __import__(module_name, fromlist=[func_name])
                getattr(module, func_name)(self.data_dir)
            except (ImportError, AttributeError):
                continue
            except Exception as exc:  # noqa: BLE001 - the crawl itself succeeded; say what did not
                logger.warning("Could not update the %s: %s", name, exc)


def _by_suffix(stats: dict[str, Any], prefix: str) -> dict[str, Any]:
    """``{"reason": n}`` of the stats named ``prefix`` + reason."""
    return {k.split("/", 2)[2]: v for k, v in stats.items() if k.startswith(prefix)}


def _iso(day: Any) -> str | None:
    """A date as ``YYYY-MM-DD``; None stays None."""
    return day.isoformat() if isinstance(day, dt.date) else (str(day) if day else None)


__all__ = ["ArchiveLocked", "CrawlPlan", "CrawlSession", "Recovered", "crawl_session", "job_dir",
           "lock_data_dir", "notice", "session_if_any"]
