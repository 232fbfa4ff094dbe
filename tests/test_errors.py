"""One errors figure (issue 18): the progress lines, the summary and crawls.stats agree, by kind."""
from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawler.errors import ErrorTallyMiddleware, brief_errors, error_counts, format_errors
from tests.helpers import run_cli
from tests.mocksite import MockSite

DATE_ARCHIVE = re.compile(r"/\d{4}/\d{2}/(\d{2}/)?")


def test_kinds_add_up_to_the_total() -> None:
    crawler = get_crawler(settings_dict={"RETRY_HTTP_CODES": [429, 503], "RETRY_ENABLED": True})
    crawler.stats.open_spider()
    tally = ErrorTallyMiddleware(crawler)

    def answer(url: str, status: int, **meta: object) -> None:
        tally.process_response(Request(url, meta=meta), Response(url, status=status))

    answer("http://x.org/a/", 200)
    answer("http://x.org/b/", 304)
    answer("http://x.org/gone/", 404)
    answer("http://x.org/robots.txt", 404)   # no robots.txt: all allowed, no error
    answer("http://x.org/theme/gone.png", 404, role="requisite")  # the site's missing file: a skip
    answer("http://x.org/theme/lost.css", 410, role="requisite")
    answer("http://x.org/theme/broken.css", 500, role="requisite")  # a server fault: an error
    answer("http://x.org/2024/03/09/", 404, role="date-archive")  # a day without posts: no error
    answer("http://x.org/2024/03/10/", 500, role="date-archive")  # a fault all the same
    answer("http://x.org/c/", 503)           # a retryable status that got here: retries used up
    answer("http://x.org/d/", 503, dont_retry=True)
    answer("http://x.org/e/", 501)
    tally.process_exception(Request("http://x.org/f/"), IgnoreRequest("Forbidden by robots.txt"))
    tally.process_exception(Request("http://x.org/g/"), ConnectionRefusedError("refused"))
    tally.process_exception(Request("http://x.org/h/"), Exception("Cancelling download: larger than download max size"))
    crawler.stats.inc_value("retry/count", 3)
    counts = error_counts(crawler.stats.get_stats())
    assert counts == {"total": 10, "retried": 3, "gave up": 2, "4xx": 1, "5xx": 4}
    assert format_errors(counts) == "Errors: 10 (retried 3, gave up 2, 4xx 1, 5xx 4)"
    assert brief_errors({"total": 2, "retried": 2, "gave up": 0, "4xx": 0, "5xx": 0}) == "2 (retried 2)"
    assert brief_errors(error_counts({})) == "0"


def test_progress_summary_and_crawls_stats_give_the_same_errors(tmp_path: Path) -> None:
    """The mock site answers a first 429 and a first 503 (retried), and lists a deleted article (404)."""
    data = tmp_path / "data"
    with MockSite(log_path=tmp_path / "requests.jsonl") as site:
        result = run_cli(data, "crawl", "courthousenews", "--base-url", site.url, "--since", "2024-03-01",
                         "--until", "2024-03-15", "-s", "DOWNLOAD_DELAY=0.01", "-s", "AUTOTHROTTLE_ENABLED=False",
                         "-s", "CRAWL_PROGRESS_INTERVAL_SECS=0.5", check=True)
        log = site.requests()
    lines = result.stderr.splitlines()
    progress = [line for line in lines if line.startswith("[newsarchive] ") and " errors " in line]
    last = re.search(r" errors (\d+)", progress[-1]).group(1)
    (summary,) = [line for line in lines if line.startswith("Errors: ")]
    total, *kinds = (int(n) for n in re.fullmatch(
        r"Errors: (\d+) \(retried (\d+), gave up (\d+), 4xx (\d+), 5xx (\d+)\)", summary).groups())
    assert int(last) == total == sum(kinds)
    stats = json.loads(sqlite3.connect(data / "archive.db").execute("SELECT stats FROM crawls").fetchone()[0])
    assert stats["errors"] == total
    assert stats["error_kinds"] == dict(zip(("total", "retried", "gave up", "4xx", "5xx"), [total, *kinds]))
    # what the site's log shows: every first-hit 429 or 503 was retried
    first_faults = {e["path"] for e in log if e["status"] in (429, 503)}
    assert first_faults and stats["error_kinds"]["retried"] == len([e for e in log if e["status"] in (429, 503)])
    # a date archive's 404 (a day without posts) is an answer, not an error
    empty_days = [e for e in log if e["status"] == 404 and DATE_ARCHIVE.fullmatch(e["path"])]
    assert empty_days
    assert stats["error_kinds"]["4xx"] == len([e for e in log if 400 <= e["status"] < 500 and e["status"] != 429
                                               and e["path"] != "/robots.txt" and e not in empty_days]) > 0


def _spider(tmp_path: Path):
    import crawler.settings as defaults
    from crawler.spiders.backissues import BackIssuesSpider

    settings = {name: getattr(defaults, name) for name in dir(defaults) if name.isupper()}
    settings.update(ARCHIVE_DATA_DIR=str(tmp_path / "data"), ARCHIVE_EXTRACT_WORKERS=0)
    crawler = get_crawler(BackIssuesSpider, settings)
    return crawler._create_spider(site="http://127.0.0.1:9/")


def _fail(spider, exc: Exception, url: str = "http://127.0.0.1:9/a/") -> None:
    from twisted.python.failure import Failure

    failure = Failure(exc)
    failure.request = Request(url)  # type: ignore[attr-defined]
    spider.on_error(failure)


def test_not_fetched_is_sorted_by_its_class_not_its_message(tmp_path: Path, caplog) -> None:
    """Our middlewares' refusals are named exceptions: the summary's skip reason comes from the
    class, whatever the message says, and none of them is logged as a warning."""
    from crawler.errors import ArchivedEarlier, DeadRequisiteFolder, NotFetched, RetryAfterTooLong

    spider = _spider(tmp_path)
    stats = spider.crawler.stats
    for exc in (ArchivedEarlier("reworded"), DeadRequisiteFolder("/x/ is gone"), RetryAfterTooLong("later")):
        assert isinstance(exc, NotFetched) and isinstance(exc, IgnoreRequest)
        _fail(spider, exc)
    assert stats.get_value("newsarchive/skipped/archived by an earlier crawl") == 1
    assert stats.get_value("newsarchive/skipped/requisite in a folder that answered only 404") == 1
    skipped = {k for k in stats.get_stats() if k.startswith("newsarchive/skipped/")}
    assert len(skipped) == 2  # the Retry-After one is counted by its middleware, not here
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_messages_alone_no_longer_decide(tmp_path: Path, caplog) -> None:
    """A plain IgnoreRequest whose text happens to mention an earlier crawl is just "ignored",
    and warned about; Scrapy's own robots.txt refusal keeps its reason."""
    spider = _spider(tmp_path)
    stats = spider.crawler.stats
    _fail(spider, IgnoreRequest("archived by an earlier crawl, says someone else"))
    _fail(spider, IgnoreRequest("Forbidden by robots.txt"))
    assert stats.get_value("newsarchive/skipped/ignored") == 1
    assert stats.get_value("newsarchive/skipped/archived by an earlier crawl") is None
    assert stats.get_value("newsarchive/skipped/forbidden by robots.txt") == 1
    assert len([r for r in caplog.records if r.levelname == "WARNING"]) == 1
