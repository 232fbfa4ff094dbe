"""``newsarchive import``: WARC files written by other tools, indexed like a crawl's.

A WARC file from Browsertrix, Heritrix, wget, warcprox, pywb or Common Crawl (CC-NEWS) is
**copied byte for byte** into ``DATA/warc/`` (the source file is only ever read; the copy
is written beside the others under a temporary name and renamed when whole), so that the
data folder alone stays the archive: ``reindex``, ``warc check``, replay and WACZ export all
read ``DATA/warc/``, and nothing breaks when the original is moved or deleted. Then:

* every readable ``response`` and ``revisit`` record gets a ``captures`` row pointing at
  the exact record in the copy (file, offset, length), read by the same resynchronising
  reader as ``reindex`` (:mod:`archive.warc.resync`): damaged bytes cost only themselves, and
  each stretch left out is named. The responses of HEAD requests get none, nor do 2xx
  responses with no payload of a URL another capture holds a payload of: they do not
  replay (:mod:`archive.replayable`; the CDXJ index leaves them out too);
* article ``metadata`` records of ours (a file another newsarchive wrote) become articles
  as ``reindex`` makes them;
* every other 200 HTML response is extracted (:func:`archive.extract.extract`) and judged
  by the crawl's article rule (:func:`archive.records.is_article`, keyed by
  :func:`archive.records.choose_canonical`); each article gets a ``metadata`` record in a
  **new WARC file of ours** (``newsarchive-import-….warc.gz``), exactly as a crawl writes
  them, so ``reindex`` rebuilds the same index from the data folder afterwards;
* the CDXJ index for replay is brought up to date.

An ARC file (the format before WARC) is not copied but converted, with warcio's own
``arc2warc`` reading (what ``warcio recompress`` does), into ``DATA/warc/STEM-arc-HASH.warc.gz``.
A file already imported (the same bytes in ``DATA/warc``, or an ARC file's conversion) is
skipped; a file that is not WARC (an empty file, bytes of no WARC record) is refused with the reason, and
the other files are still imported.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archive import __version__
from archive.atomic import replacing
from archive.index import ArticleRow, Index
from archive.layout import DataDir
from archive.records import CaptureRecord, choose_canonical, is_article, metadata_fields
from archive.warc_indexer import ReindexProgress, index_warc_files, warc_files
from archive.warc.parse import Record, escape
from archive.warc.resync import is_gzip, scan
from archive.urls import canonical_url
from archive.warc import WarcError, WarcWriter, read_record

__all__ = ["ImportFailed", "ImportProgress", "ImportStats", "ImportedFile", "import_warcs"]

logger = logging.getLogger(__name__)

#: Media types of the responses that are extracted (HTML pages).
HTML_TYPES = ("text/html", "application/xhtml+xml")
#: Pages larger than this (bytes, as stored) are not extracted, as a crawl skips them.
MAX_PAGE_BYTES = 5 * 1024 * 1024
#: Pages extracted in one worker batch (and articles written per index transaction).
BATCH = 64
#: A file with fewer HTML pages than this is extracted in this process (starting the
#: workers, each importing the extraction libraries, costs seconds).
POOL_MIN_PAGES = 200
_COPY_CHUNK = 1 << 20


class ImportFailed(Exception):
    """Nothing can be imported (no files given, the data folder cannot be written)."""


@dataclass
class ImportedFile:
    """What became of one file given to :func:`import_warcs`.

    Attributes:
        source: The file as given.
        status: ``"imported"``, ``"already imported"`` (its bytes are in ``DATA/warc``
            already) or ``"refused"`` (not a WARC file; ``why`` says what it is).
        name: Its copy in ``DATA/warc`` (imported, or already there); for an ARC file, its
            conversion to WARC.
        why: For a refused file, a sentence (printable text).
        records: Readable WARC records.
        captures: ``captures`` rows (responses and revisits).
        articles: Articles it added to the index (from our metadata records, and pages
            extracted; an article several metadata records describe counts once).
        damaged: ``(offset, why)`` of each stretch of bytes that is no readable record.
        damaged_bytes: The bytes of all of ``damaged`` (a truncated tail included).
        not_replayable: Responses given no ``captures`` row: HEAD responses, and empty 2xx
            responses of a URL another capture holds a payload of.
        converted: An ARC file, written into ``DATA/warc`` as WARC by warcio.
    """

    source: Path
    status: str = "imported"
    name: str = ""
    why: str = ""
    records: int = 0
    captures: int = 0
    articles: int = 0
    damaged: list[tuple[int, str]] = field(default_factory=list)
    damaged_bytes: int = 0
    not_replayable: int = 0
    converted: bool = False


@dataclass
class ImportStats:
    """What an import did: per file, and our metadata WARC file(s) written."""

    files: list[ImportedFile] = field(default_factory=list)
    #: HTML responses extracted, and how many of them were articles by the crawl's rule
    pages: int = 0
    articles: int = 0
    not_articles: int = 0
    metadata_files: list[str] = field(default_factory=list)
    cdxj_lines: int | None = None
    cdxj_error: str | None = None


@dataclass
class ImportProgress:
    """Where an import is (handed to the ``progress`` callback)."""

    stage: str = ""
    current_file: str = ""
    files_done: int = 0
    files_total: int = 0
    done: int = 0
    total: int = 0
    captures: int = 0
    articles: int = 0


def _sniff(path: Path) -> str | None:
    """Why ``path`` is no WARC file we can import, or None when it holds a WARC record."""
    size = path.stat().st_size
    if size == 0:
        return "the file is empty"
    with open(path, "rb") as fh:
        start = fh.read(4096)
        gzipped = is_gzip(path, fh)
    if gzipped:
        try:
            start = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(start, 64)
        except zlib.error:
            start = b""
    if start.lstrip(b"\r\n").startswith(b"filedesc://"):
        return ARC_FILE
    first = next((item for item in scan(path) if isinstance(item, Record)), None)
    if first is None:
        return "no readable WARC record in it (not a WARC file, or damaged throughout)"
    return None


#: What :func:`_sniff` says of an ARC file: it is converted (:func:`_convert_in`), not copied.
ARC_FILE = "an ARC file"


def _convert_in(source: Path, warc_dir: Path, digest: str) -> str:
    """Write ``source`` (an ARC file) into ``warc_dir`` as WARC 1.0 records, one gzip member
    each, with warcio's own conversion (``Recompressor.load_and_write``: ``ArchiveIterator``
    with ``arc2warc``, what ``warcio recompress`` does); return the new file's name,
    ``STEM-arc-SHA256PREFIX.warc.gz``, so importing the same ARC file again finds it.

    Raises:
        ValueError: warcio cannot read the ARC file (nothing is left in ``warc_dir``).
    """
    from warcio.recompressor import Recompressor

    name = re.sub(r"[^A-Za-z0-9._+-]", "_", f"{_arc_stem(source.name)}-arc-{digest[:12]}.warc.gz")
    try:
        with replacing(warc_dir / name) as part, open(source, "rb") as stream:
            Recompressor(str(source), str(part)).load_and_write(stream, str(part))
    except Exception as exc:  # noqa: BLE001 - warcio raises assorted errors on bytes it cannot read
        raise ValueError(f"an ARC file that warcio cannot convert: {type(exc).__name__}: {exc}") from None
    return name


def _arc_stem(name: str) -> str:
    return re.sub(r"(\.w?arc)?(\.gz)?$", "", name, flags=re.I) or "converted"


def _copy_name(source: Path, gzipped: bool) -> str:
    """The copy's name in ``DATA/warc``: the source's, with the suffix ``reindex`` reads."""
    name = source.name
    if not name.endswith((".warc.gz", ".warc")):
        stem = re.sub(r"(\.warc)?(\.gz)?(\.[A-Za-z]+)?$", "", name) or "imported"
        name = stem + (".warc.gz" if gzipped else ".warc")
    return re.sub(r"[^A-Za-z0-9._+-]", "_", name)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_COPY_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _already_there(source: Path, warc_dir: Path, source_hash: Callable[[], str]) -> str | None:
    """The name of a file in ``warc_dir`` holding exactly ``source``'s bytes, or None."""
    size = source.stat().st_size
    for existing in warc_files(warc_dir):
        if existing.stat().st_size == size and _sha256(existing) == source_hash():
            return existing.name
    return None


def _copy_in(source: Path, warc_dir: Path, progress: Callable[[int], None]) -> str:
    """Copy ``source`` into ``warc_dir`` byte for byte; return the copy's name.

    Written as ``.NAME.part`` and renamed when whole, so no reader ever sees half a file.
    A name taken by other bytes gets ``-1``, ``-2`` ... before its suffix.
    """
    with open(source, "rb") as fh:
        gzipped = is_gzip(source, fh)
    name = _copy_name(source, gzipped)
    suffix = ".warc.gz" if name.endswith(".warc.gz") else ".warc"
    stem = name[: -len(suffix)]
    serial = 0
    while (warc_dir / name).exists():
        serial += 1
        name = f"{stem}-{serial}{suffix}"
    with replacing(warc_dir / name) as part, open(source, "rb") as src, open(part, "wb") as dst:
        done = 0
        while chunk := src.read(_COPY_CHUNK):
            dst.write(chunk)
            done += len(chunk)
            progress(done)
    return name


def _site_of(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _candidates(index: Index, name: str) -> list[tuple[CaptureRecord, int]]:
    """The 200 HTML responses of one file that no article metadata record describes yet."""
    return index.unextracted_captures(name, HTML_TYPES)


def _page(path: Path, capture: CaptureRecord) -> tuple[bytes, dict[str, str]] | None:
    """The decoded entity body and HTTP headers of an HTML capture, or None (empty, too
    large, unreadable)."""
    if capture.warc_length > MAX_PAGE_BYTES * 2:
        return None
    try:
        stored = read_record(path, capture.warc_offset)
    except WarcError as exc:
        logger.warning("cannot read %s: %s", escape(capture.url, 200), escape(str(exc), 200))
        return None
    if not stored.payload or len(stored.payload) > MAX_PAGE_BYTES:
        return None
    return stored.payload, {name: value for name, value in stored.http_headers}


class _Extractor:
    """Extraction of many pages: in a pool of worker processes (one per core) when there
    are many (``many``), in this process when there are few or ``workers`` is 0."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: Any = None

    def map(self, jobs: list[tuple[bytes, str, dict[str, str]]], many: bool) -> Iterator[Any]:
        from archive.extract import extract

        if self.workers <= 0 or not many or len(jobs) < 2:
            return (extract(*job) for job in jobs)
        if self.pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            from archive.workers import init_pool_worker

            self.pool = ProcessPoolExecutor(max_workers=self.workers, initializer=init_pool_worker,
                                            mp_context=multiprocessing.get_context("forkserver"))
        from archive.workers import extract_in_worker

        return self.pool.map(extract_in_worker, *zip(*jobs))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


class _Articles:
    """Extract one imported file's HTML captures and keep the articles, as a crawl does."""

    def __init__(self, index: Index, writer: WarcWriter, extractor: _Extractor, stats: ImportStats,
                 site: str | None) -> None:
        self.index = index
        self.writer = writer
        self.extractor = extractor
        self.stats = stats
        self.site = site

    def run(self, path: Path, report: Callable[[int, int], None]) -> int:
        candidates = _candidates(self.index, path.name)
        many = len(candidates) >= POOL_MIN_PAGES
        found = 0
        for start in range(0, len(candidates), BATCH):
            batch = candidates[start:start + BATCH]
            pages = [(c, _page(path, c[0])) for c in batch]
            ready = [(c, page) for c, page in pages if page is not None]
            jobs = [(page[0], c[0].url, page[1]) for c, page in ready]
            rows: list[ArticleRow] = []
            aliases: list[tuple[str, str]] = []
            for ((capture, capture_id), _page_), extracted in zip(ready, self.extractor.map(jobs, many)):
                self.stats.pages += 1
                row = self._article(capture, capture_id, extracted, aliases)
                if row is not None:
                    rows.append(row)
            self.index.upsert_articles(rows)
            self.index.add_aliases(aliases)
            found += len(rows)
            report(min(start + BATCH, len(candidates)), len(candidates))
        return found

    def _article(self, capture: CaptureRecord, capture_id: int, extracted: Any,
                 aliases: list[tuple[str, str]]) -> ArticleRow | None:
        if not is_article(extracted, teaser_dated=False):
            self.stats.not_articles += 1
            return None
        canonical = choose_canonical(extracted.canonical_url, capture.url)
        row = ArticleRow.from_extracted(
            extracted, canonical_url=canonical, url=capture.url, site=self.site or _site_of(canonical),
            issue_date=None, capture=capture, capture_id=capture_id)
        spellings = sorted({capture.url, canonical_url(capture.url)} - {canonical})
        self.writer.write_metadata(capture, metadata_fields(extracted, row, spellings))
        aliases.extend((alias, canonical) for alias in spellings)
        self.stats.articles += 1
        return row


def import_warcs(
    data_dir: str | os.PathLike[str],
    sources: list[Path],
    *,
    site: str | None = None,
    workers: int | None = None,
    progress: Callable[[ImportProgress], None] | None = None,
    update_cdxj: bool = True,
) -> ImportStats:
    """Import WARC files written by other tools into the data folder (see the module doc).

    The caller holds the data folder's writer lock (:func:`archive.lock.lock_data_dir`).

    Args:
        data_dir: The data folder (created if missing).
        sources: The WARC files (``.warc.gz`` or ``.warc``; WARC 1.0 or 1.1).
        site: The ``site`` of the articles found; default: each article's host, ``www.`` left out.
        workers: Extraction processes (default one per core; 0 extracts in this process).
        progress: Called now and then with where the import is.
        update_cdxj: Bring ``DATA/indexes`` (replay) up to date at the end.

    Returns:
        What became of each file, and the articles found.

    Raises:
        ImportFailed: ``DATA/warc`` cannot be created.
        OSError: A file cannot be read or copied (files before it stay imported).
    """
    data = DataDir(Path(data_dir))
    warc_dir = data.warc
    try:
        warc_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ImportFailed(f"cannot create {warc_dir}: {exc}") from exc
    report = progress or (lambda _p: None)
    state = ImportProgress(files_total=len(sources))
    stats = ImportStats()
    index = Index(data.db)
    writer = WarcWriter(warc_dir, prefix="newsarchive-import", info={
        "description": "newsarchive import: metadata records of the articles found in imported WARC files",
        "software": f"newsarchive/{__version__} (warcio)"})
    extractor = _Extractor((os.cpu_count() or 1) if workers is None else workers)
    try:
        for source in sources:
            stats.files.append(_import_one(Path(source), warc_dir, index, writer, extractor, stats, site,
                                           state, report))
            state.files_done += 1
            report(state)
    finally:
        extractor.close()
        writer.close()
        index.close()
    stats.metadata_files = list(writer.files_written)
    if update_cdxj:
        try:
            from archive.warc.cdxj import update_index_report

            stats.cdxj_lines = update_index_report(data.root).lines
        except Exception as exc:  # noqa: BLE001 - the import stands; only the replay index is stale
            stats.cdxj_error = f"{type(exc).__name__}: {exc}"
    return stats


def _import_one(source: Path, warc_dir: Path, index: Index, writer: WarcWriter, extractor: _Extractor,
                stats: ImportStats, site: str | None, state: ImportProgress,
                report: Callable[[ImportProgress], None]) -> ImportedFile:
    result = ImportedFile(source)
    state.current_file = source.name
    if source.resolve().parent == warc_dir.resolve():
        result.status, result.name = "already imported", source.name
        result.why = "it is in the data folder's warc/ already (`newsarchive reindex` indexes it)"
        return result
    why = _sniff(source)
    if why is not None and why != ARC_FILE:
        result.status, result.why = "refused", why
        return result
    if why == ARC_FILE:
        name = _take_arc(source, warc_dir, result, state, report)
        if name is None:
            return result
        result.name = name
    else:
        hashed: list[str] = []

        def source_hash() -> str:
            if not hashed:
                hashed.append(_sha256(source))
            return hashed[0]

        there = _already_there(source, warc_dir, source_hash)
        if there is not None:
            result.status, result.name = "already imported", there
            return result
        state.stage, state.done, state.total = "copy", 0, source.stat().st_size

        def copied(done: int) -> None:
            state.done = done
            report(state)

        result.name = _copy_in(source, warc_dir, copied)
    copy = warc_dir / result.name

    def indexing(p: ReindexProgress) -> None:
        state.stage, state.done, state.total = "index", p.bytes_done, p.bytes_total
        state.captures = p.captures
        report(state)

    articles_before = index.count_articles()
    read = index_warc_files(index, warc_dir, [copy], progress=indexing)
    result.records, result.captures = read.records, read.captures
    result.damaged = [(offset, why) for _name, offset, why in read.damaged]
    result.damaged_bytes = read.damaged_bytes
    result.not_replayable = read.heads + read.shadowed

    def extracting(done: int, total: int) -> None:
        state.stage, state.done, state.total = "extract", done, total
        report(state)

    _Articles(index, writer, extractor, stats, site).run(copy, extracting)
    result.articles = index.count_articles() - articles_before
    state.articles += result.articles
    return result


def _take_arc(source: Path, warc_dir: Path, result: ImportedFile, state: ImportProgress,
              report: Callable[[ImportProgress], None]) -> str | None:
    """The name of ``source``'s WARC conversion in ``warc_dir`` (made now, or found from an
    earlier import); None, with ``result`` saying why, when it is there already or cannot be made."""
    digest = _sha256(source)
    earlier = [p.name for p in warc_dir.glob(f"*-arc-{digest[:12]}.warc.gz")]
    if earlier:
        result.status, result.name, result.why = "already imported", earlier[0], "converted from ARC"
        return None
    state.stage, state.done, state.total = "convert", 0, source.stat().st_size
    report(state)
    try:
        name = _convert_in(source, warc_dir, digest)
    except ValueError as exc:
        result.status, result.why = "refused", str(exc)
        return None
    why = _sniff(warc_dir / name)
    if why is not None:  # warcio wrote what it could read of it: no whole record
        (warc_dir / name).unlink()
        result.status, result.why = "refused", f"an ARC file that warcio cannot convert: {why}"
        return None
    result.converted = True
    return name


def describe(result: ImportedFile) -> str:
    """One line about one file (printable text)."""
    source = escape(str(result.source), 300)
    if result.status == "refused":
        return f"{source}: not imported: {result.why}"
    if result.status == "already imported":
        return f"{source}: already imported as warc/{escape(result.name, 200)}" + (f" ({result.why})" if result.why else "")
    damaged = (f", {_plural(len(result.damaged), 'damaged range')} left out ({_plural(result.damaged_bytes, 'byte')})"
               if result.damaged else "")
    if any("holds more than one record" in why for _, why in result.damaged):
        damaged += (" (the file is one gzip stream, not one gzip member per record: "
                    f"`warcio recompress {escape(result.source.name, 200)} FIXED.warc.gz` makes it readable)")
    unplayable = (f" ({result.not_replayable} HEAD or empty responses not indexed, they do not replay)"
                  if result.not_replayable else "")
    converted = " (converted from ARC to WARC by warcio)" if result.converted else ""
    return (f"{source}: imported as warc/{escape(result.name, 200)}{converted}: {result.records} records, "
            f"{result.captures} captures{unplayable}, {result.articles} articles{damaged}")


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
