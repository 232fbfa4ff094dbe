"""Politeness Scrapy leaves out: robots.txt ``Crawl-delay``, and a redirect back to itself.

* :class:`CrawlDelay` (an extension): the pace per host is the larger of ``DOWNLOAD_DELAY``
  (or AutoThrottle's delay) and the host's robots.txt ``Crawl-delay`` for our User-Agent
  (RFC 9309 leaves the field out; it is the common extension Protego reads). Scrapy parses
  it and never applies it (scrapy#892). The delay is kept exact (no ±50 % jitter) and
  AutoThrottle never lowers a slot below it.
* :class:`SelfRedirectMiddleware`: a consent or cookie bounce answers 302 to the very URL
  asked for and sets a cookie; Scrapy's duplicate filter drops the follow-up (scrapy#1225)
  and the page is never fetched. It is followed once, with the cookie; the WARC keeps both
  the 302 and the answer.
"""
from __future__ import annotations

import logging
from http.cookies import CookieError, SimpleCookie
from typing import Any

from scrapy import Request, signals
from scrapy.http import Response
from w3lib.url import safe_url_string

from archive.urls import canonical_url

logger = logging.getLogger(__name__)


class CrawlDelay:
    """Apply each host's robots.txt ``Crawl-delay`` to its download slot."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        #: download slot key (the host) -> seconds between requests, at least
        self.delays: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlDelay:
        ext = cls(crawler)
        crawler.signals.connect(ext.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(ext.reached_downloader, signal=signals.request_reached_downloader)
        # connected after AutoThrottle's handler (a later EXTENSIONS order): undo any lowering
        crawler.signals.connect(ext.reached_downloader, signal=signals.response_downloaded)
        return ext

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        user_agent = request.headers.get(b"User-Agent") or self.crawler.settings.get("USER_AGENT") or ""
        agent = self.crawler.settings.get("ROBOTSTXT_USER_AGENT") or user_agent
        try:
            delay = robotparser.crawl_delay(agent)
        except (AttributeError, TypeError, ValueError):
            return
        if delay and delay > 0:
            downloader = self.crawler.engine.downloader
            key = downloader.get_slot_key(request)
            self.delays[key] = min(float(delay), self.crawler.settings.getfloat("CRAWL_MAX_CRAWL_DELAY_SECS", 60.0))
            logger.info("%s: robots.txt Crawl-delay %.1f s", key, self.delays[key])

    def reached_downloader(self, request: Request, **kwargs: Any) -> None:
        if not self.delays:
            return
        downloader = self.crawler.engine.downloader
        key = request.meta.get(downloader.DOWNLOAD_SLOT) or downloader.get_slot_key(request)
        delay = self.delays.get(key)
        slot = downloader.slots.get(key)
        if delay and slot is not None:
            slot.delay = max(slot.delay, delay)
            slot.jitter = 0.0


def _cookies(response: Response) -> str:
    """``name=value; …`` of the response's ``Set-Cookie`` fields (RFC 6265 section 4.1)."""
    pairs: list[str] = []
    for raw in response.headers.getlist(b"Set-Cookie"):
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(raw.decode("latin-1"))
        except CookieError:
            continue
        pairs.extend(f"{name}={morsel.value}" for name, morsel in jar.items())
    return "; ".join(pairs)


class SelfRedirectMiddleware:
    """Follow a 3xx whose ``Location`` is the URL asked for, once, with its cookies.

    Its ``process_response`` runs before RedirectMiddleware's (priority 610 > 600)."""

    def process_response(self, request: Request, response: Response) -> Request | Response:
        location = response.headers.get(b"Location")
        if not (300 <= response.status < 400) or not location or request.meta.get("self_redirected"):
            return response
        try:
            target = safe_url_string(response.urljoin(location.decode("latin-1")))
            same = canonical_url(target) == canonical_url(request.url)
        except ValueError:
            return response
        if not same:
            return response
        follow = request.replace(dont_filter=True)
        follow.meta["self_redirected"] = True
        cookie = _cookies(response)
        if cookie:
            follow.headers[b"Cookie"] = cookie.encode("latin-1")
        logger.info("%s redirects to itself; asking again once%s", request.url, " with its cookie" if cookie else "")
        return follow
