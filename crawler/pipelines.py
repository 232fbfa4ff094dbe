"""Item pipelines: extract each fetched article page, then index it.

Every page is already in WARC (the capture middleware wrote it); these pipelines decide
what becomes a row in ``articles``: only article pages, inside the date range, one row per
canonical URL whatever spelling led to it.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from scrapy import Spider
from scrapy.exceptions import DropItem

from archive.extract import EXTRACTOR, extract
from archive.workers import extract_in_worker, init_pool_worker, warm_up
from archive.index import ArticleRow
from archive.records import (  # noqa: F401 - the article rule lives in archive/ (import uses it too)
    METADATA_RECORD_FORMAT,
    TEASER_ARTICLE_MIN_WORDS,
    CaptureRecord,
    ExtractedArticle,
    choose_canonical,
    is_article,
    metadata_fields,
    published_day,
)
from archive.urls import canonical_url, match_key
from crawler.items import ArticleItem
from crawler.session import crawl_session

logger = logging.getLogger(__name__)


class NotArchived(DropItem):
    """An item that stays in WARC but gets no ``articles`` row (counted by reason)."""


class ExtractPipeline:
    """Run :func:`archive.extract.extract` on each page, in a pool of worker processes.

    Extraction is the crawl's CPU cost (tens of ms a page); done in the callback it leaves
    the reactor waiting and every other core idle. Here it runs in
    ``ARCHIVE_EXTRACT_WORKERS`` processes (default: one per core; 0 extracts in-process),
    while the reactor goes on downloading and writing WARC. At most
    ``ARCHIVE_EXTRACT_MAX_PENDING`` pages wait for extraction at once, so memory stays
    flat on a crawl of any length (Scrapy's scraper also holds back downloads while
    ``SCRAPER_SLOT_MAX_ACTIVE_SIZE`` bytes of responses are being processed).
    A worker that dies is replaced, and the page is extracted in-process instead.
    """

    def __init__(self, crawler: Any, workers: int, max_pending: int) -> None:
        self.crawler = crawler
        self.workers = workers
        self.max_pending = max(1, max_pending)
        self.pool: ProcessPoolExecutor | None = None
        self._semaphore: asyncio.Semaphore | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ExtractPipeline:
        settings = crawler.settings
        workers = settings.getint("ARCHIVE_EXTRACT_WORKERS", -1)
        if workers < 0:
            workers = os.cpu_count() or 1
        return cls(crawler, workers, settings.getint("ARCHIVE_EXTRACT_MAX_PENDING", 4 * max(1, workers)))

    def open_spider(self) -> None:
        if self.workers > 0:
            context = multiprocessing.get_context("forkserver")
            # Nothing preloaded in the fork server: a preloaded module would keep a third
            # copy of trafilatura & co. resident there (about 26 MB) besides each worker's.
            # The workers import it themselves, at once (warm_up), while the crawl is still
            # reading listings.
            context.set_forkserver_preload([])
            self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context,
                                            initializer=init_pool_worker)
            for _ in range(self.workers):
                self.pool.submit(warm_up)
            logger.info("Extracting in %d worker processes", self.workers)

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    async def process_item(self, item: ArticleItem) -> ArticleItem:
        args = (item["body"], item["url"], item.get("headers") or {})
        if self.pool is None:
            item["extracted"] = extract(*args)
            return item
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.max_pending)
        async with self._semaphore:
            for attempt in (1, 2):
                pool = self.pool
                try:
                    item["extracted"] = await asyncio.get_running_loop().run_in_executor(
                        pool, extract_in_worker, *args)
                    break
                except BrokenProcessPool:
                    if pool is self.pool:
                        # The first page to notice restarts the pool; the others that were
                        # in flight with it only go round again on the new one.
                        logger.warning("an extraction worker died; restarting the pool")
                        self.restart_pool(pool)
                    if attempt == 2:
                        # This page broke a worker twice: it is the cause, not a bystander.
                        item["extracted"] = ExtractedArticle(
                            error="extraction worker died twice on this page", extractor=EXTRACTOR)
        return item

    def restart_pool(self, broken: ProcessPoolExecutor | None) -> None:
        """Replace a broken pool without waiting on it (its workers are gone or going)."""
        if broken is not None:
            broken.shutdown(wait=False, cancel_futures=True)
        self.pool = None
        self.open_spider()


#: How the crawl summary names the request sources that find articles.
SOURCE_NAMES = {"edition": "back issues", "back-issues": "back issues", "date-archive": "date archives",
                "news-sitemap": "news sitemap", "home": "front page", "feed": "feeds", "sitemap": "sitemaps",
                "section": "sections"}


class IndexPipeline:
    """Add each article page to the index, or count why not."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.session = crawl_session(crawler)

    @classmethod
    def from_crawler(cls, crawler: Any) -> IndexPipeline:
        return cls(crawler)

    def drop(self, reason: str, item: ArticleItem) -> NotArchived:
        self.crawler.stats.inc_value(f"newsarchive/skipped/{reason}")
        return NotArchived(f"{reason}: {item['url']}")

    def process_item(self, item: ArticleItem) -> ArticleItem:
        spider: Spider = self.crawler.spider
        extracted: ExtractedArticle = item["extracted"]
        capture: CaptureRecord | None = item.get("capture")
        issue_date: dt.date | None = item.get("issue_date")
        if not is_article(extracted, teaser_dated=issue_date is not None):
            logger.debug("%s is not an article: %s", item["url"], extracted.article_evidence or extracted.error)
            raise self.drop("not an article page", item)
        logger.debug("%s is an article: %s", item["url"], extracted.article_evidence or "a dated teaser's long text")
        canonical = choose_canonical(extracted.canonical_url, item["url"])
        plan = self.session.plan
        known = plan.known
        if capture is not None and capture.record_type == "revisit" and (
                match_key(canonical) in known or match_key(item["url"]) in known):
            raise self.drop("unchanged since the last crawl (same payload)", item)
        day = published_day(extracted) or issue_date  # the page's own date first, whatever its listing said
        if not item.get("revalidate") and not item.get("deferred") and day is not None and not plan.in_range(day):
            raise self.drop("published outside the date range", item)
        if extracted.error:
            self.crawler.stats.inc_value(f"newsarchive/extraction_errors/{extracted.error}")
        # a page whose payload is already archived (a revisit) points at the record holding it
        payload_capture, payload_capture_id = self.session.writer.payload_capture(capture) if capture else (None, None)
        # the capture middleware gives every downloaded or recovered page its capture
        assert payload_capture is not None, f"{item['url']} has no capture"
        row = ArticleRow.from_extracted(
            extracted,
            canonical_url=canonical,
            url=item["url"],
            site=item.get("site") or "",
            issue_date=issue_date.isoformat() if issue_date else None,
            capture=payload_capture,
            capture_id=payload_capture_id,
        )
        urls = [item.get("request_url"), *(item.get("redirect_urls") or []), item["url"]]
        aliases = sorted(({canonical_url(u) for u in urls if u} | {u for u in urls if u}) - {canonical})
        if capture is not None:
            self.session.writer.write_metadata(capture, metadata_fields(extracted, row, aliases))
        self.session.buffer.add_article(row, payload_capture, aliases)
        self.crawler.stats.inc_value("newsarchive/articles")
        self.crawler.stats.inc_value(f"newsarchive/found_by/{SOURCE_NAMES.get(item.get('source') or '', item.get('source') or 'other')}")
        if item.get("revalidate"):
            self.crawler.stats.inc_value("newsarchive/new versions")
        self.fetch_requisites(spider, extracted, item["url"])
        return item

    def fetch_requisites(self, spider: Spider, extracted: ExtractedArticle, page_url: str) -> None:
        """Queue the article's page requisites (found by its extraction worker, in its tree)
        behind the article pages; the spider decides scope and asks for each once a crawl."""
        requests = getattr(spider, "requisite_requests", None)
        if requests is None or not extracted.requisites:
            return
        for request in requests(extracted.requisites, page_url):
            self.crawler.engine.crawl(request)
