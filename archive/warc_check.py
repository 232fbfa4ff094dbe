"""Check WARC files record by record, and repair a truncated or corrupt tail.

warcio's reader and ``warcio check`` accept a ``.warc.gz`` whose last gzip member was cut
short by a crash: the last record reads back empty and validation passes (case B11,
webrecorder/warcio#138). They also accept a payload digest taken over chunk framing (case
B02, webrecorder/warcio#74). This module reads the file with :func:`archive.resync.scan`
(the reader ``reindex`` uses), one gzip member at a time (:mod:`zlib`, RFC 1952), and
parses each record's header block (WARC 1.1 section 4) and HTTP header block (RFC 9112) as
the bytes stream past, so no record is held in memory. After damaged bytes it goes on at
the next readable record (the next gzip member that inflates to a record, or in a plain
file the next ``WARC/1.`` line that parses), so one fault hides nothing after it.

Files from other tools are judged by the standard, not by our writer's habits: a file need
not start with ``warcinfo``; digests may be base32, base64 or hex; a record that stores no
payload (a revisit written as a response, a 304) is not compared with the digest of an
empty body; fewer CR LF than CRLF CRLF after a block are read as warcio reads them. An ARC
file (``filedesc://`` first, plain or gzipped) is read by warcio's reader, as ``warcio
check`` reads it (:mod:`archive.arc_check`): ARC records carry no digests, so only that
every record reads is checked, and ``--repair`` leaves it alone.

What :func:`check_file` verifies, and the ``kind`` of each :class:`Finding`:

==================  ===========================================================================
``truncated``       the file ends inside a gzip member or a record: the record declares more
                    bytes (``Content-Length``) than the file holds (B11)
``corrupt``         bytes that are not a gzip member, a member that does not inflate or whose
                    CRC fails, a record whose header block cannot be parsed, or whose block
                    does not end where its ``Content-Length`` says (not followed by CRLF
                    CRLF, or its gzip member ends first); a member that inflates past its
                    record (a gzip bomb) is not inflated further
``gzip-member``     a record that does not fill exactly one gzip member (several records in
                    one member, or one record spread over several)
``header``          a missing mandatory WARC field (WARC 1.1 section 5)
``block-digest``    ``WARC-Block-Digest`` does not match the block (section 5.8)
``payload-digest``  ``WARC-Payload-Digest`` does not match the entity body after transfer
                    decoding (section 5.9); the detail says when it matches the chunked bytes
``content-length``  the HTTP ``Content-Length`` disagrees with the stored entity body
``chunked``         the stored headers say ``Transfer-Encoding: chunked`` but the body is
                    not valid chunked framing (a warning when it holds no chunk at all and
                    the payload digest is over the bytes as stored: a body stored de-chunked
                    under its original header, which warcio and pywb read as stored)
``content-encoding`` ``Content-Encoding: gzip`` (or deflate) over a body that does not decode
==================  ===========================================================================

:func:`repair_tail` moves a damaged tail (the bytes after the last readable record, which
belong to no readable record) into ``FILE.damaged``, so the WARC is readable to its end
again; damage in the middle of a file is reported and left in place. It never deletes
bytes (``kept + .damaged == original``), and running it twice is harmless.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.arc_check import check_arc, is_arc
from archive.resync import Gap, escape, header_end, parse_fields, scan

__all__ = [
    "CheckResult",
    "Finding",
    "RepairResult",
    "check_file",
    "check_files",
    "repair_tail",
]

#: Bytes read from the file at a time.
READ_SIZE = 1 << 16
#: The longest WARC or HTTP header block accepted before the record is called corrupt.
MAX_HEADER_BYTES = 1 << 20
#: Fields every WARC record must have (WARC 1.1 section 5).
MANDATORY_FIELDS = ("WARC-Record-ID", "Content-Length", "WARC-Date", "WARC-Type")
#: Statuses whose responses carry no body whatever Content-Length says (RFC 9110 section 6.4.1).
_NO_BODY_STATUSES = frozenset({204, 304})


@dataclass(frozen=True)
class Finding:
    """One problem found in a WARC file.

    Attributes:
        path: The file.
        offset: Byte offset in the file (of the gzip member, or of the record in an
            uncompressed file) where the problem lies.
        kind: What kind of problem (see the module docstring).
        detail: A sentence for people.
        warning: True when the record reads the same in every reader (warcio, pywb) all the
            same: reported, but the file is not called faulty for it.
    """

    path: Path
    offset: int
    kind: str
    detail: str
    #: True for what other readers accept (a warning, printed but no problem)
    warning: bool = False

    def __str__(self) -> str:
        return f"{self.path}:{self.offset}  {self.kind}{' (warning)' if self.warning else ''}  {self.detail}"


@dataclass
class CheckResult:
    """What :func:`check_file` found in one file.

    Attributes:
        path: The file.
        size: Its size in bytes.
        records: Whole records read.
        findings: The problems, in file order.
        good_end: The offset just after the last readable record: what follows belongs
            to no readable record (a truncated or damaged tail). Equals ``size`` when the
            file ends with a readable record, even when damage lies before it.
    """

    path: Path
    size: int = 0
    records: int = 0
    findings: list[Finding] = field(default_factory=list)
    good_end: int = 0

    @property
    def ok(self) -> bool:
        """True when nothing but warnings was found."""
        return all(f.warning for f in self.findings)

    @property
    def damaged_tail(self) -> bool:
        """True when the file ends in bytes that are not whole records (repairable)."""
        return self.good_end < self.size


@dataclass(frozen=True)
class RepairResult:
    """What :func:`repair_tail` did to one file.

    Attributes:
        path: The WARC file, now ending after its last whole record.
        kept_bytes: Its new size.
        moved_bytes: How many bytes were cut off.
        damaged_path: The file those bytes were written to.
        findings: The findings of the check that led to the repair.
    """

    path: Path
    kept_bytes: int
    moved_bytes: int
    damaged_path: Path
    findings: tuple[Finding, ...] = ()


# ---- digests ---------------------------------------------------------------------------------


def _new_hasher(label: str | None) -> tuple[str, hashlib._Hash] | None:
    """``(algorithm, hasher)`` for a WARC digest label like ``sha1:BASE32``; None if unusable."""
    if not label or ":" not in label:
        return None
    algorithm = label.split(":", 1)[0].strip().lower().replace("-", "")
    try:
        return algorithm, hashlib.new(algorithm)
    except ValueError:
        return None


def _digest_matches(label: str, digest: bytes) -> bool:
    """Whether the label's value spells ``digest``: in base32 (as most WARC tools write it),
    base64 (standard or URL-safe alphabet, padded or not) or hex. WARC 1.1 sections 5.8 and
    5.9 leave the encoding to the tool that documents it."""
    value = label.split(":", 1)[1].strip()
    if value.lower() == digest.hex():
        return True
    padded = value.upper() + "=" * (-len(value) % 8)
    try:
        if base64.b32decode(padded) == digest:
            return True
    except (binascii.Error, ValueError):
        pass
    padded = value + "=" * (-len(value) % 4)
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            if decode(padded) == digest:
                return True
        except (binascii.Error, ValueError):
            continue
    return False


def _label(algorithm: str, digest: bytes) -> str:
    return f"{algorithm}:{base64.b32encode(digest).decode('ascii')}"


# ---- header blocks ---------------------------------------------------------------------------


def _get(fields: Iterable[tuple[str, str]], name: str) -> str | None:
    lname = name.lower()
    for key, value in fields:
        if key.lower() == lname:
            return value
    return None


class _Dechunker:
    """Strict streaming ``Transfer-Encoding: chunked`` decoder (RFC 9112 section 7.1)."""

    def __init__(self) -> None:
        self.buffer = b""
        self.remaining = -1  # -1: expecting a size line; >0: chunk data; -2: CRLF after data
        self.done = False
        self.error: str | None = None
        self.chunks = 0  # chunk size lines read

    def feed(self, data: bytes) -> bytes:
        if self.done or self.error:
            return b""
        out = bytearray()
        self.buffer += data
        while self.buffer and not self.done:
            if self.remaining == -1:
                end = self.buffer.find(b"\r\n")
                if end < 0:
                    if len(self.buffer) > 1024:
                        self.error = "chunk size line too long"
                    break
                try:
                    size = int(self.buffer[:end].split(b";")[0].strip(), 16)
                except ValueError:
                    self.error = f"bad chunk size line \"{escape(self.buffer[:min(end, 40)])}\""
                    break
                self.buffer = self.buffer[end + 2:]
                self.chunks += 1
                if size == 0:
                    self.done = True  # trailers, if any, are not part of the entity
                    break
                self.remaining = size
            elif self.remaining == -2:
                if len(self.buffer) < 2:
                    break
                if self.buffer[:2] != b"\r\n":
                    self.error = "chunk data not followed by CRLF"
                    break
                self.buffer = self.buffer[2:]
                self.remaining = -1
            else:
                take = self.buffer[: self.remaining]
                out += take
                self.buffer = self.buffer[len(take):]
                self.remaining -= len(take)
                if self.remaining == 0:
                    self.remaining = -2
        return bytes(out)


class _ContentDecoder:
    """Checks, as the bytes stream past, that a body decodes under its Content-Encoding.

    ``deflate`` is the zlib format (RFC 9110 section 8.4.1.2); raw deflate, which some
    servers send, is accepted too (as browsers do).
    """

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._inflater: Any = None if coding == "deflate" else zlib.decompressobj(zlib.MAX_WBITS | 16)
        self._head = b""
        self.error: str | None = None

    def feed(self, data: bytes) -> None:
        if self.error or not data:
            return
        if self._inflater is None:
            self._head += data
            if len(self._head) < 2:
                return
            cmf, flg = self._head[0], self._head[1]
            zlib_wrapped = cmf & 0x0F == 8 and (cmf * 256 + flg) % 31 == 0
            self._inflater = zlib.decompressobj(zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS)
            data, self._head = self._head, b""
        try:
            self._inflater.decompress(data, 1 << 16)
            while self._inflater.unconsumed_tail:
                self._inflater.decompress(self._inflater.unconsumed_tail, 1 << 16)
        except zlib.error as exc:
            self.error = f"body is not valid {self.coding}: {exc}"

    def finish(self, empty: bool) -> None:
        if self.error is None and not empty and (self._inflater is None or not self._inflater.eof):
            self.error = f"{self.coding} body ends before its end-of-stream marker"


# ---- one record, streamed ----------------------------------------------------------------------


class _Record:
    """One record's block as it streams past: digests, HTTP header block, payload checks."""

    def __init__(self, offset: int, warc_fields: list[tuple[str, str]], length: int) -> None:
        self.offset = offset
        self.fields = warc_fields
        self.length = length
        self.seen = 0
        self.rec_type = (_get(warc_fields, "WARC-Type") or "").lower()
        self.uri = _get(warc_fields, "WARC-Target-URI") or ""
        self.block_label = _get(warc_fields, "WARC-Block-Digest")
        self.block_hasher = _new_hasher(self.block_label)
        self.payload_label = _get(warc_fields, "WARC-Payload-Digest")
        content_type = (_get(warc_fields, "Content-Type") or "").lower()
        self.http = self.rec_type in ("response", "revisit") and content_type.startswith("application/http")
        self.resource = self.rec_type == "resource"
        self.truncated_flag = _get(warc_fields, "WARC-Truncated")
        # HTTP state
        self.http_head = b""
        self.in_payload = not self.http
        self.status: int | None = None
        self.http_fields: list[tuple[str, str]] = []
        self.payload_len = 0
        self.payload_hasher: tuple[str, hashlib._Hash] | None = None
        self.raw_hasher: tuple[str, hashlib._Hash] | None = None
        self.chunked = False
        self.dechunker: _Dechunker | None = None
        self.decoder: _ContentDecoder | None = None
        self.decoded_len = 0
        self.http_error: str | None = None
        if self.resource:
            self.payload_hasher = _new_hasher(self.payload_label)

    @classmethod
    def start(cls, record: Any) -> _Record:
        """The checker of a record whose header block :func:`archive.resync.scan` parsed."""
        return cls(record.offset, record.fields, record.content_length)

    def describe(self) -> str:
        return escape(f"{self.rec_type or 'record'} {self.uri}".rstrip(), 300)

    def feed(self, data: bytes) -> None:
        self.seen += len(data)
        if self.block_hasher:
            self.block_hasher[1].update(data)
        if self.http and self.http_error is None:
            self._feed_http(data)
        elif self.resource and self.payload_hasher:
            self.payload_hasher[1].update(data)

    def _feed_http(self, data: bytes) -> None:
        if not self.in_payload:
            self.http_head += data
            end, after = header_end(self.http_head)
            if end < 0:
                if len(self.http_head) > MAX_HEADER_BYTES:
                    self.http_error = "HTTP header block too long or not terminated"
                return
            head, data = self.http_head[:end], self.http_head[after:]
            self.http_head = b""
            self.in_payload = True
            try:
                self._start_payload(head)
            except ValueError as exc:
                self.http_error = f"HTTP header block cannot be parsed: {exc}"
                return
        self.payload_len += len(data)
        if self.rec_type != "response":
            return
        if self.raw_hasher:
            self.raw_hasher[1].update(data)
        if self.dechunker:
            data = self.dechunker.feed(data)
        if self.payload_hasher:
            self.payload_hasher[1].update(data)
        self.decoded_len += len(data)
        if self.decoder:
            self.decoder.feed(data)

    def _start_payload(self, head: bytes) -> None:
        lines = re.split(rb"\r*\n", head)
        status_line = lines[0].decode("latin-1")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise ValueError(f"bad status line \"{escape(status_line)}\"")
        self.status = int(parts[1])
        self.http_fields = parse_fields(lines[1:])
        te = (_get(self.http_fields, "Transfer-Encoding") or "").lower()
        self.chunked = "chunked" in te
        if self.rec_type != "response":
            return
        self.payload_hasher = _new_hasher(self.payload_label)
        if self.chunked:
            self.dechunker = _Dechunker()
            self.raw_hasher = _new_hasher(self.payload_label)
        coding = (_get(self.http_fields, "Content-Encoding") or "").strip().lower()
        if coding in ("gzip", "x-gzip", "deflate"):
            self.decoder = _ContentDecoder(coding)

    def findings(self, path: Path) -> Iterator[Finding]:
        """The problems of a whole record (call once its block has been fed)."""
        where = self.describe()
        if self.block_label:
            if self.block_hasher is None:
                pass  # an algorithm hashlib does not know: nothing to compare
            elif not _digest_matches(self.block_label, self.block_hasher[1].digest()):
                yield Finding(path, self.offset, "block-digest",
                              f"{where}: WARC-Block-Digest {self.block_label} but the block's is "
                              f"{_label(self.block_hasher[0], self.block_hasher[1].digest())}")
        if self.http_error:
            yield Finding(path, self.offset, "corrupt", f"{where}: {self.http_error}")
            return
        if self.http and not self.in_payload:
            # a block that ends where its HTTP header block's last line does, without the
            # empty line, reads as that header block and no payload (as warcio reads it)
            head, self.http_head = self.http_head, b""
            try:
                if not head:
                    raise ValueError("empty")
                self.in_payload = True
                self._start_payload(head)
            except ValueError:
                yield Finding(path, self.offset, "corrupt", f"{where}: the block ends inside the HTTP header block")
                return
        if self.resource and self.payload_label and self.payload_hasher and self.seen:
            if not _digest_matches(self.payload_label, self.payload_hasher[1].digest()):
                yield Finding(path, self.offset, "payload-digest",
                              f"{where}: WARC-Payload-Digest {self.payload_label} does not match the block")
        if self.rec_type != "response" or not self.http:
            return
        complete = not self.truncated_flag
        if self.dechunker and (self.dechunker.error or not self.dechunker.done):
            detail = self.dechunker.error or "chunked body ends before its last chunk"
            # no chunk at all, and the payload digest (if any) is over the bytes as stored: a
            # body stored de-chunked under its original header (pywb's iana.warc.gz), which
            # warcio and pywb read as stored: a warning, as `warcio check` has none
            as_stored = self.dechunker.chunks == 0 and self.dechunker.error is not None and (
                not self.payload_label or not self.raw_hasher
                or _digest_matches(self.payload_label, self.raw_hasher[1].digest()))
            if complete and as_stored:
                yield Finding(path, self.offset, "chunked",
                              f"{where}: headers say Transfer-Encoding: chunked but the body is stored "
                              f"de-chunked ({detail}); readers take it as stored", warning=True)
            elif complete:
                yield Finding(path, self.offset, "chunked",
                              f"{where}: headers say Transfer-Encoding: chunked but {detail}")
        if self.payload_label and self.payload_hasher and self.payload_len:
            # a record that stores no payload (a revisit written as a response, a 304, the
            # answer to a HEAD) names the digest of a payload it does not hold: nothing to compare
            digest = self.payload_hasher[1].digest()
            over_chunks = bool(self.raw_hasher and _digest_matches(self.payload_label, self.raw_hasher[1].digest()))
            if self.dechunker and (self.dechunker.error or not self.dechunker.done) and over_chunks:
                pass  # stored de-chunked under its original Transfer-Encoding header: the chunked finding says so
            elif not _digest_matches(self.payload_label, digest):
                yield Finding(
                    path, self.offset, "payload-digest",
                    f"{where}: WARC-Payload-Digest {self.payload_label} but the entity's is "
                    f"{_label(self.payload_hasher[0], digest)}"
                    + (" (the stored digest is over the chunk framing, case B02)" if over_chunks else ""),
                )
        declared = _get(self.http_fields, "Content-Length")
        if (declared is not None and not self.chunked and complete and self.status is not None
                and self.status not in _NO_BODY_STATUSES and not 100 <= self.status < 200):
            try:
                declared_len = int(declared.split(",")[0].strip())
            except ValueError:
                yield Finding(path, self.offset, "content-length", f"{where}: Content-Length \"{escape(declared)}\" is not a number")
            else:
                if declared_len != self.payload_len:
                    yield Finding(path, self.offset, "content-length",
                                  f"{where}: Content-Length {declared_len} but the stored body is "
                                  f"{self.payload_len} bytes")
        if self.decoder and complete:
            self.decoder.finish(empty=self.decoded_len == 0)
            if self.decoder.error:
                yield Finding(path, self.offset, "content-encoding", f"{where}: {self.decoder.error}")


# ---- one file --------------------------------------------------------------------------------


def check_file(path: str | os.PathLike[str]) -> CheckResult:
    """Check one WARC file: a ``.warc.gz`` of gzip members (RFC 1952), or a plain ``.warc``.

    Every record's digests and HTTP headers are checked (see the module docstring), and
    each gzip member must hold exactly one record. The file is read with
    :func:`archive.resync.scan`, as ``reindex`` reads it: after damaged bytes the check goes
    on at the next readable record, so one fault hides nothing after it, and both agree on
    which bytes are records.

    Args:
        path: The file.

    Returns:
        The findings (in file order) and ``good_end``, the offset just after the last
        readable record: only bytes that belong to no readable record follow it.

    Raises:
        OSError: The file cannot be read.
    """
    path = Path(path)
    result = CheckResult(path=path, size=path.stat().st_size)
    report = result.findings.append
    if is_arc(path):
        result.records, error = check_arc(path)
        result.good_end = result.size
        if error:
            report(Finding(path, error[0], "corrupt", error[1]))
        return result
    for item in scan(path, sink=_Record.start):
        if isinstance(item, Gap):
            if item.inside_record and item.cause == "records":
                report(Finding(path, item.offset, "gzip-member", item.why))
                result.good_end = item.offset + item.length
            elif item.inside_record:
                report(Finding(path, item.offset, "corrupt", item.why))
                result.good_end = item.offset + item.length
            elif item.tail and item.why.startswith("truncated: "):
                report(Finding(path, item.offset, "truncated", item.why[len("truncated: "):]))
            else:
                report(Finding(path, item.offset, "corrupt", f"{item.why} ({item.length} bytes)"))
            continue
        result.records += 1
        result.good_end = item.offset + item.length
        checker: _Record = item.sink
        missing = [name for name in MANDATORY_FIELDS if item.header(name) is None]
        if missing:
            report(Finding(path, item.offset, "header", f"{checker.describe()}: missing {', '.join(missing)}"))
        if item.members > 1:
            report(Finding(path, item.offset, "gzip-member",
                           f"{checker.describe()}: the record continues past the end of its gzip member "
                           f"({item.members} members)"))
        for finding in checker.findings(path):
            report(finding)
    result.findings.sort(key=lambda f: f.offset)
    return result


def check_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[CheckResult]:
    """:func:`check_file` for each path, in the order given."""
    for path in paths:
        yield check_file(path)


# ---- repair ----------------------------------------------------------------------------------


def _damaged_path(path: Path) -> Path:
    candidate = path.with_name(path.name + ".damaged")
    serial = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.damaged.{serial}")
        serial += 1
    return candidate


def repair_tail(path: str | os.PathLike[str], result: CheckResult | None = None) -> RepairResult | None:
    """Cut a truncated or corrupt tail off a WARC file, keeping the cut bytes aside.

    The file is checked (unless ``result`` is a fresh :func:`check_file` of it) and, when it
    ends in bytes that belong to no readable record (``good_end < size``: a gzip member cut
    off by a crash, case B11, or garbage), those bytes are first written to ``FILE.damaged``
    (or ``FILE.damaged.2`` ... when that exists) and flushed to disk, then the WARC is
    truncated to ``good_end``: the kept file and the ``.damaged`` file together are the
    original, byte for byte. Damage with a readable record after it (a member that does not
    inflate, junk between members, a wrong Content-Length, a bad digest) is left in place:
    the check reports it, and ``reindex`` reads past it. A second call finds nothing to cut
    and returns None.

    This is the hook a crawl calls on the WARC file an earlier crash left open, before it
    begins a new file.

    Args:
        path: The WARC file. Nothing may be writing to it.
        result: Its check result, when already computed.

    Returns:
        What was moved, or None when the file already ends after a whole record.

    Raises:
        OSError: The file cannot be read, or the ``.damaged`` file written, or the WARC
            truncated (the WARC is then unchanged, or whole up to ``good_end``).
    """
    path = Path(path)
    if result is None:
        result = check_file(path)
    if not result.damaged_tail:
        return None
    damaged = _damaged_path(path)
    moved = result.size - result.good_end
    with open(path, "rb") as src, open(damaged, "xb") as out:
        src.seek(result.good_end)
        while True:
            chunk = src.read(READ_SIZE)
            if not chunk:
                break
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    with open(path, "r+b") as fh:
        fh.truncate(result.good_end)
        fh.flush()
        os.fsync(fh.fileno())
    tail = tuple(f for f in result.findings if f.offset >= result.good_end)
    return RepairResult(path=path, kept_bytes=result.good_end, moved_bytes=moved, damaged_path=damaged, findings=tail)
