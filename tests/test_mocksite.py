"""Tests of the mock news site (tests/mocksite): layout, HTTP behaviour, faults, control and log."""
from __future__ import annotations

import datetime as dt
import gzip
import html
import http.client
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import zlib
from html.parser import HTMLParser
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.mocksite import ARTICLES, BY_NUMBER, BY_SLUG, MockSite  # noqa: E402
from tests.mocksite import requisites as req  # noqa: E402
from tests.mocksite import (BASE_HREF_ARTICLE, BASE_HREF_REQUISITE, DISALLOWED_REQUISITE,  # noqa: E402
                            MEDIA_BYTES, MEDIA_REQUISITE, SHARED_REQUISITES, THIRD_PARTY_REQUISITE,
                            VIDEO_ARTICLE, VIDEO_POSTER, article_requisites)

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
KAZAKH = "federal-judge-blocks-kazakhstan-pipeline-seizure"        # 429 first
BANKRUPTCY = "bankruptcy-judge-weighs-retail-chain-plan-landlord-objections"  # 503 first
INSULIN = "state-senate-passes-bill-capping-insulin-copays"          # chunked
VINEYARD = "appeals-court-revives-wildfire-smoke-lawsuit-vineyards"  # slow, byline only
LIGHTHOUSE = "coast-guard-lighthouse-sale-challenged-federal-court"  # windows-1252
PICKLEBALL = "judge-questions-ftc-pickleball-paddle-merger"          # revised 2 days later
DELETED = "mayors-aide-charged-parking-ticket-scheme"
HIDDEN = "beekeepers-challenge-pesticide-registration-eighth-circuit"
ASTRONOMY = "astronomers-lawsuit-satellite-glare-dismissed"         # published 2024-03-15


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, headers: dict | None = None, method: str = "GET"):
    """(status, headers, body) without following redirects or raising on 4xx/5xx."""
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with _OPENER.open(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.headers, err.read()


def teaser_slugs(body: bytes) -> list[str]:
    """Article slugs linked from WordPress teasers, undoing ?p=N, utm_* and missing slashes."""
    slugs = []
    for href in re.findall(r'<h2 class="entry-title"><a href="([^"]+)"', body.decode()):
        parts = urlsplit(html.unescape(href))
        query = parse_qs(parts.query)
        if parts.path == "/" and "p" in query:
            slugs.append(BY_NUMBER[int(query["p"][0])].slug)
        else:
            slugs.append(parts.path.strip("/"))
    return slugs


@pytest.fixture(scope="module")
def site():
    with MockSite() as s:
        yield s


@pytest.fixture(scope="module")
def calm():
    with MockSite(faults=False) as s:
        yield s


# ---- process ----------------------------------------------------------------------------------
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_prints_one_serving_line_and_exits_cleanly(sig):
    proc = subprocess.Popen([sys.executable, "-m", "tests.mocksite", "--port", "0", "--no-faults"],
                            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = proc.stdout.readline().decode()
        assert re.fullmatch(r"serving http://127\.0\.0\.1:(\d+)\n", line), line
        status, _, body = fetch(line.split()[1] + "/robots.txt")
        assert status == 200 and b"Disallow: /private/" in body
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == 0
        assert proc.stdout.read() == b""
        assert b"Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_mocksite_attributes(site):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", site.url)
    assert site.log_path.name == "requests.jsonl"
    assert site.today == dt.date(2024, 3, 15)
    assert [a.slug for a in site.articles] == [a.slug for a in ARTICLES]


# ---- ground truth -----------------------------------------------------------------------------
def test_ground_truth_shape():
    assert len(ARTICLES) == 16
    assert len({a.slug for a in ARTICLES}) == 16 and len({a.number for a in ARTICLES}) == 16
    fortnight = [a for a in ARTICLES if dt.date(2024, 3, 4) <= a.date <= dt.date(2024, 3, 15)]
    assert len([a for a in fortnight if not a.deleted]) == 14
    assert len({a.date for a in fortnight}) == 6
    assert [a.slug for a in ARTICLES if a.hidden] == [HIDDEN] and BY_SLUG[HIDDEN].date == dt.date(2024, 2, 5)
    assert [a.slug for a in ARTICLES if a.deleted] == [DELETED]
    for a in ARTICLES:
        if not a.deleted:
            assert 4 <= len(a.paragraphs) <= 8, a.slug
        assert 1 <= len(a.authors) <= 3 and a.categories and a.tags
        assert a.path == f"/{a.slug}/" and a.slug.isascii()
        assert a.text == "\n\n".join(a.paragraphs)
    # distinct vocabulary: each of these words is in exactly one article
    for word, slug in [("Kazakhstan", KAZAKH), ("sturgeon", "sturgeon-poaching-ring-indicted-caviar-smuggling"),
                       ("bankruptcy", BANKRUPTCY), ("pickleball", PICKLEBALL), ("Zinfandel", VINEYARD),
                       ("neonicotinoid", HIDDEN)]:
        assert [a.slug for a in ARTICLES if word.lower() in (a.title + " " + a.text).lower()] == [slug], word
    assert any(not a.title.isascii() for a in ARTICLES)


# ---- layout -----------------------------------------------------------------------------------
def test_robots_txt(site):
    status, headers, body = fetch(site.url + "/robots.txt")
    text = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    for line in ("User-agent: *", "Disallow: /private/", "Disallow: /?s=", "Disallow: /__mock/",
                 f"Sitemap: {site.url}/wp-sitemap.xml", f"Sitemap: {site.url}/news-sitemap.xml"):
        assert line in text.splitlines()


def test_front_page(site):
    status, headers, body = fetch(site.url + "/")
    page = body.decode()
    assert status == 200 and headers["ETag"] and headers["Last-Modified"]
    assert '<div class="top-bar">Friday, March 15, 2024 | <a href="/back-issues/">Back issues</a></div>' in page
    assert f'<link rel="alternate" type="application/rss+xml" title="Mock Courthouse News &raquo; Feed" href="{site.url}/feed/">' in page
    assert f'href="{site.url}/category/courts/"' in page
    slugs = teaser_slugs(body)
    assert len(slugs) == 10 and slugs[0] == "grand-jury-indicts-former-county-clerk-ballot-printing"
    assert HIDDEN not in slugs
    assert '<time datetime="2024-03-15">' in page
    for trap in ('href="/private/staff/"', 'href="/?s=court"', 'href="/big-page/"'):
        assert trap in page


def test_edition_lists_its_articles(site):
    status, _, body = fetch(site.url + "/top-8-today-3-7-2024/")
    assert status == 200
    expected = [a.slug for a in ARTICLES if a.date == dt.date(2024, 3, 7)]
    assert sorted(teaser_slugs(body)) == sorted(expected)
    assert DELETED in expected and len(expected) == 4
    page = body.decode()
    assert '<h2 class="section">Courts</h2>' in page and '<h2 class="section">Criminal</h2>' in page
    assert f'href="{site.url}/2024/03/07/"' in page
    assert fetch(site.url + "/top-8-today-03-07-2024/")[0] == 404      # no zero padding
    assert fetch(site.url + "/top-8-today-3-6-2024/")[0] == 404        # no edition that day


def test_back_issues_paginate_newest_first(site):
    status, _, body = fetch(site.url + "/back-issues/")
    page = body.decode()
    assert status == 200
    editions = re.findall(r'href="[^"]*/top-8-today-(\d+-\d+-\d{4})/"', page)
    assert editions == ["3-15-2024", "3-13-2024", "3-11-2024", "3-7-2024"]
    assert f'<a class="next page-numbers" href="{site.url}/back-issues/page/2/">' in page
    status, _, body = fetch(site.url + "/back-issues/page/2/")
    assert status == 200
    assert re.findall(r'/top-8-today-(\d+-\d+-\d{4})/"', body.decode()) == ["3-5-2024", "3-4-2024"]
    assert fetch(site.url + "/back-issues/page/3/")[0] == 404
    status, headers, _ = fetch(site.url + "/back-issues/page/1/")
    assert status == 301 and headers["Location"] == site.url + "/back-issues/"


def test_day_archive_paginates_with_pdf_and_calendar(site):
    status, _, body = fetch(site.url + "/2024/03/07/")
    page = body.decode()
    assert status == 200 and len(teaser_slugs(body)) == 3
    assert f'href="{site.url}/2024/03/07/page/2/"' in page
    assert f'href="{site.url}/calendar/?m=202404"' in page
    pdf = re.search(r'href="([^"]+/wp-content/uploads/2024/03/[a-z0-9-]+-complaint\.pdf)"', page).group(1)
    status, headers, body2 = fetch(site.url + "/2024/03/07/page/2/")
    assert status == 200 and len(teaser_slugs(body2)) == 1
    assert set(teaser_slugs(body)) | set(teaser_slugs(body2)) == {a.slug for a in ARTICLES if a.date == dt.date(2024, 3, 7)}
    status, headers, doc = fetch(pdf)
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert doc.startswith(b"%PDF-1.4") and doc.rstrip().endswith(b"%%EOF")
    xref = int(re.search(rb"startxref\n(\d+)", doc).group(1))
    assert doc[xref:xref + 4] == b"xref"
    assert fetch(site.url + "/2024/03/06/")[0] == 404


def test_month_author_category_pagination(site):
    status, _, body = fetch(site.url + "/2024/03/")
    assert status == 200 and len(teaser_slugs(body)) == 3
    month = []
    for n in range(1, 7):
        status, _, body = fetch(site.url + ("/2024/03/" if n == 1 else f"/2024/03/page/{n}/"))
        if status == 404:
            break
        month += teaser_slugs(body)
    assert sorted(month) == sorted(a.slug for a in ARTICLES if a.date.month == 3)
    status, _, body = fetch(site.url + "/author/tom-whitfield/page/2/")
    assert status == 200 and len(teaser_slugs(body)) == 1
    courts, n = [], 1
    while True:
        status, _, body = fetch(site.url + ("/category/courts/" if n == 1 else f"/category/courts/page/{n}/"))
        if status == 404:
            break
        courts += teaser_slugs(body)
        n += 1
    assert n - 1 == 3
    assert sorted(courts) == sorted(a.slug for a in ARTICLES if "Courts" in a.categories)
    assert courts[-1] == HIDDEN                                   # oldest, last page
    assert fetch(site.url + "/2024/02/")[0] == 404                # the old story is in no date listing
    assert fetch(site.url + "/2024/02/05/")[0] == 404
    assert fetch(site.url + "/author/priya-raman/")[2].count(HIDDEN.encode()) == 0


# ---- articles ---------------------------------------------------------------------------------
def test_article_pages_match_ground_truth(calm):
    for a in ARTICLES:
        status, headers, body = fetch(calm.url + a.path)
        if a.deleted:
            assert status == 404
            continue
        assert status == 200, a.slug
        page = body.decode(a.charset)
        assert f"<title>{html.escape(a.title)} | Mock Courthouse News</title>" in page
        assert f'<link rel="canonical" href="{calm.url}{a.path}">' in page
        assert f'<link rel="amphtml" href="{calm.url}{a.path}amp/">' in page
        for p in a.paragraphs:
            assert f"<p>{html.escape(p)}</p>" in page, (a.slug, p[:40])
        assert headers["ETag"] and parsedate_to_datetime(headers["Last-Modified"]) == a.modified_dt(calm.today)


def test_metadata_variants(calm):
    page = fetch(calm.url + f"/{KAZAKH}/")[2].decode()
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page).group(1))
    assert ld["@type"] == "NewsArticle" and ld["headline"] == BY_SLUG[KAZAKH].title
    assert ld["author"] == [{"@type": "Person", "name": "Maria Delgado", "url": f"{calm.url}/author/maria-delgado/"}]
    assert ld["datePublished"] == "2024-03-04T09:12:00-05:00" and ld["keywords"] == ["arbitration", "energy", "Kazakhstan"]

    og = fetch(calm.url + "/sturgeon-poaching-ring-indicted-caviar-smuggling/")[2].decode()
    assert "application/ld+json" not in og
    assert '<meta name="author" content="Tom Whitfield, Nadia Petrova">' in og
    assert '<meta property="article:published_time" content="2024-03-04T11:40:00-05:00">' in og

    byline = fetch(calm.url + f"/{VINEYARD}/")[2].decode()
    assert '<p class="byline">By Jane Doe, Senior Reporter</p>' in byline
    assert "application/ld+json" not in byline and 'name="author"' not in byline
    assert "/author/jane-doe/" not in byline.split('<div class="entry-content">')[0]

    cafe = fetch(calm.url + "/cafe-owners-sue-city-over-sidewalk-dining-ban/")[2].decode("utf-8")
    assert "<h1 class=\"entry-title\">Café owners sue city over sidewalk dining ban</h1>" in cafe
    graph = json.loads(re.search(r'<script type="application/ld\+json" class="yoast-schema-graph">(.*?)</script>', cafe).group(1))
    assert {n["@type"] for n in graph["@graph"]} >= {"NewsArticle", "Person"}


def test_windows_1252_page_without_charset_header(calm):
    status, headers, body = fetch(calm.url + f"/{LIGHTHOUSE}/")
    assert status == 200 and headers["Content-Type"] == "text/html"
    assert b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">' in body
    assert b"Coast Guard\x92s lighthouse" in body                 # ’ as cp1252, not UTF-8
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "Eloïse Bergeron" in body.decode("cp1252")


def test_amp_twin_points_to_canonical(calm):
    status, _, body = fetch(calm.url + f"/{KAZAKH}/amp/")
    page = body.decode()
    assert status == 200 and "<html amp" in page
    assert f'<link rel="canonical" href="{calm.url}/{KAZAKH}/">' in page
    assert BY_SLUG[KAZAKH].paragraphs[0] in html.unescape(page)


def test_redirects_shortlink_and_missing_slash(site):
    a = BY_SLUG[ASTRONOMY]
    status, headers, body = fetch(f"{site.url}/?p={a.number}")
    assert status == 301 and headers["Location"] == f"{site.url}/{a.slug}/" and body == b""
    status, headers, _ = fetch(f"{site.url}/{a.slug}")
    assert status == 301 and headers["Location"] == f"{site.url}/{a.slug}/"
    assert fetch(f"{site.url}/?p=999")[0] == 404
    assert fetch(f"{site.url}/?p={BY_SLUG[DELETED].number}")[0] == 404


def test_deleted_article_is_listed_but_gone(site):
    listed = teaser_slugs(fetch(site.url + "/top-8-today-3-7-2024/")[2])
    assert DELETED in listed
    status, _, body = fetch(f"{site.url}/{DELETED}/")
    assert status == 404 and b"That page can&rsquo;t be found" in body and b'class="top-bar"' in body


def test_unknown_path_is_a_404_page_in_the_layout(site):
    status, headers, body = fetch(site.url + "/no/such/page/")
    assert status == 404 and headers["Content-Type"].startswith("text/html")
    assert b'<div class="top-bar">' in body and b"Back issues" in body and b"<footer" in body


# ---- HTTP -------------------------------------------------------------------------------------
def test_gzip_only_when_asked(site):
    status, headers, plain = fetch(site.url + "/")
    assert status == 200 and headers.get("Content-Encoding") is None
    assert headers["Vary"] == "Accept-Encoding"
    status, headers, packed = fetch(site.url + "/", {"Accept-Encoding": "gzip, deflate"})
    assert status == 200 and headers["Content-Encoding"] == "gzip" and headers["Vary"] == "Accept-Encoding"
    assert int(headers["Content-Length"]) == len(packed) < len(plain)
    assert gzip.decompress(packed) == plain
    # small bodies are never compressed, and q=0 refuses gzip
    status, headers, body = fetch(site.url + "/robots.txt", {"Accept-Encoding": "gzip"})
    assert len(body) <= 512 and headers.get("Content-Encoding") is None
    assert fetch(site.url + "/", {"Accept-Encoding": "gzip;q=0"})[1].get("Content-Encoding") is None


def test_chunked_article(site):
    host, port = urlsplit(site.url).hostname, urlsplit(site.url).port
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request("GET", f"/{INSULIN}/")
        resp = conn.getresponse()
        body = resp.read()
        assert resp.status == 200
        assert resp.getheader("Transfer-Encoding") == "chunked" and resp.getheader("Content-Length") is None
        assert BY_SLUG[INSULIN].title.encode() in body and body.rstrip().endswith(b"</html>")
        conn.request("GET", "/robots.txt")                        # the connection stays usable
        assert conn.getresponse().read().startswith(b"User-agent")
    finally:
        conn.close()
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(f"GET /{INSULIN}/ HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head, _, rest = raw.partition(b"\r\n\r\n")
    sizes = []
    while True:
        line, _, rest = rest.partition(b"\r\n")
        size = int(line, 16)
        sizes.append(size)
        rest = rest[size + 2:]
        if size == 0:
            break
    assert len(sizes) >= 4 and sizes[-1] == 0, sizes


def test_429_then_200_and_503_then_200(site):
    site.reset_faults()
    status, headers, _ = fetch(f"{site.url}/{KAZAKH}/")
    assert status == 429 and headers["Retry-After"] == "1"
    assert fetch(f"{site.url}/{KAZAKH}/")[0] == 200
    assert fetch(f"{site.url}/{BANKRUPTCY}/")[0] == 503
    assert fetch(f"{site.url}/{BANKRUPTCY}/")[0] == 200


def test_slow_article(site):
    import time
    started = time.monotonic()
    assert fetch(f"{site.url}/{VINEYARD}/")[0] == 200
    assert time.monotonic() - started >= 0.45


def test_conditional_requests_304(site):
    url = f"{site.url}/{ASTRONOMY}/"
    status, headers, body = fetch(url)
    etag, last_modified = headers["ETag"], headers["Last-Modified"]
    assert status == 200 and etag.startswith('"') and body
    status, headers304, body = fetch(url, {"If-None-Match": etag})
    assert status == 304 and body == b"" and headers304["ETag"] == etag
    assert fetch(url, {"If-None-Match": '"other", ' + etag})[0] == 304
    assert fetch(url, {"If-None-Match": '"other"'})[0] == 200
    assert fetch(url, {"If-Modified-Since": last_modified})[0] == 304
    assert fetch(url, {"If-Modified-Since": "Thu, 14 Mar 2024 00:00:00 GMT"})[0] == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
    assert fetch(url, {"If-None-Match": '"other"', "If-Modified-Since": last_modified})[0] == 200
    # the gzip representation has a weak ETag that still validates
    status, gz_headers, _ = fetch(url, {"Accept-Encoding": "gzip"})
    assert gz_headers["ETag"] == "W/" + etag
    assert fetch(url, {"Accept-Encoding": "gzip", "If-None-Match": gz_headers["ETag"]})[0] == 304
    for path in ("/", "/feed/", "/wp-sitemap.xml", "/robots.txt", "/calendar/?m=202403"):
        status, headers, _ = fetch(site.url + path)
        assert status == 200 and headers["ETag"] and headers["Last-Modified"], path
        assert fetch(site.url + path, {"If-None-Match": headers["ETag"]})[0] == 304, path


# ---- feeds and sitemaps -----------------------------------------------------------------------
def test_sitemaps_including_gzip(site):
    status, _, body = fetch(site.url + "/wp-sitemap.xml")
    index = [e.findtext(f"{SM}loc") for e in ET.fromstring(body).iter(f"{SM}sitemap")]
    assert f"{site.url}/wp-sitemap-posts-post-1.xml" in index and f"{site.url}/wp-sitemap-posts-post-2.xml.gz" in index
    locs = {}
    status, headers, plain = fetch(f"{site.url}/wp-sitemap-posts-post-1.xml")
    assert status == 200 and headers["Content-Type"].startswith("application/xml")
    status, headers, packed = fetch(f"{site.url}/wp-sitemap-posts-post-2.xml.gz", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Type"] == "application/x-gzip"
    assert headers.get("Content-Encoding") is None and packed[:2] == b"\x1f\x8b"
    for xml in (plain, gzip.decompress(packed)):
        for url in ET.fromstring(xml).iter(f"{SM}url"):
            locs[url.findtext(f"{SM}loc")] = url.findtext(f"{SM}lastmod")
    assert len(locs) == 15
    assert set(locs) == {f"{site.url}{a.path}" for a in ARTICLES if not a.deleted}
    assert locs[f"{site.url}/{PICKLEBALL}/"] == "2024-03-15T20:20:00+00:00"     # revised
    assert locs[f"{site.url}/{HIDDEN}/"] == "2024-02-05T16:00:00+00:00"
    status, _, body = fetch(site.url + "/news-sitemap.xml")
    news = [u.findtext(f"{SM}loc") for u in ET.fromstring(body).iter(f"{SM}url")]
    assert sorted(news) == sorted(f"{site.url}{a.path}" for a in ARTICLES
                                  if a.date >= dt.date(2024, 3, 13) and not a.deleted)


def test_rss_and_atom_feeds(site):
    status, headers, body = fetch(site.url + "/feed/")
    assert status == 200 and headers["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(body).find("channel")
    items = channel.findall("item")
    assert len(items) == 10
    first = items[0]
    assert first.findtext("link") == f"{site.url}/grand-jury-indicts-former-county-clerk-ballot-printing/?utm_source=rss&utm_medium=feed"
    assert first.findtext("{http://purl.org/dc/elements/1.1/}creator") == "Tom Whitfield"
    assert parsedate_to_datetime(first.findtext("pubDate")) == BY_SLUG["grand-jury-indicts-former-county-clerk-ballot-printing"].published_dt
    assert "Criminal" in [c.text for c in first.findall("category")]
    assert DELETED not in body.decode() and HIDDEN not in body.decode()
    status, headers, body = fetch(site.url + "/atom.xml")
    atom = "{http://www.w3.org/2005/Atom}"
    entries = ET.fromstring(body).findall(f"{atom}entry")
    assert status == 200 and len(entries) == 10
    assert entries[1].find(f"{atom}link").get("href") == f"{site.url}/{ASTRONOMY}/"
    assert [n.text for n in entries[1].iter(f"{atom}name")] == ["Nadia Petrova", "Luc Moreau"]


# ---- traps ------------------------------------------------------------------------------------
def test_calendar_is_endless(site):
    url = site.url + "/calendar/?m=202403"
    seen = set()
    for _ in range(6):
        status, _, body = fetch(url)
        assert status == 200 and url not in seen
        seen.add(url)
        url = html.unescape(re.findall(r'<a href="([^"]+/calendar/\?m=\d{6})">', body.decode())[-1])
    assert url.endswith("?m=202409")


def test_big_page_and_robots_disallowed_pages(site):
    status, headers, body = fetch(site.url + "/big-page/", method="HEAD")
    assert status == 200 and int(headers["Content-Length"]) >= 8 * 1024 * 1024 and body == b""
    assert fetch(site.url + "/private/staff/")[0] == 200
    assert fetch(site.url + "/?s=court")[0] == 200


# ---- today ------------------------------------------------------------------------------------
def test_set_today_hides_reveals_and_revises():
    with MockSite(today="2024-03-13", faults=False) as site:
        assert fetch(f"{site.url}/{ASTRONOMY}/")[0] == 404
        assert [fetch(site.url + p)[0] for p in article_requisites(ASTRONOMY)] == [404] * 5 + [200]  # not uploaded yet
        assert ASTRONOMY not in teaser_slugs(fetch(site.url + "/")[2])
        assert fetch(site.url + "/top-8-today-3-15-2024/")[0] == 404
        assert b"Wednesday, March 13, 2024" in fetch(site.url + "/")[2]
        status, before, page = fetch(f"{site.url}/{PICKLEBALL}/")
        assert status == 200 and b"update-note" not in page
        sitemap = gzip.decompress(fetch(f"{site.url}/wp-sitemap-posts-post-2.xml.gz")[2]).decode()
        assert f"{PICKLEBALL}/</loc><lastmod>2024-03-13T14:05:00+00:00<" in sitemap

        assert site.set_today("2024-03-15") == dt.date(2024, 3, 15) and site.today == dt.date(2024, 3, 15)
        assert fetch(f"{site.url}/{ASTRONOMY}/")[0] == 200
        assert ASTRONOMY in teaser_slugs(fetch(site.url + "/")[2])
        assert fetch(site.url + "/top-8-today-3-15-2024/")[0] == 200
        status, after, page = fetch(f"{site.url}/{PICKLEBALL}/")
        assert status == 200 and b'class="update-note"' in page and BY_SLUG[PICKLEBALL].update.encode() in page
        assert after["ETag"] != before["ETag"]
        assert parsedate_to_datetime(after["Last-Modified"]) > parsedate_to_datetime(before["Last-Modified"])
        assert fetch(f"{site.url}/{PICKLEBALL}/", {"If-None-Match": before["ETag"]})[0] == 200
        sitemap = gzip.decompress(fetch(f"{site.url}/wp-sitemap-posts-post-2.xml.gz")[2]).decode()
        assert f"{PICKLEBALL}/</loc><lastmod>2024-03-15T20:20:00+00:00<" in sitemap
        # an unrevised article keeps its validators across days
        status, h1, _ = fetch(f"{site.url}/{KAZAKH}/")
        assert fetch(f"{site.url}/{KAZAKH}/", {"If-None-Match": h1["ETag"]})[0] == 304

        site.set_today(dt.date(2024, 3, 4))
        assert fetch(f"{site.url}/{BANKRUPTCY}/")[0] == 404
        assert fetch(f"{site.url}/?p={BY_SLUG[BANKRUPTCY].number}")[0] == 404
        assert sorted(teaser_slugs(fetch(site.url + "/")[2])) == sorted(
            a.slug for a in ARTICLES if a.date == dt.date(2024, 3, 4))
        assert site.expected() == [a for a in ARTICLES if a.date == dt.date(2024, 3, 4)]
        status, _, body = fetch(site.url + "/__mock/today?date=bad")
        assert status == 400


def test_no_faults_option(calm):
    assert fetch(f"{calm.url}/{KAZAKH}/")[0] == 200
    status, headers, _ = fetch(f"{calm.url}/{INSULIN}/")
    assert status == 200 and headers.get("Transfer-Encoding") is None and headers["Content-Length"]


# ---- log --------------------------------------------------------------------------------------
def test_log_records_requests(tmp_path):
    log = tmp_path / "hits.jsonl"
    with MockSite(log_path=log) as site:
        assert site.log_path == log
        ua = {"User-Agent": "newsarchive-test/1.0"}
        fetch(f"{site.url}/{KAZAKH}/", ua)                              # 429
        fetch(f"{site.url}/{KAZAKH}/", ua)                              # 200
        fetch(f"{site.url}/{KAZAKH}/amp/", ua)
        _, headers, _ = fetch(f"{site.url}/{ASTRONOMY}/", {**ua, "Accept-Encoding": "gzip"})
        fetch(f"{site.url}/{ASTRONOMY}/", {**ua, "If-None-Match": headers["ETag"]})
        fetch(f"{site.url}/{INSULIN}/", ua)
        fetch(site.url + "/calendar/?m=203001", ua)
        fetch(site.url + "/private/staff/", ua)
        fetch(site.url + "/?s=court", ua)
        site.set_today("2024-03-14")
        entries = site.requests()
    keys = {"t", "method", "path", "status", "bytes", "ua", "conditional", "gzip", "chunked",
            "article", "amp", "trap", "robots_violation", "requisite"}
    assert len(entries) == 9 and all(set(e) == keys for e in entries)
    assert not any(e["path"].startswith("/__mock/") for e in entries)
    assert all(e["ua"] == "newsarchive-test/1.0" and e["method"] == "GET" for e in entries)
    kz429, kz200, amp, gz, cond, chunked, cal, private, search = entries
    assert (kz429["status"], kz429["article"]) == (429, None)
    assert (kz200["status"], kz200["article"], kz200["amp"]) == (200, KAZAKH, False) and kz200["bytes"] > 1000
    assert (amp["article"], amp["amp"]) == (KAZAKH, True)
    assert gz["gzip"] is True and gz["article"] == ASTRONOMY
    assert (cond["status"], cond["conditional"], cond["bytes"], cond["article"]) == (304, True, 0, None)
    assert chunked["chunked"] is True
    assert cal["trap"] is True and kz200["trap"] is False
    assert private["robots_violation"] is True and search["robots_violation"] is True
    assert kz200["robots_violation"] is False
    assert not any(e["requisite"] for e in entries)
    assert all(isinstance(e["t"], float) for e in entries)
    assert log.exists()                                               # a given log is kept


def test_temporary_log_is_removed():
    with MockSite(faults=False) as site:
        fetch(site.url + "/robots.txt")
        path = site.log_path
        assert [e["path"] for e in site.requests()] == ["/robots.txt"]
    assert not path.exists()
    assert not os.path.exists(path.parent)


# ---- page requisites --------------------------------------------------------------------------
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+?)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


class RequisiteRefs(HTMLParser):
    """Every URL a browser would load to render a page, resolved against its <base> (if any)."""

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = self.base = page_url
        self.raw: list[tuple[str, str]] = []      # (how, url as written)
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        at = dict(attrs)
        if tag == "base" and at.get("href") and self.base == self.page_url:
            self.base = urljoin(self.page_url, at["href"])
        if tag == "link" and set((at.get("rel") or "").split()) & {"stylesheet", "icon"}:
            self.raw.append(("link", at["href"]))
        if tag in ("script", "img", "source", "video") and at.get("src"):
            self.raw.append((tag, at["src"]))
        if tag == "video" and at.get("poster"):
            self.raw.append(("poster", at["poster"]))
        for cand in (at.get("srcset") or "").split(","):
            if cand.strip():
                self.raw.append(("srcset", cand.split()[0]))
        for m in CSS_URL.finditer(at.get("style") or ""):
            self.raw.append(("style-attr", m.group(1) or m.group(2)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            for m in CSS_URL.finditer(data):
                self.raw.append(("style-block", m.group(1) or m.group(2)))

    def urls(self) -> set[str]:
        return {urljoin(self.base, u) for _, u in self.raw}


def page_refs(page_url: str, body: str) -> RequisiteRefs:
    parser = RequisiteRefs(page_url)
    parser.feed(body)
    parser.close()
    return parser


def local(site_url: str, urls) -> set[str]:
    """The same-host URLs among `urls`, as paths with their query."""
    out = set()
    for u in urls:
        if u.startswith(site_url + "/"):
            out.add(u[len(site_url):])
    return out


def css_closure(site_url: str, start: set[str]) -> set[str]:
    """Paths reachable from the stylesheets among `start`, following @import and url() recursively."""
    seen, todo = set(), [p for p in start if urlsplit(p).path.endswith(".css")]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        status, headers, body = fetch(site_url + path)
        assert status == 200 and headers["Content-Type"] == "text/css", path
        for m in CSS_URL.finditer(body.decode()):
            ref = urljoin(site_url + path, m.group(1) or m.group(2))[len(site_url):]
            if urlsplit(ref).path.endswith(".css"):
                todo.append(ref)
            else:
                seen.add(ref)
    return seen


def png_info(data: bytes) -> tuple[int, int, bytes]:
    """(width, height, first pixel) of a PNG, checking the signature, every CRC and the pixel data."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        length, tag = struct.unpack(">I4s", data[pos:pos + 8])
        payload = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(tag + payload) & 0xFFFFFFFF, tag
        chunks.setdefault(tag, b"")
        chunks[tag] += payload
        pos += 12 + length
    assert list(chunks)[0] == b"IHDR" and list(chunks)[-1] == b"IEND"
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert width > 0 and height > 0 and (depth, colour) == (8, 2)
    raw = zlib.decompress(chunks[b"IDAT"])
    assert len(raw) == height * (1 + 3 * width)
    return width, height, raw[1:4]


ALL_PAGES = ["/", "/back-issues/", "/back-issues/page/2/", "/top-8-today-3-7-2024/", "/2024/03/07/", "/2024/03/",
             "/category/courts/", "/author/tom-whitfield/", "/tag/antitrust/", f"/{KAZAKH}/amp/",
             "/calendar/?m=202403", "/no/such/page/"]


def test_requisite_ground_truth_shape():
    assert SHARED_REQUISITES == ("/wp-content/themes/mocknews/style.css?ver=6.4.3", "/wp-content/themes/mocknews/print.css",
                                 "/wp-content/themes/mocknews/fonts/serif.woff2", "/wp-content/uploads/masthead.png",
                                 "/wp-content/themes/mocknews/img/rule.png", "/wp-includes/js/site.min.js?ver=3.7.1",
                                 "/favicon.png")
    for slug in (VIDEO_ARTICLE, BASE_HREF_ARTICLE):
        a = BY_SLUG[slug]
        assert not (a.deleted or a.hidden or a.fault) and a.charset == "utf-8"
    kz = BY_SLUG[KAZAKH]
    assert kz.requisites == article_requisites(kz) == article_requisites(KAZAKH) == [
        f"/wp-content/uploads/2024/03/{KAZAKH}-1024x576.png", f"/wp-content/uploads/2024/03/{KAZAKH}-300x169.png",
        f"/wp-content/uploads/2024/03/{KAZAKH}-800.webp", f"/wp-content/uploads/2024/03/{KAZAKH}-800.png",
        f"/wp-content/uploads/{KAZAKH}-bg.png", "/wp-content/uploads/inline-style.png"]
    assert article_requisites(VIDEO_ARTICLE)[-1] == VIDEO_POSTER == "/wp-content/uploads/poster.png"
    assert article_requisites(BASE_HREF_ARTICLE)[-1] == BASE_HREF_REQUISITE == "/static/base-relative.png"
    traps = {DISALLOWED_REQUISITE, THIRD_PARTY_REQUISITE, MEDIA_REQUISITE}
    assert DISALLOWED_REQUISITE.startswith("/private/") and MEDIA_REQUISITE.endswith(".mp4")
    for a in ARTICLES:
        paths = article_requisites(a)
        assert len(paths) == len(set(paths)) and not traps & set(paths) and not set(SHARED_REQUISITES) & set(paths)
    # no two requisites share a payload (a crawl's digest de-duplication must not hide one)
    everything = {p.split("?")[0] for p in SHARED_REQUISITES} | {DISALLOWED_REQUISITE, THIRD_PARTY_REQUISITE}
    everything |= {p for a in ARTICLES for p in article_requisites(a)}
    assets = {p: req.lookup(p, dt.date(2024, 3, 15)) for p in everything}
    assert all(assets.values()) and len({x.body for x in assets.values()}) == len(assets) == 7 + 2 + 16 * 5 + 3


def test_requisite_routes_types_and_headers(site):
    theme_date = req.THEME_MODIFIED
    kz = BY_SLUG[KAZAKH]
    want = {p: "image/png" for p in (*article_requisites(kz), VIDEO_POSTER, BASE_HREF_REQUISITE,
                                     DISALLOWED_REQUISITE, req.MASTHEAD, req.PRINT_IMAGE, req.FAVICON)}
    want.update({req.STYLESHEET: "text/css", req.PRINT_CSS: "text/css", req.FONT: "font/woff2",
                 req.SCRIPT: "application/javascript", THIRD_PARTY_REQUISITE: "application/javascript"})
    assert set(SHARED_REQUISITES) <= set(want)
    for path, ctype in want.items():
        status, headers, body = fetch(site.url + path)
        assert status == 200 and headers["Content-Type"] == ctype, path
        assert headers["Cache-Control"] == "max-age=31536000" and headers["ETag"], path
        assert parsedate_to_datetime(headers["Last-Modified"]) == theme_date, path
        assert int(headers["Content-Length"]) == len(body) > 0, path
    assert fetch(site.url + req.FONT)[2][:4] == b"wOF2"
    # a static file server ignores the query string
    assert fetch(site.url + "/wp-content/themes/mocknews/style.css")[2] == fetch(site.url + req.STYLESHEET)[2]
    # images of unknown stories, other dates or sizes are 404 pages; a deleted post's media stay
    assert all(fetch(site.url + p, method="HEAD")[0] == 200 for p in article_requisites(DELETED))
    for path in ("/wp-content/uploads/2024/03/no-such-story-800.png", f"/wp-content/uploads/2024/04/{KAZAKH}-800.png",
                 f"/wp-content/uploads/2024/03/{KAZAKH}-640x360.png", "/wp-content/themes/mocknews/missing.css",
                 "/static/other.png"):
        assert fetch(site.url + path)[0] == 404, path


def test_stylesheets_import_font_images_and_colours(site):
    css = fetch(site.url + req.STYLESHEET)[2].decode()
    assert css.startswith('@import url("print.css");')
    assert 'src:url(fonts/serif.woff2) format("woff2")' in css
    assert "body{background-color:#fce4ec" in css and "h1{color:#c62828}" in css
    assert re.search(r"\.site-header\{[^}]*url\(\.\./\.\./uploads/masthead\.png\)", css)
    printed = fetch(site.url + req.PRINT_CSS)[2].decode()
    assert "url(img/rule.png)" in printed
    # the CSS-relative URLs resolve against the CSS file, and everything they reach is served
    reached = css_closure(site.url, {req.STYLESHEET})
    assert reached == {req.STYLESHEET, req.PRINT_CSS, req.FONT, req.MASTHEAD, req.PRINT_IMAGE}
    for path in reached:
        assert fetch(site.url + path)[0] == 200, path


def test_images_are_valid_pngs_one_colour_per_path(site):
    kz = BY_SLUG[KAZAKH]
    colours = {}
    for path in (*article_requisites(kz), *article_requisites(ASTRONOMY), req.MASTHEAD, req.PRINT_IMAGE,
                 req.FAVICON, VIDEO_POSTER, BASE_HREF_REQUISITE, DISALLOWED_REQUISITE):
        body = fetch(site.url + path)[2]
        assert len(body) < 20_000, path
        width, height, pixel = png_info(body)
        m = re.search(r"-(\d+)x(\d+)\.png$", path)
        if m:
            assert (width, height) == (int(m.group(1)), int(m.group(2))), path
        colours[path] = pixel
    assert len(set(colours.values())) == len(colours)
    assert png_info(fetch(site.url + req.picture_source(kz))[2])[:2] == (800, 450)   # the .webp is a PNG


def test_requisites_answer_conditional_requests_with_304(site):
    for path in (req.STYLESHEET, req.FAVICON, req.lead_image(BY_SLUG[KAZAKH]), MEDIA_REQUISITE):
        status, headers, _ = fetch(site.url + path, method="HEAD")
        etag, last_modified = headers["ETag"], headers["Last-Modified"]
        for cond in ({"If-None-Match": etag}, {"If-Modified-Since": last_modified}):
            status, h304, body = fetch(site.url + path, cond)
            assert status == 304 and body == b"", (path, cond)
            assert h304["ETag"] == etag and h304["Cache-Control"] == "max-age=31536000"
        assert fetch(site.url + path, {"If-None-Match": '"other"'}, method="HEAD")[0] == 200
        assert fetch(site.url + path, {"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"}, method="HEAD")[0] == 200
    # the stylesheet is compressible: gzip with a weak ETag that still validates; images are not
    status, headers, packed = fetch(site.url + req.STYLESHEET, {"Accept-Encoding": "gzip"})
    assert headers["Content-Encoding"] == "gzip" and headers["ETag"].startswith("W/")
    assert gzip.decompress(packed) == fetch(site.url + req.STYLESHEET)[2]
    assert fetch(site.url + req.STYLESHEET, {"If-None-Match": headers["ETag"]})[0] == 304
    status, headers, _ = fetch(site.url + req.MASTHEAD, {"Accept-Encoding": "gzip"})
    assert headers.get("Content-Encoding") is None and headers.get("Vary") is None


def test_every_page_links_the_shared_requisites(calm):
    pages = ALL_PAGES + [a.path for a in ARTICLES if not a.deleted]
    for path in pages:
        status, headers, body = fetch(calm.url + path)
        assert status in (200, 404), path
        text = body.decode("cp1252" if "charset" not in headers["Content-Type"] else "utf-8")
        head = text.split("</head>")[0]
        refs = page_refs(calm.url + path, head)
        linked = local(calm.url, refs.urls())
        assert {req.STYLESHEET, req.SCRIPT, req.FAVICON} <= linked, path
        assert f'<link rel="icon" href="/favicon.png"' in head
        assert set(SHARED_REQUISITES) <= css_closure(calm.url, linked) | linked, path


def test_article_pages_reference_their_requisites_and_traps(calm):
    third = calm.third_party_url
    assert third == calm.url.replace("127.0.0.1", "localhost") + THIRD_PARTY_REQUISITE
    for a in ARTICLES:
        if a.deleted:
            continue
        status, _, body = fetch(calm.url + a.path)
        page = body.decode(a.charset)
        refs = page_refs(calm.url + a.path, page)
        urls = refs.urls()
        mine = local(calm.url, urls) - set(SHARED_REQUISITES)
        assert mine == set(article_requisites(a)) | {DISALLOWED_REQUISITE} | (
            {MEDIA_REQUISITE} if a.slug == VIDEO_ARTICLE else set()), a.slug
        assert third in urls, a.slug
        hows = {how for how, _ in refs.raw}
        assert {"img", "srcset", "style-attr", "style-block", "script", "link"} <= hows
        lead = re.search(r'<figure class="lead[^"]*"><img [^>]*src="([^"]+)" srcset="([^"]+)"', page)
        assert lead.group(1) == req.lead_image(a, "1024x576")
        assert lead.group(2) == f'{req.lead_image(a, "300x169")} 300w, {req.lead_image(a, "1024x576")} 1024w'
        assert f'<picture><source srcset="{req.picture_source(a)}" type="image/webp"><img src="{req.picture_image(a)}"' in page
        assert f"style=\"background-image:url('/wp-content/uploads/{a.slug}-bg.png')\"" in page
        assert re.search(r"<style[^>]*>[^<]*url\(/wp-content/uploads/inline-style\.png\)", page)
        # none of it is inside the article body
        content = page.split('<div class="entry-content">')[1].split("</div>")[0]
        assert "<img" not in content and "<picture" not in content and "<video" not in content
        assert ("<video" in page) == (a.slug == VIDEO_ARTICLE) and ("<base " in page) == (a.slug == BASE_HREF_ARTICLE)
        for path in mine - {MEDIA_REQUISITE}:
            assert fetch(calm.url + path, method="HEAD")[0] == 200, (a.slug, path)
    # the AMP twin has the shared requisites only
    amp = fetch(calm.url + f"/{KAZAKH}/amp/")[2].decode()
    assert local(calm.url, page_refs(calm.url + f"/{KAZAKH}/amp/", amp).urls()) == {req.STYLESHEET, req.SCRIPT, req.FAVICON}


def test_base_href_article(calm):
    page = fetch(calm.url + f"/{BASE_HREF_ARTICLE}/")[2].decode()
    assert f'<base href="{calm.url}/static/">' in page
    assert '<img class="base-relative" src="base-relative.png"' in page
    refs = page_refs(calm.url + f"/{BASE_HREF_ARTICLE}/", page)
    assert refs.base == calm.url + "/static/"
    assert calm.url + BASE_HREF_REQUISITE in refs.urls()
    assert calm.url + f"/{BASE_HREF_ARTICLE}/base-relative.png" not in refs.urls()
    assert fetch(calm.url + f"/{BASE_HREF_ARTICLE}/base-relative.png")[0] == 404     # the naive resolution
    # root-relative and absolute links of that page are unaffected by the base
    assert local(calm.url, refs.urls()) >= set(SHARED_REQUISITES[:1]) | set(article_requisites(BASE_HREF_ARTICLE))


def test_video_article_and_streamed_media(calm):
    page = fetch(calm.url + f"/{VIDEO_ARTICLE}/")[2].decode()
    assert f'<video poster="{VIDEO_POSTER}"' in page
    assert f'<source src="{MEDIA_REQUISITE}" type="video/mp4">' in page
    status, headers, body = fetch(calm.url + MEDIA_REQUISITE, method="HEAD")
    assert status == 200 and headers["Content-Type"] == "video/mp4" and body == b""
    assert int(headers["Content-Length"]) == MEDIA_BYTES == 2 * 1024 * 1024
    assert headers.get("Content-Encoding") is None and headers["ETag"]
    # a client may stop reading early (a size limit), and the server carries on
    host, port = urlsplit(calm.url).hostname, urlsplit(calm.url).port
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request("GET", MEDIA_REQUISITE, headers={"Accept-Encoding": "gzip"})
        resp = conn.getresponse()
        assert resp.status == 200 and resp.getheader("Content-Encoding") is None
        first = resp.read(65536)
        assert first[4:8] == b"ftyp" and first[32:] == bytes(len(first) - 32)
    finally:
        conn.close()
    status, _, whole = fetch(calm.url + MEDIA_REQUISITE)
    assert status == 200 and len(whole) == MEDIA_BYTES and whole.count(0) > MEDIA_BYTES - 64
    assert fetch(calm.url + "/robots.txt")[0] == 200


def test_site_works_under_localhost(calm):
    other = calm.url.replace("127.0.0.1", "localhost")
    status, _, body = fetch(other + "/")
    page = body.decode()
    assert status == 200 and f'href="{other}/category/courts/"' in page and "127.0.0.1" not in page
    status, _, body = fetch(other + f"/{ASTRONOMY}/")
    page = body.decode()
    assert status == 200 and f'<link rel="canonical" href="{other}/{ASTRONOMY}/">' in page
    # seen from localhost, the "third party" is 127.0.0.1
    assert f'<script src="{calm.url}{THIRD_PARTY_REQUISITE}" async></script>' in page
    assert f"Sitemap: {other}/wp-sitemap.xml" in fetch(other + "/robots.txt")[2].decode()
    status, headers, _ = fetch(other + THIRD_PARTY_REQUISITE)
    assert status == 200 and headers["Content-Type"] == "application/javascript"
    assert fetch(other + req.STYLESHEET)[2] == fetch(calm.url + req.STYLESHEET)[2]


def test_log_marks_requisites(tmp_path):
    with MockSite(log_path=tmp_path / "hits.jsonl", faults=False) as site:
        fetch(f"{site.url}/{ASTRONOMY}/")
        _, headers, _ = fetch(site.url + req.STYLESHEET)
        fetch(site.url + req.STYLESHEET, {"If-None-Match": headers["ETag"]})
        fetch(site.url + DISALLOWED_REQUISITE)
        fetch(site.third_party_url)
        fetch(site.url + "/wp-content/themes/mocknews/missing.css")
        fetch(site.url + MEDIA_REQUISITE, method="HEAD")
        entries = site.requests()
        hits, conditional = site.requisite_hits(), site.requisite_hits((304,))
    page, css, css304, tracker, third, missing, media = entries
    assert page["requisite"] is False and page["article"] == ASTRONOMY
    assert css["requisite"] is True and (css["status"], css["path"], css["article"]) == (200, req.STYLESHEET, None)
    assert css304["requisite"] is True and (css304["status"], css304["conditional"]) == (304, True)
    assert tracker["requisite"] is True and tracker["robots_violation"] is True
    assert css["robots_violation"] is False and third["robots_violation"] is False
    assert third["requisite"] is True and third["path"] == THIRD_PARTY_REQUISITE
    assert missing["requisite"] is False and missing["status"] == 404
    assert media["requisite"] is True and media["bytes"] == 0
    assert hits == {req.STYLESHEET: 1, DISALLOWED_REQUISITE: 1, THIRD_PARTY_REQUISITE: 1, MEDIA_REQUISITE: 1}
    assert conditional == {req.STYLESHEET: 1}
