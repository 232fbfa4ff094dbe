"""The site profile: what the spider knows about a site before it fetches anything, and the
hooks it asks about what is site-specific.

A :class:`SiteProfile` names the site's base URL and the shapes of its URLs (back issues,
date archives, feeds, article pages), and answers the spider's site-specific questions:

* :meth:`SiteProfile.edition_date`: is this path a back issue (a daily edition), of which day;
* :meth:`SiteProfile.is_article_path`: is this path an article, as far as the URL tells;
* :meth:`SiteProfile.header_date`: the site's own "today", as its page header writes it;
* :meth:`SiteProfile.is_document` and :meth:`SiteProfile.document_hrefs`: the documents
  (court filings, PDF) an in-range page links to, fetched into WARC (``CRAWL_FETCH_DOCUMENTS``).

The defaults here are what every profile does unless its module says otherwise; the
per-site modules (``courthousenews``, ``wordpress``, ``generic``) build the profiles.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from archive.urls import canonical_url, same_site
from crawler.dates import date_in_text

if TYPE_CHECKING:
    from scrapy.http import TextResponse

__all__ = ["ARCHIVE_LINK_RE", "DATE_ARCHIVE_RE", "DOCUMENT_RE", "ProfileError", "SiteProfile", "WORDPRESS_RESERVED",
           "base_url_of", "upload_hrefs"]


class ProfileError(ValueError):
    """The site named is neither a known profile nor an http(s) URL."""


#: Path segments that never start an article URL (WordPress' own and a news site's usual
#: non-story pages), on every profile.
WORDPRESS_RESERVED = (
    "category", "tag", "author", "page", "feed", "comments", "wp-content", "wp-json", "wp-admin",
    "wp-includes", "wp-login.php", "xmlrpc.php", "search", "calendar", "back-issues",
    "newsletter", "subscribe", "about", "contact", "privacy-policy", "terms", "advertise", "amp",
)
#: A WordPress date archive: ``/YYYY/MM/``, ``/YYYY/MM/DD/``, with ``/page/N/``.
DATE_ARCHIVE_RE = re.compile(r"^/(\d{4})/(\d{2})(?:/(\d{2}))?/(?:page/\d+/?)?$")
#: A PDF in WordPress' media library (``/wp-content/uploads/YYYY/MM/name.pdf``): a court
#: filing on Courthouse News, a document on any WordPress site; never an article.
DOCUMENT_RE = re.compile(r"^/wp-content/uploads/\d{4}/\d{2}/[^/]+\.pdf$", re.IGNORECASE)
#: The text of a link to a site's list of back issues or its archive.
ARCHIVE_LINK_RE = re.compile(r"back[\s-]*issues?|archives?\b|past (issues|editions)|browse by date|by date\b",
                             re.IGNORECASE)
#: A host name (letters, digits, dots, hyphens, IDN), an IPv4 address or an IPv6 literal.
_HOST_RE = re.compile(r"^(?:[\w-]+(?:\.[\w-]+)*\.?|[0-9a-fA-F:.]+)$")
_SHORTLINK_QUERY_RE = re.compile(r"p=\d+")


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
        seeds: start URLs besides the home page (a generic site's start URL with a path).
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
        """The absolute URL of ``path`` (``/feed/``) on this site."""
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
        """True/False when the profile knows whether ``path`` is an article; None when not.

        A ``/?p=N`` shortlink is one; a back issue, a date archive, a document or a path whose
        first segment is in :data:`WORDPRESS_RESERVED` is not; else ``article_path_re`` decides,
        when the profile has one.
        """
        if query and _SHORTLINK_QUERY_RE.fullmatch(query) and path in ("", "/"):
            return True
        if self.edition_date(path) or DATE_ARCHIVE_RE.match(path) or DOCUMENT_RE.match(path):
            return False
        first = path.strip("/").split("/", 1)[0].lower()
        if first in WORDPRESS_RESERVED:
            return False
        if self.article_path_re is not None:
            return bool(self.article_path_re.match(path))
        return None

    def header_date(self, response: TextResponse) -> dt.date | None:
        """The site's own "today", as its page header writes it beside the link to its
        archive (Courthouse News' top bar: "Monday, March 4, 2024 | Back issues"), or None.

        Args:
            response: the home page.

        Returns:
            The date written in the text around the first archive link (:data:`ARCHIVE_LINK_RE`)
            that has one; nothing is asked for after it (the spider's horizon).
        """
        for anchor in response.xpath("//a[@href]"):
            if ARCHIVE_LINK_RE.search(" ".join(anchor.xpath(".//text()").getall())):
                day = date_in_text(" ".join(anchor.xpath("../text()").getall()))
                if day is not None:
                    return day
        return None

    def is_document(self, url: str) -> bool:
        """Whether ``url`` (absolute) is a document of this site to archive: a PDF in its
        WordPress media library (:data:`DOCUMENT_RE`; Courthouse News' court filings)."""
        return bool(DOCUMENT_RE.match(urlsplit(url).path)) and same_site(url, self.base_url)

    def document_hrefs(self, body: bytes) -> list[bytes]:
        """The ``href`` values in a page that may name a document, found in its raw bytes
        (an article page is never parsed in the crawler's process): :func:`upload_hrefs`.
        The spider resolves each and keeps those :meth:`is_document` accepts."""
        return upload_hrefs(body)


_UPLOAD_MARK = b"/wp-content/uploads/"
#: Bytes looked at on either side of an upload path: an ``<a`` tag's start, its href value.
_TAG_WINDOW = 4096
_A_TAG_START = re.compile(rb"<a\s", re.IGNORECASE)
_HREF_UP_TO_HERE = re.compile(rb"""\shref\s*=\s*(["']?)([^"'\s<>]*)\Z""", re.IGNORECASE)
_UNQUOTED_END = re.compile(rb"[\s>]")


def upload_hrefs(body: bytes) -> list[bytes]:
    """The ``href`` values of ``<a>`` tags that name a WordPress upload, found in the raw
    bytes: each occurrence of ``/wp-content/uploads/`` is checked to sit in the href of
    an ``<a`` tag whose start is at most 4 KiB before it. Linear in the body's size (a
    regex over the whole page backtracks quadratically on unclosed tags).

    Returns:
        The attribute values as written (entities not yet replaced), in page order.
    """
    found: list[bytes] = []
    start = 0
    while (at := body.find(_UPLOAD_MARK, start)) >= 0:
        start = at + len(_UPLOAD_MARK)
        tag = body.rfind(b"<", max(0, at - _TAG_WINDOW), at)
        if tag < 0 or body.find(b">", tag, at) >= 0 or not _A_TAG_START.match(body, tag):
            continue
        value = _HREF_UP_TO_HERE.search(body, tag, at)
        if value is None:
            continue
        quote = value.group(1)
        if quote:
            end = body.find(quote, at, at + _TAG_WINDOW)
        else:
            stop = _UNQUOTED_END.search(body, at, at + _TAG_WINDOW)
            end = stop.start() if stop else -1
        if end >= 0:
            found.append(value.group(2) + body[at:end])
    return found


def base_url_of(url: str) -> str:
    """The site root of an http(s) URL: ``scheme://host[:port]``, canonical, no slash at the
    end; a URL with no scheme (``news.example.org``) is taken as https.

    Raises:
        ProfileError: not an http(s) URL with a valid host and port.
    """
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
