"""The crawl's scheduler: requests by priority, with page requisites filling the time that
article pages would only spend waiting for an extraction worker.

Requests leave Scrapy's scheduler highest priority first (discovery, then articles, then
page requisites and documents: ``PRIORITY`` in :mod:`crawler.spiders.roles`). With that
order alone, every requisite waits until the last article has been fetched. But an article
page fetched while the extraction workers are all busy gains nothing: it waits in the item
pipelines (``ARCHIVE_EXTRACT_MAX_PENDING`` of them at most), then in Scrapy's scraper, which
at ``SCRAPER_SLOT_MAX_ACTIVE_SIZE`` holds back every download. Meanwhile the crawl's own
process, which fetches and writes WARC records, idles, and the requisites then run alone
at the end, on one core.

So :class:`ArchiveScheduler` serves a request below ``CRAWL_FILL_BELOW_PRIORITY`` (a page
requisite or a document: nothing that an extraction worker waits for) ahead of the article
pages while at least ``CRAWL_FILL_AT_PENDING`` items are in the item pipelines (default: one
for each of the ``ARCHIVE_EXTRACT_WORKERS``, so every worker has a page). Articles still come
first: none waits for a requisite while a worker is free, and at any other time the order is
Scrapy's. A polite crawl (a download delay) seldom saturates extraction, so there the
requisites still come after the articles. ``CRAWL_FILL_AT_PENDING = 0`` turns this off.

Measured with ``benchmarks/crawl.py``'s settings (``--scale 20``, no delay, 2 cores, 3 crawls
each): 102.4 s median with strict priority order, 92.1 s at 2 pending, 94.7 s at 8; the
requisites no longer run alone after the last article.
"""
from __future__ import annotations

import os
from typing import Any

from scrapy import Request
from scrapy.core.scheduler import Scheduler
from scrapy.pqueues import ScrapyPriorityQueue


class ArchivePriorityQueue(ScrapyPriorityQueue):
    """Scrapy's priority queue (``SCHEDULER_PRIORITY_QUEUE``), which can also pop the
    first request below a given priority."""

    def pop_below(self, priority: int) -> Request | None:
        """The next request whose ``priority`` is lower than ``priority``, or None.

        Within that band the order is :meth:`pop`'s (highest priority first; the buckets'
        own order within one priority). Start requests are never taken here.
        """
        keys = [key for key, queue in self.queues.items() if key > -priority and queue]
        if not keys:
            return None
        key = min(keys)
        queue = self.queues[key]
        request = queue.pop()
        if not queue:
            del self.queues[key]
            queue.close()
            self._update_curprio()
        return request


class ArchiveScheduler(Scheduler):
    """``SCHEDULER``: Scrapy's scheduler, serving page requisites while extraction is
    saturated (see the module). Needs :class:`ArchivePriorityQueue` as
    ``SCHEDULER_PRIORITY_QUEUE``; with another queue class it is Scrapy's scheduler."""

    fill_below: int = 0
    fill_at_pending: int = 0

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchiveScheduler:
        scheduler = super().from_crawler(crawler)
        settings = crawler.settings
        scheduler.fill_below = settings.getint("CRAWL_FILL_BELOW_PRIORITY", 0)
        pending = settings.getint("CRAWL_FILL_AT_PENDING", -1)
        if pending < 0:  # default: one page for every extraction worker
            workers = settings.getint("ARCHIVE_EXTRACT_WORKERS", -1)
            pending = max(1, (os.cpu_count() or 1) if workers < 0 else workers)
        scheduler.fill_at_pending = max(0, pending)
        return scheduler

    def extraction_saturated(self) -> bool:
        """Whether at least ``CRAWL_FILL_AT_PENDING`` items are in the item pipelines
        (Scrapy's ``scraper.slot.itemproc_size``: pages extracted or waiting to be)."""
        if not self.fill_at_pending:
            return False
        engine = getattr(self.crawler, "engine", None)
        slot = getattr(getattr(engine, "scraper", None), "slot", None)
        return slot is not None and slot.itemproc_size >= self.fill_at_pending

    def next_request(self) -> Request | None:
        if self.extraction_saturated():
            request = self._pop_below(self.mqs) or self._pop_below(self.dqs)
            if request is not None:
                assert self.stats is not None
                self.stats.inc_value("scheduler/dequeued")
                self.stats.inc_value("newsarchive/scheduler/filled_while_extracting")
                return request
        return super().next_request()

    def _pop_below(self, queue: Any) -> Request | None:
        pop_below = getattr(queue, "pop_below", None)
        return pop_below(self.fill_below) if pop_below is not None else None
