"""Merge the data folders of a distributed crawl's workers into one archive (issue 16).

Each worker of ``newsarchive crawl --workers N`` writes its own WARC files and
``archive.db`` (SQLite's WAL needs one host, so no index is shared). :func:`merge_files`
copies every record of the given WARC files, byte for byte (each record is its own gzip
member, so digests and payloads are untouched), into new files ordered by ``WARC-Date``
(WARC 1.1 section 5.4; records of one date keep their file order, so a request stays
before its response and a response before its metadata record). :func:`finish` then
rebuilds the index from the WARC files with :func:`archive.reindex.reindex` (which reads
files in name order: the merged files are named like a crawl's, by the merge's time),
regenerates the CDXJ for replay and checks every merged file (:mod:`archive.warc.check`).

Damaged bytes cost only themselves: each input is read by the resynchronising reader
(:func:`archive.warc.resync.scan`), so a truncated tail or a damaged member is left out and
reported (:attr:`MergeResult.damaged`) while every readable record around it is copied. A
record whose ``WARC-Record-ID`` was copied already (the same file in two folders, a folder
given twice) is copied once (WARC 1.1 section 5.2: the ID is globally unique) and counted.
A record of an uncompressed ``.warc`` input becomes a gzip member of its own (annex D);
its bytes, once inflated, are unchanged.
"""
from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from archive.layout import DataDir
from archive.reindex import ReindexStats, reindex, warc_files
from archive.warc import DEFAULT_MAX_BYTES, WarcWriter
from archive.warc.parse import Gap
from archive.warc.resync import is_gzip, scan

_DATE = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z$")


class MergeError(Exception):
    """The inputs cannot be merged (none, or the output is not empty); one line."""


@dataclass
class MergeResult:
    """What a merge wrote: new WARC file names, records copied, the rebuilt index's
    stats and the ``warc check`` findings of the new files (empty: clean)."""

    files: list[str]
    records: int
    index: ReindexStats | None = None
    findings: list[str] = field(default_factory=list)
    #: ``"FILE:OFFSET: N bytes left out: WHY"``, one per stretch of an input that is no record
    damaged: list[str] = field(default_factory=list)
    damaged_bytes: int = 0
    #: the inputs that held such a stretch (their other records were copied)
    damaged_inputs: list[Path] = field(default_factory=list)
    #: records not copied because a record of the same WARC-Record-ID was
    duplicates: int = 0


def date_key(value: str | None) -> tuple[int, ...]:
    """A sortable key of a WARC-Date (any precision; unparsable dates sort first)."""
    match = _DATE.match((value or "").strip())
    if not match:
        return (0,)
    *whole, fraction = match.groups()
    return (*(int(part) for part in whole), int((fraction or "0").ljust(9, "0")))


def merge_files(inputs: list[Path], warc_dir: Path, *, max_bytes: int = DEFAULT_MAX_BYTES,
                description: str = "") -> MergeResult:
    """Copy every readable record of ``inputs`` into new files in ``warc_dir``, in WARC-Date
    order, each WARC-Record-ID once; the damaged stretches of the inputs are left out and
    listed in the result.

    Raises:
        MergeError: no input files, or an input cannot be read.
        archive.warc.WarcError: an output cannot be written.
    """
    if not inputs:
        raise MergeError("no WARC files to merge")
    result = MergeResult(files=[], records=0)
    entries = _readable_records(list(dict.fromkeys(Path(p) for p in inputs)), result)
    writer = WarcWriter(warc_dir, max_bytes=max_bytes, info={
        "description": description or f"newsarchive merge of {len(inputs)} WARC files",
        "isPartOf": ", ".join(sorted({p.parent.parent.name for p in inputs})),
    })
    handles: dict[Path, BinaryIO] = {}
    try:
        for _date, path, offset, length, gzipped in entries:
            handle = handles.get(path)
            if handle is None:
                handle = handles[path] = open(path, "rb")
            handle.seek(offset)
            member = handle.read(length)
            writer.copy_member(member if gzipped else gzip.compress(member, mtime=0))
    finally:
        for handle in handles.values():
            handle.close()
        writer.close()
    result.files, result.records = list(writer.files_written), len(entries)
    return result


def _readable_records(inputs: list[Path], result: MergeResult) -> list[tuple[tuple[int, ...], Path, int, int, bool]]:
    """``(date key, path, offset, length, gzipped)`` of each record to copy; the gaps and
    duplicate record IDs met on the way are noted in ``result``."""
    entries = []
    seen: set[str] = set()
    for order, path in enumerate(inputs):
        try:
            with open(path, "rb") as fh:
                gzipped = is_gzip(path, fh)
            for item in scan(path):
                if isinstance(item, Gap):
                    _note_gap(result, path, item)
                    continue
                record_id = item.header("WARC-Record-ID") or ""
                if record_id and record_id in seen:
                    result.duplicates += 1
                    continue
                if record_id:
                    seen.add(record_id)
                # the input's place breaks ties of WARC-Date, then the offset: file order is kept
                entries.append(((*date_key(item.header("WARC-Date")), order), path, item.offset, item.length, gzipped))
        except OSError as exc:
            raise MergeError(f"cannot read {path}: {exc.strerror or exc}") from None
    entries.sort(key=lambda entry: (entry[0], entry[2]))
    return entries


def _note_gap(result: MergeResult, path: Path, gap: Gap) -> None:
    if gap.inside_record:  # the rest of a member whose record was copied: copied with it
        result.damaged.append(f"{path}:{gap.offset}: copied inside its record's gzip member: {gap.why}")
        return
    result.damaged.append(f"{path}:{gap.offset}: {gap.length} bytes left out: {gap.why}")
    result.damaged_bytes += gap.length
    if path not in result.damaged_inputs:
        result.damaged_inputs.append(path)


def finish(data_dir: Path, result: MergeResult) -> MergeResult:
    """Rebuild ``data_dir``'s index and CDXJ from its WARC files and check the merged ones."""
    from archive.warc.cdxj import update_index
    from archive.warc.check import check_file

    result.index = reindex(data_dir)
    update_index(data_dir)
    for name in result.files:
        checked = check_file(DataDir(data_dir).warc / name)
        result.findings.extend(f"{name}: {finding}" for finding in checked.findings)
    return result


def merge_folders(target: Path, sources: list[Path], *, max_bytes: int = DEFAULT_MAX_BYTES) -> MergeResult:
    """Build the archive in ``target`` (new, or without WARC files) from every WARC file of
    the ``sources`` data folders.

    Raises:
        MergeError: ``target`` holds WARC files already, is one of the sources, or the
            sources hold no WARC file.
    """
    target = Path(target)
    resolved = {Path(s).resolve() for s in sources}
    if target.resolve() in resolved:
        raise MergeError(f"{target} is one of the folders to merge; merge into a new folder")
    target_warc = DataDir(target).warc
    if target_warc.is_dir() and warc_files(target_warc):
        raise MergeError(f"{target_warc} holds WARC files already; merge into a new folder")
    sources = list({Path(source).resolve(): Path(source) for source in sources}.values())  # each folder once
    source_warcs = [DataDir(source).warc for source in sources]
    inputs = [path for warc_dir in source_warcs if warc_dir.is_dir() for path in warc_files(warc_dir)]
    if not inputs:
        raise MergeError("the folders to merge hold no WARC files (DIR/warc/*.warc.gz)")
    result = merge_files(inputs, target_warc, max_bytes=max_bytes,
                         description=f"newsarchive merge of {len(sources)} data folders")
    return finish(target, result)
