"""The Redis keys of a distributed crawl, named per site and crawl.

scrapy-redis names its keys after the spider (``backissues:requests``), so two sites
crawled at once would share one queue. Here every key of a crawl starts with
``newsarchive:<site>:<crawl>:``; the per-host delay slots are shared by every crawl
(``newsarchive:host:<host>``), since politeness is owed to the host, not to a crawl.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

PREFIX = "newsarchive"


@dataclass(frozen=True)
class CrawlKeys:
    """The keys of one crawl of ``site`` (a profile name) called ``crawl`` (a token)."""

    site: str
    crawl: str

    @property
    def base(self) -> str:
        return f"{PREFIX}:{self.site}:{self.crawl}"

    @property
    def queue(self) -> str:
        """Sorted set: scrapy-redis's priority queue of serialised requests."""
        return self.base + ":queue"

    @property
    def seen(self) -> str:
        """Set: hex request fingerprints (:class:`crawler.fingerprint.CanonicalRequestFingerprinter`)."""
        return self.base + ":seen"

    @property
    def leases(self) -> str:
        """Hash: lease id -> ``"<worker> <score> <request>"``, the requests being fetched."""
        return self.base + ":leases"

    @property
    def coordinator(self) -> str:
        """String with a TTL: the coordinator's heartbeat (gone, and no ``done``: workers stop)."""
        return self.base + ":coordinator"

    @property
    def payloads(self) -> str:
        """Hash: payload digest -> ``"<uri> <date> <record id>"`` of the response record holding it."""
        return self.base + ":payloads"

    @property
    def robots(self) -> str:
        """Hash: host:port -> the body of its robots.txt, as first fetched in this crawl."""
        return self.base + ":robots"

    @property
    def requeued(self) -> str:
        """Hash: lease id -> the request put back in the queue when its worker's heartbeat
        expired; the worker, if it was only suspended, takes it out again when done."""
        return self.base + ":requeued"

    @property
    def lease_counter(self) -> str:
        return self.base + ":lease-id"

    @property
    def done(self) -> str:
        """String: set by the coordinator when discovery is over and nothing is queued or leased."""
        return self.base + ":done"

    @property
    def params(self) -> str:
        """Hash: what workers must know of the crawl (site, base URL, since, until)."""
        return self.base + ":params"

    def worker(self, worker_id: str) -> str:
        """String with a TTL: the worker's heartbeat (gone: its leases are re-queued)."""
        return self.worker_prefix + worker_id

    @property
    def worker_prefix(self) -> str:
        return self.base + ":worker:"

    @classmethod
    def from_settings(cls, settings: Any) -> CrawlKeys:
        """From ``CRAWL_REDIS_SITE`` and ``CRAWL_REDIS_CRAWL``.

        Raises:
            ValueError: either is not set.
        """
        site, crawl = settings.get("CRAWL_REDIS_SITE"), settings.get("CRAWL_REDIS_CRAWL")
        if not site or not crawl:
            raise ValueError("CRAWL_REDIS_SITE and CRAWL_REDIS_CRAWL name the distributed crawl")
        return cls(str(site), str(crawl))


def current_key(site: str) -> str:
    """String: the crawl token of ``site``'s crawl in progress (workers join it)."""
    return f"{PREFIX}:{site}:current"


def host_key(host: str) -> str:
    """String: the time (ms, Redis clock) before which ``host`` gets no request."""
    return f"{PREFIX}:host:{host}"


def new_crawl_token() -> str:
    """A crawl token: the UTC start time to the second, ``20261203T140501``."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")


def clear_site(server: Any, site: str) -> int:
    """Delete every key of every crawl of ``site`` (``--fresh``): how many were deleted."""
    keys = list(server.scan_iter(match=f"{PREFIX}:{site}:*", count=1000))
    for start in range(0, len(keys), 500):
        server.delete(*keys[start:start + 500])
    return len(keys)
