"""Reading WARC records back (ISO 28500, WARC 1.1) through warcio.

:func:`read_record` reads the one record at a file offset (a seek, not a scan: the index
keeps every capture's file, offset and length); :func:`iter_records` reads a whole file in
order. Both give :class:`StoredRecord` values: the WARC headers, the HTTP status and header
fields, the entity body as stored (``raw_payload``: still gzip under ``Content-Encoding:
gzip``) and decoded (``payload``).

warcio learns the ``br`` and ``zstd`` content codings first (:mod:`archive.warc.codings`).
"""
from __future__ import annotations

import io
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from archive.warc.blocks import WarcError
from archive.warc.codings import decode as decode_coding, register_warcio

register_warcio()  # warcio reads br and zstd bodies too (archive.warc.codings)


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
