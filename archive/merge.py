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
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from archive.layout import DataDir
from archive.reindex import ReindexStats, reindex, warc_files
from archive.warc import DEFAULT_MAX_BYTES, WarcWriter, iter_records

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


def date_key(value: str | None) -> tuple[int, ...]:
    """A sortable key of a WARC-Date (any precision; unparsable dates sort first)."""
    match = _DATE.match((value or "").strip())
    if not match:
        return (0,)
    *whole, fraction = match.groups()
    return (*(int(part) for part in whole), int((fraction or "0").ljust(9, "0")))


def merge_files(inputs: list[Path], warc_dir: Path, *, max_bytes: int = DEFAULT_MAX_BYTES,
                description: str = "") -> MergeResult:
    """Copy every record of ``inputs`` into new files in ``warc_dir``, in WARC-Date order.

    Raises:
        MergeError: no input files.
        archive.warc.WarcError: an input cannot be read, or an output written.
    """
    if not inputs:
        raise MergeError("no WARC files to merge")
    entries: list[tuple[tuple[int, ...], int, int, int]] = []
    for number, path in enumerate(inputs):
        for offset, length, record in iter_records(path):
            entries.append((date_key(record.warc_headers.get("WARC-Date")), number, offset, length))
    entries.sort()
    writer = WarcWriter(warc_dir, max_bytes=max_bytes, info={
        "description": description or f"newsarchive merge of {len(inputs)} WARC files",
        "isPartOf": ", ".join(sorted({p.parent.parent.name for p in inputs})),
    })
    handles: dict[int, BinaryIO] = {}
    try:
        for _date, number, offset, length in entries:
            handle = handles.get(number)
            if handle is None:
                handle = handles[number] = open(inputs[number], "rb")
            handle.seek(offset)
            writer.copy_member(handle.read(length))
    finally:
        for handle in handles.values():
            handle.close()
        writer.close()
    return MergeResult(files=list(writer.files_written), records=len(entries))


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
    source_warcs = [DataDir(Path(source)).warc for source in sources]
    inputs = [path for warc_dir in source_warcs if warc_dir.is_dir() for path in warc_files(warc_dir)]
    if not inputs:
        raise MergeError("the folders to merge hold no WARC files (DIR/warc/*.warc.gz)")
    result = merge_files(inputs, target_warc, max_bytes=max_bytes,
                         description=f"newsarchive merge of {len(sources)} data folders")
    return finish(target, result)
