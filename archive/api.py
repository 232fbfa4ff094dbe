"""The archive as a Python library: ``Archive(path).search(...)``, ``.article()``, ``.stats()``.

Read-only and free of Scrapy: it works next to a running crawl (WAL readers never block
the writer, nor it them; case B22) and on a machine with only ``archive/`` installed.

Example::

    from archive.api import Archive

    with Archive("data") as archive:
        for hit in archive.search("kazakhstan", author="Cain Burdeau",
                                  since="2022-01-01", until="2022-01-31"):
            print(hit.published, hit.title, hit.replay_url)
        article = archive.article(hit.id)      # ArticleDetail: text, captures, versions
        print(archive.stats().empty_days)      # days with no article
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from archive.index import (
    ArchiveIndexError,
    ArchiveStats,
    ArticleDetail,
    Index,
    IndexNotFound,
    QueryError,
    SearchHit,
    SearchTimeout,
)
from archive.index import search_time_limit as _time_limit
from archive.layout import DataDir

__all__ = [
    "Archive",
    "ArchiveIndexError",
    "ArchiveStats",
    "ArticleDetail",
    "IndexNotFound",
    "QueryError",
    "SearchHit",
    "SearchTimeout",
]


class Archive:
    """A read-only handle on an archive.

    Args:
        path: The data folder (holding ``archive.db``) or the ``archive.db`` file itself.
        search_time_limit: Seconds a search may run before it is stopped with
            :class:`SearchTimeout` (``0``: no limit); ``None``: ``$NEWSARCHIVE_SEARCH_TIME_LIMIT``,
            else 5. :meth:`search` can override it per call.

    Raises:
        IndexNotFound: There is no ``archive.db`` there.
        QueryError: *search_time_limit* is not a number of seconds.
        ArchiveIndexError: Its schema is newer than this code (upgrade newsarchive).
        sqlite3.DatabaseError: The file is not an SQLite database.

    An index with an older schema is migrated once (a short write) before it is opened
    read-only. Use one :class:`Archive` per thread.
    """

    def __init__(self, path: str | Path = "data", *, search_time_limit: float | None = None) -> None:
        self.search_time_limit = _time_limit(search_time_limit)
        path = Path(path)
        self.path = DataDir(path).db if path.is_dir() or path.suffix != ".db" else path
        self._index = Index.open_readonly(self.path)

    def close(self) -> None:
        """Close the database connection."""
        self._index.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        self.close()

    def search(
        self,
        query: str = "",
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
        """Search the articles; the language and options of ``newsarchive search``.

        Args:
            query: Plain words, ``"phrases"``, ``-word``, ``author:``/``title:`` (see
                :mod:`archive.query`); ``""`` lists the latest articles.
            since, until: Publication dates, ``YYYY-MM-DD``, inclusive.
            author, category, tag: Exactly this name (case-insensitive) in the list.
            site: A site profile name or a host.
            lang: A language code (``en`` also matches ``en-US``).
            sort: ``relevance``, ``newest`` or ``oldest``.
            limit, offset: The page.
            raw: *query* is FTS5 syntax, passed through.
            highlight: Markers around matches in ``snippet``.
            time_limit: Seconds this search may run (``0``: no limit); ``None``: the
                archive's ``search_time_limit``.

        Any str may be passed, valid Unicode or not (a lone surrogate becomes U+FFFD or the
        bytes it stands for), and a repeated term counts once.

        Returns:
            :class:`SearchHit` s (``id``, ``title``, ``authors``, ``published``,
            ``snippet``, ``score``, ``url``, ``replay_url``, WARC pointer, ...).

        Raises:
            QueryError: A bad option, more than 64 different terms, or a *raw* query that
                is not valid FTS5.
            SearchTimeout: The search ran longer than the time limit and was stopped.
        """
        seconds = self.search_time_limit if time_limit is None else _time_limit(time_limit)
        return self._index.search(
            query, since=since, until=until, author=author, category=category, tag=tag,
            site=site, lang=lang, sort=sort, limit=limit, offset=offset, raw=raw,
            highlight=highlight, time_limit=seconds or 0,
        )

    def article(self, ident: int | str) -> ArticleDetail | None:
        """One article by id or URL (canonical, fetched or alias), with its captures.

        Returns:
            :class:`ArticleDetail` or ``None`` when there is no such article.
        """
        return self._index.article(ident)

    def stats(self, *, since: str | None = None, until: str | None = None,
              top: int = 10) -> ArchiveStats:
        """Coverage calendar, top authors/categories/sites, extraction gaps, crawls.

        Raises:
            QueryError: *since*/*until* are not ``YYYY-MM-DD`` dates.
        """
        return self._index.stats(since=since, until=until, top=top)

    def articles(self, *, since: str | None = None,
                 until: str | None = None) -> Iterator[dict[str, Any]]:
        """Every article's columns, oldest first (lists decoded), streamed."""
        return self._index.iter_articles(since=since, until=until)

    def count(self) -> int:
        """How many articles the archive holds."""
        return self._index.count_articles()
