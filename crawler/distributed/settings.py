"""The settings that make a crawl distributed: the same spider, other components.

:func:`coordinator_settings` and :func:`worker_settings` give the ``-s`` level overrides of
:mod:`crawler.settings` for each role (Scrapy chooses its scheduler, download handlers and
extensions by setting, so the spider is unchanged).
"""
from __future__ import annotations

from typing import Any

import crawler.settings as defaults
from crawler.distributed.keys import CrawlKeys

_HANDLERS = {"http": "crawler.distributed.politeness.SharedDelayDownloadHandler",
             "https": "crawler.distributed.politeness.SharedDelayDownloadHandler"}


def _middlewares(**changes: Any) -> dict[str, Any]:
    """``DOWNLOADER_MIDDLEWARES``: ours, robots.txt read once a crawl per host, and ``changes``."""
    middlewares = dict(defaults.DOWNLOADER_MIDDLEWARES)
    middlewares["scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"] = None
    middlewares["crawler.distributed.robots.SharedRobotsTxtMiddleware"] = 100  # Scrapy's place
    middlewares.update(changes)
    return middlewares


def _common(role: str, redis_url: str, keys: CrawlKeys) -> dict[str, Any]:
    return {
        "REDIS_URL": redis_url,
        "CRAWL_REDIS_ROLE": role,
        "CRAWL_REDIS_SITE": keys.site,
        "CRAWL_REDIS_CRAWL": keys.crawl,
        "DOWNLOAD_HANDLERS": dict(_HANDLERS),
        # revisits of the payloads any process archived (crawler.distributed.payloads)
        "CRAWL_CAPTURE_WRITER_CLASS": "crawler.distributed.payloads.SharedCaptureWriter",
    }


def coordinator_settings(redis_url: str, keys: CrawlKeys) -> dict[str, Any]:
    """Discovery here, articles, requisites and documents to the shared queue."""
    return {
        **_common("coordinator", redis_url, keys),
        "SCHEDULER": "crawler.distributed.scheduler.CoordinatorScheduler",
        "DOWNLOADER_MIDDLEWARES": _middlewares(),
        "EXTENSIONS": {**defaults.EXTENSIONS, "crawler.distributed.idle.CoordinatorIdle": 700},
    }


def worker_settings(redis_url: str, keys: CrawlKeys, worker: str) -> dict[str, Any]:
    """scrapy-redis's scheduler over the leased queue and the shared seen-set; WARC files
    named after the worker (two workers started in the same second never share a name)."""
    middlewares = _middlewares(**{"crawler.reachability.SiteReachabilityMiddleware": None})  # the coordinator's job
    return {
        **_common("worker", redis_url, keys),
        "CRAWL_REDIS_WORKER_ID": worker,
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "SCHEDULER_QUEUE_CLASS": "crawler.distributed.queue.LeasedPriorityQueue",
        "SCHEDULER_QUEUE_KEY": keys.queue,
        "SCHEDULER_DUPEFILTER_KEY": keys.seen,
        "DUPEFILTER_CLASS": "crawler.distributed.dupefilter.FingerprintDupeFilter",
        "SCHEDULER_PERSIST": True,  # never clear the shared queue when one worker stops
        "DOWNLOADER_MIDDLEWARES": middlewares,
        "SPIDER_MIDDLEWARES": {"crawler.distributed.idle.LeaseRelease": 1000},
        "EXTENSIONS": {**defaults.EXTENSIONS, "crawler.distributed.idle.WorkerIdle": 700},
        "ARCHIVE_WARC_PREFIX": f"newsarchive-{worker}",
        "CRAWL_INCREMENTAL": False,  # the coordinator decided the range (the crawl's params)
        "CRAWL_PROGRESS_INTERVAL_SECS": 0,
    }
