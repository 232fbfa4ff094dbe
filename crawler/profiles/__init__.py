"""Site profiles: what newsarchive knows about a site before it fetches anything.

A profile names the site's base URL and the shapes of its URLs: back issues (daily
editions), date archives, feeds and article pages. ``courthousenews`` and ``wordpress`` are
built in; any other start URL gets :func:`generic` and is discovered from robots.txt
sitemaps, feeds and the home page's archive links.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from archive.urls import canonical_url


class ProfileError(ValueError):
    """The site named is neither a known profile nor an http(s) URL."""


#: Path segments that never start an article URL on a WordPress site.
WORDPRESS_RESERVED = (
    "category", "tag", "author", "page", "feed", "comments", "wp-content", "wp-json", "wp-admin",
    "wp-includes", "wp-login.php", "xmlrpc.php", "search", "calendar", "back-issues", "private",
    "newsletter", "subscribe", "about", "contact", "privacy-policy", "terms", "advertise",
    "big-page", "amp",
)
DATE_ARCHIVE_RE = re.compile(r"^/(\d{4})/(\d{2})(?:/(\d{2}))?/(?:page/\d+/?)?$")
DOCUMENT_RE = re.compile(r"^/wp-content/uploads/\d{4}/\d{2}/[^/]+\.pdf$", re.IGNORECASE)


@dataclass
class SiteProfile:
    """What the spider knows about one site.

    Attributes:
        name: the profile name (``courthousenews``, ``wordpress``, ``generic``).
        base_url: the site's root, e.g. ``https://www.courthousenews.com`` (no slash at the end).
        wordpress: the site is WordPress: date archives ``/YYYY/MM/(DD/)`` with ``/page/N/``
            pagination can be walked for the days no back issue covers.
        back_issues_path: the path of the list of back issues, if the site has one.
        edition_re: matches the path of one back issue (a daily edition) and captures
            its date (groups ``m``, ``d``, ``y``).
        feed_paths: RSS/Atom feeds to read.
        article_path_re: matches the path of an article page, when the layout is known.
    """

    name: str
    base_url: str
    wordpress: bool = False
    back_issues_path: str | None = None
    edition_re: re.Pattern[str] | None = None
    feed_paths: list[str] = field(default_factory=list)
    article_path_re: re.Pattern[str] | None = None
    seeds: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def edition_date(self, path: str) -> dt.date | None:
        """The date of the back issue at ``path``, or None if it is not one."""
        if not self.edition_re:
            return None
        match = self.edition_re.match(path)
        if not match:
            return None
        try:
            return dt.date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
        except ValueError:
            return None

    def is_article_path(self, path: str, query: str = "") -> bool | None:
        """True/False when the profile knows whether ``path`` is an article; None when not."""
        if query and re.fullmatch(r"p=\d+", query) and path in ("", "/"):
            return True
        if self.edition_date(path) or DATE_ARCHIVE_RE.match(path) or DOCUMENT_RE.match(path):
            return False
        first = path.strip("/").split("/", 1)[0].lower()
        if first in WORDPRESS_RESERVED:
            return False
        if self.article_path_re is not None:
            return bool(self.article_path_re.match(path))
        return None


def courthousenews(base_url: str | None = None) -> SiteProfile:
    """Courthouse News Service (WordPress): daily "Top 8 today" editions as back issues.

    Editions live at ``/top-8-today-M-D-YYYY/`` (before April 2022 ``/top-eight-today-...``),
    articles at root-level slugs, the feed at ``/feed/``.
    """
    return SiteProfile(
        name="courthousenews",
        base_url=_base(base_url or "https://www.courthousenews.com"),
        wordpress=True,
        back_issues_path="/back-issues/",
        edition_re=re.compile(r"^/top-(?:8|eight)-today-(?P<m>\d{1,2})-(?P<d>\d{1,2})-(?P<y>\d{4})/?$"),
        feed_paths=["/feed/"],
        article_path_re=re.compile(r"^/[A-Za-z0-9%_.~-]+/?$"),
    )


def wordpress(base_url: str) -> SiteProfile:
    """Any WordPress news site: date archives, ``/feed/``, ``/wp-sitemap.xml``."""
    return SiteProfile(name="wordpress", base_url=_base(base_url), wordpress=True, feed_paths=["/feed/"])


def generic(base_url: str) -> SiteProfile:
    """A site known only by its URL: everything is discovered (robots.txt, home page)."""
    return SiteProfile(name="generic", base_url=_base(base_url))


PROFILES: dict[str, Callable[..., SiteProfile]] = {"courthousenews": courthousenews, "wordpress": wordpress}


def base_url_of(url: str) -> str:
    """The site root of an http(s) URL: ``scheme://host[:port]``, canonical, no slash at the end.

    Raises:
        ProfileError: not an http(s) URL with a valid host and port.
    """
    return _base(url)


def _base(url: str) -> str:
    url = url.strip()
    try:
        parts = urlsplit(url if "://" in url else "https://" + url)
        port = parts.port  # raises ValueError when out of range or not a number
    except ValueError as exc:
        raise ProfileError(f"not a usable URL: {url!r} ({exc})") from None
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host or not _HOST_RE.match(host):
        raise ProfileError(f"not an http(s) URL: {url!r} (e.g. https://news.example.org)")
    netloc = f"[{host}]" if ":" in host else host
    return canonical_url(f"{parts.scheme}://{netloc}{f':{port}' if port else ''}/").rstrip("/")


#: A host name (letters, digits, dots, hyphens, IDN), an IPv4 address or an IPv6 literal.
_HOST_RE = re.compile(r"^(?:[\w-]+(?:\.[\w-]+)*\.?|[0-9a-fA-F:.]+)$")


def resolve(site: str, base_url: str | None = None) -> SiteProfile:
    """The profile for ``site``: a profile name, or a start URL.

    Args:
        site: ``courthousenews``, ``wordpress`` or an ``http(s)://`` URL.
        base_url: overrides the profile's base URL (required for ``wordpress``).

    Raises:
        ProfileError: unknown name, missing ``base_url`` for ``wordpress``, or a bad URL.
    """
    if base_url is not None and not base_url.strip():
        raise ProfileError("--base-url is empty; give the site's root, e.g. https://news.example.org")
    if site in PROFILES:
        if site == "wordpress" and not base_url:
            raise ProfileError("the wordpress profile needs --base-url, e.g. --base-url https://news.example.org")
        profile = PROFILES[site](base_url) if base_url or site != "courthousenews" else PROFILES[site]()
        return profile
    if re.match(r"^https?://", site, re.IGNORECASE):
        profile = generic(base_url or site)
        path = urlsplit(site).path
        if path not in ("", "/"):
            profile.seeds.append(site)
        return profile
    known = ", ".join(sorted(PROFILES))
    raise ProfileError(f"unknown site {site!r}: use a profile name ({known}) or a start URL such as https://news.example.org/")
