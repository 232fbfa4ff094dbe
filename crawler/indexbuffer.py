"""IndexBuffer: the crawl's rows for ``archive.db``, written in batches and on a timer.

The capture writer adds one ``captures`` row per response or revisit record, the index
pipeline one ``articles`` row (and its aliases) per article page, the spider and the capture
writer each URL's crawl state (validators for conditional requests, RFC 9110 section 13.1,
the payload digest, the sitemap ``lastmod``). Rows are written in one transaction per batch
(``ARCHIVE_INDEX_BATCH_SIZE``) and at least every ``ARCHIVE_INDEX_FLUSH_SECS`` seconds, so
that search sees a crawl's articles while it runs, whether or not progress lines are shown.
"""
from __future__ import annotations

import collections
import logging
import sqlite3
from typing import Any

from scrapy.utils.reactor import is_reactor_installed

from archive.index import ArchiveIndexError, ArticleRow, Index
from archive.records import CaptureRecord
from archive.urls import canonical_url

logger = logging.getLogger(__name__)

#: Redirect sources kept waiting for their article's row, at most.
MAX_WAITING_ALIASES = 10_000
#: Cached URL states (and capture ids) at most before the cache is emptied.
MAX_CACHED_URL_STATES = 200_000
MAX_CACHED_CAPTURE_IDS = 100_000


class IndexBuffer:
    """Rows waiting for ``archive.db``, and the crawl state read from it.

    Args:
        batch_size: articles per write transaction (captures: four times as many).
        flush_secs: seconds between two timed flushes while open (0 or less: none, only
            the batches and the final flush).
        clock: what times the flushes (an ``IReactorTime``; default the reactor, when one
            is installed: an index opened outside a crawl gets no timer).
    """

    def __init__(self, batch_size: int = 50, flush_secs: float = 5.0, clock: Any = None) -> None:
        self.batch_size = max(1, batch_size)
        self.flush_secs = flush_secs
        self.clock = clock
        self.index: Index | None = None
        self.crawl_id: int | None = None
        #: why the index could not be written, if it could not (the crawl then fails)
        self.failure: str | None = None
        self.articles_by_day: collections.Counter[str] = collections.Counter()
        self.articles_written = 0
        #: the pending timed flush (an ``IDelayedCall``), while the timer runs
        self._next: Any = None
        self._captures: list[CaptureRecord] = []
        self._articles: list[tuple[ArticleRow, str, list[str]]] = []
        self._capture_ids: dict[str, int] = {}
        #: (alias, article URL) pairs waiting for their article's row
        self._aliases: list[tuple[str, str]] = []
        #: canonical URL -> crawl state not yet written, and a read cache
        self._url_state: dict[str, dict[str, Any]] = {}
        self._url_state_dirty: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any) -> IndexBuffer:
        settings = crawler.settings
        return cls(settings.getint("ARCHIVE_INDEX_BATCH_SIZE", 50), settings.getfloat("ARCHIVE_INDEX_FLUSH_SECS", 5.0))

    # ---- life cycle ------------------------------------------------------------------------
    def open(self, index: Index, crawl_id: int | None) -> None:
        """Write to ``index`` (rows of crawl ``crawl_id``), and start the timed flush."""
        self.index, self.crawl_id = index, crawl_id
        if self.flush_secs > 0 and self.clock is None and is_reactor_installed():
            from twisted.internet import reactor

            self.clock = reactor
        if self.flush_secs > 0 and self.clock is not None:
            self._next = self.clock.callLater(self.flush_secs, self._timed_flush)

    def _timed_flush(self) -> None:
        """Flush, and come back in ``flush_secs``."""
        self._next = None
        self.flush()
        if self.index is not None:
            self._next = self.clock.callLater(self.flush_secs, self._timed_flush)

    def stop_timer(self) -> None:
        """Stop the timed flush (the final :meth:`flush` is the caller's)."""
        if self._next is not None and self._next.active():
            self._next.cancel()
        self._next = None

    def close(self) -> None:
        """Stop the timer and forget the index (it is the session's to close)."""
        self.stop_timer()
        self.index = None

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
        """Update ``url``'s crawl state (written with the next flush); None values are left out."""
        key = canonical_url(url)
        state = dict(self.url_state(url) or {})
        state.update({k: v for k, v in fields.items() if v is not None})
        state["url"] = key
        self._url_state[key] = state
        self._url_state_dirty.add(key)

    def capture_for_digest(self, digest: str) -> dict[str, Any] | None:
        """The ``captures`` row of an earlier crawl's response record with ``digest``, or None."""
        return self.index.capture_for_digest(digest) if self.index is not None else None

    # ---- rows ------------------------------------------------------------------------------
    def add_capture(self, record: CaptureRecord) -> None:
        """Buffer the ``captures`` row of a record just written to WARC."""
        self._captures.append(record)
        if len(self._captures) >= self.batch_size * 4:
            self.flush()

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
            self._flush_captures()
            self._flush_articles()
            self._flush_aliases()
            self._flush_url_state()
            if len(self._capture_ids) > MAX_CACHED_CAPTURE_IDS:
                self._capture_ids.clear()
        except (sqlite3.Error, ArchiveIndexError) as exc:
            if self.failure is None:
                logger.error("Could not write to %s: %s (the WARC files keep everything; "
                             "`newsarchive reindex` rebuilds the index from them)", self.index.path, exc)
            self.failure = str(exc)

    def _flush_captures(self) -> None:
        assert self.index is not None
        if self._captures:
            ids = self.index.add_captures(self._captures, self.crawl_id)
            for record, row_id in zip(self._captures, ids):
                self._capture_ids[record.record_id] = row_id
            self._captures = []

    def _flush_articles(self) -> None:
        """The articles, each pointing at its capture's row (written just before)."""
        assert self.index is not None
        if not self._articles:
            return
        batch = self._articles
        rows = []
        for row, record_id, _aliases in batch:
            row.capture_id = self._capture_ids.get(record_id, row.capture_id)
            rows.append(row)
        self.index.upsert_articles(rows)
        self._articles = []
        for _row, record_id, _aliases in batch:
            self._capture_ids.pop(record_id, None)
        self._aliases.extend((alias, row.canonical_url) for row, _, aliases in batch for alias in aliases)

    def _flush_aliases(self) -> None:
        assert self.index is not None
        if self._aliases:
            # redirect sources may arrive before their article: keep them for a later flush
            self._aliases = self.index.add_aliases(self._aliases)[-MAX_WAITING_ALIASES:]

    def _flush_url_state(self) -> None:
        assert self.index is not None
        if self._url_state_dirty:
            self.index.upsert_url_state([self._url_state[key] for key in self._url_state_dirty])
            self._url_state_dirty = set()
            if len(self._url_state) > MAX_CACHED_URL_STATES:
                self._url_state.clear()
