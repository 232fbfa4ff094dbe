"""Archive discovery rules for sites of any layout (crawler.discovery), politeness helpers."""
from __future__ import annotations

import datetime as dt

import pytest
from scrapy import Request
from scrapy.http import Response

from crawler.discovery import date_span, has_sort_params, is_dated_article, is_next_page, is_sort_twin, page_number
from crawler.politeness import SelfRedirectMiddleware

D = dt.date


@pytest.mark.parametrize("url, text, granularity, first, last", [
    ("https://n.example/archive/2025/", "", "year", D(2025, 1, 1), D(2025, 12, 31)),
    ("https://n.example/archive/2025/09/", "", "month", D(2025, 9, 1), D(2025, 9, 30)),
    ("https://n.example/2024/02/", "", "month", D(2024, 2, 1), D(2024, 2, 29)),
    ("https://n.example/archive/2025/09/07", "", "day", D(2025, 9, 7), D(2025, 9, 7)),
    ("https://n.example/archives/2025-09/", "", "month", D(2025, 9, 1), D(2025, 9, 30)),
    ("https://n.example/browse?date=2025-09-07", "", "day", D(2025, 9, 7), D(2025, 9, 7)),
    ("https://n.example/archive?year=2025&month=9", "", "month", D(2025, 9, 1), D(2025, 9, 30)),
    ("https://n.example/archive/2025/09/07/?page=3", "", "day", D(2025, 9, 7), D(2025, 9, 7)),
    ("https://n.example/archive/2024/03/page/2/", "", "month", D(2024, 3, 1), D(2024, 3, 31)),
    ("https://n.example/archive/", "September 2025", "month", D(2025, 9, 1), D(2025, 9, 30)),
    ("https://n.example/archive/", "Sept. 7, 2025", "day", D(2025, 9, 7), D(2025, 9, 7)),
    ("https://n.example/archive/", "7 September 2025", "day", D(2025, 9, 7), D(2025, 9, 7)),
    ("https://n.example/archive/", "2025", "year", D(2025, 1, 1), D(2025, 12, 31)),
])
def test_date_archive_links_of_any_pattern(url, text, granularity, first, last):
    span = date_span(url, text)
    assert span is not None and (span.granularity, span.first, span.last) == (granularity, first, last)


@pytest.mark.parametrize("url", [
    "https://n.example/2025/09/07/council-passes-budget/",
    "https://n.example/news/politics/2025/09/07/council-passes-budget.html",
    "https://n.example/2026/story-one/",
])
def test_a_date_followed_by_a_slug_is_an_article_not_a_tree_page(url):
    assert date_span(url) is None
    assert is_dated_article(url)


@pytest.mark.parametrize("url", ["https://n.example/top-8-today-3-4-2024/", "https://n.example/news/politics/",
                                 "https://n.example/archive/", "https://n.example/2025/13/", "https://n.example/1234/"])
def test_no_date_archive(url):
    assert date_span(url) is None


def test_a_span_overlaps_a_range_or_not():
    span = date_span("https://n.example/archive/2024/03/")
    assert span.overlaps(D(2024, 3, 31), D(2024, 4, 30))
    assert span.overlaps(None, None)
    assert not span.overlaps(D(2024, 4, 1), None)
    assert not span.overlaps(None, D(2024, 2, 29))


def test_pagination_in_its_usual_spellings():
    assert page_number("https://n.example/news/x/?page=3")[1] == 3
    assert page_number("https://n.example/2024/03/page/4/")[1] == 4
    assert page_number("https://n.example/news/x/") is None
    assert is_next_page("https://n.example/news/x/", "https://n.example/news/x/?page=2")
    assert is_next_page("https://n.example/news/x/?page=2", "https://n.example/news/x/?page=3")
    assert is_next_page("https://n.example/2024/03/", "https://n.example/2024/03/page/2/")
    assert not is_next_page("https://n.example/news/x/?page=3", "https://n.example/news/x/?page=2")
    assert not is_next_page("https://n.example/news/x/", "https://n.example/news/y/?page=2")


def test_sort_twins_are_recognised():
    assert is_sort_twin("https://n.example/news/x/", "https://n.example/news/x/?sort=oldest")
    assert is_sort_twin("https://n.example/news/x/?page=2", "https://n.example/news/x/?order=asc&page=1")
    assert not is_sort_twin("https://n.example/news/x/", "https://n.example/news/x/?page=2")
    assert not is_sort_twin("https://n.example/news/x/", "https://n.example/news/y/?sort=oldest")
    assert has_sort_params("https://n.example/news/x/?sort=oldest") and not has_sort_params("https://n.example/?p=1")


def test_a_redirect_to_itself_is_asked_again_once_with_its_cookie():
    middleware = SelfRedirectMiddleware()
    request = Request("https://n.example/story/")
    bounce = Response("https://n.example/story/", status=302, request=request,
                      headers={"Location": "/story/", "Set-Cookie": "consent=1; Path=/; HttpOnly"})
    again = middleware.process_response(request, bounce)
    assert isinstance(again, Request) and again.dont_filter and again.headers[b"Cookie"] == b"consent=1"
    second = Response("https://n.example/story/", status=302, request=again, headers={"Location": "/story/"})
    assert middleware.process_response(again, second) is second  # once, not forever
    elsewhere = Response("https://n.example/story/", status=302, request=request, headers={"Location": "/other/"})
    assert middleware.process_response(request, elsewhere) is elsewhere


def test_a_dated_article_url_names_its_day():
    from crawler.discovery import article_day

    assert article_day("https://n.example/news/x/2024/03/04/story.html") == D(2024, 3, 4)
    assert article_day("https://n.example/2026/story-one/") is None  # a year names no day
    assert article_day("https://n.example/2024/03/04/") is None  # a day archive, not a story


def test_the_date_beside_a_headline_link_dates_it():
    from scrapy.http import HtmlResponse

    from crawler.spiders.listings import dated_links

    body = b"""<html><body><div class="card"><h3><a href="/a.html">A</a></h3><span>March 4, 2024</span></div>
      <div class="card"><h3><a href="/b.html">B</a></h3><time datetime="2024-03-05T10:00:00Z">Tue</time></div>
      <div class="card"><h3><a href="/news/2024/03/06/c.html">C</a></h3></div></body></html>"""
    response = HtmlResponse("https://n.example/news/", body=body)
    assert dated_links(response, response.xpath("//h3/a")) == [
        ("https://n.example/a.html", D(2024, 3, 4)), ("https://n.example/b.html", D(2024, 3, 5)),
        ("https://n.example/news/2024/03/06/c.html", D(2024, 3, 6))]
