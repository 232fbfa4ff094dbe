"""The http and https download handler: Scrapy's HTTP/1.1 handler, plus the response head as sent.

Twisted's HTTP client hands Scrapy only part of what the server sent: header names come
lower-cased and re-capitalised (``ETag`` becomes ``Etag``, ``X-Custom-Header`` survives by
luck), and ``Transfer-Encoding``, ``Content-Length``, ``Connection`` and ``Keep-Alive`` are
kept aside as connection control fields (Twisted's ``connHeaders``), never shown to
Scrapy; the body arrives de-chunked. The WARC record would then be built from headers the
server never sent.

:class:`HeadRecordingDownloadHandler` is Scrapy's own handler
(``scrapy.core.downloader.handlers.http11``) with one addition: the parser keeps a copy of
the status line and every header line exactly as received (name case, order, repeated
fields such as two ``Set-Cookie`` lines, the framing fields), and the handler puts it in
``request.meta["response_head"]`` as a :class:`ResponseHead` before the body is read. The
request's header fields as Twisted wrote them to the connection (its capitalisation and
order, with the ``Host`` it adds) go in ``request.meta["request_head"]``. The
capture middleware builds the WARC records from them (:mod:`archive.warc` then renames
``Transfer-Encoding`` to ``X-Archive-Orig-Transfer-Encoding`` over the de-chunked body).
The response Scrapy sees, its headers and body, is exactly what the stock handler gives.

The hooks follow Scrapy's own (``_LenientHTTP11ClientProtocol`` swaps the parser's class
after ``request()`` creates it): they rely on Scrapy 2.13+ and Twisted's
``HTTP11ClientProtocol`` internals, pinned in requirements.txt.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, cast

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import (
    HTTP11DownloadHandler,
    _LenientHTTP11ClientFactory,
    _LenientHTTP11ClientProtocol,
    _LenientHTTPClientParser,
    _ScrapyAgent,
)
from scrapy.exceptions import ResponseDataLossError
from scrapy.http import Response
from scrapy.utils._download_handlers import get_dataloss_msg, wrap_twisted_exceptions
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.web._newclient import HEADER, STATUS

logger = logging.getLogger(__name__)

#: The ``request.meta`` key the handler puts the :class:`ResponseHead` under.
RESPONSE_HEAD_META = "response_head"
#: The ``request.meta`` key of the request's header fields as Twisted wrote them.
REQUEST_HEAD_META = "request_head"
#: Header lines kept at most (Twisted itself refuses longer heads than this many bytes
#: per line, 16 KiB; a head of more lines than this is recorded up to here).
MAX_HEAD_LINES = 1000


@dataclass(frozen=True)
class ResponseHead:
    """A response's status line and header fields as the server sent them (RFC 9112 section 2.1).

    Attributes:
        protocol: the HTTP version of the status line, e.g. ``"HTTP/1.1"``.
        status: the status code.
        reason: the reason phrase as sent (may be empty).
        headers: ``(name, value)`` bytes pairs in the order received, names in the case
            received, values without the whitespace around them (section 5.1); an obsolete
            line folding is replaced by one space (section 5.2), a line without a colon is
            left out (as Scrapy's lenient parser does).
    """

    protocol: str
    status: int
    reason: str
    headers: tuple[tuple[bytes, bytes], ...]


def parse_head(lines: list[bytes]) -> ResponseHead | None:
    """The :class:`ResponseHead` of a status line followed by header lines (CR LF removed).

    Returns None when the status line is not ``HTTP/x.y NNN [reason]``.
    """
    if not lines:
        return None
    parts = lines[0].rstrip(b"\r").split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
        return None
    fields: list[list[bytes]] = []
    for line in lines[1:]:
        line = line.rstrip(b"\r")
        if line[:1] in (b" ", b"\t"):
            if fields:
                fields[-1][1] = fields[-1][1] + b" " + line.strip()
            continue
        name, colon, value = line.partition(b":")
        if colon and name:
            fields.append([name, value.strip()])
    return ResponseHead(
        protocol=parts[0].decode("latin-1"),
        status=int(parts[1]),
        reason=(parts[2] if len(parts) > 2 else b"").decode("latin-1"),
        headers=tuple((name, value) for name, value in fields),
    )


def parse_request_head(data: bytes) -> tuple[tuple[bytes, bytes], ...] | None:
    """The header fields of a request head as written (RFC 9112 section 3), in order and
    case, ``Host`` included; None when ``data`` holds no whole head."""
    head, end, _ = data.partition(b"\r\n\r\n")
    if not end:
        return None
    fields = []
    for line in head.split(b"\r\n")[1:]:
        name, colon, value = line.partition(b":")
        if colon and name:
            fields.append((name, value.strip()))
    return tuple(fields)


class _HeadRecordingParser(_LenientHTTPClientParser):
    """Scrapy's lenient response parser, keeping each head line as received in ``raw_head``."""

    raw_head: list[bytes]

    def lineReceived(self, line: bytes) -> None:
        if self.state == STATUS:
            self.raw_head = [line]  # a 1xx head Twisted skips is dropped with it
        elif self.state == HEADER and len(self.raw_head) < MAX_HEAD_LINES:
            self.raw_head.append(line)
        super().lineReceived(line)


class _HeadTee:
    """The transport Twisted's ``Request._writeHeaders`` writes the request head to: the
    bytes go on to the real transport, and a copy into ``sink``."""

    def __init__(self, transport: Any, sink: list[bytes]) -> None:
        self._transport, self._sink = transport, sink

    def writeSequence(self, data: Any) -> None:
        data = list(data)
        self._sink.extend(data)
        self._transport.writeSequence(data)

    def write(self, data: bytes) -> None:
        self._sink.append(data)
        self._transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _HeadRecordingProtocol(_LenientHTTP11ClientProtocol):
    """Each request's head is copied as written and its response's head as parsed; the
    Twisted response carries them as ``_newsarchive_request_head`` (bytes) and
    ``_newsarchive_head`` (a list of lines)."""

    def request(self, request: Any) -> Any:
        sent: list[bytes] = []
        write_headers = type(request)._writeHeaders  # the class's, so a retry wraps it once
        request._writeHeaders = lambda transport, te: write_headers(request, _HeadTee(transport, sent), te)
        d = super().request(request)
        parser = self._parser
        if parser is None:  # pragma: no cover - super() always creates one
            return d
        parser.__class__ = _HeadRecordingParser
        recording = cast(_HeadRecordingParser, parser)
        recording.raw_head = []

        def attach(response: Any) -> Any:
            response._newsarchive_head = list(recording.raw_head)
            response._newsarchive_request_head = b"".join(sent)
            return response

        d.addCallback(attach)
        return d


class _HeadRecordingFactory(_LenientHTTP11ClientFactory):
    def buildProtocol(self, addr: Any) -> _HeadRecordingProtocol:
        return _HeadRecordingProtocol(self._quiescentCallback)


class _HeadRecordingAgent(_ScrapyAgent):
    """Scrapy's agent; once the head is in, it goes to ``request.meta`` before the body is read."""

    def _cb_bodyready(self, txresponse: Any, request: Request) -> Any:
        head = parse_head(getattr(txresponse, "_newsarchive_head", None) or [])
        if head is not None:
            request.meta[RESPONSE_HEAD_META] = head
        else:
            request.meta.pop(RESPONSE_HEAD_META, None)
        sent = parse_request_head(getattr(txresponse, "_newsarchive_request_head", b""))
        if sent is not None:
            request.meta[REQUEST_HEAD_META] = sent
        else:
            request.meta.pop(REQUEST_HEAD_META, None)
        return super()._cb_bodyready(txresponse, request)


class HeadRecordingDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 download handler (``DOWNLOAD_HANDLERS`` for http and https) that
    also puts each response's :class:`ResponseHead` in ``request.meta["response_head"]``.

    Everything else (the connection pool, TLS, proxies, ``DOWNLOAD_MAXSIZE``, data-loss
    handling) is Scrapy's handler unchanged.
    """

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._pool._factory = _HeadRecordingFactory

    async def download_request(self, request: Request) -> Response:
        # Scrapy's HTTP11DownloadHandler.download_request, with our agent
        agent = _HeadRecordingAgent(
            contextFactory=self._contextFactory,
            bindAddress=self._bind_address,
            pool=self._pool,
            maxsize=self._default_maxsize,
            warnsize=self._default_warnsize,
            fail_on_dataloss=self._fail_on_dataloss,
            crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging,
        )
        try:
            with wrap_twisted_exceptions():
                return await maybe_deferred_to_future(agent.download_request(request))
        except ResponseDataLossError:
            if not self._fail_on_dataloss_warned:
                logger.warning(get_dataloss_msg(request.url))
                self._fail_on_dataloss_warned = True
            raise
