"""Downloader middlewares: WARC capture of every exchange, and retries that honour Retry-After."""
from __future__ import annotations

import datetime as dt
import logging
import re
import time
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message

from archive.urls import match_key
from archive.warc import HttpExchange, WarcError, read_record
from crawler.download import REQUEST_HEAD_META, RESPONSE_HEAD_META
from crawler.errors import ArchivedEarlier, RetryAfterTooLong
from crawler.capture import CaptureWriter
from crawler.session import CrawlSession, crawl_session

logger = logging.getLogger(__name__)


class WarcCaptureMiddleware:
    """Write every HTTP exchange to WARC, with the bytes as they came off the wire.

    It sits closest to the downloader (priority 950), so it sees each response before
    RetryMiddleware, RedirectMiddleware and HttpCompressionMiddleware touch it: 3xx hops,
    429s, 404s and robots.txt are archived too, and a gzip body is stored still gzip with
    its ``Content-Encoding`` (cases B01, B03, B04). The status line and header fields are
    the ones the server sent, in its case and order, framing fields included
    (``request.meta["response_head"]``, from :mod:`crawler.download`), and so are the
    request's as written (``request.meta["request_head"]``); Scrapy's normalised headers
    are used only for an exchange of another handler. The response
    record's pointer is put in ``request.meta["capture"]`` for the pipelines.

    The records are written by the session's :class:`~crawler.capture.CaptureWriter`, which
    also decides revisits; the URL states behind conditional requests are the session's
    :class:`~crawler.indexbuffer.IndexBuffer`'s, the pages a killed crawl left unextracted
    its :class:`~crawler.session.CrawlPlan`'s.
    """

    def __init__(self, session: CrawlSession) -> None:
        self.session = session

    @classmethod
    def from_crawler(cls, crawler: Any) -> WarcCaptureMiddleware:
        return cls(crawl_session(crawler))

    @property
    def writer(self) -> CaptureWriter:
        return self.session.writer

    def process_response(self, request: Request, response: Response) -> Response:
        if "recovered" in response.flags:
            return response  # read from WARC (process_request): archived already
        fetched_at = request.meta.get("download_started")
        head = request.meta.pop(RESPONSE_HEAD_META, None)
        if head is not None and head.status == response.status:
            protocol, reason, headers = head.protocol, head.reason, list(head.headers)
        else:  # not from our handler (another scheme or handler): Scrapy's headers are all we have
            protocol, reason = response.protocol or "HTTP/1.1", None
            headers = [(k, v) for k, values in response.headers.items() for v in values]
        sent = request.meta.pop(REQUEST_HEAD_META, None)
        exchange = HttpExchange(
            url=response.url,
            method=request.method,
            request_headers=list(sent) if sent is not None else
            [(k, v) for k, values in request.headers.items() for v in values],
            request_body=request.body or b"",
            status=response.status,
            response_headers=headers,
            body=response.body,
            protocol=protocol,
            reason=reason,
            ip_address=str(response.ip_address) if response.ip_address else None,
            fetched_at=dt.datetime.fromtimestamp(fetched_at, dt.timezone.utc) if fetched_at else None,
            truncated="disconnect" if "dataloss" in response.flags else None,
        )
        role = request.meta.get("role")
        conditional = bool(request.meta.get("conditional"))
        capture = self.writer.write_exchange(exchange, role=role, conditional=conditional)
        request.meta["capture"] = capture
        location = response.headers.get("Location")
        if 300 <= response.status < 400 and location and role == "article":
            self.session.buffer.add_redirect(request.url, response.urljoin(location.decode("latin-1")))
        # a listing's (or a stylesheet's) archived copy is read again for its links; an
        # image's is not needed
        rereads = role != "article" and (role != "requisite" or request.meta.get("requisite_kind") == "stylesheet")
        if response.status == 304 and conditional and rereads:
            archived = self.archived_response(request, response)
            if archived is not None:
                return archived
        return response

    def process_request(self, request: Request) -> Response | None:
        """Note the start time, and make the request conditional (RFC 9110 section 13.1)
        when the URL was archived before: listings, feeds and sitemaps always, articles
        when ``meta["revalidate"]`` asks for it. An article page that a killed crawl archived
        and did not extract (the plan's :attr:`~crawler.session.Recovered.unextracted`) is answered from WARC, not
        fetched again."""
        request.meta["download_started"] = time.time()
        for key in (RESPONSE_HEAD_META, REQUEST_HEAD_META):
            request.meta.pop(key, None)  # heads left by an attempt that failed after them
        unextracted = self.session.plan.recovered.unextracted
        row = unextracted.pop(match_key(request.url), None) if unextracted else None
        if row and request.meta.get("role") == "article":
            recovered = self.recovered_response(request, row)
            if recovered is not None:
                return recovered
        for name in (b"If-None-Match", b"If-Modified-Since"):
            if request.meta.get("conditional"):
                request.headers.pop(name, None)
        request.meta["conditional"] = False
        role = request.meta.get("role")
        if not role or (role == "article" and not request.meta.get("revalidate")) or role == "robots":
            return None
        state = self.session.buffer.url_state(request.url)
        if not state or not state.get("payload_digest"):
            return None
        if state.get("etag"):
            request.headers[b"If-None-Match"] = state["etag"].encode("latin-1")
        if state.get("last_modified"):
            request.headers[b"If-Modified-Since"] = state["last_modified"].encode("latin-1")
        request.meta["conditional"] = bool(state.get("etag") or state.get("last_modified"))
        return None

    def recovered_response(self, request: Request, row: dict[str, Any]) -> Response | None:
        """The archived 200 of ``row`` (a ``captures`` row) as the response to ``request``, or
        None when it cannot be read (the page is then fetched)."""
        try:
            record = read_record(self.session.layout.warc_file(row["warc_filename"]), row["warc_offset"])
        except (WarcError, OSError, KeyError) as exc:
            logger.warning("%s: the archived copy cannot be read, fetching it again: %s", request.url, exc)
            return None
        request.meta["capture"] = self.writer.recovered_capture(row)
        return response_from_record(record, row["url"], request, flags=["archived", "recovered"])

    def archived_response(self, request: Request, response: Response) -> Response | None:
        """The last archived 200 for a listing that answered 304, so its links are read again.

        Returns None when the earlier capture cannot be read (the 304 then stands).
        """
        previous = self.writer.previous_capture(request.url)
        if previous is None:
            return None
        try:
            record = read_record(self.session.layout.warc_file(previous["warc_filename"]), previous["warc_offset"])
        except WarcError as exc:
            logger.warning("%s: 304, but the archived copy cannot be read: %s", request.url, exc)
            return None
        return response_from_record(record, response.url, request, flags=[*response.flags, "archived"],
                                    protocol=response.protocol)


def response_from_record(record: Any, url: str, request: Request, **kwargs: Any) -> Response:
    """An archived response record's 200 as a Scrapy response to ``request``: its HTTP
    headers without the ``X-Archive-Orig-*`` ones our capture added, and its payload."""
    headers = Headers()
    for name, value in record.http_headers:
        if not name.lower().startswith("x-archive-orig-"):
            headers.appendlist(name, value)
    cls = responsetypes.from_args(headers=headers, url=url, body=record.raw_payload)
    return cls(url=url, status=200, headers=headers, body=record.raw_payload, request=request, **kwargs)


def retry_after_seconds(value: bytes | str | None, date: bytes | str | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` field (RFC 9110 section 10.2.3).

    Args:
        value: ``"120"`` (delay-seconds) or an HTTP-date.
        date: the response's ``Date`` field, the clock an HTTP-date is measured against
            (now when missing).

    Returns:
        The delay in seconds (0 or more), or None when the field is absent or malformed.
    """
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if re.fullmatch(r"[0-9]+", text):
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    now = dt.datetime.now(dt.timezone.utc)
    if date:
        try:
            now = parsedate_to_datetime(date.decode("latin-1") if isinstance(date, bytes) else date)
            if now.tzinfo is None:
                now = now.replace(tzinfo=dt.timezone.utc)
        except (TypeError, ValueError, IndexError):
            pass
    return max(0.0, (when - now).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, plus ``Retry-After`` on 429 and 503 (case B07).

    When the server names a wait, no request goes to that host until it has passed (the
    download slot is held back), then the page is fetched again. A wait longer than
    ``CRAWL_RETRY_AFTER_MAX_SECS`` is not waited out: the URL is dropped from this crawl,
    logged and counted as deferred to the next run.
    """

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        self.max_wait = crawler.settings.getfloat("CRAWL_RETRY_AFTER_MAX_SECS", 3600)

    @classmethod
    def from_crawler(cls, crawler: Any) -> RetryAfterMiddleware:
        return cls(crawler)

    # Scrapy 2.13+ calls process_response(request, response); RetryMiddleware's signature
    # still takes the deprecated spider argument, which a method without it is not asked for.
    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            crawl_session(self.crawler).fetched(request.url)
            return response
        wait = retry_after_seconds(response.headers.get("Retry-After"), response.headers.get("Date"))
        if wait is not None and wait > self.max_wait:
            self.crawler.stats.inc_value("newsarchive/skipped/deferred by Retry-After")
            crawl_session(self.crawler).defer(request.url, request.meta, wait)
            logger.warning("%s: Retry-After %.0f s is longer than CRAWL_RETRY_AFTER_MAX_SECS=%.0f; "
                           "left for the next crawl", request.url, wait, self.max_wait)
            raise RetryAfterTooLong(f"Retry-After {wait:.0f} s exceeds the limit")
        if wait:
            self.hold_slot(request, wait)
        reason = response_status_message(response.status)
        return self._retry(request, reason) or response

    def hold_slot(self, request: Request, wait: float) -> None:
        """Send nothing more to this request's download slot for ``wait`` seconds."""
        downloader = getattr(self.crawler.engine, "downloader", None)
        if downloader is None:
            return
        key = request.meta.get("download_slot") or urlparse_cached(request).hostname or ""
        slot = downloader.slots.get(key)
        if slot is None:
            return
        delay = slot.download_delay() or 0.0
        # The downloader waits `delay - (now - lastseen)`; set lastseen so that is `wait`.
        slot.lastseen = max(slot.lastseen, time.monotonic() + wait - delay)
        if not delay:
            slot.delay = min(wait, 1.0)
        logger.info("%s: holding requests to %s for %.1f s (Retry-After)", request.url, key, wait)


class ArchivedArticleFilterMiddleware:
    """Drop an article request whose URL the index already holds (case B09, incremental).

    The spider checks the links it finds itself; this catches what it does not see: the
    targets of redirects (``/?p=N`` shortlinks, a missing trailing slash) that lead to an
    article archived by an earlier crawl.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchivedArticleFilterMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if request.meta.get("role") != "article" or not request.meta.get("redirect_urls"):
            return
        known = crawl_session(self.crawler).plan.known
        if known and match_key(request.url) in known:
            raise ArchivedEarlier("archived by an earlier crawl (redirect target)")
