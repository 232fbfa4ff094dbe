"""The crawl's archive: one WARC writer and one index, shared by the crawler's components.

The capture middleware writes exchanges through it, the index pipeline adds articles, and
the progress extension reads its counts. Rows are buffered and written to ``archive.db``
in one transaction per batch (``ARCHIVE_INDEX_BATCH_SIZE``), and at least every few
seconds, so that search works while a crawl runs.

It also keeps what makes a crawl incremental: the payload digests already archived (a
repeated payload becomes a revisit record, WARC 1.1 section 6.7.2), each URL's validators
(for conditional requests, RFC 9110 section 13.1) and the last crawl's horizon.
"""
from __future__ import annotations

import collections
import datetime as dt
import logging
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import IO, Any

from scrapy import Spider, signals
from scrapy.exceptions import NotConfigured

from archive import __version__
from archive.warc.cdxj_ahead import DEFAULT_CHUNK_BYTES, AheadIndexer
from archive.index import ArchiveIndexError, ArticleRow, Index
from archive.layout import DataDir
from archive.lock import ArchiveLocked, lock_data_dir
from archive.records import CaptureRecord
from archive.urls import canonical_url, match_key
from archive.warc import (
    PROFILE_IDENTICAL_PAYLOAD,
    PROFILE_SERVER_NOT_MODIFIED,
    HttpExchange,
    WarcWriter,
    sha1_digest,
)

logger = logging.getLogger(__name__)


def job_dir(data_dir: Path, site: str) -> Path:
    """Where Scrapy keeps an unfinished crawl's queue and seen requests (JOBDIR)."""
    return DataDir(data_dir).job(site)


def notice(message: str, *args: Any) -> None:
    """Tell the person running the crawl something that is not a problem: a line on
    stderr in the progress lines' style (``[newsarchive] …``), and an INFO log record."""
    logger.info(message, *args)
    sys.stderr.write(f"[newsarchive] {message % args}\n")
    sys.stderr.flush()


class ArchiveStore:
    """Owns the crawl's :class:`~archive.warc.WarcWriter` and :class:`~archive.index.Index`.

    Get it with :meth:`for_crawler`; it opens on ``spider_opened`` and closes on
    ``spider_closed`` (flushing every buffered row and recording the crawl in ``crawls``).
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.data_dir = Path(settings.get("ARCHIVE_DATA_DIR") or "data")
        self.layout = DataDir(self.data_dir)
        self.batch_size = max(1, settings.getint("ARCHIVE_INDEX_BATCH_SIZE", 50))
        self.overlap_days = settings.getint("CRAWL_OVERLAP_DAYS", 2)
        self.revisit_days = settings.getint("CRAWL_REVISIT_DAYS", 3)
        self.writer: WarcWriter | None = None
        self.ahead: AheadIndexer | None = None
        self.index: Index | None = None
        self.crawl_id: int | None = None
        self.summary: dict[str, Any] | None = None
        #: why the index could not be written, if it could not (the crawl then fails)
        self.failure: str | None = None
        #: the site's pages kept for a later crawl (Retry-After too long), by URL
        self.deferred: dict[str, dict[str, Any]] = {}
        #: page requisites an interrupted crawl found but did not fetch: ``(url, kind, page)``
        self.recovered_requisites: list[tuple[str, str, str]] = []
        self.fetched_before_crash: list[str] = []
        #: match key -> ``captures`` row of a page a killed crawl archived but did not extract
        self.unextracted: dict[str, dict[str, Any]] = {}
        self.site = ""
        self._lock: IO[str] | None = None
        self._captures: list[CaptureRecord] = []
        self._articles: list[tuple[ArticleRow, str, list[str]]] = []
        self._capture_ids: dict[str, int] = {}
        #: (alias, article URL) pairs waiting for their article's row
        self._aliases: list[tuple[str, str]] = []
        #: payload digest -> the response record that holds it (this crawl)
        self._payloads: dict[str, CaptureRecord] = {}
        #: a distributed crawl's digests archived by its other processes
        #: (:class:`crawler.distributed.payloads.SharedPayloads`), else None
        self.shared_payloads: Any = None
        #: canonical URL -> crawl state not yet written, and a read cache
        self._url_state: dict[str, dict[str, Any]] = {}
        self._url_state_dirty: set[str] = set()
        #: identical-payload revisit record ID -> (the record holding the payload, its captures.id)
        self._payload_of: dict[str, tuple[CaptureRecord, int | None]] = {}
        self.articles_by_day: collections.Counter[str] = collections.Counter()
        self.articles_written = 0
        crawler.signals.connect(self.open, signal=signals.spider_opened)
        crawler.signals.connect(self.close, signal=signals.spider_closed)

    @classmethod
    def for_crawler(cls, crawler: Any) -> ArchiveStore:
        store = getattr(crawler, "_newsarchive_store", None)
        if store is None:
            store = cls(crawler)
            crawler._newsarchive_store = store
        return store

    # ---- life cycle ------------------------------------------------------------------------
    def open(self, spider: Spider) -> None:
        if self.index is not None:
            return
        settings = self.crawler.settings
        if not settings.getbool("ARCHIVE_LOCK_HELD"):
            self._lock = lock_data_dir(self.data_dir)
        self.index = Index(self.layout.db)
        if settings.get("CRAWL_REDIS_CRAWL"):
            from crawler.distributed.payloads import SharedPayloads

            self.shared_payloads = SharedPayloads.from_settings(settings)
        profile = getattr(spider, "profile", None)
        site = profile.name if profile else spider.name
        self.recover_after_crash(site)
        if getattr(spider, "since", None) is None and settings.getbool("CRAWL_INCREMENTAL", True):
            horizon = self.index.last_horizon(site)
            if horizon:
                spider.since = dt.date.fromisoformat(horizon) - dt.timedelta(days=self.overlap_days)  # type: ignore[attr-defined]
                spider.incremental = True  # type: ignore[attr-defined]
                notice("Incremental crawl from %s (the last crawl's horizon %s minus %d days)",
                       spider.since, horizon, self.overlap_days)  # type: ignore[attr-defined]
        since, until = getattr(spider, "since", None), getattr(spider, "until", None)
        self.crawl_id = self.index.start_crawl(
            site,
            since=since.isoformat() if since else None,
            until=until.isoformat() if until else None,
            args={"base_url": profile.base_url if profile else None, "spider": spider.name,
                  "incremental": bool(getattr(spider, "incremental", False))},
        )
        spider.known_keys = {match_key(url) for url in self.index.known_urls()}  # type: ignore[attr-defined]
        self.site = site
        self.deferred = {row["url"]: row for row in self.index.deferred_urls(site)}
        spider.deferred_rows = list(self.deferred.values())  # type: ignore[attr-defined]
        if self.deferred:
            notice("Fetching %d pages the last crawl deferred (Retry-After)", len(self.deferred))
        recent = (dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=self.revisit_days)).isoformat()
        spider.revisit_keys = {match_key(url) for url in self.index.recent_article_urls(recent)}  # type: ignore[attr-defined]
        self.writer = WarcWriter(
            self.layout.warc,
            prefix=settings.get("ARCHIVE_WARC_PREFIX", "newsarchive"),
            max_bytes=settings.getint("ARCHIVE_WARC_MAX_BYTES"),
            gzip_level=settings.getint("ARCHIVE_WARC_GZIP_LEVEL"),
            info={
                "operator": settings.get("ARCHIVE_OPERATOR") or "",
                "isPartOf": f"{site} {since or ''}..{until or ''}",
                "description": f"newsarchive crawl {self.crawl_id} of {profile.base_url if profile else site}",
                "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
                "http-header-user-agent": settings.get("USER_AGENT"),
                "software": f"newsarchive/{__version__} (Scrapy, warcio)",
            },
        )
        ahead_bytes = settings.getint("ARCHIVE_CDXJ_AHEAD_BYTES", DEFAULT_CHUNK_BYTES)
        if ahead_bytes > 0:
            self.ahead = AheadIndexer(self.data_dir, ahead_bytes)
            self.writer.on_boundary = self.ahead.boundary

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

    def recover_after_crash(self, site: str) -> None:
        """After a crawl that was killed: repair the WARC tail it left, and index what its
        WARC files hold that its index rows did not get (the WARCs are the truth)."""
        assert self.index is not None
        crashed = self.index.interrupted_crawls(site)
        if not crashed:
            return
        from archive.recovery import pending_requisites, recover_index, repair_tails, unextracted_pages

        repaired = repair_tails(self.layout.warc)
        for line in repaired:
            notice("Repaired after a crash: %s", line)
        started = min(c["started_at"] for c in crashed)
        added = recover_index(self.index, self.layout.warc, since=started)
        notice("Resuming after an interrupted crawl: %d captures and %d articles recovered from WARC",
               added["captures"], added["articles"])
        #: (url, kind, page) the killed crawl's articles named and it did not fetch
        self.recovered_requisites = pending_requisites(self.index, self.layout.warc, since=started)
        #: pages the killed crawl archived but did not extract: read from WARC, not fetched again
        self.unextracted = {match_key(row["url"]): row for row in unextracted_pages(self.index, since=started)}
        #: what the killed crawl fetched already: its requisites are not asked for again
        self.fetched_before_crash = self.index.urls_captured_since(started)
        for c in crashed:
            self.index.finish_crawl(c["id"], status="interrupted", stats={"reason": "killed; resumed later"})

    def close(self, spider: Spider, reason: str = "finished") -> None:
        if self.index is None:
            return
        try:
            self.flush()
            self._drop_shadowed()
        finally:
            if self.writer is not None:
                self.writer.close()
            if self.ahead is not None:
                self.ahead.finish()  # the CDXJ of each file written, indexed while it grew
            stats = self.crawler.stats.get_stats()
            from crawler.errors import error_counts

            error_kinds = error_counts(stats)
            summary = {
                "reason": reason,
                "since": _iso(getattr(spider, "since", None)),
                "until": _iso(getattr(spider, "until", None)),
                "pages": stats.get("downloader/response_count", 0),
                "articles": self.articles_written,
                "articles_by_day": dict(sorted(self.articles_by_day.items())),
                "skipped": {k.split("/", 2)[2]: v for k, v in stats.items() if k.startswith("newsarchive/skipped/")},
                "revisits": stats.get("newsarchive/revisits", 0),
                "requisites": stats.get("newsarchive/requisites", 0),
                "found_by": {k.split("/", 2)[2]: v for k, v in stats.items() if k.startswith("newsarchive/found_by/")},
                "errors": error_kinds["total"],
                "error_kinds": error_kinds,
                "warc_files": self.writer.files_written if self.writer else [],
            }
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
            assert self.crawl_id is not None
            self.summary = summary
            try:
                if status == "finished":
                    horizon = getattr(spider, "horizon_seen", None)
                    previous = self.index.last_horizon(getattr(getattr(spider, "profile", None), "name", spider.name))
                    if horizon or previous:
                        best = max(h for h in (horizon.isoformat() if horizon else None, previous) if h)
                        self.index.set_crawl_horizon(self.crawl_id, best)
                self.index.finish_crawl(self.crawl_id, status=status, stats=summary)
            except (sqlite3.Error, ArchiveIndexError) as exc:
                self.failure = self.failure or str(exc)
                status = "failed"
                logger.error("Could not record the crawl in %s: %s", self.index.path, exc)
            self.index.close()
            self.index = None
            if status == "finished":
                self.after_crawl(spider)
            elif reason == "finished" or getattr(self.crawler, "unreachable", None):
                # Ran to its end without a page (site unreachable) or with an index failure:
                # its queue holds nothing worth resuming, and a resume would replay its range.
                self.discard_job_state()
            if self._lock is not None:
                self._lock.close()
                self._lock = None

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

    def after_crawl(self, spider: Spider) -> None:
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

    # ---- crawl state ----------------------------------------------------------------------
    def url_state(self, url: str) -> dict[str, Any] | None:
        """The last known state of ``url`` (validators, digest, sitemap lastmod), or None."""
        key = canonical_url(url)
        if key in self._url_state:
            return self._url_state[key]
        state = self.index.url_state(key) if self.index is not None else None
        if state is not None:
            self._url_state[key] = state
        return state

    def note_url_state(self, url: str, **fields: Any) -> None:
        """Update ``url``'s crawl state (written with the next flush)."""
        key = canonical_url(url)
        state = dict(self.url_state(url) or {})
        state.update({k: v for k, v in fields.items() if v is not None})
        state["url"] = key
        self._url_state[key] = state
        self._url_state_dirty.add(key)

    def previous_capture(self, url: str) -> dict[str, Any] | None:
        """The response record holding ``url``'s last archived payload, or None."""
        state = self.url_state(url)
        digest = state.get("payload_digest") if state else None
        if not digest:
            return None
        if digest in self._payloads:
            return self._payloads[digest].to_dict()
        return self.index.capture_for_digest(digest) if self.index is not None else None

    # ---- writing ---------------------------------------------------------------------------
    def write_exchange(self, exchange: HttpExchange, role: str | None = None,
                       conditional: bool = False) -> CaptureRecord:
        """Write one exchange to WARC, as a response or, when nothing new came, a revisit.

        * a 304 to our conditional request: a server-not-modified revisit of the last capture;
        * a payload already archived (any status: a page, an error page, a feed): an
          identical-payload-digest revisit;
        * anything else: a response record.
        """
        if self.writer is None:
            raise RuntimeError("the archive is not open (spider_opened has not fired)")
        now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        headers = {k.lower(): v for k, v in exchange.response_headers}
        previous = None
        if exchange.status == 304 and conditional:
            previous = self.previous_capture(exchange.url)
        if previous is not None:
            records = self.writer.write_revisit(
                exchange, profile=PROFILE_SERVER_NOT_MODIFIED, refers_to_uri=previous["url"],
                refers_to_date=previous["fetched_at"], refers_to_record_id=previous["record_id"],
                payload_digest=previous.get("payload_digest"))
            self.crawler.stats.inc_value("newsarchive/revisits")
            self.note_url_state(exchange.url, last_checked=now, status=304)
        elif exchange.body and exchange.status not in (206,):
            # any payload already archived (a page, an error page, a feed) becomes a revisit
            digest = sha1_digest(exchange.body)
            earlier = self._payloads.get(digest)
            earlier_dict = earlier.to_dict() if earlier else (self.index.capture_for_digest(digest) if self.index else None)
            elsewhere = earlier_dict is None and self.shared_payloads is not None
            if elsewhere:
                earlier_dict = self.shared_payloads.get(digest)  # another process's record
            if earlier_dict is not None:
                records = self.writer.write_revisit(
                    exchange, profile=PROFILE_IDENTICAL_PAYLOAD, refers_to_uri=earlier_dict["url"],
                    refers_to_date=earlier_dict["fetched_at"], refers_to_record_id=earlier_dict["record_id"],
                    payload_digest=digest)
                self.crawler.stats.inc_value("newsarchive/revisits")
                if not elsewhere:  # (a record in another process's WARC file has no place here)
                    fields: dict[str, Any] = {k: earlier_dict.get(k) for k in CaptureRecord.__dataclass_fields__}
                    self._payload_of[records.response.record_id] = (CaptureRecord(**fields), earlier_dict.get("id"))
            else:
                records = self.writer.write_exchange(exchange)
                self._payloads[digest] = records.response
                if self.shared_payloads is not None:
                    self.shared_payloads.publish(digest, records.response)
            if exchange.status == 200:
                self.note_url_state(
                    exchange.url, etag=_text(headers.get(b"etag")), last_modified=_text(headers.get(b"last-modified")),
                    payload_digest=digest, status=200, last_checked=now)
        else:
            records = self.writer.write_exchange(exchange)
        self._captures.append(records.response)
        if len(self._captures) >= self.batch_size * 4:
            self.flush()
        return records.response

    def recovered_capture(self, row: dict[str, Any]) -> CaptureRecord:
        """The record of a ``captures`` row, for a page read again from WARC instead of fetched;
        its pipeline finds the row's ``captures.id`` through :meth:`payload_capture`."""
        fields: dict[str, Any] = {k: row.get(k) for k in CaptureRecord.__dataclass_fields__ if k in row}
        capture = CaptureRecord(**fields)
        self._payload_of[capture.record_id] = (capture, row.get("id"))
        return capture

    def payload_capture(self, capture: CaptureRecord) -> tuple[CaptureRecord, int | None]:
        """The record that holds ``capture``'s payload: itself, or for an identical-payload
        revisit the earlier response it refers to (with its ``captures.id`` when known)."""
        return self._payload_of.pop(capture.record_id, (capture, None))

    def write_metadata(self, capture: CaptureRecord, fields: dict[str, Any]) -> CaptureRecord | None:
        """Write the metadata record describing an article's response record (WARC 1.1 6.8)."""
        if self.writer is None:
            return None
        return self.writer.write_metadata(capture, fields)

    def add_redirect(self, source: str, target: str) -> None:
        """Remember that ``source`` redirected to ``target``: an alias once ``target`` is an article."""
        self._aliases.append((canonical_url(source), canonical_url(target)))

    def add_article(self, row: ArticleRow, capture: CaptureRecord | None, aliases: list[str]) -> None:
        """Buffer one article row (with the URLs that are aliases of its canonical URL)."""
        self._articles.append((row, capture.record_id if capture else "", aliases))
        day = (row.issue_date or (row.published or "")[:10] or "undated")
        self.articles_by_day[str(day)] += 1
        self.articles_written += 1
        if len(self._articles) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Write buffered captures, then articles, aliases and URL state, each batch in one transaction.

        A failed write (disk full, I/O error) keeps the rows buffered for the next flush and
        is remembered in :attr:`failure`: the WARC files hold everything regardless, and
        ``reindex`` rebuilds the index from them.
        """
        if self.index is None:
            return
        try:
            self._flush()
        except (sqlite3.Error, ArchiveIndexError) as exc:
            if self.failure is None:
                logger.error("Could not write to %s: %s (the WARC files keep everything; "
                             "`newsarchive reindex` rebuilds the index from them)", self.index.path, exc)
            self.failure = str(exc)

    def _flush(self) -> None:
        assert self.index is not None
        if self._captures:
            ids = self.index.add_captures(self._captures, self.crawl_id)
            for record, row_id in zip(self._captures, ids):
                self._capture_ids[record.record_id] = row_id
            self._captures = []
        if self._articles:
            batch_articles = self._articles
            rows = []
            for row, record_id, _aliases in batch_articles:
                row.capture_id = self._capture_ids.get(record_id, row.capture_id)
                rows.append(row)
            self.index.upsert_articles(rows)
            self._articles = []
            for _row, record_id, _aliases in batch_articles:
                self._capture_ids.pop(record_id, None)
            self._aliases.extend((alias, row.canonical_url) for row, _, aliases in batch_articles for alias in aliases)
        if self._aliases:
            # redirect sources may arrive before their article: keep them for a later flush
            self._aliases = self.index.add_aliases(self._aliases)[-10_000:]
        if self._url_state_dirty:
            self.index.upsert_url_state([self._url_state[key] for key in self._url_state_dirty])
            self._url_state_dirty = set()
            if len(self._url_state) > 200_000:
                self._url_state.clear()
        if len(self._capture_ids) > 100_000:
            self._capture_ids.clear()


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value else None


__all__ = ["ArchiveLocked", "ArchiveStore", "NotConfigured", "job_dir", "lock_data_dir"]


def _iso(day: Any) -> str | None:
    """A date as ``YYYY-MM-DD``; None stays None."""
    return day.isoformat() if isinstance(day, dt.date) else (str(day) if day else None)
