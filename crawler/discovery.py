"""Finding a news site's archive in any URL pattern: date trees, pagination, sort twins.

Pure functions over URLs and link texts (no Scrapy, no network), so the spider's rules can
be tested on their own:

* :func:`date_span` reads the stretch of time a link names, from its URL (``/archive/2025/``,
  ``/2025/09/``, ``/archives/2025-09/``, ``/2025/09/07/``, ``?date=2025-09-07``,
  ``?year=2025&month=9``) or from its anchor text ("September 2025", "2025", "Sept. 7,
  2025"), so that a date-archive tree of any layout is recognised, and pruned by the crawl's
  range *before* anything is fetched.
* :func:`page_number` and :func:`is_next_page` recognise pagination: ``/page/N/``,
  ``?page=N``, ``?p=N``, ``?pg=N``, ``?start=N``.
* :func:`is_sort_twin` recognises the same listing in another order (``?sort=oldest``),
  which is never followed: it holds the same links again.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

__all__ = ["DateSpan", "date_span", "is_dated_article", "is_next_page", "is_sort_twin", "page_number"]

_MONTHS = {name: number for number in range(1, 13)
           for name in (calendar.month_name[number].lower(), calendar.month_abbr[number].lower())}
_MONTHS["sept"] = 9
_MONTH_WORD = "|".join(sorted(_MONTHS, key=len, reverse=True))
_YEAR = r"(?:19[5-9]\d|20\d\d)"
#: a date in a query value: 2025-09-07, 2025-09, 20250907, 202509, 2025
_PATH_DATE = re.compile(
    rf"(?<![\d])(?P<y>{_YEAR})(?:(?P<sep>[/-]?)(?P<m>0[1-9]|1[0-2])(?:(?P=sep)(?P<d>0[1-9]|[12]\d|3[01]))?)?(?![\d])")
_TEXT_DAY = re.compile(rf"\b(?P<mon>{_MONTH_WORD})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>{_YEAR})\b", re.I)
_TEXT_DAY_EU = re.compile(rf"\b(?P<d>\d{{1,2}})\.?\s+(?P<mon>{_MONTH_WORD})\.?,?\s+(?P<y>{_YEAR})\b", re.I)
_TEXT_MONTH = re.compile(rf"^\s*(?P<mon>{_MONTH_WORD})\.?,?\s+(?P<y>{_YEAR})\s*$", re.I)
_TEXT_YEAR = re.compile(rf"^\s*(?P<y>{_YEAR})\s*$")
_TEXT_ISO = re.compile(rf"^\s*(?P<y>{_YEAR})-(?P<m>\d{{1,2}})(?:-(?P<d>\d{{1,2}}))?\s*$")
_DATE_PARAMS = ("date", "day", "d", "archive", "archive_date", "m", "ym", "yyyymm", "month")
_PAGE_PARAMS = ("page", "p", "pg", "paged", "pagenum", "pagina", "seite", "start", "offset")
_PAGE_PATH = re.compile(r"/(?:page|seite|pagina|p)/(\d{1,5})/?$", re.I)
#: query parameters that reorder or refilter a listing rather than page it
SORT_PARAMS = frozenset({"sort", "sortby", "sort_by", "order", "orderby", "order_by", "dir", "direction",
                         "sortorder", "sort_order", "view", "layout"})


@dataclass(frozen=True)
class DateSpan:
    """The days a date-archive link covers: a year, a month or one day (inclusive)."""

    first: dt.date
    last: dt.date

    @property
    def granularity(self) -> str:
        """``year``, ``month`` or ``day``."""
        if self.first == self.last:
            return "day"
        return "month" if (self.first.year, self.first.month) == (self.last.year, self.last.month) else "year"

    def overlaps(self, since: dt.date | None, until: dt.date | None) -> bool:
        """Whether any of its days is in ``[since, until]`` (an open end is no bound)."""
        return (since is None or self.last >= since) and (until is None or self.first <= until)


def _span(year: int, month: int | None = None, day: int | None = None) -> DateSpan | None:
    try:
        if month is None:
            return DateSpan(dt.date(year, 1, 1), dt.date(year, 12, 31))
        if day is None:
            return DateSpan(dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1]))
        day_ = dt.date(year, month, day)
        return DateSpan(day_, day_)
    except ValueError:
        return None


def _from_match(match: re.Match[str]) -> DateSpan | None:
    groups = match.groupdict()
    month = groups.get("m")
    if groups.get("mon"):
        month = str(_MONTHS[groups["mon"].lower().rstrip(".")[:4] if groups["mon"].lower().startswith("sept")
                            else groups["mon"].lower()[:3] if groups["mon"].lower()[:3] in _MONTHS
                            else groups["mon"].lower()])
    return _span(int(groups["y"]), int(month) if month else None, int(groups["d"]) if groups.get("d") else None)


def _query_span(query: str) -> DateSpan | None:
    params = {k.lower(): v for k, v in parse_qsl(query, keep_blank_values=False)}
    for name in _DATE_PARAMS:
        value = params.get(name, "").strip()
        match = _PATH_DATE.fullmatch(value) if value else None
        if match:
            return _from_match(match)
    if "year" in params and params["year"].isdigit():
        month = params.get("month") or params.get("mon") or params.get("monthnum")
        day = params.get("day")
        return _span(int(params["year"]), int(month) if month and month.isdigit() else None,
                     int(day) if day and day.isdigit() and month else None)
    return None


_SEGMENT_DATE = re.compile(rf"(?P<y>{_YEAR})(?:(?P<sep>[-_.]?)(?P<m>0[1-9]|1[0-2])(?:(?P=sep)(?P<d>0[1-9]|[12]\d|3[01]))?)?")
_MONTH_SEGMENT = re.compile(r"0?[1-9]|1[0-2]")
_DAY_SEGMENT = re.compile(r"0?[1-9]|[12]\d|3[01]")
_TRAILING = re.compile(r"(?:page|seite|pagina|p)/\d{1,5}|index\.\w{2,5}|", re.I)


def _path_span(path: str) -> tuple[DateSpan | None, bool]:
    """``(span, dated_article)``: the date the path's segments spell (``/2025/09/07/``,
    ``/2025-09/``, ``/20250907/``), and whether a slug follows it (a dated article)."""
    segments = [s for s in path.split("/") if s]
    for i, segment in enumerate(segments):
        match = _SEGMENT_DATE.fullmatch(segment)
        if not match:
            continue
        year, month, day = int(match.group("y")), match.group("m"), match.group("d")
        used = i + 1
        if month is None and used < len(segments) and _MONTH_SEGMENT.fullmatch(segments[used]):
            month = segments[used]
            used += 1
            if used < len(segments) and _DAY_SEGMENT.fullmatch(segments[used]):
                day = segments[used]
                used += 1
        rest = "/".join(segments[used:])
        span = _span(year, int(month) if month else None, int(day) if day else None)
        if rest and not _TRAILING.fullmatch(rest):
            return span, True
        return span, False
    return None, False


def _text_span(text: str) -> DateSpan | None:
    text = " ".join((text or "").split())
    if not text or len(text) > 80:
        return None
    for regex in (_TEXT_DAY, _TEXT_DAY_EU, _TEXT_MONTH, _TEXT_YEAR, _TEXT_ISO):
        match = regex.search(text)
        if match:
            return _from_match(match)
    return None


def date_span(url: str, text: str = "") -> DateSpan | None:
    """The stretch of time a date-archive link names, or None when it names none.

    The URL decides first (its query's ``date``/``year``/``month`` parameters, then the
    narrowest date in its path); the anchor text ("September 2025", "2025") when the URL
    names none. A path that holds a date *and* a slug after it (``/2025/09/07/story``) is
    an article, not a tree page: None.

    >>> date_span("https://news.example/archive/2025/09/").granularity
    'month'
    >>> date_span("https://news.example/browse?date=2025-09-07").first
    datetime.date(2025, 9, 7)
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    span = _query_span(parts.query) if parts.query else None
    if span is not None:
        return span
    span, dated_article = _path_span(parts.path)
    if dated_article:
        return None  # /2025/09/07/story-slug: a dated article, not an archive page
    if span is not None:
        return span
    return _text_span(text)


def page_number(url: str) -> tuple[str, int] | None:
    """``(key, n)`` when ``url`` is page ``n`` of a paged listing: the key is the listing's
    URL without its page number (so pages of one listing share it)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    match = _PAGE_PATH.search(parts.path)
    if match:
        return f"{parts.netloc}{parts.path[:match.start()]}/?{parts.query}", int(match.group(1))
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    for i, (name, value) in enumerate(pairs):
        if name.lower() in _PAGE_PARAMS and value.isdigit():
            rest = "&".join(f"{k}={v}" for j, (k, v) in enumerate(pairs) if j != i)
            return f"{parts.netloc}{parts.path.rstrip('/')}/?{rest}", int(value)
    return None


def _listing_key(url: str) -> str:
    numbered = page_number(url)
    if numbered:
        return numbered[0]
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path.rstrip('/')}/?{parts.query}"


def is_next_page(current: str, link: str) -> bool:
    """Whether ``link`` is a later page of the listing at ``current`` (page 1 has no number)."""
    target = page_number(link)
    if target is None:
        return False
    here = page_number(current)
    return target[0] == _listing_key(current) and target[1] > (here[1] if here else 1)


def is_sort_twin(current: str, link: str) -> bool:
    """Whether ``link`` is ``current``'s listing in another order or view (``?sort=oldest``):
    the same path, differing only in sorting parameters (and the page number)."""
    try:
        a, b = urlsplit(current), urlsplit(link)
    except ValueError:
        return False
    if (a.netloc, a.path.rstrip("/")) != (b.netloc, b.path.rstrip("/")):
        return False
    qa = {k.lower(): v for k, v in parse_qsl(a.query) if k.lower() not in _PAGE_PARAMS}
    qb = {k.lower(): v for k, v in parse_qsl(b.query) if k.lower() not in _PAGE_PARAMS}
    changed = {k for k in qa.keys() | qb.keys() if qa.get(k) != qb.get(k)}
    return bool(changed) and changed <= SORT_PARAMS


def has_sort_params(url: str) -> bool:
    """Whether ``url`` carries a sorting parameter (such a listing is never walked)."""
    try:
        return any(k.lower() in SORT_PARAMS for k, _ in parse_qsl(urlsplit(url).query))
    except ValueError:
        return False


def is_dated_article(url: str) -> bool:
    """Whether ``url``'s path is a date followed by a slug (``/2025/09/07/story/``,
    ``/news/politics/2025/09/07/story.html``): the shape of an article, not of a listing."""
    try:
        return _path_span(urlsplit(url).path)[1]
    except ValueError:
        return False


def article_day(url: str) -> dt.date | None:
    """The day a dated article URL names (``/2025/09/07/story/``), or None (a year or month
    alone names no day)."""
    try:
        span, dated = _path_span(urlsplit(url).path)
    except ValueError:
        return None
    return span.first if dated and span is not None and span.granularity == "day" else None
