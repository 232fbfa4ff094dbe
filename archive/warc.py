"""Writing and reading WARC files (ISO 28500, WARC 1.1) through warcio.

The WARC files are the archive's source of truth. Everything the crawler fetched goes in
here as it came off the wire:

* each HTTP exchange is a ``request`` record and a ``response`` record (WARC 1.1 sections
  6.5 and 6.6), the request pointing at its response with ``WARC-Concurrent-To``;
* every record is its own gzip member, so a record can be read by seeking to its offset;
* each file starts with a ``warcinfo`` record (section 6.2) and files rotate by size;
* the stored HTTP header block is the one the server sent (status line, field names in
  its case, order, repeated fields), and it agrees with the stored payload: the entity
  body is kept exactly as received (still gzip when the server sent
  ``Content-Encoding: gzip``), the transfer coding is removed and said so (the HTTP client
  de-chunks, and ``Transfer-Encoding`` is written as ``X-Archive-Orig-Transfer-Encoding``,
  pywb's prefix for a field it does not apply), ``Content-Length`` states the stored
  length and a differing original is kept as ``X-Archive-Orig-Content-Length``; a body
  cut short is marked ``WARC-Truncated`` (section 5.13);
* ``WARC-Payload-Digest`` is over the entity body after transfer decoding (section 5.9,
  case B02), ``WARC-Block-Digest`` over the whole block (section 5.8);
* ``WARC-Target-URI`` is an ASCII URI: IRIs are percent-encoded as UTF-8 and IDN hosts
  written in punycode (RFC 3987 section 3.1, case B12).

This module never imports Scrapy: the crawler hands it plain :class:`HttpExchange` values.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import re
import socket
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import IO, Any

from w3lib.url import safe_url_string
from warcio.archiveiterator import ArchiveIterator
from warcio.recordbuilder import RecordBuilder
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders

from archive import __version__
from archive.codings import decode as decode_coding, register_warcio
from archive.records import CaptureRecord

register_warcio()  # warcio reads br and zstd bodies too (archive.codings)

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


def _header_value(headers: HeaderList, name: bytes) -> bytes | None:
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
    if _header_value(exchange.request_headers, b"Host") is None:
        lines.append(b"Host: " + host.encode("ascii", "replace"))
    for name, value in exchange.request_headers:
        lines.append(name + b": " + value)
    return b"\r\n".join(lines) + b"\r\n\r\n" + exchange.request_body


class WarcWriter:
    """Writes WARC 1.1 files into a folder, one gzip member per record, rotating by size.

    File names follow the usual ``PREFIX-TIMESTAMP-SERIAL-HOST.warc.gz`` shape, e.g.
    ``newsarchive-20240304120000-00000-myhost.warc.gz``. Each file begins with a
    ``warcinfo`` record built from ``info``. Every record is flushed when written, so a
    crash loses at most the record being written (``check``/``repair`` trims such a tail).

    Args:
        directory: the folder for the WARC files (created if missing).
        prefix: the file name prefix.
        max_bytes: a file is closed and the next begun once it reaches this size (bytes).
        gzip_level: the zlib compression level of each record (1..9).
        info: ``warcinfo`` fields (WARC 1.1 annex C.1), e.g. ``{"operator": ...}``.

    Raises:
        WarcError: the folder cannot be written.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        prefix: str = "newsarchive",
        max_bytes: int = DEFAULT_MAX_BYTES,
        gzip_level: int = DEFAULT_GZIP_LEVEL,
        info: Mapping[str, str] | None = None,
    ) -> None:
        self.directory = Path(directory)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WarcError(f"cannot create the WARC folder {self.directory}: {exc}") from exc
        self.prefix = prefix
        self.max_bytes = max(1, int(max_bytes))
        if not 0 <= gzip_level <= 9:
            raise ValueError(f"gzip_level must be 0..9, not {gzip_level}")
        self.gzip_level = gzip_level
        self.info = dict(info or {})
        self.host = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname()) or "localhost"
        self._builder = RecordBuilder(warc_version=WARC_VERSION)
        self._file: IO[bytes] | None = None
        self._filename: str | None = None
        self._serial = 0
        self._stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d%H%M%S")
        self.files_written: list[str] = []
        #: Called with (file name, size) after each whole record or exchange is written:
        #: a point where the file can be read to its end (:mod:`archive.cdxj_ahead`).
        self.on_boundary: Callable[[str, int], None] | None = None

    # ---- files -----------------------------------------------------------------------
    @property
    def current_filename(self) -> str | None:
        """The name of the file being written (relative to ``directory``), if one is open."""
        return self._filename

    def _open(self) -> None:
        while True:
            name = f"{self.prefix}-{self._stamp}-{self._serial:05d}-{self.host}.warc.gz"
            self._serial += 1
            path = self.directory / name
            if not path.exists():
                break
        try:
            self._file = open(path, "xb")
        except OSError as exc:
            raise WarcError(f"cannot create {path}: {exc}") from exc
        self._filename = name
        self.files_written.append(name)
        fields = {
            "software": f"newsarchive/{__version__} (warcio)",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            **self.info,
        }
        record = self._builder.create_warcinfo_record(name, fields)
        self._write(record)

    def _ensure_open(self) -> None:
        if self._file is None:
            self._open()

    def close(self) -> None:
        """Close the current file. Safe to call twice."""
        if self._file is not None:
            self._file.close()
            self._file = None
            self._filename = None

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _rotate_if_full(self) -> None:
        if self._file is None or self._filename is None:
            return
        position = self._file.tell()
        if self.on_boundary is not None:
            self.on_boundary(self._filename, position)
        if position >= self.max_bytes:
            self.close()

    # ---- records ---------------------------------------------------------------------
    def copy_member(self, member: bytes) -> tuple[str, int, int]:
        """Append one record exactly as stored elsewhere (its whole gzip member, digests and
        all), after this file's warcinfo record: ``(file, offset, length)``. Rotates at
        ``max_bytes`` like every write (:mod:`archive.merge`).

        Raises:
            WarcError: the file cannot be written.
        """
        self._ensure_open()
        written = self._append(member)
        self._rotate_if_full()
        return written

    def _append(self, member: bytes) -> tuple[str, int, int]:
        """Write one whole gzip member to the open file and flush it: ``(file, offset, length)``.

        Raises:
            WarcError: the file cannot be written.
        """
        assert self._file is not None and self._filename is not None
        offset = self._file.tell()
        try:
            self._file.write(member)
            self._file.flush()
        except OSError as exc:
            raise WarcError(f"cannot write to {self._filename}: {exc}") from exc
        return self._filename, offset, len(member)

    def _write(self, record: ArcWarcRecord, level: int | None = None) -> tuple[str, int, int]:
        """Serialise one record as its own gzip member; return (file, offset, length).

        ``level`` overrides the writer's gzip level for this record (0 stores it without
        compressing, for a payload that is compressed already).
        """
        assert self._file is not None and self._filename is not None
        buffer = io.BytesIO()
        self._builder.ensure_digest(record, block=True, payload=False)
        record.rec_headers.replace_header("Content-Length", str(record.length))
        if record.content_type:
            record.rec_headers.replace_header("Content-Type", record.content_type)
        buffer.write(record.rec_headers.to_bytes(encoding="utf-8"))
        if record.http_headers is not None:
            if not record.http_headers.headers_buff:
                record.http_headers.compute_headers_buffer()
            buffer.write(record.http_headers.headers_buff)
        buffer.write(record.raw_stream.read())
        buffer.write(b"\r\n\r\n")
        compressor = zlib.compressobj(self.gzip_level if level is None else level, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        return self._append(compressor.compress(buffer.getvalue()) + compressor.flush())

    def _block_record(
        self,
        record_type: str,
        uri: str,
        block: bytes,
        *,
        content_type: str,
        date: str,
        payload_digest: str | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> ArcWarcRecord:
        headers = StatusAndHeaders("", [], protocol=WARC_VERSION)
        headers.add_header("WARC-Type", record_type)
        headers.add_header("WARC-Record-ID", self._builder._make_warc_id())
        headers.add_header("WARC-Date", date)
        if uri:
            headers.add_header("WARC-Target-URI", uri)
        for name, value in (extra or {}).items():
            if value:
                headers.add_header(name, value)
        headers.add_header("WARC-Block-Digest", sha1_digest(block))
        if payload_digest:
            headers.add_header("WARC-Payload-Digest", payload_digest)
        record = ArcWarcRecord("warc", record_type, headers, io.BytesIO(block), None, content_type, len(block))
        record.payload_length = len(block)
        return record

    def write_exchange(self, exchange: HttpExchange) -> ExchangeRecords:
        """Write one HTTP exchange as a request record followed by its response record.

        Both records land in the same file. The request carries ``WARC-Concurrent-To`` the
        response's ``WARC-Record-ID`` (WARC 1.1 section 5.7).

        Returns:
            Pointers (file, offset, length, digest ...) to both records.

        Raises:
            WarcError: the file cannot be written.
        """
        return self._write_pair(exchange)

    def write_revisit(
        self,
        exchange: HttpExchange,
        *,
        profile: str,
        refers_to_uri: str,
        refers_to_date: str,
        refers_to_record_id: str | None = None,
        payload_digest: str | None = None,
    ) -> ExchangeRecords:
        """Write an exchange whose payload is already archived as request + ``revisit`` records.

        The revisit record keeps the HTTP header block and leaves the payload out (WARC 1.1
        section 6.7). ``profile`` is :data:`PROFILE_IDENTICAL_PAYLOAD` (the payload digest
        equals an earlier capture's; ``payload_digest`` is that digest) or
        :data:`PROFILE_SERVER_NOT_MODIFIED` (a 304 to a conditional request).

        Args:
            exchange: the exchange as received.
            profile: the WARC-Profile URI.
            refers_to_uri: WARC-Refers-To-Target-URI, the earlier capture's URI.
            refers_to_date: WARC-Refers-To-Date, the earlier capture's WARC-Date.
            refers_to_record_id: WARC-Refers-To, the earlier record's ID, when known.
            payload_digest: the payload digest (identical-payload-digest profile).

        Returns:
            Pointers to the request and the revisit record.

        Raises:
            ValueError: identical-payload-digest without ``payload_digest``.
            WarcError: the file cannot be written.
        """
        if profile == PROFILE_IDENTICAL_PAYLOAD and not payload_digest:
            raise ValueError("an identical-payload-digest revisit needs the payload digest")
        return self._write_pair(exchange, revisit={
            "WARC-Profile": profile,
            "WARC-Refers-To-Target-URI": target_uri(refers_to_uri),
            "WARC-Refers-To-Date": refers_to_date,
            "WARC-Refers-To": refers_to_record_id or "",
        }, payload_digest=payload_digest)

    def _write_pair(self, exchange: HttpExchange, revisit: Mapping[str, str] | None = None,
                    payload_digest: str | None = None) -> ExchangeRecords:
        self._ensure_open()
        uri = target_uri(exchange.url)
        date = warc_date(exchange.fetched_at)
        block, payload = http_response_block(exchange)
        extra = {"WARC-IP-Address": exchange.ip_address or "", "WARC-Truncated": exchange.truncated or ""}
        digest: str | None
        if revisit is None:
            record_type, digest = "response", sha1_digest(payload)
        else:
            record_type, digest = "revisit", payload_digest
            extra.update(revisit)
            block = block[: len(block) - len(payload)]  # the HTTP headers only
        response = self._block_record(
            record_type, uri, block, content_type="application/http; msgtype=response", date=date,
            payload_digest=digest, extra=extra,
        )
        response_id = response.rec_headers.get_header("WARC-Record-ID")
        request_block = http_request_block(exchange)
        request = self._block_record(
            "request", uri, request_block, content_type="application/http; msgtype=request", date=date,
            extra={"WARC-Concurrent-To": response_id},
        )
        req_file, req_offset, req_length = self._write(request)
        # A body the server compressed (gzip, br ...), or in a compressed format (PNG, JPEG,
        # WOFF2, video ...), does not shrink again: deflating it costs about 1 ms per page
        # and saves 0.1%, so its record is stored (level 0).
        coding = (_header_value(exchange.response_headers, b"Content-Encoding") or b"").strip().lower()
        mime = _header_value(exchange.response_headers, b"Content-Type")
        packed = coding not in (b"", b"identity") or _compressed_format(mime)
        level = 0 if revisit is None and packed and len(payload) > 1024 else None
        resp_file, resp_offset, resp_length = self._write(response, level)
        pointers = ExchangeRecords(
            request=CaptureRecord(
                url=uri, status=None, mime="application/http; msgtype=request", payload_digest=None,
                fetched_at=date, warc_filename=req_file, warc_offset=req_offset, warc_length=req_length,
                record_id=request.rec_headers.get_header("WARC-Record-ID"), record_type="request",
            ),
            response=CaptureRecord(
                url=uri, status=exchange.status,
                mime=mime.decode("latin-1").split(";")[0].strip().lower() if mime else None,
                payload_digest=digest,
                fetched_at=date, warc_filename=resp_file, warc_offset=resp_offset, warc_length=resp_length,
                record_id=response_id, record_type=record_type,
                profile=(revisit or {}).get("WARC-Profile"),
                refers_to_uri=(revisit or {}).get("WARC-Refers-To-Target-URI"),
                refers_to_date=(revisit or {}).get("WARC-Refers-To-Date"),
            ),
        )
        self._rotate_if_full()
        return pointers

    def write_metadata(self, refers_to: CaptureRecord, fields: Mapping[str, Any],
                       *, date: dt.datetime | None = None) -> CaptureRecord:
        """Write a ``metadata`` record describing the capture ``refers_to`` (WARC 1.1 section 6.8).

        The block is one JSON object (``Content-Type: application/json``): the extracted
        article's fields plus whatever the caller adds (extractor name and version,
        canonical URL, issue date). ``WARC-Refers-To`` is the response's WARC-Record-ID and
        ``WARC-Target-URI`` its URI, so the WARC files alone describe the articles.

        Returns:
            A pointer to the metadata record.

        Raises:
            WarcError: the file cannot be written.
        """
        self._ensure_open()
        block = json.dumps(dict(fields), ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
        record = self._block_record(
            "metadata", refers_to.url, block, content_type=METADATA_CONTENT_TYPE, date=warc_date(date),
            extra={"WARC-Refers-To": refers_to.record_id},
        )
        filename, offset, length = self._write(record)
        pointer = CaptureRecord(
            url=refers_to.url, status=None, mime=METADATA_CONTENT_TYPE, payload_digest=None,
            fetched_at=record.rec_headers.get_header("WARC-Date"), warc_filename=filename, warc_offset=offset,
            warc_length=length, record_id=record.rec_headers.get_header("WARC-Record-ID"), record_type="metadata",
        )
        self._rotate_if_full()
        return pointer


#: Media types whose bodies are compressed already (a deflate pass saves next to nothing).
_COMPRESSED_TYPES = frozenset({
    b"image/png", b"image/jpeg", b"image/jpg", b"image/gif", b"image/webp", b"image/avif", b"image/heic",
    b"font/woff", b"font/woff2", b"application/font-woff", b"application/font-woff2", b"application/zip",
    b"application/gzip", b"application/x-gzip",
})


def _compressed_format(mime: bytes | None) -> bool:
    kind = (mime or b"").split(b";")[0].strip().lower()
    return kind in _COMPRESSED_TYPES or kind.startswith((b"video/", b"audio/"))


# ---- reading -----------------------------------------------------------------------------
@dataclass
class StoredRecord:
    """One WARC record read back: its WARC headers, HTTP status and headers, and bytes."""

    rec_type: str
    warc_headers: dict[str, str]
    status: int | None
    http_headers: list[tuple[str, str]] = field(default_factory=list)
    #: the entity body as stored (still content-encoded)
    raw_payload: bytes = b""
    #: the entity body after content decoding (gzip, deflate, br undone)
    payload: bytes = b""

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.http_headers:
            if key.lower() == lname:
                return value
        return None


def dechunk(data: bytes) -> bytes:
    """Undo ``Transfer-Encoding: chunked`` framing (RFC 9112 section 7.1).

    Raises:
        ValueError: the data is not validly chunked.
    """
    out, pos = io.BytesIO(), 0
    while True:
        end = data.find(b"\r\n", pos)
        if end < 0:
            raise ValueError("chunk size line not terminated")
        size = int(data[pos:end].split(b";")[0].strip(), 16)
        pos = end + 2
        if size == 0:
            return out.getvalue()
        if pos + size > len(data):
            raise ValueError("chunk runs past the end of the data")
        out.write(data[pos:pos + size])
        pos += size
        if data[pos:pos + 2] != b"\r\n":
            raise ValueError("chunk data not followed by CRLF")
        pos += 2


def decode_content(body: bytes, content_encoding: str | None) -> bytes:
    """Undo a ``Content-Encoding`` (gzip, x-gzip, deflate, br, zstd; RFC 9110 section 8.4).

    Raises:
        ValueError: the body does not decode under the coding its header names.
    """
    for coding in reversed([c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]):
        if coding in ("gzip", "x-gzip"):
            body = _gunzip_members(body)
        elif coding == "deflate":
            try:
                body = zlib.decompress(body)
            except zlib.error:
                try:
                    body = zlib.decompress(body, -zlib.MAX_WBITS)
                except zlib.error as exc:
                    raise ValueError(f"body is not valid deflate: {exc}") from exc
        elif coding in ("br", "zstd"):
            body = decode_coding(body, coding)
        elif coding != "identity":
            raise ValueError(f"unsupported Content-Encoding {coding!r}")
    return body


def _gunzip_members(body: bytes) -> bytes:
    """Decompress every member of a gzip body (RFC 1952 section 2.2: members may follow
    one another).

    Raises:
        ValueError: the body is not gzip, a member is cut short, or junk follows.
    """
    out = bytearray()
    data = body
    while True:
        decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
        try:
            out += decompressor.decompress(data)
            out += decompressor.flush()
        except zlib.error as exc:
            raise ValueError(f"body is not valid gzip: {exc}") from exc
        if not decompressor.eof:
            raise ValueError("gzip body is truncated")
        data = decompressor.unused_data
        if not data:
            return bytes(out)
        if data[:2] != b"\x1f\x8b":
            raise ValueError(f"{len(data)} bytes of junk after the gzip data")


def _stored(record: Any) -> StoredRecord:
    if getattr(record, "format", "warc") != "warc":
        # warcio falls back to the old ARC format for bytes that are no WARC record
        raise WarcError(f"not a WARC record (read as {record.format})")
    raw = record.raw_stream.read()
    head = record.http_headers.total_len if record.http_headers is not None else 0
    if record.length is not None and head + len(raw) < int(record.length):
        raise WarcError(f"truncated {record.rec_type} record: Content-Length {record.length}, "
                        f"{head + len(raw)} bytes present")
    status = None
    headers: list[tuple[str, str]] = []
    decoded = raw
    if record.http_headers is not None:
        headers = list(record.http_headers.headers)
        if record.rec_type in ("response", "revisit"):
            try:
                status = int(record.http_headers.get_statuscode())
            except (TypeError, ValueError):
                status = None
        stored = StoredRecord(record.rec_type, dict(record.rec_headers.headers), status, headers, raw, raw)
        try:
            if "chunked" in (stored.header("Transfer-Encoding") or "").lower():
                decoded = dechunk(decoded)
            decoded = decode_content(decoded, stored.header("Content-Encoding"))
        except ValueError:
            decoded = raw
        stored.payload = decoded
        return stored
    return StoredRecord(record.rec_type, dict(record.rec_headers.headers), status, headers, raw, raw)


def read_record(path: str | os.PathLike[str], offset: int) -> StoredRecord:
    """Read the one record that starts at ``offset`` in ``path`` (a seek, not a scan).

    Raises:
        WarcError: the file is missing or no whole record starts there.
    """
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            for record in ArchiveIterator(fh):
                return _stored(record)
    except OSError as exc:
        raise WarcError(f"cannot read {path}: {exc}") from exc
    except WarcError as exc:
        raise WarcError(f"{path}:{offset}: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - warcio raises assorted errors on bad bytes
        raise WarcError(f"no readable WARC record at {path}:{offset}: {exc}") from exc
    raise WarcError(f"no WARC record at {path}:{offset}")


def iter_records(path: str | os.PathLike[str]) -> Iterator[tuple[int, int, StoredRecord]]:
    """Yield ``(offset, length, record)`` for every record of a WARC file, in order.

    Raises:
        WarcError: the file cannot be opened or a record cannot be parsed.
    """
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise WarcError(f"cannot read {path}: {exc}") from exc
    with fh:
        iterator = ArchiveIterator(fh)
        offset = 0  # where the record being read starts (warcio knows only after reading it)
        try:
            for record in iterator:
                stored = _stored(record)
                iterator.read_to_end(record)
                offset = iterator.get_record_offset()
                length = iterator.get_record_length()
                yield offset, length, stored
                offset += length
        except WarcError as exc:
            raise WarcError(f"{path}:{offset}: {exc}") from exc
        except Exception as exc:  # noqa: BLE001 - warcio raises assorted errors on bad bytes
            raise WarcError(f"{path}: unreadable record: {exc}") from exc
