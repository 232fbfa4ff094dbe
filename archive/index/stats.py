"""The read-only queries behind :meth:`archive.index.Index.stats` (``newsarchive stats``):
a coverage calendar, top names, extraction gaps, page requisites and crawls, over
``articles`` and ``captures``, as an :class:`archive.stats.ArchiveStats`.

Dates are the first ten characters of ``articles.published`` (ISO 8601, so
``YYYY-MM-DD``); an article whose ``published`` does not start with a date counts as
undated.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from archive.requisites import kind_of_mime
from archive.stats import ArchiveStats, ArticleRef

__all__ = ["compute_stats"]

#: At most this many days in a calendar (a stray ``0001-01-01`` must not make millions).
MAX_CALENDAR_DAYS = 36_600
#: Articles listed as examples of each extraction gap.
GAP_EXAMPLES = 10

_DAY_SQL = "substr(a.published, 1, 10)"
_DATED_SQL = f"{_DAY_SQL} GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'"
_HOST_SQL = (
    "lower(substr(substr(a.canonical_url, instr(a.canonical_url, '://') + 3), 1,"
    " instr(substr(a.canonical_url, instr(a.canonical_url, '://') + 3) || '/', '/') - 1))"
)

Execute = Callable[..., sqlite3.Cursor]


def _valid_day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def compute_stats(
    execute: Execute,
    *,
    since: str | None,
    until: str | None,
    top: int = 10,
    short_text_chars: int = 500,
) -> ArchiveStats:
    """Compute :class:`ArchiveStats` (the caller has checked the dates).

    Args:
        execute: Runs one SQL statement with bound parameters, rows as
            :class:`sqlite3.Row` (``Index._execute``).
        since, until: ``YYYY-MM-DD`` or ``None``.
        top: Names listed per top list.
        short_text_chars: The "little text" threshold.

    Returns:
        The statistics.
    """
    params: dict[str, Any] = {"since": since, "until": until, "top": top,
                              "short": short_text_chars, "examples": GAP_EXAMPLES}
    scope = "1"
    if since:
        scope += f" AND {_DAY_SQL} >= :since"
    if until:
        scope += f" AND {_DAY_SQL} <= :until"

    def scalar(sql: str) -> int:
        return int(execute(sql, params).fetchone()[0] or 0)

    articles = scalar(f"SELECT count(*) FROM articles AS a WHERE {scope}")
    dated = scalar(f"SELECT count(*) FROM articles AS a WHERE {scope} AND {_DATED_SQL}")
    per_day = _calendar(execute, scope, params, since=since, until=until)
    months: dict[str, int] = {}
    for iso, n in per_day:
        months[iso[:7]] = months.get(iso[:7], 0) + n
    gap_counts = {
        name: scalar(f"SELECT count(*) FROM articles AS a WHERE {scope} AND ({cond})")
        for name, cond in _GAPS.items()
    }
    return ArchiveStats(
        since=since,
        until=until,
        first_day=per_day[0][0] if per_day else None,
        last_day=per_day[-1][0] if per_day else None,
        articles=articles,
        dated=dated,
        per_day=per_day,
        per_month=list(months.items()),
        empty_days=[d for d, n in per_day if n == 0],
        top_authors=_top_of(execute, _top_list_sql("authors", scope), params),
        top_categories=_top_of(execute, _top_list_sql("categories", scope), params),
        top_sites=_top_of(
            execute,
            f"""SELECT coalesce(nullif(a.site, ''), {_HOST_SQL}) AS name, count(*) AS n
                FROM articles AS a WHERE {scope}
                GROUP BY name ORDER BY n DESC, name LIMIT :top""",
            params,
        ),
        no_date=gap_counts["no_date"],
        no_author=gap_counts["no_author"],
        little_text=gap_counts["little_text"],
        short_text_chars=short_text_chars,
        gap_examples=_gap_examples(execute, scope, params),
        requisites=_requisites(execute),
        crawls=_crawls(execute),
    )


#: What counts as a gap in extraction: SQL conditions over ``articles AS a``.
_GAPS = {
    "no_date": f"NOT ({_DATED_SQL}) OR a.published IS NULL",
    "no_author": "(a.authors IS NULL OR NOT json_valid(a.authors) OR json_array_length(a.authors) = 0)",
    "little_text": "length(coalesce(a.text, '')) < :short",
}


def _calendar(execute: Execute, scope: str, params: dict[str, Any], *,
              since: str | None, until: str | None) -> list[tuple[str, int]]:
    """``(YYYY-MM-DD, articles published that day)`` for every day from *since* (else the
    first dated article) to *until* (else the last), at most :data:`MAX_CALENDAR_DAYS`."""
    counts = {
        row[0]: int(row[1])
        for row in execute(
            f"SELECT {_DAY_SQL} AS day, count(*) FROM articles AS a"
            f" WHERE {scope} AND {_DATED_SQL} GROUP BY day ORDER BY day",
            params,
        )
    }
    valid = sorted(d for d in counts if _valid_day(d))
    first = _valid_day(since) or (_valid_day(valid[0]) if valid else None)
    last = _valid_day(until) or (_valid_day(valid[-1]) if valid else None)
    per_day: list[tuple[str, int]] = []
    if first and last and first <= last:
        first = max(first, last - timedelta(days=MAX_CALENDAR_DAYS - 1))
        day = first
        while day <= last:
            iso = day.isoformat()
            per_day.append((iso, counts.get(iso, 0)))
            day += timedelta(days=1)
    return per_day


def _top_of(execute: Execute, sql: str, params: dict[str, Any]) -> list[tuple[str, int]]:
    """``(name, count)`` rows of a top-list statement."""
    return [(str(row[0]), int(row[1])) for row in execute(sql, params)]


def _top_list_sql(column: str, scope: str) -> str:
    """The most frequent names of a JSON list column (``authors``, ``categories``)."""
    # one entry per name however it is capitalised, shown as most often written
    return f"""SELECT (SELECT j2.value FROM articles AS a2,
                          json_each(CASE WHEN json_valid(a2.{column}) THEN a2.{column} END) AS j2
                        WHERE newsarchive_casefold(j2.value) = folded
                        GROUP BY j2.value ORDER BY count(*) DESC, j2.value LIMIT 1) AS name,
                       n
                FROM (SELECT newsarchive_casefold(j.value) AS folded, count(DISTINCT a.id) AS n
                      FROM articles AS a,
                           json_each(CASE WHEN json_valid(a.{column}) THEN a.{column} END) AS j
                      WHERE {scope} AND trim(j.value) != ''
                      GROUP BY folded ORDER BY n DESC, folded LIMIT :top)
                ORDER BY n DESC, name"""


def _gap_examples(execute: Execute, scope: str, params: dict[str, Any]) -> dict[str, list[ArticleRef]]:
    """Up to :data:`GAP_EXAMPLES` articles of each gap, by id."""
    return {
        name: [
            ArticleRef(int(row["id"]), row["canonical_url"], row["title"])
            for row in execute(
                f"SELECT a.id, a.canonical_url, a.title FROM articles AS a"
                f" WHERE {scope} AND ({cond}) ORDER BY a.id LIMIT :examples",
                params,
            )
        ]
        for name, cond in _GAPS.items()
    }


def _requisites(execute: Execute) -> dict[str, int]:
    """Page requisites archived (URLs with a 200), by kind, most first."""
    requisites: dict[str, int] = {}
    for row in execute("SELECT mime, count(DISTINCT url) FROM captures"
                       " WHERE status = 200 AND record_type IN ('response', 'revisit') GROUP BY mime"):
        kind = kind_of_mime(row[0])
        if kind:
            requisites[kind] = requisites.get(kind, 0) + int(row[1])
    return dict(sorted(requisites.items(), key=lambda kv: -kv[1]))


def _crawls(execute: Execute) -> list[dict[str, Any]]:
    """Every crawl, by id, its ``stats`` decoded (``{"unreadable": ...}`` when not JSON)."""
    crawls = []
    for row in execute(
        "SELECT id, site, since, until, started_at, finished_at, status, horizon, stats"
        " FROM crawls ORDER BY id"
    ):
        crawl = dict(row)
        try:
            crawl["stats"] = json.loads(crawl["stats"]) if crawl["stats"] else {}
        except ValueError:
            crawl["stats"] = {"unreadable": crawl["stats"]}
        crawls.append(crawl)
    return crawls
