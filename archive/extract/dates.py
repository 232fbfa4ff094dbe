"""Publication and modification dates of an article page (part of :mod:`archive.extract`).

Dates are normalised to ISO 8601 (:func:`normalize_date`) and chosen from JSON-LD, meta tags,
microdata and ``<time>``, with trafilatura's (htmldate's) finding as the last resort.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from archive.extract.common import _as_strings, _norm
from archive.extract.structured import _Page, _parsely_page


# --------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}:?\d{2}|[+-]\d{2}|UTC|GMT)?)?", re.I)


def normalize_date(value: str | None) -> str | None:
    """Normalise a date to ISO 8601, keeping the publisher's UTC offset.

    Args:
        value: A date as found in the page: ISO 8601 (``2024-03-02T08:15:00+01:00``,
            ``...Z``, ``2024-03-02 08:15``, ``20240302``), or RFC 2822
            (``Sat, 02 Mar 2024 08:15:00 +0100``).

    Returns:
        ``YYYY-MM-DD`` for a bare date, ``YYYY-MM-DDTHH:MM:SS[+HH:MM]`` for a datetime, or
        ``None`` when the value holds no plausible date (years 1900 to next year).
    """
    text = _norm(value)
    if not text:
        return None
    parsed: datetime | None = None
    has_time = True
    match = _ISO_DATE.search(text)
    if match:
        year, month, day, hour, minute, second, tz = match.groups()
        try:
            if hour is None:
                parsed, has_time = datetime(int(year), int(month), int(day)), False
            else:
                parsed = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
                if tz:
                    tz = tz.upper()
                    if tz in ("Z", "UTC", "GMT"):
                        parsed = parsed.replace(tzinfo=timezone.utc)
                    else:
                        parsed = datetime.fromisoformat(parsed.isoformat() + _tz_colon(tz))
        except ValueError:
            parsed = None
    if parsed is None:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            parsed = None
    if parsed is None or not 1900 <= parsed.year <= datetime.now().year + 1:
        return None
    if not has_time:
        return parsed.date().isoformat()
    return parsed.isoformat()


def _tz_colon(tz: str) -> str:
    digits = tz[1:].replace(":", "")
    if len(digits) == 2:
        digits += "00"
    return f"{tz[0]}{digits[:2]}:{digits[2:4]}"


def _choose_dates(page: _Page, meta: Any) -> tuple[str | None, str | None]:
    parsely = _parsely_page(page)
    published_sources = [
        *_as_strings(page.ld.get("datePublished")),
        *page.m("article:published_time", "og:article:published_time", "article:published", "parsely-pub-date",
                "dc.date.issued", "dcterms.issued", "dcterms.created", "dc.date.created", "dc.date", "dcterms.date",
                "date", "pubdate", "publishdate", "publish-date", "published_time", "sailthru.date", "og:published_time",
                "datepublished"),
        *_as_strings(parsely.get("pub_date")),
        *page.micro_dates,
        *_as_strings(page.ld.get("dateCreated")),
        *_as_strings(page.ld.first_value("datePublished")),
    ]
    published = next((d for d in map(normalize_date, published_sources) if d), None)
    if published is None:
        published = normalize_date(getattr(meta, "date", None))
    modified_sources = [
        *_as_strings(page.ld.get("dateModified")),
        *page.m("article:modified_time", "og:updated_time", "dcterms.modified", "dc.date.modified",
                "last-modified", "datemodified"),
    ]
    modified = next((d for d in map(normalize_date, modified_sources) if d), None)
    return published, modified


