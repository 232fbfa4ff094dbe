"""The idle policy of a distributed crawl (issue 16, fault 4), and the leases' life.

A scrapy-redis worker whose queue is empty closes at once, but our crawl's phases (date
archives after the back issues, sitemap URLs last) are driven by the spider's idle signal,
so they run in one place, the coordinator:

* :class:`CoordinatorIdle` keeps the coordinator open while the shared queue holds
  requests or any are leased, re-queues the leases of workers whose heartbeat stopped
  (every ``CRAWL_REDIS_HEARTBEAT_SECS``), closes the crawl when requests wait and no
  worker has beaten for ``CRAWL_REDIS_NO_WORKER_SECS`` (they all died), and sets the
  crawl's ``done`` key when the coordinator closes (nothing queued, nothing leased, no
  phase left; or no worker).
* :class:`WorkerIdle` keeps a worker open until ``done`` is set and the queue is empty,
  beats its heartbeat, and wakes the engine when requests arrive while it waits (Scrapy
  polls an idle scheduler only every 5 s). An idle worker has nothing in flight, so it
  releases all its leases.
* :class:`LeaseRelease` (a spider middleware) releases a request's lease once its callback
  has yielded everything, so the requests it found are queued before it.
"""
from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any, cast

import redis
from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.connection import get_redis_from_settings
from twisted.internet import task

from crawler.distributed.keys import CrawlKeys
from crawler.distributed.queue import Leases, worker_id

logger = logging.getLogger(__name__)

#: The coordinator's close reason when every worker stopped with requests still waiting.
NO_WORKERS = "no_workers"
#: A worker's close reason when its coordinator stopped beating (killed, or its Redis gone).
NO_COORDINATOR = "no_coordinator"
#: Stat: how many requests waited then.
NO_WORKERS_STAT = "newsarchive/distributed/no_workers"


class _Base:
    def __init__(self, crawler: Any, who: str) -> None:
        settings = crawler.settings
        if not settings.get("CRAWL_REDIS_CRAWL"):
            raise NotConfigured("not a distributed crawl")
        self.crawler = crawler
        self.keys = CrawlKeys.from_settings(settings)
        self.server = get_redis_from_settings(settings)
        self.leases = Leases(self.server, self.keys, who)
        self.heartbeat = settings.getfloat("CRAWL_REDIS_HEARTBEAT_SECS", 1.0)
        self.lease_secs = settings.getfloat("CRAWL_REDIS_LEASE_SECS", 10.0)
        self._loop: task.LoopingCall | None = None

    def queued(self) -> int:
        return int(self.server.zcard(self.keys.queue))

    def _start(self, tick: Any) -> None:
        self._loop = task.LoopingCall(tick)
        self._loop.start(self.heartbeat, now=True).addErrback(
            lambda failure: logger.error("distributed crawl heartbeat stopped: %s", failure.getErrorMessage()))

    def _stop(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()


class CoordinatorIdle(_Base):
    """Extension of the coordinator (``CRAWL_REDIS_ROLE = "coordinator"``)."""

    #: seconds requests have waited with no worker alive (:meth:`watch_workers`)
    workerless = 0.0
    no_worker_secs = 60.0
    _last_tick = 0.0

    @classmethod
    def from_crawler(cls, crawler: Any) -> CoordinatorIdle:
        if crawler.settings.get("CRAWL_REDIS_ROLE") != "coordinator":
            raise NotConfigured("not the coordinator")
        ext = cls(crawler, "coordinator")
        ext.no_worker_secs = crawler.settings.getfloat("CRAWL_REDIS_NO_WORKER_SECS", 60.0)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def opened(self, spider: Any) -> None:
        from twisted.internet import reactor

        self.server.delete(self.keys.done)
        self._last_tick = time.monotonic()
        self._start(self.reap)
        cast(Any, reactor).callLater(0, self.publish, spider)  # after the crawl session has opened

    def publish(self, spider: Any) -> None:
        """Seed the shared seen-set with the archived articles, then tell the workers the
        crawl's date range (the session may have made it incremental)."""
        from crawler.session import crawl_session

        plan = crawl_session(self.crawler).plan
        seed = getattr(self.crawler.engine.scheduler, "seed_archived", None)
        if seed is not None:
            seeded = seed(set(plan.known))
            self.crawler.stats.set_value("newsarchive/distributed/seeded", seeded)
        since, until = plan.since, plan.until
        self.server.hset(self.keys.params, mapping={
            "since": since.isoformat() if since else "", "until": until.isoformat() if until else "", "ready": "1"})

    def reap(self) -> None:
        self.server.set(self.keys.coordinator, b"1", px=max(1, int(self.lease_secs * 1000)))
        back = self.leases.requeue_expired()
        if back:
            logger.warning("%d leased requests went back to the queue: their worker's heartbeat stopped", back)
            self.crawler.stats.inc_value("newsarchive/distributed/requeued", back)
        self.watch_workers()

    def watch_workers(self) -> None:
        """Close the crawl (reason :data:`NO_WORKERS`) when requests have waited
        ``CRAWL_REDIS_NO_WORKER_SECS`` with no worker's heartbeat in Redis: every worker died,
        and nothing would fetch them. The time counts only between ticks of this loop at most
        two heartbeats apart, so a process (or machine) that was suspended and wakes to expired
        heartbeats gives its workers a beat to come back first."""
        now = time.monotonic()
        step, self._last_tick = now - self._last_tick, now
        waiting = self.queued() + self.leases.count()
        if not waiting or self.leases.workers_alive():
            self.workerless = 0.0
            return
        self.workerless += min(step, 2 * self.heartbeat)
        if self.workerless < self.no_worker_secs or self.crawler.stats.get_value(NO_WORKERS_STAT):
            return
        self.crawler.stats.set_value(NO_WORKERS_STAT, waiting)
        logger.error("no worker of %s has beaten for %.0f s, and %d requests wait: every worker stopped; closing "
                     "the crawl", self.keys.base, self.workerless, waiting)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=NO_WORKERS))

    def idle(self, spider: Any) -> None:
        self.reap()
        if self.queued() or self.leases.count():
            raise DontCloseSpider

    def closed(self, spider: Any, reason: str) -> None:
        self._stop()
        self.server.set(self.keys.done, reason)
        logger.info("distributed crawl %s: done (%s)", self.keys.base, reason)


class WorkerIdle(_Base):
    """Extension of a worker (``CRAWL_REDIS_ROLE = "worker"``)."""

    #: seconds without a sign of the coordinator (:meth:`watch_coordinator`)
    orphaned = 0.0
    no_coordinator_secs = 60.0
    closing = False
    _last_tick = 0.0

    @classmethod
    def from_crawler(cls, crawler: Any) -> WorkerIdle:
        if crawler.settings.get("CRAWL_REDIS_ROLE") != "worker":
            raise NotConfigured("not a worker")
        ext = cls(crawler, worker_id(crawler.settings))
        ext.no_coordinator_secs = crawler.settings.getfloat("CRAWL_REDIS_NO_COORDINATOR_SECS", 60.0)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def opened(self, spider: Any) -> None:
        self._last_tick = time.monotonic()
        self._start(self.tick)

    def tick(self) -> None:
        try:
            self.leases.beat(self.lease_secs)
            here = bool(self.server.exists(self.keys.coordinator) or self.server.exists(self.keys.done))
        except redis.RedisError:
            here = False  # the Redis is gone with it, or unreachable for now
        self.watch_coordinator(here)
        if not here:
            return
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)
        if slot is not None and engine.spider_is_idle() and self.queued():
            slot.nextcall.schedule()  # requests arrived while we waited: take them now

    def watch_coordinator(self, here: bool) -> None:
        """Close this worker (reason :data:`NO_COORDINATOR`) when neither the coordinator's
        heartbeat nor the crawl's "done" has been seen for ``CRAWL_REDIS_NO_COORDINATOR_SECS``
        (the coordinator was killed, or the Redis is gone): nothing would ever say "done". Time
        counts as in :meth:`CoordinatorIdle.watch_workers`."""
        now = time.monotonic()
        step, self._last_tick = now - self._last_tick, now
        if here:
            self.orphaned = 0.0
            return
        self.orphaned += min(step, 2 * self.heartbeat)
        if self.orphaned < self.no_coordinator_secs or self.closing:
            return
        self.closing = True
        logger.error("the coordinator of %s has not beaten for %.0f s: stopping this worker (its leases go back "
                     "to the queue when a coordinator runs again)", self.keys.base, self.orphaned)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=NO_COORDINATOR))

    def idle(self, spider: Any) -> None:
        self.leases.release_all()
        if self.server.exists(self.keys.done) and not self.queued():
            return
        raise DontCloseSpider

    def closed(self, spider: Any, reason: str) -> None:
        self._stop()
        if reason == NO_COORDINATOR:
            return  # its pages in flight were not archived: their leases expire and go back
        self.leases.release_all()
        self.leases.stop_beating()


class LeaseRelease:
    """Spider middleware of a worker: a response's lease is released when its callback's
    output is exhausted (each request it yielded is in the shared queue by then), or, when
    the callback yielded an item (an article), once the item has passed the pipelines (its
    metadata record is in WARC): a worker killed before that gives the page back."""

    def __init__(self, leases: Leases) -> None:
        self.leases = leases
        #: id(item) -> the lease it holds until the pipelines are done with it
        self.items: dict[int, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> LeaseRelease:
        settings = crawler.settings
        if settings.get("CRAWL_REDIS_ROLE") != "worker":
            raise NotConfigured("not a worker")
        mw = cls(Leases(get_redis_from_settings(settings), CrawlKeys.from_settings(settings), worker_id(settings)))
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(mw.item_done, signal=signal)
        return mw

    def process_spider_output(self, response: Any, result: Iterable[Any]) -> Iterable[Any]:
        lease, held = self._lease(response), False
        for output in result:
            held = self._hold(output, lease) or held
            yield output
        if not held:
            self.leases.release(lease)

    async def process_spider_output_async(self, response: Any, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        lease, held = self._lease(response), False
        async for output in result:
            held = self._hold(output, lease) or held
            yield output
        if not held:
            self.leases.release(lease)

    def item_done(self, item: Any, **kwargs: Any) -> None:
        self.leases.release(self.items.pop(id(item), None))

    def _hold(self, output: Any, lease: str | None) -> bool:
        if lease is None or isinstance(output, Request):
            return False
        self.items[id(output)] = lease
        return True

    @staticmethod
    def _lease(response: Any) -> str | None:
        request = getattr(response, "request", None)
        return request.meta.get("lease") if request is not None else None
