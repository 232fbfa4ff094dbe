"""The check Scrapy would run on every response, run once per callback here.

crawler/settings.py sets ``WARN_ON_GENERATOR_RETURN_VALUE = False``: Scrapy's check parses a
callback's source on each response (its cache never hits for bound methods). What it guards
against, a generator callback whose ``return value`` silently drops the value, is checked
here for every callback and errback our spiders hand to a request.
"""
from __future__ import annotations

import inspect

import pytest
from scrapy.utils.misc import is_generator_with_return_value

from crawler import settings
from crawler.spiders.backissues import BackIssuesSpider
from crawler.spiders.listings import ListingWalker


def _callbacks() -> list[tuple[str, object]]:
    found = []
    for cls in (BackIssuesSpider, ListingWalker):
        for name, member in inspect.getmembers(cls, inspect.isfunction):
            if name.startswith(("parse", "on_error")):
                found.append((f"{cls.__name__}.{name}", member))
    return found


def test_the_per_response_check_is_off() -> None:
    assert settings.WARN_ON_GENERATOR_RETURN_VALUE is False


def test_callbacks_are_found() -> None:
    names = {name for name, _ in _callbacks()}
    assert {"BackIssuesSpider.parse_article", "BackIssuesSpider.parse_listing", "BackIssuesSpider.on_error"} <= names


@pytest.mark.parametrize(("name", "callback"), _callbacks(), ids=[n for n, _ in _callbacks()])
def test_no_callback_is_a_generator_returning_a_value(name: str, callback: object) -> None:
    assert not is_generator_with_return_value(callback), f"{name} returns a value from a generator"
