"""Incremental crawls: conditional requests, revisit records, versions, horizons, the lock.

Two crawls of the mock site with "today" moved between them, as a scheduled crawl sees it.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from archive.index import Index
from archive.warc import PROFILE_IDENTICAL_PAYLOAD, PROFILE_SERVER_NOT_MODIFIED, iter_records
from tests.helpers import run_cli
from tests.mocksite import MockSite

ROOT = Path(__file__).resolve().parents[1]
REVISED = "judge-questions-ftc-pickleball-paddle-merger"
FAST = ("-s", "DOWNLOAD_DELAY=0.01", "-s", "AUTOTHROTTLE_ENABLED=False")


def cli(data: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run_cli(data, *args, check=check)


def records_by_file(data: Path) -> dict[str, list]:
    return {path.name: [r for _, _, r in iter_records(path)] for path in sorted((data / "warc").glob("*.warc.gz"))}


@pytest.fixture(scope="module")
def two_crawls(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("incremental")
    data = work / "data"
    with MockSite(today="2024-03-13", log_path=work / "requests.jsonl") as site:
        cli(data, "crawl", "courthousenews", "--base-url", site.url, "--since", "2024-03-01", *FAST)
        first_files = set(records_by_file(data))
        mark = len(site.requests())
        site.set_today("2024-03-15")
        second = cli(data, "crawl", "courthousenews", "--base-url", site.url, *FAST)
        second_files = set(records_by_file(data))
        mark2 = len(site.requests())
        # the same range again, nothing changed on the site: issue 3's "crawl it again"
        cli(data, "crawl", "courthousenews", "--base-url", site.url, "--since", "2024-03-01", *FAST)
        log = site.requests()
        yield {"site": site, "data": data, "first_log": log[:mark], "second_log": log[mark:mark2],
               "third_log": log[mark2:], "first_files": first_files, "second_files": second_files,
               "second_stderr": second.stderr}


def test_second_crawl_is_incremental_from_the_horizon(two_crawls):
    with Index(two_crawls["data"] / "archive.db", readonly=True) as index:
        crawls = list(index.db.query("SELECT since, horizon, status, args FROM crawls ORDER BY id"))
    assert [c["status"] for c in crawls] == ["finished", "finished", "finished"]
    assert crawls[0]["horizon"] == "2024-03-13"
    assert crawls[1]["since"] == "2024-03-11"  # the horizon minus CRAWL_OVERLAP_DAYS
    assert json.loads(crawls[1]["args"])["incremental"] is True
    assert crawls[1]["horizon"] == "2024-03-15"
    assert "Incremental crawl from 2024-03-11" in two_crawls["second_stderr"]


def test_second_crawl_fetches_no_unchanged_article_unconditionally(two_crawls):
    archived_first = {e["article"] for e in two_crawls["first_log"] if e.get("article") and e["status"] == 200}
    refetched = [e for e in two_crawls["second_log"]
                 if e.get("article") in archived_first and e["status"] == 200 and not e["conditional"]]
    assert archived_first and refetched == []
    new = {e["article"] for e in two_crawls["second_log"] if e.get("article") and e["status"] == 200}
    assert {"astronomers-lawsuit-satellite-glare-dismissed", "grand-jury-indicts-former-county-clerk-ballot-printing"} <= new


def test_listings_are_fetched_conditionally_and_304s_become_revisits(two_crawls):
    log = two_crawls["third_log"]
    assert not [e for e in log if e.get("article") and e["status"] == 200]  # nothing new to fetch
    listings = [e for e in log if not e.get("article") and e["path"] not in ("/robots.txt",)]
    assert listings and all(e["conditional"] for e in listings if e["status"] in (200, 304))
    assert sum(1 for e in log if e["status"] == 304) >= 5
    third = [r for name, recs in records_by_file(two_crawls["data"]).items()
             if name not in two_crawls["second_files"] for r in recs]
    not_modified = [r for r in third if r.rec_type == "revisit"
                    and r.warc_headers["WARC-Profile"] == PROFILE_SERVER_NOT_MODIFIED]
    assert len(not_modified) == sum(1 for e in log if e["status"] == 304)
    # what crawl 2 fetched under the same "today" comes back as 304, never as a second copy
    fetched_second = {e["path"] for e in two_crawls["second_log"] if e["status"] == 200}
    refetched = [e["path"] for e in log if e["status"] == 200 and e["path"] in fetched_second
                 and e["path"] != "/robots.txt"]
    assert refetched == []
    for r in not_modified:
        assert r.status == 304 and r.warc_headers["WARC-Refers-To-Target-URI"] and r.warc_headers["WARC-Refers-To-Date"]
        assert r.raw_payload == b""


def test_no_payload_is_stored_twice(two_crawls):
    seen: dict[str, str] = {}
    for name, records in records_by_file(two_crawls["data"]).items():
        for r in records:
            if r.rec_type != "response" or not r.raw_payload:
                continue
            digest = r.warc_headers["WARC-Payload-Digest"]
            assert digest not in seen, (r.warc_headers["WARC-Target-URI"], seen.get(digest))
            seen[digest] = r.warc_headers["WARC-Target-URI"]
    identical = [r for recs in records_by_file(two_crawls["data"]).values() for r in recs
                 if r.rec_type == "revisit" and r.warc_headers["WARC-Profile"] == PROFILE_IDENTICAL_PAYLOAD]
    assert identical and all(r.warc_headers["WARC-Payload-Digest"] in seen for r in identical)


def test_revised_article_gets_a_new_version(two_crawls):
    site, data = two_crawls["site"], two_crawls["data"]
    result = cli(data, "history", f"{site.url}/{REVISED}/", "--json")
    versions = json.loads(result.stdout)
    assert [v["version"] for v in versions] == [1, 2]
    assert "text" in versions[1]["changed"]
    assert versions[0]["payload_digest"] != versions[1]["payload_digest"]
    with Index(data / "archive.db", readonly=True) as index:
        row = next(index.db.query("SELECT version, text FROM articles WHERE canonical_url LIKE ?", (f"%/{REVISED}/",)))
    assert row["version"] == 2 and "Update" in row["text"]


def test_every_article_has_a_metadata_record(two_crawls):
    metadata = {}
    responses = {}
    for records in records_by_file(two_crawls["data"]).values():
        for r in records:
            if r.rec_type == "metadata":
                metadata[r.warc_headers["WARC-Refers-To"]] = json.loads(r.raw_payload)
            elif r.rec_type in ("response", "revisit"):
                responses[r.warc_headers["WARC-Record-ID"]] = r
    with Index(two_crawls["data"] / "archive.db", readonly=True) as index:
        rows = list(index.db.query(
            "SELECT v.title, c.record_id FROM article_versions v JOIN captures c ON c.id = v.capture_id"))
    assert rows
    for row in rows:
        fields = metadata[row["record_id"]]
        assert fields["title"] == row["title"] and fields["record"] == "newsarchive-article/1"
        assert fields["extractor"].startswith("newsarchive/")
        assert row["record_id"] in responses


def test_a_second_crawl_of_the_same_data_dir_is_refused_while_one_runs(tmp_path):
    from crawler.session import lock_data_dir

    holder = lock_data_dir(tmp_path)
    try:
        result = cli(tmp_path, "crawl", "courthousenews", "--base-url", "http://127.0.0.1:9", check=False)
    finally:
        holder.close()
    assert result.returncode == 1
    assert "another crawl" in result.stderr and "Traceback" not in result.stderr
