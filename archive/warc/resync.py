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
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from archive.warc.parse import (
    LINE_END, MAX_HEADER_BYTES, READ_SIZE, WARC_VERSIONS, Damaged, Gap, Record, RecordParser, describe_record, escape,
    header_end, parse_warc_head,
)

__all__ = ["find_gzip_member", "find_plain_record", "is_gzip", "readable_ranges", "scan"]

_GZIP_MAGIC = b"\x1f\x8b\x08"


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
    if LINE_END.split(head[:64], 1)[0].strip() not in WARC_VERSIONS:
        return False
    end, _ = header_end(head)
    if end < 0 and len(head) == READ_SIZE:
        head += fh.read(MAX_HEADER_BYTES + 4 - READ_SIZE)
        end, _ = header_end(head)
    if end < 0:
        return False
    try:
        parse_warc_head(head[:end])
    except Damaged:
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
            record, end, extra = _read_member(fh, position, size, RecordParser(position, keep_block, sink))
        except Damaged as exc:
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
                why = (f"{describe_record(record)}: its block is not followed by CRLF CRLF (found "
                       f"\"{escape(record.found)}\"): its Content-Length {record.content_length} is wrong; "
                       "the rest of its gzip member is no record")
            yield Gap(position, stop - position, why, tail=following < 0, inside_record=True,
                      cause="records" if record.trailer_ok else "length")
            position = stop
            continue
        yield record
        position = end


def _read_member(fh: IO[bytes], start: int, size: int, parser: RecordParser) -> tuple[Record, int, bool]:
    """The record of the gzip member at ``start``, the end of its last member, and whether
    more bytes than that record follow inside the member.

    A record whose block goes on past its member's end goes on in the next member when
    that member does not begin a record of its own (one record written as several
    members); when it does, the record is damaged (its Content-Length is too large).

    Raises:
        Damaged: ``"truncated..."`` (the file ends inside the member), ``"member-end:END:why"``
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
                raise Damaged(f"truncated: {unfinished}gzip member cut off at the end of the file, "
                               f"{size - member} bytes from its start")
            read += len(pending)
            try:
                out = inflater.decompress(pending, READ_SIZE)
                take(out)
                while not inflater.eof and inflater.unconsumed_tail and not extra:
                    out = inflater.decompress(inflater.unconsumed_tail, READ_SIZE)
                    take(out)
            except zlib.error as exc:
                raise Damaged(f"the gzip member does not inflate: {escape(str(exc), 200)}") from None
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
        raise Damaged(f"member-end:{end}:{parser.why_unfinished()} inside its gzip member")


def _scan_plain(fh: IO[bytes], size: int, keep_block: Callable[[str, int], bool] | None,
                sink: Callable[[Record], Any] | None, position: int = 0) -> Iterator[Record | Gap]:
    while position < size:
        fh.seek(position)
        parser = RecordParser(position, keep_block, sink)
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
        except Damaged as exc:
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
                          f"{describe_record(record)}: its Content-Length {record.content_length} runs into the "
                          f"next record, at {following}", cause="length")
                position = following
                continue
            yield record
            stop = size if following < 0 else following
            yield Gap(block_end, stop - block_end,
                      f"{describe_record(record)} at {record.offset}: its block is not followed by CRLF CRLF (found "
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
