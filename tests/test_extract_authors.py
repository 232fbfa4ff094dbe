"""Author rules of issue 17, each kind with its own small page, and the cases where each
rule must not fire."""
from __future__ import annotations

import json

import pytest

from archive.extract import extract
from archive.extract.authors import _clean_authors

TEXT = "".join(f"<p>Paragraph {n}: the council met on Tuesday evening and discussed the harbour "
               "works, the school budget and the new cycle lanes for the town centre.</p>" for n in (1, 2, 3))


def page(head: str = "", body: str = "", lang: str = "en") -> bytes:
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head>'
            f"<body><article><h1>Council approves harbour budget</h1>{body}{TEXT}</article></body></html>").encode()


def ld(author: object) -> str:
    return ('<script type="application/ld+json">'
            + json.dumps({"@type": "NewsArticle", "headline": "Council approves harbour budget", "author": author})
            + "</script>")


def authors(body: bytes, url: str = "https://paper.example.org/a") -> list[str]:
    return extract(body, url).authors


# -- a magazine or column name glued to a name

@pytest.mark.parametrize("raw", ["Capital Von Jemima Kelly", "Weekend Magazine By Jemima Kelly"])
def test_magazine_name_glued_before_a_labelled_name(raw: str) -> None:
    assert authors(page(f'<meta name="author" content="{raw}">', lang="de")) == ["Jemima Kelly"]


@pytest.mark.parametrize("raw", ["Ursula von der Leyen", "Ludwig Von Mises"])
def test_name_particle_von_is_no_label(raw: str) -> None:
    assert authors(page(f'<meta name="author" content="{raw}">', lang="de")) == [raw]


# -- the site's own name instead of the person in the byline

def test_organisation_named_by_initials_of_the_site_yields_to_the_byline_person() -> None:
    head = ld({"@type": "Organization", "name": "Deutsche Welle"})
    body = '<p class="byline">Jana Muster</p>'
    assert authors(page(head, body), "https://www.dw.example/a") == ["Jana Muster"]


def test_publication_name_as_author_yields_to_the_byline_person() -> None:
    head = ld({"@type": "Person", "name": "Lesotho Times"})
    body = '<a rel="author" href="/author/t">Teboho Mokoena</a>'
    assert authors(page(head, body), "https://lestimes.example/a") == ["Teboho Mokoena"]


def test_account_named_after_the_site_yields_to_a_bold_byline_opening_the_story() -> None:
    head = '<meta property="og:site_name" content="Ilanga News">' + ld({"@type": "Person", "name": "Ilanga D"})
    body = "<p><strong>MTHOBISI SITHOLE</strong></p>"
    assert authors(page(head, body), "https://ilanganews.example/a") == ["MTHOBISI SITHOLE"]


def test_site_own_name_yields_to_an_agency() -> None:
    head = ('<meta property="og:site_name" content="Example Gazette">' + ld({"@type": "Person", "name": "Example Gazette"})
            + '<meta name="author" content="Northern Press Agency">')
    assert authors(page(head)) == ["Northern Press Agency"]


def test_staff_credit_does_not_yield_to_an_agency() -> None:
    head = ld({"@type": "Person", "name": "Gazette staff reporter"})
    body = '<a rel="author" href="/x">Associated Press</a>'
    assert authors(page(head, body)) == ["Gazette staff reporter"]


def test_organisation_author_stays_when_no_person_is_named() -> None:
    assert authors(page(ld({"@type": "Organization", "name": "Deutsche Welle"})), "https://www.dw.example/a") == [
        "Deutsche Welle"]


@pytest.mark.parametrize("body", [
    "<p><strong>BREAKING NEWS</strong></p>",
    "<p><strong>The council met on Tuesday.</strong></p>",
    "<figure><figcaption><p><b>Jane Doe</b></p></figcaption></figure>",
])
def test_bold_opening_line_that_is_no_name_is_no_byline(body: str) -> None:
    head = '<meta property="og:site_name" content="Ilanga News">' + ld({"@type": "Person", "name": "Ilanga D"})
    assert authors(page(head, body), "https://ilanganews.example/a") == ["Ilanga D"]


# -- a name beside the printed date, with no label and no markup

@pytest.mark.parametrize("row", [
    '<div class="row"><span>Sehernur Karsu &nbsp;|</span><span class="tarih">05.04.2025 - Güncelleme : 05.04.2025</span></div>',
    '<div><span>Jane Doe</span> · <time datetime="2024-05-03">3 May 2024</time></div>',
    '<p class="meta"><span>April 5, 2024</span><span>Jane Doe</span></p>',
])
def test_name_beside_the_printed_date_is_the_byline(row: str) -> None:
    expected = "Sehernur Karsu" if "Karsu" in row else "Jane Doe"
    assert authors(page(body=row)) == [expected]


@pytest.mark.parametrize("row", [
    '<div><span>Palma, Mallorca</span><span>05.04.2025</span></div>',   # a dateline's place
    '<div><span>Key Events</span><span>05.04.2025</span></div>',        # a live blog's label
    '<div><a href="/economy">Middle East</a><span>05.04.2025</span></div>',  # a section link
    '<div><span>Jane Doe</span><span>Reporter</span></div>',            # no date beside it
    '<figure><figcaption><span>Jane Doe</span><span>05.04.2025</span></figcaption></figure>',
    '<div><span>Harbour News Service</span><span>05.04.2025</span></div>',  # an agency or paper
    '<div><span class="section-label">Public Safety</span><time>Apr. 5, 2025</time></div>',  # a section label
    '<div class="media-caption"><span class="media-credit">David Chen</span><span>05.04.2025</span></div>',
])
def test_text_beside_a_date_that_is_no_byline(row: str) -> None:
    assert authors(page(body=row)) == []


@pytest.mark.parametrize("row", [
    '<div><span>Jana Dorn</span><span> | </span><span>05.04.2025</span></div>',  # a separator element between
    '<div><span>Jana Dorn</span><!-- byline --><time>5 April 2025</time></div>',  # a comment between
    '<p class="meta">Jana Dorn | 05.04.2025</p>',                                 # one text
    '<p class="meta">05.04.2025 · Jana Dorn</p>',
])
def test_name_and_date_in_one_row_however_it_is_marked_up(row: str) -> None:
    assert authors(page(body=row)) == ["Jana Dorn"]


def test_name_beside_the_date_yields_to_any_stronger_source() -> None:
    row = '<div><span>Jane Doe</span><span>05.04.2025</span></div>'
    assert authors(page('<meta name="author" content="John Roe">', row)) == ["John Roe"]


# -- the story's byline element, not a teaser card's

def _bare(body: str) -> bytes:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"></head><body>{body}</body></html>').encode()


def test_byline_in_the_story_article_wins_over_teaser_bylines_above_it() -> None:
    body = ('<div class="trending"><div class="teaser"><h2><a href="/a">Mayor unveils budget</a></h2>'
            '<p class="byline">By Kevin Hart</p></div></div>'
            f'<main><article><h1>Council approves harbour budget</h1><p class="byline">By Olivia Grant</p>{TEXT}'
            '</article></main>')
    assert authors(_bare(body)) == ["Olivia Grant"]


def test_teaser_cards_in_articles_without_a_headline_do_not_take_the_byline() -> None:
    # The story is in no <article>; the teaser cards after it are.
    body = (f'<div class="story"><h1>Council approves harbour budget</h1><p class="byline">By Olivia Grant</p>{TEXT}'
            '</div><section class="related"><article class="card"><h2><a href="/b">Farmers market moves</a></h2>'
            '<p class="byline">By Ella Stone</p></article></section>')
    assert authors(_bare(body)) == ["Olivia Grant"]


def test_labelled_byline_of_linked_names_wins_over_trafilaturas_first_name() -> None:
    # trafilatura reads the first author link only; the labelled byline names both.
    body = ('<main class="article"><section class="article__header"><h1 class="article__title">Council approves harbour'
            ' budget</h1><p class="article__byline">Par <a class="article__author-link" href="/signataires/claire-dubois/">'
            'Claire Dubois</a> et <a class="article__author-link" href="/signataires/julien-martin/">Julien Martin</a></p>'
            f'</section><article class="article__content">{TEXT}</article></main>')
    assert authors(_bare(body).replace(b'lang="en"', b'lang="fr"')) == ["Claire Dubois", "Julien Martin"]


# -- job titles and conjunctions between names

def test_conjunction_after_a_job_title_opens_the_next_name() -> None:
    raw = "By Jane Doe, Senior Political Correspondent, and John Roe, Staff Writer"
    assert authors(page(f'<meta name="author" content="{raw}">')) == ["Jane Doe", "John Roe"]


def test_job_title_split_off_into_its_own_piece_is_dropped() -> None:
    # trafilatura splits "By Jon Smith, Staff Writer" on its own and hands the role over
    # as a value of its own.
    assert _clean_authors(["Jon Smith", "Staff Writer"], set()) == ["Jon Smith"]
    assert _clean_authors(["Bob Writer", "Senior Editor"], set()) == ["Bob Writer"]


# -- CJK names with the reporter's title, with no markup

@pytest.mark.parametrize("line, expected", [
    ("김민준·이서연 기자", ["김민준", "이서연"]),
    ("山田太郎 記者", ["山田太郎"]),
])
def test_cjk_names_with_a_reporters_title_under_the_headline(line: str, expected: list[str]) -> None:
    head = '<meta property="og:site_name" content="한빛일보">' + ld({"@type": "Person", "name": "한빛일보"})
    body = f'<ul class="info"><li><i class="icon"></i> {line}</li><li>입력 2025.04.05 09:12</li></ul>'
    assert authors(page(head, body, lang="ko"), "https://hanbit.example/a") == expected


@pytest.mark.parametrize("body", [
    '<figure><figcaption>김민준 기자</figcaption></figure>',
    '<a href="/other"><span>김민준 기자</span></a>',
    '<p>정부는 5일 김민준 기자에게 말했다</p>',  # a sentence that names a reporter
])
def test_cjk_reporter_title_outside_a_byline_is_no_byline(body: str) -> None:
    head = '<meta property="og:site_name" content="한빛일보">' + ld({"@type": "Person", "name": "한빛일보"})
    assert authors(page(head, body, lang="ko"), "https://hanbit.example/a") == ["한빛일보"]


# -- "A and B" in the page's language

@pytest.mark.parametrize("lang, raw, expected", [
    ("nb", "Anna Hansen og Per Olsen", ["Anna Hansen", "Per Olsen"]),
    ("de", "Jana Muster und Max Beispiel", ["Jana Muster", "Max Beispiel"]),
    ("fr", "Jeanne Exemple et Paul Martin", ["Jeanne Exemple", "Paul Martin"]),
    ("es", "Ana López y Luis Pérez", ["Ana López", "Luis Pérez"]),
    ("pt", "Ana Souza e João Lima", ["Ana Souza", "João Lima"]),
    ("ca", "Joan Puig i Maria Vila", ["Joan Puig", "Maria Vila"]),
    ("ru", "Иван Петров и Пётр Иванов", ["Иван Петров", "Пётр Иванов"]),
    ("zh", "张三和李四", ["张三", "李四"]),
    ("ja", "山田太郎と鈴木花子", ["山田太郎", "鈴木花子"]),
])
def test_names_joined_by_the_language_s_and(lang: str, raw: str, expected: list[str]) -> None:
    assert authors(page(f'<meta name="author" content="{raw}">', lang=lang)) == expected


@pytest.mark.parametrize("lang, raw", [
    ("es", "José Ortega y Gasset"),
    ("fr", "Le Figaro et AFP"),
    ("en", "Anna Hansen og Per Olsen"),
    ("ja", "和田太郎"),
    ("zh", "王和平"),
    ("ja", "山田 太郎"),
])
def test_conjunction_that_is_part_of_a_name_or_another_language_does_not_split(lang: str, raw: str) -> None:
    assert authors(page(f'<meta name="author" content="{raw}">', lang=lang)) == [raw]


# -- CJK bylines

@pytest.mark.parametrize("lang, byline, expected", [
    ("zh", '<div class="byline">記者 王小明</div>', ["王小明"]),
    ("zh", '<div class="author">本报记者 李四 王五</div>', ["李四", "王五"]),
    ("zh", '<span class="byline">文／陳大文</span>', ["陳大文"]),
    ("zh", '<span class="byline">記者：陳大文、李小華</span>', ["陳大文", "李小華"]),
    ("ko", '<span class="author">홍길동·김철수 기자</span>', ["홍길동", "김철수"]),
    ("ko", '<span class="byline">(서울=연합뉴스) 홍길동 기자</span>', ["홍길동"]),
    ("ja", '<span class="author">（共同）山田 太郎</span>', ["山田 太郎"]),
])
def test_cjk_bylines(lang: str, byline: str, expected: list[str]) -> None:
    assert authors(page(body=byline, lang=lang)) == expected
