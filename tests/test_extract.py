"""Tests for archive.extract (metadata, text, decoding) and archive.evaluate.

Case files under tests/cases/ are copies of /work/shared/cases (README sections B14, B15,
B17, B18, B20); every expected value there is asserted here, plus further inputs of the
same kinds.
"""
from __future__ import annotations

import codecs
import gzip
import json
import pickle
from pathlib import Path

import pytest

from archive.extract import EXTRACTOR, decode_html, extract, normalize_date
from archive.records import ExtractedArticle

CASES = Path(__file__).parent / "cases"
REPO = Path(__file__).resolve().parent.parent
HTML = {"Content-Type": "text/html; charset=utf-8"}
PARAGRAPHS = "".join(
    f"<p>Paragraph {n}: the kernel developers merged a new scheduler patch set this week after a "
    "lengthy review process on the mailing list.</p>" for n in (1, 2, 3))
THREE_LINES = "\n".join(
    f"Paragraph {n}: the kernel developers merged a new scheduler patch set this week after a "
    "lengthy review process on the mailing list." for n in (1, 2, 3))


def page(head: str = "", body: str = PARAGRAPHS, lang: str = "en") -> bytes:
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head>'
            f"<body><article>{body}</article></body></html>").encode("utf-8")


def ld(obj: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


def case(name: str) -> bytes:
    return (CASES / name).read_bytes()


# ----------------------------------------------------------------------------- B14 dates

def test_b14_published_is_date_published_not_modified_meta() -> None:
    art = extract(case("B14.html"), "https://news.example.org/council-budget", {"Content-Type": "text/html"})
    assert art.published == "2024-03-02T08:15:00+01:00"
    assert art.published[:10] == "2024-03-02"
    assert art.modified == "2024-03-18T09:00:00+00:00"
    assert art.title == "Council approves budget"
    assert art.authors == ["Jane Placeholder"]
    assert art.categories == ["Local politics"]
    assert art.tags == ["budget", "council"]
    assert art.sitename == "Example Gazette"
    assert art.is_article is True
    assert art.error is None
    assert art.extractor == EXTRACTOR
    assert art.extractor.startswith("newsarchive/") and " trafilatura/" in art.extractor


def test_date_published_before_modified_in_graph_and_meta_fallback() -> None:
    head = ('<meta property="article:modified_time" content="2023-05-09T10:00:00Z">'
            '<meta property="article:published_time" content="2023-05-01T07:30:00-04:00">')
    art = extract(page(head), "https://news.example.org/a")
    assert art.published == "2023-05-01T07:30:00-04:00"
    assert art.modified == "2023-05-09T10:00:00+00:00"


@pytest.mark.parametrize("meta", [
    '<meta name="parsely-pub-date" content="2022-11-13T09:30:00+09:00">',
    '<meta name="dc.date" content="2022-11-13">',
    '<meta name="DCTERMS.created" content="2022-11-13T09:30:00+09:00">',
])
def test_date_from_other_meta_vocabularies(meta: str) -> None:
    assert extract(page(meta), "https://news.example.org/a").published[:10] == "2022-11-13"


def test_date_falls_back_to_htmldate_without_structured_data() -> None:
    body = PARAGRAPHS + '<p class="date">Published on 2021-06-15</p>'
    art = extract(page(body=body), "https://news.example.org/2021/06/15/story")
    assert art.published is not None and art.published[:10] == "2021-06-15"


def test_normalize_date_forms() -> None:
    assert normalize_date("2024-03-02T08:15:00+0100") == "2024-03-02T08:15:00+01:00"
    assert normalize_date("2024-03-02T08:15:00.000Z") == "2024-03-02T08:15:00+00:00"
    assert normalize_date("2024-03-02 08:15") == "2024-03-02T08:15:00"
    assert normalize_date("2024-03-02") == "2024-03-02"
    assert normalize_date("Sat, 02 Mar 2024 08:15:00 +0100") == "2024-03-02T08:15:00+01:00"
    assert normalize_date("not a date") is None
    assert normalize_date("0001-01-01") is None


# ----------------------------------------------------------------------------- B15 comments

@pytest.mark.parametrize("name", ["B15.html", "B15b.html"])
def test_b15_reader_comments_stay_out_of_text(name: str) -> None:
    art = extract(case(name), "https://lwn.example.org/Articles/1/", {"Content-Type": "text/html"})
    assert art.text == THREE_LINES
    assert "Reader comment" not in art.text and "Posted by" not in art.text


def test_comment_sections_of_other_kinds_are_pruned() -> None:
    body = (PARAGRAPHS + '<section id="comments"><p>Reader comment: this is an unrelated reader opinion '
            'about something else entirely and should never appear.</p></section>'
            '<div id="disqus_thread"><p>Disqus comment: another reader opinion that must not be archived '
            'as article text.</p></div>')
    art = extract(page(body=body), "https://news.example.org/a")
    assert art.text == THREE_LINES


# ----------------------------------------------------------------------------- B17 titles

@pytest.mark.parametrize("name", ["B17a.html", "B17b.html"])
def test_b17_title_without_site_and_section(name: str) -> None:
    art = extract(case(name), "https://gazette.example.org/story", {"Content-Type": "text/html"})
    assert art.title == "Council approves budget"


@pytest.mark.parametrize("raw", [
    "Council approves budget :: Example Gazette",
    "Council approves budget · Example Gazette",
    "Council approves budget — Example Gazette",
    "Council approves budget * Example Gazette",
    "Example Gazette | Council approves budget",
    "Council approves budget - Politics - Example Gazette",
])
def test_title_separators_and_site_names(raw: str) -> None:
    head = f'<title>{raw}</title><meta property="og:site_name" content="Example Gazette">'
    assert extract(page(head), "https://gazette.example.org/story").title == "Council approves budget"


def test_title_site_name_from_json_ld_publisher() -> None:
    head = ('<meta property="og:title" content="Council approves budget - Example Gazette">'
            + ld({"@type": "NewsArticle", "publisher": {"@type": "Organization", "name": "Example Gazette"}}))
    assert extract(page(head), "https://other.example.org/x").title == "Council approves budget"


def test_title_prefers_headline_when_others_only_add_affixes() -> None:
    head = ('<title>Mayor resigns - City - Daily Paper</title>'
            '<meta property="og:title" content="Mayor resigns - City">'
            + ld({"@type": "NewsArticle", "headline": "Mayor resigns"}))
    assert extract(page(head), "https://x.example.org/a").title == "Mayor resigns"


def test_title_with_real_dash_is_not_chopped() -> None:
    raw = "Epstein raped girl and model in same bed - then asked to meet her sister"
    head = f'<title>{raw}</title><meta property="og:title" content="{raw}">'
    assert extract(page(head), "https://star.example.org/a").title == raw
    head = '<title>Spider-Man - the musical returns</title>'
    assert extract(page(head), "https://x.example.org/a").title == "Spider-Man - the musical returns"


# ----------------------------------------------------------------------------- B18 authors

B18_BYLINES = [
    "By Alex Placeholder, Senior Reporter",
    "Alex Placeholder | Published 13 November 2014, 09:30",
    "Alex Placeholder, alex.placeholder@example.org",
    "Written by Alex Placeholder Updated 3 hours ago",
    "Reporting by Alex Placeholder; Editing by Sam Placeholder",
]


@pytest.mark.parametrize("byline", B18_BYLINES)
def test_b18_byline_cleaning(byline: str) -> None:
    body = case("B18.html").replace(b"BYLINE", byline.encode("utf-8"))
    art = extract(body, "https://harbour.example.org/works", {"Content-Type": "text/html"})
    assert art.authors == ["Alex Placeholder"]
    assert art.title == "Harbour works"


@pytest.mark.parametrize("byline", B18_BYLINES)
def test_b18_bylines_in_meta_author(byline: str) -> None:
    head = f'<meta name="author" content="{byline}">'
    assert extract(page(head), "https://x.example.org/a").authors == ["Alex Placeholder"]


@pytest.mark.parametrize("raw, expected", [
    ("Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
    ("Jane Doe & John Roe", ["Jane Doe", "John Roe"]),
    ("Jane Doe, John Roe", ["Jane Doe", "John Roe"]),
    ("Von Jana Muster", ["Jana Muster"]),
    ("Par Jeanne Exemple", ["Jeanne Exemple"]),
    ("Jane Doe - London", ["Jane Doe"]),
    ("Jane Doe, Political Correspondent", ["Jane Doe"]),
    ("https://www.facebook.com/somepaper", []),
    ("Jane Doe, JANE DOE, jane-doe", ["Jane Doe"]),
])
def test_author_cleaning_kinds(raw: str, expected: list[str]) -> None:
    head = f'<meta name="author" content="{raw}">'
    assert extract(page(head), "https://x.example.org/a").authors == expected


def test_json_ld_authors_person_list_organization_and_string() -> None:
    head = ld({"@context": "https://schema.org", "@type": "NewsArticle", "headline": "H",
               "author": [{"@type": "Person", "name": "Ann Writer"}, {"@type": "Organization", "name": "SDA"}]})
    assert extract(page(head), "https://x.example.org/a").authors == ["Ann Writer", "SDA"]
    head = ld({"@type": "NewsArticle", "headline": "H", "author": {"@type": "Organization", "name": "Wire Service"}})
    assert extract(page(head), "https://x.example.org/a").authors == ["Wire Service"]
    head = ld({"@type": "NewsArticle", "headline": "H", "author": "Ann Writer and Bob Writer"})
    assert extract(page(head), "https://x.example.org/a").authors == ["Ann Writer", "Bob Writer"]


def test_site_name_dropped_when_a_person_is_named() -> None:
    head = ('<meta property="og:site_name" content="Example Gazette">'
            + ld({"@type": "NewsArticle", "headline": "H",
                  "author": [{"@type": "Organization", "name": "Example Gazette"}, "Ann Writer"]}))
    assert extract(page(head), "https://x.example.org/a").authors == ["Ann Writer"]


def test_publisher_only_author_yields_to_named_person() -> None:
    head = ('<meta property="og:site_name" content="Example Gazette"><meta name="author" content="Ann Writer">'
            + ld({"@type": "NewsArticle", "headline": "H", "author": {"@type": "Organization", "name": "Example Gazette"}}))
    assert extract(page(head), "https://x.example.org/a").authors == ["Ann Writer"]


def test_author_from_id_reference_in_graph() -> None:
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebPage", "@id": "https://x.example.org/a#page"},
        {"@type": "Article", "headline": "H", "author": {"@id": "https://x.example.org/#/person/1"},
         "datePublished": "2024-01-02T03:04:05+00:00"},
        {"@type": "Person", "@id": "https://x.example.org/#/person/1", "name": "Ann Writer"},
    ]}
    art = extract(page(ld(graph)), "https://x.example.org/a")
    assert art.authors == ["Ann Writer"]
    assert art.published == "2024-01-02T03:04:05+00:00"


def test_other_meta_author_vocabularies() -> None:
    assert extract(page('<meta name="parsely-author" content="Ann Writer">'), "https://x.example.org/a").authors == ["Ann Writer"]
    assert extract(page('<meta name="DC.creator" content="Ann Writer">'), "https://x.example.org/a").authors == ["Ann Writer"]
    body = '<a rel="author" href="/author/ann">Ann Writer</a>' + PARAGRAPHS
    assert extract(page(body=body), "https://x.example.org/a").authors == ["Ann Writer"]


# ----------------------------------------------------------------------------- JSON-LD kinds

def test_reportage_news_article_inside_graph_with_keywords_list() -> None:
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "name": "Example Gazette"},
        {"@type": ["NewsArticle", "ReportageNewsArticle"], "headline": "Floods reach the valley",
         "datePublished": "2024-02-10T06:00:00+02:00", "dateModified": "2024-02-11T06:00:00+02:00",
         "author": {"@type": "Person", "name": "Ann Writer"}, "articleSection": ["Weather", "Regional"],
         "keywords": ["floods", "valley", "Floods"], "description": "The river rose.", "inLanguage": "en-GB",
         "publisher": {"@type": "Organization", "name": "Example Gazette"}},
    ]}
    head = '<title>Floods reach the valley | Example Gazette</title>' + ld(graph)
    art = extract(page(head, lang=""), "https://x.example.org/a")
    assert art.title == "Floods reach the valley"
    assert art.published == "2024-02-10T06:00:00+02:00"
    assert art.modified == "2024-02-11T06:00:00+02:00"
    assert art.categories == ["Weather", "Regional"]
    assert art.tags == ["floods", "valley"]
    assert art.description == "The river rose."
    assert art.language == "en-GB"
    assert art.sitename == "Example Gazette"
    assert art.is_article is True


def test_broken_json_ld_is_read_leniently() -> None:
    raw = ('<script type="application/ld+json"><!--\n{"@type": "NewsArticle", "headline": "Line\tbreak story",'
           ' "author": {"@type": "Person", "name": "Ann Writer",}, "datePublished": "2024-04-01",}\n--></script>')
    art = extract(page(raw), "https://x.example.org/a")
    assert art.authors == ["Ann Writer"]
    assert art.published == "2024-04-01"
    assert art.title == "Line break story"


def test_unparsable_json_ld_is_ignored() -> None:
    raw = '<title>Plain title</title><script type="application/ld+json">{"@type": "NewsArticle", headline: </script>'
    art = extract(page(raw), "https://x.example.org/a")
    assert art.title == "Plain title" and art.error is None


def test_tags_and_categories_from_meta() -> None:
    head = ('<meta property="article:section" content="Politics">'
            '<meta property="article:tag" content="Budget"><meta property="article:tag" content="Council">'
            '<meta name="keywords" content="budget, schools,roads">'
            '<meta name="parsely-tags" content="roads, taxes">')
    art = extract(page(head), "https://x.example.org/a")
    assert art.categories == ["Politics"]
    # order: article:tag, JSON-LD keywords, parsely-tags, meta keywords; duplicates ignore case
    assert art.tags == ["Budget", "Council", "roads", "taxes", "schools"]


# ----------------------------------------------------------------------------- URLs, language, is_article

def test_canonical_url_resolution() -> None:
    head = '<link rel="canonical" href="/2024/03/02/story/"><meta property="og:url" content="https://x.example.org/og">'
    assert extract(page(head), "https://x.example.org/story?utm_source=a").canonical_url == "https://x.example.org/2024/03/02/story/"
    head = '<meta property="og:url" content="https://x.example.org/og">'
    assert extract(page(head), "https://x.example.org/story").canonical_url == "https://x.example.org/og"
    assert extract(page(), "https://x.example.org/story").canonical_url is None


def test_language_from_html_lang_then_og_locale() -> None:
    assert extract(page(lang="de"), "https://x.example.org/a").language == "de"
    assert extract(page('<meta property="og:locale" content="fr_FR">', lang=""), "https://x.example.org/a").language == "fr-FR"


def test_wordpress_listing_is_not_an_article() -> None:
    teasers = "".join(
        f'<article class="post type-post"><h2><a href="/2024/03/0{i}/story-{i}/">Story {i} headline here</a></h2>'
        f"<p>Teaser {i}: the council met again this week to discuss the budget, schools, roads and the "
        f"harbour, and residents from several districts spoke during the public session.</p></article>"
        for i in range(1, 10))
    html = (f'<!DOCTYPE html><html lang="en"><head><title>March 2024 - Example Gazette</title>'
            f'<meta property="og:type" content="website"></head><body class="archive date">'
            f"<main>{teasers}</main></body></html>").encode()
    art = extract(html, "https://x.example.org/2024/03/")
    assert art.is_article is False
    html_no_og = html.replace(b'<meta property="og:type" content="website">', b"").replace(b' class="archive date"', b"")
    assert extract(html_no_og, "https://x.example.org/2024/03/").is_article is False


def test_article_signals_and_long_text_make_an_article() -> None:
    assert extract(page('<meta property="og:type" content="article">'), "https://x.example.org/a").is_article
    assert extract(page(ld({"@type": "NewsArticle", "headline": "H"})), "https://x.example.org/a").is_article
    long_body = "".join(f"<p>{'Sentence number %d of a long story about the harbour works. ' % i * 3}</p>" for i in range(12))
    assert extract(page("<title>Harbour works</title>", body=long_body), "https://x.example.org/a").is_article
    assert not extract(page("<title>Short</title>", body="<p>Only a few words here.</p>"), "https://x.example.org/a").is_article


# ----------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("body, reason", [
    (b"", "empty body"),
    (b"   \n", "empty body"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "not HTML"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not HTML"),
    (bytes(range(256)) * 20, "not HTML"),
    (b"just some plain text without any markup at all", "not HTML"),
])
def test_bad_input_never_raises(body: bytes, reason: str) -> None:
    art = extract(body, "https://x.example.org/a", {"content-type": "text/html"})
    assert isinstance(art, ExtractedArticle)
    assert art.error == reason
    assert art.text == "" and art.authors == [] and art.extractor == EXTRACTOR


def test_pdf_content_type_is_not_html() -> None:
    assert extract(b"<<binary>>\x00\x01\x02", "https://x.example.org/f.pdf", {"Content-Type": "application/pdf"}).error == "not HTML"


def test_page_without_text() -> None:
    art = extract(b"<html><head><title>Nothing</title></head><body></body></html>", "https://x.example.org/a")
    assert art.error == "no text extracted"
    assert art.title == "Nothing"


def test_truncated_html_still_extracts() -> None:
    whole = page(ld({"@type": "NewsArticle", "headline": "Cut short", "datePublished": "2024-01-01"}))
    art = extract(whole[: whole.index(b"Paragraph 3") + 40], "https://x.example.org/a")
    assert art.title == "Cut short" and art.published == "2024-01-01"
    assert "Paragraph 1" in art.text and art.error is None


def test_result_is_picklable_and_headers_case_insensitive() -> None:
    body = "<html><head><title>Grüße</title></head><body><p>Grüße aus Köln, schöne Grüße an alle Leser dieser Seite.</p></body></html>".encode("cp1252")
    art = extract(body, "https://x.example.org/a", {"CONTENT-TYPE": "text/html; charset=windows-1252"})
    assert art.title == "Grüße"
    art2 = extract(body, "https://x.example.org/a", {b"content-type": [b"text/html; charset=windows-1252"]})  # type: ignore[dict-item]
    assert art2.title == "Grüße"
    assert pickle.loads(pickle.dumps(art)) == art


# ----------------------------------------------------------------------------- B20 decoding

B20_WORDS = ["für", "Rätsel", "über", "Überleben", "–", "„neue Daten“"]


def test_b20_meta_declared_windows_1252_without_header_charset() -> None:
    body = case("B20.body.bin")
    text, encoding = decode_html(body, "text/html")
    assert encoding == "windows-1252"
    assert "\ufffd" not in text
    for word in B20_WORDS:
        assert word in text
    art = extract(body, "https://science.example.org/neandertaler", {"Content-Type": "text/html"})
    assert "\ufffd" not in (art.title or "") + art.text
    assert "für" in (art.title or "")
    for word in B20_WORDS:
        assert word in (art.title or "") + "\n" + art.text


def test_header_says_utf8_but_bytes_are_windows_1252() -> None:
    body = case("B20.body.bin").replace(b' http-equiv="Content-Type" content="text/html; charset=windows-1252"', b"")
    assert b"charset" not in body
    text, encoding = decode_html(body, "text/html; charset=utf-8")
    assert "\ufffd" not in text
    for word in B20_WORDS:
        assert word in text
    assert encoding in ("windows-1252", "iso-8859-1", "iso-8859-15")


def test_latin1_label_on_utf8_bytes_decodes_as_utf8() -> None:
    html = '<html><head><meta charset="iso-8859-1"><title>Café – Crème brûlée</title></head><body><p>Ärger über „Straßen“</p></body></html>'
    text, encoding = decode_html(html.encode("utf-8"), "text/html; charset=ISO-8859-1")
    assert encoding == "utf-8"
    assert "Café – Crème brûlée" in text and "Ärger über „Straßen“" in text


def test_decoding_bom_meta_ascii_and_legacy() -> None:
    assert decode_html(b"\xef\xbb\xbf<p>\xc3\xa9</p>", "text/html; charset=windows-1252") == ("<p>é</p>", "utf-8")
    assert decode_html(b"<p>plain</p>", None) == ("<p>plain</p>", "utf-8")
    assert decode_html(b"", None) == ("", "utf-8")
    cyrillic = '<meta charset="windows-1251"><p>Привет, мир</p>'.encode("cp1251")
    assert decode_html(cyrillic, None) == ('<meta charset="windows-1251"><p>Привет, мир</p>', "windows-1251")
    sjis = '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS"><p>日本語のテキスト</p>'.encode("cp932")
    assert "日本語のテキスト" in decode_html(sjis, "text/html")[0]


def test_xhtml_with_xml_declaration_and_utf16_bom() -> None:
    xhtml = ('<?xml version="1.0" encoding="iso-8859-1"?><html xmlns="http://www.w3.org/1999/xhtml"><head>'
             '<title>Übersicht</title></head><body><article>' + PARAGRAPHS + "</article></body></html>").encode("latin-1")
    art = extract(xhtml, "https://x.example.org/a", None)
    assert art.title == "Übersicht" and art.text == THREE_LINES
    utf16 = codecs.BOM_UTF16_LE + ("<html><head><title>Überblick</title></head><body><article>" + PARAGRAPHS
                                   + "</article></body></html>").encode("utf-16-le")
    art = extract(utf16, "https://x.example.org/a", {"Content-Type": "text/html; charset=utf-8"})
    assert art.title == "Überblick" and art.text == THREE_LINES


def test_article_body_used_when_trafilatura_finds_nothing() -> None:
    story = "The harbour authority confirmed that dredging works will continue through the summer."
    head = ld({"@type": "NewsArticle", "headline": "Harbour works", "articleBody": story})
    html = f"<html><head>{head}</head><body><div id='app'></div></body></html>".encode()
    art = extract(html, "https://x.example.org/a")
    assert art.text == story and art.error is None and art.title == "Harbour works"


def test_valid_utf8_without_any_declaration() -> None:
    body = "<html><body><p>Zürich – Genève</p></body></html>".encode("utf-8")
    assert decode_html(body, "text/html") == ("<html><body><p>Zürich – Genève</p></body></html>", "utf-8")


# ----------------------------------------------------------------------------- evaluation

def _corpus() -> Path | None:
    for candidate in (Path("/work/shared/realsite/corpus"), REPO.parent / "shared" / "realsite" / "corpus"):
        if (candidate / "truth.jsonl").is_file():
            return candidate
    return None


def test_evaluate_raises_clearly_without_score_py(tmp_path: Path) -> None:
    from archive.evaluate import evaluate

    (tmp_path / "corpus" / "html").mkdir(parents=True)
    (tmp_path / "corpus" / "truth.jsonl").write_text("")
    with pytest.raises(FileNotFoundError, match="score.py"):
        evaluate(tmp_path / "corpus")


def test_evaluate_small_corpus(tmp_path: Path) -> None:
    from archive.evaluate import evaluate

    corpus = _small_corpus(tmp_path)
    figures, misses = evaluate(corpus)
    assert figures["title"] == 1.0 and figures["authors"] == 1.0 and figures["date"] == 1.0
    assert figures["body_f1"] == 0.0
    assert misses["body"][0][0] == "b14"


def test_eval_report_labels_extracted_and_truth(tmp_path: Path) -> None:
    from archive.evaluate import format_report, report_json

    figures = {"pages": 2, "title": 0.5, "authors": 1.0, "date": 1.0, "body_f1": 0.85}
    misses = {"title": [("p1", "Got", "Want")], "authors": [], "date": [],
              "body": [("p2", 0.7, 120), ("p1", 0.95, 900)], "error": []}
    text = format_report(figures, misses, 5)
    assert '-- title: 1 misses; extracted | truth:\n    p1: "Got" | "Want"' in text
    assert "-- body_f1: 1 pages below 0.8 (score.py's misses); the 2 lowest:" in text
    assert "    p2: F1 0.7, 120 characters extracted" in text
    parsed = json.loads(report_json(figures, misses, 5))
    assert parsed["misses"]["title"] == [{"id": "p1", "extracted": "Got", "truth": "Want"}]
    assert parsed["misses"]["body"][0] == {"id": "p2", "f1": 0.7, "chars": 120}


@pytest.mark.skipif(_corpus() is None, reason="shared realsite corpus not available")
def test_realsite_corpus_targets() -> None:
    from archive.evaluate import evaluate

    figures, _ = evaluate(_corpus())  # type: ignore[arg-type]
    assert figures["title"] >= 0.90
    assert figures["authors"] >= 0.90
    assert figures["date"] >= 0.98
    assert figures["body_f1"] >= 0.96


# ----------------------------------------------------------------------------- titles (more rules)

def test_soft_hyphen_in_title_is_kept_as_the_page_spells_it() -> None:
    head = '<meta property="og:title" content="Helikopter&shy;landeplatz geplant">'
    art = extract(page(head), "https://news.example.org/a")
    assert art.title == "Helikopter\xadlandeplatz geplant"


def test_korean_hangul_bar_separator_and_section_suffix() -> None:
    head = ('<meta property="og:site_name" content="한국신문">'
            '<meta property="og:title" content="장관, 예산안 발표했다-정치ㅣ한국신문">'
            '<meta name="headline" content="장관, 예산안 발표했다">')
    art = extract(page(head, lang="ko"), "https://news.example.kr/a")
    assert art.title == "장관, 예산안 발표했다"


def test_hangul_bar_strips_site_name_without_other_reference() -> None:
    head = ('<meta property="og:site_name" content="한국신문">'
            '<meta property="og:title" content="장관, 예산안 발표ㅣ한국신문">')
    assert extract(page(head, lang="ko"), "https://news.example.kr/a").title == "장관, 예산안 발표"


@pytest.mark.parametrize("og,headline,h1,expected", [
    # Issue 17: the printed <h1> in the article decides when it agrees with a declared
    # candidate up to an affix (here the affix both declared ones carry).
    pytest.param("Forest fires in the south - latest news", "Forest fires in the south - latest news",
                 "Forest fires in the south", "Forest fires in the south",
                 id="printed-h1-without-the-declared-affix"),
    pytest.param("Forest fires in the south - World", "Forest fires in the south", None,
                 "Forest fires in the south", id="og-section-suffix-cut-to-headline"),
    pytest.param("When trams give up and concrete bursts: the heat fight",
                 "Traffic chaos from heat: old trams as risks",
                 "How trams and motorways are prepared for future heatwaves",
                 "How trams and motorways are prepared for future heatwaves", id="all-three-disagree-h1-wins"),
    pytest.param("Starmer defiant over taking gifts", "Starmer suggests he will keep taking gifts",
                 "Starmer defiant over taking gifts", "Starmer defiant over taking gifts", id="h1-repeats-og"),
    pytest.param("Starmer defiant over taking gifts", "Starmer suggests he will keep taking gifts",
                 "Starmer suggests he will keep taking gifts", "Starmer suggests he will keep taking gifts",
                 id="h1-repeats-headline-printed-headline-wins"),
    pytest.param("Council approves the budget for next year", "Budget passes after long debate", "Daily Gazette",
                 "Council approves the budget for next year", id="logo-h1-does-not-outvote"),
])
def test_title_among_og_title_json_ld_headline_and_h1(og: str, headline: str, h1: str | None, expected: str) -> None:
    head = f'<meta property="og:title" content="{og}">' + ld({"@type": "NewsArticle", "headline": headline})
    body = (f"<h1>{h1}</h1>" if h1 else "") + PARAGRAPHS
    assert extract(page(head, body), "https://news.example.org/a").title == expected


def test_headline_shared_after_two_different_kickers_is_the_title() -> None:
    head = ('<meta property="og:title" content="Conflict in the Middle East: «Restraint has a lot to do with the US»">')
    body = "<h1>Escalation - «Restraint has a lot to do with the US»</h1>" + PARAGRAPHS
    assert extract(page(head, body), "https://news.example.org/a").title == "«Restraint has a lot to do with the US»"


def test_kicker_rule_needs_a_separator_in_both_and_four_words() -> None:
    # Tails shared without a separator before them are just similar headlines.
    head = '<meta property="og:title" content="Mayor opens the new bridge over the river">'
    body = "<h1>Governor opens the new bridge over the river</h1>" + PARAGRAPHS
    assert extract(page(head, body), "https://news.example.org/a").title == "Mayor opens the new bridge over the river"
    # A short shared tail ("the river") is not a headline.
    head = '<meta property="og:title" content="Floods: the river">'
    body = "<h1>Weather warning - the river</h1>" + PARAGRAPHS
    assert extract(page(head, body), "https://news.example.org/a").title == "Floods: the river"


def test_empty_first_h1_is_skipped() -> None:
    body = '<h1><a href="/"></a></h1><h1>Council approves the budget for next year</h1>' + PARAGRAPHS
    assert extract(page("", body), "https://news.example.org/a").title == "Council approves the budget for next year"


@pytest.mark.parametrize("og,headline", [
    ('"Why fight over regions"... leader calls for unity', "Why fight over regions... leader calls for unity"),
    ("Why fight over regions... leader calls for unity", '"Why fight over regions"... leader calls for unity'),
])
def test_same_words_spelled_with_and_without_quotes_take_the_plain_one(og: str, headline: str) -> None:
    head = (f'<meta property="og:title" content="{og.replace(chr(34), "&quot;")}">'
            + ld({"@type": "NewsArticle", "headline": headline}))
    assert extract(page(head), "https://news.example.org/a").title == "Why fight over regions... leader calls for unity"


def _flight_page(fragment: str, visible: str = "<p>A short teaser of the story.</p>") -> bytes:
    push = "self.__next_f.push(" + json.dumps([1, fragment]).replace("<", "\\u003c") + ")"
    head = '<meta property="og:type" content="article"><meta property="og:title" content="Council approves budget">'
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8">{head}</head><body><main>{visible}</main>'
            f'<script>self.__next_f.push([0])</script><script>{push}</script></body></html>').encode("utf-8")


def test_body_rendered_by_script_is_read_from_next_js_payload() -> None:
    fragment = PARAGRAPHS + '<div class="writer">Jane Doe reporter</div>'
    art = extract(_flight_page(fragment), "https://news.example.org/a", HTML)
    assert "Paragraph 1: the kernel developers" in art.text
    assert "Paragraph 3: the kernel developers" in art.text
    assert "short teaser" not in art.text


def test_next_js_payload_is_ignored_when_the_page_text_is_long_enough() -> None:
    visible = "".join(f"<p>Visible paragraph {n}: {' '.join(['council'] * 40)} budget vote.</p>" for n in range(4))
    art = extract(_flight_page(PARAGRAPHS, visible), "https://news.example.org/a", HTML)
    assert "Visible paragraph 0" in art.text
    assert "kernel developers" not in art.text


def test_next_js_payload_without_paragraphs_or_broken_json_is_no_fallback() -> None:
    for page_bytes in (_flight_page("<span>menu</span>"),
                       _flight_page(PARAGRAPHS).replace(b'self.__next_f.push([1,', b'self.__next_f.push([1,,')):
        art = extract(page_bytes, "https://news.example.org/a", HTML)
        assert "kernel developers" not in (art.text or "")
        assert art.error is None or art.error == "no text extracted"


# ----------------------------------------------------------------------------- authors (more rules)

def test_byline_label_standing_before_linked_names() -> None:
    body = ('<ul><li class="information-item">3 Minuten Lesezeit</li>'
            '<li class="information-item">Von: <span class="person-link"><a href="/bill-mccarthy">Bill MCCARTHY</a>, </span>'
            '<span class="person-link"><a href="/marisha-goldhamer">Marisha GOLDHAMER</a></span></li></ul>' + PARAGRAPHS)
    art = extract(page("", body, lang="de"), "https://faktencheck.example.org/a", HTML)
    assert art.authors == ["Bill MCCARTHY", "Marisha GOLDHAMER"]


def test_label_rule_ignores_sentences_and_long_lists() -> None:
    # A sentence that starts with "De" is no byline; nor is a long run of text after "By".
    body = ('<p>De <a href="/x">acuerdo</a> con la policía, el incendio comenzó de madrugada.</p>'
            '<div>By <a href="/a">' + "very long text " * 12 + "</a></div>" + PARAGRAPHS)
    assert extract(page("", body, lang="es"), "https://news.example.org/a", HTML).authors == []


def test_right_aligned_name_closing_the_story_is_its_signature() -> None:
    body = PARAGRAPHS + '<p class="Normal" style="text-align:right;"><strong>Lê Phương</strong></p>'
    head = '<meta name="author" content="VnExample"><meta property="og:site_name" content="VnExample">'
    assert extract(page(head, body, lang="vi"), "https://vnexample.net/a", HTML).authors == ["Lê Phương"]


@pytest.mark.parametrize("closing", [
    '<p style="text-align: right">22/10/2025</p>',
    '<p style="TEXT-ALIGN:RIGHT">Read more stories like this one on our website</p>',
    '<p style="text-align:right">photo</p>',
])
def test_right_aligned_paragraph_that_is_no_name_is_no_signature(closing: str) -> None:
    assert extract(page("", PARAGRAPHS + closing), "https://news.example.org/a", HTML).authors == []


def test_site_name_meta_author_loses_to_a_byline_person() -> None:
    head = '<meta name="author" content="example.org"><meta property="og:site_name" content="Example">'
    body = '<p class="author">von <a href="mailto:d@example.org">David Straub</a></p>' + PARAGRAPHS
    assert extract(page(head, body), "https://www.example.org/a").authors == ["David Straub"]


def test_site_name_meta_author_kept_when_nobody_else_is_named() -> None:
    head = '<meta name="author" content="Example News">'
    assert extract(page(head), "https://www.examplenews.org/a").authors == ["Example News"]


def test_publication_name_with_region_dropped_beside_a_person() -> None:
    head = '<meta property="og:site_name" content="ZDR">'
    body = '<p class="byline">von David Straub, ZDR THÜRINGEN</p>' + PARAGRAPHS
    assert extract(page(head, body), "https://www.zdr.de/a").authors == ["David Straub"]


# ----------------------------------------------------------------------------- body (more rules)

def test_read_also_teaser_paragraphs_are_pruned() -> None:
    body = (PARAGRAPHS + '<p><b>Les også: <a href="/x">Another story about something else entirely</a></b></p>'
            '<p>Read more: <a href="/y">Yet another story from the archive</a></p>'
            "<p>Read more about the scheduler in the documentation, which the developers wrote last year.</p>")
    text = extract(page("", body), "https://news.example.org/a").text
    assert "Another story" not in text and "Yet another story" not in text
    assert "Paragraph 3" in text
    assert "Read more about the scheduler" in text  # a sentence that is not a link teaser stays


def test_embedded_tweets_are_pruned() -> None:
    body = (PARAGRAPHS + '<blockquote class="twitter-tweet"><p>Breaking: someone tweeted something loud</p>'
            '&mdash; Someone (@someone) <a href="https://twitter.com/x">July 18, 2026</a></blockquote>')
    text = extract(page("", body), "https://news.example.org/a").text
    assert "tweeted" not in text and "Paragraph 2" in text


def test_script_rendered_article_falls_back_to_its_description() -> None:
    html = ('<html><head><meta property="og:type" content="article"><meta property="og:title" content="A story">'
            '<meta property="og:description" content="The summary of the story, the only text on the page.">'
            '</head><body><div id="root"></div><script>render()</script></body></html>').encode()
    art = extract(html, "https://news.example.org/a")
    assert art.text == "The summary of the story, the only text on the page."
    assert art.error is None and art.is_article is True


# ----------------------------------------------------------------------------- newsarchive eval

def _small_corpus(tmp_path: Path, body: str = "wrong body entirely") -> Path:
    corpus = tmp_path / "corpus"
    (corpus / "html").mkdir(parents=True)
    (tmp_path / "score.py").write_text(
        "import re, collections\n"
        "def fold(t): return re.sub(r'\\s+', ' ', str(t or '')).strip().casefold()\n"
        "def tokens(t): return re.findall(r'\\w+', fold(t))\n"
        "def f1(p, g):\n p, g = collections.Counter(p), collections.Counter(g)\n c = sum((p & g).values())\n"
        " return 0.0 if not c else 2 * c / (sum(p.values()) + sum(g.values()))\n"
        "def set_f1(p, g): return 1.0 if {fold(x) for x in p} == {fold(x) for x in g} else 0.0\n"
        "def as_list(v): return list(v or [])\n")
    (corpus / "html" / "b14.html.gz").write_bytes(gzip.compress(case("B14.html")))
    truth = {"id": "b14", "original_url": "https://news.example.org/a", "title": "Council approves budget",
             "authors": ["Jane Placeholder"], "published": "2024-03-02 08:15:00", "body": body}
    (corpus / "truth.jsonl").write_text(json.dumps(truth) + "\n")
    return corpus


def test_cli_eval_prints_figures_and_misses(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from archive.cli import main

    corpus = _small_corpus(tmp_path)
    result = CliRunner().invoke(main, ["eval", "--corpus", str(corpus)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "title    1.0" in lines and "authors  1.0" in lines and "date     1.0" in lines
    assert "body_f1  0.0" in lines
    assert "-- body_f1: 1 pages below 0.8 (score.py's misses); the 1 lowest:" in lines
    assert any(line.startswith("    b14: F1 0.0, ") and line.endswith(" characters extracted") for line in lines)


def test_cli_eval_json_and_min(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from archive.cli import main

    corpus = _small_corpus(tmp_path)
    result = CliRunner().invoke(main, ["eval", "--corpus", str(corpus), "--json", "--show", "0"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["figures"]["pages"] == 1 and data["figures"]["title"] == 1.0
    assert data["misses"]["body"] == []
    failed = CliRunner().invoke(main, ["eval", "--corpus", str(corpus), "--min", "body_f1=0.5", "--show", "0"])
    assert failed.exit_code == 1 and "body_f1=0.0" in failed.output
    passed = CliRunner().invoke(main, ["eval", "--corpus", str(corpus), "--min", "title=0.9", "--show", "0"])
    assert passed.exit_code == 0


@pytest.mark.parametrize("args", [["--min", "nonsense"], ["--min", "speed=1"], ["--show", "-1"]])
def test_cli_eval_usage_errors(tmp_path: Path, args: list[str]) -> None:
    from click.testing import CliRunner

    from archive.cli import main

    corpus = _small_corpus(tmp_path)
    assert CliRunner().invoke(main, ["eval", "--corpus", str(corpus), *args]).exit_code == 2


def test_cli_eval_not_a_corpus_is_a_usage_error(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from archive.cli import main

    _small_corpus(tmp_path)  # writes tmp_path/score.py beside the folders
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(main, ["eval", "--corpus", str(tmp_path / "empty")])
    assert result.exit_code == 2 and "truth.jsonl" in result.output
    missing = CliRunner().invoke(main, ["eval", "--corpus", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2


def test_correction_notice_outside_the_article_is_kept_with_the_text() -> None:
    """A revised story's update note (appended after the article) is part of what was
    published, so a revision shows as changed text (issue 7's versions)."""
    paragraphs = "".join(f"<p>Paragraph {i} of the story about the harbour and the city council vote.</p>" for i in range(8))
    page = (f"<html><head><title>Harbour vote</title><meta property='og:type' content='article'></head><body>"
            f"<article><h1>Harbour vote</h1>{paragraphs}</article>"
            f"<footer>About us</footer><p class='update-note'>Update 2024-03-15: this story was updated with a correction.</p>"
            f"</body></html>").encode()
    result = extract(page, "https://news.example.org/harbour-vote/")
    assert result.text.endswith("Update 2024-03-15: this story was updated with a correction.")
    # a time stamp such as "Updated 3 hours ago" in a class named "updated" is not a notice
    stamp = page.replace(b"class='update-note'", b"class='updated'")
    assert "this story was updated" not in extract(stamp, "https://news.example.org/harbour-vote/").text


# ----------------------------------------------------------------------------- trafilatura's fallback, only where it matters

def _record_fast_flags(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    import archive.extract.body as extract_module

    calls: list[bool] = []
    real = extract_module.trafilatura.bare_extraction

    def recording(*args, **kwargs):
        calls.append(kwargs.get("fast"))
        return real(*args, **kwargs)

    monkeypatch.setattr(extract_module.trafilatura, "bare_extraction", recording)
    return calls


def test_page_written_in_paragraphs_skips_the_fallback_extractors(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _record_fast_flags(monkeypatch)
    body = "".join(f"<p>Paragraph {n}: {' '.join(['council'] * 30)} approved the budget.</p>" for n in range(6))
    art = extract(page("", body), "https://news.example.org/a", HTML)
    assert "Paragraph 5" in art.text
    assert calls == [True]


def test_page_without_paragraph_markup_consults_the_fallback_extractors(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _record_fast_flags(monkeypatch)
    body = "".join(f"<div>Line {n}: {' '.join(['council'] * 30)} approved the budget.</div>" for n in range(6))
    art = extract(page("", body), "https://news.example.org/a", HTML)
    assert "Line 5" in art.text
    assert calls == [False]  # the full extraction at once: the fast one would not decide


def test_page_without_paragraph_markup_falls_back_to_fast_when_the_full_extraction_fails(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import archive.extract.body as extract_module

    calls: list[bool] = []
    real = extract_module.trafilatura.bare_extraction

    def failing_when_full(*args, **kwargs):
        calls.append(kwargs.get("fast"))
        if not kwargs.get("fast"):
            raise ValueError("readability failed")
        return real(*args, **kwargs)

    monkeypatch.setattr(extract_module.trafilatura, "bare_extraction", failing_when_full)
    body = "".join(f"<div>Line {n}: {' '.join(['council'] * 30)} approved the budget.</div>" for n in range(6))
    art = extract(page("", body), "https://news.example.org/a", HTML)
    assert calls[:2] == [False, True]
    assert "Line 5" in art.text and art.error is None


def test_fast_result_missing_most_paragraph_text_consults_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    import archive.extract.body as extract_module

    calls: list[bool] = []
    real = extract_module.trafilatura.bare_extraction

    def short_when_fast(*args, **kwargs):
        calls.append(kwargs.get("fast"))
        doc = real(*args, **kwargs)
        if kwargs.get("fast"):
            doc.text = doc.text[:100]  # what a fast pass that lost the body looks like
        return doc

    monkeypatch.setattr(extract_module.trafilatura, "bare_extraction", short_when_fast)
    body = "".join(f"<p>Paragraph {n}: {' '.join(['council'] * 30)} approved the budget.</p>" for n in range(6))
    art = extract(page("", body), "https://news.example.org/a", HTML)
    assert calls == [True, False]
    assert "Paragraph 5" in art.text


@pytest.mark.parametrize("charset,noise", [
    ("utf-8", "\x01"), ("utf-8", "\x0b\x0c"), ("utf-8", "\x00"), ("utf-8", "\uffff"),
    ("windows-1252", "\x1f"), ("utf-16", "\x01"),
])
def test_characters_lxml_refuses_are_dropped_before_parsing(charset: str, noise: str) -> None:
    html_text = ("<html><body><article><p>Hello" + noise + " world."
                 + " Budget text for the council vote." * 60 + "</p></article></body></html>")
    art = extract(html_text.encode(charset), "https://news.example.org/a", {"Content-Type": f"text/html; charset={charset}"})
    assert art.error is None
    assert art.text.startswith("Hello world. Budget text")


# ----------------------------------------------------------------------------- hostile inputs

def test_lone_surrogates_from_json_become_replacement_characters() -> None:
    head = ld({"@type": "NewsArticle", "headline": "Council \ud800 approves budget",
               "author": {"@type": "Person", "name": "Jane \udc00 Doe"}})
    art = extract(page(head), "https://news.example.org/a", HTML)
    assert art.title == "Council \ufffd approves budget"
    assert art.authors == ["Jane \ufffd Doe"]
    art.title.encode("utf-8")  # what WARC and SQLite need


@pytest.mark.parametrize("where", ["json-ld", "next-js"])
def test_json_nested_deeper_than_the_stack_is_ignored(where: str) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    if where == "json-ld":
        head, body = f'<script type="application/ld+json">{deep}</script><title>Council budget</title>', PARAGRAPHS
    else:
        head, body = "<title>Council budget</title>", (
            f'<p>Teaser.</p><script>self.__next_f.push([1,{deep},"\\u003cp"])</script>')
    art = extract(page(head, body), "https://news.example.org/a", HTML)
    assert art.error is None
    assert art.title == "Council budget"


def test_noncharacter_in_a_gb18030_page_is_dropped_not_fatal() -> None:
    body = "<p>北京市今天发布了新的预算\uffff方案，市民代表参加了讨论。</p>" * 20
    html_bytes = page("", body, lang="zh").replace(b'charset="utf-8"', b'charset="gbk"').decode("utf-8").encode("gb18030")
    art = extract(html_bytes, "https://news.example.cn/a", {"Content-Type": "text/html; charset=gbk"})
    assert art.error is None
    assert "北京市今天发布了新的预算方案" in art.text
    assert "\uffff" not in art.text


@pytest.mark.parametrize("link", [
    '<link rel="canonical" href="http://[::1/x">',
    '<meta property="og:url" content="https://[bad">',
    '<link rel="canonical" href="https://news.example.org:99999/a">',
])
def test_a_canonical_link_that_is_no_url_is_ignored(link: str) -> None:
    art = extract(page(link), "https://news.example.org/a", HTML)
    assert art.error is None and art.canonical_url is None
    from crawler.pipelines import choose_canonical

    assert choose_canonical("https://news.example.org:99999/a", "https://news.example.org/a") == "https://news.example.org/a"
    assert choose_canonical("http://[::1/x", "https://news.example.org/a") == "https://news.example.org/a"


# ----------------------------------------------------------------------------- weak rules stay weak

@pytest.mark.parametrize("og,headline", [
    ("New Covid variant JN.1: what we know so far", "Covid JN.1 variant spreads - what we know so far"),
    ("Storm hits the coast overnight: live updates and latest news",
     "Coastal storm - live updates and latest news"),
])
def test_a_stock_phrase_shared_after_two_heads_is_not_the_headline(og: str, headline: str) -> None:
    head = f'<meta property="og:title" content="{og}">' + ld({"@type": "NewsArticle", "headline": headline})
    assert extract(page(head), "https://news.example.org/a", HTML).title == og


@pytest.mark.parametrize("h1", [
    "Home > News > Council > Budget", "Politics news budget", "World Cup 2026 News",
])
def test_breadcrumbs_and_section_labels_in_h1_do_not_win(h1: str) -> None:
    head = ('<meta property="og:title" content="Council approves the new city budget for 2026 and World Cup">'
            + ld({"@type": "NewsArticle", "headline": "Budget passes after a long council debate"}))
    title = extract(page(head, f"<h1>{h1}</h1>" + PARAGRAPHS), "https://news.example.org/a", HTML).title
    assert title == "Council approves the new city budget for 2026 and World Cup"


@pytest.mark.parametrize("markup", [
    "<p>Par <a href='/x'>ailleurs</a>, le conseil a voté.</p>",
    "<p>By <a href='/x'>the way</a>, the council voted.</p>",
    "<ul><li>By <a href='/d'>date</a></li></ul>",
    "<span>Por <b>sólo 9,99 €</b> al mes</span>",
    "<figure><figcaption>By <a href='/p'>Reuters Photographer</a></figcaption></figure>",
    "<p>von <b>1</b> bis <b>10</b></p>",
    "<p>door <a href='/u'>anoniem123</a>: dit is onzin</p>",
])
def test_byline_label_rule_ignores_sentences_prices_captions_and_pagination(markup: str) -> None:
    assert extract(page("", markup + PARAGRAPHS), "https://news.example.org/a", HTML).authors == []


@pytest.mark.parametrize("closing", [
    "<footer><p style='text-align:right'>Powered By WordPress</p></footer>",
    "<p style='text-align:right'>Theo TTXVN</p>",
    "<p style='text-align:right'>THE END</p>",
    "<p style='text-align:right'>Hanoi, March</p>",
    "<p style='text-align:right'>Fonte: Ansa</p>",
    "<p style='text-align:rightmost'>Jane Doe</p>",
    "<p style='text-align:right'>Jane Doe</p><p>One more paragraph of the story after it.</p>",
])
def test_signature_rule_needs_a_closing_name_in_the_story(closing: str) -> None:
    assert extract(page("", PARAGRAPHS + closing), "https://news.example.org/a", HTML).authors == []


@pytest.mark.parametrize("byline", [
    '<div class="journalist-name">Jane Doe</div>',
    '<span class="submitted-by">Jane Doe</span>',
])
def test_weak_byline_rules_come_after_every_other_source(byline: str) -> None:
    body = (byline + "<p>By <a href='/p'>Reuters Photographer</a></p>" + PARAGRAPHS
            + "<p style='text-align:right'>Back To Top</p>")
    assert extract(page("", body), "https://news.example.org/a", HTML).authors == ["Jane Doe"]


def test_next_js_serialised_tree_rows_are_not_read_as_html() -> None:
    rsc = '7:["$","div",null,{"dangerouslySetInnerHTML":{"__html":"' + PARAGRAPHS.replace('"', '\\"') + '"}}]'
    art = extract(_flight_page(rsc), "https://news.example.org/a", HTML)
    assert "dangerouslySetInnerHTML" not in art.text
    text_row = "1f:T4a2," + PARAGRAPHS
    art = extract(_flight_page(text_row), "https://news.example.org/a", HTML)
    assert art.text.startswith("Paragraph 1:") and "1f:T4a2" not in art.text


def test_next_js_fragment_of_pictures_is_no_body() -> None:
    nav = "".join(f"<picture><img src='/{n}.jpg'></picture><a href='/s{n}'>Section {n}</a>" for n in range(6))
    assert "Section 0" not in extract(_flight_page(nav), "https://news.example.org/a", HTML).text


def test_reader_comments_are_pruned_before_bylines_are_read() -> None:
    comments = ('<section id="comments" class="comments-area"><ol class="comment-list">'
                '<li class="comment"><span class="author">Troll Number</span><p>First! This is rubbish.</p></li>'
                "</ol></section>")
    art = extract(page("", PARAGRAPHS + comments), "https://news.example.org/a", HTML)
    assert art.authors == []
    assert "First!" not in art.text
    assert art.text.startswith("Paragraph 1:")


@pytest.mark.parametrize("html_text", [
    '<html><head><meta charset="iso-8859-1"><title>Café — x</title></head><body><p>naïve 日本 &amp; &eacute;</p></body></html>',
    '<!doctype html><html lang="ja"><body><h1>見出し\u3000二</h1><p>本文\u200bです</p></body></html>',
    '<html><body><p>a replaced byte \ufffd stays as text</p></body></html>',
    '\ufeff<html><body><p>after a byte order mark</p></body></html>',
])
def test_utf8_bytes_parse_to_the_same_tree_as_their_text(html_text: str) -> None:
    import lxml.etree

    from archive.extract.charset import _parse, decode_html

    raw = html_text.encode("utf-8")
    text, encoding = decode_html(raw, "text/html; charset=iso-8859-1")
    assert encoding == "utf-8"
    from_text, from_bytes = _parse(text), _parse(text, raw, encoding)
    assert from_text is not None and from_bytes is not None
    assert lxml.etree.tostring(from_bytes, encoding="unicode") == lxml.etree.tostring(from_text, encoding="unicode")


def test_fast_result_with_a_third_of_the_paragraph_text_is_not_asked_again_in_full(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Over a quarter of the ``<p>`` text found (a page's paragraphs also hold teasers and
    footers): no plain full extraction. (A body this short beside the page's longest text
    block is still asked again in recall mode, by recover_body.)"""
    import archive.extract.body as extract_module

    calls: list[tuple[object, object]] = []
    real = extract_module.trafilatura.bare_extraction

    def a_third_when_fast(*args, **kwargs):
        calls.append((kwargs.get("fast"), kwargs.get("favor_recall")))
        doc = real(*args, **kwargs)
        if kwargs.get("fast"):
            doc.text = doc.text[: len(doc.text) // 3]
        return doc

    monkeypatch.setattr(extract_module.trafilatura, "bare_extraction", a_third_when_fast)
    body = "".join(f"<p>Paragraph {n}: {' '.join(['council'] * 30)} approved the budget.</p>" for n in range(6))
    extract(page("", body), "https://news.example.org/a", HTML)
    assert calls[0] == (True, None)
    assert (False, None) not in calls
    assert extract_module.FAST_MISS_SHARE < 1 / 3


def test_navigation_and_footers_are_set_aside_for_trafilatura_and_put_back() -> None:
    """trafilatura discards <nav> and <footer> anyway; they leave the tree while it copies
    it, and the tree is whole (same serialization) afterwards. A footer followed by text
    stays, so that text is not lost."""
    import lxml.etree

    from archive.extract.body import _main_text, _set_aside
    from archive.extract.charset import _parse

    story = "".join(f"<p>Paragraph {n}: {' '.join(['council'] * 30)} approved the budget.</p>" for n in range(6))
    html_text = (f"<html><body><nav><a href='/'>Home</a></nav>\n<article>{story}"
                 f"<footer>Filed under budget</footer> Tail words stay.</article>"
                 f"<footer><nav>Site map</nav> About us</footer>\n</body></html>")
    tree = _parse(html_text)
    before = lxml.etree.tostring(tree)
    seen: list[bytes] = []
    import archive.extract.body as body_module
    real = body_module.trafilatura.bare_extraction

    def recording(source, **kwargs):
        seen.append(lxml.etree.tostring(source))
        return real(source, **kwargs)

    body_module.trafilatura.bare_extraction = recording
    try:
        doc = _main_text(tree, "https://news.example.org/a")
    finally:
        body_module.trafilatura.bare_extraction = real
    assert "Paragraph 5" in doc.text
    assert lxml.etree.tostring(tree) == before
    assert seen and b"Site map" not in seen[0] and b"Home" not in seen[0]
    assert b"Filed under budget" in seen[0]  # its tail holds text: kept
    removed = _set_aside(tree)
    assert [el.tag for _, _, el in removed] == ["nav", "footer"]
