"""Page requisites: found in HTML and CSS (archive.requisites), scoped and asked for once a
crawl (crawler.requisites)."""
from __future__ import annotations

import lxml.html
import pytest

from archive.requisites import css_requisites, html_requisites, srcset_urls
from archive.urls import is_tracking_param, without_tracking
from crawler.requisites import RequisitePlan, registrable_domain

PAGE = "https://www.example.org/2024/03/02/story/"


def found(html: str, url: str = PAGE) -> dict[str, str]:
    return {r.url: r.kind for r in html_requisites(lxml.html.document_fromstring(html), url)}


def test_every_kind_of_html_reference_is_found_and_resolved():
    page = found("""<html><head>
      <link rel="stylesheet" href="/wp-content/themes/t/style.css?ver=6.4.3">
      <link rel="icon" href="/favicon.ico"><link rel="preload" as="font" href="/f/serif.woff2">
      <link rel="modulepreload" href="/js/mod.js"><link rel="canonical" href="/other/">
      <script src="js/site.js"></script><style>.hero{background:url(img/hero.png)}</style></head>
      <body><img src="/up/a-1024.png" srcset="/up/a-300.png 300w, /up/a-1024.png 1024w">
      <picture><source srcset="/up/b.webp 1x, /up/b@2x.webp 2x" type="image/webp"><img src="/up/b.png"></picture>
      <video poster="/up/poster.png"><source src="/up/clip.mp4" type="video/mp4"></video>
      <div style="background-image: url('/up/bg.png')">x</div>
      <a href="/not-a-requisite/">link</a><iframe src="/embed/"></iframe></body></html>""")
    base = "https://www.example.org"
    assert page == {
        f"{base}/wp-content/themes/t/style.css?ver=6.4.3": "stylesheet",
        f"{base}/favicon.ico": "icon",
        f"{base}/f/serif.woff2": "font",
        f"{base}/js/mod.js": "script",
        f"{base}/2024/03/02/story/js/site.js": "script",
        f"{base}/2024/03/02/story/img/hero.png": "image",
        f"{base}/up/a-1024.png": "image",
        f"{base}/up/a-300.png": "image",
        f"{base}/up/b.webp": "image",
        f"{base}/up/b@2x.webp": "image",
        f"{base}/up/b.png": "image",
        f"{base}/up/poster.png": "image",
        f"{base}/up/clip.mp4": "media",
        f"{base}/up/bg.png": "image",
    }


def test_base_href_decides_where_relative_references_point():
    page = found('<html><head><base href="https://cdn.example.org/static/"></head>'
                 '<body><img src="a.png"><img src="/b.png"></body></html>')
    assert set(page) == {"https://cdn.example.org/static/a.png", "https://cdn.example.org/b.png"}


def test_relative_base_href_resolves_against_the_page():
    page = found('<html><head><base href="/static/"></head><body><img src="a.png"></body></html>')
    assert set(page) == {"https://www.example.org/static/a.png"}


@pytest.mark.parametrize("ref", ["data:image/png;base64,AAAA", "javascript:void(0)", "#top", "", "   ",
                                 "mailto:x@example.org", "http://[::1/broken.png"])
def test_inline_and_non_http_references_are_not_requisites(ref):
    assert found(f'<html><body><img src="{ref}"></body></html>') == {}


def test_srcset_candidates_with_and_without_descriptors():
    assert srcset_urls("a.png") == ["a.png"]
    assert srcset_urls(" a.png 1x,b.png 2x , c.png 3x ") == ["a.png", "b.png", "c.png"]
    assert srcset_urls("") == []


def test_css_url_and_import_resolve_against_the_stylesheet_url():
    css = b"""@charset "utf-8";
      @import url("print.css"); @import 'layout.css' screen; @import url(grid.css);
      @font-face { font-family: "LN"; src: url(fonts/serif.woff2) format("woff2"), url('fonts/serif.woff'); }
      .site-header { background: #7a0019 url(../../uploads/masthead.png) no-repeat; }
      .x { background-image: url( "data:image/png;base64,AAAA" ) }
      /* url(commented-out.png) */ .y { content: "url(not-a-url.png)" }"""
    got = {r.url: r.kind for r in css_requisites(css, "https://www.example.org/wp-content/themes/t/style.css?ver=1")}
    theme = "https://www.example.org/wp-content/themes/t"
    assert got == {
        f"{theme}/print.css": "stylesheet",
        f"{theme}/layout.css": "stylesheet",
        f"{theme}/grid.css": "stylesheet",
        f"{theme}/fonts/serif.woff2": "font",
        f"{theme}/fonts/serif.woff": "font",
        "https://www.example.org/wp-content/uploads/masthead.png": "image",
    }


@pytest.mark.parametrize("css", [b"", b"\xff\xfe\x00garbage{{{", b"body{background:url(", "}}}{{ url(x.png",
                                 b"@import;", b"@import url();"])
def test_broken_css_never_raises(css):
    result = css_requisites(css, "https://example.org/a.css")
    assert all(r.url.startswith("https://example.org/") for r in result)


def test_css_in_a_declared_charset_is_decoded_by_it():
    css = '@charset "iso-8859-1"; .a{background:url(caf\xe9.png)}'.encode("latin-1")
    assert [r.url for r in css_requisites(css, "https://example.org/a.css")] == ["https://example.org/caf\xe9.png"]


def test_registrable_domain_uses_the_public_suffix_list_offline():
    assert registrable_domain("cdn.static.example.co.uk") == "example.co.uk"
    assert registrable_domain("www.courthousenews.com") == "courthousenews.com"
    assert registrable_domain("127.0.0.1") == "127.0.0.1"
    assert registrable_domain("localhost") == "localhost"


def test_same_site_scope_is_the_registrable_domain_and_its_subdomains():
    plan = RequisitePlan("same-site", "https://www.example.org/")
    assert plan.in_scope("https://cdn.example.org/a.png")
    assert plan.in_scope("http://example.org/a.css")
    assert plan.in_scope("https://static.www.example.org/a.js")
    assert not plan.in_scope("https://example.com/a.png")
    assert not plan.in_scope("https://notexample.org/a.png")
    assert not plan.in_scope("ftp://example.org/a.png")
    assert RequisitePlan("all", "https://www.example.org/").in_scope("https://cdn.other.net/a.png")
    assert not RequisitePlan("none", "https://www.example.org/").in_scope("https://www.example.org/a.png")


def test_a_bad_scope_is_a_clear_error():
    with pytest.raises(ValueError, match="same-site, all, none"):
        RequisitePlan("everything", "https://www.example.org/")


def test_each_requisite_is_asked_for_once_a_crawl():
    plan = RequisitePlan("same-site", "https://www.example.org/")
    first = list(plan.new([("https://www.example.org/s.css?ver=1", "stylesheet"),
                           ("https://www.example.org/s.css?ver=1#x", "stylesheet"),
                           ("https://www.example.org/a.png?utm_source=x", "image"),
                           ("https://elsewhere.net/t.js", "script")]))
    assert first == [("https://www.example.org/s.css?ver=1", "stylesheet"), ("https://www.example.org/a.png", "image")]
    assert list(plan.new([("https://www.example.org/a.png", "image"), ("https://www.example.org/s.css?ver=1", "x")])) == []
    assert list(plan.new([["https://www.example.org/s.css?ver=2", "stylesheet"]])) == [
        ("https://www.example.org/s.css?ver=2", "stylesheet")]
    assert plan.asked == 3


def test_media_requisites_carry_the_size_cap():
    plan = RequisitePlan("same-site", "https://www.example.org/", max_media_bytes=1000)
    assert plan.request_meta("media", PAGE)["download_maxsize"] == 1000
    assert "download_maxsize" not in plan.request_meta("image", PAGE)


@pytest.mark.parametrize("name, tracks", [
    ("utm_source", True), ("utm_campaign", True), ("fbclid", True), ("gclid", True), ("mc_cid", True),
    ("mc_eid", True), ("_ga", True), ("ref", True), ("ref_src", True), ("igshid", True), ("msclkid", True),
    ("id", False), ("p", False), ("page", False), ("ver", False), ("gallery", False), ("refresh", False),
    ("sources", False), ("q", False),
])
def test_tracking_parameters_are_courlans_read_as_whole_names(name, tracks):
    assert is_tracking_param(name) is tracks


def test_without_tracking_keeps_the_rest_of_the_spelling():
    assert without_tracking("https://e.org/s/?utm_source=rss&id=7&fbclid=x#c") == "https://e.org/s/?id=7"
    assert without_tracking("https://e.org/s/?utm_source=rss") == "https://e.org/s/"
    assert without_tracking("https://e.org/s.css?ver=6.4.3") == "https://e.org/s.css?ver=6.4.3"
    assert without_tracking("https://e.org/s/?b=2&a=1") == "https://e.org/s/?b=2&a=1"


def test_a_folder_that_answers_only_404_is_given_up_deeper_folders_sooner():
    plan = RequisitePlan("same-site", "https://www.example.org/", dead_folder_404s=3)
    deep = "https://www.example.org/_next/static/chunks/"
    for n in range(3):
        assert plan.dead_folder(f"{deep}{n}.js") is None
        plan.answered(f"{deep}{n}.js", 404)
    assert plan.dead_folder(f"{deep}next.js") == "www.example.org/_next/static/chunks/"
    assert plan.dead_folder("https://www.example.org/_next/static/css/a.css") is None  # a level up needs 6
    assert plan.dead_folder("https://www.example.org/_next/a.js") is None
    ok = "https://www.example.org/wp-content/uploads/2024/03/"
    plan.answered(ok + "a.png", 200)
    for n in range(5):
        plan.answered(f"{ok}gone-{n}.png", 404)
    assert plan.dead_folder(ok + "b.png") is None  # one success keeps a folder alive


def test_giving_up_dead_folders_can_be_turned_off():
    plan = RequisitePlan("same-site", "https://www.example.org/", dead_folder_404s=0)
    for n in range(50):
        plan.answered(f"https://www.example.org/a/b/c/{n}.js", 404)
    assert plan.dead_folder("https://www.example.org/a/b/c/x.js") is None


# ---- hostile input: never raise, never superlinear ------------------------------------

def test_srcset_is_parsed_in_linear_time_and_as_html_says():
    import time

    start = time.process_time()
    assert srcset_urls("a.png" + " " * 200_000 + "1x") == ["a.png"]  # was quadratic: ~a minute
    assert len(srcset_urls("a.png 1x, " * 100_000)) == 100_000
    assert time.process_time() - start < 2
    # A URL is a run of non-whitespace (commas in a data: URL included); descriptors end
    # at a comma outside parentheses.
    assert srcset_urls("data:image/png;base64,AA,BB 1x, b.png 2x") == ["data:image/png;base64,AA,BB", "b.png"]
    assert srcset_urls("a.png (1x, 2x), b.png") == ["a.png", "b.png"]
    assert srcset_urls("a.png,, b.png,") == ["a.png", "b.png"]
    assert srcset_urls(",,, ") == [] and srcset_urls(5) == []  # type: ignore[arg-type]


@pytest.mark.parametrize("css", ["a{b:" + "(" * 10_000 + "url(x.png)", "{" * 10_000 + "url(x.png)",
                                 "a{b:" + "f(" * 10_000 + "url(x.png)"])
def test_deeply_nested_css_is_no_recursion_error(css):
    assert [r.url for r in css_requisites(css, "https://e.org/c/s.css")] == ["https://e.org/c/x.png"]
    assert set(found(f"<html><head><style>{css}</style></head></html>")) == {"https://www.example.org/2024/03/02/story/x.png"}


def test_css_escapes_and_odd_inputs():
    urls = [r.url for r in css_requisites(r"a{b:url(a\29 b.png) url(\D800.png) url(http://h:99999/x.png)"
                                          r" url(http://h:abc/x.png) url(http://h:8080/ok.png)}", "https://e.org/c/s.css")]
    # A lone-surrogate escape is U+FFFD (CSS Syntax 3), a URL with a bad port is no URL.
    assert urls == ["https://e.org/c/a)b.png", "https://e.org/c/\ufffd.png", "http://h:8080/ok.png"]
    for css in (bytearray(b"a{b:url(x.png)}"), memoryview(b"a{b:url(x.png)}")):
        assert [r.url for r in css_requisites(css, "https://e.org/")] == ["https://e.org/x.png"]
    assert css_requisites(None, "https://e.org/") == []  # type: ignore[arg-type]
    assert css_requisites("\ufeffa{b:url(x.png)}".encode("utf-16"), "https://e.org/")[0].url == "https://e.org/x.png"
    assert css_requisites(b'@charset "x-klingon"; a{b:url(\xff.png)}', "https://e.org/")
    assert css_requisites("@import; @import url(); @import '';", "https://e.org/") == []


def test_html_from_other_trees_and_bad_base_hrefs():
    import lxml.etree
    import parsel

    xml = lxml.etree.fromstring("<rss><style>a{b:url(x.png)}</style><img src='a.png'/></rss>")  # XmlResponse root
    assert {r.url for r in html_requisites(xml, PAGE)} == {PAGE + "x.png", PAGE + "a.png"}
    assert html_requisites(parsel.Selector(text='<img src="a.png">'), PAGE) == []  # not its root: nothing, no raise
    for base in ("http://h:99999/", "http://[::1/x/", "javascript:alert(1)"):
        assert set(found(f'<html><head><base href="{base}"></head><body><img src="a.png"></body></html>')) == {PAGE + "a.png"}
    assert set(found('<base href="http://[::1]:8080/s/"><img src="a.png">')) == {"http://[::1]:8080/s/a.png"}


def test_idn_hosts_are_one_site_in_either_spelling():
    assert registrable_domain("cdn.BÜCHER.de") == registrable_domain("www.xn--bcher-kva.de") == "xn--bcher-kva.de"
    for site in ("https://www.bücher.de/", "https://www.xn--bcher-kva.de/"):
        plan = RequisitePlan("same-site", site)
        assert plan.in_scope("https://cdn.xn--bcher-kva.de/a.png") and plan.in_scope("https://cdn.bücher.de/a.png")


def test_requisite_plan_takes_junk_without_raising():
    plan = RequisitePlan("same-site", "http://[::1", max_media_bytes=None, dead_folder_404s="3")  # type: ignore[arg-type]
    assert plan.site_domain == "" and plan.max_media_bytes == 0 and plan.dead_folder_404s == 3
    with pytest.raises(ValueError):
        RequisitePlan(5, "https://e.org/")  # type: ignore[arg-type]
    plan = RequisitePlan("all", "https://e.org/")
    assert list(plan.new([("https://e.org/a.png",), None, ("https://e.org/b.png", "image")])) == [  # type: ignore[list-item]
        ("https://e.org/b.png", "image")]
    assert registrable_domain(None) == ""  # type: ignore[arg-type]
    assert is_tracking_param(None) is False and without_tracking(None) is None  # type: ignore[arg-type]


def test_a_hostile_deep_path_costs_bounded_folders():
    from crawler.requisites import MAX_FOLDER_DEPTH, _folders

    url = "https://www.example.org" + "/a" * 50_000 + "/x.png"  # was 50,000 folders, 2.5 G characters
    folders = _folders(url)
    assert len(folders) == MAX_FOLDER_DEPTH and folders[0] == ("www.example.org", "/a/")
    plan = RequisitePlan("same-site", "https://www.example.org/", dead_folder_404s=1)
    for _ in range(8):
        plan.answered(url, 404)
    assert plan.dead_folder(url) == "www.example.org/a/"
    assert _folders(None) == []  # type: ignore[arg-type]


def test_requisites_a_killed_crawl_found_but_did_not_fetch_are_recovered_from_its_metadata_records(tmp_path):
    from archive.index import Index
    from archive.recovery import pending_requisites
    from tests.test_wacz import build_styled_archive

    data = tmp_path / "data"
    built = build_styled_archive(data)
    with Index(data / "archive.db") as index:
        assert pending_requisites(index, data / "warc", since="2000-01-01T00:00:00Z") == []
        missing = next(url for url in built["requisites"] if url.endswith(".png"))
        index.db.execute("DELETE FROM captures WHERE url = ?", [missing])  # as if never fetched
        pending = pending_requisites(index, data / "warc", since="2000-01-01T00:00:00Z")
    assert pending == [(missing, "image", built["url"])]


def test_what_a_crawl_fetched_before_a_crash_is_not_asked_for_again():
    plan = RequisitePlan("same-site", "https://www.example.org/")
    plan.mark_asked(["https://www.example.org/s.css?ver=1", "https://www.example.org/a.png?utm_source=x", "not a url"])
    assert list(plan.new([("https://www.example.org/s.css?ver=1", "stylesheet"),
                          ("https://www.example.org/a.png", "image"),
                          ("https://www.example.org/b.png", "image")])) == [("https://www.example.org/b.png", "image")]


def test_a_requisite_in_a_folder_known_dead_is_never_asked_for():
    plan = RequisitePlan("same-site", "https://www.example.org/", dead_folder_404s=3)
    for n in range(3):
        plan.answered(f"https://www.example.org/a/b/c/{n}.js", 404)
    assert list(plan.new([("https://www.example.org/a/b/c/late.js", "script"),
                          ("https://www.example.org/a/b/ok.js", "script")])) == [("https://www.example.org/a/b/ok.js", "script")]
    assert plan.given_up == 1


def test_large_inline_css_is_read_reference_by_reference_with_the_same_result():
    from archive.requisites import WHOLE_CSS_MAX_CHARS

    head = ("/* url(commented.png) */ .y{content:\"url(not.png)\"} @import url(\"print.css\");"
            " .b{background:url( 'a).png' ) no-repeat} @font-face{src:url(f.woff2) format('woff2'),url(\"g.woff\")}"
            " .d{mask:myurl(x)} .e{background:URL(e.png)}")
    small = css_requisites(head, "https://e.org/")
    large = css_requisites(head + ".a{color:red}" * (WHOLE_CSS_MAX_CHARS // 10), "https://e.org/")
    assert [(r.url, r.kind) for r in large] == [(r.url, r.kind) for r in small]
    assert [r.url for r in small] == ["https://e.org/print.css", "https://e.org/a).png", "https://e.org/f.woff2",
                                      "https://e.org/g.woff", "https://e.org/e.png"]
