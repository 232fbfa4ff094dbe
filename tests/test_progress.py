"""Progress (issue 18): the phase, done/known counts, rate and ETA; rich on a TTY, plain lines piped."""
from __future__ import annotations

import io
import re
from pathlib import Path

from rich.console import Console
from scrapy import Request
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawler.progress import PhaseTally, clock
from crawler.progress_rich import RichCrawlProgress
from tests.helpers import run_cli
from tests.mocksite import MockSite


def tally_with(listings: int, articles: int, done_articles: int) -> PhaseTally:
    tally = PhaseTally(get_crawler())
    for i in range(listings):
        request = Request(f"http://x.org/2024/03/{i + 1:02d}/", meta={"role": "date-archive"})
        tally.scheduled(request)
        tally.process_response(request, Response(request.url, status=404))
    for i in range(articles):
        tally.scheduled(Request(f"http://x.org/story-{i}/", meta={"role": "article"}))
    dup = Request("http://x.org/story-0/?utm_source=x", meta={"role": "article"})
    tally.scheduled(dup)
    tally.dropped(dup)  # the duplicate filter's: never known
    for i in range(done_articles):
        tally.process_response(Request(f"http://x.org/story-{i}/", meta={"role": "article"}),
                               Response(f"http://x.org/story-{i}/", status=200))
    return tally


def test_the_phase_is_the_first_with_work_left_and_the_eta_its_rest_at_the_rate() -> None:
    tally = tally_with(listings=3, articles=40, done_articles=10)
    assert tally.current() == "articles"
    assert tally.phases["date archives"].known == tally.phases["date archives"].done == 3
    assert tally.phases["articles"].known == 40
    assert tally.status(now=100.0) == "articles 10/40"  # one sample: no rate yet
    for i in range(10, 30):  # 20 more in 10 s: 2/s, 10 left: 5 s
        tally.process_response(Request(f"http://x.org/story-{i}/", meta={"role": "article"}),
                               Response(f"http://x.org/story-{i}/", status=200))
    assert tally.status(now=110.0) == "articles 30/40, 2.0/s, ETA 00:05"
    assert clock(3725) == "1:02:05" and clock(59.6) == "01:00"


def test_rich_shows_a_bar_per_phase_on_a_terminal() -> None:
    out = io.StringIO()
    live = RichCrawlProgress(out, Console(file=out, force_terminal=True, width=120))
    live.update(tally_with(listings=3, articles=40, done_articles=10), "00:12  pages 13  articles 10", 1.0)
    live.stop()
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.getvalue())
    assert "date archives" in text and "3/3" in text
    assert "articles" in text and "10/40" in text
    assert "pages 13" in text


def test_piped_progress_lines_name_the_phase_its_counts_rate_and_eta(tmp_path: Path) -> None:
    with MockSite(log_path=tmp_path / "requests.jsonl") as site:
        result = run_cli(tmp_path / "data", "crawl", "courthousenews", "--base-url", site.url,
                         "--since", "2024-03-01", "--until", "2024-03-15", "-s", "DOWNLOAD_DELAY=0.05",
                         "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CRAWL_PROGRESS_INTERVAL_SECS=0.3", check=True)
    lines = [line for line in result.stderr.splitlines() if line.startswith("[newsarchive] ") and " pages " in line]
    assert "\x1b[" not in result.stderr  # piped: plain lines, no terminal control
    phased = [re.search(r"\] \d\d:\d\d  phase ([a-z ]+) (\d+)/(\d+)(, [\d.]+/s, ETA \d\d:\d\d)?  pages ", line)
              for line in lines]
    phased = [m for m in phased if m]
    assert phased, lines
    assert {m.group(1) for m in phased} <= {"back issues", "date archives", "sitemaps", "listings", "articles",
                                             "requisites", "documents"}
    assert all(int(m.group(2)) <= int(m.group(3)) for m in phased)
    assert any(m.group(4) for m in phased), lines  # a rate and an ETA once the phase has one
