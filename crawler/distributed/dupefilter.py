"""The shared seen-set of a distributed crawl, over our request fingerprinter.

scrapy-redis's ``RFPDupeFilter`` hashes the URL itself (w3lib's canonical form), so it
ignores ``REQUEST_FINGERPRINTER_CLASS``: every ``utm_`` spelling of an article was fetched
once more (issue 16, fault 1). This one stores the crawler's own fingerprints
(:class:`crawler.fingerprint.CanonicalRequestFingerprinter`: method + match key), as hex,
in the crawl's ``seen`` set (:class:`crawler.distributed.keys.CrawlKeys`). It never
deletes the set on close: other workers still use it; ``--fresh`` clears it.
"""
from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter

from crawler.distributed.keys import CrawlKeys


class FingerprintDupeFilter(RFPDupeFilter):  # type: ignore[misc]
    """scrapy-redis duplicate filter whose fingerprint is ``crawler.request_fingerprinter``'s.

    ``DUPEFILTER_CLASS`` for :class:`scrapy_redis.scheduler.Scheduler`; also used directly
    by :class:`crawler.distributed.scheduler.CoordinatorScheduler`.
    """

    def __init__(self, server: Any, key: str, fingerprinter: Any, debug: bool = False) -> None:
        super().__init__(server, key, debug=debug)
        self.fingerprinter = fingerprinter

    @classmethod
    def from_crawler(cls, crawler: Any) -> FingerprintDupeFilter:
        settings = crawler.settings
        return cls(get_redis_from_settings(settings), CrawlKeys.from_settings(settings).seen,
                   crawler.request_fingerprinter, debug=settings.getbool("DUPEFILTER_DEBUG"))

    @classmethod
    def from_spider(cls, spider: Any) -> FingerprintDupeFilter:
        return cls.from_crawler(spider.crawler)

    def request_fingerprint(self, request: Request) -> str:
        """Hex of the crawler's fingerprint of ``request`` (40 characters for SHA-1)."""
        return self.fingerprinter.fingerprint(request).hex()

    def mark_seen(self, fingerprints: list[str]) -> None:
        """Add hex fingerprints to the seen-set (the coordinator seeds what is archived)."""
        for start in range(0, len(fingerprints), 1000):
            self.server.sadd(self.key, *fingerprints[start:start + 1000])

    def close(self, reason: str = "") -> None:
        """Keep the set: the crawl's other processes still read it."""
