"""What an archive holds: a coverage calendar, top names, extraction gaps, crawls.

The report's shape (:class:`ArchiveStats`) and the calendar arithmetic over it; the
read-only queries that fill it are :mod:`archive.index.stats`, behind
:meth:`archive.index.Index.stats` and ``newsarchive stats``. Dates are the first ten characters of ``articles.published``
(ISO 8601, so ``YYYY-MM-DD``); an article whose ``published`` does not start with a date
counts as undated.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

__all__ = ["ArchiveStats", "ArticleRef", "day_ranges", "empty_by_month", "longest_gaps"]

@dataclass
class ArticleRef:
    """An article named in a report: ``id``, ``url``, ``title``."""

    id: int
    url: str
    title: str | None


@dataclass
class ArchiveStats:
    """What the archive holds, for one date range (or all of it).

    Attributes:
        since, until: The range asked for (``YYYY-MM-DD``) or ``None``.
        first_day, last_day: The calendar's bounds: *since*/*until* when given, else the
            earliest/latest publication day in the archive (``None`` when nothing is dated).
        articles: Articles counted (in the range when one is given, else all).
        dated: Of those, how many have a publication date.
        per_day: ``(YYYY-MM-DD, count)`` for every day from *first_day* to *last_day*,
            zeros included: the coverage calendar.
        per_month: ``(YYYY-MM, count)`` for every month of the calendar, zeros included.
        empty_days: The days of the calendar with no article.
        top_authors, top_categories, top_sites: ``(name, articles)``, most first; a site
            is the site profile's name, or the canonical URL's host when there is none.
        no_date, no_author, little_text: How many counted articles have no publication
            date, no author, or text shorter than *short_text_chars*.
        gap_examples: Up to ten articles of each gap (keys as above).
        short_text_chars: The "little text" threshold used.
        requisites: Page requisites archived (URLs with a 200 capture, whatever the date
            range), by kind (``stylesheet``, ``script``, ``image``, ``font``, ``media``,
            ``icon``, ``other``: :func:`archive.requisites.kind_of_mime`).
        crawls: Every crawl so far, oldest first: ``id``, ``site``, ``since``, ``until``,
            ``started_at``, ``finished_at``, ``status``, ``horizon``, ``stats`` (decoded).
    """

    since: str | None
    until: str | None
    first_day: str | None
    last_day: str | None
    articles: int
    dated: int
    per_day: list[tuple[str, int]]
    per_month: list[tuple[str, int]]
    empty_days: list[str]
    top_authors: list[tuple[str, int]]
    top_categories: list[tuple[str, int]]
    top_sites: list[tuple[str, int]]
    no_date: int
    no_author: int
    little_text: int
    short_text_chars: int
    gap_examples: dict[str, list[ArticleRef]] = field(default_factory=dict)
    requisites: dict[str, int] = field(default_factory=dict)
    crawls: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; pairs become ``{"day": ..., "articles": n}``-style objects."""
        data = asdict(self)
        data["per_day"] = [{"day": d, "articles": n} for d, n in self.per_day]
        data["per_month"] = [{"month": m, "articles": n} for m, n in self.per_month]
        for key in ("top_authors", "top_categories", "top_sites"):
            data[key] = [{"name": name, "articles": n} for name, n in getattr(self, key)]
        data["empty_day_ranges"] = [list(r) for r in day_ranges(self.empty_days)]
        data["empty_days_by_month"] = [{"month": m, "days": n} for m, n in empty_by_month(self.empty_days)]
        data["longest_gaps"] = [{"first": a, "last": b, "days": n} for a, b, n in longest_gaps(self.empty_days)]
        return data


def day_ranges(days: list[str]) -> list[tuple[str, str]]:
    """Runs of consecutive days: ``["2024-04-06", "2024-04-07", "2024-04-09"]`` ->
    ``[("2024-04-06", "2024-04-07"), ("2024-04-09", "2024-04-09")]``."""
    ranges: list[tuple[str, str]] = []
    for day in days:
        if ranges and date.fromisoformat(ranges[-1][1]) + timedelta(days=1) == date.fromisoformat(day):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def empty_by_month(days: list[str]) -> list[tuple[str, int]]:
    """Days with no article counted per month: ``[("2024-04", 3), ...]``, in order."""
    months: dict[str, int] = {}
    for day in days:
        months[day[:7]] = months.get(day[:7], 0) + 1
    return list(months.items())


def longest_gaps(days: list[str], n: int = 5) -> list[tuple[str, str, int]]:
    """The ``n`` longest runs of consecutive days with no article, longest first (the
    earlier first among equals): ``[(first, last, days), ...]``."""
    runs = [(a, b, (date.fromisoformat(b) - date.fromisoformat(a)).days + 1) for a, b in day_ranges(days)]
    return sorted(runs, key=lambda r: (-r[2], r[0]))[:n]
