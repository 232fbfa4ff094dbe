"""From what a person asks for to one bound SQL statement: :class:`SearchOptions`,
:func:`search_sql` (``search --sql``), the name folding of ``--author``/``--category``/``--tag``
and the time limit a search runs under.

User text is only ever a bound parameter; a statement is built from fixed pieces chosen by which
options are set, and search-box text becomes an FTS5 expression of string literals
(:func:`archive.query.compile_query`, case B21).
"""
from __future__ import annotations

import math
import os
import re
import unicodedata
import sqlite3
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, cast

from archive.index.rows import _HIT_COLUMNS
from archive.index.schema import FTS_COLUMNS
from archive.query import QueryError, clean_text, compile_query

__all__ = [
    "CASEFOLD_SQL_FUNCTION", "DEFAULT_SEARCH_TIME_LIMIT_S", "SEARCH_TIME_LIMIT_ENV", "SORTS",
    "SearchOptions", "fold_name", "register_sql_functions", "search_sql", "search_time_limit",
]

#: bm25 weight per FTS column: a title match ranks above a body-only match.
_BM25_WEIGHTS = (10.0, 1.0, 3.0, 2.0, 2.0)
#: Characters of article text shown as the snippet when there is no query.
_LATEST_SNIPPET_CHARS = 200
#: Tokens in a search snippet (FTS5 allows 1..64).
_SNIPPET_TOKENS = 32

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")

#: Seconds a search may run before it is stopped (:meth:`Index.search`).
DEFAULT_SEARCH_TIME_LIMIT_S = 5.0
#: The environment variable that sets another default (seconds; ``0`` for none).
SEARCH_TIME_LIMIT_ENV = "NEWSARCHIVE_SEARCH_TIME_LIMIT"


def search_time_limit(value: float | str | None = None) -> float | None:
    """The time limit a search runs under, in seconds, or ``None`` for no limit.

    Args:
        value: Seconds (``0`` for no limit); ``None`` reads ``$NEWSARCHIVE_SEARCH_TIME_LIMIT``
            and falls back to :data:`DEFAULT_SEARCH_TIME_LIMIT_S`.

    Raises:
        QueryError: *value* (or the variable) is not a number of seconds, 0 or more.
    """
    source = "the time limit"
    if value is None:
        value = os.environ.get(SEARCH_TIME_LIMIT_ENV, "").strip() or DEFAULT_SEARCH_TIME_LIMIT_S
        source = f"${SEARCH_TIME_LIMIT_ENV}"
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if not seconds >= 0:  # also NaN
        raise QueryError(f"{source} must be a number of seconds (0 for none), got {clean_text(value)!r}")
    return None if seconds == 0 or math.isinf(seconds) else seconds

def _check_date(name: str, value: str | None) -> str | None:
    """Return *value* if it is ``None`` or a real ``YYYY-MM-DD`` date.

    Raises:
        QueryError: It is not.
    """
    if value is None:
        return None
    try:
        if not _DATE_RE.fullmatch(value):
            raise ValueError(value)
        date.fromisoformat(value)
    except ValueError:
        raise QueryError(
            f"{name} must be a date written YYYY-MM-DD (e.g. 2024-03-02), got {value!r}"
        ) from None
    return value



#: Orders a search may ask for.
SORTS = ("relevance", "newest", "oldest")
_ORDER_BY = {
    "relevance": "bm25_score, a.id",
    "newest": "a.published IS NULL, a.published DESC, a.id DESC",
    "oldest": "a.published IS NULL, a.published, a.id",
}
_LANG_RE = re.compile(r"[a-z]{2,8}(?:-[a-z0-9]{1,8})*")
#: The host of ``a.canonical_url`` (``https://HOST/...``), lower case.
_HOST_SQL = (
    "lower(substr(substr(a.canonical_url, instr(a.canonical_url, '://') + 3), 1,"
    " instr(substr(a.canonical_url, instr(a.canonical_url, '://') + 3) || '/', '/') - 1))"
)


#: Name of the SQL function :func:`fold_name` is registered as on every reading connection.
CASEFOLD_SQL_FUNCTION = "newsarchive_casefold"


def fold_name(value: object) -> str | None:
    """A name as compared by ``--author``/``--category``/``--tag``: Unicode NFKC, case
    folded (``Ярослав`` = ``ЯРОСЛАВ``, ``Straße`` = ``STRASSE``), spaces collapsed."""
    if value is None:
        return None
    return " ".join(unicodedata.normalize("NFKC", str(value)).casefold().split())


def register_sql_functions(conn: sqlite3.Connection) -> None:
    """Register :data:`CASEFOLD_SQL_FUNCTION` on *conn* (SQLite's ``lower()`` folds
    ASCII only)."""
    conn.create_function(CASEFOLD_SQL_FUNCTION, 1, fold_name, deterministic=True)


def _in_json_list(column: str, param: str) -> str:
    """SQL: the JSON list in *column* holds the value of *param* (already folded with
    :func:`fold_name`), compared as a whole name, case-insensitively."""
    return (
        f"EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid({column}) THEN {column} END)"
        f" AS j WHERE {CASEFOLD_SQL_FUNCTION}(j.value) = :{param})"
    )


@dataclass(frozen=True)
class SearchOptions:
    """Everything about a search except the query.

    Attributes:
        since: Only articles published on or after this ``YYYY-MM-DD`` date.
        until: Only articles published on or before this ``YYYY-MM-DD`` date. Articles
            without a publication date are left out when either is given.
        author: Only articles with exactly this author (whole name, case-insensitive),
            one of the ``authors`` list.
        category: Likewise over ``categories``.
        tag: Likewise over ``tags``.
        site: Only articles whose site profile is this, or whose canonical URL's host is
            this (``www.`` optional; a URL is cut to its host).
        lang: Only articles in this language: ``en`` matches ``en`` and ``en-US``.
        sort: ``relevance`` (bm25; newest first without a query), ``newest`` or
            ``oldest`` (by ``published``, undated last).
        limit: Most hits to return (>= 0).
        offset: Hits to skip, for paging (>= 0).
        raw: Pass the query to FTS5 unchanged.
        highlight: Markers put around matches in the snippet.
    """

    since: str | None = None
    until: str | None = None
    author: str | None = None
    category: str | None = None
    tag: str | None = None
    site: str | None = None
    lang: str | None = None
    sort: str = "relevance"
    limit: int = 20
    offset: int = 0
    raw: bool = False
    highlight: tuple[str, str] = ("[", "]")


def _normalise_site(site: str) -> str:
    site = site.strip().lower()
    if "://" in site:
        site = site.split("://", 1)[1]
    site = site.split("/", 1)[0]
    return site[4:] if site.startswith("www.") else site


def search_sql(query: str, options: SearchOptions, *, count: bool = False) -> tuple[str, dict[str, Any]] | None:
    """The SQL statement and parameters :meth:`Index.search` runs (``search --sql``).

    User text is only ever a bound parameter; the statement is built from fixed pieces
    chosen by which options are set.

    Args:
        query: As for :meth:`Index.search`.
        options: The filters, order and page.
        count: The statement that counts every hit instead (one row, one column; the
            page, order and highlight are left out), as :meth:`Index.count_hits` runs.

    Returns:
        ``(sql, params)``, or ``None`` when the query has nothing searchable in it (the
        search finds nothing without running anything).

    Raises:
        QueryError: An option is not valid.
    """
    query = clean_text(query)
    o = _clean_options(options)
    params: dict[str, Any] = {"limit": o.limit, "offset": o.offset}
    where = _filters(o, params)
    terms = _match_terms(query, o.raw)
    if terms is None:
        return None
    match, exclude = terms
    if exclude and not match:
        params["exclude"] = exclude
        where.append(
            "a.id NOT IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :exclude)"
        )
    filters = "".join(f"\n      AND {clause}" for clause in where)
    if count:
        return _count_sql(match, filters, params)
    if not match:
        return _latest_sql(o, filters), params
    return _ranked_sql(o, match, filters, params), params


def _clean_options(options: SearchOptions) -> SearchOptions:
    """*options* with every text cleaned (:func:`archive.query.clean_text`), page and sort checked.

    Raises:
        QueryError: A negative limit or offset, or an unknown sort.
    """
    texts: dict[str, Any] = {
        name: clean_text(value) for name in ("since", "until", "author", "category", "tag", "site", "lang")
        if isinstance(value := getattr(options, name), str)
    }
    highlight = cast("tuple[str, str]", tuple(clean_text(m) for m in options.highlight))
    o = replace(options, **texts, highlight=highlight)
    if o.limit < 0 or o.offset < 0:
        raise QueryError(f"limit and offset must be 0 or more, got {o.limit} and {o.offset}")
    if o.sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, got {o.sort!r}")
    return o


def _filters(o: SearchOptions, params: dict[str, Any]) -> list[str]:
    """The WHERE clauses of the filters set in *o*, their values added to *params*.

    Raises:
        QueryError: A date, name, site or language that is not valid.
    """
    where: list[str] = []
    since = _check_date("since", o.since)
    until = _check_date("until", o.until)
    if since:
        params["since"] = since
        where.append("substr(a.published, 1, 10) >= :since")
    if until:
        params["until"] = until
        where.append("substr(a.published, 1, 10) <= :until")
    for name, column in (("author", "a.authors"), ("category", "a.categories"),
                         ("tag", "a.tags")):
        value = getattr(o, name)
        if value is not None:
            value = fold_name(value)
            if not value:
                raise QueryError(f"{name} must not be empty")
            params[name] = value
            where.append(_in_json_list(column, name))
    if o.site is not None:
        site = _normalise_site(o.site)
        if not site:
            raise QueryError("site must be a site name or host, e.g. courthousenews.com")
        params["site"] = site
        where.append(f"(lower(a.site) = :site OR {_HOST_SQL} IN (:site, 'www.' || :site))")
    if o.lang is not None:
        lang = o.lang.strip().lower().replace("_", "-")
        if not _LANG_RE.fullmatch(lang):
            raise QueryError(f"lang must be a language code such as en or pt-BR, got {o.lang!r}")
        params["lang"] = lang
        # lang holds only letters, digits and '-', so it is safe inside LIKE
        where.append("(lower(a.language) = :lang OR lower(a.language) LIKE :lang || '-%')")
    return where


def _match_terms(query: str, raw: bool) -> tuple[str, str] | None:
    """``(match, exclude)``: the FTS5 expressions a hit must match and must not; ``("", "")``
    for an empty query (the latest articles); ``None`` when nothing in it is searchable."""
    if not query.strip():
        return "", ""
    if raw:
        return query, ""
    compiled = compile_query(query)
    if not compiled.match and not compiled.exclude:
        return None
    return compiled.match, compiled.exclude


def _count_sql(match: str, filters: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The statement counting every hit (one row, one column)."""
    if not match:
        return f"SELECT count(*) FROM articles AS a\nWHERE 1{filters}", params
    params["match"] = match
    return (f"SELECT count(*) FROM articles_fts\nJOIN articles AS a ON a.id = articles_fts.rowid\n"
            f"WHERE articles_fts MATCH :match{filters}"), params


def _latest_sql(o: SearchOptions, filters: str) -> str:
    """The statement listing articles without a query: newest first (or as *o* sorts),
    the start of the text as the snippet."""
    order = _ORDER_BY["newest" if o.sort == "relevance" else o.sort]
    return f"""SELECT {_HIT_COLUMNS.strip()},
    CASE WHEN length(a.text) > {_LATEST_SNIPPET_CHARS}
         THEN substr(a.text, 1, {_LATEST_SNIPPET_CHARS}) || '…'
         ELSE a.text END AS snippet,
    0.0 AS bm25_score
FROM articles AS a
WHERE 1{filters}
ORDER BY {order}
LIMIT :limit OFFSET :offset"""


def _ranked_sql(o: SearchOptions, match: str, filters: str, params: dict[str, Any]) -> str:
    """The full-text statement: ranked by bm25 (:data:`_BM25_WEIGHTS`), with snippets."""
    order = _ORDER_BY[o.sort]
    weights = ", ".join(str(w) for w in _BM25_WEIGHTS)
    params.update(match=match, open=o.highlight[0], close=o.highlight[1])
    # Rank (and filter and page) first, then make snippets for the page's hits only: CROSS
    # JOIN keeps hits outermost, so FTS5 looks each hit up by rowid instead of re-scanning.
    return f"""WITH hits AS (
    SELECT a.id AS id, bm25(articles_fts, {weights}) AS bm25_score
    FROM articles_fts
    JOIN articles AS a ON a.id = articles_fts.rowid
    WHERE articles_fts MATCH :match{filters}
    ORDER BY {order}
    LIMIT :limit OFFSET :offset
)
SELECT {_HIT_COLUMNS.strip()},
    snippet(articles_fts, {FTS_COLUMNS.index("text")}, :open, :close, '…',
            {_SNIPPET_TOKENS}) AS snippet,
    hits.bm25_score AS bm25_score
FROM hits
CROSS JOIN articles_fts ON articles_fts.rowid = hits.id
JOIN articles AS a ON a.id = hits.id
WHERE articles_fts MATCH :match
ORDER BY {order}"""
