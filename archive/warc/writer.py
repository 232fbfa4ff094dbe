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

import datetime as dt
import io
import json
import os
import re
import socket
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

from warcio.recordbuilder import RecordBuilder
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders

from archive import __version__
from archive.records import CaptureRecord
from archive.warc.blocks import (
    DEFAULT_GZIP_LEVEL, DEFAULT_MAX_BYTES, METADATA_CONTENT_TYPE, PROFILE_IDENTICAL_PAYLOAD, WARC_VERSION, ExchangeRecords, HttpExchange,
    WarcError, header_value, http_request_block, http_response_block, sha1_digest, target_uri, warc_date,
)


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
        #: a point where the file can be read to its end (:mod:`archive.warc.cdxj_ahead`).
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
        coding = (header_value(exchange.response_headers, b"Content-Encoding") or b"").strip().lower()
        mime = header_value(exchange.response_headers, b"Content-Type")
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
