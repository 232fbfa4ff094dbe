"""HTTP redirects whose target is the same page by our duplicate rule (``/story`` -> ``/story/``).

The request fingerprint is the URL's :func:`archive.urls.match_key` (case B09: one article is
fetched once, whatever the spelling of its link), so ``/story`` and ``/story/`` share one. A
link written without the trailing slash is answered with a 301 to the slashed URL (WordPress
does this), and Scrapy's ``RedirectMiddleware`` hands the target on with the source's
``dont_filter``: the duplicate filter, which has just seen that fingerprint on the source,
drops the target, and the article is never fetched. Which spelling of a link is met first
depends on the order listings come back in, so the loss came and went (one distributed CI
run in several).

:class:`SameKeyRedirectMiddleware` is Scrapy's ``RedirectMiddleware`` (RFC 9110 section 15.4)
whose redirected request passes the duplicate filter when its target has the source's match
key: it is the same fetch going on, not a second one. A redirect to another page is filtered
as before (a shortlink to an article met already is still dropped). Loops stay bounded by
``REDIRECT_MAX_TIMES``.
"""
from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.http import Response

from archive.urls import match_key


def continues_fetch(source: Request, redirected: Request) -> bool:
    """Whether ``redirected`` (the request a 3xx to ``source`` led to) names the same page by
    the duplicate rule: same method and :func:`~archive.urls.match_key`."""
    return redirected.method == source.method and match_key(redirected.url) == match_key(source.url)


class SameKeyRedirectMiddleware(RedirectMiddleware):
    """``RedirectMiddleware`` (at its priority, 600) that lets a redirect to the same page by
    match key past the duplicate filter (``dont_filter``)."""

    # Scrapy 2.13+ calls process_response(request, response); the parent's signature still
    # takes the deprecated spider argument, which a method without it is not asked for.
    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        result = super().process_response(request, response)
        if isinstance(result, Request) and not result.dont_filter and continues_fetch(request, result):
            result.dont_filter = True
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("newsarchive/redirects to the same page")
        return result
