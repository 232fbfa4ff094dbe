"""Page requisites in a crawl: scoped, fetched once a crawl, behind the articles.

What a page needs is found by :mod:`archive.requisites` (listings in the spider, from the
tree it parses anyway; article pages in the extraction workers, from theirs; stylesheets
when they arrive). This module decides what of it is fetched:

* **Scope**, ``CRAWL_PAGE_REQUISITES``: ``same-site`` (default) is the site's registrable
  domain (Public Suffix List, through tldextract's bundled snapshot: no network) and its
  subdomains, so ``www.``, ``cdn.`` and ``static.`` hosts are in; ``all`` is any host (for
  sites whose images sit on a third-party CDN); ``none`` fetches none. Requisites are
  outside the date range, but inside robots.txt (Scrapy's RobotsTxtMiddleware, per host),
  politeness (the same download slots and delays) and ``DOWNLOAD_MAXSIZE``; audio and video
  larger than ``CRAWL_REQUISITE_MAX_BYTES`` are skipped, logged and counted.
* **Once a crawl**: a requisite many pages share (the theme's stylesheet) is requested
  once; an incremental crawl's request is conditional (the capture middleware adds the
  validators it has, and a 304 is a server-not-modified revisit record).
* **Last in the queue**: requisites have a lower priority than article pages; they only go
  first while every extraction worker is busy, so that no article waits for one
  (:mod:`crawler.scheduler`).
* **Dead folders are given up**: once ``CRAWL_REQUISITE_DEAD_FOLDER_404S`` requisites in a
  folder three or more levels deep (or below it) have answered 404 or 410 and none has
  answered 200 or 304, the folder's other requisites are not requested this crawl
  (counted; 0 turns this off). A folder nearer the root needs more such answers (twice as
  many a level up), so one broken plugin never costs ``/wp-content/``. A page copied from
  elsewhere, or a theme that is gone, otherwise costs a polite crawl one delay per missing
  file. Requisites found on listing pages (the site's own theme) queue before those of
  articles, so the folders that work answer first.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from archive.urls import canonical_url, without_tracking

#: ``CRAWL_PAGE_REQUISITES`` values.
SCOPES = ("same-site", "all", "none")
#: Kinds whose size is capped by ``CRAWL_REQUISITE_MAX_BYTES`` (audio and video).
CAPPED_KINDS = frozenset({"media"})


@functools.lru_cache(maxsize=1)
def _extractor() -> Any:
    import tldextract

    # The snapshot bundled with tldextract; never a download (tests and CI are offline).
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@functools.lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """The registrable domain of ``host`` (``cdn.example.co.uk`` -> ``example.co.uk``).

    A host with no public suffix (an IP address, ``localhost``) is its own domain. An IDN
    host is compared in punycode, so ``cdn.bücher.de`` and ``xn--bcher-kva.de`` are one site.
    """
    if not isinstance(host, str):
        return ""
    host = host.lower().rstrip(".")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:  # an empty or over-long label: compared as spelled
            pass
    parts = _extractor()(host)
    if parts.domain and parts.suffix:
        return f"{parts.domain}.{parts.suffix}"
    return host


class RequisitePlan:
    """Which requisites a crawl fetches, and which it has already asked for.

    Args:
        scope: one of :data:`SCOPES`.
        site_url: the site's base URL (its host decides ``same-site``).
        max_media_bytes: the size cap of audio and video (0: only ``DOWNLOAD_MAXSIZE``).

    Raises:
        ValueError: ``scope`` is not one of :data:`SCOPES`.
    """

    def __init__(self, scope: str, site_url: str, max_media_bytes: int = 0, dead_folder_404s: int = 0) -> None:
        scope = str(scope or "same-site").strip().lower()
        if scope not in SCOPES:
            raise ValueError(f"CRAWL_PAGE_REQUISITES must be one of {', '.join(SCOPES)}, not {scope!r}")
        self.scope = scope
        try:
            site_host = urlsplit(site_url).hostname or ""
        except (ValueError, TypeError, AttributeError):  # not a URL: no host is same-site
            site_host = ""
        self.site_domain = registrable_domain(site_host)
        self.max_media_bytes = _count(max_media_bytes)
        self.dead_folder_404s = _count(dead_folder_404s)
        self._asked: set[str] = set()
        #: Spellings seen by :meth:`new`, before canonicalising (a shortcut: same answer).
        self._decided: set[str] = set()
        #: requisites not asked for because their folder was dead already (:meth:`dead_folder`)
        self.given_up = 0
        #: (host, folder path) -> [requisites that answered 404/410, that answered 200/304]
        self._folders: dict[tuple[str, str], list[int]] = {}

    @property
    def enabled(self) -> bool:
        return self.scope != "none"

    def in_scope(self, url: str) -> bool:
        """Whether ``url`` is a requisite this crawl may fetch (robots.txt decides later)."""
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
        except ValueError:
            return False
        if self.scope == "none" or parts.scheme not in ("http", "https") or not host:
            return False
        return self.scope == "all" or registrable_domain(host) == self.site_domain

    def new(self, pairs: Iterable[tuple[str, str] | list[str]]) -> Iterator[tuple[str, str]]:
        """The ``(url, kind)`` pairs in scope and not asked for yet this crawl (now marked asked).

        The URL comes back without tracking parameters (:func:`archive.urls.without_tracking`).
        """
        for pair in pairs:
            try:
                url, kind = (str(part) for part in pair)
            except (TypeError, ValueError):  # not a (url, kind) pair
                continue
            if url in self._decided:  # this very spelling was judged already (most are)
                continue
            self._decided.add(url)
            if not self.in_scope(url):
                continue
            url = without_tracking(url)
            try:
                key = canonical_url(url)
            except ValueError:
                continue
            if key in self._asked:
                continue
            self._asked.add(key)
            if self.dead_folder(url):
                self.given_up += 1  # known dead already: no request is made at all
                continue
            yield url, kind

    def mark_asked(self, urls: Iterable[str]) -> None:
        """Count ``urls`` as asked for already (what the crawl fetched before a crash)."""
        for url in urls:
            try:
                self._asked.add(canonical_url(without_tracking(url)))
            except ValueError:
                continue

    def request_meta(self, kind: str, referer: str | None) -> dict[str, Any]:
        """The request meta of one requisite: its kind, the page that needs it, its size cap."""
        meta: dict[str, Any] = {"requisite_kind": kind, "allow_offsite": True}
        if referer:
            meta["referer_page"] = referer
        if kind in CAPPED_KINDS and self.max_media_bytes:
            meta["download_maxsize"] = self.max_media_bytes
        return meta

    def answered(self, url: str, status: int) -> None:
        """Note a requisite's answer, for :meth:`dead_folder`."""
        slot = 0 if status in (404, 410) else 1 if status in (200, 304) else None
        if slot is None or not self.dead_folder_404s:
            return
        for folder in _folders(url):
            self._folders.setdefault(folder, [0, 0])[slot] += 1

    def dead_folder(self, url: str) -> str | None:
        """The folder above ``url`` that only answered 404 so far, or None (see the module)."""
        if not self.dead_folder_404s:
            return None
        for depth, (host, folder) in enumerate(_folders(url), 1):
            counts = self._folders.get((host, folder))
            needed = self.dead_folder_404s * 2 ** max(0, 3 - depth)
            if counts and counts[1] == 0 and counts[0] >= needed:
                return f"{host}{folder}"
        return None

    @property
    def asked(self) -> int:
        """How many requisites this crawl has asked for."""
        return len(self._asked)


def _count(value: Any) -> int:
    """A setting's non-negative count; 0 for junk."""
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


#: Folders deeper than this are counted with their ancestor at this depth: a URL's folders
#: cost O(depth²) characters, and a hostile ``/a/a/a/…`` path is thousands deep.
MAX_FOLDER_DEPTH = 32


def _folders(url: str) -> list[tuple[str, str]]:
    """``(host, folder)`` of every folder above ``url`` but the root, outermost first (at
    most :data:`MAX_FOLDER_DEPTH`)."""
    if not isinstance(url, str):
        return []
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    segments = parts.path.split("/", MAX_FOLDER_DEPTH + 1)[1:-1]
    host = parts.netloc.lower()
    return [(host, "/" + "/".join(segments[:i]) + "/") for i in range(1, len(segments) + 1)]


class RequisiteMiddleware:
    """Downloader middleware: notes each requisite's answer, and drops a requisite whose
    folder is dead (:meth:`RequisitePlan.dead_folder`) before robots.txt or the network
    sees it. It sits before RobotsTxtMiddleware (priority 95)."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> RequisiteMiddleware:
        return cls(crawler)

    def _plan(self) -> RequisitePlan | None:
        return getattr(self.crawler.spider, "requisite_plan", None)

    def process_request(self, request: Any) -> None:
        plan = self._plan()
        if plan is None or request.meta.get("role") != "requisite":
            return
        folder = plan.dead_folder(request.url)
        if folder:
            from crawler.errors import DeadRequisiteFolder

            raise DeadRequisiteFolder(f"requisite folder {folder} answered only 404")

    def process_response(self, request: Any, response: Any) -> Any:
        plan = self._plan()
        if plan is not None and request.meta.get("role") == "requisite":
            plan.answered(request.url, response.status)
        return response
