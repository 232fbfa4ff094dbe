"""Fail fast on a site that cannot be reached: robots.txt and the home page both fail to connect.

A crawl starts with robots.txt (Scrapy's RobotsTxtMiddleware fetches it before anything
else of the host) and the home page. When robots.txt fails to *connect* (refused, no such
host, a TLS handshake that fails, a connect timeout; after the usual retries), every other
request of the site waits here until the home page has its answer: if the home page fails
to connect too, the site is taken as unreachable and the crawl stops at once (reason
``site_unreachable``), before any other seed (back issues, feeds, date archives) is asked
for. An HTTP answer of any status, a 404 or a 503, means the site is there.

:func:`connect_failure` names the cause in a person's words, never OpenSSL's text.
"""
from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.exceptions import (CannotResolveHostError, DownloadConnectionRefusedError, DownloadFailedError,
                               DownloadTimeoutError, IgnoreRequest)
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectError, ConnectionLost, TimeoutError as TxTimeoutError

logger = logging.getLogger(__name__)

#: The reason a crawl closes with when its site cannot be reached.
UNREACHABLE = "site_unreachable"
#: Retries of robots.txt and the home page before the site has answered anything.
FIRST_CONTACT_RETRY_TIMES = 1


def connect_failure(exc: BaseException) -> str | None:
    """Why a download failed to connect, in a few words, or None when it connected.

    Returns:
        ``"connection refused"``, ``"host name not found"``, ``"timed out"``, ``"TLS
        handshake failed (is it an http:// site?)"``, ``"connection lost"`` or
        ``"cannot connect"``; None for anything else (an HTTP answer, IgnoreRequest ...).
    """
    text = f"{exc} {exc.__cause__ or ''}"
    if isinstance(exc, IgnoreRequest):
        return None
    if isinstance(exc, DownloadConnectionRefusedError) or "refused" in text.lower():
        return "connection refused"
    if isinstance(exc, CannotResolveHostError):
        return "host name not found"
    if isinstance(exc, (DownloadTimeoutError, TxTimeoutError)) or "timed out" in text.lower():
        return "timed out"
    if "SSL" in text or "TLS" in text or "certificate" in text.lower():
        return "TLS handshake failed (is it an http:// site?)"
    if isinstance(exc, ConnectionLost) or "connection was closed" in text.lower() or "ConnectionLost" in text \
            or "ConnectionDone" in text:
        return "the connection was closed without an answer"
    if isinstance(exc, (ConnectError, DownloadFailedError)):
        return "cannot connect"
    return None


class SiteReachabilityMiddleware:
    """Downloader middleware (after RobotsTxtMiddleware, before the retries): stops a crawl
    whose site answers neither robots.txt nor the home page.

    The verdict, one line naming the URL and the cause, is kept as ``crawler.unreachable``
    (None while the site is reachable) for the command line and the summary.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        crawler.unreachable = None
        self.base_url = ""
        self.host = ""
        self.robots_failed: str | None = None
        self.home_failed: str | None = None
        self.answered = False
        #: fires when the home page has its answer, while robots.txt failed to connect
        self.waiting: Deferred[None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> SiteReachabilityMiddleware:
        mw = cls(crawler)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        return mw

    def spider_opened(self, spider: Any) -> None:
        profile = getattr(spider, "profile", None)
        self.base_url = profile.base_url if profile is not None else ""
        self.host = urlsplit(self.base_url).netloc.lower()

    def is_home(self, request: Request) -> bool:
        return request.meta.get("role") == "home" and request.url.rstrip("/") == self.base_url

    def is_robots(self, request: Request) -> bool:
        parts = urlsplit(request.url)
        return parts.path == "/robots.txt" and parts.netloc.lower() == self.host

    async def process_request(self, request: Request) -> None:
        first_contact = self.is_home(request) or self.is_robots(request)
        if first_contact and not self.answered:
            # one retry, not RETRY_TIMES: a site that refused twice is not there
            request.meta.setdefault("max_retry_times", FIRST_CONTACT_RETRY_TIMES)
        elif self.waiting is not None:
            await maybe_deferred_to_future(self.waiting)
        if self.crawler.unreachable is not None:
            raise IgnoreRequest(f"site unreachable: {self.crawler.unreachable}")

    def process_response(self, request: Request, response: Response) -> Response:
        # a page read back from WARC after a kill ("recovered") is no answer of the site
        if urlsplit(request.url).netloc.lower() == self.host and "recovered" not in response.flags:
            self.answered = True
            self._release()
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        if self.answered or not self.host:
            return None
        cause = connect_failure(exception)
        if cause is None:
            return None
        if self.is_robots(request):
            self.robots_failed = cause
            if self.home_failed is None and self.waiting is None:
                self.waiting = Deferred()  # hold every other request until the home page answers
        elif self.is_home(request):
            self.home_failed = cause
        if self.robots_failed and self.home_failed:
            self.give_up()
        return None

    def give_up(self) -> None:
        """Both failed: keep the verdict, let every held request go (they are ignored), stop."""
        if self.crawler.unreachable is not None:
            return
        if self.robots_failed == self.home_failed:
            self.crawler.unreachable = f"{self.base_url}/ and its robots.txt: {self.home_failed}"
        else:
            self.crawler.unreachable = (f"{self.base_url}/: {self.home_failed}; "
                                        f"{self.base_url}/robots.txt: {self.robots_failed}")
        logger.info("%s", self.crawler.unreachable)  # the command line says it, once
        self._release()
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(self.crawler.engine.close_spider_async(reason=UNREACHABLE))

    def _release(self) -> None:
        waiting, self.waiting = self.waiting, None
        if waiting is not None and not waiting.called:
            waiting.callback(None)
