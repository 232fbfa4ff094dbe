"""Running a search: :meth:`Index.search` and :meth:`Index.count_hits`, each one bound
statement from :func:`archive.index.search_sql.search_sql`, stopped by a time limit or Ctrl-C
(SQLite's progress handler)."""
from __future__ import annotations

import signal
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from archive.index.base import IndexBase
from archive.index.rows import SearchHit, _hit_from_row
from archive.index.search_sql import SearchOptions, register_sql_functions, search_sql, search_time_limit
from archive.query import ArchiveIndexError, QueryError, clean_text

__all__ = ["SearchMixin", "SearchTimeout"]

class SearchTimeout(ArchiveIndexError):
    """A search ran longer than its time limit and was stopped (a failure, not a usage error).

    Attributes:
        time_limit: The limit, in seconds.
    """

    def __init__(self, time_limit: float) -> None:
        self.time_limit = time_limit
        super().__init__(f"the search took longer than {time_limit:g} s and was stopped; narrow it")



#: SQLite virtual-machine steps between two checks of the clock (and of Ctrl-C).
_PROGRESS_STEPS = 1000

@contextmanager
def _sigint_sets(flag: list[bool]) -> Iterator[None]:
    """While the block runs, Ctrl-C (SIGINT) sets ``flag[0]`` instead of raising at once.

    A KeyboardInterrupt raised inside SQLite's progress callback would be swallowed by the
    sqlite3 module (the query only fails as "interrupted"); the flag lets the callback stop
    the query and the caller raise KeyboardInterrupt itself. Only Python's default handler
    in the main thread is replaced; elsewhere nothing changes.
    """
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        flag[0] = True

    try:
        signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)



class SearchMixin(IndexBase):
    """:class:`archive.index.Index`'s full-text search."""

    def search(
        self,
        query: str,
        *,
        since: str | None = None,
        until: str | None = None,
        author: str | None = None,
        category: str | None = None,
        tag: str | None = None,
        site: str | None = None,
        lang: str | None = None,
        sort: str = "relevance",
        limit: int = 20,
        offset: int = 0,
        raw: bool = False,
        highlight: tuple[str, str] = ("[", "]"),
        time_limit: float | None = None,
    ) -> list[SearchHit]:
        """Full-text search over title, text, authors, categories and tags, with filters.

        Ranked by FTS5 bm25 with the title weighted 10, authors 3, categories and tags 2,
        text 1. An empty or whitespace-only query lists the latest articles instead
        (by ``published``, newest first), as does a query of only ``-word`` s (less the
        articles matching them); a query with nothing searchable in it (``+++``) finds
        nothing.

        Args:
            query: What a person typed (see :mod:`archive.query`), or with *raw* an FTS5
                expression (https://www.sqlite.org/fts5.html#full_text_query_syntax).
            since, until, author, category, tag, site, lang, sort, limit, offset, raw,
                highlight: See :class:`SearchOptions`.
            time_limit: Seconds the query may run before it is stopped (``0``: no limit);
                ``None``: ``$NEWSARCHIVE_SEARCH_TIME_LIMIT``, else 5 (:func:`search_time_limit`).

        Returns:
            The hits, in the order asked for (best first by default).

        Raises:
            QueryError: An option is not valid (a date that is not ``YYYY-MM-DD``, an
                unknown sort, a negative limit, a bad time limit), the query has too many
                terms (:data:`archive.query.MAX_TERMS`), or a *raw* query is not valid FTS5.
            SearchTimeout: The query ran longer than the time limit and was stopped.
            KeyboardInterrupt: Ctrl-C while it ran (the query is stopped first).

        Any str is accepted, valid Unicode or not (:func:`archive.query.clean_text`).
        """
        options = SearchOptions(
            since=since, until=until, author=author, category=category, tag=tag,
            site=site, lang=lang, sort=sort, limit=limit, offset=offset, raw=raw,
            highlight=highlight,
        )
        limit_s = search_time_limit(time_limit)
        built = search_sql(query, options)
        if built is None:
            return []
        sql, params = built
        register_sql_functions(self._conn)
        try:
            rows = self._fetch_bounded(sql, params, limit_s)
        except sqlite3.OperationalError as exc:
            if not raw or "locked" in str(exc) or "busy" in str(exc):
                raise
            raise QueryError(
                f"FTS5 syntax error: {clean_text(exc)} (check quotes and operators, or search "
                "without raw mode to match the words as typed)"
            ) from None
        return [_hit_from_row(row) for row in rows]

    def count_hits(self, query: str, *, time_limit: float | None = None, **filters: Any) -> int:
        """How many articles :meth:`search` finds for *query* with these filters, whatever
        the page (``limit`` and ``offset`` are ignored).

        Args:
            query: As for :meth:`search`.
            time_limit: As for :meth:`search`.
            **filters: :meth:`search`'s keyword arguments (``since``, ``author``, ``raw``, ...).

        Returns:
            The number of hits (0 when the query has nothing searchable in it).

        Raises:
            QueryError, SearchTimeout, KeyboardInterrupt: As for :meth:`search`.
        """
        built = search_sql(query, SearchOptions(**filters), count=True)
        if built is None:
            return 0
        sql, params = built
        register_sql_functions(self._conn)
        try:
            rows = self._fetch_bounded(sql, params, search_time_limit(time_limit))
        except sqlite3.OperationalError as exc:
            if not filters.get("raw") or "locked" in str(exc) or "busy" in str(exc):
                raise
            raise QueryError(f"FTS5 syntax error: {clean_text(exc)}") from None
        return int(rows[0][0])

    def _fetch_bounded(self, sql: str, params: Any, time_limit: float | None) -> list[sqlite3.Row]:
        """Every row of one read statement, stopped after *time_limit* seconds or by Ctrl-C.

        A progress handler (``sqlite3.Connection.set_progress_handler``, SQLite's
        ``sqlite3_progress_handler``) looks at the clock and at a Ctrl-C flag every
        :data:`_PROGRESS_STEPS` virtual-machine steps, and aborts the statement when either
        says so.

        Raises:
            SearchTimeout: The time ran out.
            KeyboardInterrupt: Ctrl-C.
            sqlite3.OperationalError: Any other failure of the statement.
        """
        deadline = None if time_limit is None else time.monotonic() + time_limit
        interrupted = [False]
        stopped: list[str] = []

        def progress() -> int:
            if interrupted[0]:
                stopped.append("interrupt")
                return 1
            if deadline is not None and time.monotonic() > deadline:
                stopped.append("timeout")
                return 1
            return 0

        self._conn.set_progress_handler(progress, _PROGRESS_STEPS)
        try:
            with _sigint_sets(interrupted):
                try:
                    rows = self._execute(sql, params).fetchall()
                except sqlite3.Error as exc:
                    # stopped mid-statement: SQLite says "interrupted" (or, should the abort
                    # land inside an FTS5 function, whatever error that passes on)
                    if stopped and stopped[0] == "timeout":
                        raise SearchTimeout(time_limit or 0.0) from None
                    if stopped or "interrupted" in str(exc):
                        # our flag, or a KeyboardInterrupt the sqlite3 module swallowed in the callback
                        raise KeyboardInterrupt from None
                    raise
        finally:
            self._conn.set_progress_handler(None, 0)
        if interrupted[0]:
            raise KeyboardInterrupt
        return rows
