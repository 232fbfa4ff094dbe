"""The spider's core: its state, the crawl plan it works to, the scope of an article link,
and the article and document pages (:class:`ScopedSpider`).

:class:`~crawler.spiders.backissues.BackIssuesSpider` is this plus its discovery parts
(:mod:`crawler.spiders.editions`, :mod:`crawler.spiders.feeds`) and page requisites
(:mod:`crawler.spiders.pagerequisites`); a request's failure is sorted by
:mod:`crawler.spiders.failures`.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure
from w3lib.html import replace_entities

from archive.urls import match_key, same_site, without_tracking
from crawler.discovery import article_day, is_dated_article
from crawler.indexbuffer import IndexBuffer
from crawler.items import ArticleItem
from crawler.jobstate import JobState
from crawler.profiles import DATE_ARCHIVE_RE, DOCUMENT_RE, SiteProfile, resolve
from crawler.requisites import RequisitePlan
from crawler.session import CrawlPlan, crawl_session, notice
from crawler.spiders.failures import failure_reason
from crawler.spiders.listings import ListingWalker
from crawler.spiders.roles import PRIORITY

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


class ScopedSpider(ListingWalker, scrapy.Spider):
    """The state and scope rules every part of the spider shares.

    Args:
        site: a profile name (``courthousenews``, ``wordpress``) or a start URL.
        base_url: the site's root, overriding the profile's (needed for ``wordpress``).
        since, until: the publication-date range, ``YYYY-MM-DD``; either may be left out.

    Raises:
        ValueError: a date that is not ``YYYY-MM-DD``, or ``since`` after ``until``.
    """

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
        #: the site's own "today", read from its page header (the profile's header_date)
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

    def saw_day(self, day: dt.date | None) -> None:
        """Remember the newest in-range day listed, for the next crawl's horizon."""
        if day is not None and self.in_range(day) and day <= self.horizon:
            self.plan.saw_day(day)

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

    def article_request(self, url: str, day: dt.date | None, source: str) -> scrapy.Request | None:
        """A request for an article link, or None when it is out of scope (counted)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not same_site(url, self.profile.base_url):
            return None
        if not self.may_be_article(url, source):
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

    def may_be_article(self, url: str, source: str) -> bool:
        """Whether a same-site link may name an article: the profile says so, or (it does not
        know) the URL's shape or, on a site of unknown layout, its place on the page."""
        parts = urlsplit(url)
        verdict = self.profile.is_article_path(parts.path, parts.query)
        if verdict is False:
            return False
        if verdict is None and not looks_like_article(parts.path, parts.query) and not is_dated_article(url):
            # On a site of unknown layout the page's own evidence decides, once fetched;
            # the URL's shape only decides what comes first.
            if self.wordpress or not self.is_candidate(parts.path, parts.query):
                if source in ("sitemap", "news-sitemap", "feed"):
                    self.skip("feed or sitemap entry that names no page")
                return False
        return True

    def revalidate(self, url: str, why: str) -> scrapy.Request | None:
        """Fetch an archived article again, conditionally: a 304 if it did not change."""
        key = match_key(url)
        if key in self.requested:
            return None
        self.jobstate.add(key, url, None, why)
        self.count(f"revalidated/{why}")
        return self.request(url, self.parse_article, "article", revalidate=True, source=why, pending_key=key)

    # ---- articles and documents ---------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[Any]:
        """An article page: an :class:`~crawler.items.ArticleItem` for the pipelines, and
        requests for the documents it links (``CRAWL_FETCH_DOCUMENTS``)."""
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
        yield from self.article_documents(response)

    def article_documents(self, response: Response) -> Iterator[scrapy.Request]:
        """Documents (court filings) an article links. An article page is never parsed in the
        crawler's process (a tree of a big page costs more than its extraction worker saves):
        the profile finds the hrefs that may name one in the bytes."""
        if self.settings.getbool("CRAWL_FETCH_DOCUMENTS") and isinstance(response, TextResponse):
            for href in self.profile.document_hrefs(response.body):
                url = response.urljoin(replace_entities(href.decode(response.encoding, "replace")).strip())
                if self.profile.is_document(url):
                    yield self.request(url, self.parse_document, "document")

    def parse_document(self, response: Response) -> None:
        """A document (:meth:`SiteProfile.is_document`; a court filing): archived in WARC by the
        capture middleware."""
        self.count("documents" if response.status == 200 else f"skipped/HTTP {response.status}")

    # ---- answers, failures and the job state (resume) -------------------------------------------
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
        """The duplicate filter dropped a request (one of the same URL was made in this job: a
        redirect's target, found again in a listing), or the request went to the workers of a
        distributed crawl (:data:`crawler.signals.request_handed_over`): either way this one
        is accounted for."""
        self.jobstate.settle(request.meta.get("pending_key"))

    def unaccounted_articles(self) -> int:
        """Article requests of this job (across its stops) that never got an answer."""
        return self.jobstate.unaccounted()

    def on_error(self, failure: Failure) -> None:
        """Count a request that got no response, by reason (:func:`failure_reason`)."""
        request = failure.request  # type: ignore[attr-defined]
        self.jobstate.settle(request.meta.get("pending_key"))
        if getattr(self.crawler, "unreachable", None):
            return  # the crawl is stopping: the site answers nothing (crawler.reachability)
        sorted_out = failure_reason(failure.value, request.meta.get("requisite_kind"))
        if sorted_out is None:
            return  # counted where it was raised (a Retry-After kept for the next crawl)
        reason, warn = sorted_out
        self.skip(reason)
        if warn:
            self.logger.warning("%s: %s (%s)", request.url, reason, str(failure.value)[:200])
