"""CaptureWriter: the crawl's WARC records and the revisit rule, behind the capture middleware.

Each exchange becomes a response record, or, when nothing new came, a revisit record
(WARC 1.1 section 6.7.2): a 304 to our conditional request (RFC 9110 section 13.1) is a
server-not-modified revisit of the last capture, a payload already archived an
identical-payload-digest revisit of the record that holds it. Every record's ``captures``
row goes to the :class:`~crawler.indexbuffer.IndexBuffer`.

The class is chosen by ``CRAWL_CAPTURE_WRITER_CLASS`` (a distributed crawl's processes use
:class:`crawler.distributed.payloads.SharedCaptureWriter`, which also knows the payloads the
other processes archived).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from archive.warc.cdxj_ahead import DEFAULT_CHUNK_BYTES, AheadIndexer
from archive.records import CaptureRecord
from archive.warc import (
    PROFILE_IDENTICAL_PAYLOAD,
    PROFILE_SERVER_NOT_MODIFIED,
    HttpExchange,
    WarcWriter,
    sha1_digest,
)
from crawler.indexbuffer import IndexBuffer


class CaptureWriter:
    """Writes the crawl's WARC files (:class:`~archive.warc.WarcWriter`) and decides revisits.

    Args:
        buffer: where each record's ``captures`` row and each URL's crawl state go.
        stats: Scrapy's stats collector (``newsarchive/revisits`` is counted there).
        settings: ``ARCHIVE_WARC_PREFIX``, ``ARCHIVE_WARC_MAX_BYTES``,
            ``ARCHIVE_WARC_GZIP_LEVEL``, ``ARCHIVE_CDXJ_AHEAD_BYTES`` are read.
    """

    def __init__(self, buffer: IndexBuffer, stats: Any, settings: Any) -> None:
        self.buffer = buffer
        self.stats = stats
        self.settings = settings
        self.writer: WarcWriter | None = None
        self.ahead: AheadIndexer | None = None
        #: payload digest -> the response record that holds it (this crawl)
        self._payloads: dict[str, CaptureRecord] = {}
        #: identical-payload revisit record ID -> (the record holding the payload, its captures.id)
        self._payload_of: dict[str, tuple[CaptureRecord, int | None]] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, buffer: IndexBuffer) -> CaptureWriter:
        return cls(buffer, crawler.stats, crawler.settings)

    # ---- life cycle ------------------------------------------------------------------------
    def open(self, warc_dir: Path, data_dir: Path, info: dict[str, Any]) -> None:
        """Start the crawl's WARC file in ``warc_dir`` with ``info`` as its warcinfo record,
        and the CDXJ indexing of its ranges while it grows (``ARCHIVE_CDXJ_AHEAD_BYTES``)."""
        settings = self.settings
        self.writer = WarcWriter(
            warc_dir,
            prefix=settings.get("ARCHIVE_WARC_PREFIX", "newsarchive"),
            max_bytes=settings.getint("ARCHIVE_WARC_MAX_BYTES"),
            gzip_level=settings.getint("ARCHIVE_WARC_GZIP_LEVEL"),
            info=info,
        )
        ahead_bytes = settings.getint("ARCHIVE_CDXJ_AHEAD_BYTES", DEFAULT_CHUNK_BYTES)
        if ahead_bytes > 0:
            self.ahead = AheadIndexer(data_dir, ahead_bytes)
            self.writer.on_boundary = self.ahead.boundary

    def close(self) -> None:
        """Close the WARC file, and finish the CDXJ of each file written."""
        if self.writer is not None:
            self.writer.close()
        if self.ahead is not None:
            self.ahead.finish()  # the CDXJ of each file written, indexed while it grew

    @property
    def files_written(self) -> list[str]:
        """The WARC files this crawl wrote (names), empty before :meth:`open`."""
        return list(self.writer.files_written) if self.writer is not None else []

    # ---- the revisit rule ------------------------------------------------------------------
    def previous_capture(self, url: str) -> dict[str, Any] | None:
        """The response record holding ``url``'s last archived payload, or None."""
        state = self.buffer.url_state(url)
        digest = state.get("payload_digest") if state else None
        if not digest:
            return None
        if digest in self._payloads:
            return self._payloads[digest].to_dict()
        return self.buffer.capture_for_digest(digest)

    def earlier_payload(self, digest: str) -> tuple[dict[str, Any] | None, bool]:
        """The record that already holds ``digest`` (this crawl's or the archive's), and
        whether it is in another process's WARC file (never, here)."""
        earlier = self._payloads.get(digest)
        return (earlier.to_dict() if earlier else self.buffer.capture_for_digest(digest)), False

    def published(self, digest: str, record: CaptureRecord) -> None:
        """``record``, just written, holds ``digest`` (a hook for the shared map)."""
        self._payloads[digest] = record

    # ---- writing ---------------------------------------------------------------------------
    def write_exchange(self, exchange: HttpExchange, role: str | None = None,
                       conditional: bool = False) -> CaptureRecord:
        """Write one exchange to WARC, as a response or, when nothing new came, a revisit.

        * a 304 to our conditional request: a server-not-modified revisit of the last capture;
        * a payload already archived (any status: a page, an error page, a feed): an
          identical-payload-digest revisit;
        * anything else: a response record.

        Returns:
            The response (or revisit) record's pointer.

        Raises:
            RuntimeError: before :meth:`open`.
        """
        if self.writer is None:
            raise RuntimeError("the archive is not open (spider_opened has not fired)")
        previous = self.previous_capture(exchange.url) if exchange.status == 304 and conditional else None
        if previous is not None:
            record = self._not_modified(exchange, previous)
        elif exchange.body and exchange.status not in (206,):
            record = self._with_payload(exchange)
        else:
            record = self.writer.write_exchange(exchange).response
        self.buffer.add_capture(record)
        return record

    def _not_modified(self, exchange: HttpExchange, previous: dict[str, Any]) -> CaptureRecord:
        """A server-not-modified revisit of ``previous`` (a 304 to our conditional request)."""
        assert self.writer is not None
        records = self.writer.write_revisit(
            exchange, profile=PROFILE_SERVER_NOT_MODIFIED, refers_to_uri=previous["url"],
            refers_to_date=previous["fetched_at"], refers_to_record_id=previous["record_id"],
            payload_digest=previous.get("payload_digest"))
        self.stats.inc_value("newsarchive/revisits")
        self.buffer.note_url_state(exchange.url, last_checked=_now(), status=304)
        return records.response

    def _with_payload(self, exchange: HttpExchange) -> CaptureRecord:
        """A response record, or an identical-payload-digest revisit when the payload is
        archived already (a page, an error page, a feed); a 200 updates the URL's state."""
        assert self.writer is not None
        digest = sha1_digest(exchange.body)
        earlier, elsewhere = self.earlier_payload(digest)
        if earlier is not None:
            records = self.writer.write_revisit(
                exchange, profile=PROFILE_IDENTICAL_PAYLOAD, refers_to_uri=earlier["url"],
                refers_to_date=earlier["fetched_at"], refers_to_record_id=earlier["record_id"],
                payload_digest=digest)
            self.stats.inc_value("newsarchive/revisits")
            if not elsewhere:  # (a record in another process's WARC file has no place here)
                fields: dict[str, Any] = {k: earlier.get(k) for k in CaptureRecord.__dataclass_fields__}
                self._payload_of[records.response.record_id] = (CaptureRecord(**fields), earlier.get("id"))
        else:
            records = self.writer.write_exchange(exchange)
            self.published(digest, records.response)
        if exchange.status == 200:
            headers = {k.lower(): v for k, v in exchange.response_headers}
            self.buffer.note_url_state(
                exchange.url, etag=_text(headers.get(b"etag")), last_modified=_text(headers.get(b"last-modified")),
                payload_digest=digest, status=200, last_checked=_now())
        return records.response

    def recovered_capture(self, row: dict[str, Any]) -> CaptureRecord:
        """The record of a ``captures`` row, for a page read again from WARC instead of fetched;
        its pipeline finds the row's ``captures.id`` through :meth:`payload_capture`."""
        fields: dict[str, Any] = {k: row.get(k) for k in CaptureRecord.__dataclass_fields__ if k in row}
        capture = CaptureRecord(**fields)
        self._payload_of[capture.record_id] = (capture, row.get("id"))
        return capture

    def payload_capture(self, capture: CaptureRecord) -> tuple[CaptureRecord, int | None]:
        """The record that holds ``capture``'s payload: itself, or for an identical-payload
        revisit the earlier response it refers to (with its ``captures.id`` when known)."""
        return self._payload_of.pop(capture.record_id, (capture, None))

    def write_metadata(self, capture: CaptureRecord, fields: dict[str, Any]) -> CaptureRecord | None:
        """Write the metadata record describing an article's response record (WARC 1.1 6.8)."""
        if self.writer is None:
            return None
        return self.writer.write_metadata(capture, fields)


def _now() -> str:
    """Now, UTC, as the URL state's ``last_checked`` (``YYYY-MM-DDThh:mm:ssZ``)."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value else None
