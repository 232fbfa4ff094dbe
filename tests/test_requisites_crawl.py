"""End to end: a crawl of the mock site archives its pages' requisites (stylesheets and
what they load, scripts, icons, images), each once, in scope, and a second crawl checks
them only conditionally."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive.warc.cdxj import index_path
from archive.index import Index
from archive.warc import iter_records
from crawler.spiders.backissues import PRIORITY
from tests.helpers import run_cli
from tests.mocksite import MockSite
from tests.mocksite import requisites as truth

SINCE, UNTIL = "2024-03-01", "2024-03-31"
FAST = ("-s", "DOWNLOAD_DELAY=0.01", "-s", "AUTOTHROTTLE_ENABLED=False")


def crawl(site: MockSite, data: Path, *extra: str, check: bool = True):
    return run_cli(data, "crawl", "courthousenews", "--base-url", site.url, "--since", SINCE, "--until", UNTIL,
                   *FAST, *extra, check=check)


def warc_targets(data: Path) -> dict[str, list[tuple[str, int | None]]]:
    """WARC-Target-URI -> [(record type, HTTP status)] of every response and revisit record."""
    found: dict[str, list[tuple[str, int | None]]] = {}
    for path in sorted((data / "warc").glob("*.warc.gz")):
        for _offset, _length, record in iter_records(path):
            if record.rec_type in ("response", "revisit"):
                found.setdefault(record.warc_headers["WARC-Target-URI"], []).append((record.rec_type, record.status))
    return found


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("requisites")
    data = work / "data"
    with MockSite(log_path=work / "requests.jsonl") as site:
        result = crawl(site, data)
        first_log = site.requests()
        expected = site.expected(SINCE, UNTIL)
        # incremental: no --since, so it starts at the first crawl's horizon
        again = run_cli(data, "crawl", "courthousenews", "--base-url", site.url, *FAST, check=True)
        yield {"site": site, "data": data, "first_log": first_log, "log": site.requests(), "stderr": result.stderr,
               "second_stderr": again.stderr, "expected": expected, "targets": warc_targets(data)}


def paths_fetched(log: list[dict], status: int = 200) -> list[str]:
    return [e["path"] for e in log if e["status"] == status]


def test_every_page_requisite_of_every_article_is_archived(crawled):
    site, targets = crawled["site"], crawled["targets"]
    wanted = set(truth.SHARED_REQUISITES)
    for article in crawled["expected"]:
        wanted.update(truth.article_requisites(article))
    archived = {t.removeprefix(site.url) for t, records in targets.items()
                if any(status == 200 for _kind, status in records)}
    assert wanted - archived == set()
    assert truth.BASE_HREF_REQUISITE in archived  # resolved against <base href>
    assert truth.PRINT_IMAGE in archived  # url() in a stylesheet that another one @imports


def test_each_requisite_is_fetched_once_a_crawl(crawled):
    hits = {}
    for e in crawled["first_log"]:
        if e.get("requisite") and e["status"] == 200:
            hits[e["path"]] = hits.get(e["path"], 0) + 1
    assert hits and max(hits.values()) == 1, {p: n for p, n in hits.items() if n > 1}


def test_requisites_outside_robots_txt_and_scope_are_not_fetched(crawled):
    paths = [e["path"] for e in crawled["log"]]
    assert truth.DISALLOWED_REQUISITE not in paths
    assert not any(e.get("robots_violation") for e in crawled["log"])
    assert not any(p.startswith(truth.THIRD_PARTY_REQUISITE) for p in paths)


def test_the_second_crawl_checks_requisites_only_conditionally(crawled):
    second = crawled["log"][len(crawled["first_log"]):]
    requisite_hits = [e for e in second if e.get("requisite")]
    assert requisite_hits, "the second crawl checked no requisite"
    unconditional = [e["path"] for e in requisite_hits if not e.get("conditional")]
    assert unconditional == []
    assert {e["status"] for e in requisite_hits} == {304}
    stylesheet = crawled["site"].url + truth.STYLESHEET
    kinds = [kind for kind, _status in crawled["targets"][stylesheet]]
    assert kinds.count("response") == 1 and "revisit" in kinds


def test_requisites_are_captures_not_articles_and_are_counted(crawled):
    data = crawled["data"]
    with Index(data / "archive.db") as index:
        stats = index.stats()
        rows = list(index.db.query("SELECT url, mime, status FROM captures WHERE mime = 'text/css'"))
        article_urls = {r["url"] for r in index.db.query("SELECT url FROM articles")}
    assert rows and all("/wp-content/themes/" in r["url"] for r in rows)
    assert not any("/wp-content/" in url for url in article_urls)
    assert stats.requisites["image"] >= 2 * len(crawled["expected"])
    assert stats.requisites["stylesheet"] == 2 and stats.requisites["font"] == 1
    assert "page requisites" in crawled["stderr"]
    summary = next(line for line in crawled["stderr"].splitlines() if line.startswith("Crawl finished"))
    assert int(summary.split("articles archived, ")[1].split()[0]) >= len(truth.SHARED_REQUISITES)


def test_requisites_are_in_the_replay_index(crawled):
    lines = index_path(crawled["data"]).read_text().splitlines()
    assert any("/wp-content/themes/mocknews/style.css" in line and '"status": "200"' in line for line in lines)


def test_requisites_queue_behind_article_pages():
    assert PRIORITY["requisite"] < PRIORITY["article"]


def test_captures_are_under_the_clean_url(crawled):
    assert not [t for t in crawled["targets"] if "utm_" in t]


def test_scope_all_fetches_a_third_party_host_and_media_over_the_cap_is_skipped(tmp_path):
    with MockSite(log_path=tmp_path / "requests.jsonl") as site:
        result = crawl(site, tmp_path / "data", "--requisites", "all", "-s", "CRAWL_REQUISITE_MAX_BYTES=100000")
        log = site.requests()
    paths = [e["path"] for e in log]
    assert truth.THIRD_PARTY_REQUISITE in paths
    targets = warc_targets(tmp_path / "data")
    assert site.third_party_url in targets
    assert not [t for t in targets if t.endswith(truth.MEDIA_REQUISITE)]  # the download was cancelled
    assert "audio or video requisite larger than CRAWL_REQUISITE_MAX_BYTES" in result.stderr
    assert truth.DISALLOWED_REQUISITE not in paths


def test_scope_none_fetches_no_requisite(tmp_path):
    with MockSite(log_path=tmp_path / "requests.jsonl") as site:
        crawl(site, tmp_path / "data", "--requisites", "none")
        log = site.requests()
    assert not [e for e in log if e.get("requisite")]


def test_a_bad_scope_setting_is_a_usage_error(tmp_path):
    result = run_cli(tmp_path / "data", "crawl", "courthousenews", "--base-url", "http://127.0.0.1:9",
                     "-s", "CRAWL_PAGE_REQUISITES=everything")
    assert result.returncode == 2
    assert "want one of same-site, all, none" in result.stderr
    assert "Traceback" not in result.stderr
