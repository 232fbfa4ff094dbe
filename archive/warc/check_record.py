"""One WARC record checked strictly as its block streams past (for :mod:`archive.warc.check`).

The reader (:mod:`archive.warc.reader`, warcio) forgives what ``warc check`` must report, so
this module decodes for itself, strictly and without holding a record in memory:

* the block and payload digests (WARC 1.1 sections 5.8 and 5.9), in base32, base64 or hex;
* the HTTP header block (RFC 9112 section 2), and the ``Content-Length`` it declares;
* ``Transfer-Encoding: chunked`` framing (RFC 9112 section 7.1), by :class:`Dechunker`;
* a ``gzip`` or ``deflate`` ``Content-Encoding`` (RFC 9110 section 8.4), by
  :class:`ContentDecoder`.

:class:`RecordCheck` is fed the block in pieces and then yields its :class:`Finding` values.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive.warc.parse import escape, header_end, parse_fields

__all__ = ["ContentDecoder", "Dechunker", "Finding", "MAX_HEADER_BYTES", "RecordCheck"]

#: The longest WARC or HTTP header block accepted before the record is called corrupt.
MAX_HEADER_BYTES = 1 << 20
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


class Dechunker:
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


class ContentDecoder:
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


class RecordCheck:
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
        self.dechunker: Dechunker | None = None
        self.decoder: ContentDecoder | None = None
        self.decoded_len = 0
        self.http_error: str | None = None
        if self.resource:
            self.payload_hasher = _new_hasher(self.payload_label)

    @classmethod
    def start(cls, record: Any) -> RecordCheck:
        """The checker of a record whose header block :func:`archive.warc.resync.scan` parsed."""
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
            self.dechunker = Dechunker()
            self.raw_hasher = _new_hasher(self.payload_label)
        coding = (_get(self.http_fields, "Content-Encoding") or "").strip().lower()
        if coding in ("gzip", "x-gzip", "deflate"):
            self.decoder = ContentDecoder(coding)

    def findings(self, path: Path) -> Iterator[Finding]:
        """The problems of a whole record (call once its block has been fed)."""
        where = self.describe()
        yield from self._block_digest_findings(path, where)
        if self.http_error:
            yield Finding(path, self.offset, "corrupt", f"{where}: {self.http_error}")
            return
        if self.http and not self.in_payload and not self._finish_http_head():
            yield Finding(path, self.offset, "corrupt", f"{where}: the block ends inside the HTTP header block")
            return
        if self.resource and self.payload_label and self.payload_hasher and self.seen:
            if not _digest_matches(self.payload_label, self.payload_hasher[1].digest()):
                yield Finding(path, self.offset, "payload-digest",
                              f"{where}: WARC-Payload-Digest {self.payload_label} does not match the block")
        if self.rec_type != "response" or not self.http:
            return
        complete = not self.truncated_flag
        yield from self._chunked_findings(path, where, complete)
        yield from self._payload_digest_findings(path, where)
        yield from self._content_length_findings(path, where, complete)
        if self.decoder and complete:
            self.decoder.finish(empty=self.decoded_len == 0)
            if self.decoder.error:
                yield Finding(path, self.offset, "content-encoding", f"{where}: {self.decoder.error}")

    def _block_digest_findings(self, path: Path, where: str) -> Iterator[Finding]:
        """``WARC-Block-Digest`` against the block (an algorithm hashlib lacks: nothing to compare)."""
        if self.block_label and self.block_hasher is not None:
            if not _digest_matches(self.block_label, self.block_hasher[1].digest()):
                yield Finding(path, self.offset, "block-digest",
                              f"{where}: WARC-Block-Digest {self.block_label} but the block's is "
                              f"{_label(self.block_hasher[0], self.block_hasher[1].digest())}")

    def _finish_http_head(self) -> bool:
        """Read a block that ends where its HTTP header block's last line does, without the
        empty line, as that header block and no payload (as warcio reads it): False when
        it cannot be parsed."""
        head, self.http_head = self.http_head, b""
        try:
            if not head:
                raise ValueError("empty")
            self.in_payload = True
            self._start_payload(head)
        except ValueError:
            return False
        return True

    def _dechunk_failed(self) -> bool:
        return bool(self.dechunker and (self.dechunker.error or not self.dechunker.done))

    def _over_raw_bytes(self) -> bool:
        """Whether the payload digest is over the body as stored (chunk framing included)."""
        return bool(self.payload_label and self.raw_hasher
                    and _digest_matches(self.payload_label, self.raw_hasher[1].digest()))

    def _chunked_findings(self, path: Path, where: str, complete: bool) -> Iterator[Finding]:
        """Chunked framing that is not valid (RFC 9112 section 7.1), in a complete record."""
        if not complete or not self._dechunk_failed():
            return
        assert self.dechunker is not None
        detail = self.dechunker.error or "chunked body ends before its last chunk"
        # no chunk at all, and the payload digest (if any) is over the bytes as stored: a
        # body stored de-chunked under its original header (pywb's iana.warc.gz), which
        # warcio and pywb read as stored: a warning, as `warcio check` has none
        as_stored = self.dechunker.chunks == 0 and self.dechunker.error is not None and (
            not self.payload_label or not self.raw_hasher or self._over_raw_bytes())
        if as_stored:
            yield Finding(path, self.offset, "chunked",
                          f"{where}: headers say Transfer-Encoding: chunked but the body is stored "
                          f"de-chunked ({detail}); readers take it as stored", warning=True)
        else:
            yield Finding(path, self.offset, "chunked", f"{where}: headers say Transfer-Encoding: chunked but {detail}")

    def _payload_digest_findings(self, path: Path, where: str) -> Iterator[Finding]:
        """``WARC-Payload-Digest`` against the entity body after transfer decoding (case B02).

        A record that stores no payload (a revisit written as a response, a 304, the answer
        to a HEAD) names the digest of a payload it does not hold: nothing to compare.
        """
        if not (self.payload_label and self.payload_hasher and self.payload_len):
            return
        digest = self.payload_hasher[1].digest()
        over_chunks = self._over_raw_bytes()
        if self._dechunk_failed() and over_chunks:
            return  # stored de-chunked under its original Transfer-Encoding header: the chunked finding says so
        if not _digest_matches(self.payload_label, digest):
            yield Finding(
                path, self.offset, "payload-digest",
                f"{where}: WARC-Payload-Digest {self.payload_label} but the entity's is "
                f"{_label(self.payload_hasher[0], digest)}"
                + (" (the stored digest is over the chunk framing, case B02)" if over_chunks else ""),
            )

    def _content_length_findings(self, path: Path, where: str, complete: bool) -> Iterator[Finding]:
        """The HTTP ``Content-Length`` against the stored body, where a body is due (RFC 9110 6.4.1)."""
        declared = _get(self.http_fields, "Content-Length")
        if (declared is None or self.chunked or not complete or self.status is None
                or self.status in _NO_BODY_STATUSES or 100 <= self.status < 200):
            return
        try:
            declared_len = int(declared.split(",")[0].strip())
        except ValueError:
            yield Finding(path, self.offset, "content-length", f"{where}: Content-Length \"{escape(declared)}\" is not a number")
            return
        if declared_len != self.payload_len:
            yield Finding(path, self.offset, "content-length",
                          f"{where}: Content-Length {declared_len} but the stored body is {self.payload_len} bytes")
