"""Hostile and odd markup around the title and byline rules (issue 17's rules under attack):
each input keeps its story and gives no junk, and none costs the whole page."""
from __future__ import annotations

import json

import pytest

from archive.extract import extract

URL = "https://news.example.com/a/1"
STORY = "".join(f"<p>Paragraph {n}: the council met on Tuesday evening and discussed the harbour works, "
                "the school budget and the new cycle lanes for the town centre.</p>" for n in range(4))


def doc(body: str, head: str = "", lang: str = "en") -> bytes:
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head>'
            f"<body>{body}</body></html>").encode()


def ld(value: object) -> str:
    return '<script type="application/ld+json">' + json.dumps(value) + "</script>"


def test_deeply_nested_json_ld_headline_costs_only_itself() -> None:
    nested: object = "Mayor resigns"
    for _ in range(600):
        nested = [nested]
    art = extract(doc(f"<article><h1>Mayor resigns</h1>{STORY}</article>",
                      ld({"@type": "NewsArticle", "headline": nested})), URL)
    assert art.error is None
    assert art.title == "Mayor resigns" and "harbour works" in art.text


def test_story_below_three_hundred_nested_elements_is_read() -> None:
    art = extract(doc("<div>" * 300 + f"<article><h1>Mayor resigns after vote</h1>{STORY}</article>" + "</div>" * 300), URL)
    assert art.error is None
    assert art.title == "Mayor resigns after vote" and "harbour works" in art.text


def test_nul_in_a_json_ld_headline_is_replaced() -> None:
    art = extract(doc(f"<article>{STORY}</article>", ld({"@type": "NewsArticle", "headline": "Mayor\u0000 resigns"})), URL)
    assert art.title is not None and "\x00" not in art.title and art.title.startswith("Mayor")


def test_an_icons_svg_title_is_neither_the_page_title_nor_in_the_byline() -> None:
    body = ('<article><h1>Council approves harbour budget</h1><div class="byline"><svg><title>Author icon</title></svg>'
            f'Jane Doe<button>Follow</button></div>{STORY}</article>')
    art = extract(doc(body), URL)
    assert art.title == "Council approves harbour budget"
    assert art.authors == ["Jane Doe"]


def test_a_template_placeholder_is_no_byline() -> None:
    body = f'<article><h1>Council approves harbour budget</h1><template class="author">{{{{ post.author.name }}}}</template>{STORY}</article>'
    assert extract(doc(body), URL).authors == []


@pytest.mark.parametrize("other", ["Home", "12"])
def test_listing_title_rule_never_falls_back_on_a_non_headline(other: str) -> None:
    head = f'<meta property="og:title" content="Mayor resigns after budget vote">' + ld({"@type": "NewsArticle", "headline": other})
    body = f'<nav class="breadcrumb"><h1>{other}</h1></nav><article><h2>Mayor resigns after budget vote</h2>{STORY}</article>'
    assert extract(doc(body, head), URL).title == "Mayor resigns after budget vote"


@pytest.mark.parametrize("wrapper", ['<body class="has-breadcrumbs">', '<article class="with-breadcrumb">'])
def test_a_wrapper_that_has_a_breadcrumb_is_no_breadcrumb(wrapper: str) -> None:
    head = '<meta property="og:title" content="Short listing title for the story">' + ld(
        {"@type": "NewsArticle", "headline": "A different and longer headline of the story"})
    inner = f"<h1>Short listing title for the story</h1>{STORY}"
    if wrapper.startswith("<body"):
        html = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{head}</head>{wrapper}'
                f"<article>{inner}</article></body></html>").encode()
    else:
        html = doc(f"{wrapper}{inner}</article>", head)
    assert extract(html, URL).title == "Short listing title for the story"


@pytest.mark.parametrize("body, expected", [
    ("<article><h1>重大新闻标题在这里</h1><div><span>王小明记者</span></div>{story}</article>", ["王小明"]),
    ("<article><h1>重大ニュースの見出し</h1><div><span>山田太郎記者</span></div>{story}</article>", ["山田太郎"]),
])
def test_cjk_names_written_against_the_title(body: str, expected: list[str]) -> None:
    assert extract(doc(body.format(story=STORY), lang="zh"), URL).authors == expected


@pytest.mark.parametrize("raw", ["By John Smith, and", "John Smith and"])
def test_a_conjunction_at_the_end_joins_nothing(raw: str) -> None:
    assert extract(doc(f"<article><h1>Council approves harbour budget</h1>{STORY}</article>",
                       f'<meta name="author" content="{raw}">'), URL).authors == ["John Smith"]


@pytest.mark.parametrize("body", [
    # a subheading before the story, whose first paragraph names a date
    "<article><h1>Council approves harbour budget</h1><h2>What We Know</h2><div><p>On 05.04.2025 the council met"
    " and agreed.</p>{story}</div></article>",
    # a logo <h1> with no text, then the page's controls
    "<header><h1><img alt=logo></h1><span>Sign In</span><span>Saturday, April 5, 2025</span></header>"
    "<article><h2>Council approves harbour budget</h2>{story}</article>",
    "<article><h1>Council approves harbour budget</h1><select><option>All Sections</option>"
    "<option>05.04.2025</option></select>{story}</article>",
])
def test_page_furniture_beside_a_date_is_no_byline(body: str) -> None:
    assert extract(doc(body.format(story=STORY)), URL).authors == []


def test_a_line_break_inside_the_name_element_is_still_a_name() -> None:
    body = f"<article><h1>Council approves harbour budget</h1><div><span>Jana Dorn<br></span><span>05.04.2025</span></div>{STORY}</article>"
    assert extract(doc(body), URL).authors == ["Jana Dorn"]


def test_cjk_byline_under_a_logo_h1_and_an_h3_headline() -> None:
    head = '<meta property="og:site_name" content="한빛일보">' + ld({"@type": "NewsArticle", "author": {"@type": "Person", "name": "한빛일보"}})
    body = ('<header><h1 class="logo"><a href="/"><img src="/logo.png" alt="한빛일보"></a></h1></header>'
            '<section><h3>정부, 내년 예산 680조 편성…복지 지출 역대 최대</h3><ul><li><i class="icon"></i> 김민준·이서연 기자</li>'
            f'<li>입력 2025.04.05 09:12</li></ul></section><article>{STORY}</article>')
    assert extract(doc(body, head, lang="ko"), "https://hanbit.example/a").authors == ["김민준", "이서연"]
