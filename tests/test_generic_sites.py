"""Issue 13's acceptance: crawl sites that are not the WordPress mock by bare URL.

``newsarchive --data DIR crawl http://127.0.0.1:PORT/ --since ... --until ...`` must archive a
non-WordPress news CMS (tests/mocksite/cms.py) and three sites rebuilt from public crawler bug
reports (tests/faultsites.py): an endless date archive, a robots.txt Crawl-delay and a 302 to
the same URL. Each test states the promise against the site's own request log and ground truth.
"""
from __future__ import annotations

import collections
import gzip
import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from archive.index import Index
from archive.urls import match_key
from archive.warc import iter_records
from tests.faultsites import (CONSENT_PATH, CRAWL_DELAY, MIDDLE, NEWEST, CrawlDelaySite, DateArchiveTrap,
                              SelfRedirectSite, range_months)
from tests.helpers import run_cli
from tests.mocksite import MockSite
from tests.mocksite.cms import tree_outside

FAST = ("-s", "DOWNLOAD_DELAY=0.01", "-s", "AUTOTHROTTLE_ENABLED=False")
CRAWL_TIMEOUT = 300
#: the cms crawl's range: Monday 4 to Thursday 7 March 2024, inside the content (Feb 5 - Mar 15).
#: Its March 4 stories are in no feed (latest 10) and March is one of the months the sitemap
#: index lacks, so they are found through the archive tree or the section listings only.
CMS_SINCE, CMS_UNTIL = "2024-03-04", "2024-03-07"
MAY = ("2024-05-01", "2024-05-31")


def crawl(url: str, data: Path, since: str, until: str, *extra: str, timeout: float = CRAWL_TIMEOUT):
    """Crawl ``url`` by bare URL; a crawl that does not end within ``timeout`` fails the test."""
    try:
        return run_cli(data, "crawl", url + "/", "--since", since, "--until", until, *extra, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the crawl of {url}/ did not end within {timeout} s")


def assert_finished(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]


def article_rows(data: Path) -> list[dict]:
    path = data / "archive.db"
    if not path.exists():
        return []
    with Index(path, readonly=True) as index:
        return list(index.iter_articles())


def archived_keys(data: Path) -> collections.Counter:
    return collections.Counter(match_key(r["canonical_url"] or r["url"]) for r in article_rows(data))


def warc_responses(data: Path) -> list:
    return [record for path in sorted((data / "warc").glob("*.warc.gz"))
            for _, _, record in iter_records(path) if record.rec_type in ("response", "revisit")]


def query_of(path: str) -> dict:
    return parse_qs(urlsplit(path).query, keep_blank_values=True)


# ---- the non-WordPress CMS -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cms_crawl(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("cms")
    data = work / "data"
    with MockSite(layout="cms", log_path=work / "requests.jsonl") as site:
        result = crawl(site.url, data, CMS_SINCE, CMS_UNTIL, *FAST)
        yield {"site": site, "data": data, "result": result, "log": site.requests(),
               "expected": site.expected(CMS_SINCE, CMS_UNTIL)}


def test_cms_crawl_by_bare_url_finishes(cms_crawl):
    assert_finished(cms_crawl["result"])


def test_cms_every_in_range_article_is_archived_once(cms_crawl):
    site = cms_crawl["site"]
    want = {match_key(site.url_for(a)) for a in cms_crawl["expected"]}
    assert len(want) == 8   # 3 on March 4, 2 on March 5, 3 on March 7 (its fourth was deleted)
    got = archived_keys(cms_crawl["data"])
    assert want - set(got) == set(), "in-range articles not archived"
    assert {k: n for k, n in got.items() if n > 1} == {}, "articles archived twice"


def test_cms_export_holds_exactly_the_in_range_articles(cms_crawl):
    site = cms_crawl["site"]
    result = run_cli(cms_crawl["data"], "export", "--format", "jsonl", check=True)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert sorted(match_key(line["canonical_url"]) for line in lines) == \
        sorted(match_key(site.url_for(a)) for a in cms_crawl["expected"])
    for line in lines:
        assert CMS_SINCE <= (line["published"] or "")[:10] <= CMS_UNTIL, line["url"]


def test_cms_nothing_out_of_range_is_an_article_row(cms_crawl):
    site = cms_crawl["site"]
    rows = article_rows(cms_crawl["data"])
    assert rows, "no article archived"
    outside = {match_key(site.url_for(a)) for a in site.articles if not CMS_SINCE <= a.date.isoformat() <= CMS_UNTIL}
    for row in rows:
        key = match_key(row["canonical_url"] or row["url"])
        assert key not in outside, row["url"]
        assert CMS_SINCE <= (row["published"] or "")[:10] <= CMS_UNTIL, row["url"]
        assert urlsplit(row["url"]).path.endswith(".html"), f"a listing became an article: {row['url']}"


def test_cms_archive_tree_is_walked_only_inside_the_range(cms_crawl):
    """No year, month or day page of /archive/ outside 2024 / 2024-03 / 2024-03-04..07 is asked for
    (the tree answers 200 for any year and links previous/next year, month and day forever)."""
    outside = [e["path"] for e in cms_crawl["log"] if tree_outside(e.get("tree_date"), CMS_SINCE, CMS_UNTIL)]
    assert outside == []


def test_cms_sort_twins_and_session_ids_are_never_requested(cms_crawl):
    log = cms_crawl["log"]
    assert log, "the site saw no requests"
    assert [e["path"] for e in log if "sort" in query_of(e["path"])] == []
    assert [e["path"] for e in log if "sid" in query_of(e["path"])] == []
    assert [e["path"] for e in log if e.get("trap")] == []


def test_cms_no_duplicate_fetches_and_no_robots_violations(cms_crawl):
    log = cms_crawl["log"]
    assert [e["path"] for e in log if e.get("robots_violation")] == []
    served = collections.Counter(e["path"] for e in log if e["status"] == 200)
    assert {p: n for p, n in served.items() if n > 1} == {}, "pages fetched twice"
    articles = collections.Counter(e["article"] for e in log if e.get("article"))
    assert {slug: n for slug, n in articles.items() if n > 1} == {}, "articles fetched twice"


# ---- the endless date archive ------------------------------------------------------------------------
@pytest.mark.parametrize("variant", [MIDDLE, NEWEST], ids=["entry-mid-range", "entry-newest-month"])
def test_date_archive_trap_walk_ends_inside_the_range(tmp_path, variant):
    since, until = variant["since"], variant["until"]
    data = tmp_path / "data"
    with DateArchiveTrap(**variant) as site:
        result = crawl(site.url, data, since, until, *FAST)
        months, years = site.months_requested(), site.years_requested()
        want = {match_key(site.url + s.path) for s in site.expected(since, until)}
    assert_finished(result)
    assert sorted(months - range_months(since, until)) == [], "months outside the range were requested"
    assert sorted(years - {"2024"}) == [], "years outside the range were requested"
    got = archived_keys(data)
    assert len(want) >= 5
    assert sorted(want - set(got)) == [], "in-range articles not archived"
    assert sorted(set(got) - want) == [], "out-of-range articles archived"


# ---- robots.txt Crawl-delay ----------------------------------------------------------------------------
def test_robots_crawl_delay_spaces_every_request(tmp_path):
    """robots.txt says Crawl-delay: 2; no -s DOWNLOAD_DELAY here, the crawl's own defaults apply."""
    data = tmp_path / "data"
    with CrawlDelaySite() as site:
        result = crawl(site.url, data, *MAY)
        log = sorted(site.requests(), key=lambda e: e["mono"])
        gaps = site.gaps_after_robots()
        want = {match_key(site.url + s.path) for s in site.articles}
    assert_finished(result)
    assert log and log[0]["path"] == "/robots.txt", [e["path"] for e in log[:3]]
    assert len(gaps) >= len(want), "fewer requests than the home page and its articles"
    assert min(gaps) >= CRAWL_DELAY - 0.1, [round(g, 2) for g in gaps]
    assert sorted(want - set(archived_keys(data))) == []


# ---- a redirect to the same URL --------------------------------------------------------------------------
def test_redirect_to_the_same_url_with_a_cookie_is_followed_and_archived(tmp_path):
    data = tmp_path / "data"
    with SelfRedirectSite() as site:
        result = crawl(site.url, data, *MAY, *FAST)
        log = [e for e in site.requests() if e["path"] == CONSENT_PATH]
        consent = site.consent_url
        want = {match_key(site.url + s.path) for s in site.articles}
    assert_finished(result)
    assert [(e["status"], e["cookie"]) for e in log][:1] == [(302, None)]
    assert any(e["status"] == 200 and "consent=1" in (e["cookie"] or "") for e in log), log
    assert match_key(consent) in archived_keys(data)
    assert sorted(want - set(archived_keys(data))) == []
    statuses = [r.status for r in warc_responses(data) if match_key(r.warc_headers["WARC-Target-URI"]) == match_key(consent)]
    assert 302 in statuses and 200 in statuses, statuses
    hop = next(r for r in warc_responses(data)
               if match_key(r.warc_headers["WARC-Target-URI"]) == match_key(consent) and r.status == 302)
    assert match_key(hop.header("Location")) == match_key(consent)
    assert "consent=1" in (hop.header("Set-Cookie") or "")


# ---- the fixtures themselves (no crawl) --------------------------------------------------------------------
class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url: str, headers: dict | None = None):
    """(status, headers, body) of one GET, redirects not followed."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_fixtures_serve_what_the_acceptance_tests_assume():
    """Guards the fixtures, not the product: the cms layout is not WordPress, lacks 2024-03 in its
    sitemap index, and its tree answers any year; the fault sites answer as documented."""
    with MockSite(layout="cms", faults=False) as site:
        article = site.expected(CMS_SINCE, CMS_UNTIL)[0]
        status, _, body = get(site.url_for(article))
        html = body.decode()
        assert status == 200 and '"NewsArticle"' in html and 'og:type" content="article"' in html
        assert "wp-content" not in html and "WordPress" not in html and "entry-title" not in html
        index = gzip.decompress(get(site.url + "/sitemap.xml.gz")[2]).decode()
        assert "/sitemaps/2024-02.xml.gz" in index and "/sitemaps/2024-03.xml.gz" not in index
        assert get(site.url + "/archive/1987/")[0] == 200
        assert "?sid=" in get(site.url + "/")[2].decode()
    with DateArchiveTrap(**NEWEST) as trap:
        home = get(trap.url + "/")[2].decode()
        assert "/archive/2024/03/" in home and "/archive/2024/02/" not in home
        assert get(trap.url + "/archive/1999/07/?page=40")[0] == 200
    with CrawlDelaySite() as slow:
        assert f"Crawl-delay: {CRAWL_DELAY}" in get(slow.url + "/robots.txt")[2].decode()
    with SelfRedirectSite() as wall:
        status, headers, _ = get(wall.consent_url)
        assert status == 302 and headers["Location"] == wall.consent_url and "consent=1" in headers["Set-Cookie"]
        assert get(wall.consent_url, {"Cookie": "consent=1"})[0] == 200
