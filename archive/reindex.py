"""Rebuild ``archive.db`` from the WARC files alone.

The WARC files are the archive; the SQLite index is a view of them. :func:`reindex` reads
every ``DATA/warc/*.warc.gz`` in name order and builds a new index from it:

the captures, articles and aliases of :func:`archive.warc_indexer.index_warc_files`, which
crash recovery and ``import`` use too.

With ``re_extract`` the article fields come from running :func:`archive.extract.extract`
again on the archived response (its entity body, content-decoded); the metadata record
still gives the canonical URL, site, issue date and aliases, which depend on the crawl.

The new index is built in ``archive.db.rebuild`` and then moved over ``archive.db`` (the
old one is kept as ``archive.db.bak``), unless it holds fewer articles or captures than the
old one: then :class:`ReindexRefused` says what would be lost and ``archive.db`` is left
as it was (``force`` replaces it anyway).

The files are read with :func:`archive.warc.resync.scan`: damaged bytes cost only themselves. A
member that does not inflate, a record whose Content-Length disagrees with its member,
junk between members, a gzip bomb (inflating stops once a member yields more than its
record declares) or a cut-off tail (case B11, never indexed) is one entry of
``ReindexStats.damaged``, and the reading goes on at the next readable record.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from archive.dbswap import remove_db, swap_in
from archive.index import Index
from archive.layout import DataDir
from archive.warc_indexer import COMPARED_FIELDS, ReindexProgress, ReindexStats, index_warc_files, warc_files

__all__ = [
    "COMPARED_FIELDS",
    "ReindexError",
    "ReindexProgress",
    "ReindexRefused",
    "ReindexStats",
    "index_warc_files",
    "reindex",
    "warc_files",
]


class ReindexError(Exception):
    """The index could not be rebuilt (no WARC files, the index is in use, a write failed)."""


class ReindexRefused(ReindexError):
    """The rebuilt index would hold fewer articles or captures than the current one.

    Attributes:
        stats: What the rebuild read (its ``damaged`` says which bytes were left out).
        lost: ``{"articles": n, "captures": n}``: how many fewer.
    """

    def __init__(self, message: str, stats: ReindexStats, lost: dict[str, int]) -> None:
        super().__init__(message)
        self.stats = stats
        self.lost = lost


def reindex(
    data_dir: str | os.PathLike[str],
    *,
    re_extract: bool = False,
    progress: Callable[[ReindexProgress], None] | None = None,
    force: bool = False,
) -> ReindexStats:
    """Rebuild ``DATA/archive.db`` from ``DATA/warc/`` alone.

    Damaged bytes in the WARC files cost only themselves: the reader resynchronises at the
    next readable record (:mod:`archive.warc.resync`) and notes each gap in ``stats.damaged``.
    A rebuilt index that holds fewer articles or captures than the current ``archive.db``
    does not replace it unless ``force`` is given.

    Args:
        data_dir: The data folder.
        re_extract: Run extraction again on each article's archived response instead of
            taking the fields from its metadata record.
        force: Replace the current index even when the rebuilt one holds less.
        progress: Called now and then (every 200 records and after each file) with where
            the rebuild is.

    Returns:
        What was read and written.

    Raises:
        ReindexRefused: The rebuilt index holds fewer articles or captures than the current
            one (and not ``force``); the current one is left as it was.
        ReindexError: There are no WARC files, or the new index could not be put in place.
        OSError: A WARC file cannot be read.
    """
    data = DataDir(Path(data_dir))
    warc_dir = data.warc
    files = warc_files(warc_dir) if warc_dir.is_dir() else []
    if not files:
        raise ReindexError(f"no WARC files in {warc_dir}: nothing to rebuild the index from")
    report = progress or (lambda _p: None)
    target, rebuilt = data.db, data.db_rebuild
    remove_db(rebuilt)
    index = Index(rebuilt)
    try:
        stats = index_warc_files(index, warc_dir, files, re_extract=re_extract, progress=report)
        stats.articles = index.count_articles()
        stats.aliases = index.count_aliases()
        if target.exists():
            _refuse_to_lose(index, target, stats, force)
            stats.carried_over = index.carry_over_from(target)
    except BaseException:
        index.close()
        remove_db(rebuilt)
        raise
    index.close()
    Index.checkpoint_file(rebuilt)
    try:
        stats.backup_path = swap_in(rebuilt, target, data.db_backup)
    except OSError as exc:
        raise ReindexError(f"rebuilt {rebuilt} but could not move it to {target}: {exc}") from exc
    stats.db_path = target
    return stats


def _refuse_to_lose(index: Index, target: Path, stats: ReindexStats, force: bool) -> None:
    """Compare the rebuilt ``index`` with the current one at ``target`` (which may be damaged:
    then there is nothing to compare, and the rebuild goes ahead).

    Raises:
        ReindexRefused: The rebuilt index holds fewer articles or captures, and not ``force``.
    """
    previous = Index.row_counts(target, stats.not_replayable)
    if previous is None:
        return
    stats.previous = previous
    now = {"articles": index.count_articles(), "captures": index.count_captures()}
    lost = {"articles": max(0, previous["articles"] - now["articles"]),
            "captures": max(0, previous["captures"] - now["captures"])}
    if any(lost.values()) and not force:
        raise ReindexRefused(
            f"the rebuilt index would hold {now['articles']} articles and {now['captures']} captures, "
            f"the current {target} holds {previous['articles']} and {previous['captures']}: it would lose "
            f"{lost['articles']} articles and {lost['captures']} captures. {target} is unchanged; "
            "use --force to replace it anyway", stats, lost)
