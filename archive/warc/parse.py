"""WARC records parsed as their bytes stream past (WARC 1.1 section 4), for :mod:`archive.warc.resync`.

:class:`RecordParser` takes one record's bytes in pieces (its header block, its block, the
CRLF CRLF after it) and keeps only the header blocks and, when asked, a small block; it
raises :class:`Damaged` as soon as the bytes are no whole record, so nothing more need be
inflated. It gives a :class:`Record`; a stretch of bytes that is none is a :class:`Gap`.
:func:`parse_fields` reads header fields (RFC 9112 section 5), :func:`header_end` finds the
end of a header block, :func:`escape` prints bytes for people.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Damaged", "Gap", "LINE_END", "MAX_HEADER_BYTES", "MAX_KEPT_BLOCK", "READ_SIZE", "Record", "RecordParser",
           "WARC_VERSIONS", "describe_record", "escape", "header_end", "parse_fields", "parse_warc_head"]

READ_SIZE = 1 << 16
#: The longest WARC or HTTP header block accepted.
MAX_HEADER_BYTES = 1 << 20
#: The largest block :func:`scan` keeps for a caller that asks (``keep_block``).
MAX_KEPT_BLOCK = 16 << 20
WARC_VERSIONS = (b"WARC/1.0", b"WARC/1.1", b"WARC/0.18", b"WARC/0.17")
#: The end of a header block: an empty line (CRLF CRLF; bare LF and CR CR LF as warcio reads them too).
_BLANK_LINE = re.compile(rb"\n\r*\n")
LINE_END = re.compile(rb"\r*\n")


def header_end(data: bytes | bytearray) -> tuple[int, int]:
    """``(end of the last header line, start of what follows)`` of a header block, or (-1, -1)."""
    match = _BLANK_LINE.search(data)
    if match is None:
        return -1, -1
    end = match.start()
    if end > 0 and data[end - 1:end] == b"\r":
        end -= 1
    return end, match.end()


def escape(data: bytes | str, limit: int = 60) -> str:
    """``data`` as printable text: ASCII letters, digits and punctuation as they are,
    anything else as ``\\xNN`` (or ``\\r``, ``\\n``, ``\\t``), cut to ``limit`` characters."""
    if isinstance(data, str):
        data = data.encode("utf-8", "backslashreplace")
    cut = len(data) > limit
    out = []
    for byte in data[:limit]:
        if byte == 0x5C:
            out.append("\\\\")
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        elif byte == 0x0D:
            out.append("\\r")
        elif byte == 0x0A:
            out.append("\\n")
        elif byte == 0x09:
            out.append("\\t")
        else:
            out.append(f"\\x{byte:02x}")
    return "".join(out) + ("..." if cut else "")


@dataclass
class Record:
    """One whole, readable record.

    Attributes:
        offset: Where it starts in the file (its gzip member, or its version line).
        length: Its bytes in the file (the whole member, or the record and its CRLF CRLF).
        fields: The WARC header fields, in order.
        rec_type: ``WARC-Type``, lower case.
        content_length: The block's length.
        head: The first bytes of the block (up to its first CRLF CRLF, at most
            :data:`MAX_HEADER_BYTES`): an ``application/http`` block's header block.
        block: The whole block, when ``keep_block`` asked for it.
    """

    offset: int
    length: int
    fields: list[tuple[str, str]]
    rec_type: str
    content_length: int
    head: bytes = b""
    block: bytes | None = None
    #: gzip members the record spans (more than 1: one record over several members)
    members: int = 1
    #: what ``sink`` made for this record (it was fed the block as it streamed past)
    sink: Any = None
    #: the bytes found where CRLF CRLF should follow the block (when ``trailer_ok`` is False)
    found: bytes = b""
    #: False when bytes other than CR LF follow the block: its Content-Length is wrong
    #: (the record is read as it declares itself, as warcio reads it; the bytes after it are a Gap)
    trailer_ok: bool = True

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.fields:
            if key.lower() == lname:
                return value
        return None

    def http(self) -> tuple[int | None, list[tuple[str, str]]] | None:
        """``(status, fields)`` of an HTTP header block at the start of the block, or None."""
        end, _ = header_end(self.head)
        head = self.head[:end] if end >= 0 else self.head
        if not head.startswith(b"HTTP/"):
            return None
        lines = LINE_END.split(head)
        parts = lines[0].split(None, 2)
        status: int | None
        try:
            status = int(parts[1])
        except (IndexError, ValueError):
            status = None
        return status, parse_fields(lines[1:], strict=False)


@dataclass
class Gap:
    """Bytes that are no readable record.

    Attributes:
        offset: Where they start.
        length: How many bytes.
        why: A sentence for people (printable text).
        tail: True when no readable record follows in the file (a truncated tail).
        inside_record: True when the bytes are the rest of a gzip member whose first
            record was read (a member holding more than one record).
    """

    offset: int
    length: int
    why: str
    tail: bool = False
    inside_record: bool = False
    #: ``"records"``: more records in one gzip member; ``"length"``: bytes after a record whose
    #: Content-Length is wrong; ``""``: anything else
    cause: str = ""


def describe_record(record: Record) -> str:
    uri = record.header("WARC-Target-URI") or ""
    return escape(f"{record.rec_type or 'record'} {uri}".rstrip(), 200)


class Damaged(ValueError):
    """The bytes at hand are no whole record."""


def parse_fields(lines: list[bytes], strict: bool = True) -> list[tuple[str, str]]:
    """Header fields (RFC 9112 section 5 syntax, obsolete line folding joined).

    Raises:
        ValueError: with ``strict``, a line that is no field (other lines are skipped).
    """
    fields: list[tuple[str, str]] = []
    for line in lines:
        if not line:
            continue
        if line[:1] in (b" ", b"\t") and fields:
            name, value = fields[-1]
            fields[-1] = (name, value + " " + line.strip().decode("utf-8", "replace"))
            continue
        raw_name, sep, raw_value = line.partition(b":")
        if not sep:
            if strict:
                raise Damaged(f"not a header field: {escape(line)}")
            continue
        fields.append((raw_name.strip().decode("utf-8", "replace"), raw_value.strip().decode("utf-8", "replace")))
    return fields


def parse_warc_head(head: bytes) -> tuple[list[tuple[str, str]], int]:
    """The fields and the Content-Length of a WARC header block (without its CRLF CRLF).

    Raises:
        Damaged: it is not a WARC header block.
    """
    lines = LINE_END.split(head)
    if lines[0].strip() not in WARC_VERSIONS:
        raise Damaged(f"not a WARC record: starts with \"{escape(lines[0], 40)}\"")
    fields = parse_fields(lines[1:])
    declared = next((v for k, v in fields if k.lower() == "content-length"), None)
    try:
        length = int(declared or "")
    except ValueError:
        raise Damaged(f"WARC Content-Length \"{escape(declared or '')}\" is not a length") from None
    if length < 0:
        raise Damaged(f"WARC Content-Length {length} is not a length")
    return fields, length


class RecordParser:
    """One record from a stream of bytes: header block, block, CRLF CRLF.

    ``feed`` returns how many of the bytes it took; it raises :class:`Damaged` when the
    bytes are not a whole record (and stops taking any, so nothing more need be inflated).
    """

    def __init__(self, offset: int, keep_block: Callable[[str, int], bool] | None,
                 sink: Callable[[Record], Any] | None = None) -> None:
        self.offset = offset
        self.keep_block = keep_block
        self.sink = sink
        self.skipped = 0  # blank lines before the version line (warcio skips them too)
        self.buffer = bytearray()
        self.record: Record | None = None
        self.seen = 0
        self.kept: bytearray | None = None
        self.head_open = True
        self.trailer = bytearray()
        self.trailer_started = False
        self.done = False
        self.members = 1

    def finish(self) -> bool:
        """At the end of the input (a member's or the file's): whether the record is whole."""
        if self.record is not None and self.seen >= self.record.content_length and not self.done:
            if not self.trailer_started and self.kept is not None:
                self.record.block = bytes(self.kept)
                self.kept = None
            self.done = True
        return self.done

    def feed(self, data: bytes) -> int:
        taken = 0
        while data and not self.done:
            if self.record is None:
                if not self.buffer:
                    stripped = data.lstrip(b"\r\n")
                    self.skipped += len(data) - len(stripped)
                    taken += len(data) - len(stripped)
                    data = stripped
                    if not data:
                        break
                had = len(self.buffer)
                self.buffer += data
                end, after = header_end(self.buffer)
                if end < 0:
                    if not self.buffer.startswith(b"WARC/"[: len(self.buffer)]):
                        raise Damaged(f"not a WARC record: starts with \"{escape(bytes(self.buffer[:40]), 40)}\"")
                    if len(self.buffer) > MAX_HEADER_BYTES:
                        raise Damaged("WARC header block too long or not terminated")
                    return taken + len(data)
                fields, length = parse_warc_head(bytes(self.buffer[:end]))
                used = after - had
                taken += used
                data = data[used:]
                self.buffer = bytearray()
                rec_type = (next((v for k, v in fields if k.lower() == "warc-type"), "") or "").lower()
                self.record = Record(self.offset + self.skipped, 0, fields, rec_type, length)
                if self.keep_block and length <= MAX_KEPT_BLOCK and self.keep_block(rec_type, length):
                    self.kept = bytearray()
                if self.sink is not None:
                    self.record.sink = self.sink(self.record)
            elif self.seen < self.record.content_length:
                chunk = data[: self.record.content_length - self.seen]
                if self.head_open:
                    room = MAX_HEADER_BYTES - len(self.record.head)
                    self.record.head += chunk[:room]
                    _, after = header_end(self.record.head)
                    if after >= 0 or room <= 0:
                        self.head_open = False
                        if after >= 0:
                            self.record.head = self.record.head[:after]
                if self.kept is not None:
                    self.kept += chunk
                if self.record.sink is not None:
                    self.record.sink.feed(chunk)
                self.seen += len(chunk)
                taken += len(chunk)
                data = data[len(chunk):]
            else:
                # CRLF CRLF should follow the block (WARC 1.1 section 4); fewer CR and LF, as
                # some tools write, are read too (as warcio does); anything else is not
                if not self.trailer_started:
                    self.trailer_started = True
                    if self.kept is not None:
                        self.record.block = bytes(self.kept)
                        self.kept = None
                blank = len(data) - len(data.lstrip(b"\r\n"))
                self.trailer += data[:blank][: 64]
                taken += blank
                data = data[blank:]
                if data:
                    if len(self.trailer) < 4 and not data.startswith(b"WARC/"[: len(data)]):
                        self.record.trailer_ok = False
                        self.record.found = bytes(self.trailer) + bytes(data[:12])
                    self.done = True
        return taken

    def describe(self) -> str:
        return "record" if self.record is None else describe_record(self.record)

    def why_unfinished(self) -> str:
        if self.record is None:
            if self.buffer:
                return f"{len(self.buffer)} bytes of a WARC header block with no end"
            return "no record"
        if self.seen < self.record.content_length:
            return (f"{self.describe()}: Content-Length {self.record.content_length} but only "
                    f"{self.seen} bytes of its block")
        return f"{self.describe()}: the record's closing CRLF CRLF is cut off"
