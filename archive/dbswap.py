"""Putting a rebuilt ``archive.db`` in place of the old one (for :mod:`archive.reindex`).

The old index is checkpointed (its WAL folded into the file, SQLite's ``PRAGMA
wal_checkpoint``), kept as ``archive.db.bak`` (a hard link, or the file and its WAL when it
cannot be checkpointed), and the rebuilt one renamed over it (``os.replace``: readers see
the old index or the new one). What the WARC files do not hold (the crawl history,
schedules, per-URL state) is copied over first (:meth:`archive.index.Index.carry_over_from`).
The SQL of it all (checkpoint, row counts, the copy) is :mod:`archive.index.rebuild`'s.
"""
from __future__ import annotations

import os
from pathlib import Path

from archive.index import Index

__all__ = ["remove_db", "swap_in"]


def remove_db(path: Path) -> None:
    """Delete an index file and its WAL, shared-memory and journal files, where they exist."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = path.with_name(path.name + suffix)
        if candidate.exists():
            candidate.unlink()


def swap_in(rebuilt: Path, target: Path, backup: Path) -> Path | None:
    """Replace ``target`` by ``rebuilt``, keeping the old one (and its WAL) as ``backup``
    (:attr:`archive.layout.DataDir.db_backup`). Returns ``backup``, or None when there was
    no ``target``."""
    if not target.exists():
        os.replace(rebuilt, target)
        return None
    Index.checkpoint_file(target)
    remove_db(backup)
    wal = target.with_name(target.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        # the old index could not be checkpointed (corrupt?): keep its WAL beside its backup
        os.replace(target, backup)
        os.replace(wal, backup.with_name(backup.name + "-wal"))
    else:
        os.link(target, backup)
    shm = target.with_name(target.name + "-shm")
    for leftover in (wal, shm):
        if leftover.exists():
            leftover.unlink()
    os.replace(rebuilt, target)  # atomic: readers see the old index or the new one
    return backup
