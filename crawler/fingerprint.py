"""Request fingerprints keyed on the canonical URL, so one article is fetched once (case B09),
and discovery pages that a resumed crawl reads again (scrapy#4479)."""
from __future__ import annotations

import hashlib
import os
from weakref import WeakKeyDictionary

from scrapy import Request

from archive.urls import match_key

#: Roles whose fingerprint holds across a resumed crawl (JOBDIR ``requests.seen``): what is
#: fetched once a crawl, and once across its stops and resumes. Every other role (robots.txt,
#: home page, feeds, sitemaps, back issues, editions, date archives, sections) is discovery.
ONCE_PER_JOB_ROLES = frozenset({"article", "requisite", "document"})


def is_discovery(request: Request) -> bool:
    """Whether ``request`` reads a page for its links (its ``meta["role"]`` is not an article,
    a page requisite or a document): a resumed crawl must read it again."""
    role = request.meta.get("role")
    return role is not None and role not in ONCE_PER_JOB_ROLES


class CanonicalRequestFingerprinter:
    """Scrapy request fingerprinter: method + :func:`archive.urls.match_key` of the URL.

    ``/story``, ``/story/``, ``/story/?utm_source=rss``, ``/story/#comments`` and
    ``HTTPS://Host:443/story`` get one fingerprint, so the duplicate filter drops all but
    the first. Requests with ``meta["fingerprint_exact"]`` use the exact URL (robots.txt).

    A discovery request (:func:`is_discovery`) also carries a token drawn when the crawl
    process starts: inside one run its spellings are still fetched once, but a crawl resumed
    from its JOBDIR does not find it in the saved ``requests.seen`` and reads the page again
    (conditionally, see :class:`crawler.middlewares.WarcCaptureMiddleware`). Without it the
    resumed crawl drops its robots.txt sitemaps, feeds and listings as duplicates and never
    learns of the articles they name (scrapy#4479).
    """

    def __init__(self) -> None:
        self._cache: WeakKeyDictionary[Request, bytes] = WeakKeyDictionary()
        self.run_token = os.urandom(8).hex()

    @classmethod
    def from_crawler(cls, crawler: object) -> CanonicalRequestFingerprinter:
        return cls()

    def fingerprint(self, request: Request) -> bytes:
        if request not in self._cache:
            key = request.url if request.meta.get("fingerprint_exact") else match_key(request.url)
            run = f" run={self.run_token}" if is_discovery(request) else ""
            self._cache[request] = hashlib.sha1(f"{request.method} {key}{run}".encode()).digest()
        return self._cache[request]


def fingerprint_of_key(key: str, method: str = "GET") -> bytes:
    """What :class:`CanonicalRequestFingerprinter` gives a request for an article, page
    requisite or document (no run token) whose URL's :func:`archive.urls.match_key` is ``key``."""
    return hashlib.sha1(f"{method} {key}".encode()).digest()
