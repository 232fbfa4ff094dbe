"""Which captures replay: HEAD responses and bodiless 200s that would shadow a real capture.

Other tools (and so ``newsarchive import``) archive a ``HEAD`` request and its response
before, or beside, the ``GET`` of the same URL. The HEAD's response record has an HTTP
``200`` and no payload (RFC 9110 section 9.3.2: a HEAD response carries the header fields a
GET would, but no content), and its ``WARC-Payload-Digest`` is that of zero bytes. Indexed
like any capture, it makes replay near its time serve 0 bytes (brozzler#80). So:

* a ``response`` record whose paired ``request`` record (WARC 1.1 section 5.7:
  ``WARC-Concurrent-To``, in either direction) has the method ``HEAD`` is never indexed for
  replay, nor given a ``captures`` row (:class:`HeadPairs`);
* a ``2xx`` response with no payload (:func:`is_bodiless`) is indexed only while no other
  capture of the same URL holds a payload (a 2xx response or revisit whose payload digest is
  not the empty one): a genuinely empty page with nothing better stays replayable.

``archive.warc.cdxj`` applies both to the CDXJ index (replay), ``archive.reindex`` to the
``captures`` rows of ``reindex`` and ``import``, ``crawler.session`` to a crawl's rows
(:meth:`archive.index.Index.drop_shadowed_bodiless`).
"""
from __future__ import annotations

import base64
import hashlib
from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from archive.warc.parse import Record, header_end

if TYPE_CHECKING:
    from archive.index import Index

__all__ = ["EMPTY_PAYLOAD_DIGESTS", "HeadPairs", "drop_shadowed_bodiless", "heads_of", "is_bodiless",
           "is_empty_digest", "payload_size", "request_method"]


def _labels(algorithm: str, names: tuple[str, ...]) -> set[str]:
    raw = hashlib.new(algorithm, b"").digest()
    values = {base64.b32encode(raw).decode(), raw.hex(), base64.b64encode(raw).decode()}
    return {f"{name}:{value}".lower() for name in names for value in values}


#: The payload digest of zero bytes, as WARC writers label it (WARC 1.1 section 5.9: SHA-1 in
#: base32, and the hex and base64 spellings some tools write; SHA-256 likewise), lower case.
EMPTY_PAYLOAD_DIGESTS = frozenset(_labels("sha1", ("sha1", "sha-1")) | _labels("sha256", ("sha256", "sha-256")))


def is_empty_digest(digest: str | None) -> bool:
    """True when ``digest`` (a ``WARC-Payload-Digest`` value) is the digest of zero bytes."""
    return bool(digest) and digest is not None and digest.strip().lower() in EMPTY_PAYLOAD_DIGESTS


def request_method(record: Record) -> str | None:
    """The HTTP method of a ``request`` record's block (``"GET"``, ``"HEAD"``...), or None."""
    if record.rec_type != "request":
        return None
    line = record.head.split(b"\n", 1)[0].strip()
    method, _, rest = line.partition(b" ")
    if not rest or not method.isalpha():
        return None
    return method.decode("ascii").upper()


def payload_size(record: Record) -> int | None:
    """Bytes of a response record's payload (its block after the HTTP header block), or
    None when the block holds no whole HTTP header block."""
    end, after = header_end(record.head)
    if end < 0 or not record.head.startswith(b"HTTP/"):
        return None
    return max(0, record.content_length - after)


def is_bodiless(record: Record) -> bool:
    """True for a ``response`` record with a 2xx status and no payload."""
    if record.rec_type != "response":
        return False
    http = record.http()
    if http is None or http[0] is None or not 200 <= http[0] < 300:
        return False
    return payload_size(record) == 0


def _concurrent(record: Record) -> list[str]:
    return [value.strip() for name, value in record.fields
            if name.lower() == "warc-concurrent-to" and value.strip()]


class HeadPairs:
    """Finds the response records of HEAD requests in one file, read in file order.

    :meth:`see` is given every record; it returns the ``WARC-Record-ID`` of each response
    that is now known to answer a HEAD request: the response itself when its request came
    first, or an earlier response when its request comes after it (warcio, warcprox and
    Browsertrix write the response first). A response whose own ``WARC-Concurrent-To``
    names a HEAD request written after it is found while it is among the last
    :data:`WINDOW` responses.
    """

    #: Responses remembered for a HEAD request that comes after them and names no response.
    WINDOW = 4096

    def __init__(self) -> None:
        self.head_requests: set[str] = set()
        self.head_responses: set[str] = set()
        self.recent: OrderedDict[str, str] = OrderedDict()  # request id a response names -> response id

    def see(self, record: Record) -> list[str]:
        """The response record ids this record shows to be HEAD responses (often none)."""
        record_id = (record.header("WARC-Record-ID") or "").strip()
        if record.rec_type == "request":
            if request_method(record) != "HEAD":
                return []
            self.head_requests.add(record_id)
            found = _concurrent(record)
            named = self.recent.pop(record_id, None)
            if named:
                found.append(named)
            self.head_responses.update(found)
            return found
        if record.rec_type != "response":
            return []
        if record_id in self.head_responses:
            return [record_id]
        linked = _concurrent(record)
        if any(link in self.head_requests for link in linked):
            self.head_responses.add(record_id)
            return [record_id]
        for link in linked:
            self.recent[link] = record_id
            if len(self.recent) > self.WINDOW:
                self.recent.popitem(last=False)
        return []


def heads_of(records: Iterable[Record]) -> set[str]:
    """The record ids of every HEAD response among ``records`` (one file's, in order)."""
    pairs = HeadPairs()
    found: set[str] = set()
    for record in records:
        found.update(pairs.see(record))
    return found


def _spellings() -> list[str]:
    """Every spelling of the empty payload's digest a ``captures`` row may hold (case kept)."""
    out: set[str] = set()
    for algorithm, names in (("sha1", ("sha1", "sha-1")), ("sha256", ("sha256", "sha-256"))):
        raw = hashlib.new(algorithm, b"").digest()
        b32 = base64.b32encode(raw).decode()
        values = (b32, b32.lower(), raw.hex(), raw.hex().upper(), base64.b64encode(raw).decode())
        out.update(f"{prefix}:{value}" for name in names for prefix in (name, name.upper()) for value in values)
    return sorted(out)


def drop_shadowed_bodiless(index: Index, record_ids: Iterable[str] = ()) -> list[str]:
    """Delete the ``captures`` rows of 2xx responses with no payload whose URL has a capture
    holding one (an article's own capture is kept).

    Args:
        index: An open, writable index.
        record_ids: WARC-Record-IDs of responses known to be bodiless (read from their
            records; a row whose payload digest is the empty payload's counts too).

    Returns:
        The record ids whose row was deleted (the SQL is
        :meth:`archive.index.Index.drop_shadowed_bodiless`).
    """
    return index.drop_shadowed_bodiless(record_ids, _spellings())
