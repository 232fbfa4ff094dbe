"""A redirect to the same page by the duplicate rule (``/story`` -> ``/story/``) is followed,
not dropped as a duplicate of itself (crawler.redirects); one to another page is filtered."""
from __future__ import annotations

from scrapy import Request
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawler.redirects import SameKeyRedirectMiddleware, continues_fetch
from crawler.fingerprint import CanonicalRequestFingerprinter


def redirect(source: str, location: str, status: int = 301) -> Request | Response:
    crawler = get_crawler(settings_dict={"REDIRECT_ENABLED": True})
    middleware = SameKeyRedirectMiddleware.from_crawler(crawler)
    request = Request(source, meta={"role": "article"})
    return middleware.process_response(request, Response(source, status=status, headers={"Location": location}))


def test_a_301_to_the_slashed_url_passes_the_duplicate_filter():
    result = redirect("https://news.example/2024/03/04/story", "https://news.example/2024/03/04/story/")
    assert isinstance(result, Request)
    assert result.url == "https://news.example/2024/03/04/story/"
    assert result.dont_filter
    assert result.meta["redirect_urls"] == ["https://news.example/2024/03/04/story"]
    # the reason: both spellings share one fingerprint, which the filter saw on the source
    fingerprinter = CanonicalRequestFingerprinter()
    assert fingerprinter.fingerprint(result) == fingerprinter.fingerprint(Request("https://news.example/2024/03/04/story"))


def test_the_same_page_by_match_key_with_tracking_or_as_amp_is_followed_too():
    for source, target in [("https://news.example/story/?utm_source=rss", "https://news.example/story/"),
                           ("https://news.example/story/", "https://news.example/story"),
                           ("https://news.example/story/amp/", "https://news.example/story/")]:
        result = redirect(source, target, status=302)
        assert isinstance(result, Request) and result.dont_filter, (source, target)


def test_a_redirect_to_another_page_is_still_filtered():
    for source in ("https://news.example/?p=1172031", "http://news.example/2024/03/04/story/"):
        result = redirect(source, "https://news.example/2024/03/04/story/")
        assert isinstance(result, Request)
        assert not result.dont_filter, source  # a shortlink to an article met already is dropped (case B09)


def test_continues_fetch_compares_method_and_match_key():
    get = Request("https://news.example/a")
    assert continues_fetch(get, Request("https://news.example/a/"))
    assert not continues_fetch(get, Request("https://news.example/b/"))
    assert not continues_fetch(get, Request("https://news.example/a/", method="HEAD"))


def test_the_mock_crawl_follows_every_slashless_link_to_its_article(mock_crawl):
    """The mock site writes some article links without the trailing slash (a 301 to the slashed
    URL): each such redirect the crawl met is followed by a fetch of its target."""
    log = mock_crawl["log"]
    fetched = {entry["path"] for entry in log}  # any answer (a withdrawn story's is a 410)
    slashless = [entry["path"] for entry in log if entry["status"] == 301 and not entry["path"].endswith("/")
                 and not entry["path"].startswith("/?") and "." not in entry["path"].rsplit("/", 1)[-1]]
    assert slashless, "the crawl met no slashless article link: nothing checked"
    assert [path for path in slashless if path + "/" not in fetched] == []
