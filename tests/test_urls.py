"""archive.urls: one article, one key, whatever spelling led to it (case B09)."""
from __future__ import annotations

import pytest

from archive.urls import canonical_url, match_key, same_site

ARTICLE = "https://news.example.org/2024/03/02/council-budget"

# B09.txt: six spellings of one article, and what canonical_url promises for each
# (tracking params, fragment and default port dropped, host lower-cased, path as spelled).
B09 = [
    ("https://news.example.org/2024/03/02/council-budget", ARTICLE),
    ("https://news.example.org/2024/03/02/council-budget/", ARTICLE + "/"),
    ("https://news.example.org/2024/03/02/council-budget?utm_source=rss&utm_medium=feed", ARTICLE),
    ("https://news.example.org/2024/03/02/council-budget#comments", ARTICLE),
    ("https://NEWS.example.org:443/2024/03/02/council-budget", ARTICLE),
    ("https://news.example.org/2024/03/02/council-budget/amp/", ARTICLE + "/amp/"),
]


@pytest.mark.parametrize("url, canonical", B09)
def test_b09_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_b09_one_match_key_for_all_six() -> None:
    keys = {match_key(url) for url, _ in B09}
    assert keys == {ARTICLE}


def test_canonical_url_docstring_example() -> None:
    assert canonical_url("https://NEWS.example.org:443/2024/03/02/council-budget?utm_source=rss#c") == ARTICLE


@pytest.mark.parametrize("url", [
    ARTICLE + "?fbclid=IwAR0abc",
    ARTICLE + "?gclid=Cj0KCQ",
    ARTICLE + "?UTM_Source=Newsletter&Utm_Medium=email",
    ARTICLE + "?utm_campaign=spring&fbclid=x&gclid=y&msclkid=z",
    ARTICLE + "?mc_cid=1&mc_eid=2&_ga=3&igshid=4",
    "HTTPS://News.Example.ORG/2024/03/02/council-budget",
    "https://news.example.org:443/2024/03/02/council-budget?utm_source=x#top",
    "  " + ARTICLE + "  ",
])
def test_tracking_params_case_and_port_dropped(url: str) -> None:
    assert canonical_url(url) == ARTICLE
    assert match_key(url) == ARTICLE


@pytest.mark.parametrize("url, canonical", [
    (ARTICLE + "?id=7", ARTICLE + "?id=7"),
    (ARTICLE + "?id=7&utm_source=rss", ARTICLE + "?id=7"),
    (ARTICLE + "?utm_source=rss&id=7&fbclid=x", ARTICLE + "?id=7"),
    (ARTICLE + "?page=2&id=7", ARTICLE + "?id=7&page=2"),  # query order normalised
    (ARTICLE + "?id=7&page=2", ARTICLE + "?id=7&page=2"),
    ("http://news.example.org:80/story?id=7", "http://news.example.org/story?id=7"),
    ("https://news.example.org:8443/story", "https://news.example.org:8443/story"),  # non-default port kept
    ("http://news.example.org:443/story", "http://news.example.org:443/story"),  # 443 is not http's default
    ("https://nachrichten-münchen.example/a", "https://xn--nachrichten-mnchen-y6b.example/a"),
    ("https://news.example.org/2024/03/café–opens.html",
     "https://news.example.org/2024/03/caf%C3%A9%E2%80%93opens.html"),
    ("https://news.example.org", "https://news.example.org/"),
])
def test_canonical_url_kind(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical
    assert canonical_url(canonical) == canonical  # idempotent


def test_query_order_gives_one_key() -> None:
    a = ARTICLE + "?b=2&a=1"
    b = ARTICLE + "?a=1&b=2&utm_source=x"
    assert canonical_url(a) == canonical_url(b) == ARTICLE + "?a=1&b=2"
    assert match_key(a) == match_key(b)


def test_http_and_https_not_merged() -> None:
    assert canonical_url("http://news.example.org/story") != canonical_url("https://news.example.org/story")
    assert match_key("http://news.example.org/story") != match_key("https://news.example.org/story")


def test_legit_query_params_make_distinct_keys() -> None:
    # WordPress shortlinks (?p=123) and ids are the article's identity, not tracking.
    assert canonical_url("https://news.example.org/?p=123") == "https://news.example.org/?p=123"
    assert match_key("https://news.example.org/?p=123") == "https://news.example.org/?p=123"
    keys = {match_key(u) for u in ("https://news.example.org/?p=123", "https://news.example.org/?p=124",
                                   "https://news.example.org/")}
    assert len(keys) == 3
    assert match_key(ARTICLE + "?id=7") != match_key(ARTICLE + "?id=8") != match_key(ARTICLE)


@pytest.mark.parametrize("url", [
    ARTICLE + "/amp",
    ARTICLE + "/amp/",
    ARTICLE + "/AMP/",
    ARTICLE + "?amp=1",
    ARTICLE + "?outputType=amp",
    ARTICLE + "/?amp=1&utm_source=google",
])
def test_amp_variants_meet_in_match_key(url: str) -> None:
    assert match_key(url) == ARTICLE


def test_amp_html_suffix() -> None:
    assert match_key("https://news.example.org/2024/03/story.amp.html") == "https://news.example.org/2024/03/story.html"
    assert match_key("https://news.example.org/2024/03/story.html") == "https://news.example.org/2024/03/story.html"


def test_match_key_does_not_merge_different_articles() -> None:
    assert match_key(ARTICLE + "-2") != match_key(ARTICLE)
    assert match_key("https://news.example.org/2024/03/02/amplifier") == "https://news.example.org/2024/03/02/amplifier"
    assert match_key("https://news.example.org/camp/") == "https://news.example.org/camp"
    assert match_key("https://news.example.org/") == "https://news.example.org/"


@pytest.mark.parametrize("url, base, same", [
    ("https://news.example.org/a", "https://news.example.org/", True),
    ("https://www.news.example.org/a", "https://news.example.org/", True),
    ("https://news.example.org/a", "https://www.news.example.org/", True),
    ("http://WWW.News.Example.org/a", "https://news.example.org/", True),
    ("https://news.example.org:8080/a", "https://news.example.org/", True),
    ("https://cdn.news.example.org/a", "https://news.example.org/", False),
    ("https://example.org/a", "https://news.example.org/", False),
    ("https://news.example.org.evil.test/a", "https://news.example.org/", False),
    ("https://wwwnews.example.org/a", "https://news.example.org/", False),
    ("/relative/path", "https://news.example.org/", False),
    ("mailto:desk@news.example.org", "https://news.example.org/", False),
])
def test_same_site(url: str, base: str, same: bool) -> None:
    assert same_site(url, base) is same
