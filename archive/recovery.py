"""After a crash: repair the WARC tail that was being written, and index what the WARC files
hold that the index did not get (the WARCs are the source of truth).

A crawl killed by SIGKILL or a power cut can leave (1) a half-written last record in the
WARC file it had open (case B11) and (2) WARC records whose ``captures``/``articles`` rows
were still in the batch buffer. :func:`repair_tails` handles the first with
:func:`archive.warc.check.repair_tail`; :func:`recover_index` the second with
:func:`archive.reindex.index_warc_files`, which is idempotent.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from archive.index import Index
from archive.records import metadata_record_fields
from archive.warc_indexer import index_warc_files, warc_files
from archive.warc import WarcError, iter_records
from archive.warc.check import check_file, repair_tail


def repair_tails(warc_dir: Path, *, newest: int = 1) -> list[str]:
    """Check the ``newest`` WARC files (the one a killed writer had open) and move a
    truncated or corrupt tail aside into ``FILE.damaged``.

    Returns:
        One line per file repaired, saying what was kept and what was moved.
    """
    lines = []
    for path in warc_files(warc_dir)[-newest:] if warc_dir.is_dir() else []:
        result = check_file(path)
        if not result.damaged_tail:
            continue
        repaired = repair_tail(path, result)
        if repaired is not None:
            lines.append(f"{path.name}: kept {repaired.kept_bytes} bytes, moved {repaired.moved_bytes} "
                         f"to {repaired.damaged_path.name if repaired.damaged_path else '?'}")
    return lines


def _written_since(warc_dir: Path, since: str) -> list[Path]:
    started = dt.datetime.fromisoformat(since.replace("Z", "+00:00")).timestamp() - 5
    return [p for p in warc_files(warc_dir) if p.stat().st_mtime >= started] if warc_dir.is_dir() else []


def pending_requisites(index: Index, warc_dir: Path, *, since: str) -> list[tuple[str, str, str]]:
    """The page requisites that articles archived since ``since`` named in their metadata
    records (``requisites``) and that no capture holds yet: what a killed crawl had found
    but not fetched.

    Returns:
        ``[(url, kind, page URL)]`` in the order the records name them, each URL once.
        An unreadable file or record costs only what it holds.
    """
    named: dict[str, tuple[str, str]] = {}
    for path in _written_since(warc_dir, since):
        try:
            for _offset, _length, record in iter_records(path):
                if record.rec_type != "metadata":
                    continue
                try:
                    fields = metadata_record_fields(record.payload or record.raw_payload)
                except ValueError:
                    continue
                if fields is None:
                    continue
                for pair in fields.get("requisites") or []:
                    if isinstance(pair, list) and len(pair) == 2 and all(isinstance(v, str) for v in pair):
                        named.setdefault(pair[0], (pair[1], str(fields.get("url") or "")))
        except WarcError:
            continue  # the tail was repaired before; anything else unreadable is reported by check
    captured = index.captured_urls(list(named))
    return [(url, kind, page) for url, (kind, page) in named.items() if url not in captured]


def unextracted_pages(index: Index, *, since: str) -> list[dict[str, Any]]:
    """The 200 HTML responses archived since ``since`` (ISO 8601 UTC) whose URL is no article,
    alias or canonical URL: pages a killed crawl fetched and wrote to WARC but had not extracted
    yet (or found to be no article). A resumed crawl reads them from the archive instead of
    fetching them a second time. Times are compared to the second (``…12Z`` and ``…12.58Z``
    are the same second, though not in string order).

    Returns:
        Their ``captures`` rows, oldest first.
    """
    return index.unextracted_pages(since)


def recover_index(index: Index, warc_dir: Path, *, since: str) -> dict[str, int]:
    """Index the records of the WARC files written since ``since`` (ISO 8601 UTC).

    Returns:
        ``{"captures": n, "articles": n}``: how many rows were added.
    """
    files = _written_since(warc_dir, since)
    before_captures = index.count_captures()
    before_articles = index.count_articles()
    if files:
        index_warc_files(index, warc_dir, files)
    return {"captures": index.count_captures() - before_captures,
            "articles": index.count_articles() - before_articles}
