"""The spider of a worker: :class:`BackIssuesSpider`'s callbacks, none of its seeds or phases."""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy

from crawler.spiders.backissues import BackIssuesSpider


class WorkerSpider(BackIssuesSpider):
    """Fetches what the shared queue holds (articles, requisites, documents) with the
    coordinator's spider's callbacks, found by name; seeds nothing and runs no idle phase
    (the coordinator does, :mod:`crawler.distributed.idle`)."""

    name = "backissues-worker"

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        """Run on its own (under Scrapyd: ``-d setting=REDIS_URL=…`` with ``CRAWL_REDIS_SITE``,
        ``CRAWL_REDIS_CRAWL``, ``CRAWL_REDIS_WORKER_ID`` and ``ARCHIVE_DATA_DIR``), the spider
        takes the rest of :func:`crawler.distributed.settings.worker_settings` itself, at spider
        priority (what the command line sets stays). ``newsarchive worker`` sets them all."""
        super().update_settings(settings)
        if settings.get("CRAWL_REDIS_ROLE") or not (settings.get("REDIS_URL") and settings.get("CRAWL_REDIS_CRAWL")):
            return
        from crawler.distributed.keys import CrawlKeys
        from crawler.distributed.queue import worker_id
        from crawler.distributed.settings import worker_settings

        for name, value in worker_settings(settings["REDIS_URL"], CrawlKeys.from_settings(settings),
                                           worker_id(settings)).items():
            settings.set(name, value, priority="spider")

    async def start(self) -> AsyncIterator[Any]:
        self.take_plan()
        return
        yield  # an async generator that yields nothing

    def on_idle(self, spider: scrapy.Spider) -> None:
        """The phases are the coordinator's."""
