"""Discovery by HTML listings (:class:`EditionWalker`): the front page, the list of back
issues (daily editions) or a date-archive tree, each edition, WordPress date archives, and
the story teasers on them.

The list of back issues is walked newest first, down to ``since``; every day between its
oldest and newest edition is then covered. The WordPress date archives of the days no
edition covers come after (a month archive paged only until it is older than those days).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from archive.urls import same_site
from crawler.dates import date_in_text, date_in_url, machine_date
from crawler.discovery import DateSpan, date_span, is_dated_article
from crawler.profiles import ARCHIVE_LINK_RE, DATE_ARCHIVE_RE
from crawler.spiders.feeds import FeedsAndSitemaps
from crawler.spiders.listings import next_page
from crawler.spiders.pagerequisites import RequisiteFetcher

TEASER_XPATH = (
    "//article | //*[contains(concat(' ', normalize-space(@class), ' '), ' post ')]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' teaser ')]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' story ')]"
)
#: A month with this many days no edition covers is walked as a month archive, not day by day.
MONTH_ARCHIVE_MIN_DAYS = 8


@dataclasses.dataclass
class IssuePage:
    """What one page of the list of back issues (or of a date-archive tree) listed."""

    #: the editions' days
    dates: list[dt.date] = dataclasses.field(default_factory=list)
    #: an edition or a dated article in range was listed (a tree's sibling links then count)
    found_any: bool = False
    #: tree links to years or months, decided once the page is read
    later: list[tuple[str, DateSpan]] = dataclasses.field(default_factory=list)
    #: requests made for editions and articles (a tree page is paged while it adds some)
    added: int = 0


class EditionWalker(FeedsAndSitemaps, RequisiteFetcher):
    """The front page, back issues, editions, date archives and their teasers."""

    # ---- the front page ---------------------------------------------------------------
    def parse_home(self, response: Response) -> Iterator[scrapy.Request]:
        """The front page: whether the site is WordPress, its own date (the profile's header
        date), its feeds, its list of back issues, its teasers, sections and tree entries."""
        if not isinstance(response, TextResponse) or response.status != 200:
            return
        generator = " ".join(response.xpath("//meta[@name='generator']/@content").getall())
        if "wordpress" in generator.lower() or b"/wp-content/" in response.body:
            self.wordpress = True
        header_day = self.profile.header_date(response)
        if header_day is not None:
            self.site_today = header_day
        yield from self.home_feeds(response)
        if not self.profile.back_issues_path:
            yield from self.back_issue_links(response)
        yield from self.wordpress_sitemap()
        yield from self.teaser_requests(response, None, "front page")
        yield from self.section_requests(response)
        yield from self.tree_entries(response)
        yield from self.page_requisites(response)

    def home_feeds(self, response: TextResponse) -> Iterator[scrapy.Request]:
        """The same-site feeds the page links as alternates (not comment feeds)."""
        for href in response.xpath("//link[@rel='alternate'][contains(@type,'rss') or contains(@type,'atom')"
                                   " or contains(@type,'rdf')]/@href").getall():
            url = response.urljoin(href)
            if same_site(url, self.profile.base_url) and "comments" not in url:
                yield self.request(url, self.parse_feed, "feed")

    def back_issue_links(self, response: TextResponse) -> Iterator[scrapy.Request]:
        """Links named like a list of back issues or an archive, for a profile that does not
        know where it is."""
        for anchor in response.xpath("//a[@href]"):
            text = " ".join(anchor.xpath(".//text()").getall())
            if ARCHIVE_LINK_RE.search(text):
                url = response.urljoin(anchor.xpath("@href").get(""))
                if same_site(url, self.profile.base_url):
                    yield self.request(url, self.parse_back_issues, "back-issues")

    # ---- the list of back issues, and date-archive trees -----------------------------------
    def parse_back_issues(self, response: Response) -> Iterator[scrapy.Request]:
        """The list of back issues, or a page of a date-archive tree: follow each issue (a
        day) in range, each tree link (a year or month) whose days overlap the range, and the
        dated articles listed; page while pages are in range."""
        if not isinstance(response, TextResponse) or response.status != 200:
            return
        here = response.meta.get("span")
        page = IssuePage()
        for anchor in response.xpath("//main//a[@href] | //*[@id='content']//a[@href]") or response.xpath("//a[@href]"):
            yield from self.issue_link(response, anchor, page, here)
        yield from self.tree_links(response, page, here)
        self.listed_days.update(page.dates)
        yield from self.page_requisites(response)
        yield from self.next_issue_page(response, page, here)

    def issue_link(self, response: TextResponse, anchor: Any, page: IssuePage, here: Any) -> Iterator[scrapy.Request]:
        """One link of the list: an edition (a day), a dated article, or a tree link kept for
        later (:attr:`IssuePage.later`); anything else is passed over."""
        url = response.urljoin(anchor.xpath("@href").get(""))
        if not same_site(url, self.profile.base_url):
            return
        path = urlsplit(url).path
        if (self.wordpress and DATE_ARCHIVE_RE.match(path)) or "/page/" in path:
            return
        text = " ".join(anchor.xpath(".//text()").getall())
        day = self.profile.edition_date(path)
        span = None if day else date_span(url, text)
        if span is not None and span.granularity != "day":
            page.later.append((url, span))
            return
        day = day or (span.first if span else None) or date_in_text(text) or date_in_url(path)
        if day is None:
            return
        if is_dated_article(url) and not self.profile.edition_date(path):
            request = self.article_request(url, day, "archive tree")
            page.found_any = page.found_any or request is not None or self.in_range(day)
            if request:
                page.added += 1
                yield request
            return
        page.dates.append(day)
        page.found_any = True
        self.edition_days.add(day)
        self.saw_day(day)
        if self.in_range(day) and day <= self.horizon:
            page.added += 1
            yield self.request(url, self.parse_listing, "edition", issue_date=day,
                               source="archive tree" if here else "back issues")

    def tree_links(self, response: TextResponse, page: IssuePage, here: Any) -> Iterator[scrapy.Request]:
        """The page's year and month links that the range does not prune."""
        here_span = date_span(response.url) if here else None
        for _url, span in page.later:
            page.found_any = page.found_any or span.overlaps(self.since, self.horizon)
        for url, span in page.later:
            request = self.tree_request(url, span, here_span, page.found_any, self.parse_back_issues, self.parse_listing)
            if request:
                yield request

    def next_issue_page(self, response: TextResponse, page: IssuePage, here: Any) -> Iterator[scrapy.Request]:
        """The list's next page while it is in range; at its end, the days it covers."""
        if here or not self.wordpress:
            next_url = self.next_listing_page(response, page.added)  # a tree page: while it adds stories
        else:
            in_range = page.dates and (self.since is None or min(page.dates) >= self.since)
            next_url = next_page(response) if in_range else None
        if next_url:
            yield self.request(next_url, self.parse_back_issues, "back-issues", **({"span": here} if here else {}))
        elif self.listed_days:
            self.back_issues_walked()

    def back_issues_walked(self) -> None:
        """The list of back issues is walked down to the range's start: every day between its
        oldest and newest issue is covered (a day with no issue had no stories); the days
        after the newest (when the daily issues stopped) are left to the date archives."""
        self._back_issues_walked = True
        first, last = min(self.listed_days), max(self.listed_days)
        day = max(first, self.since) if self.since else first
        while day <= last:
            self.covered.add(day)
            day += dt.timedelta(days=1)

    # ---- editions, date archives, sections --------------------------------------------------
    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """An edition, a date archive or another listing: follow its stories in range."""
        meta = response.meta
        day: dt.date | None = meta.get("issue_date")
        month = meta.get("month")
        if response.status == 404 and meta["role"] == "date-archive":
            # WordPress answers 404 for a date with no posts: nothing to find there.
            self.mark_covered(day, month, meta)
            return
        if not isinstance(response, TextResponse) or response.status != 200:
            return
        self.listing_hits = 0
        teasers = list(self.teaser_requests(response, day, meta.get("source") or meta["role"]))
        hits = self.listing_hits
        yield from teasers
        yield from self.page_requisites(response)
        yield from self.listing_documents(response, day)
        if meta["role"] == "date-archive":
            yield from self.next_date_archive_page(response, day, month)
        elif meta["role"] in ("section", "edition") and not self.wordpress:
            # a day of a tree is paged while its pages list stories; a section while they add new ones
            next_url = self.next_listing_page(response, hits if meta.get("tree") else len(teasers))
            if next_url:
                yield self.request(next_url, self.parse_listing, meta["role"], **{
                    k: meta[k] for k in ("issue_date", "source", "tree") if k in meta})

    def listing_documents(self, response: TextResponse, day: dt.date | None) -> Iterator[scrapy.Request]:
        """The documents (court filings) an in-range listing links (``CRAWL_FETCH_DOCUMENTS``)."""
        if self.settings.getbool("CRAWL_FETCH_DOCUMENTS") and (day is None or self.in_range(day)):
            for href in response.xpath("//a/@href").getall():
                url = response.urljoin(href)
                if self.profile.is_document(url):
                    yield self.request(url, self.parse_document, "document", issue_date=day)

    def next_date_archive_page(self, response: TextResponse, day: dt.date | None,
                               month: tuple[int, int] | None) -> Iterator[scrapy.Request]:
        """A date archive's next (older) page while its teasers are not older than the days
        it is walked for; at its end, those days are covered."""
        meta = response.meta
        teaser_dates = [d for _, d in iter_teasers(response) if d]
        oldest = min(teaser_dates) if teaser_dates else day
        next_url = next_page(response)
        still_in_range = month is None or oldest is None or meta.get("oldest") is None or oldest >= meta["oldest"]
        if next_url and still_in_range:
            yield self.request(next_url, self.parse_listing, "date-archive", **{
                k: meta[k] for k in ("issue_date", "month", "oldest", "newest") if k in meta})
        else:
            self.mark_covered(day, month, meta)

    def mark_covered(self, day: dt.date | None, month: tuple[int, int] | None, meta: dict[str, Any]) -> None:
        """The day (or the month archive's days) whose listing was walked to its end."""
        if day:
            self.covered.add(day)
        elif month and meta.get("oldest") and meta.get("newest"):
            d = meta["oldest"]
            while d <= meta["newest"]:
                self.covered.add(d)
                d += dt.timedelta(days=1)

    def teaser_requests(self, response: TextResponse, day: dt.date | None, source: str) -> Iterator[scrapy.Request]:
        """Article requests for the listing's story teasers; with no teaser markup, for the
        links of its content (WordPress, dated by the listing) or its headline links."""
        found = False
        for url, teaser_day in iter_teasers(response):
            found = True
            request = self.article_request(url, teaser_day or day, source)
            if request:
                yield request
        if found:
            return
        if self.wordpress:
            if day is None:
                return
            # No teaser markup: the page's own date stands for the links in its content.
            links: list[tuple[str, dt.date | None]] = [
                (response.urljoin(h), day) for h in response.xpath("//main//a/@href | //*[@id='content']//a/@href").getall()]
        else:
            # Teasers in markup of their own: the headline links, else every link outside the
            # navigation, dated by the listing (a day of a tree) or later by the page itself.
            links = [(url, near or day) for url, near in self.heading_links(response) or self.content_links(response)]
        for url, link_day in links:
            request = self.article_request(url, link_day, source)
            if request:
                yield request

    def date_archive_requests(self) -> Iterator[scrapy.Request]:
        """WordPress date archives for the days of the range that no back issue covers.

        A month with 8 or more such days is walked as a month archive (newest first, only
        until it is older than those days), a shorter stretch day by day. Without ``since``
        nothing is walked (the range has no start).
        """
        if self._archives_scheduled or self.since is None:
            return
        self._archives_scheduled = True
        day, last = self.since, self.horizon
        months: dict[tuple[int, int], list[dt.date]] = {}
        while day <= last:
            if day not in self.covered:
                months.setdefault((day.year, day.month), []).append(day)
            day += dt.timedelta(days=1)
        for (year, month), days in sorted(months.items(), reverse=True):
            if len(days) >= MONTH_ARCHIVE_MIN_DAYS:
                yield self.request(self.profile.url(f"/{year:04d}/{month:02d}/"), self.parse_listing,
                                   "date-archive", month=(year, month), oldest=days[0], newest=days[-1])
            else:
                for d in reversed(days):
                    yield self.request(self.profile.url(f"/{d:%Y/%m/%d}/"), self.parse_listing,
                                       "date-archive", issue_date=d)


def iter_teasers(response: TextResponse) -> Iterable[tuple[str, dt.date | None]]:
    """``(url, date)`` of each story teaser on a listing page (WordPress ``article.post``).

    The link is the teaser's headline link (``.entry-title a``, ``h2 a``, ``h3 a``), else its
    first link; the date its ``<time datetime>``, else a date written in the teaser.
    """
    seen: set[str] = set()
    for block in response.xpath(TEASER_XPATH):
        hrefs = block.xpath(".//*[contains(@class,'entry-title') or self::h1 or self::h2 or self::h3 or self::h4]//a/@href").getall() \
            or block.xpath(".//a/@href").getall()[:1]
        if not hrefs:
            continue
        url = response.urljoin(hrefs[0])
        if url in seen:
            continue
        seen.add(url)
        day = machine_date(block.xpath(".//time/@datetime").get()) or \
            date_in_text(" ".join(block.xpath(".//*[contains(@class,'date') or contains(@class,'meta')]//text()").getall()))
        yield url, day
