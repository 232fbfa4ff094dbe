"""Why a request got no response: the skip reason a failure is counted under, and whether
it is worth a warning (:meth:`crawler.spiders.scope.ScopedSpider.on_error`)."""
from __future__ import annotations

from scrapy.exceptions import IgnoreRequest

from crawler.errors import NotFetched


def failure_reason(exc: BaseException, requisite_kind: str | None = None) -> tuple[str, bool] | None:
    """The reason a request failed with ``exc``, and whether to log a warning for it.

    Our middlewares' refusals (:class:`~crawler.errors.NotFetched`) are sorted by their
    class, Scrapy's robots.txt and size refusals by their message, anything else by its
    exception's name.

    Args:
        exc: the failure's exception.
        requisite_kind: the request's ``meta["requisite_kind"]`` (``media``: an audio or
            video requisite, whose size limit is ``CRAWL_REQUISITE_MAX_BYTES``).

    Returns:
        ``(reason, warn)``, or None when it was counted where it was raised (a Retry-After
        kept for the next crawl).
    """
    text = str(exc)
    if isinstance(exc, NotFetched):  # ours: the class says why
        return None if exc.reason is None else (exc.reason, False)
    if isinstance(exc, IgnoreRequest) and "robots.txt" in text:  # Scrapy's RobotsTxtMiddleware
        return "forbidden by robots.txt", False
    lowered = text.lower()
    if "maxsize" in lowered or "max size" in lowered or "larger than download" in lowered:
        if requisite_kind == "media":
            return "audio or video requisite larger than CRAWL_REQUISITE_MAX_BYTES", True
        return "larger than DOWNLOAD_MAXSIZE", True
    if isinstance(exc, IgnoreRequest):
        return "ignored", True
    return type(exc).__name__, True
