"""The coordinator's scheduler: discovery stays here, the pages to archive go to the workers.

Robots.txt, the home page, feeds, sitemaps, back issues, editions, date archives and
section listings are fetched by the coordinator itself (Scrapy's own scheduler, with its
JOBDIR), because the crawl's phases depend on what they list. Article, page requisite and
document requests (:data:`crawler.fingerprint.ONCE_PER_JOB_ROLES`) pass the shared
seen-set (:class:`crawler.distributed.dupefilter.FingerprintDupeFilter`) and are pushed to
the shared queue (scrapy-redis's priority queue, read by
:class:`crawler.distributed.queue.LeasedPriorityQueue` in the workers). A request handed
over counts as answered for the spider's job state: a worker answers it.
"""
from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.core.scheduler import Scheduler
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.queue import PriorityQueue

from crawler.distributed.dupefilter import FingerprintDupeFilter
from crawler.distributed.keys import CrawlKeys
from crawler.fingerprint import ONCE_PER_JOB_ROLES, fingerprint_of_key
from crawler.signals import request_handed_over


def handed_over(request: Request) -> bool:
    """Whether a worker fetches ``request`` (its role is fetched once a crawl)."""
    return request.meta.get("role") in ONCE_PER_JOB_ROLES


class CoordinatorScheduler(Scheduler):
    """``SCHEDULER`` of the coordinator: Scrapy's scheduler for discovery, the shared
    queue for everything :func:`handed_over`."""

    def open(self, spider: Any) -> Any:
        result = super().open(spider)
        assert self.crawler is not None  # set by from_crawler, as Scrapy makes schedulers
        settings = self.crawler.settings
        server = get_redis_from_settings(settings)
        keys = CrawlKeys.from_settings(settings)
        self.shared_df = FingerprintDupeFilter.from_crawler(self.crawler)
        self.shared_queue = PriorityQueue(server=server, spider=spider, key=keys.queue)
        return result

    def enqueue_request(self, request: Request) -> bool:
        if not handed_over(request):
            return super().enqueue_request(request)
        if request.meta.get("revalidate"):
            # an archived article asked for again on purpose (revisit window, newer lastmod):
            # its fingerprint is in the seen-set (seed_archived); the spider asks once a crawl
            self.shared_df.mark_seen([self.shared_df.request_fingerprint(request)])
        elif not request.dont_filter and self.shared_df.request_seen(request):
            self.shared_df.log(request, self.spider)
            return False
        self.shared_queue.push(request)
        assert self.stats is not None and self.crawler is not None
        self.stats.inc_value("scheduler/enqueued/redis")
        self.crawler.signals.send_catch_log(signal=request_handed_over, request=request, spider=self.spider)
        return True

    def seed_archived(self, keys: set[str]) -> int:
        """Put the fingerprints of the archived articles' URLs (match keys: canonical URLs and
        aliases, the crawl plan's ``known``) in the shared seen-set, so that no worker fetches
        one again (a shortlink or a redirect that leads to one) and an incremental distributed
        crawl stays incremental. How many."""
        fingerprints = [fingerprint_of_key(key).hex() for key in keys]
        self.shared_df.mark_seen(fingerprints)
        return len(fingerprints)
