"""A site known only by its URL: everything is discovered (robots.txt sitemaps, feeds, the
home page's archive links and sections), and the fetched page's own evidence decides what is
an article. The spider switches a generic site to WordPress rules when its home page shows
WordPress (``<meta name=generator>``, ``/wp-content/``)."""
from __future__ import annotations

from urllib.parse import urlsplit

from crawler.profiles.base import SiteProfile, base_url_of


def generic(base_url: str) -> SiteProfile:
    """The profile of any site at ``base_url`` (its root is taken, the path dropped).

    Raises:
        ProfileError: not an http(s) URL.
    """
    return SiteProfile(name="generic", base_url=base_url_of(base_url))


def from_start_url(url: str, base_url: str | None = None) -> SiteProfile:
    """The generic profile of a start URL: a URL with a path beyond ``/`` is also a seed.

    Args:
        url: the start URL, ``http(s)://...``.
        base_url: the site's root, when it is not the start URL's.

    Raises:
        ProfileError: not an http(s) URL.
    """
    profile = generic(base_url or url)
    if urlsplit(url).path not in ("", "/"):
        profile.seeds.append(url)
    return profile
