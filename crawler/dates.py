"""Dates as news pages write them: in text, in URL paths, in machine timestamps.

Pure functions (no Scrapy), used by the spider, its listing rules and the site profiles:

* :func:`date_in_text`: "Monday, March 4, 2024", "Sept. 4th 2024", "2024-03-04";
* :func:`date_in_url`: ``/2024/03/04/``, ``-3-4-2024``, ``2024-03-04``;
* :func:`machine_date`: ISO 8601 (``<time datetime>``, sitemaps.org ``lastmod``) and
  RFC 2822 (RSS ``pubDate``) timestamps.
"""
from __future__ import annotations

import datetime as dt
import re
from email.utils import parsedate_to_datetime

__all__ = ["MONTHS", "date_in_text", "date_in_url", "machine_date"]

#: Month names and their three-letter abbreviations (and "sept") to month numbers.
MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], 1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
_TEXT_DATE_RE = re.compile(
    r"\b(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})\b",
    re.IGNORECASE,
)
_ISO_DATE_RE = re.compile(r"(?<!\d)(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})(?!\d)")
_URL_MDY_RE = re.compile(r"(?<!\d)(?P<m>\d{1,2})-(?P<d>\d{1,2})-(?P<y>\d{4})(?!\d)")


def date_in_text(text: str) -> dt.date | None:
    """The first calendar date written in ``text`` ("Monday, March 4, 2024", "2024-03-04")."""
    for regex in (_TEXT_DATE_RE, _ISO_DATE_RE):
        match = regex.search(text or "")
        if match:
            try:
                month = match.group("mon") if "mon" in regex.groupindex else None
                m = MONTHS[month.lower().rstrip(".")[:4] if month.lower().startswith("sept") else month.lower()[:3]] \
                    if month else int(match.group("m"))
                return dt.date(int(match.group("y")), m, int(match.group("d")))
            except (ValueError, KeyError):
                continue
    return None


def date_in_url(path: str) -> dt.date | None:
    """A date spelled in a URL path: ``/2024/03/04/``, ``-3-4-2024``, ``2024-03-04``."""
    for regex in (_ISO_DATE_RE, _URL_MDY_RE):
        match = regex.search(path)
        if match:
            try:
                return dt.date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
            except ValueError:
                continue
    return None


def machine_date(value: str | None) -> dt.date | None:
    """The date of an ISO 8601 / RFC 2822 timestamp (``<time datetime>``, ``lastmod``, ``pubDate``)."""
    if not value:
        return None
    value = value.strip()
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        return date_in_text(value)
