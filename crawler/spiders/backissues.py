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
middleware and the pipelines do). It works to the :class:`~crawler.session.CrawlPlan` its
crawl session hands it.

The spider is put together from its parts: :mod:`crawler.spiders.scope` (state, plan,
article scope, article pages, failures), :mod:`crawler.spiders.editions` (front page, back
issues, editions, date archives), :mod:`crawler.spiders.feeds` (robots.txt, sitemaps,
feeds), :mod:`crawler.spiders.pagerequisites` and :mod:`crawler.spiders.listings`.
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider

from archive.urls import match_key
from crawler.requisites import RequisitePlan
from crawler.session import notice
from crawler.signals import request_handed_over
from crawler.spiders.editions import EditionWalker, iter_teasers
from crawler.spiders.listings import next_page
from crawler.spiders.roles import PRIORITY
from crawler.spiders.scope import looks_like_article, parse_day


class BackIssuesSpider(EditionWalker):
    """Archive a news site's back issues between ``since`` and ``until`` (inclusive).

    Spider arguments (``scrapy crawl backissues -a site=... -a since=...``):
        site: a profile name (``courthousenews``, ``wordpress``) or a start URL.
        base_url: the site's root, overriding the profile's (needed for ``wordpress``).
        since, until: the publication-date range, ``YYYY-MM-DD``; either may be left out.
    """

    name = "backissues"

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> BackIssuesSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.on_robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(spider.on_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(spider.on_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider.on_dropped, signal=request_handed_over)
        settings = crawler.settings
        caps = [n for n in (settings.getint("DOWNLOAD_MAXSIZE"), settings.getint("CRAWL_REQUISITE_MAX_BYTES")) if n > 0]
        spider.requisite_plan = RequisitePlan(settings.get("CRAWL_PAGE_REQUISITES") or "same-site",
                                              spider.profile.base_url, min(caps) if caps else 0,
                                              settings.getint("CRAWL_REQUISITE_DEAD_FOLDER_404S"))
        return spider

    # ---- seeds ------------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        self.take_plan()
        self.resume_job()
        for request in self.seed_requests():
            yield request

    def seed_requests(self) -> Iterator[scrapy.Request]:
        """robots.txt, the front page, the deferred pages, what a killed crawl left, the
        list of back issues, feeds and the profile's seeds."""
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

    # ---- the end of the crawl -----------------------------------------------------------------
    def on_idle(self, spider: scrapy.Spider) -> None:
        """When every back issue and listing is walked: first the date archives of the days
        no back issue covers, then the sitemap URLs of the days nothing covered, then the
        articles a stopped crawl asked for and never got.

        Raises:
            DontCloseSpider: one of these phases queued requests.
        """
        if spider is not self:
            return
        if self.walk_date_archives() or self.fetch_undated() or self.fetch_lost():
            raise DontCloseSpider

    def walk_date_archives(self) -> bool:
        """Queue a WordPress site's date archives (:meth:`date_archive_requests`), once; whether any."""
        if self._archives_scheduled or not self.wordpress:
            return False
        archives = list(self.date_archive_requests())
        for request in archives:
            self.crawler.engine.crawl(request)
        if archives:
            self.logger.info("walking %d date archives for the days no back issue covers", len(archives))
        return bool(archives)

    def fetch_undated(self) -> bool:
        """Queue the sitemap URLs known only by ``lastmod`` whose day nothing covered, once;
        whether any."""
        if self._undated_done:
            return False
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
        return bool(scheduled)

    def fetch_lost(self) -> bool:
        """Queue again the articles a stopped crawl asked for and never got (in
        requests.seen, in no queue: past the duplicate filter); whether any."""
        lost = self.jobstate.lost(self.plan.known)
        if not lost:
            return False
        notice("Fetching %d articles the stopped crawl had asked for but not received", len(lost))
        for key, entry in lost:
            request = self.request(entry["url"], self.parse_article, "article", issue_date=entry["issue_date"],
                                   source=entry["source"], pending_key=key)
            self.crawler.engine.crawl(request.replace(dont_filter=True))
        return True


__all__ = ["PRIORITY", "BackIssuesSpider", "iter_teasers", "looks_like_article", "next_page", "parse_day"]
