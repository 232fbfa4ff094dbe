"""Putting a rebuilt ``archive.db`` in place of the old one (for :mod:`archive.reindex`).

The old index is checkpointed (its WAL folded into the file, SQLite's ``PRAGMA
wal_checkpoint``), kept as ``archive.db.bak`` (a hard link, or the file and its WAL when it
cannot be checkpointed), and the rebuilt one renamed over it (``os.replace``: readers see
the old index or the new one). What the WARC files do not hold (the crawl history,
schedules, per-URL state) is copied over first.
"""
from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

__all__ = ["CARRIED_OVER_TABLES", "carry_over", "checkpoint", "counts", "remove_db", "swap_in"]

logger = logging.getLogger("archive.reindex")


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = path.with_name(path.name + suffix)
        if candidate.exists():
            candidate.unlink()


def checkpoint(path: Path) -> None:
    """Fold an index's WAL into its file so that the file alone is the database."""
    try:
        conn = sqlite3.connect(str(path), timeout=10)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        logger.warning("could not checkpoint %s: %s", path, exc)


def swap_in(rebuilt: Path, target: Path) -> Path | None:
    """Replace ``target`` by ``rebuilt``, keeping the old one (and its WAL) as ``.bak``."""
    backup = target.with_name(target.name + ".bak")
    if not target.exists():
        os.replace(rebuilt, target)
        return None
    checkpoint(target)
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


#: Tables the WARC files do not describe: copied from the old index into the rebuilt one.
CARRIED_OVER_TABLES = ("crawls", "schedules", "url_state", "deferred_urls")


def carry_over(old: Path, new: Path) -> dict[str, int]:
    """Copy the crawl history, the schedules and the per-URL crawl state from the old index
    (the WARC files hold none of these) into the rebuilt one; rows per table copied.

    An old index that cannot be read gives nothing (the rebuild still stands).
    """
    copied: dict[str, int] = {}
    try:
        conn = sqlite3.connect(new)
        try:
            conn.execute("ATTACH DATABASE ? AS old", (str(old),))
            for table in CARRIED_OVER_TABLES:
                old_cols = {r[1] for r in conn.execute(f"PRAGMA old.table_info({table})")}
                new_cols = [r[1] for r in conn.execute(f"PRAGMA main.table_info({table})")]
                cols = [c for c in new_cols if c in old_cols]
                if not cols:
                    continue
                # table and column names come from the schema, never from input
                names = ", ".join(f'"{c}"' for c in cols)
                cursor = conn.execute(f"INSERT OR IGNORE INTO main.{table} ({names}) SELECT {names} FROM old.{table}")
                copied[table] = cursor.rowcount
            conn.commit()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        logger.warning("could not copy crawls, schedules and URL state from %s: %s", old, exc)
    return copied


def counts(path: Path, not_replayable: Iterable[str] = ()) -> dict[str, int] | None:
    """Articles and captures in an existing index, not counting the captures of
    ``not_replayable`` record ids (rows an older version made for HEAD responses); None
    when it cannot be read (a damaged index is what a rebuild is for, so it does not hold
    the rebuild back)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            captures = int(conn.execute("SELECT count(*) FROM captures").fetchone()[0])
            ids = sorted(set(not_replayable))
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                captures -= int(conn.execute(
                    f"SELECT count(*) FROM captures WHERE record_id IN ({', '.join('?' for _ in chunk)})",
                    chunk).fetchone()[0])
            return {"articles": int(conn.execute("SELECT count(*) FROM articles").fetchone()[0]),
                    "captures": captures}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        logger.warning("cannot count the rows of %s: %s", path, exc)
        return None
