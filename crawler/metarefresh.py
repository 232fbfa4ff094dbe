"""A meta-refresh stub followed as a redirect, to the same site and after a short delay only.

Shortlink services and old CMS redirects answer 200 with a page whose only content is
``<meta http-equiv="refresh" content="0; URL=…">`` (HTML Living Standard, "refresh" pragma).
Scrapy's own MetaRefreshMiddleware follows any such page to any host; this one follows it only
when the target is on the site of the page (:func:`archive.urls.same_site`), is not the page
itself, and comes after at most ``CRAWL_META_REFRESH_MAX_DELAY_SECS`` seconds (5 by default; a
page that reloads itself every few minutes is no redirect). The refresh is read by
``w3lib.html.get_meta_refresh`` (``<noscript>`` ignored, as ``METAREFRESH_IGNORE_TAGS``).

The stub is archived as it came (the WARC capture middleware sits closer to the downloader),
the target is requested as the stub's redirect (``redirect_urls``), and an article's stub is
recorded as an alias of the article, as an HTTP redirect's source is.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response
from w3lib.html import get_meta_refresh

from archive.urls import match_key, same_site
from crawler.session import crawl_session

logger = logging.getLogger(__name__)
#: The refresh pragma, matched on the body in ASCII lower case (HTML attribute names and the
#: ``refresh`` keyword are ASCII case-insensitive).
_REFRESH_RE = re.compile(rb"""http-equiv\s*=\s*["']?\s*refresh""")

#: Roles whose stub is followed: pages read for their links or kept as articles.
FOLLOWED_ROLES = frozenset({"article", "home", "back-issues", "edition", "date-archive", "section"})


def has_refresh_pragma(body: bytes) -> bool:
    """Whether ``body`` has an ``http-equiv="refresh"`` attribute anywhere (ASCII case-insensitive).

    The cheap test run on every page before it is decoded: ``bytes.lower`` and ``find`` scan a
    2 MB page in about 0.5 ms, where one case-insensitive regular expression took about 2 ms.
    """
    low = body.lower()
    at = low.find(b"http-equiv")
    while at >= 0:
        if _REFRESH_RE.match(low, at):
            return True
        at = low.find(b"http-equiv", at + 10)
    return False


class SameSiteMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Follow a 200 page's meta refresh as a redirect: same site, short delay, not to itself.

    Settings: ``CRAWL_META_REFRESH_MAX_DELAY_SECS`` (float; a negative value turns it off),
    and Scrapy's ``REDIRECT_MAX_TIMES``, ``REDIRECT_PRIORITY_ADJUST``, ``METAREFRESH_IGNORE_TAGS``.
    Scrapy's own ``METAREFRESH_ENABLED`` stays False (it would follow off-site refreshes too).
    """

    enabled_setting = "REDIRECT_ENABLED"

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.max_delay = settings.getfloat("CRAWL_META_REFRESH_MAX_DELAY_SECS", 5.0)
        if self.max_delay < 0:
            raise NotConfigured

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        if (response.status != 200 or request.meta.get("dont_redirect") or request.method == "HEAD"
                or not isinstance(response, HtmlResponse) or request.meta.get("role") not in FOLLOWED_ROLES):
            return response
        if not has_refresh_pragma(response.body):
            return response  # most pages: no refresh pragma at all, no need to decode them
        interval, url = get_meta_refresh(response.text, response.url, response.encoding, ignore_tags=self._ignore_tags)
        if not url or interval is None:
            return response
        if interval > self.max_delay:
            self.count("meta refresh with a long delay, not followed")
            return response
        if not same_site(url, response.url) or url.split("://", 1)[0] not in ("http", "https"):
            self.count("meta refresh to another site, not followed")
            return response
        if match_key(url) == match_key(response.url):
            return response  # a page that reloads itself
        redirected = self._redirect_request_using_get(request, response, url)
        if request.meta.get("role") == "article":
            crawl_session(self.crawler).buffer.add_redirect(request.url, url)
        logger.debug("%s: meta refresh (%s s) to %s, followed as a redirect", response.url, interval, url)
        self.count("meta refreshes followed", skipped=False)
        return self._redirect(redirected, request, "meta refresh")

    def count(self, what: str, skipped: bool = True) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"newsarchive/skipped/{what}" if skipped else f"newsarchive/{what}")
