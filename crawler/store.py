"""The crawl's archive: one WARC writer and one index, shared by the crawler's components.

The capture middleware writes exchanges through it, the index pipeline adds articles, and
the progress extension reads its counts. Rows are buffered and written to ``archive.db``
in one transaction per batch (``ARCHIVE_INDEX_BATCH_SIZE``), and at least every few
seconds, so that search works while a crawl runs.
"""
from __future__ import annotations

import collections
import datetime as dt
import logging
from pathlib import Path
from typing import Any

from scrapy import Spider, signals

from archive import __version__
from archive.index import ArticleRow, Index
from archive.records import CaptureRecord
from archive.urls import canonical_url, match_key
from archive.warc import HttpExchange, WarcWriter

logger = logging.getLogger(__name__)


class ArchiveStore:
    """Owns the crawl's :class:`~archive.warc.WarcWriter` and :class:`~archive.index.Index`.

    Get it with :meth:`for_crawler`; it opens on ``spider_opened`` and closes on
    ``spider_closed`` (flushing every buffered row and recording the crawl in ``crawls``).
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.data_dir = Path(settings.get("ARCHIVE_DATA_DIR") or "data")
        self.batch_size = max(1, settings.getint("ARCHIVE_INDEX_BATCH_SIZE", 50))
        self.writer: WarcWriter | None = None
        self.index: Index | None = None
        self.crawl_id: int | None = None
        self._captures: list[CaptureRecord] = []
        self._articles: list[tuple[ArticleRow, str, list[str]]] = []
        self._capture_ids: dict[str, int] = {}
        #: (alias, article URL) pairs waiting for their article's row
        self._aliases: list[tuple[str, str]] = []
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
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.index = Index(self.data_dir / "archive.db")
        since, until = getattr(spider, "since", None), getattr(spider, "until", None)
        profile = getattr(spider, "profile", None)
        site = profile.name if profile else spider.name
        self.crawl_id = self.index.start_crawl(
            site,
            since=since.isoformat() if since else None,
            until=until.isoformat() if until else None,
            args={"base_url": profile.base_url if profile else None, "spider": spider.name},
        )
        spider.known_keys = {match_key(url) for url in self.index.known_urls()}  # type: ignore[attr-defined]
        self.writer = WarcWriter(
            self.data_dir / "warc",
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

    def close(self, spider: Spider, reason: str = "finished") -> None:
        if self.index is None:
            return
        try:
            self.flush()
        finally:
            if self.writer is not None:
                self.writer.close()
            stats = self.crawler.stats.get_stats()
            summary = {
                "reason": reason,
                "pages": stats.get("downloader/response_count", 0),
                "articles": self.articles_written,
                "articles_by_day": dict(sorted(self.articles_by_day.items())),
                "skipped": {k.split("/", 2)[2]: v for k, v in stats.items() if k.startswith("newsarchive/skipped/")},
                "errors": stats.get("log_count/ERROR", 0),
                "warc_files": self.writer.files_written if self.writer else [],
            }
            status = "finished" if reason == "finished" else ("interrupted" if reason in ("shutdown", "cancelled") else "failed")
            assert self.crawl_id is not None
            self.index.finish_crawl(self.crawl_id, status=status, stats=summary)
            self.summary = summary
            self.index.close()
            self.index = None

    # ---- writing ---------------------------------------------------------------------------
    def write_exchange(self, exchange: HttpExchange, role: str | None = None) -> CaptureRecord:
        """Write one exchange to WARC and buffer its response record for ``captures``."""
        if self.writer is None:
            raise RuntimeError("the archive is not open (spider_opened has not fired)")
        records = self.writer.write_exchange(exchange)
        self._captures.append(records.response)
        if len(self._captures) >= self.batch_size * 4:
            self.flush()
        return records.response

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
        """Write buffered captures, then articles, each batch in one transaction."""
        if self.index is None:
            return
        if self._captures:
            batch, self._captures = self._captures, []
            ids = self.index.add_captures(batch, self.crawl_id)
            for record, row_id in zip(batch, ids):
                self._capture_ids[record.record_id] = row_id
        if self._articles:
            batch_articles, self._articles = self._articles, []
            rows = []
            for row, record_id, _aliases in batch_articles:
                row.capture_id = self._capture_ids.pop(record_id, row.capture_id)
                rows.append(row)
            self.index.upsert_articles(rows)
            self._aliases.extend((alias, row.canonical_url) for row, _, aliases in batch_articles for alias in aliases)
        if self._aliases:
            # redirect sources may arrive before their article: keep them for a later flush
            self._aliases = self.index.add_aliases(self._aliases)[-10_000:]
        if len(self._capture_ids) > 100_000:
            self._capture_ids.clear()


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
