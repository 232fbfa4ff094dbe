"""Request fingerprints keyed on the canonical URL, so one article is fetched once (case B09)."""
from __future__ import annotations

import hashlib
from weakref import WeakKeyDictionary

from scrapy import Request

from archive.urls import match_key


class CanonicalRequestFingerprinter:
    """Scrapy request fingerprinter: method + :func:`archive.urls.match_key` of the URL.

    ``/story``, ``/story/``, ``/story/?utm_source=rss``, ``/story/#comments`` and
    ``HTTPS://Host:443/story`` get one fingerprint, so the duplicate filter drops all but
    the first. Requests with ``meta["fingerprint_exact"]`` use the exact URL (robots.txt).
    """

    def __init__(self) -> None:
        self._cache: WeakKeyDictionary[Request, bytes] = WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler: object) -> CanonicalRequestFingerprinter:
        return cls()

    def fingerprint(self, request: Request) -> bytes:
        if request not in self._cache:
            key = request.url if request.meta.get("fingerprint_exact") else match_key(request.url)
            self._cache[request] = hashlib.sha1(f"{request.method} {key}".encode()).digest()
        return self._cache[request]
