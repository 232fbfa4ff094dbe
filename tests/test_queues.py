"""The JOBDIR disk queue: what it writes is what Scrapy writes, and it reads back."""
from __future__ import annotations

import scrapy
from scrapy.http import FormRequest
from scrapy.utils.request import request_from_dict

from crawler.queues import CallbackNames, request_to_dict


class _Spider(scrapy.Spider):
    name = "queue-test"

    reads = 0

    @property
    def costly(self) -> int:  # Scrapy's own lookup reads every property, twice per request
        type(self).reads += 1
        return 0

    def parse_page(self, response):  # pragma: no cover - only its name matters
        return None

    def failed(self, failure):  # pragma: no cover
        return None


def test_same_dict_as_scrapy_and_round_trip():
    spider = _Spider()
    names = CallbackNames()
    request = scrapy.Request("https://example.com/a/?x=1", callback=spider.parse_page, errback=spider.failed,
                             meta={"kind": "article"}, priority=20, headers={"If-None-Match": '"e"'})
    ours = request_to_dict(request, spider, names)
    assert ours["callback"] == "parse_page" and ours["errback"] == "failed"
    back = request_from_dict(ours, spider=spider)
    assert back.url == request.url and back.meta == {"kind": "article"} and back.priority == 20
    assert back.callback.__func__ is _Spider.parse_page and back.errback.__func__ is _Spider.failed
    assert back.headers.get("If-None-Match") == b'"e"'


def test_matches_scrapy_to_dict_without_properties():
    spider = _Spider()
    request = FormRequest("https://example.com/f", formdata={"a": "1"}, callback=spider.parse_page)
    assert request_to_dict(request, spider, CallbackNames()) == request.to_dict(spider=spider)


def test_name_is_looked_up_once_per_function():
    spider = _Spider()
    names = CallbackNames()
    _Spider.reads = 0
    for n in range(100):
        request = scrapy.Request(f"https://example.com/{n}", callback=spider.parse_page, errback=spider.failed)
        assert request_to_dict(request, spider, names)["callback"] == "parse_page"
    assert _Spider.reads == 2  # one lookup for each of the two functions, not 200
    assert names.name(spider, None) is None and names.name(spider, "parse_page") == "parse_page"


def test_not_a_method_raises_like_scrapy():
    import pytest
    with pytest.raises(ValueError):
        CallbackNames().name(_Spider(), lambda response: None)
