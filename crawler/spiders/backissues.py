"""BackIssuesSpider: walk a news site's back issues within a publication-date range.

Seeds, all bounded by ``since`` / ``until`` *before* anything is fetched:

* the list of back issues (daily editions), newest first, paged until it is older than
  ``since``; each edition in range is fetched and its stories followed;
* WordPress date archives (``/YYYY/MM/`` or ``/YYYY/MM/DD/`` with ``/page/N/``) for every
  day of the range, so that days no edition covers (and stories an edition leaves out)
  are found too; a month archive is paged only until it is older than the range;
* RSS/Atom feeds and Google News sitemaps, whose items carry publication dates;
* robots.txt sitemaps (sitemaps.org), whose ``lastmod`` skips what is wholly older than the
  range; their undated URLs are fetched last, and only for days nothing else covered.

Links are followed only from listing teasers and dated items; calendars, search pages,
AMP twins and footers are never walked. The spider yields requests and
:class:`~crawler.items.ArticleItem` values and stores nothing itself (the WARC capture
middleware and the pipelines do).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from lxml import etree
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.python.failure import Failure
from w3lib.html import replace_entities

from archive.requisites import css_requisites, html_requisites, requisite_urls
from archive.urls import match_key, same_site, without_tracking
from crawler.items import ArticleItem
from crawler.profiles import ARCHIVE_LINK_RE, DATE_ARCHIVE_RE, DOCUMENT_RE, SiteProfile, resolve
from crawler.dates import date_in_text, date_in_url, machine_date
from crawler.discovery import article_day, date_span, is_dated_article
from crawler.errors import NotFetched
from crawler.indexbuffer import IndexBuffer
from crawler.jobstate import JobState
from crawler.requisites import RequisitePlan
from crawler.session import CrawlPlan, crawl_session, notice
from crawler.spiders.listings import ListingWalker

_NEXT_TEXT_RE = re.compile(r"^\s*(next|older|more|»|&raquo;|next page|older (posts|entries))\b", re.IGNORECASE)
TEASER_XPATH = (
    "//article | //*[contains(concat(' ', normalize-space(@class), ' '), ' post ')]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' teaser ')]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' story ')]"
)
#: Of a stylesheet, the bytes read for its ``@import`` and ``url()`` requisites.
CSS_PARSE_MAX_BYTES = 1 << 20
#: Request priorities: discovery first, so that every spelling of an article meets the
#: duplicate filter after its listing, then articles, then page requisites, then documents.
PRIORITY = {"robots": 100, "back-issues": 90, "sitemap": 85, "feed": 85, "home": 80, "edition": 70,
            "date-archive": 60, "article": 40, "site-requisite": 25, "requisite": 20, "document": 10}


def parse_day(value: str | dt.date | None) -> dt.date | None:
    """``YYYY-MM-DD`` (or a date) to a date; None stays None.

    Raises:
        ValueError: the text is not a valid ``YYYY-MM-DD`` date.
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ValueError(f"not a date (want YYYY-MM-DD): {value!r}") from None


class BackIssuesSpider(ListingWalker, scrapy.Spider):
    """Archive a news site's back issues between ``since`` and ``until`` (inclusive).

    Spider arguments (``scrapy crawl backissues -a site=... -a since=...``):
        site: a profile name (``courthousenews``, ``wordpress``) or a start URL.
        base_url: the site's root, overriding the profile's (needed for ``wordpress``).
        since, until: the publication-date range, ``YYYY-MM-DD``; either may be left out.
    """

    name = "backissues"

    def __init__(self, site: str = "courthousenews", base_url: str | None = None,
                 since: str | None = None, until: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.profile: SiteProfile = resolve(site, base_url)
        #: the range asked for, until the crawl session hands over its plan (start)
        self.plan = CrawlPlan(since=parse_day(since), until=parse_day(until))
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"--since {self.since} is after --until {self.until}")
        self.allowed_domains = [urlsplit(self.profile.base_url).hostname or ""]
        self.wordpress = self.profile.wordpress
        #: days whose complete listing was walked (a date archive to its last page)
        self.covered: set[dt.date] = set()
        #: days listed as back issues
        self.edition_days: set[dt.date] = set()
        #: what a stopped crawl keeps for its resume (JOBDIR): articles asked for, and pending
        self.jobstate = JobState()
        #: match keys of every article request made (in this job)
        self.requested: set[str] = self.jobstate.requested
        #: sitemap URLs with only a lastmod, decided when everything else is done
        self.undated: dict[str, tuple[str, dt.date | None]] = self.jobstate.undated
        self._undated_done = False
        self._archives_scheduled = False
        #: the site's own "today", read from its page header ("<date> | Back issues")
        self.site_today: dt.date | None = None
        #: every back-issue date listed, and whether the list was walked to the range's start
        self.listed_days: set[dt.date] = set()
        self._back_issues_walked = False
        #: in-range story links met on the listing page being read (new or not)
        self.listing_hits = 0
        #: robots.txt named sitemaps; /wp-sitemap.xml was asked for (a WordPress site without)
        self._robots_sitemaps = False
        self._wp_sitemap_asked = False
        #: which page requisites this crawl fetches (from CRAWL_PAGE_REQUISITES in from_crawler)
        self.requisite_plan = RequisitePlan("none", self.profile.base_url)

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> BackIssuesSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.on_robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(spider.on_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(spider.on_dropped, signal=signals.request_dropped)
        settings = crawler.settings
        caps = [n for n in (settings.getint("DOWNLOAD_MAXSIZE"), settings.getint("CRAWL_REQUISITE_MAX_BYTES")) if n > 0]
        spider.requisite_plan = RequisitePlan(settings.get("CRAWL_PAGE_REQUISITES") or "same-site",
                                              spider.profile.base_url, min(caps) if caps else 0,
                                              settings.getint("CRAWL_REQUISITE_DEAD_FOLDER_404S"))
        return spider

    # ---- the plan and scope -------------------------------------------------------------
    def take_plan(self) -> None:
        """Take the crawl session's plan (opened on ``spider_opened``): the range, with an
        incremental crawl's ``since``, what the archive knows, the revisit window, the
        deferred pages and what a killed crawl left."""
        self.plan = crawl_session(self.crawler).plan

    @property
    def url_states(self) -> IndexBuffer:
        """Where each URL's crawl state is kept (a sitemap ``lastmod`` here)."""
        return crawl_session(self.crawler).buffer

    @property
    def since(self) -> dt.date | None:
        """The range's first publication day (the plan's), None: unbounded."""
        return self.plan.since

    @property
    def until(self) -> dt.date | None:
        """The range's last publication day (the plan's), None: unbounded."""
        return self.plan.until

    @property
    def horizon(self) -> dt.date:
        """The last day that can hold articles: ``until``, today (local time), or the site's
        own date (its page header), whichever is first."""
        today = dt.date.today()  # the local calendar's: nothing dated after it is asked for
        return min(d for d in (self.until, today, self.site_today) if d is not None)

    def in_range(self, day: dt.date | None) -> bool:
        """Whether ``day`` is in the plan's range (an unknown day is)."""
        return self.plan.in_range(day)

    def count(self, key: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(f"newsarchive/{key}", n)

    def skip(self, reason: str, n: int = 1) -> None:
        """Count a page not fetched or not archived as an article, by reason."""
        self.count(f"skipped/{reason}", n)

    # ---- requests ---------------------------------------------------------------------
    def request(self, url: str, callback: Any, role: str, **meta: Any) -> scrapy.Request:
        """A request of ``role`` (:data:`PRIORITY`), for the URL without its tracking
        parameters, so that the capture is under the clean spelling."""
        meta["role"] = role
        if role != "robots":
            url = without_tracking(url)
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta,
                              priority=PRIORITY.get(role, 0))

    # ---- page requisites ------------------------------------------------------------------
    def requisite_requests(self, pairs: Iterable[tuple[str, str]], page_url: str | None,
                           priority: int = PRIORITY["requisite"]) -> Iterator[scrapy.Request]:
        """Requests for the ``(url, kind)`` requisites of a page that this crawl has not
        asked for yet and whose host is in ``CRAWL_PAGE_REQUISITES`` scope."""
        plan = self.requisite_plan
        given_up = plan.given_up
        for url, kind in plan.new(pairs):
            request = self.request(url, self.parse_requisite, "requisite", **plan.request_meta(kind, page_url))
            request.priority = priority
            yield request
        if plan.given_up > given_up:
            self.skip("requisite in a folder that answered only 404", plan.given_up - given_up)

    def page_requisites(self, response: Response) -> Iterator[scrapy.Request]:
        """The requisites of a listing page, from the tree the spider parses anyway: the
        site's own theme, so they queue before the articles' requisites."""
        if self.requisite_plan.enabled and isinstance(response, TextResponse):
            root = getattr(response.selector, "root", None)
            yield from self.requisite_requests(requisite_urls(html_requisites(root, response.url)), response.url,
                                               PRIORITY["site-requisite"])

    def parse_requisite(self, response: Response) -> Iterator[scrapy.Request]:
        """A fetched requisite is in WARC already; a stylesheet's own ``@import`` and
        ``url()`` references are requisites too (a 304 brings the archived copy here)."""
        if response.status not in (200, 304):
            self.skip(f"requisite HTTP {response.status}")
            return
        self.count("requisites")
        ctype = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
        is_css = "css" in ctype or (not ctype and urlsplit(response.url).path.lower().endswith(".css"))
        if response.status == 200 and is_css:
            # tinycss2 reads about 1 MB a second, in the reactor: a bigger bundle's rest waits
            found = css_requisites(response.body[:CSS_PARSE_MAX_BYTES], response.url)
            yield from self.requisite_requests(requisite_urls(found), response.meta.get("referer_page"),
                                               response.request.priority if response.request else PRIORITY["requisite"])

    async def start(self) -> AsyncIterator[Any]:
        self.take_plan()
        self.resume_job()
        for request in self.seed_requests():
            yield request

    def deferred_requests(self) -> Iterator[scrapy.Request]:
        """The pages an earlier crawl of this site left for later because the server asked
        for a longer wait than it could make (Retry-After, case B07), whatever this crawl's
        date range: they were in range of the crawl that found them."""
        callbacks = {"article": self.parse_article, "document": self.parse_document,
                     "edition": self.parse_listing, "date-archive": self.parse_listing,
                     "back-issues": self.parse_back_issues, "feed": self.parse_feed,
                     "sitemap": self.parse_sitemap}
        for row in self.plan.deferred:
            role = row.get("role") or "article"
            if role not in callbacks:
                continue
            meta: dict[str, Any] = {"source": row.get("source") or "deferred", "deferred": True}
            if row.get("issue_date"):
                meta["issue_date"] = parse_day(row["issue_date"])
            if role == "article":
                key = match_key(row["url"])
                self.jobstate.add(key, row["url"], meta.get("issue_date"), meta["source"])
                meta["pending_key"] = key
            yield self.request(row["url"], callbacks[role], role, **meta)

    def saw_day(self, day: dt.date | None) -> None:
        """Remember the newest in-range day listed, for the next crawl's horizon."""
        if day is not None and self.in_range(day) and day <= self.horizon:
            self.plan.saw_day(day)

    def seed_requests(self) -> Iterator[scrapy.Request]:
        profile = self.profile
        if not self.settings.getbool("ROBOTSTXT_OBEY"):
            # obeyed, robots.txt is fetched once, by Scrapy's RobotsTxtMiddleware (on_robots_parsed)
            yield self.request(profile.url("/robots.txt"), self.parse_robots, "robots", fingerprint_exact=True)
        yield self.request(profile.url("/"), self.parse_home, "home")
        yield from self.deferred_requests()
        self.requisite_plan.mark_asked(self.plan.recovered.fetched)
        for url, kind, page in self.plan.recovered.requisites:
            yield from self.requisite_requests([(url, kind)], page)
        if profile.back_issues_path:
            yield self.request(profile.url(profile.back_issues_path), self.parse_back_issues, "back-issues")
        for path in profile.feed_paths:
            yield self.request(profile.url(path), self.parse_feed, "feed")
        for url in profile.seeds:
            yield self.request(url, self.parse_listing, "home")
        # WordPress date archives come when the back issues are walked (see on_idle): only
        # the days no back issue covers are walked there.

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
            if len(days) >= 8:
                yield self.request(self.profile.url(f"/{year:04d}/{month:02d}/"), self.parse_listing,
                                   "date-archive", month=(year, month), oldest=days[0], newest=days[-1])
            else:
                for d in reversed(days):
                    yield self.request(self.profile.url(f"/{d:%Y/%m/%d}/"), self.parse_listing,
                                       "date-archive", issue_date=d)

    def article_request(self, url: str, day: dt.date | None, source: str) -> scrapy.Request | None:
        """A request for an article link, or None when it is out of scope (counted)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not same_site(url, self.profile.base_url):
            return None
        verdict = self.profile.is_article_path(parts.path, parts.query)
        if verdict is False:
            return None
        if verdict is None and not looks_like_article(parts.path, parts.query) and not is_dated_article(url):
            # On a site of unknown layout the page's own evidence decides, once fetched;
            # the URL's shape only decides what comes first.
            if self.wordpress or not self.is_candidate(parts.path, parts.query):
                if source in ("sitemap", "news-sitemap", "feed"):
                    self.skip("feed or sitemap entry that names no page")
                return None
        day = day or article_day(url)  # a dated URL (/2025/09/07/story/) is dated before it is fetched
        if day is not None and not self.in_range(day):
            self.skip("listed outside the date range")
            return None
        self.saw_day(day)
        self.listing_hits += 1  # an in-range story link, new or not (pagination's stop rule)
        key = match_key(url)
        if key in self.requested:
            return None
        if key in self.plan.known:
            if key not in self.plan.revisit:
                self.skip("archived by an earlier crawl")
                return None
            return self.revalidate(url, "revisit window")
        self.jobstate.add(key, url, day, source)
        return self.request(url, self.parse_article, "article", issue_date=day, source=source, pending_key=key)

    def revalidate(self, url: str, why: str) -> scrapy.Request | None:
        """Fetch an archived article again, conditionally: a 304 if it did not change."""
        key = match_key(url)
        if key in self.requested:
            return None
        self.jobstate.add(key, url, None, why)
        self.count(f"revalidated/{why}")
        return self.request(url, self.parse_article, "article", revalidate=True, source=why, pending_key=key)

    # ---- robots.txt and sitemaps (sitemaps.org protocol) -------------------------------
    def on_robots_parsed(self, robotparser: Any, request: scrapy.Request) -> None:
        """robots.txt as RobotsTxtMiddleware read it (the one fetch of it a crawl makes):
        the site's own robots.txt names its sitemaps."""
        if not same_site(request.url, self.profile.base_url):
            return
        robots_url = self.profile.url("/robots.txt")
        for value in getattr(getattr(robotparser, "rp", None), "sitemaps", None) or []:
            url = urljoin(robots_url, str(value).strip())
            if same_site(url, self.profile.base_url):
                self._robots_sitemaps = True
                self.crawler.engine.crawl(self.request(url, self.parse_sitemap, "sitemap"))

    def wordpress_sitemap(self) -> Iterator[scrapy.Request]:
        """A WordPress site whose robots.txt names no sitemap still has ``/wp-sitemap.xml``."""
        if self.wordpress and not self._robots_sitemaps and not self._wp_sitemap_asked:
            self._wp_sitemap_asked = True
            yield self.request(self.profile.url("/wp-sitemap.xml"), self.parse_sitemap, "sitemap")

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        sitemaps = list(sitemap_urls_from_robots(response.body, base_url=response.url)) if response.status == 200 else []
        self._robots_sitemaps = self._robots_sitemaps or bool(sitemaps)
        for url in sitemaps:
            if same_site(url, self.profile.base_url):
                yield self.request(url, self.parse_sitemap, "sitemap")

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        if response.status != 200:
            return
        body = response.body
        if gzip_magic_number(response):
            try:
                body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
            except Exception as exc:  # noqa: BLE001 - a broken sitemap is counted, not fatal
                self.logger.warning("sitemap %s: cannot decompress: %s", response.url, exc)
                self.skip("broken sitemap")
                return
        try:
            sitemap = Sitemap(body)
        except Exception as exc:  # noqa: BLE001 - lxml raises several kinds on junk
            self.logger.warning("sitemap %s: not XML: %s", response.url, exc)
            self.skip("broken sitemap")
            return
        news_dates = news_publication_dates(body)
        if sitemap.type == "sitemapindex":
            for entry in sitemap:
                loc, lastmod = entry.get("loc", ""), machine_date(entry.get("lastmod"))
                if re.search(r"wp-sitemap-(users|taxonomies)", loc):
                    continue
                if lastmod and self.since and lastmod < self.since:
                    self.skip("sitemap older than the range")
                    continue
                if same_site(loc, self.profile.base_url):
                    yield self.request(loc, self.parse_sitemap, "sitemap")
            return
        for entry in sitemap:
            loc = entry.get("loc", "")
            if loc in news_dates:
                request = self.article_request(loc, news_dates[loc], "news-sitemap")
                if request:
                    yield request
                continue
            raw_lastmod = (entry.get("lastmod") or "").strip()
            lastmod = machine_date(raw_lastmod)
            if lastmod and self.since and lastmod < self.since:
                self.skip("sitemap lastmod before the range")
                continue
            key = match_key(loc)
            if key in self.plan.known and raw_lastmod:
                before = (self.url_states.url_state(loc) or {}).get("lastmod")
                self.url_states.note_url_state(loc, lastmod=raw_lastmod)
                if before and raw_lastmod > before:
                    request = self.revalidate(loc, "newer sitemap lastmod")
                    if request:
                        yield request
                continue
            if raw_lastmod:
                self.url_states.note_url_state(loc, lastmod=raw_lastmod)
            self.undated.setdefault(key, (loc, lastmod))

    # ---- feeds (RSS 2.0, Atom RFC 4287) -------------------------------------------------
    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        if response.status != 200:
            return
        try:
            root = etree.fromstring(response.body, parser=etree.XMLParser(recover=True, resolve_entities=False))
        except (etree.XMLSyntaxError, ValueError):
            root = None
        if root is None:
            self.skip("broken feed")
            return
        for item in root.iter("{*}item", "{*}entry"):
            link = item.findtext("{*}link") or ""
            if not link.strip():
                for el in item.iter("{*}link"):
                    if el.get("rel", "alternate") == "alternate" and el.get("href"):
                        link = el.get("href", "")
                        break
            day = None
            for tag in ("{*}pubDate", "{*}published", "{*}date", "{*}updated"):
                day = machine_date(item.findtext(tag))
                if day:
                    break
            request = self.article_request(response.urljoin(link.strip()), day, "feed")
            if request:
                yield request

    # ---- HTML listings ------------------------------------------------------------------
    def parse_home(self, response: Response) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse) or response.status != 200:
            return
        generator = " ".join(response.xpath("//meta[@name='generator']/@content").getall())
        if "wordpress" in generator.lower() or b"/wp-content/" in response.body:
            self.wordpress = True
        header_day = self.profile.header_date(response)
        if header_day is not None:
            self.site_today = header_day
        for href in response.xpath("//link[@rel='alternate'][contains(@type,'rss') or contains(@type,'atom')"
                                   " or contains(@type,'rdf')]/@href").getall():
            url = response.urljoin(href)
            if same_site(url, self.profile.base_url) and "comments" not in url:
                yield self.request(url, self.parse_feed, "feed")
        if not self.profile.back_issues_path:
            for anchor in response.xpath("//a[@href]"):
                text = " ".join(anchor.xpath(".//text()").getall())
                if ARCHIVE_LINK_RE.search(text):
                    url = response.urljoin(anchor.xpath("@href").get(""))
                    if same_site(url, self.profile.base_url):
                        yield self.request(url, self.parse_back_issues, "back-issues")
        yield from self.wordpress_sitemap()
        yield from self.teaser_requests(response, None, "front page")
        yield from self.section_requests(response)
        yield from self.tree_entries(response)
        yield from self.page_requisites(response)

    def parse_back_issues(self, response: Response) -> Iterator[scrapy.Request]:
        """The list of back issues, or a page of a date-archive tree: follow each issue (a
        day) in range, each tree link (a year or month) whose days overlap the range, and the
        dated articles listed; page while pages are in range."""
        if not isinstance(response, TextResponse) or response.status != 200:
            return
        dates: list[dt.date] = []
        here = response.meta.get("span")
        here_span = date_span(response.url) if here else None
        found_any, later, added = False, [], 0
        for anchor in response.xpath("//main//a[@href] | //*[@id='content']//a[@href]") or response.xpath("//a[@href]"):
            url = response.urljoin(anchor.xpath("@href").get(""))
            if not same_site(url, self.profile.base_url):
                continue
            path = urlsplit(url).path
            if (self.wordpress and DATE_ARCHIVE_RE.match(path)) or "/page/" in path:
                continue
            text = " ".join(anchor.xpath(".//text()").getall())
            day = self.profile.edition_date(path)
            span = None if day else date_span(url, text)
            if span is not None and span.granularity != "day":
                later.append((url, span))
                continue
            day = day or (span.first if span else None) or date_in_text(text) or date_in_url(path)
            if day is None:
                continue
            if is_dated_article(url) and not self.profile.edition_date(path):
                request = self.article_request(url, day, "archive tree")
                found_any = found_any or request is not None or self.in_range(day)
                if request:
                    added += 1
                    yield request
                continue
            dates.append(day)
            found_any = True
            self.edition_days.add(day)
            self.saw_day(day)
            if self.in_range(day) and day <= self.horizon:
                added += 1
                yield self.request(url, self.parse_listing, "edition", issue_date=day,
                                   source="archive tree" if here else "back issues")
        for url, span in later:
            found_any = found_any or span.overlaps(self.since, self.horizon)
        for url, span in later:
            request = self.tree_request(url, span, here_span, found_any, self.parse_back_issues, self.parse_listing)
            if request:
                yield request
        self.listed_days.update(dates)
        yield from self.page_requisites(response)
        if here or not self.wordpress:
            next_url = self.next_listing_page(response, added)  # a tree page: while it adds stories
        else:
            next_url = next_page(response) if dates and (self.since is None or min(dates) >= self.since) else None
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
        if self.settings.getbool("CRAWL_FETCH_DOCUMENTS") and (day is None or self.in_range(day)):
            for href in response.xpath("//a/@href").getall():
                url = response.urljoin(href)
                if self.profile.is_document(url):
                    yield self.request(url, self.parse_document, "document", issue_date=day)
        if meta["role"] != "date-archive":
            if meta["role"] in ("section", "edition") and not self.wordpress:
                # a day of a tree is paged while its pages list stories; a section while they add new ones
                next_url = self.next_listing_page(response, hits if meta.get("tree") else len(teasers))
                if next_url:
                    yield self.request(next_url, self.parse_listing, meta["role"], **{
                        k: meta[k] for k in ("issue_date", "source", "tree") if k in meta})
            return
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
        if day:
            self.covered.add(day)
        elif month and meta.get("oldest") and meta.get("newest"):
            d = meta["oldest"]
            while d <= meta["newest"]:
                self.covered.add(d)
                d += dt.timedelta(days=1)

    def teaser_requests(self, response: TextResponse, day: dt.date | None, source: str) -> Iterator[scrapy.Request]:
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
            links = [response.urljoin(h) for h in
                     response.xpath("//main//a/@href | //*[@id='content']//a/@href").getall()]
        else:
            # Teasers in markup of their own: the headline links, else every link outside the
            # navigation, dated by the listing (a day of a tree) or later by the page itself.
            for url, near in self.heading_links(response) or self.content_links(response):
                request = self.article_request(url, near or day, source)
                if request:
                    yield request
            return
        for url in links:
            request = self.article_request(url, day, source)
            if request:
                yield request

    # ---- articles and documents ---------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        self.jobstate.settle(meta.get("pending_key"))  # answered (from WARC, too)
        if response.status == 304:
            self.skip("unchanged since the last crawl (304)")
            return
        if response.status != 200:
            self.skip(f"HTTP {response.status}")
            return
        ctype = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
        if ctype and "html" not in ctype and "xml" not in ctype:
            self.skip("not an HTML page")
            return
        yield ArticleItem(
            url=response.url,
            request_url=(meta.get("redirect_urls") or [response.url])[0],
            redirect_urls=list(meta.get("redirect_urls") or []),
            status=response.status,
            headers={k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()},
            body=response.body,
            capture=meta.get("capture"),
            issue_date=meta.get("issue_date"),
            source=meta.get("source"),
            site=self.profile.name,
            revalidate=bool(meta.get("revalidate")),
            deferred=bool(meta.get("deferred")),
        )
        # Documents (court filings). An article page is never parsed in the crawler's process
        # (a tree of a big page costs more than its extraction worker saves): the profile
        # finds the hrefs that may name one in the bytes.
        if self.settings.getbool("CRAWL_FETCH_DOCUMENTS") and isinstance(response, TextResponse):
            for href in self.profile.document_hrefs(response.body):
                url = response.urljoin(replace_entities(href.decode(response.encoding, "replace")).strip())
                if self.profile.is_document(url):
                    yield self.request(url, self.parse_document, "document")

    def parse_document(self, response: Response) -> None:
        """A document (:meth:`SiteProfile.is_document`; a court filing): archived in WARC by the
        capture middleware."""
        self.count("documents" if response.status == 200 else f"skipped/HTTP {response.status}")

    # ---- the end of the crawl -----------------------------------------------------------------
    def on_idle(self, spider: scrapy.Spider) -> None:
        """When every back issue and listing is walked: first the date archives of the days
        no back issue covers, then the sitemap URLs of the days nothing covered."""
        if spider is not self:
            return
        if not self._archives_scheduled and self.wordpress:
            archives = list(self.date_archive_requests())
            for request in archives:
                self.crawler.engine.crawl(request)
            if archives:
                self.logger.info("walking %d date archives for the days no back issue covers", len(archives))
                raise DontCloseSpider
        if not self._undated_done:
            self._undated_done = True
            scheduled = 0
            for key, (url, lastmod) in sorted(self.undated.items()):
                if key in self.requested or key in self.plan.known:
                    continue
                if lastmod is not None and (lastmod in self.covered or (self.until and lastmod > self.until)):
                    self.skip("sitemap URL on a day already covered")
                    continue
                sitemap_request = self.article_request(url, None, "sitemap")
                if sitemap_request:
                    self.crawler.engine.crawl(sitemap_request)
                    scheduled += 1
            if scheduled:
                self.logger.info("fetching %d sitemap URLs no listing covered", scheduled)
                raise DontCloseSpider
        lost = self.jobstate.lost(self.plan.known)
        if lost:
            # asked for before a stop, in requests.seen, but in no queue: past the duplicate filter
            notice("Fetching %d articles the stopped crawl had asked for but not received", len(lost))
            for key, entry in lost:
                request = self.request(entry["url"], self.parse_article, "article", issue_date=entry["issue_date"],
                                       source=entry["source"], pending_key=key)
                self.crawler.engine.crawl(request.replace(dont_filter=True))
            raise DontCloseSpider

    # ---- job state (resume) -------------------------------------------------------------------
    def resume_job(self) -> None:
        """Take over what a stopped crawl of this job saved (``spider.state``, JOBDIR): the
        articles it asked for (not asked again), those still waiting, its undated sitemap URLs.
        Its discovery pages are read again all the same (see crawler.fingerprint)."""
        self.jobstate.bind(getattr(self, "state", None))
        if self.jobstate.resumed:
            notice("Resuming a stopped crawl: %d articles asked for, %d of them not answered yet, "
                   "%d sitemap URLs waiting; robots.txt, feeds, sitemaps and listings are read again",
                   len(self.jobstate.requested), len(self.jobstate.pending), len(self.undated))

    def on_downloaded(self, response: Response, request: scrapy.Request, spider: scrapy.Spider) -> None:
        """An article request got an answer (any status, a redirect too): it is settled."""
        self.jobstate.settle(request.meta.get("pending_key"))

    def on_dropped(self, request: scrapy.Request, spider: scrapy.Spider) -> None:
        """The duplicate filter dropped a request: one of the same URL was made in this job
        (a redirect's target, found again in a listing), so this one is accounted for."""
        self.jobstate.settle(request.meta.get("pending_key"))

    def unaccounted_articles(self) -> int:
        """Article requests of this job (across its stops) that never got an answer."""
        return self.jobstate.unaccounted()

    def on_error(self, failure: Failure) -> None:
        """Count a request that got no response, by reason (robots.txt, too large, network)."""
        request = failure.request  # type: ignore[attr-defined]
        self.jobstate.settle(request.meta.get("pending_key"))
        if getattr(self.crawler, "unreachable", None):
            return  # the crawl is stopping: the site answers nothing (crawler.reachability)
        exc = failure.value
        text = str(exc)
        if isinstance(exc, NotFetched):  # ours: the class says why
            if exc.reason is None:
                return  # counted where it was raised (a Retry-After kept for the next crawl)
            reason = exc.reason
        elif isinstance(exc, IgnoreRequest) and "robots.txt" in text:  # Scrapy's RobotsTxtMiddleware
            reason = "forbidden by robots.txt"
        elif "maxsize" in text.lower() or "max size" in text.lower() or "larger than download" in text.lower():
            reason = "larger than DOWNLOAD_MAXSIZE"
            if request.meta.get("requisite_kind") == "media":
                reason = "audio or video requisite larger than CRAWL_REQUISITE_MAX_BYTES"
        elif isinstance(exc, IgnoreRequest):
            reason = "ignored"
        else:
            reason = type(exc).__name__
        self.skip(reason)
        if not isinstance(exc, NotFetched) and reason != "forbidden by robots.txt":
            self.logger.warning("%s: %s (%s)", request.url, reason, text[:200])


def looks_like_article(path: str, query: str) -> bool:
    """Generic guess, for sites with no profile: does this path name a story?"""
    if query and not re.fullmatch(r"(p|id|story|article)=\d+", query):
        return False
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if not last:
        return False
    if DATE_ARCHIVE_RE.match(path) or DOCUMENT_RE.match(path) or "/page/" in path:
        return False
    return last.count("-") >= 2 or bool(re.search(r"\d{5,}|\.html?$", last))


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


def news_publication_dates(body: bytes) -> dict[str, dt.date]:
    """``{loc: publication date}`` of a Google News sitemap's ``<news:publication_date>``."""
    if b"publication_date" not in body:
        return {}
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(recover=True, resolve_entities=False))
    except (etree.XMLSyntaxError, ValueError):
        return {}
    dates: dict[str, dt.date] = {}
    if root is None:
        return dates
    for url in root.iter("{*}url"):
        loc = (url.findtext("{*}loc") or "").strip()
        day = None
        for el in url.iter("{*}publication_date"):
            day = machine_date(el.text)
        if loc and day:
            dates[loc] = day
    return dates
