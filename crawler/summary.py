"""The end-of-crawl summary: a few lines however long the range.

Articles per issue date are shown per day only for a range of 31 days or less (or with
``--per-day``, setting ``CRAWL_SUMMARY_PER_DAY``); a longer range gets one line per year
with each month's count. Skip reasons are listed most frequent first, at most
:data:`MAX_REASONS` of them (the rest as one "other reasons" line), and more than
:data:`MAX_FILES` WARC files as their count, the first and the last.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from crawler.errors import format_errors


#: Skip reasons listed one a line; the rest are added up on one more line.
MAX_REASONS = 10
#: WARC files named one by one; more are given as a count, the first and the last.
MAX_FILES = 3
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def range_days(summary: Mapping[str, Any]) -> int:
    """Days in the crawl's range (``since``..``until``, inclusive), or in the span of the
    days that got articles when the range is open; 0 when there is nothing to measure."""
    by_day = summary.get("articles_by_day") or {}
    days = sorted(d for d in by_day if _day(d))
    first = _day(summary.get("since")) or (_day(days[0]) if days else None)
    last = _day(summary.get("until")) or (_day(days[-1]) if days else None)
    if first is None or last is None or last < first:
        return 0
    return (last - first).days + 1


def per_month(by_day: Mapping[str, int]) -> dict[str, int]:
    """``{"YYYY-MM": articles}`` of ``{"YYYY-MM-DD": articles}``, in order; undated days
    (keys that are no date, such as ``"None"``) go under ``"undated"``."""
    months: dict[str, int] = {}
    for day, count in sorted(by_day.items()):
        key = day[:7] if _day(day) else "undated"
        months[key] = months.get(key, 0) + count
    return months


def month_lines(by_day: Mapping[str, int]) -> list[str]:
    """``  2024  Jan 12  Feb 30 ... (total 400)``: one line per year, months with none left out."""
    years: dict[str, list[tuple[str, int]]] = {}
    undated = 0
    for month, count in per_month(by_day).items():
        if month == "undated":
            undated = count
            continue
        years.setdefault(month[:4], []).append((_MONTHS[int(month[5:7]) - 1], count))
    lines = [f"  {year}  " + "  ".join(f"{name} {n}" for name, n in months)
             + f"  (total {sum(n for _, n in months)})" for year, months in years.items()]
    if undated:
        lines.append(f"  no issue date  {undated}")
    return lines


def format_summary(summary: Mapping[str, Any], per_day: bool = False) -> str:
    """The summary as plain text lines (see the module's docstring).

    Args:
        summary: ``CrawlSession.summary`` (``reason``, ``pages``, ``articles``,
            ``articles_by_day``, ``found_by``, ``skipped``, ``errors``, ``warc_files`` ...).
        per_day: list articles per issue date even for a range over a month.
    """
    lines = [f"Crawl {summary.get('reason')}: {summary.get('pages', 0)} pages fetched, "
             f"{summary.get('articles', 0)} articles archived, "
             f"{summary.get('requisites', 0)} page requisites (styles, fonts, images, scripts)."]
    by_day = summary.get("articles_by_day") or {}
    if by_day:
        if per_day or range_days(summary) <= 31:
            lines.append("Articles per issue date:")
            lines.extend(f"  {day}  {count}" for day, count in by_day.items())
        else:
            lines.append("Articles per month of issue date (--per-day lists each day):")
            lines.extend(month_lines(by_day))
    found_by = summary.get("found_by") or {}
    if found_by:
        lines.append("Articles by the source that found them first: " + ", ".join(
            f"{source} {count}" for source, count in sorted(found_by.items(), key=lambda kv: -kv[1])))
    skipped = sorted((summary.get("skipped") or {}).items(), key=lambda kv: -kv[1])
    if skipped:
        lines.append("Skipped, and why:")
        lines.extend(f"  {count:6d}  {reason}" for reason, count in skipped[:MAX_REASONS])
        rest = skipped[MAX_REASONS:]
        if rest:
            lines.append(f"  {sum(n for _, n in rest):6d}  {len(rest)} other reasons (see crawls.stats)")
    errors = summary.get("error_kinds")
    if errors is not None:
        lines.append(format_errors(errors))
    files = summary.get("warc_files") or []
    if len(files) > MAX_FILES:
        lines.append(f"WARC files written: {len(files)}, {files[0]} to {files[-1]}")
    elif files:
        lines.append(f"WARC files written: {', '.join(files)}")
    return "\n".join(lines)


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
