"""The replay server's search page: a form over the SQLite index, and the hits it shows.

:func:`search_page` runs the search a :class:`SearchForm` asks for (a search box, dates and
an author, page by page) and gives the template's context: one :class:`HitView` per hit,
with its title, date, authors, highlighted snippet, the replay link of its exact capture
(``/archive/<14-digit timestamp>/<url>``) and its article's other versions. The page's
searches share one time limit (``$NEWSARCHIVE_SEARCH_TIME_LIMIT``, 5 s by default); a
search that runs longer is HTTP 503 with a one-line message (:mod:`archive.replay` runs it
off the server's event loop).
"""
from __future__ import annotations

import re
import sqlite3
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.layout import DataDir

__all__ = ["AUTHOR_SCAN_LIMIT", "PAGE_SIZE", "HitView", "SearchForm", "Version", "search_page"]

#: The pywb collection name, so captures are at ``/archive/<timestamp>/<url>``.
COLLECTION = "archive"
#: Hits per search page.
PAGE_SIZE = 20
#: Most hits read when matching part of an author's name (``Index.search`` matches whole names).
AUTHOR_SCAN_LIMIT = 2000

_HL_OPEN, _HL_CLOSE = "\x02", "\x03"
_Search = Callable[..., list[Any]]


# -- URLs -------------------------------------------------------------------------------


def capture_timestamp(fetched_at: str) -> str:
    """The 14-digit ``YYYYMMDDhhmmss`` timestamp of a WARC-Date (ISO 8601, UTC).

    >>> capture_timestamp("2024-03-13T12:05:09.123456Z")
    '20240313120509'

    Raises:
        ValueError: *fetched_at* has fewer than 14 digits.
    """
    digits = re.sub(r"\D", "", fetched_at or "")[:14]
    if len(digits) != 14:
        raise ValueError(f"not a WARC-Date: {fetched_at!r}")
    return digits


def replay_url(fetched_at: str, url: str) -> str:
    """The replay path of one capture: ``/archive/<14-digit timestamp>/<url>``.

    The same shape ``SearchHit.replay_url`` has; used when a hit does not carry one.
    """
    return f"/{COLLECTION}/{capture_timestamp(fetched_at)}/{url}"


def _hit_replay_url(hit: Any) -> str | None:
    value = getattr(hit, "replay_url", None)
    if value:
        return str(value)
    if hit.fetched_at and hit.url:
        return replay_url(hit.fetched_at, hit.url)
    return None


# -- the search page ----------------------------------------------------------------------


@dataclass
class SearchForm:
    """The search page's parameters, as typed (strings; empty means unset)."""

    q: str = ""
    since: str = ""
    until: str = ""
    author: str = ""
    page: int = 1

    def __post_init__(self) -> None:
        from archive.query import clean_text

        # any str (a lone surrogate too) becomes text that can be searched, shown and linked
        self.q, self.since, self.until, self.author = (
            clean_text(v) for v in (self.q, self.since, self.until, self.author))

    @classmethod
    def from_query_string(cls, query_string: str) -> SearchForm:
        """The form of a WSGI ``QUERY_STRING`` (bytes as latin-1, PEP 3333): read as UTF-8,
        bytes that are not UTF-8 (raw or %-escaped) becoming U+FFFD; each value cut to 500
        characters."""
        from archive.query import clean_text

        text = clean_text(query_string).encode("latin-1", "replace").decode("utf-8", "replace")
        params = urllib.parse.parse_qs(text, keep_blank_values=True, errors="replace")

        def one(name: str) -> str:
            return (params.get(name) or [""])[0].strip()[:500]

        try:
            page = max(1, min(int(one("page") or 1), 10_000))
        except ValueError:
            page = 1
        return cls(q=one("q"), since=one("since"), until=one("until"), author=one("author"), page=page)

    def link(self, **changes: Any) -> str:
        values = {"q": self.q, "since": self.since, "until": self.until, "author": self.author,
                  "page": self.page, **changes}
        kept = {k: v for k, v in values.items() if v not in ("", None) and not (k == "page" and v == 1)}
        return "/search" + ("?" + urllib.parse.urlencode(kept) if kept else "")


@dataclass
class Version:
    """One version of an article, for the "other versions" links."""

    version: int
    fetched_at: str
    replay_url: str
    current: bool = False


@dataclass
class HitView:
    """A search hit as the page shows it."""

    title: str
    url: str
    published: str
    authors: list[str]
    snippet_html: str
    fetched_at: str
    replay_url: str | None
    all_captures_url: str
    versions: list[Version] = field(default_factory=list)


def _snippet_html(snippet: str) -> str:
    from markupsafe import escape

    return str(escape(snippet)).replace(_HL_OPEN, "<mark>").replace(_HL_CLOSE, "</mark>")


def _author_matches(wanted: str, authors: Iterable[str]) -> bool:
    needle = wanted.casefold()
    return any(needle in (a or "").casefold() for a in authors)


def _search_has_author(index: Any) -> bool:
    import inspect

    return "author" in inspect.signature(index.search).parameters


def _versions(index: Any, article_id: int, current_ts: str | None) -> list[Version]:
    """Every stored version of an article (``article_versions``), oldest first."""
    try:
        rows = index.replay_versions(article_id)
    except sqlite3.OperationalError:  # an index without article_versions
        return []
    out = []
    for version, fetched_at, url in rows:
        try:
            link = replay_url(fetched_at, url)
        except ValueError:
            continue
        out.append(Version(version=version, fetched_at=fetched_at, replay_url=link,
                           current=current_ts is not None and capture_timestamp(fetched_at) == current_ts))
    return out


def search_page(data_dir: Path, form: SearchForm, *,
                time_limit: float | None = None) -> tuple[dict[str, Any], int]:
    """Run the search a form asks for; the template's context and the HTTP status.

    Args:
        data_dir: The data folder.
        form: What was asked.
        time_limit: Seconds the page's searches may take in all (``0``: no limit;
            ``None``: ``$NEWSARCHIVE_SEARCH_TIME_LIMIT``, else 5). Longer is status 503 with
            a one-line message.

    Returns:
        ``(context, status)``: 200 with the hits (or ``empty_archive`` when there is no
        index yet), 400 for a query that cannot be searched, 503 for one that took too
        long, 500 for an index that cannot be read; ``error`` says why.
    """
    from archive.index import ArchiveIndexError, Index, IndexNotFound, QueryError, SearchTimeout

    context: dict[str, Any] = {"form": form, "hits": [], "error": None, "next_url": None,
                               "prev_url": None, "empty_archive": False}
    try:
        with Index(DataDir(data_dir).db, readonly=True) as index:
            hits, more = _page_of_hits(index, form, _timed_search(form.q, time_limit))
            context["hits"] = [_hit_view(index, hit) for hit in hits]
    except IndexNotFound:
        context["empty_archive"] = True
        return context, 200
    except QueryError as exc:
        context["error"] = str(exc)
        return context, 400
    except SearchTimeout as exc:
        context["error"] = str(exc)
        return context, 503
    except (ArchiveIndexError, sqlite3.DatabaseError) as exc:
        context["error"] = f"the archive's index cannot be read: {exc}"
        return context, 500
    if more:
        context["next_url"] = form.link(page=form.page + 1)
    if form.page > 1:
        context["prev_url"] = form.link(page=form.page - 1)
    return context, 200


def _timed_search(query: str, time_limit: float | None) -> Callable[..., list[Any]]:
    """``search(index, **options)``: one search of ``query``, in what is left of the page's
    time (:func:`archive.index.search_time_limit` seconds from now, for all of them).

    Raises (from the search):
        SearchTimeout: the page's time is up; it names the whole limit.
    """
    from archive.index import SearchTimeout, search_time_limit

    limit_s = search_time_limit(time_limit)
    deadline = None if limit_s is None else time.monotonic() + limit_s

    def search(index: Any, **options: Any) -> list[Any]:
        if deadline is None:
            return list(index.search(query, time_limit=0, **options))
        left = deadline - time.monotonic()
        if left <= 0:
            raise SearchTimeout(limit_s or 0.0)
        try:
            return list(index.search(query, time_limit=left, **options))
        except SearchTimeout:
            raise SearchTimeout(limit_s or 0.0) from None

    return search


def _page_of_hits(index: Any, form: SearchForm, search: _Search) -> tuple[list[Any], bool]:
    """The form's page of hits, and whether a next page has more."""
    offset = (form.page - 1) * PAGE_SIZE
    kwargs = {"since": form.since or None, "until": form.until or None, "highlight": (_HL_OPEN, _HL_CLOSE)}
    hits: list[Any] = []
    if form.author and _search_has_author(index):
        # the index's filter: one of the article's authors, whole name, any case
        hits = search(index, author=form.author, limit=PAGE_SIZE + 1, offset=offset, **kwargs)
    elif not form.author:
        hits = search(index, limit=PAGE_SIZE + 1, offset=offset, **kwargs)
    if hits or not form.author:
        return hits[:PAGE_SIZE], len(hits) > PAGE_SIZE
    # part of a name ("smith"): read more hits, keep those with a matching author
    hits = [h for h in search(index, limit=AUTHOR_SCAN_LIMIT, **kwargs) if _author_matches(form.author, h.authors)]
    return hits[offset: offset + PAGE_SIZE], len(hits) > offset + PAGE_SIZE


def _hit_view(index: Any, hit: Any) -> HitView:
    """One hit as the page shows it, with its article's other versions (when it has any)."""
    link = _hit_replay_url(hit)
    ts = link.split("/")[2] if link else None
    versions = _versions(index, hit.id, ts)
    return HitView(
        title=hit.title or hit.url, url=hit.url, published=(hit.published or "")[:10],
        authors=list(hit.authors), snippet_html=_snippet_html(hit.snippet or ""),
        fetched_at=(hit.fetched_at or "")[:19].replace("T", " "), replay_url=link,
        all_captures_url=f"/{COLLECTION}/*/{hit.url}",
        versions=versions if len(versions) > 1 else [],
    )
