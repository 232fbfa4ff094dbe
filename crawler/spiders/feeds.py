"""Discovery by machine-readable lists (:class:`FeedsAndSitemaps`): robots.txt's sitemaps,
sitemaps and sitemap indexes (sitemaps.org protocol; Google News sitemaps' publication
dates), and RSS 2.0 / Atom (RFC 4287) feeds.

A sitemap ``lastmod`` before the range skips what it dates; an archived URL whose
``lastmod`` is newer than the one kept in its crawl state is fetched again, conditionally;
an undated sitemap URL waits in the spider's ``undated`` until every listing is walked.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

import scrapy
from lxml import etree
from scrapy.http import Response
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from archive.urls import match_key, same_site
from crawler.dates import machine_date
from crawler.spiders.scope import ScopedSpider

#: Dates a feed item may carry, in the order they are believed.
FEED_DATE_TAGS = ("{*}pubDate", "{*}published", "{*}date", "{*}updated")


class FeedsAndSitemaps(ScopedSpider):
    """robots.txt, sitemaps and feeds: requests for the articles they date in range."""

    # ---- robots.txt -----------------------------------------------------------------------
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
        """robots.txt fetched by the spider (``ROBOTSTXT_OBEY`` off): its sitemaps."""
        sitemaps = list(sitemap_urls_from_robots(response.body, base_url=response.url)) if response.status == 200 else []
        self._robots_sitemaps = self._robots_sitemaps or bool(sitemaps)
        for url in sitemaps:
            if same_site(url, self.profile.base_url):
                yield self.request(url, self.parse_sitemap, "sitemap")

    # ---- sitemaps (sitemaps.org) -------------------------------------------------------------
    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        """A sitemap index (its sitemaps not wholly before the range) or a URL set."""
        if response.status != 200:
            return
        body = self.sitemap_body(response)
        if body is None:
            return
        try:
            sitemap = Sitemap(body)
        except Exception as exc:  # noqa: BLE001 - lxml raises several kinds on junk
            self.logger.warning("sitemap %s: not XML: %s", response.url, exc)
            self.skip("broken sitemap")
            return
        news_dates = news_publication_dates(body)
        if sitemap.type == "sitemapindex":
            yield from self.sitemap_index(sitemap)
            return
        for entry in sitemap:
            yield from self.sitemap_entry(entry, news_dates)

    def sitemap_body(self, response: Response) -> bytes | None:
        """The sitemap's XML, gunzipped (within ``DOWNLOAD_MAXSIZE``); None when it cannot be
        (counted as a broken sitemap)."""
        body = response.body
        if gzip_magic_number(response):
            try:
                body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
            except Exception as exc:  # noqa: BLE001 - a broken sitemap is counted, not fatal
                self.logger.warning("sitemap %s: cannot decompress: %s", response.url, exc)
                self.skip("broken sitemap")
                return None
        return body

    def sitemap_index(self, sitemap: Sitemap) -> Iterator[scrapy.Request]:
        """The same-site sitemaps of an index, but those wholly before the range and
        WordPress's users and taxonomies."""
        for entry in sitemap:
            loc, lastmod = entry.get("loc", ""), machine_date(entry.get("lastmod"))
            if re.search(r"wp-sitemap-(users|taxonomies)", loc):
                continue
            if lastmod and self.since and lastmod < self.since:
                self.skip("sitemap older than the range")
                continue
            if same_site(loc, self.profile.base_url):
                yield self.request(loc, self.parse_sitemap, "sitemap")

    def sitemap_entry(self, entry: dict[str, Any], news_dates: dict[str, dt.date]) -> Iterator[scrapy.Request]:
        """One ``<url>``: an article request when a news sitemap dates it; else its
        ``lastmod`` noted, an archived URL revalidated when that is newer, a new one kept
        for the end of the crawl (``undated``)."""
        loc = entry.get("loc", "")
        if loc in news_dates:
            request = self.article_request(loc, news_dates[loc], "news-sitemap")
            if request:
                yield request
            return
        raw_lastmod = (entry.get("lastmod") or "").strip()
        lastmod = machine_date(raw_lastmod)
        if lastmod and self.since and lastmod < self.since:
            self.skip("sitemap lastmod before the range")
            return
        key = match_key(loc)
        if key in self.plan.known and raw_lastmod:
            before = (self.url_states.url_state(loc) or {}).get("lastmod")
            self.url_states.note_url_state(loc, lastmod=raw_lastmod)
            if before and raw_lastmod > before:
                request = self.revalidate(loc, "newer sitemap lastmod")
                if request:
                    yield request
            return
        if raw_lastmod:
            self.url_states.note_url_state(loc, lastmod=raw_lastmod)
        self.undated.setdefault(key, (loc, lastmod))

    # ---- feeds (RSS 2.0, Atom RFC 4287) -------------------------------------------------
    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        """Each item's (entry's) link, dated by the item."""
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
            request = self.article_request(response.urljoin(feed_item_link(item).strip()), feed_item_day(item), "feed")
            if request:
                yield request


def feed_item_link(item: Any) -> str:
    """An RSS item's ``<link>`` text, or an Atom entry's alternate ``<link href>``."""
    link = item.findtext("{*}link") or ""
    if not link.strip():
        for el in item.iter("{*}link"):
            if el.get("rel", "alternate") == "alternate" and el.get("href"):
                return str(el.get("href", ""))
    return link


def feed_item_day(item: Any) -> dt.date | None:
    """The first date an item carries (:data:`FEED_DATE_TAGS`), or None."""
    for tag in FEED_DATE_TAGS:
        day = machine_date(item.findtext(tag))
        if day:
            return day
    return None


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
