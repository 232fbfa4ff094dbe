"""A meta-refresh stub is followed as a redirect (issue 19): a 200 page whose only content is
``<meta http-equiv="refresh" content="0; URL=…">`` leads to its article, which is archived with the
stub as an alias; the stub stays in WARC; a long delay or another site is not followed.

Crawls the mock site's bulk layout (tests/mocksite/bulk.py: stubs /go/N/ with 0 s, /go-soon/N/ with
2 s, /go-later/N/ with 600 s, /go-away/ to another site) as the CLI does; replay runs as a subprocess.
"""
from __future__ import annotations

import collections
import json
import re
import sqlite3
import urllib.parse
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from crawler.metarefresh import SameSiteMetaRefreshMiddleware
from tests.helpers import run_cli
from tests.mocksite import MockSite
from tests.mocksite.bulk import REFRESH_ONLY, story_path, story_title
from tests.test_replay import ReplayServer

pytestmark = pytest.mark.acceptance

STORIES = 30
BEHIND_STUBS = list(range(STORIES - REFRESH_ONLY, STORIES))  # linked only from a stub each
UNFOLLOWED = STORIES  # only behind /go-later/ (600 s): never fetched


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("metarefresh")
    data = tmp / "data"
    with MockSite(layout="bulk", args=("--articles", str(STORIES), "--feed-items", "0"),
                  log_path=tmp / "requests.jsonl") as site:
        result = run_cli(data, "crawl", site.url + "/", "--since", "2024-01-01", "--until", "2024-12-31",
                         "--requisites", "none", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
                         check=True)
        return {"url": site.url, "data": data, "log": site.requests(), "stderr": result.stderr}


def test_the_article_behind_a_stub_is_archived_with_the_stub_as_its_alias(crawled: dict) -> None:
    base = crawled["url"]
    with sqlite3.connect(crawled["data"] / "archive.db") as db:
        articles = {url for (url,) in db.execute("SELECT canonical_url FROM articles")}
        aliases = dict(db.execute("SELECT s.url, a.canonical_url FROM aliases AS s JOIN articles AS a ON a.id = s.article_id"))
    assert articles == {base + story_path(i) for i in range(STORIES)}
    stubs = {f"{base}/go/{i}/": base + story_path(i) for i in BEHIND_STUBS[:-1]}
    stubs[f"{base}/go-soon/{BEHIND_STUBS[-1]}/"] = base + story_path(BEHIND_STUBS[-1])  # 2 s: still followed
    assert {alias: target for alias, target in aliases.items() if "/go" in alias} == stubs
    served = collections.Counter(e["article"] for e in crawled["log"] if e.get("article") is not None)
    assert served == {i: 1 for i in range(STORIES)}  # each story once; UNFOLLOWED never


def test_a_long_delay_or_another_site_is_not_followed(crawled: dict) -> None:
    paths = [e["path"] for e in crawled["log"]]
    assert f"/go-later/{UNFOLLOWED}/" in paths and "/go-away/" in paths  # fetched, archived
    assert story_path(UNFOLLOWED) not in paths
    with sqlite3.connect(crawled["data"] / "archive.db") as db:
        (stats,), = db.execute("SELECT stats FROM crawls").fetchall()
        kept_out = db.execute("SELECT count(*) FROM aliases WHERE url LIKE '%/go-later/%' OR url LIKE '%/go-away/%'"
                              ).fetchone()[0]
    skipped = json.loads(stats)["skipped"]
    assert skipped.get("meta refresh with a long delay, not followed") == 1
    assert skipped.get("meta refresh to another site, not followed") == 1
    assert kept_out == 0


def test_the_stub_stays_in_warc_as_request_and_response(crawled: dict) -> None:
    stub = f"{crawled['url']}/go/{BEHIND_STUBS[0]}/"
    records = collections.Counter()
    for path in (crawled["data"] / "warc").glob("*.warc.gz"):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_headers.get_header("WARC-Target-URI") == stub:
                    body = record.content_stream().read() if record.rec_type == "response" else b""
                    records[record.rec_type] += 1
                    if body:
                        assert b'http-equiv="refresh"' in body
    assert records == {"request": 1, "response": 1}


def test_replay_of_the_stub_leads_to_the_article_and_search_finds_it(crawled: dict) -> None:
    base, data = crawled["url"], crawled["data"]
    i = BEHIND_STUBS[0]
    stub, article = f"{base}/go/{i}/", base + story_path(i)
    shown = run_cli(data, "show", stub, "--json", "--no-text", check=True)
    assert json.loads(shown.stdout)["canonical_url"] == article  # the stub's URL names the article
    found = run_cli(data, "search", f'"Story {i}"', "--json", check=True)
    assert [hit["url"] for hit in json.loads(found.stdout)["hits"]][:1] == [article]
    with ReplayServer(data) as server:
        status, _, body = server.get(f"/archive/2024mp_/{stub}", follow=3)
        assert status == 200, body[:300]
        refresh = re.search(rb'content="0; URL=([^"]+)"', body, re.I)
        assert refresh, body[:500]
        target = urllib.parse.urljoin(server.url + "/", refresh.group(1).decode())
        assert target.endswith(story_path(i)) and "/archive/" in target  # rewritten into the archive
        status, _, page = server.get(urllib.parse.urlsplit(target).path, follow=3)
        assert status == 200 and story_title(i).encode() in page
        status, _, page = server.get(f"/archive/2030mp_/{article}", follow=3)  # the canonical URL: the article, not the stub
        assert status == 200 and story_title(i).encode() in page and b'http-equiv="refresh"' not in page


@pytest.mark.parametrize("content, url, followed", [
    ("0; URL=/news/1-a-b-c/", "http://site.example/go/1/", True),
    ("5;url='https://www.site.example/news/1-a-b-c/'", "https://site.example/go/1/", True),
    ("6; URL=/news/1-a-b-c/", "http://site.example/go/1/", False),
    ("0; URL=https://elsewhere.example/news/", "http://site.example/go/1/", False),
    ("0", "http://site.example/front/", False),
    ("0; URL=/front/", "http://site.example/front/", False),
])
def test_which_refreshes_are_redirects(content: str, url: str, followed: bool) -> None:
    crawler = get_crawler(settings_dict={"REDIRECT_ENABLED": True, "CRAWL_META_REFRESH_MAX_DELAY_SECS": 5.0})
    middleware = SameSiteMetaRefreshMiddleware.from_crawler(crawler)
    request = Request(url, meta={"role": "article"})
    response = HtmlResponse(url, body=f'<html><head><meta http-equiv="refresh" content="{content}"></head></html>'.encode(),
                            request=request)
    result = middleware.process_response(request, response)
    assert isinstance(result, Request) is followed
    if followed:
        assert result.meta["redirect_urls"] == [url] and result.meta["redirect_reasons"] == ["meta refresh"]


@pytest.mark.parametrize("body, expected", [
    (b'<meta http-equiv="refresh" content="0; url=/a">', True),
    (b"<META HTTP-EQUIV='Refresh' CONTENT='0;URL=/a'>", True),
    (b"<meta Http-Equiv = refresh content=0>", True),
    (b'<meta http-equiv="content-type" content="text/html"> <p>refresh the page</p>', False),
    (b'<meta http-equiv="X-UA-Compatible"><meta http-equiv="REFRESH" content="1">', True),
    (b"window.location.reload(); // refresh", False),
    (b"", False),
])
def test_refresh_pragma_prefilter_is_case_insensitive(body, expected):
    from crawler.metarefresh import has_refresh_pragma

    assert has_refresh_pragma(body) is expected
