"""One errors figure for a crawl, the same in the progress lines, the summary and ``crawls.stats``.

Kinds (they add up to the total):

* ``retried``: attempts that failed and were tried again (429, 5xx, a dropped or refused
  connection; Scrapy's ``retry/count``), whether or not a later attempt succeeded;
* ``gave up``: requests whose last attempt failed too (retries used up, or a network
  failure that is not retried);
* ``4xx``, ``5xx``: final HTTP answers of those classes that were not retried (a 404,
  a 410, a 501 ...). robots.txt's own 4xx (no robots.txt: everything allowed) is none,
  and neither is a page requisite's 404 or 410: a file the site's own pages name but no
  longer has is counted as a skip ("requisite HTTP 404") in the summary, not as a fault of
  the crawl (a theme's broken references would otherwise bury the real errors). Nor is a
  date archive's 404: the spider asks for ``/YYYY/MM/DD/`` by the calendar, and WordPress
  answers 404 for a day without posts, which says the day is covered, not that it failed.

Requests a middleware chose not to send (robots.txt forbids, a dead requisite folder, an
archived article, a Retry-After kept for the next crawl) and downloads cancelled for their
size (counted as skipped, with that reason) are no errors.

The named exceptions here: :class:`NotFetched` and its kinds (requests our middlewares chose
not to send), and :class:`CrawlError` and its kinds (a whole crawl that could not start or
did not complete, raised by :func:`crawler.run.run_crawl`, turned into a message and an exit
code by the ``crawl`` command and into a status by the scheduler).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

KINDS = ("retried", "gave up", "4xx", "5xx")
#: Request roles (``meta["role"]``) whose 404 or 410 is an answer, not an error (see above).
ANSWERS_NOT_FOUND = frozenset({"requisite", "date-archive"})


class NotFetched(IgnoreRequest):
    """A request one of our downloader middlewares chose not to send (Scrapy's
    ``IgnoreRequest``, so its errback sees it). ``reason`` is how the crawl summary counts it
    as skipped; None: counted where it was raised."""

    reason: str | None = None


class ArchivedEarlier(NotFetched):
    """An article an earlier crawl archived, met again as a redirect's target."""

    reason = "archived by an earlier crawl"


class DeadRequisiteFolder(NotFetched):
    """A page requisite in a folder that answered only 404 (crawler.requisites)."""

    reason = "requisite in a folder that answered only 404"


class RetryAfterTooLong(NotFetched):
    """A page whose Retry-After is longer than ``CRAWL_RETRY_AFTER_MAX_SECS``: counted,
    logged and kept for the next crawl by the middleware that raises it."""

    reason = None


# ---- a crawl that could not start or did not complete (crawler.run.run_crawl) -----------------
class CrawlError(Exception):
    """A foreseeable failure of a whole crawl; the message says what to do about it.
    ``exit_code`` is the command's: 1, or 2 for a usage error."""

    exit_code = 1


class CrawlUsageError(CrawlError):
    """The crawl's arguments cannot work: an unknown site, a bad URL, ``--since`` after ``--until``."""

    exit_code = 2


class SchemeUnreachable(CrawlError):
    """An address given with no scheme answers on neither https nor http."""


class DataDirUnusable(CrawlError):
    """The data folder (or its ``logs/``, its lock file) cannot be made or written."""


class IndexUnusable(CrawlError):
    """``DATA/archive.db`` cannot be opened as the index (a damaged file, not SQLite)."""


class CrawlBusy(CrawlError):
    """Another crawl holds the data folder (``DATA/crawl.lock``); this one did not start."""


class SiteUnreachable(CrawlError):
    """robots.txt and the home page both failed to connect (crawler.reachability): nothing
    was archived and there is nothing to resume."""


class NoPageFetched(CrawlError):
    """The crawl ended without one response from the site."""


class IndexWriteFailed(CrawlError):
    """The index could not be written during the crawl; the WARC files hold everything
    fetched, and ``reindex`` rebuilds the index from them."""


class WorkersLost(CrawlError):
    """Every worker of a distributed crawl stopped with requests still queued."""


class CrawlEndedEarly(CrawlError):
    """Scrapy closed the spider for another reason than ``finished`` (``shutdown`` after
    SIGTERM or Ctrl-C, a ``CLOSESPIDER_*`` limit); the same command goes on."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason


class CrawlIncomplete(CrawlError):
    """The crawl finished, but some article it asked for never got an answer; it is
    recorded ``interrupted`` and the same command goes on."""


_STAT = "newsarchive/errors/"


def error_counts(stats: Mapping[str, Any]) -> dict[str, int]:
    """``{"total": n, "retried": n, "gave up": n, "4xx": n, "5xx": n}`` from a crawl's stats."""
    counts = {"retried": int(stats.get("retry/count", 0))}
    for kind in KINDS[1:]:
        counts[kind] = int(stats.get(_STAT + kind, 0))
    return {"total": sum(counts.values()), **counts}


def brief_errors(counts: Mapping[str, int]) -> str:
    """``3 (retried 2, 4xx 1)``: the total and its kinds that are not 0, for progress lines."""
    kinds = ", ".join(f"{k} {counts.get(k, 0)}" for k in KINDS if counts.get(k, 0))
    return f"{counts.get('total', 0)}" + (f" ({kinds})" if kinds else "")


def format_errors(counts: Mapping[str, int]) -> str:
    """``Errors: 5 (retried 3, gave up 1, 4xx 1, 5xx 0)``."""
    return f"Errors: {counts.get('total', 0)} (" + ", ".join(f"{k} {counts.get(k, 0)}" for k in KINDS) + ")"


class ErrorTallyMiddleware:
    """Downloader middleware just below the retries (it sees only final answers) that counts
    the ``gave up``, ``4xx`` and ``5xx`` kinds in the crawl's stats."""

    def __init__(self, crawler: Any) -> None:
        self.stats = crawler.stats
        self.retry_codes = {int(c) for c in crawler.settings.getlist("RETRY_HTTP_CODES")}
        self.retrying = crawler.settings.getbool("RETRY_ENABLED")

    @classmethod
    def from_crawler(cls, crawler: Any) -> ErrorTallyMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        status = response.status
        if status < 400 or (status < 500 and request.url.endswith("/robots.txt")):
            return response
        if status in (404, 410) and request.meta.get("role") in ANSWERS_NOT_FOUND:
            return response  # a missing requisite (a skip) or a day without posts: no fault
        if self.retrying and status in self.retry_codes and not request.meta.get("dont_retry"):
            kind = "gave up"
        else:
            kind = "4xx" if status < 500 else "5xx"
        self.stats.inc_value(_STAT + kind)
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        if not isinstance(exception, IgnoreRequest) and not is_size_cancel(exception):
            self.stats.inc_value(_STAT + "gave up")
        return None


def is_size_cancel(exception: BaseException) -> bool:
    """A download cancelled for its size (``DOWNLOAD_MAXSIZE``, a media requisite over its
    cap): a skip with its reason in the summary, not an error."""
    text = str(exception).lower()
    return "maxsize" in text or "max size" in text or "larger than download" in text
