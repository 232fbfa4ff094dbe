"""The SQLite index of the archive: captures, articles, aliases, crawls, full-text search.

A package of one concept per module, put together as :class:`Index`:

========================  =====================================================================
``base``                  the connection: open (create, migrate, read-only), close, ``_write``
``schema``                numbered migrations (``PRAGMA user_version``), FTS5 columns
``rows``                  :class:`ArticleRow`, :class:`SearchHit`, :class:`ArticleDetail`, columns
``search_sql``            :class:`SearchOptions` -> one bound statement (:func:`search_sql`)
``search``                running it under a time limit: ``search``, ``count_hits``
``writes``                captures, articles and their versions, aliases
``reads``                 articles by URL, ``article``, ``iter_articles``, ``stats``, captures
``crawls``                ``crawls``: start, finish, horizon, interrupted, scheduled
``state``                 per-URL crawl state and deferred pages (incremental crawls)
``schedules``             recurring crawls
``history``               an article's versions (``history``, the replay page's version bar)
``replay``                bodiless captures that would shadow a real one; captures by article
``rebuild``               a rebuild's checkpoint, row counts and rows carried over
========================  =====================================================================

The database (``DATA/archive.db``) is opened through sqlite-utils in WAL mode with a 10 s
busy timeout. Every write is one short ``BEGIN IMMEDIATE`` transaction per batch: the write
lock is taken up front, so a second writer waits for the busy timeout instead of failing at
once with "database is locked" when a deferred transaction tries to upgrade from read to
write (case B22, simonw/datasette#2358; SQLite "Transaction", section 2.1
https://www.sqlite.org/lang_transaction.html). Use one writing :class:`Index` per process.

The schema is built by numbered migrations (:data:`migrations`), applied in order and
recorded in ``PRAGMA user_version``. Full-text search is an FTS5 table over articles'
title, text, authors, categories and tags with ``unicode61 remove_diacritics 2`` (so
``cafe`` finds ``café``), kept in step by triggers (sqlite-utils ``enable_fts``). User text
never goes into SQL: values are bound, and search-box text becomes an FTS5 expression of
string literals (:func:`archive.query.to_fts5`, case B21).
"""
from __future__ import annotations

from archive.index.base import BUSY_TIMEOUT_S, IndexNotFound, SchemaOutdated
from archive.index.crawls import CRAWL_STATUSES, CrawlsMixin
from archive.index.history import HistoryMixin
from archive.index.reads import ReadsMixin
from archive.index.rebuild import CARRIED_OVER_TABLES, RebuildMixin
from archive.index.replay import ReplayMixin
from archive.index.rows import VERSION_FIELDS, ArticleDetail, ArticleRow, SearchHit, replay_url
from archive.index.schedules import SchedulesMixin
from archive.index.schema import FTS_COLUMNS, FTS_TOKENIZE, migrations
from archive.index.search import SearchMixin, SearchTimeout
from archive.index.search_sql import (
    _BM25_WEIGHTS, CASEFOLD_SQL_FUNCTION,  # _BM25_WEIGHTS: archive.datasette_view ranks the same way
    DEFAULT_SEARCH_TIME_LIMIT_S, SEARCH_TIME_LIMIT_ENV, SORTS, SearchOptions,
    fold_name, register_sql_functions, search_sql, search_time_limit,
)
from archive.index.state import CrawlStateMixin
from archive.index.writes import WritesMixin
from archive.query import ArchiveIndexError, QueryError
from archive.stats import ArchiveStats

__all__ = [
    "ArchiveIndexError",
    "ArchiveStats",
    "ArticleDetail",
    "ArticleRow",
    "BUSY_TIMEOUT_S",
    "CARRIED_OVER_TABLES",
    "CRAWL_STATUSES",
    "DEFAULT_SEARCH_TIME_LIMIT_S",
    "FTS_COLUMNS",
    "FTS_TOKENIZE",
    "Index",
    "IndexNotFound",
    "QueryError",
    "SEARCH_TIME_LIMIT_ENV",
    "SORTS",
    "SearchHit",
    "SearchOptions",
    "SearchTimeout",
    "SchemaOutdated",
    "migrations",
    "replay_url",
    "search_sql",
    "search_time_limit",
    "fold_name",
    "register_sql_functions",
    "CASEFOLD_SQL_FUNCTION",
    "VERSION_FIELDS",
]


class Index(WritesMixin, ReadsMixin, SearchMixin, CrawlsMixin, CrawlStateMixin, SchedulesMixin, HistoryMixin,
            ReplayMixin, RebuildMixin):
    """The archive's SQLite index (``DATA/archive.db``).

    Example::

        with Index("data/archive.db") as index:
            ids = index.add_captures([capture], crawl_id)
            index.upsert_articles([ArticleRow.from_extracted(...)])
            hits = index.search("U.S. election", since="2024-03-01")

    One :class:`Index` per thread; one writing :class:`Index` per process (any number of
    readers, in this or other processes, may read meanwhile).
    """
