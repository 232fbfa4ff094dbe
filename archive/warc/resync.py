"""Read a WARC file record by record past damage, in bounded memory.

:func:`scan` yields every readable record of a file (a ``.warc.gz`` of gzip members, RFC
1952, one record each as WARC 1.1 annex D recommends, or a plain ``.warc``) and a
:class:`Gap` for every stretch of bytes that is no readable record. After a gap it
resynchronises:

* in a gzipped file, at the next gzip member (magic ``1f 8b 08``) that inflates to a record
  starting ``WARC/1.`` (or ``WARC/0.``);
* in an uncompressed file, at the next line starting ``WARC/1.`` whose header block parses.

A damaged member therefore costs only itself: a flipped byte, a wrong ``Content-Length``
(the record's block must end, followed by CRLF CRLF, exactly where its member ends), junk
between members. Nothing is held in memory beyond a record's header blocks and, when the
caller asks for it, a small block (``keep_block``); inflating stops as soon as a member
yields more than its record declares, so a gzip bomb is one damaged record, read in
constant memory.
"""
from __future__ import annotations

import os
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

__all__ = ["Gap", "Record", "escape", "find_gzip_member", "find_plain_record", "readable_ranges", "scan"]

#: Bytes read from the file at a time (and the most one inflate step may produce).
READ_SIZE = 1 << 16
#: The longest WARC or HTTP header block accepted.
MAX_HEADER_BYTES = 1 << 20
#: The largest block :func:`scan` keeps for a caller that asks (``keep_block``).
MAX_KEPT_BLOCK = 16 << 20
_GZIP_MAGIC = b"\x1f\x8b\x08"
_VERSIONS = (b"WARC/1.0", b"WARC/1.1", b"WARC/0.18", b"WARC/0.17")
#: The end of a header block: an empty line (CRLF CRLF; bare LF and CR CR LF as warcio reads them too).
_BLANK_LINE = re.compile(rb"\n\r*\n")
_LINE_END = re.compile(rb"\r*\n")


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
        lines = _LINE_END.split(head)
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


def _describe(record: Record) -> str:
    uri = record.header("WARC-Target-URI") or ""
    return escape(f"{record.rec_type or 'record'} {uri}".rstrip(), 200)


class _Damaged(ValueError):
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
                raise _Damaged(f"not a header field: {escape(line)}")
            continue
        fields.append((raw_name.strip().decode("utf-8", "replace"), raw_value.strip().decode("utf-8", "replace")))
    return fields


def parse_warc_head(head: bytes) -> tuple[list[tuple[str, str]], int]:
    """The fields and the Content-Length of a WARC header block (without its CRLF CRLF).

    Raises:
        _Damaged: it is not a WARC header block.
    """
    lines = _LINE_END.split(head)
    if lines[0].strip() not in _VERSIONS:
        raise _Damaged(f"not a WARC record: starts with \"{escape(lines[0], 40)}\"")
    fields = parse_fields(lines[1:])
    declared = next((v for k, v in fields if k.lower() == "content-length"), None)
    try:
        length = int(declared or "")
    except ValueError:
        raise _Damaged(f"WARC Content-Length \"{escape(declared or '')}\" is not a length") from None
    if length < 0:
        raise _Damaged(f"WARC Content-Length {length} is not a length")
    return fields, length


class _Parser:
    """One record from a stream of bytes: header block, block, CRLF CRLF.

    ``feed`` returns how many of the bytes it took; it raises :class:`_Damaged` when the
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
                        raise _Damaged(f"not a WARC record: starts with \"{escape(bytes(self.buffer[:40]), 40)}\"")
                    if len(self.buffer) > MAX_HEADER_BYTES:
                        raise _Damaged("WARC header block too long or not terminated")
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
        return "record" if self.record is None else _describe(self.record)

    def why_unfinished(self) -> str:
        if self.record is None:
            if self.buffer:
                return f"{len(self.buffer)} bytes of a WARC header block with no end"
            return "no record"
        if self.seen < self.record.content_length:
            return (f"{self.describe()}: Content-Length {self.record.content_length} but only "
                    f"{self.seen} bytes of its block")
        return f"{self.describe()}: the record's closing CRLF CRLF is cut off"


def find_gzip_member(fh: IO[bytes], after: int) -> int:
    """The offset of the first gzip member at or after ``after`` that inflates to the start
    of a WARC record, or -1."""
    return _first_at(fh, after, _GZIP_MAGIC, _member_starts_record)


def _first_at(fh: IO[bytes], after: int, needle: bytes, accept: Any) -> int:
    """The first offset at or after ``after`` where ``needle`` stands and ``accept(fh,
    offset)`` holds, or -1; read ``READ_SIZE`` bytes at a time (a needle across two reads
    is found too)."""
    offset = after
    carry = b""
    while True:
        fh.seek(offset)
        data = fh.read(READ_SIZE)
        if not data:
            return -1
        window = carry + data
        base = offset - len(carry)
        index = window.find(needle)
        while index >= 0:
            if base + index >= after and accept(fh, base + index):
                return base + index
            index = window.find(needle, index + 1)
        carry = window[-(len(needle) - 1):]
        offset += len(data)


def _member_starts_record(fh: IO[bytes], offset: int) -> bool:
    fh.seek(offset)
    try:
        head = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(fh.read(4096), 64)
    except zlib.error:
        return False
    return head.lstrip(b"\r\n").startswith((b"WARC/1.", b"WARC/0."))


def find_plain_record(fh: IO[bytes], after: int) -> int:
    """The offset of the first line at or after ``after`` that starts ``WARC/1.`` (or
    ``WARC/0.``) and whose header block parses, or -1."""
    return _first_at(fh, after, b"WARC/", _plain_record_at)


def _plain_record_at(fh: IO[bytes], offset: int) -> bool:
    if offset > 0:
        fh.seek(offset - 1)
        if fh.read(1) != b"\n":
            return False
    fh.seek(offset)
    head = fh.read(READ_SIZE)
    if _LINE_END.split(head[:64], 1)[0].strip() not in _VERSIONS:
        return False
    end, _ = header_end(head)
    if end < 0 and len(head) == READ_SIZE:
        head += fh.read(MAX_HEADER_BYTES + 4 - READ_SIZE)
        end, _ = header_end(head)
    if end < 0:
        return False
    try:
        parse_warc_head(head[:end])
    except _Damaged:
        return False
    return True


def is_gzip(path: Path, fh: IO[bytes]) -> bool:
    """Whether to read the file as gzip members: it starts with the gzip magic, or its name
    ends ``.gz`` and it does not start with a WARC version line (a damaged first member)."""
    fh.seek(0)
    start = fh.read(8)
    fh.seek(0)
    if start[:2] == _GZIP_MAGIC[:2]:
        return True
    return path.name.endswith(".gz") and not start.lstrip(b"\r\n").startswith(b"WARC/")


def scan(path: str | os.PathLike[str], *,
         keep_block: Callable[[str, int], bool] | None = None,
         sink: Callable[[Record], Any] | None = None,
         start: int = 0, end: int | None = None) -> Iterator[Record | Gap]:
    """Every readable record of a WARC file and every gap between them, in file order.

    Args:
        path: The file.
        start, end: Read only bytes ``start`` to ``end`` (None: the file's end); ``start``
            must be where a record or gzip member begins.
        keep_block: Called with a record's type and length; when it returns True the
            record's whole block is kept (:attr:`Record.block`), up to
            :data:`MAX_KEPT_BLOCK` bytes.
        sink: Called with each record once its header block is parsed; what it returns
            (:attr:`Record.sink`) is fed the block's bytes (``feed(bytes)``) as they stream
            past. A record that turns out damaged is a :class:`Gap`, its sink dropped.

    Raises:
        OSError: The file cannot be read.
    """
    path = Path(path)
    size = path.stat().st_size
    if end is not None:
        size = min(size, end)
    with open(path, "rb") as fh:
        if size <= start:
            return
        if is_gzip(path, fh):
            yield from _scan_gzip(fh, size, keep_block, sink, start)
        else:
            yield from _scan_plain(fh, size, keep_block, sink, start)


def _gap(fh: IO[bytes], start: int, size: int, why: str,
         find: Callable[[IO[bytes], int], int]) -> tuple[Gap, int]:
    following = find(fh, start + 1)
    if following < 0:
        return Gap(start, size - start, why, tail=True), size
    return Gap(start, following - start, why), following


def _scan_gzip(fh: IO[bytes], size: int, keep_block: Callable[[str, int], bool] | None,
               sink: Callable[[Record], Any] | None, position: int = 0) -> Iterator[Record | Gap]:
    while position < size:
        fh.seek(position)
        if fh.read(3) != _GZIP_MAGIC:
            gap, position = _gap(fh, position, size, "bytes here are not a gzip member", find_gzip_member)
            yield gap
            continue
        try:
            record, end, extra = _read_member(fh, position, size, _Parser(position, keep_block, sink))
        except _Damaged as exc:
            why = str(exc)
            if why.startswith("truncated"):
                gap, position = _gap(fh, position, size, why, find_gzip_member)
            elif why.startswith("member-end:"):
                # the member inflated to its end but holds no whole record: it alone is damaged
                end = int(why.split(":", 2)[1])
                gap = Gap(position, end - position, why.split(":", 2)[2])
                position = end
            else:
                gap, position = _gap(fh, position, size, why, find_gzip_member)
            yield gap
            continue
        if extra:
            following = find_gzip_member(fh, position + 1)
            stop = size if following < 0 else following
            record.length = stop - position
            yield record
            if record.trailer_ok:
                why = "this gzip member holds more than one record: only the first is read"
            else:
                why = (f"{_describe(record)}: its block is not followed by CRLF CRLF (found "
                       f"\"{escape(record.found)}\"): its Content-Length {record.content_length} is wrong; "
                       "the rest of its gzip member is no record")
            yield Gap(position, stop - position, why, tail=following < 0, inside_record=True,
                      cause="records" if record.trailer_ok else "length")
            position = stop
            continue
        yield record
        position = end


def _read_member(fh: IO[bytes], start: int, size: int, parser: _Parser) -> tuple[Record, int, bool]:
    """The record of the gzip member at ``start``, the end of its last member, and whether
    more bytes than that record follow inside the member.

    A record whose block goes on past its member's end goes on in the next member when
    that member does not begin a record of its own (one record written as several
    members); when it does, the record is damaged (its Content-Length is too large).

    Raises:
        _Damaged: ``"truncated..."`` (the file ends inside the member), ``"member-end:END:why"``
            (the member inflated whole but is no whole record), or another reason (the
            member does not inflate, or is no record: where it ends is not known).
    """
    member = start
    extra = False

    def take(out: bytes) -> None:
        nonlocal extra
        if not out or extra:
            return
        used = parser.feed(out)
        if used < len(out) and out[used:].strip(b"\r\n"):
            extra = True

    while True:
        fh.seek(member)
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        read = 0
        while True:
            pending = fh.read(READ_SIZE)
            if not pending:
                unfinished = "" if parser.done else parser.why_unfinished() + "; "
                if parser.record is None and not parser.buffer:
                    unfinished = ""
                raise _Damaged(f"truncated: {unfinished}gzip member cut off at the end of the file, "
                               f"{size - member} bytes from its start")
            read += len(pending)
            try:
                out = inflater.decompress(pending, READ_SIZE)
                take(out)
                while not inflater.eof and inflater.unconsumed_tail and not extra:
                    out = inflater.decompress(inflater.unconsumed_tail, READ_SIZE)
                    take(out)
            except zlib.error as exc:
                raise _Damaged(f"the gzip member does not inflate: {escape(str(exc), 200)}") from None
            if extra:
                assert parser.record is not None and parser.done
                parser.record.offset = start
                parser.record.length = 0
                return parser.record, start, True
            if inflater.eof:
                break
        rest = inflater.unused_data or inflater.unconsumed_tail
        end = member + read - len(rest)
        if parser.finish():
            assert parser.record is not None
            parser.record.offset = start
            parser.record.length = end - start
            parser.record.members = parser.members
            return parser.record, end, False
        fh.seek(end)
        if ((parser.record is not None or parser.buffer) and end < size and fh.read(3) == _GZIP_MAGIC
                and not _member_starts_record(fh, end)):
            parser.members += 1
            member = end
            continue
        raise _Damaged(f"member-end:{end}:{parser.why_unfinished()} inside its gzip member")


def _scan_plain(fh: IO[bytes], size: int, keep_block: Callable[[str, int], bool] | None,
                sink: Callable[[Record], Any] | None, position: int = 0) -> Iterator[Record | Gap]:
    while position < size:
        fh.seek(position)
        parser = _Parser(position, keep_block, sink)
        consumed = 0
        try:
            while not parser.done:
                data = fh.read(READ_SIZE)
                if not data:
                    break
                used = parser.feed(data)
                consumed += used
                if parser.done:
                    break
        except _Damaged as exc:
            gap, position = _gap(fh, position, size, str(exc), find_plain_record)
            yield gap
            continue
        if parser.done or parser.finish():
            record = parser.record
            assert record is not None
            block_end = position + consumed
            record.length = block_end - record.offset
            if record.trailer_ok:
                yield record
                position = block_end
                continue
            following = find_plain_record(fh, record.offset + 1)
            if 0 <= following < block_end:
                # the block runs into the next record: its Content-Length is too large
                yield Gap(record.offset, following - record.offset,
                          f"{_describe(record)}: its Content-Length {record.content_length} runs into the "
                          f"next record, at {following}", cause="length")
                position = following
                continue
            yield record
            stop = size if following < 0 else following
            yield Gap(block_end, stop - block_end,
                      f"{_describe(record)} at {record.offset}: its block is not followed by CRLF CRLF (found "
                      f"\"{escape(record.found)}\"): its Content-Length {record.content_length} is wrong, "
                      "or junk follows it", tail=following < 0, cause="length")
            position = stop
            continue
        if parser.record is None and not parser.buffer:
            return  # only blank lines left
        why = f"truncated: {parser.why_unfinished()} before the end of the file"
        gap, position = _gap(fh, position, size, why, find_plain_record)
        yield gap


def readable_ranges(path: str | os.PathLike[str]) -> tuple[list[tuple[int, int]], list[Gap]]:
    """``([(offset, length)] of every readable record, [gaps])`` of a WARC file: an offset
    index of its good records, for a reader that cannot resynchronise itself (a CDXJ
    indexer, a replay) to read each record alone by seeking to it and skip the damage.

    Raises:
        OSError: The file cannot be read.
    """
    ranges: list[tuple[int, int]] = []
    gaps: list[Gap] = []
    for item in scan(path):
        if isinstance(item, Gap):
            gaps.append(item)
        else:
            ranges.append((item.offset, item.length))
    return ranges, gaps
