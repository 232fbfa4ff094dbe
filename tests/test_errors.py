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
    answer("http://x.org/c/", 503)           # a retryable status that got here: retries used up
    answer("http://x.org/d/", 503, dont_retry=True)
    answer("http://x.org/e/", 501)
    tally.process_exception(Request("http://x.org/f/"), IgnoreRequest("Forbidden by robots.txt"))
    tally.process_exception(Request("http://x.org/g/"), ConnectionRefusedError("refused"))
    tally.process_exception(Request("http://x.org/h/"), Exception("Cancelling download: larger than download max size"))
    crawler.stats.inc_value("retry/count", 3)
    counts = error_counts(crawler.stats.get_stats())
    assert counts == {"total": 9, "retried": 3, "gave up": 2, "4xx": 1, "5xx": 3}
    assert format_errors(counts) == "Errors: 9 (retried 3, gave up 2, 4xx 1, 5xx 3)"
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
    assert stats["error_kinds"]["4xx"] == len([e for e in log if 400 <= e["status"] < 500
                                               and e["status"] != 429 and e["path"] != "/robots.txt"])
