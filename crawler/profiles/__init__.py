"""Site profiles: what newsarchive knows about a site before it fetches anything.

One module per site: :mod:`~crawler.profiles.courthousenews` and
:mod:`~crawler.profiles.wordpress` are built in, and any other start URL gets
:mod:`~crawler.profiles.generic`, discovered from robots.txt sitemaps, feeds and the home
page's archive links. :mod:`~crawler.profiles.base` holds :class:`SiteProfile` and the hooks
the spider asks about what is site-specific (back-issue dates, article paths, the page
header's date, documents). :data:`PROFILES` is the registry of names; :func:`resolve` turns a
``SITE`` argument into a profile.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from crawler.profiles.base import (ARCHIVE_LINK_RE, DATE_ARCHIVE_RE, DOCUMENT_RE, WORDPRESS_RESERVED, ProfileError,
                                   SiteProfile, base_url_of, upload_hrefs)
from crawler.profiles.courthousenews import courthousenews
from crawler.profiles.generic import from_start_url, generic
from crawler.profiles.wordpress import wordpress

__all__ = ["ARCHIVE_LINK_RE", "DATE_ARCHIVE_RE", "DOCUMENT_RE", "PROFILES", "ProfileError", "SiteProfile",
           "WORDPRESS_RESERVED", "base_url_of", "courthousenews", "generic", "resolve", "upload_hrefs", "wordpress"]

#: The profiles a ``SITE`` argument can name, each built from an optional ``--base-url``.
PROFILES: dict[str, Callable[..., SiteProfile]] = {"courthousenews": courthousenews, "wordpress": wordpress}
#: Profiles that cannot guess their site: ``--base-url`` is required.
_NEEDS_BASE_URL = frozenset({"wordpress"})
_START_URL_RE = re.compile(r"^https?://", re.IGNORECASE)


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
        if site in _NEEDS_BASE_URL and not base_url:
            raise ProfileError(f"the {site} profile needs --base-url, e.g. --base-url https://news.example.org")
        return PROFILES[site](base_url) if base_url else PROFILES[site]()
    if _START_URL_RE.match(site):
        return from_start_url(site, base_url)
    known = ", ".join(sorted(PROFILES))
    raise ProfileError(f"unknown site {site!r}: use a profile name ({known}) or a start URL such as https://news.example.org/")
