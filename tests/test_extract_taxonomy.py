"""Clean categories and tags (issue 17): each source and each cleaning rule has its own small
page, and so has each case where a rule must not fire."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive.extract import extract
from archive.extract.taxonomy import MAX_LABEL_CHARS, breadcrumb_category

CASES = Path(__file__).parent / "cases"
HTML = {"Content-Type": "text/html; charset=utf-8"}
URL = "https://paper.example.org/2024/05/harbour-works"
HEADLINE = "Council approves the harbour works after a long debate"
TEXT = "".join(f"<p>Paragraph {n}: the council met on Tuesday evening and discussed the harbour "
               "works, the school budget and the new cycle lanes for the town centre.</p>" for n in (1, 2, 3))


def page(head: str = "", body: str = "", *, h1: str = HEADLINE, title: str = HEADLINE) -> bytes:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
            f"<body>{body}<article><h1>{h1}</h1>{TEXT}</article></body></html>").encode("utf-8")


def ld(obj: dict) -> str:
    return f'<script type="application/ld+json">{json.dumps({"@context": "https://schema.org", **obj})}</script>'


def article(**fields: object) -> str:
    return ld({"@type": "NewsArticle", "headline": HEADLINE, **fields})


def crumbs(*levels: tuple[str, str]) -> str:
    return ld({"@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": i, "name": name, **({"item": url} if url else {})}
        for i, (name, url) in enumerate(levels, 1)]})


def cats_tags(head: str = "", body: str = "", **kw: str) -> tuple[list[str], list[str]]:
    art = extract(page(head, body, **kw), URL, HTML)
    return art.categories, art.tags


# ----------------------------------------------------------------------------- the shared case

def test_b14_section_and_keywords() -> None:
    art = extract((CASES / "B14.html").read_bytes(), "https://news.example.org/council-budget", HTML)
    assert art.categories == ["Local politics"]
    assert art.tags == ["budget", "council"]


# ----------------------------------------------------------------------------- sources

def test_categories_from_article_section_meta() -> None:
    head = '<meta property="article:section" content="Politics"><meta property="article:section" content="Local">'
    assert cats_tags(head)[0] == ["Politics", "Local"]


def test_categories_from_json_ld_article_section_string_and_list() -> None:
    assert cats_tags(article(articleSection="Harbour"))[0] == ["Harbour"]
    assert cats_tags(article(articleSection=["Weather", "Regional"]))[0] == ["Weather", "Regional"]


@pytest.mark.parametrize("rel", ["category", "category tag"])
def test_categories_from_category_links(rel: str) -> None:
    body = f'<div class="post-meta"><a rel="{rel}" href="/category/harbour/">Harbour</a></div>'
    categories, tags = cats_tags(body=body)
    assert categories == ["Harbour"]
    assert tags == []  # rel="category tag" is a category; the same word is no tag as well


def test_breadcrumb_json_ld_gives_the_last_level_above_the_article() -> None:
    head = crumbs(("Home", "https://paper.example.org/"), ("News", "https://paper.example.org/news/"),
                  ("Politics", "https://paper.example.org/news/politics/"), (HEADLINE, URL))
    assert cats_tags(head)[0] == ["Politics"]


def test_breadcrumb_json_ld_without_the_article_level() -> None:
    head = crumbs(("Home", "https://paper.example.org/"), ("News", "https://paper.example.org/news/"),
                  ("Harbour", "https://paper.example.org/news/harbour/"))
    assert cats_tags(head)[0] == ["Harbour"]


def test_breadcrumb_article_level_known_by_its_url_or_truncated_title() -> None:
    head = crumbs(("Home", "/"), ("Sport", "/sport/"), ("Other words for the story", URL))
    assert cats_tags(head)[0] == ["Sport"]
    head = crumbs(("Home", "/"), ("Sport", "/sport/"), ("Council approves the harbour…", ""))
    assert cats_tags(head)[0] == ["Sport"]


def test_breadcrumb_nav_in_html() -> None:
    body = ('<nav class="breadcrumb"><ol><li><a href="/">Startseite</a></li><li><a href="/welt/">Welt</a></li>'
            '<li><a href="/welt/europa/">Europa</a></li><li>Der Artikel selbst</li></ol></nav>')
    assert cats_tags(body=body)[0] == ["Europa"]


def test_breadcrumb_nav_of_links_only() -> None:
    body = '<div id="breadcrumbs"><a href="https://paper.example.org/">Paper</a> › <a href="/local/">Local</a></div>'
    assert cats_tags(body=body)[0] == ["Local"]


def test_breadcrumb_with_only_home_and_article_gives_no_category() -> None:
    assert cats_tags(crumbs(("Home", "/"), (HEADLINE, URL)))[0] == []


def test_declared_section_wins_over_breadcrumbs() -> None:
    head = '<meta property="article:section" content="Politics">' + crumbs(("Home", "/"), ("News", "/news/"))
    assert cats_tags(head)[0] == ["Politics"]


def test_tags_from_article_tag_and_meta_keywords_split_on_commas() -> None:
    head = ('<meta property="article:tag" content="Harbour"><meta property="article:tag" content="Ferries">'
            '<meta name="keywords" content="budget, schools,roads">')
    assert cats_tags(head)[1] == ["Harbour", "Ferries", "budget", "schools", "roads"]


def test_json_ld_keywords_string_is_split_and_array_kept_as_items() -> None:
    assert cats_tags(article(keywords="budget, schools"))[1] == ["budget", "schools"]
    items = ["Cooperative Governance & Traditional Affairs, Gauteng", "weather"]
    assert cats_tags(article(keywords=items))[1] == items


def test_keywords_string_without_commas_is_one_tag() -> None:
    assert cats_tags('<meta name="keywords" content="harbour works">')[1] == ["harbour works"]
    assert cats_tags(article(keywords="harbour works"))[1] == ["harbour works"]


# ----------------------------------------------------------------------------- never a headline

def test_a_headline_long_section_is_not_a_category() -> None:
    long = "Bubi-Bomber wieder da: Thioune fordert Geduld mit Niemiec | Sport"
    assert len(long) > MAX_LABEL_CHARS
    assert cats_tags(article(articleSection=["Sport", long]))[0] == ["Sport"]


def test_a_45_character_section_name_is_kept() -> None:
    name = "Regional news from the valley and the harbour"
    assert len(name) == 45
    assert cats_tags(article(articleSection=name))[0] == [name]
    assert cats_tags(article(keywords=[name, "ferries"]))[1] == [name, "ferries"]


def test_a_60_character_value_is_kept_and_61_is_not() -> None:
    sixty, sixty_one = "x" * 59 + "y", "x" * 60 + "y"
    assert cats_tags(article(articleSection=[sixty, sixty_one]))[0] == [sixty]


@pytest.mark.parametrize("head,h1,title", [
    ('<meta property="og:title" content="Harbour works: the vote">', HEADLINE, HEADLINE),
    (article(headline="Harbour works: the vote"), HEADLINE, HEADLINE),
    ("", HEADLINE, "Harbour works: the vote"),
    ("", "Harbour works: the vote on Tuesday", HEADLINE),
])
def test_a_value_equal_to_a_title_candidate_is_dropped(head: str, h1: str, title: str) -> None:
    candidate = "Harbour works: the vote on Tuesday" if "Tuesday" in h1 else "Harbour works: the vote"
    head += f'<meta property="article:section" content="Local"><meta property="article:section" content="{candidate}">'
    head += f'<meta name="keywords" content="ferries, {candidate.upper().replace(" ", "  ")}">'
    categories, tags = cats_tags(head, h1=h1, title=title)
    assert categories == ["Local"]
    assert tags == ["ferries"]


def test_a_short_h1_section_label_does_not_strike_the_section() -> None:
    head = '<meta property="og:title" content="Council approves the harbour works">'
    head += '<meta property="article:section" content="Politik">'
    assert cats_tags(head, body="", h1="Politik", title="Council approves the harbour works")[0] == ["Politik"]


# ----------------------------------------------------------------------------- duplicates, trimming

def test_a_tag_equal_to_a_category_is_dropped_from_tags_not_from_categories() -> None:
    head = article(articleSection="Politik", keywords=["politik", "Wahl"])
    assert cats_tags(head) == (["Politik"], ["Wahl"])


def test_duplicates_fold_case_space_and_apostrophes_first_kept() -> None:
    head = article(articleSection=["Geingob's Funeral", "National", "Geingob’s  funeral"],
                   keywords=["Floods", "floods", " FLOODS "])
    assert cats_tags(head) == (["Geingob's Funeral", "National"], ["Floods"])


def test_values_are_trimmed() -> None:
    head = ('<meta property="article:section" content="  Harbour \u200b">'
            '<meta name="keywords" content=" budget ,  schools ,, ">')
    assert cats_tags(head) == (["Harbour"], ["budget", "schools"])


# ----------------------------------------------------------------------------- the breadcrumb rule alone

def test_breadcrumb_category_skips_root_and_article_levels() -> None:
    titles = {"councilapprovestheharbourworks"}
    assert breadcrumb_category([("Paper", "/"), ("News", "/news/"), ("Council approves the harbour works", "")],
                               titles, [URL]) == "News"
    assert breadcrumb_category([("Paper", "https://paper.example.org/de/"), ("Welt", "/welt/")], titles, [URL]) == "Welt"
    assert breadcrumb_category([("Politics", "/politics/")], titles, [URL]) == "Politics"
    assert breadcrumb_category([], titles, [URL]) is None
