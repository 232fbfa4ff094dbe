"""The index's connection: opening (creating and migrating, or read-only), closing, and the
one way to write (a ``BEGIN IMMEDIATE`` transaction per batch).

The database (``DATA/archive.db``) is opened through sqlite-utils in WAL mode with a 10 s busy
timeout. Every write is one short ``BEGIN IMMEDIATE`` transaction: the write lock is taken up
front, so a second writer waits for the busy timeout instead of failing at once with "database
is locked" when a deferred transaction tries to upgrade from read to write (case B22,
simonw/datasette#2358; SQLite "Transaction", section 2.1
https://www.sqlite.org/lang_transaction.html). Use one writing index per process.
"""
from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from sqlite_utils import Database

from archive.index import schema
from archive.query import ArchiveIndexError

__all__ = ["BUSY_TIMEOUT_S", "IndexBase", "IndexNotFound", "SchemaOutdated"]

logger = logging.getLogger("archive.index")

#: How long a connection waits for another one's lock before "database is locked".
BUSY_TIMEOUT_S = 10.0


class IndexNotFound(ArchiveIndexError, FileNotFoundError):
    """The index file does not exist (raised when opening read-only)."""


class SchemaOutdated(ArchiveIndexError):
    """A read-only open found a schema older than this code: open it writable once to migrate."""


_Self = TypeVar("_Self", bound="IndexBase")


class IndexBase:
    """The connection every part of :class:`archive.index.Index` shares (``self.db``, a
    sqlite-utils :class:`~sqlite_utils.Database`, and ``_execute``/``_write``)."""

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        """Open the index, creating and migrating it unless *readonly*.

        Args:
            path: The database file, normally ``DATA/archive.db``. Its folder is created
                when writable.
            readonly: Open for reading only: nothing is created or migrated, writes raise.

        Raises:
            IndexNotFound: *readonly* and the file does not exist.
            ArchiveIndexError: The file's schema is newer than this code knows, or (when
                *readonly*) older, so it needs a migration that a read-only open cannot do.
            sqlite3.DatabaseError: The file is not an SQLite database.
        """
        self.path = Path(path)
        self.readonly = readonly
        if readonly:
            if not self.path.is_file():
                raise IndexNotFound(
                    f"no archive index at {self.path}: crawl or reindex first, "
                    "or point --data at the folder that holds archive.db"
                )
            conn = sqlite3.connect(
                self.path.resolve().as_uri() + "?mode=ro",
                uri=True,
                timeout=BUSY_TIMEOUT_S,
                isolation_level=None,
            )
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: the driver never opens transactions behind our back;
            # every write goes through _write() (BEGIN IMMEDIATE), sqlite-utils' own
            # atomic() blocks then nest as savepoints inside it.
            conn = sqlite3.connect(
                str(self.path), timeout=BUSY_TIMEOUT_S, isolation_level=None
            )
        self._conn = conn
        self.db = Database(conn)
        try:
            if readonly:
                self._check_version()
            else:
                self.db.enable_wal()
                # WAL + NORMAL: durable against crashes of the process; the WARCs stay the
                # source of truth should a power cut drop the last transactions.
                conn.execute("PRAGMA synchronous=NORMAL")
                self._migrate()
        except BaseException:
            conn.close()
            raise

    # -- lifecycle ----------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (rolling back a transaction left open by an error)."""
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")
        self._conn.close()

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        self.close()

    @classmethod
    def open_readonly(cls: type[_Self], path: str | Path) -> _Self:
        """Open for reading; an index whose schema is older than this code is migrated first
        (one short write transaction), so readers never refuse an archive made by an older
        newsarchive.

        Raises:
            IndexNotFound: there is no index at ``path``.
            ArchiveIndexError: it cannot be opened or migrated.
        """
        try:
            return cls(path, readonly=True)
        except SchemaOutdated:
            cls(path).close()
            return cls(path, readonly=True)

    @property
    def schema_version(self) -> int:
        """The applied migration count (``PRAGMA user_version``)."""
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def _check_version(self) -> None:
        version = self.schema_version
        if version > len(schema.migrations):
            raise ArchiveIndexError(
                f"{self.path} has schema version {version}, newer than this newsarchive "
                f"knows ({len(schema.migrations)}): upgrade newsarchive"
            )
        if self.readonly and version < len(schema.migrations):
            raise SchemaOutdated(
                f"{self.path} has schema version {version}, older than {len(schema.migrations)}: "
                "open it once without read-only (e.g. run reindex) to migrate it"
            )

    def _migrate(self) -> None:
        """Apply the migrations the file has not had yet, in one transaction."""
        with self._write():
            self._check_version()
            version = self.schema_version
            for number, migration in enumerate(schema.migrations[version:], start=version + 1):
                logger.info("migrating %s to schema version %d", self.path, number)
                migration(self.db)
                # number is an int from enumerate(), never user text
                self._conn.execute(f"PRAGMA user_version = {int(number)}")

    def _execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        """Run one statement with bound *params*; rows come back as :class:`sqlite3.Row`.

        (The row factory is set per cursor, not on the connection sqlite-utils shares.)
        """
        cursor = self._conn.cursor()
        cursor.row_factory = sqlite3.Row
        return cursor.execute(sql, params)

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction, taking the write lock up front (``BEGIN IMMEDIATE``).

        Raises:
            ArchiveIndexError: The index was opened read-only.
        """
        if self.readonly:
            raise ArchiveIndexError(f"{self.path} was opened read-only; cannot write")
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
        else:
            self._conn.execute("COMMIT")
