"""Reading WARC records back (ISO 28500, WARC 1.1) through warcio.

:func:`read_record` reads the one record at a file offset (a seek, not a scan: the index
keeps every capture's file, offset and length); :func:`iter_records` reads a whole file in
order. Both give :class:`StoredRecord` values: the WARC headers, the HTTP status and header
fields, the entity body as stored (``raw_payload``: still gzip under ``Content-Encoding:
gzip``) and decoded (``payload``).

The payload is read through warcio's streaming ``content_stream()`` (chunked framing and
the content coding undone as pywb undoes them for replay); warcio learns the ``br`` and
``zstd`` codings first (:mod:`archive.warc.codings`). :func:`dechunk` and
:func:`decode_content` decode whole bodies for callers that hold one, and a coding list
warcio does not read (``gzip, br``). The strict decoding that reports what readers forgive
is ``warc check``'s own (:mod:`archive.warc.check_record`).
"""
from __future__ import annotations

import io
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader, ChunkedDataException, ChunkedDataReader

from archive.warc.blocks import WarcError
from archive.warc.codings import decode as decode_coding, register_warcio

register_warcio()  # warcio reads br, zstd and x-gzip bodies too (archive.warc.codings)


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


def _payload(record: Any, raw: bytes) -> bytes:
    """The entity body of ``record`` after transfer and content decoding, read through warcio's
    ``content_stream()`` over the stored bytes ``raw`` (as pywb reads it for replay).

    warcio undoes ``Transfer-Encoding: chunked`` (RFC 9112 section 7.1) and one content
    coding it has a decompressor for (gzip, x-gzip, deflate, br, zstd: RFC 9110 section 8.4,
    :mod:`archive.warc.codings`), every member of a gzip body included (RFC 1952 section 2.2).
    A coding it does not know (a list such as ``gzip, br``) is undone by
    :func:`decode_content`. A body that does not decode under its headers (a server that
    lied about its coding, bad chunk framing, a stream cut short) is given as stored.
    """
    stored, record.raw_stream = record.raw_stream, io.BytesIO(raw)  # the block is read already
    try:
        stream = record.content_stream()
    finally:
        record.raw_stream = stored  # ArchiveIterator reads on from its own stream
    coded = isinstance(stream, BufferedReader) and stream.decompressor is not None
    if isinstance(stream, ChunkedDataReader):
        stream.raise_chunked_data_exceptions = True
    if isinstance(stream, BufferedReader):
        stream.read_all_members = True
    try:
        body = stream.read()
    except ChunkedDataException:
        return raw
    if coded and not _decoded_to_end(stream):
        return raw
    coding = record.http_headers.get_header("Content-Encoding")
    if coding and not coded and coding.strip().lower() not in ("", "identity"):
        try:
            return decode_content(body, coding)
        except ValueError:
            return raw
    return body


def _decoded_to_end(stream: BufferedReader) -> bool:
    """Whether warcio's decompressor read the body to the end of its stream: it passes bytes
    through undecoded when its first block fails, and drops a later block that fails."""
    decompressor = stream.decompressor
    return decompressor is not None and bool(getattr(decompressor, "eof", True))


def _status(record: Any) -> int | None:
    """The HTTP status code of a response or revisit record, None for others or a bad line."""
    if record.http_headers is None or record.rec_type not in ("response", "revisit"):
        return None
    try:
        return int(record.http_headers.get_statuscode())
    except (TypeError, ValueError):
        return None


def _stored(record: Any) -> StoredRecord:
    """One record of warcio's ``ArchiveIterator`` as a :class:`StoredRecord`.

    Raises:
        WarcError: the bytes are no WARC record, or the record is cut short.
    """
    if getattr(record, "format", "warc") != "warc":
        # warcio falls back to the old ARC format for bytes that are no WARC record
        raise WarcError(f"not a WARC record (read as {record.format})")
    raw = record.raw_stream.read()
    head = record.http_headers.total_len if record.http_headers is not None else 0
    if record.length is not None and head + len(raw) < int(record.length):
        raise WarcError(f"truncated {record.rec_type} record: Content-Length {record.length}, "
                        f"{head + len(raw)} bytes present")
    headers = list(record.http_headers.headers) if record.http_headers is not None else []
    payload = _payload(record, raw) if record.http_headers is not None else raw
    return StoredRecord(record.rec_type, dict(record.rec_headers.headers), _status(record), headers, raw, payload)


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
