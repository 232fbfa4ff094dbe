"""Site profiles (crawler/profiles/): the registry, and each hook where it fires and where it
must not; then that the spider asks the hooks rather than knowing the site itself."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.profiles import (PROFILES, ProfileError, SiteProfile, base_url_of, courthousenews, generic, resolve,
                              upload_hrefs, wordpress)
from crawler.session import CrawlPlan

CHN = "https://www.courthousenews.com"


def page(url: str, body: str) -> HtmlResponse:
    return HtmlResponse(url, body=body.encode(), encoding="utf-8", request=Request(url, meta={"role": "home"}))


# ---- the registry ------------------------------------------------------------------------------
def test_registry_names_one_module_per_built_in_site() -> None:
    assert sorted(PROFILES) == ["courthousenews", "wordpress"]
    assert {f.__module__ for f in (courthousenews, wordpress, generic)} == {
        "crawler.profiles.courthousenews", "crawler.profiles.wordpress", "crawler.profiles.generic"}


def test_resolve_names_and_urls() -> None:
    chn = resolve("courthousenews")
    assert (chn.name, chn.base_url, chn.wordpress, chn.back_issues_path) == ("courthousenews", CHN, True, "/back-issues/")
    assert resolve("courthousenews", "http://127.0.0.1:8765/").base_url == "http://127.0.0.1:8765"
    wp = resolve("wordpress", "https://news.example.org")
    assert (wp.name, wp.wordpress, wp.feed_paths, wp.back_issues_path) == ("wordpress", True, ["/feed/"], None)
    site = resolve("https://news.example.org/")
    assert (site.name, site.wordpress, site.seeds, site.feed_paths) == ("generic", False, [], [])
    section = resolve("https://news.example.org/politics/")
    assert section.base_url == "https://news.example.org" and section.seeds == ["https://news.example.org/politics/"]


@pytest.mark.parametrize("site, base_url, says", [
    ("wordpress", None, "the wordpress profile needs --base-url"),
    ("courthousenews", "  ", "--base-url is empty"),
    ("nosuchsite", None, "unknown site 'nosuchsite': use a profile name (courthousenews, wordpress)"),
    ("ftp://news.example.org/", None, "unknown site"),
    ("https://exa mple.org/", None, "not an http(s) URL"),
    ("http://news.example.org:99999/", None, "not a usable URL"),
])
def test_resolve_refuses(site: str, base_url: str | None, says: str) -> None:
    with pytest.raises(ProfileError, match=re.escape(says)):
        resolve(site, base_url)


def test_base_url_of_takes_the_root() -> None:
    assert base_url_of("news.example.org/a/b?c=1") == "https://news.example.org"
    assert base_url_of("HTTP://News.Example.org:8080/x") == "http://news.example.org:8080"


# ---- edition_date --------------------------------------------------------------------------------
def test_edition_date_reads_courthouse_news_editions_only() -> None:
    chn = courthousenews()
    assert chn.edition_date("/top-8-today-3-4-2024/") == dt.date(2024, 3, 4)
    assert chn.edition_date("/top-eight-today-12-31-2021") == dt.date(2021, 12, 31)
    assert chn.edition_date("/top-8-today-2-30-2024/") is None  # no such day
    assert chn.edition_date("/top-8-today-3-4-2024/extra/") is None
    assert chn.edition_date("/judge-blocks-rule/") is None
    assert wordpress("https://news.example.org").edition_date("/top-8-today-3-4-2024/") is None


# ---- is_article_path ----------------------------------------------------------------------------
def test_is_article_path_knows_what_is_not_an_article() -> None:
    chn, site = courthousenews(), generic("https://news.example.org")
    for profile in (chn, site):
        assert profile.is_article_path("/", "p=123") is True  # a WordPress shortlink
        assert profile.is_article_path("/2024/03/04/") is False
        assert profile.is_article_path("/2024/03/page/2/") is False
        assert profile.is_article_path("/wp-content/uploads/2024/03/complaint.pdf") is False
        for reserved in ("/category/courts/", "/tag/x/", "/feed/", "/back-issues/", "/amp/"):
            assert profile.is_article_path(reserved) is False, reserved
    assert chn.is_article_path("/top-8-today-3-4-2024/") is False


def test_is_article_path_decides_by_layout_only_when_the_profile_knows_it() -> None:
    chn = courthousenews()
    assert chn.is_article_path("/judge-blocks-rule/") is True
    assert chn.is_article_path("/news/judge-blocks-rule/") is False  # articles are root-level slugs
    assert chn.is_article_path("/?s=court", "s=court") is False
    site = generic("https://news.example.org")
    assert site.is_article_path("/news/judge-blocks-rule/") is None  # the page's own evidence decides
    assert wordpress("https://news.example.org").is_article_path("/judge-blocks-rule/") is None


# ---- header_date ----------------------------------------------------------------------------------
TOP_BAR = '<div class="top-bar">Monday, March 4, 2024 | <a href="/back-issues/">Back issues</a></div>'


@pytest.mark.parametrize("profile", [courthousenews(), generic("https://news.example.org")])
def test_header_date_reads_the_date_beside_the_archive_link(profile: SiteProfile) -> None:
    home = page(profile.url("/"), f"<html><body><header>{TOP_BAR}</header></body></html>")
    assert profile.header_date(home) == dt.date(2024, 3, 4)
    later = (f'<p>Sunday, March 3, 2024 | <a href="/about/">About us</a></p>{TOP_BAR}'
             '<p>Tuesday, March 5, 2024 | <a href="/archive/">Archives</a></p>')
    assert profile.header_date(page(profile.url("/"), later)) == dt.date(2024, 3, 4)  # the first archive link with one


@pytest.mark.parametrize("body", [
    '<a href="/back-issues/">Back issues</a>',                                   # no date beside it
    '<p>Monday, March 4, 2024</p><p><a href="/back-issues/">Back issues</a></p>',  # not beside it
    '<p>Monday, March 4, 2024 | <a href="/about/">About us</a></p>',             # not an archive link
    '<a href="/back-issues/">Back issues of Monday, March 4, 2024</a>',          # inside the link: a listing
])
def test_header_date_does_not_fire(body: str) -> None:
    profile = courthousenews()
    assert profile.header_date(page(profile.url("/"), f"<html><body>{body}</body></html>")) is None


# ---- documents -------------------------------------------------------------------------------------
def test_is_document_takes_this_sites_media_library_pdfs() -> None:
    chn = courthousenews()
    assert chn.is_document(CHN + "/wp-content/uploads/2024/03/complaint.pdf")
    assert chn.is_document(CHN + "/wp-content/uploads/2024/03/ruling.PDF")
    assert chn.is_document(CHN + "/wp-content/uploads/2024/03/order.pdf?v=1")


@pytest.mark.parametrize("url", [
    "https://elsewhere.example/wp-content/uploads/2024/03/offsite.pdf",  # another site
    CHN + "/wp-content/uploads/2024/03/photo.jpg",                      # not a PDF
    CHN + "/files/complaint.pdf",                                        # not in the media library
    CHN + "/wp-content/uploads/complaint.pdf",                           # no year/month folder
    CHN + "/complaint-pdf/",                                             # an article about one
])
def test_is_document_does_not_fire(url: str) -> None:
    assert not courthousenews().is_document(url)


def test_document_hrefs_are_upload_hrefs_in_the_bytes() -> None:
    body = (b'<a href="/wp-content/uploads/2024/03/a.pdf">a</a><img src="/wp-content/uploads/2024/03/b.jpg">'
            b'<a href="/about/">about</a>')
    assert courthousenews().document_hrefs(body) == upload_hrefs(body) == [b"/wp-content/uploads/2024/03/a.pdf"]
    assert courthousenews().document_hrefs(b"<p>no uploads here</p>") == []


# ---- the spider asks the hooks -----------------------------------------------------------------------
@dataclasses.dataclass
class FilesSite(SiteProfile):
    """A made-up site whose documents live under /files/ and whose header says "Today: ..."."""

    def header_date(self, response: HtmlResponse) -> dt.date | None:
        text = response.xpath("//p[@id='today']/text()").get("")
        return dt.date.fromisoformat(text[-10:]) if text.startswith("Today: ") else None

    def is_document(self, url: str) -> bool:
        return url.startswith(self.base_url + "/files/") and url.endswith(".pdf")


def _spider(tmp_path: Path, profile: SiteProfile):
    import crawler.settings as defaults
    from crawler.spiders.backissues import BackIssuesSpider

    settings = {name: getattr(defaults, name) for name in dir(defaults) if name.isupper()}
    settings.update(ARCHIVE_DATA_DIR=str(tmp_path / "data"), ARCHIVE_EXTRACT_WORKERS=0, CRAWL_PAGE_REQUISITES="none")
    spider = get_crawler(BackIssuesSpider, settings)._create_spider(site=profile.base_url + "/")
    spider.profile = profile
    return spider


def test_spider_takes_the_sites_today_from_the_profile(tmp_path: Path) -> None:
    site = FilesSite(name="files", base_url="https://files.example.org")
    spider = _spider(tmp_path, site)
    list(spider.parse_home(page(site.url("/"), f'<p id="today">Today: 2024-03-09</p>{TOP_BAR}')))
    assert spider.site_today == dt.date(2024, 3, 9)  # the profile's rule, not the top bar's
    spider = _spider(tmp_path, site)
    list(spider.parse_home(page(site.url("/"), TOP_BAR)))
    assert spider.site_today is None


def test_spider_fetches_the_documents_the_profile_names(tmp_path: Path) -> None:
    site = FilesSite(name="files", base_url="https://files.example.org")
    spider = _spider(tmp_path, site)
    url = site.url("/2024/03/04/")
    body = ('<main><a href="/files/ruling.pdf">Ruling</a>'
            '<a href="/wp-content/uploads/2024/03/complaint.pdf">Complaint</a></main>')
    listing = HtmlResponse(url, body=body.encode(), encoding="utf-8",
                           request=Request(url, meta={"role": "edition", "issue_date": dt.date(2024, 3, 4)}))
    documents = [r.url for r in spider.parse_listing(listing) if r.meta.get("role") == "document"]
    assert documents == [site.url("/files/ruling.pdf")]


# ---- no site's paths in the production lists: the mock site's traps stay out by generic rules ----
def _fetch(url: str, role: str, **meta) -> HtmlResponse:
    import urllib.request

    with urllib.request.urlopen(url) as resp:
        body = resp.read()
    return HtmlResponse(url, body=body, encoding="utf-8", request=Request(url, meta={"role": role, **meta}))


def test_footer_traps_are_not_followed_by_any_rule(tmp_path: Path) -> None:
    """The mock site's footer links its 8 MB /big-page/ and the robots-disallowed
    /private/staff/ from every page. Neither path is in WORDPRESS_RESERVED: a root-level slug
    is an article path on Courthouse News, yet no page's rule reads links from the footer
    (teasers, the main content, the navigation's sections, dated links, documents), so
    nothing asks for them. (/private/ is also refused by robots.txt: tests/test_crawl.py.)"""
    from tests.mocksite import MockSite

    with MockSite() as site:
        for profile in (courthousenews(site.url), generic(site.url)):
            assert profile.is_article_path("/big-page/") is (True if profile.name == "courthousenews" else None)
            spider = _spider(tmp_path, profile)
            spider.plan = CrawlPlan(since=dt.date(2024, 3, 1), until=dt.date(2024, 3, 31))
            requests = [*spider.parse_home(_fetch(site.url + "/", "home")),
                        *spider.parse_back_issues(_fetch(site.url + "/back-issues/", "back-issues")),
                        *spider.parse_listing(_fetch(site.url + "/top-8-today-3-4-2024/", "edition",
                                                     issue_date=dt.date(2024, 3, 4))),
                        *spider.parse_listing(_fetch(site.url + "/2024/03/04/", "date-archive",
                                                     issue_date=dt.date(2024, 3, 4)))]
            paths = {urlsplit(r.url).path for r in requests}
            assert any(r.meta.get("role") == "article" for r in requests), profile.name
            assert "/big-page/" not in paths and not [p for p in paths if p.startswith("/private/")], profile.name
