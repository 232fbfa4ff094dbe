"""What a rebuild (``reindex``) asks of an index file: its WAL folded in, its row counts, and
the rows the WARC files do not hold, copied from the index it replaces.

The file moves themselves (the backup, the atomic rename) are :mod:`archive.dbswap`'s. The
old index may be damaged or of an older schema (a damaged index is what a rebuild is for),
so it is read through a plain read-only connection, never migrated, and what cannot be read
of it is logged and left out rather than raised.
"""
from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from archive.index.base import IndexBase

__all__ = ["CARRIED_OVER_TABLES", "RebuildMixin"]

logger = logging.getLogger("archive.reindex")

#: Tables the WARC files do not describe: copied from the old index into the rebuilt one.
CARRIED_OVER_TABLES = ("crawls", "schedules", "url_state", "deferred_urls")


class RebuildMixin(IndexBase):
    """:class:`archive.index.Index`'s part in a rebuild."""

    @staticmethod
    def checkpoint_file(path: Path) -> None:
        """Fold the WAL of the index at ``path`` into its file (``PRAGMA wal_checkpoint``), so
        that the file alone is the database; a failure is logged."""
        try:
            conn = sqlite3.connect(str(path), timeout=10)
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            logger.warning("could not checkpoint %s: %s", path, exc)

    @staticmethod
    def row_counts(path: Path, not_replayable: Iterable[str] = ()) -> dict[str, int] | None:
        """``{"articles": n, "captures": n}`` of the index at ``path``, not counting the
        captures of ``not_replayable`` record ids (rows an older version made for HEAD
        responses); None when it cannot be read (so it does not hold a rebuild back)."""
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
            try:
                return _row_counts(conn, sorted(set(not_replayable)))
            finally:
                conn.close()
        except sqlite3.Error as exc:
            logger.warning("cannot count the rows of %s: %s", path, exc)
            return None

    def carry_over_from(self, old: Path) -> dict[str, int]:
        """Copy the crawl history, the schedules and the per-URL crawl state (the WARC files
        hold none of these) from the index at ``old`` into this one; rows per table copied.

        An old index that cannot be read gives nothing (the rebuild still stands).
        """
        copied: dict[str, int] = {}
        try:
            self._conn.execute("ATTACH DATABASE ? AS old", (str(old),))
        except sqlite3.DatabaseError as exc:
            logger.warning("could not copy crawls, schedules and URL state from %s: %s", old, exc)
            return copied
        try:
            with self._write():
                for table in CARRIED_OVER_TABLES:
                    copied.update(self._copy_table(table))
        except sqlite3.DatabaseError as exc:
            logger.warning("could not copy crawls, schedules and URL state from %s: %s", old, exc)
            copied = {}
        finally:
            self._conn.execute("DETACH DATABASE old")
        return copied

    def _copy_table(self, table: str) -> dict[str, int]:
        """``INSERT OR IGNORE`` the rows of ``old.<table>`` in the columns both schemas have."""
        old_cols = {r[1] for r in self._conn.execute(f"PRAGMA old.table_info({table})")}
        new_cols = [r[1] for r in self._conn.execute(f"PRAGMA main.table_info({table})")]
        cols = [c for c in new_cols if c in old_cols]
        if not cols:
            return {}
        # table and column names come from the schema, never from input
        names = ", ".join(f'"{c}"' for c in cols)
        cursor = self._conn.execute(f"INSERT OR IGNORE INTO main.{table} ({names}) SELECT {names} FROM old.{table}")
        return {table: cursor.rowcount}


def _row_counts(conn: sqlite3.Connection, skipped: list[str]) -> dict[str, int]:
    captures = int(conn.execute("SELECT count(*) FROM captures").fetchone()[0])
    for start in range(0, len(skipped), 500):
        chunk = skipped[start:start + 500]
        captures -= int(conn.execute(
            f"SELECT count(*) FROM captures WHERE record_id IN ({', '.join('?' for _ in chunk)})",
            chunk).fetchone()[0])
    return {"articles": int(conn.execute("SELECT count(*) FROM articles").fetchone()[0]), "captures": captures}
