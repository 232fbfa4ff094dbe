"""Any WordPress news site: date archives (``/YYYY/MM/``, ``/YYYY/MM/DD/`` with ``/page/N/``),
``/feed/``, and ``/wp-sitemap.xml`` when robots.txt names no sitemap."""
from __future__ import annotations

from crawler.profiles.base import SiteProfile, base_url_of


def wordpress(base_url: str) -> SiteProfile:
    """The profile of the WordPress site at ``base_url``.

    Raises:
        ProfileError: not an http(s) URL.
    """
    return SiteProfile(name="wordpress", base_url=base_url_of(base_url), wordpress=True, feed_paths=["/feed/"])
