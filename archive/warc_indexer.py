"""Reading WARC files into an open index: the part of ``reindex`` that crash recovery and
``import`` share.

:func:`index_warc_files` adds, for every record it reads (WARC 1.1):

* a ``captures`` row for every ``response`` and ``revisit`` record (sections 6.6 and 6.7),
  pointing at the record's gzip member exactly as the crawler's rows do, but for the
  responses of HEAD requests, and the 2xx responses with no payload of a URL that another
  capture holds a payload of (they must not replay, :mod:`archive.replayable`);
* an ``articles`` row for every ``metadata`` record in our article format
  (:data:`archive.records.METADATA_RECORD_FORMAT`, a JSON block whose ``WARC-Refers-To``
  names the response it was extracted from), upserted in capture order so the newest
  capture's fields win;
* ``aliases`` from each metadata record's ``aliases``, and from redirects (3xx with a
  ``Location``) whose target is an article, as the crawler records them.

The files are read with :func:`archive.warc.resync.scan`: damaged bytes cost only
themselves, each stretch one entry of :attr:`ReindexStats.damaged`.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from archive.index import ArticleRow, Index
from archive.records import CaptureRecord, ExtractedArticle, article_from_metadata, metadata_record_fields
from archive.replayable import HeadPairs, drop_shadowed_bodiless, is_bodiless
from archive.urls import canonical_url
from archive.warc import read_record
from archive.warc.parse import Gap, Record, escape
from archive.warc.resync import scan

__all__ = ["COMPARED_FIELDS", "ReindexProgress", "ReindexStats", "index_warc_files", "warc_files"]

logger = logging.getLogger("archive.reindex")

#: The fields ``reindex --re-extract`` compares between the archived and the fresh extraction.
COMPARED_FIELDS = (
    "title", "authors", "published", "modified", "categories", "tags", "description",
    "sitename", "language", "text", "error",
)
#: Rows buffered before each write transaction.
BATCH_SIZE = 500



@dataclass
class ReindexProgress:
    """Where a rebuild is, for a progress display (handed to the ``progress`` callback)."""

    files_done: int = 0
    files_total: int = 0
    bytes_done: int = 0
    bytes_total: int = 0
    records: int = 0
    captures: int = 0
    articles: int = 0
    current_file: str = ""


@dataclass
class ReindexStats:
    """What a rebuild did.

    Attributes:
        files: WARC files read.
        records: WARC records read.
        captures: ``captures`` rows (response and revisit records).
        revisits: Of which revisit records.
        metadata: Article metadata records read.
        articles: Distinct articles in the new index.
        aliases: Rows in the new ``aliases`` table.
        orphans: Metadata records whose response is not in the WARC files (skipped).
        damaged: ``(file, offset, why)`` of each stretch of bytes left out because it is
            no readable record (truncated, unreadable, junk); ``why`` is printable text that
            names its length in bytes. The records after it were read.
        changed: With re-extraction: ``{field: number of articles whose field changed}``.
        changed_articles: With re-extraction: how many articles changed at all.
        db_path: The rebuilt index.
        backup_path: Where the previous index was kept, if there was one.
        carried_over: Rows copied from the previous index per table (crawls, schedules,
            url_state: what the WARC files do not hold).
        damaged_bytes: The bytes of all of ``damaged``.
        previous: ``{"articles": n, "captures": n}`` of the index replaced (or refused).
        heads: Response records of HEAD requests given no ``captures`` row.
        shadowed: 2xx responses with no payload given none (a capture of the URL holds one).
        not_replayable: The WARC-Record-IDs of both (a previous index's rows for them are
            not counted as lost).
    """

    files: int = 0
    records: int = 0
    captures: int = 0
    revisits: int = 0
    metadata: int = 0
    articles: int = 0
    aliases: int = 0
    orphans: int = 0
    damaged: list[tuple[str, int, str]] = field(default_factory=list)
    changed: dict[str, int] = field(default_factory=dict)
    changed_articles: int = 0
    db_path: Path | None = None
    backup_path: Path | None = None
    carried_over: dict[str, int] = field(default_factory=dict)
    damaged_bytes: int = 0
    previous: dict[str, int] = field(default_factory=dict)
    heads: int = 0
    shadowed: int = 0
    not_replayable: list[str] = field(default_factory=list)


def warc_files(warc_dir: Path) -> list[Path]:
    """The WARC files of a data folder's ``warc/``, in name order (which is write order)."""
    return sorted(p for p in warc_dir.iterdir() if p.is_file() and p.name.endswith((".warc.gz", ".warc")))


@dataclass
class _Pending:
    """A metadata record waiting for its response's ``captures.id``."""

    fields: dict[str, Any]
    refers_to: str


class _Builder:
    """Buffers rows and writes them to the new index in batches, in capture order."""

    def __init__(self, index: Index, warc_dir: Path, stats: ReindexStats, re_extract: bool) -> None:
        self.index = index
        self.warc_dir = warc_dir
        self.stats = stats
        self.re_extract = re_extract
        self.captures: list[CaptureRecord] = []
        self.pending: list[_Pending] = []
        self.redirects: list[tuple[str, str]] = []
        self.aliases: list[tuple[str, str]] = []
        #: record id -> (pointer, captures.id), for the captures of the current batch
        self.recent: dict[str, tuple[CaptureRecord, int]] = {}
        #: metadata records whose response was not indexed yet (it may be in a later file:
        #: an imported file can sort after the metadata file its articles are in)
        self.unresolved: list[_Pending] = []
        self.last_pass = False
        #: HEAD responses whose row may be written already (their request came after them)
        self.late_heads: set[str] = set()
        #: 2xx responses with no payload, checked against their URL's other captures at the end
        self.bodiless: list[str] = []

    def add_capture(self, capture: CaptureRecord, location: str | None) -> None:
        self.captures.append(capture)
        if location and capture.status and 300 <= capture.status < 400:
            self.redirects.append((canonical_url(capture.url), canonical_url(urljoin(capture.url, location))))
        if len(self.captures) >= BATCH_SIZE:
            self.flush()

    def drop_heads(self, record_ids: list[str]) -> None:
        """No ``captures`` row for these HEAD responses: taken out of the batch, or deleted
        at the next flush when written already."""
        wanted = set(record_ids)
        kept = [c for c in self.captures if c.record_id not in wanted]
        for capture in self.captures:
            if capture.record_id in wanted:
                self.stats.heads += 1
                self.stats.captures -= 1
                self.stats.not_replayable.append(capture.record_id)
                wanted.discard(capture.record_id)
        self.captures = kept
        self.late_heads.update(wanted)

    def add_metadata(self, fields: dict[str, Any], refers_to: str) -> None:
        self.pending.append(_Pending(fields, refers_to))
        if len(self.pending) >= BATCH_SIZE:
            self.flush()

    def _lookup(self, record_id: str) -> tuple[CaptureRecord, int] | None:
        found = self.recent.get(record_id)
        if found is not None:
            return found
        return self.index.capture_by_record_id(record_id)

    def flush(self) -> None:
        if self.late_heads:
            late, self.late_heads = self.late_heads, set()
            deleted = self.index.delete_captures(late)
            self.stats.heads += len(deleted)
            self.stats.captures -= len(deleted)
            self.stats.not_replayable.extend(deleted)
            for record_id in deleted:
                self.recent.pop(record_id, None)
        if self.captures:
            batch, self.captures = self.captures, []
            ids = self.index.add_captures(batch, None)
            self.recent = {c.record_id: (c, i) for c, i in zip(batch, ids)}
        if self.pending:
            rows: list[ArticleRow] = []
            for item in self.pending:
                try:
                    row = self._row(item)
                except (TypeError, ValueError, AttributeError) as exc:
                    # a metadata block that is JSON but not in our shape (damaged or foreign)
                    logger.warning("metadata record referring to %s is not an article record: %s",
                                   escape(item.refers_to, 100), escape(str(exc), 200))
                    row = None
                if row is not None:
                    rows.append(row)
            self.pending = []
            self.index.upsert_articles(rows)
        if self.aliases:
            self.aliases = self.index.add_aliases(self.aliases)[-100_000:]

    def _row(self, item: _Pending) -> ArticleRow | None:
        found = self._lookup(item.refers_to)
        fields = item.fields
        if found is None and not self.last_pass:
            self.unresolved.append(item)
            return None
        if found is None:
            self.stats.orphans += 1
            logger.warning("metadata record for %s refers to %s, which is not in the WARC files",
                           fields.get("url"), item.refers_to)
            return None
        capture, capture_id = found
        canonical = fields.get("canonical_url") or canonical_url(fields.get("url") or capture.url)
        extracted = article_from_metadata(fields)
        if self.re_extract:
            extracted = self._extract_again(capture, fields, extracted)
        row = ArticleRow.from_extracted(
            extracted,
            canonical_url=canonical,
            url=fields.get("url") or capture.url,
            site=fields.get("site"),
            issue_date=fields.get("issue_date"),
            capture=capture,
            capture_id=capture_id,
        )
        self.aliases.extend((alias, canonical) for alias in fields.get("aliases") or [] if alias)
        return row

    def _extract_again(self, capture: CaptureRecord, fields: dict[str, Any],
                       archived: ExtractedArticle) -> ExtractedArticle:
        from archive.extract import extract

        stored = read_record(self.warc_dir / capture.warc_filename, capture.warc_offset)
        headers = {name: value for name, value in stored.http_headers}
        fresh = extract(stored.payload, fields.get("url") or capture.url, headers)
        changed = [name for name in COMPARED_FIELDS if getattr(fresh, name) != getattr(archived, name)]
        for name in changed:
            self.stats.changed[name] = self.stats.changed.get(name, 0) + 1
        if changed:
            self.stats.changed_articles += 1
        return fresh

    def finish(self) -> None:
        self.flush()
        shadowed = drop_shadowed_bodiless(self.index, self.bodiless)
        self.stats.shadowed += len(shadowed)
        self.stats.captures -= len(set(shadowed) & set(self.bodiless))
        self.stats.not_replayable.extend(shadowed)
        self.last_pass = True
        self.pending, self.unresolved = self.unresolved, []
        self.flush()
        if self.redirects or self.aliases:
            # redirect sources name the article they lead to; chains resolve step by step
            pairs = self.aliases + self.redirects
            self.aliases, self.redirects = [], []
            for _ in range(5):
                left = self.index.add_aliases(pairs)
                if len(left) == len(pairs):
                    break
                pairs = left


def _capture_from_scan(record: Record, filename: str) -> tuple[CaptureRecord, str | None]:
    """The ``captures`` pointer of a response or revisit record, as the WARC writer makes it,
    and the redirect ``Location`` if any."""
    status: int | None = None
    mime: str | None = None
    location: str | None = None
    http = record.http()
    if http is not None:
        status, fields = http
        for name, value in fields:
            lname = name.lower()
            if lname == "content-type" and mime is None and value:
                mime = value.split(";")[0].strip().lower()
            elif lname == "location" and location is None:
                location = value
    is_revisit = record.rec_type == "revisit"
    capture = CaptureRecord(
        url=record.header("WARC-Target-URI") or "",
        status=status,
        mime=mime,
        payload_digest=record.header("WARC-Payload-Digest"),
        fetched_at=record.header("WARC-Date") or "",
        warc_filename=filename,
        warc_offset=record.offset,
        warc_length=record.length,
        record_id=record.header("WARC-Record-ID") or "",
        record_type=record.rec_type,
        profile=record.header("WARC-Profile") if is_revisit else None,
        refers_to_uri=record.header("WARC-Refers-To-Target-URI") if is_revisit else None,
        refers_to_date=record.header("WARC-Refers-To-Date") if is_revisit else None,
    )
    return capture, location


def _keep_metadata(rec_type: str, length: int) -> bool:
    return rec_type == "metadata"


def _read_file(path: Path, base: int, builder: _Builder, stats: ReindexStats, progress: ReindexProgress,
               report: Callable[[ReindexProgress], None]) -> None:
    """Index one WARC file's readable records; ``base`` is the bytes of the files before it.

    Damaged bytes (a member that does not inflate, a record whose Content-Length is wrong,
    junk between members, a cut-off tail, a gzip bomb) are skipped past, each stretch noted
    in ``stats.damaged``; the records after them are read (:func:`archive.warc.resync.scan`).
    """
    filename = path.name
    pairs = HeadPairs()
    for item in scan(path, keep_block=_keep_metadata):
        if isinstance(item, Gap):
            if item.inside_record:
                # the member's record was read and indexed; what follows it inside the member is not
                text = f"the rest of the gzip member after its record (which is indexed; {item.length} bytes in all): {item.why}"
            elif item.why.startswith("truncated: "):
                text = f"truncated: {item.length} bytes: {item.why[len('truncated: '):]}"
            else:
                text = f"unreadable: {item.length} bytes: {item.why}"
            stats.damaged.append((filename, item.offset, text))
            stats.damaged_bytes += item.length
            continue
        record = item
        stats.records += 1
        progress.records += 1
        progress.bytes_done = base + record.offset + record.length
        record_id = (record.header("WARC-Record-ID") or "").strip()
        heads = pairs.see(record)
        if heads:
            builder.drop_heads([h for h in heads if h != record_id])
        if record.rec_type == "response" and record_id in heads:
            stats.heads += 1  # the response of a HEAD request: no row
            stats.not_replayable.append(record_id)
        elif record.rec_type in ("response", "revisit"):
            capture, location = _capture_from_scan(record, filename)
            builder.add_capture(capture, location)
            if is_bodiless(record):
                builder.bodiless.append(capture.record_id)
            stats.captures += 1
            progress.captures += 1
            if record.rec_type == "revisit":
                stats.revisits += 1
        elif record.rec_type == "metadata":
            fields = _article_fields(record)
            if fields is not None:
                stats.metadata += 1
                progress.articles += 1
                builder.add_metadata(fields, record.header("WARC-Refers-To") or "")
        if progress.records % 200 == 0:
            report(progress)


def _article_fields(record: Record) -> dict[str, Any] | None:
    """The JSON of one of our article metadata records, else None (logged when not JSON)."""
    try:
        return metadata_record_fields(record.block, record.header("Content-Type"))
    except ValueError:
        logger.warning("metadata record %s is not JSON", escape(record.header("WARC-Record-ID") or "", 100))
        return None


def index_warc_files(
    index: Index,
    warc_dir: Path,
    files: list[Path],
    *,
    re_extract: bool = False,
    progress: Callable[[ReindexProgress], None] | None = None,
) -> ReindexStats:
    """Add what ``files`` hold to an open index: captures, articles (from metadata records)
    and aliases. Idempotent: records already indexed (same WARC-Record-ID) are kept once,
    articles are upserted by canonical URL. ``reindex`` and crash recovery both use it.

    Args:
        index: The index to fill (writable).
        warc_dir: The folder the WARC file names are relative to.
        files: The WARC files, in the order they were written.
        re_extract: Run extraction again instead of reading the metadata records.
        progress: Called now and then with where the work is.

    Returns:
        What was read and written.
    """
    report = progress or (lambda _p: None)
    stats = ReindexStats()
    state = ReindexProgress(files_total=len(files), bytes_total=sum(p.stat().st_size for p in files))
    builder = _Builder(index, warc_dir, stats, re_extract)
    base = 0
    for path in files:
        state.current_file = path.name
        report(state)
        _read_file(path, base, builder, stats, state, report)
        builder.flush()
        base += path.stat().st_size
        state.bytes_done = base
        state.files_done += 1
        stats.files += 1
        report(state)
    builder.finish()
    return stats
