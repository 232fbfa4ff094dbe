"""``newsarchive stats`` on the terminal: a calendar that stays short however long the archive.

One row per month (articles, days with none, a mark per day), then the days with no
article as a total and the longest gaps (:data:`GAPS` of them), never as a list of every
empty range; ``stats --json`` keeps every empty day and range.
"""
from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from archive.stats import ArchiveStats, empty_by_month, longest_gaps

_BARS = " ▁▂▃▄▅▆▇█"
#: Gaps (runs of days with no article) named after the calendar.
GAPS = 5


def print_stats(s: ArchiveStats, console: Console | None = None) -> None:
    """Print *s* as tables: calendar, empty days, top names, requisites, gaps, crawls."""
    console = console or Console()
    scope = f"{s.first_day} to {s.last_day}" if s.first_day else "no dated articles"
    console.print(f"[bold]{s.articles}[/bold] articles ({s.dated} dated), {scope}")
    if s.per_day:
        console.print(calendar_table(s))
        console.print(empty_days_line(s.empty_days), soft_wrap=True)
    for title, rows in (("top authors", s.top_authors), ("top categories", s.top_categories),
                        ("top sites", s.top_sites)):
        table = Table(title=title, title_justify="left")
        table.add_column("name")
        table.add_column("articles", justify="right")
        for name, n in rows:
            table.add_row(escape(name), str(n))
        console.print(table)
    kinds = ", ".join(f"{n} {kind}" for kind, n in s.requisites.items())
    console.print(f"Page requisites archived: {sum(s.requisites.values())}" + (f" ({kinds})" if kinds else ""))
    console.print(_gaps_table(s))
    console.print(_crawls_table(s.crawls))


def calendar_table(s: ArchiveStats) -> Table:
    """Articles per month, the month's days with none, and one mark per day (``·`` none)."""
    peak = max(n for _, n in s.per_day) or 1
    calendar = Table(title="Articles per month; one mark per day (· none)", title_justify="left")
    calendar.add_column("month", no_wrap=True)
    calendar.add_column("articles", justify="right")
    calendar.add_column("days with none", justify="right")
    calendar.add_column("days 1..31", no_wrap=True)
    days_by_month: dict[str, list[tuple[str, int]]] = {}
    for day, n in s.per_day:
        days_by_month.setdefault(day[:7], []).append((day, n))
    empty = dict(empty_by_month(s.empty_days))
    for month, n in s.per_month:
        days = days_by_month.get(month, [])
        offset = int(days[0][0][8:10]) - 1 if days else 0
        marks = " " * offset + "".join(
            "·" if c == 0 else _BARS[max(1, round(c / peak * (len(_BARS) - 1)))] for _, c in days)
        calendar.add_row(month, str(n), str(empty.get(month, 0)), marks)
    return calendar


def empty_days_line(empty_days: list[str]) -> str:
    """``Days with no article: 843; the longest gaps: 2024-02-01..2024-02-29 (29 days), …``."""
    if not empty_days:
        return "Every day has articles."
    gaps = longest_gaps(empty_days, GAPS)
    text = ", ".join((a if a == b else f"{a}..{b}") + f" ({n} day{'s' if n != 1 else ''})" for a, b, n in gaps)
    return f"Days with no article: {len(empty_days)}; the longest gaps: {escape(text)}"


def _gaps_table(s: ArchiveStats) -> Table:
    gaps = Table(title="extraction gaps", title_justify="left")
    gaps.add_column("gap")
    gaps.add_column("articles", justify="right")
    gaps.add_column("e.g.", overflow="fold")
    for key, label in (("no_date", "no date"), ("no_author", "no author"),
                       ("little_text", f"text < {s.short_text_chars} chars")):
        examples = ", ".join(str(a.id) for a in s.gap_examples.get(key, [])[:5])
        gaps.add_row(label, str(getattr(s, key)), examples)
    return gaps


def _crawls_table(crawls: list[dict[str, Any]]) -> Table:
    table = Table(title=f"crawls ({len(crawls)}; times UTC)", title_justify="left")
    table.add_column("id", justify="right", no_wrap=True)
    table.add_column("site", overflow="fold")
    # dates and times wrap only at their spaces, never inside a date
    for column in ("published", "started", "finished"):
        table.add_column(column)
    table.add_column("status", overflow="fold")
    for c in crawls:
        span = f"{c['since'] or '…'} to {c['until'] or 'now'}"
        table.add_row(str(c["id"]), escape(c["site"] or ""), span, _minute(c["started_at"]),
                      _minute(c["finished_at"]), c["status"] or "")
    return table


def _minute(stamp: str | None) -> str:
    """``2026-12-07T01:47:57Z`` (ISO 8601, UTC) as ``2026-12-07 01:47``; others as given."""
    if not stamp:
        return ""
    if len(stamp) >= 16 and stamp[10] == "T" and stamp.endswith("Z"):
        return f"{stamp[:10]} {stamp[11:16]}"
    return stamp
