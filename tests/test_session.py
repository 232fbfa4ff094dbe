"""crawler.session.CrawlSession (start, finish, horizon, deferred pages, recovery), chosen by
CRAWL_SESSION_CLASS, and the CrawlPlan it hands the spider, which the spider, the middleware
and the pipelines read instead of attributes set on the spider."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from archive.index import Index
from archive.urls import match_key
from crawler.capture import CaptureWriter
from crawler.session import CrawlPlan, CrawlSession, crawl_session
from tests.crawlparts import SITE, article_row, crawler_and_spider, exchange


class LoggingSession(CrawlSession):
    """A session of another class, as a setting chooses it."""


class LoggingWriter(CaptureWriter):
    """A capture writer of another class, as a setting chooses it."""


def crawls(data: Path) -> list[dict]:
    conn = sqlite3.connect(data / "archive.db")
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM crawls ORDER BY id")]
    finally:
        conn.close()


def finished_crawl(data: Path, horizon: str, site: str = "127.0.0.1:9") -> None:
    with Index(data / "archive.db") as index:
        crawl_id = index.start_crawl(site, since=None, until=None, args={})
        index.set_crawl_horizon(crawl_id, horizon)
        index.finish_crawl(crawl_id, status="finished", stats={})


def site_name(data: Path) -> str:
    crawler, spider = crawler_and_spider(data)
    return spider.profile.name


def test_the_session_and_its_writer_are_chosen_by_settings(tmp_path: Path) -> None:
    crawler, _spider = crawler_and_spider(tmp_path / "data", CRAWL_SESSION_CLASS="tests.test_session.LoggingSession",
                                          CRAWL_CAPTURE_WRITER_CLASS="tests.test_session.LoggingWriter")
    session = crawl_session(crawler)
    assert type(session) is LoggingSession and type(session.writer) is LoggingWriter
    assert crawl_session(crawler) is session  # one a crawl
    assert session.writer.buffer is session.buffer


def test_the_spider_starts_with_the_range_asked_and_takes_the_sessions_plan(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Index(data / "archive.db") as index:
        recent = dt.date.today().isoformat()
        index.upsert_articles([article_row("/old/", published="2024-03-04"), article_row("/new/", published=recent)])
        index.add_aliases([(SITE + "/?p=1", SITE + "/old/")])
    crawler, spider = crawler_and_spider(data, since="2024-03-01", until="2024-03-31")
    assert spider.plan == CrawlPlan(since=dt.date(2024, 3, 1), until=dt.date(2024, 3, 31))
    session = crawl_session(crawler)
    session.open(spider)
    try:
        spider.take_plan()
        plan = spider.plan
        assert plan is session.plan
        assert (spider.since, spider.until, plan.incremental) == (dt.date(2024, 3, 1), dt.date(2024, 3, 31), False)
        assert plan.known == {match_key(SITE + p) for p in ("/old/", "/new/", "/?p=1")}
        assert plan.revisit == {match_key(SITE + "/new/")} and plan.revisit_days == 3
        assert plan.deferred == [] and plan.recovered.requisites == [] and plan.recovered.unextracted == {}
    finally:
        session.close(spider, "shutdown")


def test_the_plan_in_range(tmp_path: Path) -> None:
    plan = CrawlPlan(since=dt.date(2024, 3, 1), until=dt.date(2024, 3, 31))
    assert plan.in_range(None) and plan.in_range(dt.date(2024, 3, 1)) and plan.in_range(dt.date(2024, 3, 31))
    assert not plan.in_range(dt.date(2024, 2, 29)) and not plan.in_range(dt.date(2024, 4, 1))
    assert CrawlPlan().in_range(dt.date(1990, 1, 1))


def test_no_since_starts_at_the_last_horizon_minus_the_overlap(tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    finished_crawl(data, "2024-03-10", site_name(data))
    crawler, spider = crawler_and_spider(data)
    session = crawl_session(crawler)
    session.open(spider)
    session.close(spider, "shutdown")
    assert (session.plan.since, session.plan.incremental) == (dt.date(2024, 3, 8), True)
    assert "Incremental crawl from 2024-03-08" in capsys.readouterr().err
    assert json.loads(crawls(data)[-1]["args"])["incremental"] is True
    crawler, spider = crawler_and_spider(data, CRAWL_INCREMENTAL=False)
    session = crawl_session(crawler)
    session.open(spider)
    session.close(spider, "shutdown")
    assert (session.plan.since, session.plan.incremental) == (None, False)


def test_a_finished_crawl_records_its_summary_and_the_newest_horizon(tmp_path: Path) -> None:
    data = tmp_path / "data"
    crawler, spider = crawler_and_spider(data, since="2024-03-01", until="2024-03-31")
    session = crawl_session(crawler)
    session.open(spider)
    spider.take_plan()
    spider.saw_day(dt.date(2024, 3, 12))
    spider.saw_day(dt.date(2024, 3, 5))
    spider.saw_day(dt.date(2024, 4, 2))  # outside the range: not a horizon
    record = session.writer.write_exchange(exchange("/s/"))
    session.buffer.add_article(article_row("/s/", record), record, [])
    crawler.stats.set_value("downloader/response_count", 2)
    crawler.stats.set_value("newsarchive/skipped/not an article page", 1)
    session.close(spider, "finished")
    row = crawls(data)[-1]
    assert (row["status"], row["horizon"]) == ("finished", "2024-03-12")
    stats = json.loads(row["stats"])
    assert stats["since"] == "2024-03-01" and stats["until"] == "2024-03-31" and stats["articles"] == 1
    assert stats["articles_by_day"] == {"2024-03-04": 1} and stats["skipped"] == {"not an article page": 1}
    assert stats["pages"] == 2 and len(stats["warc_files"]) == 1
    assert session.summary == stats and session.failure is None
    assert session.index is None and (data / "indexes" / "index.cdxj").exists()  # the CDXJ after a crawl


def test_a_crawl_without_one_response_failed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    crawler, spider = crawler_and_spider(data)
    jobs = data / "jobs" / spider.profile.name
    jobs.mkdir(parents=True)
    crawler.settings.frozen = False
    crawler.settings.set("JOBDIR", str(jobs))
    session = crawl_session(crawler)
    session.open(spider)
    session.close(spider, "finished")
    row = crawls(data)[-1]
    assert row["status"] == "failed" and json.loads(row["stats"])["reason"] == "no response from the site"
    assert not jobs.exists()  # nothing worth resuming


def test_a_deferred_page_is_in_the_next_plan_until_it_is_fetched(tmp_path: Path) -> None:
    data = tmp_path / "data"
    crawler, spider = crawler_and_spider(data)
    session = crawl_session(crawler)
    session.open(spider)
    session.defer(SITE + "/busy/", {"role": "article", "issue_date": dt.date(2024, 3, 4), "source": "feed"}, 7200)
    session.close(spider, "shutdown")
    crawler, spider = crawler_and_spider(data)
    session = crawl_session(crawler)
    session.open(spider)
    spider.take_plan()
    assert [(r["url"], r["role"], r["issue_date"], r["source"]) for r in session.plan.deferred] == [
        (SITE + "/busy/", "article", "2024-03-04", "feed")]
    requests = list(spider.deferred_requests())
    assert [(r.url, r.meta["role"], r.meta["issue_date"], r.meta["deferred"]) for r in requests] == [
        (SITE + "/busy/", "article", dt.date(2024, 3, 4), True)]
    session.fetched(SITE + "/busy/")
    session.close(spider, "shutdown")
    with Index(data / "archive.db", readonly=True) as index:
        assert index.deferred_urls(spider.profile.name) == []


def test_after_a_killed_crawl_its_warc_records_are_indexed_and_its_crawl_interrupted(tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    crawler, spider = crawler_and_spider(data)
    killed = crawl_session(crawler)
    killed.open(spider)
    killed.writer.write_exchange(exchange("/p1/"))
    killed.writer.close()  # the WARC on disk; the index rows never written, the crawl never closed
    killed.index.close()
    killed._lock.close()
    crawler, spider = crawler_and_spider(data)
    session = crawl_session(crawler)
    session.open(spider)
    try:
        assert "1 captures and 0 articles recovered from WARC" in capsys.readouterr().err
        assert session.plan.recovered.fetched == [SITE + "/p1/"]
        assert [r["status"] for r in crawls(data)] == ["interrupted", "running"]
    finally:
        session.close(spider, "shutdown")


# ---- the spider's use of the plan -------------------------------------------------------------
@pytest.fixture()
def planned(tmp_path: Path):
    crawler, spider = crawler_and_spider(tmp_path / "data")
    spider.plan = CrawlPlan(since=dt.date(2024, 3, 1), until=dt.date(2024, 3, 31),
                            known={match_key(SITE + "/news/old-story-here/"), match_key(SITE + "/news/recent-story-here/")},
                            revisit={match_key(SITE + "/news/recent-story-here/")})
    return spider


def skipped(spider) -> dict[str, int]:
    return {k.split("/", 2)[2]: v for k, v in spider.crawler.stats.get_stats().items()
            if k.startswith("newsarchive/skipped/")}


def test_the_spider_asks_for_what_the_plan_does_not_know(planned) -> None:
    request = planned.article_request(SITE + "/news/a-new-story-here/", dt.date(2024, 3, 4), "feed")
    assert request is not None and request.meta["issue_date"] == dt.date(2024, 3, 4)
    assert planned.plan.horizon_seen == dt.date(2024, 3, 4)


def test_the_spider_skips_what_the_plan_knows_and_revalidates_the_revisit_window(planned) -> None:
    assert planned.article_request(SITE + "/news/old-story-here/", None, "feed") is None
    again = planned.article_request(SITE + "/news/recent-story-here/", None, "feed")
    assert again is not None and again.meta["revalidate"] and again.meta["source"] == "revisit window"
    assert skipped(planned) == {"archived by an earlier crawl": 1}


def test_the_spider_keeps_to_the_plans_range(planned) -> None:
    assert planned.article_request(SITE + "/news/a-late-story-here/", dt.date(2024, 4, 1), "feed") is None
    assert planned.article_request(SITE + "/news/an-early-story-here/", dt.date(2024, 2, 29), "feed") is None
    assert skipped(planned) == {"listed outside the date range": 2}
    assert planned.plan.horizon_seen is None


def test_the_pipeline_reads_the_range_from_the_plan(tmp_path: Path) -> None:
    from archive.records import ExtractedArticle
    from crawler.pipelines import IndexPipeline, NotArchived

    crawler, spider = crawler_and_spider(tmp_path / "data", since="2024-03-01", until="2024-03-31")
    session = crawl_session(crawler)
    session.open(spider)
    try:
        pipeline = IndexPipeline.from_crawler(crawler)
        capture = session.writer.write_exchange(exchange("/news/late-story-here/"))
        extracted = ExtractedArticle(title="Late", published="2024-04-02", text="word " * 400)
        item = {"url": SITE + "/news/late-story-here/", "extracted": extracted, "capture": capture,
                "issue_date": dt.date(2024, 3, 30)}  # a dated teaser's long text: an article
        with pytest.raises(NotArchived, match="published outside the date range"):
            pipeline.process_item(item)
        session.plan.until = None  # the plan, not the spider, decides
        assert pipeline.process_item(item) is item
    finally:
        session.close(spider, "shutdown")
