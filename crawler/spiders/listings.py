"""Listings of any layout, for :class:`~crawler.spiders.backissues.BackIssuesSpider`.

A site that is not WordPress still has the same kinds of listings: a date-archive tree
(``/archive/`` → years → months → days, or ``?date=``), section listings from its
navigation, and pagination inside each. The rules here use :mod:`crawler.discovery`:

* a tree link is followed only when the days it names overlap the crawl's range and are
  not after its horizon, so years and months outside the range are never requested;
* with no ``--since`` (an open range), a link to a sibling of the same granularity (the
  next or previous month or year) is followed only from a page that held something
  (articles or finer links): a tree that answers every year with an empty page ends at the
  first empty one;
* a listing's next page is fetched only while its pages add in-range article links;
* sort twins (``?sort=oldest``) are never followed.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from archive.urls import same_site
from crawler.dates import date_in_text, machine_date
from crawler.discovery import (DateSpan, article_day, date_span, has_sort_params, is_dated_article, is_next_page,
                                is_sort_twin)
from crawler.profiles import DATE_ARCHIVE_RE, DOCUMENT_RE
from crawler.session import CrawlPlan
from crawler.spiders.roles import PRIORITY

#: Navigation links that name no section (accounts, shops, legal pages).
_NOT_A_SECTION = re.compile(
    r"(^|/)(login|log-in|signin|sign-in|register|account|subscribe|subscription|newsletter|shop|store|"
    r"contact|about|impressum|imprint|privacy|datenschutz|terms|cookies?|jobs|careers|advertis\w*|"
    r"search|tag|tags|author|authors|feed|feeds|rss|podcasts?|video|videos|events?|weather)(/|$|\.)", re.I)
_NAV_XPATH = ("//nav//a[@href] | //header//a[@href] | //*[@role='navigation']//a[@href]"
              " | //*[contains(@class,'menu') or contains(@class,'nav')]//a[@href]")
_HEADING_LINKS = ("//body//*[self::h2 or self::h3 or self::h4][not(ancestor::nav or ancestor::header"
                  " or ancestor::footer or ancestor::aside)]//a[@href]")
_CONTENT_LINKS = ("//body//a[@href][not(ancestor::nav or ancestor::header or ancestor::footer or ancestor::aside"
                  " or ancestor::form or ancestor::*[@role='navigation'])]")
_NON_PAGE_EXT = re.compile(r"\.(?:jpe?g|png|gif|webp|svg|pdf|mp[34]|zip|xml|rss|atom|json|css|js)$", re.I)
_NEXT_TEXT_RE = re.compile(r"^\s*(next|older|more|»|&raquo;|next page|older (posts|entries))\b", re.IGNORECASE)
#: Sections walked from the front page's navigation, at most.
MAX_SECTIONS = 40


class ListingWalker:
    """Tree, section and pagination rules, mixed into the spider (it provides ``request``,
    ``article_request``, ``in_range``, ``plan``, ``horizon``, ``profile``, ``count`` and the
    listing callbacks, declared below for the type checker)."""

    profile: Any
    plan: CrawlPlan
    wordpress: bool

    if TYPE_CHECKING:  # provided by the spider (crawler.spiders.scope.ScopedSpider)
        @property
        def horizon(self) -> dt.date: ...

        def count(self, key: str, n: int = 1) -> None: ...

        def request(self, url: str, callback: Any, role: str, **meta: Any) -> scrapy.Request: ...

        def article_request(self, url: str, day: dt.date | None, source: str) -> scrapy.Request | None: ...

        def in_range(self, day: dt.date | None) -> bool: ...

        # the callbacks of crawler.spiders.editions.EditionWalker
        def parse_back_issues(self, response: Response) -> Iterator[scrapy.Request]: ...

        def parse_listing(self, response: Response) -> Iterator[scrapy.Request]: ...

    def tree_request(self, url: str, span: DateSpan, here: DateSpan | None, found_any: bool,
                     callback: Any, day_callback: Any) -> scrapy.Request | None:
        """A request for a date-archive tree link, or None when the range prunes it."""
        if not span.overlaps(self.plan.since, self.horizon):
            self.count("tree links outside the range")
            return None
        if here is not None and span.granularity == here.granularity and not found_any and self.plan.since is None:
            return None  # an open range: a sibling of an empty page means the tree has no more
        if span.granularity == "day":
            return self.request(url, day_callback, "edition", issue_date=span.first, tree=True)
        return self.request(url, callback, "back-issues", tree=True, span=(span.first, span.last))

    def tree_entries(self, response: TextResponse) -> Iterator[scrapy.Request]:
        """Links of the front page that name a date ("This month: March 2024", ``/archive/2024/``):
        entries into a date-archive tree (not on WordPress sites, whose date archives are
        walked by their own rule)."""
        if self.wordpress:
            return
        for anchor in response.xpath("//a[@href]"):
            url = response.urljoin(anchor.attrib.get("href", ""))
            if not same_site(url, self.profile.base_url) or is_dated_article(url):
                continue
            span = date_span(url, " ".join(anchor.xpath(".//text()").getall()))
            if span is None or urlsplit(url).path in ("", "/"):
                continue
            request = self.tree_request(url, span, None, True, self.parse_back_issues,
                                        self.parse_listing)
            if request:
                yield request

    def next_listing_page(self, response: TextResponse, added: int) -> str | None:
        """The listing's next page, while its pages add in-range article links (``added``)."""
        if added == 0:
            return None
        url = next_page(response)
        if url and not is_sort_twin(response.url, url) and not has_sort_params(url):
            return url
        for href in response.xpath("//a/@href").getall():
            link = response.urljoin(href)
            if is_next_page(response.url, link) and not has_sort_params(link):
                return link
        return None

    def section_requests(self, response: TextResponse) -> Iterator[scrapy.Request]:
        """The site's section listings, from its navigation (not on WordPress sites, whose
        date archives cover the same stories)."""
        if self.wordpress:
            return
        seen: set[str] = set()
        for anchor in response.xpath(_NAV_XPATH):
            url = response.urljoin(anchor.attrib.get("href", ""))
            parts = urlsplit(url)
            if (not same_site(url, self.profile.base_url) or parts.path in ("", "/") or url in seen
                    or _NOT_A_SECTION.search(parts.path) or _NON_PAGE_EXT.search(parts.path)
                    or is_dated_article(url) or date_span(url) or has_sort_params(url)):
                continue
            seen.add(url)
            if len(seen) > MAX_SECTIONS:
                break
            request = self.request(url, self.parse_listing, "section")
            request.priority = PRIORITY["edition"]
            yield request

    def content_links(self, response: TextResponse) -> list[tuple[str, dt.date | None]]:
        """Every link outside the page's navigation, header, footer, asides and forms, with
        the date written beside it (:func:`dated_links`)."""
        return dated_links(response, response.xpath(_CONTENT_LINKS))

    def heading_links(self, response: TextResponse) -> list[tuple[str, dt.date | None]]:
        """Links in headings of the main content, with the date written beside them: the
        stories of a listing whose teasers carry no known markup."""
        return dated_links(response, response.xpath(_HEADING_LINKS))

    def is_candidate(self, path: str, query: str) -> bool:
        """Whether a link from a listing may be an article on a site of unknown layout: the
        fetched page's own evidence decides (``archive.extract``), this only rules out what
        is plainly no page (files, pagination, archives)."""
        if _NON_PAGE_EXT.search(path) or DOCUMENT_RE.match(path) or DATE_ARCHIVE_RE.match(path):
            return False
        if path in ("", "/") or "/page/" in path or _NOT_A_SECTION.search(path):
            return False
        if date_span("http://site" + path + (f"?{query}" if query else "")) is not None:
            return False  # a date-archive page: walked as a tree, not fetched as a story
        return not query or bool(re.fullmatch(r"(p|id|story|article|a|s)=\w+", query))


#: Characters of a teaser block read for the date written beside its link.
_TEASER_TEXT_MAX = 400


def dated_links(response: TextResponse, anchors: Any) -> list[tuple[str, dt.date | None]]:
    """``(url, day)`` of each anchor: the day its URL names, else the day of a
    ``<time datetime>`` or a date written in the small block around it (up to three levels up,
    at most 400 characters, no other link), else None (the fetched page's date decides)."""
    found = []
    for anchor in anchors:
        href = anchor.attrib.get("href", "")
        url = response.urljoin(href)
        day = article_day(url)
        block = anchor.root
        for _ in range(3 if day is None else 0):
            block = block.getparent()
            if block is None:
                break
            text = " ".join(block.itertext())
            if len(text) > _TEASER_TEXT_MAX or len(set(block.xpath(".//a/@href")) - {href}) > 0:
                break  # the block holds more than this one story
            stamps = block.xpath(".//time/@datetime")
            day = machine_date(str(stamps[0])) if stamps else date_in_text(text)
            if day:
                break
        found.append((url, day))
    return found


def next_page(response: TextResponse) -> str | None:
    """The next (older) page of a paged listing: ``rel=next``, ``a.next``, or a "Next" link."""
    href = response.xpath("//link[@rel='next']/@href | //a[@rel='next']/@href").get() \
        or response.xpath("//a[contains(concat(' ', normalize-space(@class), ' '), ' next ')]/@href").get()
    if not href:
        for anchor in response.xpath("//nav//a[@href] | //*[contains(@class,'pagination')]//a[@href]"):
            if _NEXT_TEXT_RE.match(" ".join(anchor.xpath(".//text()").getall())):
                href = anchor.xpath("@href").get()
                break
    return response.urljoin(href) if href else None
