"""The headline as it stands on the page (issue 17): the <h1> or itemprop=headline in the
article's header or main block decides when it agrees with a declared candidate up to a
kicker or an affix; declared metadata decides otherwise. Each kind has its own small page,
and so has each case where the rule must not fire."""
from __future__ import annotations

import json

import pytest

from archive.extract import extract

TEXT = "".join(f"<p>Paragraph {n}: the council met on Tuesday evening and discussed the harbour "
               "works, the school budget and the new cycle lanes for the town centre.</p>" for n in (1, 2, 3))
URL = "https://paper.example.org/2024/05/story"


def page(head: str, header: str, *, outside: str = "", block: str = "article") -> bytes:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{head}</head><body>{outside}'
            f"<{block}><header>{header}</header>{TEXT}</{block}></body></html>").encode("utf-8")


def ld(headline: str) -> str:
    return ('<script type="application/ld+json">'
            + json.dumps({"@type": "NewsArticle", "headline": headline}) + "</script>")


def og(title: str) -> str:
    return f'<meta property="og:title" content="{title}">'


def title_of(body: bytes) -> str | None:
    return extract(body, URL).title


def test_social_og_title_loses_to_the_printed_headline_that_the_schema_headline_states() -> None:
    body = page(og("You won't believe what the council did") + ld("Council approves harbour budget"),
                "<h1>Council approves harbour budget</h1>")
    assert title_of(body) == "Council approves harbour budget"


def test_shorter_schema_headline_loses_to_the_printed_headline() -> None:
    body = page(og("Council approves budget: harbour works start in May")
                + ld("Council approves budget"),
                "<h1>Council approves budget: harbour works start in May</h1>")
    assert title_of(body) == "Council approves budget: harbour works start in May"


@pytest.mark.parametrize("printed", [
    "Bei Protesten 2022: Polizei räumt Fehler bei Einsatz ein",
    "Nationale Demo / Tausende ziehen durch die Innenstadt",
])
def test_kicker_printed_in_the_headline_is_kept(printed: str) -> None:
    declared = printed.split(": ", 1)[-1].split(" / ", 1)[-1]
    body = page(og(declared) + ld(declared), f"<h1>{printed}</h1>")
    assert title_of(body) == printed


def test_kicker_in_an_element_before_the_headline_is_not_glued_to_it() -> None:
    body = page(og("Harbour works: Council approves budget"),
                '<p class="kicker">Harbour works</p><h1>Council approves budget</h1>')
    assert title_of(body) == "Council approves budget"


def test_kicker_span_inside_the_headline_follows_the_declared_spelling() -> None:
    h1 = '<h1><span class="topline">Harbour works</span> <span class="text">Council approves budget</span></h1>'
    assert title_of(page(og("Harbour works: Council approves budget"), h1)) == "Harbour works: Council approves budget"
    assert title_of(page(og("Council approves budget"), h1)) == "Council approves budget"


def test_itemprop_headline_element_counts_like_an_h1() -> None:
    body = page(og("Five things to know today") + ld("Council approves harbour budget after long debate"),
                '<h2 itemprop="headline">Council approves harbour budget after long debate</h2>')
    assert title_of(body) == "Council approves harbour budget after long debate"


def test_site_affix_of_the_declared_title_is_not_printed() -> None:
    body = page(og("Council approves budget - Local news") + ld("Council approves budget - Local news"),
                "<h1>Council approves budget</h1>")
    assert title_of(body) == "Council approves budget"


# -- where the rule must not fire: declared metadata decides

@pytest.mark.parametrize("place", [
    '<nav><ul><li><h1>{}</h1></li></ul></nav>',
    '<div class="article__breadcrumb"><h1>{}</h1></div>',
    '<aside><h1>{}</h1></aside>',
    '<a href="/other"><h1>{}</h1></a>',
])
def test_headline_elements_in_navigation_breadcrumbs_asides_and_teasers_are_not_the_printed_headline(place: str) -> None:
    body = page(og("Council approves harbour budget") + ld("Harbour budget passes after long debate"),
                place.format("Harbour budget passes after long debate"))
    assert title_of(body) == "Council approves harbour budget"


# -- a navigation <h1> repeats the listing (SEO) title: the other declared headline is the story's

@pytest.mark.parametrize("place", [
    '<nav class="breadcrumbs"><ol><li>News</li><li><h1 class="seotitle">{}</h1></li></ol></nav>',
    '<div class="teaser__breadcrumb"><h1>{}</h1></div>',
    '<div role="navigation"><h1>{}</h1></div>',
])
def test_navigation_headline_marks_its_candidate_as_the_listing_title(place: str) -> None:
    listing = "Harbour budget: what the council decided"
    story = "Council approves harbour budget after a long debate"
    body = page(og(listing) + ld(story), "<h2>" + story + "</h2>", outside=place.format(listing))
    assert title_of(body) == story
    body = page(og(story) + ld(listing), "<h2>" + story + "</h2>", outside=place.format(listing))
    assert title_of(body) == story


def test_navigation_headline_repeating_neither_candidate_changes_nothing() -> None:
    body = page(og("Council approves harbour budget") + ld("Harbour budget passes after long debate"),
                "", outside="<nav><h1>Local news from the coast</h1></nav>")
    assert title_of(body) == "Council approves harbour budget"


def test_navigation_headline_beside_candidates_that_differ_by_a_kicker_changes_nothing() -> None:
    # og:title and the schema.org headline are one headline, with and without a kicker.
    body = page(og("Harbour works: Council approves budget for the new quay") + ld("Council approves budget for the new quay"),
                "", outside='<div class="breadcrumb"><h1>Council approves budget for the new quay</h1></div>')
    assert title_of(body) == extract(page(og("Harbour works: Council approves budget for the new quay")
                                          + ld("Council approves budget for the new quay"), ""), URL).title


def test_aside_headline_is_no_listing_title() -> None:
    body = page(og("Council approves harbour budget") + ld("Harbour budget passes after long debate"),
                "", outside="<aside><h1>Council approves harbour budget</h1></aside>")
    assert title_of(body) == "Council approves harbour budget"


def test_printed_headline_in_the_article_wins_over_a_navigation_echo() -> None:
    body = page(og("Council approves harbour budget") + ld("Harbour budget passes after long debate"),
                "<h1>Council approves harbour budget</h1>",
                outside='<nav class="breadcrumb"><h1>Council approves harbour budget</h1></nav>')
    assert title_of(body) == "Council approves harbour budget"


def test_headline_outside_the_article_block_does_not_decide() -> None:
    body = page(og("Council approves harbour budget") + ld("Harbour budget passes after long debate"),
                "", outside="<div><h1>Harbour budget passes after long debate</h1></div>")
    assert title_of(body) == "Council approves harbour budget"


def test_printed_headline_that_agrees_with_no_declared_candidate_does_not_decide() -> None:
    body = page(og("Council approves harbour budget"), "<h1>Local news from the coast</h1>")
    assert title_of(body) == "Council approves harbour budget"


def test_agreement_with_the_html_title_alone_is_no_witness() -> None:
    body = page("<title>Council approves harbour budget after a long debate | Paper</title>"
                + og("Council approves harbour budget"),
                "<h1>Council approves harbour budget after a long debate</h1>")
    assert title_of(body) == "Council approves harbour budget"


def test_extra_words_without_a_separator_are_not_a_kicker() -> None:
    body = page(og("Interim coach Smith: nothing left to lose"), "<h1>United interim coach Smith: nothing left to lose</h1>")
    assert title_of(body) == "Interim coach Smith: nothing left to lose"


# -- spacing: trimmed, otherwise as written

def test_zero_width_space_at_the_ends_is_trimmed() -> None:
    body = page(og("Council approves harbour budget\u200b"), "<h1>\u200bCouncil approves harbour budget\u200b</h1>")
    assert title_of(body) == "Council approves harbour budget"


def test_ideographic_space_inside_a_title_is_kept() -> None:
    headline = "東京都\u3000新たな防災計画を発表"
    body = page(og(headline), f"<h1>\u3000{headline}\u3000</h1>")
    assert title_of(body) == headline
    assert title_of(page(og(headline), "")) == headline
