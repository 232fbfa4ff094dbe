"""One WARC file's CDXJ lines for replay, read past damage, without HEAD responses.

:func:`index_file` finds the file's readable records with the resynchronising reader
(:func:`archive.warc.resync.scan`), so a damaged gzip member, a wrong ``Content-Length`` or junk
between members costs only its own bytes (each is a :class:`archive.warc.parse.Gap`), and
hands each stretch of whole records to cdxj-indexer (``cdxj_indexer.main.CDXJIndexer``,
the indexer pywb uses), which writes the lines: ``SURT-urlkey 14-digit-timestamp {json}``
(https://pywb.readthedocs.io/en/latest/manual/indexing.html), offsets and lengths in
bytes from the start of the file. A record whose gzip member holds more than the record (a
Content-Length too small, a gzip bomb that declares 100 bytes and inflates to 1 GiB) is
handed to cdxj-indexer alone, inflated only to its own end, since warcio would read the
rest of the member as one line, in memory.

The response records of HEAD requests get no line, and the 2xx responses without a
payload are named (:mod:`archive.replayable`), so that the merged index can leave them
out where a capture of the same URL holds a payload. ARC files (``.arc``, ``.arc.gz``),
which the resynchronising reader does not read, are indexed whole by cdxj-indexer and
must be readable to their end.
"""
from __future__ import annotations

import io
import json
import tempfile
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from archive.replayable import HeadPairs, is_bodiless
from archive.warc.parse import Gap, escape, header_end
from archive.warc.resync import scan

__all__ = ["FileIndex", "INDEXED_RECORDS", "index_file"]

#: Record types indexed for replay. Request records are only needed for POST replay, and
#: our ``metadata`` records (the extracted article as JSON) share the article's URL and
#: time, so indexing them could make replay serve the JSON instead of the page.
INDEXED_RECORDS = "response,revisit,resource"
#: Responses whose offset is remembered for a HEAD request written after them.
_RECENT = 4096


@dataclass
class FileIndex:
    """What :func:`index_file` found in one file.

    Attributes:
        lines: The CDXJ lines, sorted (plain byte order, as pywb's binary search needs).
        gaps: ``(offset, length, why)`` of each stretch of bytes that is no readable record
            (``why`` is printable text); the records around it are indexed.
        bodiless: ``[urlkey, offset]`` of each line of a 2xx response with no payload.
        heads: Response records of HEAD requests left out.
    """

    lines: list[str] = field(default_factory=list)
    gaps: list[tuple[int, int, str]] = field(default_factory=list)
    bodiless: list[tuple[str, int]] = field(default_factory=list)
    heads: int = 0


class _Window(io.RawIOBase):
    """Bytes ``start`` to ``end`` of an open file; ``tell`` answers file offsets, so the
    offsets warcio gives its records are the file's."""

    def __init__(self, fh: IO[bytes], start: int, end: int) -> None:
        super().__init__()
        self.fh, self.end = fh, end
        fh.seek(start)

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.fh.tell()

    def read(self, size: int = -1) -> bytes:
        room = self.end - self.fh.tell()
        if room <= 0:
            return b""
        return self.fh.read(room if size is None or size < 0 else min(size, room))

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _cdxj(fh: IO[bytes], name: str, start: int, end: int) -> list[str]:
    """cdxj-indexer's lines for the records in bytes ``start`` to ``end`` of ``fh``.

    Raises:
        Exception: whatever warcio/cdxj-indexer raise on bytes they cannot parse.
    """
    from cdxj_indexer.main import CDXJIndexer

    out = io.StringIO()
    window = _Window(fh, start, end)
    indexer = CDXJIndexer(output=out, inputs=[], filename=name, sort=False, records=INDEXED_RECORDS)
    # process_all() would open ``output`` as a path; process_one writes to a stream.
    indexer.process_one(window, out, name)
    return out.getvalue().splitlines(keepends=True)


def _member_record(fh: IO[bytes], offset: int, content_length: int) -> IO[bytes]:
    """The first record of the gzip member at ``offset`` as a plain WARC record (its header
    block, ``content_length`` bytes of block, CRLF CRLF) in a temporary file (in memory up
    to 16 MB), inflated no further than that: the rest of the member (a gzip bomb's zeros,
    the bytes after a Content-Length too small) is never inflated, where warcio would read
    it whole as one line."""
    out = tempfile.SpooledTemporaryFile(max_size=16 << 20)
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    fh.seek(offset)
    head, need, written, pending = bytearray(), -1, 0, b""
    while need < 0 or written < need:
        if not pending:
            pending = fh.read(1 << 16)
            if not pending:
                break
        data = inflater.decompress(pending, 1 << 16)
        pending = inflater.unconsumed_tail or (inflater.unused_data if inflater.eof else b"")
        if inflater.eof and not data:
            break
        if need < 0:
            head += data
            stripped = head.lstrip(b"\r\n")
            _, after = header_end(stripped)
            if after < 0:
                continue
            data, need = bytes(stripped), after + content_length
        out.write(data[: need - written])
        written += min(len(data), need - written)
    out.write(b"\r\n\r\n")
    out.seek(0)
    return out


def _cdxj_alone(fh: IO[bytes], name: str, offset: int, length: int, content_length: int) -> list[str]:
    """cdxj-indexer's line for a record whose gzip member holds more than it, with the
    member's ``offset`` and ``length`` (pywb reads the record there and stops at its end)."""
    with _member_record(fh, offset, content_length) as plain:
        plain.seek(0, io.SEEK_END)
        size = plain.tell()
        lines = _cdxj(plain, name, 0, size)  # type: ignore[arg-type]
    out = []
    for line in lines:
        key, stamp, blob = line.rstrip("\n").split(" ", 2)
        info = json.loads(blob)
        info.update(offset=str(offset), length=str(length))
        out.append(f"{key} {stamp} {json.dumps(info)}\n")
    return out


def _spans(path: Path, result: FileIndex, start: int = 0, end: int | None = None
           ) -> tuple[list[list[tuple[int, int]]], set[int], set[int], dict[int, tuple[int, int]]]:
    """The runs of whole records between gaps (``[(offset, length)]`` each), the offsets of
    HEAD responses and of bodiless 2xx responses, and ``{offset: (length, content length)}``
    of the records whose gzip member holds more than the record (indexed alone);
    ``result.gaps`` filled."""
    spans: list[list[tuple[int, int]]] = [[]]
    pairs = HeadPairs()
    recent: OrderedDict[str, int] = OrderedDict()
    heads: set[int] = set()
    bodiless: set[int] = set()
    alone: dict[int, tuple[int, int]] = {}
    last_length = 0
    for item in scan(path, start=start, end=end):
        if isinstance(item, Gap):
            result.gaps.append((item.offset, item.length, escape(item.why, 300)))
            if item.inside_record and spans[-1] and spans[-1][-1][0] == item.offset:
                offset, length = spans[-1].pop()
                alone[offset] = (length, last_length)
            if spans[-1]:
                spans.append([])
            continue
        last_length = item.content_length
        spans[-1].append((item.offset, item.length))
        if item.rec_type == "response":
            recent[(item.header("WARC-Record-ID") or "").strip()] = item.offset
            if len(recent) > _RECENT:
                recent.popitem(last=False)
            if is_bodiless(item):
                bodiless.add(item.offset)
        for record_id in pairs.see(item):
            if record_id in recent:
                heads.add(recent[record_id])
    return [span for span in spans if span], heads, bodiless, alone


def _check_whole_gzip(path: Path, chunk_size: int = 1 << 20) -> None:
    """Raise ``ValueError`` unless a ``.gz`` ARC file is whole gzip members (RFC 1952),
    each ending with its trailer (warcio reads a member cut short without complaint)."""
    decomp = zlib.decompressobj(wbits=31)
    offset = consumed = 0
    with open(path, "rb") as fh:
        while data := fh.read(chunk_size):
            while data:
                try:
                    decomp.decompress(data)
                except zlib.error as exc:
                    raise ValueError(f"not gzip at offset {offset}: {exc}") from None
                if decomp.eof:
                    consumed += len(data) - len(decomp.unused_data)
                    offset = consumed
                    data = decomp.unused_data
                    decomp = zlib.decompressobj(wbits=31)
                else:
                    consumed += len(data)
                    data = b""
    if consumed != offset:
        raise ValueError(f"truncated: the gzip member at offset {offset} ends before its trailer")


def _index_arc(path: Path) -> FileIndex:
    with open(path, "rb") as fh:
        head = fh.read(16)
        if head and not path.name.endswith(".gz") and not head.startswith(b"filedesc://"):
            raise ValueError("does not begin with filedesc://")
        if path.name.endswith(".gz"):
            _check_whole_gzip(path)
        lines = _cdxj(fh, path.name, 0, path.stat().st_size)
    return FileIndex(lines=sorted(lines))


def index_file(path: Path, start: int = 0, end: int | None = None) -> FileIndex:
    """The CDXJ lines of one WARC file (``filename`` relative to its folder), past damage.

    Args:
        path: A ``.warc.gz`` or ``.warc`` file (WARC 1.0 or 1.1); ``.arc`` and ``.arc.gz``
            are indexed whole.
        start, end: Only the records in bytes ``start`` to ``end`` (None: to the file's
            end); both must be record boundaries. The results of consecutive ranges that
            cover a file and have no gaps, put together, are those of the whole file, as
            long as no range parts a request from its response (:mod:`archive.warc.cdxj_ahead`).

    Returns:
        A :class:`FileIndex`: every readable response, revisit and resource record but the
        responses of HEAD requests, sorted; the gaps skipped; the bodiless 2xx lines.

    Raises:
        ValueError: the file holds bytes but no readable WARC record (or, for an ARC
            file, it cannot be read to its end).
        OSError: the file cannot be read.
    """
    if path.name.endswith((".arc", ".arc.gz")):
        return _index_arc(path)
    result = FileIndex()
    spans, heads, bodiless, alone = _spans(path, result, start, end)
    if not spans and not alone and path.stat().st_size and start == 0 and end is None:
        why = result.gaps[0][2] if result.gaps else "no WARC record"
        raise ValueError(f"no readable WARC record in it: {why}")
    lines: list[str] = []
    with open(path, "rb") as fh:
        for offset, (length, content_length) in alone.items():
            try:
                lines.extend(_cdxj_alone(fh, path.name, offset, length, content_length))
            except Exception as exc:  # noqa: BLE001 - as below
                result.gaps.append((offset, length, escape(f"cdxj-indexer cannot read the record: "
                                                          f"{type(exc).__name__}: {exc}", 300)))
        for span in spans:
            try:
                lines.extend(_cdxj(fh, path.name, span[0][0], span[-1][0] + span[-1][1]))
                continue
            except Exception:  # noqa: BLE001 - warcio raises assorted errors: record by record then
                pass
            for offset, length in span:
                try:
                    lines.extend(_cdxj(fh, path.name, offset, offset + length))
                except Exception as exc:  # noqa: BLE001
                    result.gaps.append((offset, length, escape(f"cdxj-indexer cannot read the record: "
                                                              f"{type(exc).__name__}: {exc}", 300)))
    for line in lines:
        key, _, rest = line.partition(" ")
        offset = int(json.loads(rest.split(" ", 1)[1]).get("offset", -1))
        if offset in heads:
            result.heads += 1
            continue
        if offset in bodiless:
            result.bodiless.append((key, offset))
        result.lines.append(line)
    result.lines.sort()
    result.gaps.sort()
    return result
