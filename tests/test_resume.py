"""Resume keeps discovery (issue 19, scrapy#4479): a crawl of 1,000 articles (three of them behind
meta-refresh stubs only) stopped with Ctrl-C after about 200 resumes to all of them, none fetched twice, whether its first articles came from
a feed or from sitemaps; and it is ``finished`` only when nothing it asked for is unanswered.

The site is the mock site's bulk layout (tests/mocksite/bulk.py), a subprocess on port 0; the
crawls run as the CLI runs them (``python -m archive ... crawl URL``).
"""
from __future__ import annotations

import collections
import json
import os
import pickle
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.jobstate import STATE_KEY, JobState
from tests.helpers import ROOT, stop_process
from tests.mocksite import MockSite
from tests.mocksite.bulk import story_path

pytestmark = pytest.mark.acceptance

ARTICLES = 1000
STOP_AFTER = 200


def crawl_command(site: MockSite, data: Path) -> list[str]:
    return [sys.executable, "-m", "archive", "--data", str(data), "crawl", site.url + "/", "--since", "2024-01-01",
            "--until", "2024-12-31", "--requisites", "none", "-s", "DOWNLOAD_DELAY=0",
            "-s", "AUTOTHROTTLE_ENABLED=False"]


def served_articles(site: MockSite) -> collections.Counter:
    """How often each story was served (200)."""
    return collections.Counter(e["article"] for e in site.requests() if e.get("article") is not None)


def stop_after(site: MockSite, data: Path, articles: int, kill: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the crawl, press Ctrl-C (SIGINT) once ``articles`` stories were served, or with
    ``kill`` send SIGKILL to its process group (the crawl and its extraction workers); wait for it."""
    proc = subprocess.Popen(crawl_command(site, data), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=kill)
    try:
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline:
            if sum(served_articles(site).values()) >= articles:
                if kill:
                    os.killpg(proc.pid, signal.SIGKILL)
                else:
                    proc.send_signal(signal.SIGINT)
                break
            time.sleep(0.1)
        out, err = proc.communicate(timeout=300)
    finally:
        stop_process(proc)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def crawls(data: Path) -> list[tuple[str, dict]]:
    with sqlite3.connect(data / "archive.db") as db:
        return [(status, json.loads(stats or "{}"))
                for status, stats in db.execute("SELECT status, stats FROM crawls ORDER BY id")]


@pytest.mark.parametrize("first, site_args, lose_queue", [
    ("feeds", (), False),
    ("sitemaps", ("--feed-items", "0"), False),
    ("feeds", (), True),
], ids=["feed-first", "sitemaps-first", "feed-first-queue-lost"])
def test_a_crawl_stopped_after_200_articles_resumes_to_all_1000_with_no_duplicate(
        tmp_path: Path, first: str, site_args: tuple[str, ...], lose_queue: bool) -> None:
    data = tmp_path / "data"
    with MockSite(layout="bulk", args=("--articles", str(ARTICLES), *site_args),
                  log_path=tmp_path / "requests.jsonl") as site:
        stopped = stop_after(site, data, STOP_AFTER)
        assert stopped.returncode != 0 and "ended early" in stopped.stderr, stopped.stderr[-2000:]
        before = served_articles(site)
        assert STOP_AFTER <= len(before) < ARTICLES // 2
        (status, stats), = crawls(data)
        assert status == "interrupted"
        assert max(stats["found_by"], key=stats["found_by"].get) == first  # where the first articles came from
        jobs = data / "jobs" / "generic"
        assert (jobs / "requests.seen").stat().st_size > 0
        if lose_queue:
            # a queue lost or cut short: what the stopped crawl asked for is in its job state
            shutil.rmtree(jobs / "requests.queue")
        stopped_at = time.time()

        resumed = subprocess.run(crawl_command(site, data), cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        served = served_articles(site)
        log = [e for e in site.requests() if e["t"] >= stopped_at]

    assert sorted(served) == list(range(ARTICLES)), f"missing: {sorted(set(range(ARTICLES)) - set(served))[:20]}"
    assert [n for n, times in served.items() if times > 1] == []  # no article fetched twice
    assert "Resuming a stopped crawl" in resumed.stderr
    # the resumed crawl read its discovery again, conditionally (the archive knew their validators)
    again = {e["path"]: e for e in log if not e["path"].startswith(("/news/", "/go"))}
    expected = {"/robots.txt", "/", "/sitemap-index.xml", "/sitemap-1.xml", "/sitemap-4.xml"}
    if first == "feeds":
        expected.add("/feed.xml")
    assert expected <= set(again)
    assert all(again[p]["status"] == 304 and again[p]["conditional"] for p in expected - {"/robots.txt"})
    with sqlite3.connect(data / "archive.db") as db:
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == ARTICLES
        doubled = db.execute("SELECT url FROM captures WHERE url LIKE '%/news/%' AND status = 200 "
                             "GROUP BY url HAVING count(*) > 1").fetchall()
        assert doubled == []  # one capture per article
        urls = {r[0] for r in db.execute("SELECT url FROM articles")}
    assert {urlsplit(u).path for u in urls} == {story_path(i) for i in range(ARTICLES)}
    assert [s for s, _ in crawls(data)] == ["interrupted", "finished"]
    assert not (data / "jobs").exists()  # a finished crawl leaves no resume state


def test_a_killed_crawl_resumes_to_all_1000_reading_what_it_archived_from_warc(tmp_path: Path) -> None:
    """SIGKILL leaves no queue: the archive is the state. Pages it wrote to WARC but had not
    extracted are read from there, not fetched again; only what it never received is."""
    data = tmp_path / "data"
    with MockSite(layout="bulk", args=("--articles", str(ARTICLES), "--feed-items", "0"),
                  log_path=tmp_path / "requests.jsonl") as site:
        stop_after(site, data, STOP_AFTER, kill=True)
        before = served_articles(site)
        resumed = subprocess.run(crawl_command(site, data), cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        served = served_articles(site)
    assert sorted(served) == list(range(ARTICLES))
    with sqlite3.connect(data / "archive.db") as db:
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == ARTICLES
        captures = collections.Counter(urlsplit(u).path for (u,) in db.execute(
            "SELECT url FROM captures WHERE url LIKE '%/news/%' AND status = 200"))
    assert set(captures.values()) == {1}  # one capture per article, none fetched again once archived
    twice = [n for n, times in served.items() if times > 1]
    assert all(before[n] == 1 for n in twice) and len(twice) <= 16  # only what was in flight at the kill
    assert [s for s, _ in crawls(data)] == ["interrupted", "finished"]


def test_job_state_survives_a_pickle_and_gives_each_lost_request_once() -> None:
    state: dict = {}
    job = JobState()
    job.bind(state)
    job.add("k1", "http://a.example/1/", None, "feed")
    job.add("k2", "http://a.example/2/", None, "sitemap")
    job.add("k3", "http://a.example/3/", None, "sitemap")
    job.undated["k4"] = ("http://a.example/4/", None)
    job.settle("k1")
    saved = pickle.loads(pickle.dumps(state, protocol=4))  # what Scrapy's SpiderState writes and reads
    resumed = JobState()
    resumed.bind(saved)
    assert resumed.resumed and saved[STATE_KEY]["requested"] is resumed.requested
    assert resumed.requested == {"k1", "k2", "k3"} and set(resumed.pending) == {"k2", "k3"}
    assert resumed.undated == {"k4": ("http://a.example/4/", None)}
    assert resumed.lost(known={"k3"}) == [("k2", {"url": "http://a.example/2/", "issue_date": None,
                                                 "source": "sitemap"})]
    assert resumed.lost(known=set()) == []  # asked for again once, not at every idle
    assert resumed.unaccounted() == 1
    resumed.settle("k2")
    assert resumed.unaccounted() == 0


def test_a_crawl_with_an_unanswered_article_is_not_finished(tmp_path: Path) -> None:
    from scrapy.utils.test import get_crawler

    import crawler.settings as defaults
    from crawler.spiders.backissues import BackIssuesSpider
    from crawler.session import crawl_session

    settings = {name: getattr(defaults, name) for name in dir(defaults) if name.isupper()}
    settings.update(ARCHIVE_DATA_DIR=str(tmp_path / "data"), ARCHIVE_EXTRACT_WORKERS=0)
    crawler = get_crawler(BackIssuesSpider, settings)
    spider = crawler._create_spider(site="http://127.0.0.1:9/")
    store = crawl_session(crawler)
    store.open(spider)
    spider.jobstate.add("key", "http://127.0.0.1:9/news/a-b-c/", None, "feed")  # never answered
    crawler.stats.set_value("downloader/response_count", 3)
    store.close(spider, "finished")
    assert store.summary["unaccounted"] == 1
    assert "1 article was asked for but got no answer" in store.summary["reason"]
    assert [s for s, _ in crawls(tmp_path / "data")] == ["interrupted"]


def test_a_request_handed_to_the_workers_is_accounted_for(tmp_path: Path) -> None:
    """A distributed crawl's coordinator hands article requests to the workers through the
    shared queue; it says so with crawler.signals.request_handed_over, and the spider
    settles the request instead of the scheduler reaching into the spider's job state."""
    import scrapy
    from scrapy.utils.test import get_crawler

    import crawler.settings as defaults
    from crawler.signals import request_handed_over
    from crawler.spiders.backissues import BackIssuesSpider

    settings = {name: getattr(defaults, name) for name in dir(defaults) if name.isupper()}
    settings.update(ARCHIVE_DATA_DIR=str(tmp_path / "data"), ARCHIVE_EXTRACT_WORKERS=0)
    crawler = get_crawler(BackIssuesSpider, settings)
    spider = BackIssuesSpider.from_crawler(crawler, site="http://127.0.0.1:9/")
    spider.jobstate.add("key", "http://127.0.0.1:9/news/a-b-c/", None, "feed")
    assert spider.unaccounted_articles() == 1
    request = scrapy.Request("http://127.0.0.1:9/news/a-b-c/", meta={"pending_key": "key"})
    crawler.signals.send_catch_log(signal=request_handed_over, request=request, spider=spider)
    assert spider.unaccounted_articles() == 0
