"""What a WARC record is made of: digests, dates, target URIs and HTTP blocks (WARC 1.1).

The pieces :class:`archive.warc.writer.WarcWriter` puts together, kept apart so that readers
and checkers can use them without the writer:

* :func:`sha1_digest`: the ``WARC-Block-Digest`` / ``WARC-Payload-Digest`` label
  (section 5.8; the payload digest is over the entity body after transfer decoding, section
  5.9, case B02);
* :func:`warc_date`: ``WARC-Date`` (section 5.4);
* :func:`target_uri`: ``WARC-Target-URI`` as an ASCII URI (RFC 3987 section 3.1, case B12);
* :func:`http_response_block` and :func:`http_request_block`: the ``application/http``
  blocks of a response and a request record, the header block as the server sent it with
  the framing repaired so that headers and payload agree (RFC 9112 sections 6.1-6.3).

This module never imports Scrapy: the crawler hands it plain :class:`HttpExchange` values.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus

from w3lib.url import safe_url_string

from archive.records import CaptureRecord

WARC_VERSION = "WARC/1.1"
#: Default size at which a WARC file is closed and the next one begun (bytes).
DEFAULT_MAX_BYTES = 1_000_000_000
#: Default zlib level for each record's gzip member (1 fastest .. 9 smallest).
DEFAULT_GZIP_LEVEL = 6
#: Revisit profiles (WARC 1.1 sections 6.7.2 and 6.7.3).
PROFILE_IDENTICAL_PAYLOAD = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
PROFILE_SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
#: Content-Type of our metadata records: the extracted article as one JSON object.
METADATA_CONTENT_TYPE = "application/json"

HeaderList = Sequence[tuple[bytes, bytes]]


class WarcError(Exception):
    """A WARC file could not be written or read."""


@dataclass
class HttpExchange:
    """One HTTP request and the response it got, as the crawler saw them on the wire.

    Attributes:
        url: the request URL (any spelling; it is normalised to an ASCII URI on writing).
        method: the HTTP method, e.g. ``"GET"``.
        request_headers: the request header fields as sent, in order, as bytes pairs.
        status: the response status code.
        response_headers: the response header fields as received, in order, names in the
            case the server sent, repeated fields (``Set-Cookie``) as separate pairs, the
            framing fields (``Transfer-Encoding``, ``Content-Length``) included when known.
        body: the response entity body after transfer decoding, before content decoding:
            still gzip when the response says ``Content-Encoding: gzip``.
        protocol: the HTTP version of the status line.
        reason: the reason phrase; the standard phrase for ``status`` when ``None``.
        ip_address: the server's IP address, for ``WARC-IP-Address``.
        fetched_at: when the response began (UTC); now when ``None``.
        truncated: a WARC 1.1 ``WARC-Truncated`` reason (``"length"``, ``"time"``,
            ``"disconnect"``, ``"unspecified"``) when the body is incomplete.
    """

    url: str
    method: str
    request_headers: HeaderList
    status: int
    response_headers: HeaderList
    body: bytes
    protocol: str = "HTTP/1.1"
    reason: str | None = None
    request_body: bytes = b""
    ip_address: str | None = None
    fetched_at: dt.datetime | None = None
    truncated: str | None = None


@dataclass
class ExchangeRecords:
    """Pointers to the two records one exchange became."""

    request: CaptureRecord
    response: CaptureRecord


def sha1_digest(data: bytes) -> str:
    """The WARC digest label of ``data``: ``sha1:`` and the base32 SHA-1 (WARC 1.1 section 5.8)."""
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def target_uri(url: str) -> str:
    """Spell ``url`` as the ASCII URI WARC-Target-URI needs (RFC 3987 section 3.1).

    Non-ASCII path, query and fragment characters are percent-encoded as UTF-8, an IDN host
    becomes punycode, and what is already ASCII is left alone (case B12).
    """
    return safe_url_string(url, encoding="utf-8")


def warc_date(moment: dt.datetime | None = None) -> str:
    """A WARC 1.1 ``WARC-Date`` (W3C-DTF, UTC, microseconds; section 5.4)."""
    moment = (moment or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def header_value(headers: HeaderList, name: bytes) -> bytes | None:
    """The first field called ``name`` (any case) in ``headers``, or None."""
    lname = name.lower()
    for key, value in headers:
        if key.lower() == lname:
            return value
    return None


def http_response_block(exchange: HttpExchange) -> tuple[bytes, bytes]:
    """The ``application/http`` block of a response record, and its payload.

    The header block keeps every field as received, with two repairs so that headers and
    payload agree (RFC 9112 sections 6.1-6.3): ``Transfer-Encoding`` is renamed to
    ``X-Archive-Orig-Transfer-Encoding`` (the body is stored de-chunked), and
    ``Content-Length`` is set to the stored body's length (a differing original is kept
    as ``X-Archive-Orig-Content-Length``).

    Returns:
        ``(block, payload)``: the bytes of the whole record block, and the entity body.
    """
    body = exchange.body
    reason = exchange.reason
    if reason is None:
        try:
            reason = HTTPStatus(exchange.status).phrase
        except ValueError:
            reason = ""
    lines = [f"{exchange.protocol or 'HTTP/1.1'} {exchange.status} {reason}".rstrip().encode("latin-1")]
    length_seen = False
    for name, value in exchange.response_headers:
        lname = name.lower()
        if lname == b"transfer-encoding":
            lines.append(b"X-Archive-Orig-Transfer-Encoding: " + value)
            continue
        if lname == b"content-length":
            if length_seen:
                continue
            length_seen = True
            if value.strip() != str(len(body)).encode():
                lines.append(b"X-Archive-Orig-Content-Length: " + value)
            lines.append(b"Content-Length: " + str(len(body)).encode())
            continue
        lines.append(name + b": " + value)
    if not length_seen:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    head = b"\r\n".join(lines) + b"\r\n\r\n"
    return head + body, body


def http_request_block(exchange: HttpExchange) -> bytes:
    """The ``application/http`` block of a request record (RFC 9112 section 3).

    The request line uses the origin form (path and query) and a ``Host`` field is added
    when the client would add it itself.
    """
    uri = target_uri(exchange.url)
    match = re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://([^/?#]*)([^#]*)", uri)
    host, path = (match.group(1), match.group(2)) if match else ("", uri)
    if "@" in host:
        host = host.rsplit("@", 1)[1]
    if not path.startswith("/"):
        path = "/" + path
    lines = [f"{exchange.method} {path} {exchange.protocol or 'HTTP/1.1'}".encode("latin-1")]
    if header_value(exchange.request_headers, b"Host") is None:
        lines.append(b"Host: " + host.encode("ascii", "replace"))
    for name, value in exchange.request_headers:
        lines.append(name + b": " + value)
    return b"\r\n".join(lines) + b"\r\n\r\n" + exchange.request_body
