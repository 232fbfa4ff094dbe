"""Courthouse News Service (www.courthousenews.com, WordPress).

Its daily "Top 8 today" editions are its back issues: listed under ``/back-issues/``, at
``/top-8-today-M-D-YYYY/`` (before April 2022 ``/top-eight-today-M-D-YYYY/``). Articles are
root-level slugs (``/judge-blocks-rule/``), the feed is ``/feed/``, the page header reads
"Monday, March 4, 2024 | Back issues" (:meth:`~crawler.profiles.base.SiteProfile.header_date`)
and stories link court filings as PDFs in the media library
(:meth:`~crawler.profiles.base.SiteProfile.is_document`).
"""
from __future__ import annotations

import re

from crawler.profiles.base import SiteProfile, base_url_of

BASE_URL = "https://www.courthousenews.com"
#: A daily edition's path, with its date.
EDITION_RE = re.compile(r"^/top-(?:8|eight)-today-(?P<m>\d{1,2})-(?P<d>\d{1,2})-(?P<y>\d{4})/?$")
#: An article's path: one root-level slug.
ARTICLE_PATH_RE = re.compile(r"^/[A-Za-z0-9%_.~-]+/?$")


def courthousenews(base_url: str | None = None) -> SiteProfile:
    """The Courthouse News profile, at ``base_url`` (a copy of the site, the mock site) or at
    :data:`BASE_URL`.

    Raises:
        ProfileError: ``base_url`` is not an http(s) URL.
    """
    return SiteProfile(
        name="courthousenews",
        base_url=base_url_of(base_url or BASE_URL),
        wordpress=True,
        back_issues_path="/back-issues/",
        edition_re=EDITION_RE,
        feed_paths=["/feed/"],
        article_path_re=ARTICLE_PATH_RE,
    )
