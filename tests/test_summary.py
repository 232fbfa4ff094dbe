"""The end-of-crawl summary stays short (issue 18): per month over a month, --per-day lists days."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from crawler.summary import format_summary, month_lines, per_month, range_days
from tests.helpers import run_cli
from tests.mocksite import MockSite

FAST = ("-s", "DOWNLOAD_DELAY=0.01", "-s", "AUTOTHROTTLE_ENABLED=False")


def three_years() -> dict:
    first = dt.date(2024, 1, 1)
    by_day = {(first + dt.timedelta(days=i)).isoformat(): 1 + i % 3 for i in range(3 * 365 + 1)}
    return {"reason": "finished", "since": "2024-01-01", "until": "2026-12-31", "pages": 9000, "articles": 2000,
            "requisites": 40, "articles_by_day": by_day, "found_by": {"back issues": 1900, "sitemaps": 100},
            "skipped": {f"reason {i}": 100 - i for i in range(25)},
            "warc_files": [f"newsarchive-{i:05d}.warc.gz" for i in range(12)]}


def test_a_three_year_crawl_summary_is_at_most_40_lines() -> None:
    text = format_summary(three_years())
    lines = text.splitlines()
    assert len(lines) <= 40, text
    assert "Articles per month of issue date (--per-day lists each day):" in lines
    (y2024,) = [line for line in lines if line.startswith("  2024  ")]
    # January 2024: days 0..30, 1 + i % 3 articles each: 11*1 + 10*2 + 10*3 = 61
    assert y2024.startswith("  2024  Jan 61  Feb ") and y2024.endswith(f"(total {sum(list(three_years()['articles_by_day'].values())[:366])})")
    assert "    1245  15 other reasons (see crawls.stats)" in lines  # reasons 10..24: 90 + 89 + ... + 76
    assert "WARC files written: 12, newsarchive-00000.warc.gz to newsarchive-00011.warc.gz" in lines


def test_per_day_lists_every_day_and_a_short_range_is_per_day() -> None:
    summary = three_years()
    lines = format_summary(summary, per_day=True).splitlines()
    assert "Articles per issue date:" in lines and "  2026-12-31  1" in lines
    short = {**summary, "since": "2024-03-01", "until": "2024-03-31",
             "articles_by_day": {"2024-03-01": 2, "2024-03-31": 1}}
    assert "  2024-03-31  1" in format_summary(short).splitlines()
    assert range_days(short) == 31
    assert range_days({"articles_by_day": {"2024-03-01": 1, "2024-04-15": 1}}) == 46  # open range: the days' span


def test_months_add_up_and_undated_articles_are_kept() -> None:
    by_day = {"2024-01-31": 2, "2024-02-01": 3, "2024-02-29": 1, "None": 4}
    assert per_month(by_day) == {"2024-01": 2, "2024-02": 4, "undated": 4}
    assert month_lines(by_day) == ["  2024  Jan 2  Feb 4  (total 6)", "  no issue date  4"]


def test_crawl_summary_over_two_months_is_per_month_and_per_day_on_request(tmp_path: Path) -> None:
    with MockSite(log_path=tmp_path / "requests.jsonl") as site:
        monthly = run_cli(tmp_path / "a", "crawl", "courthousenews", "--base-url", site.url,
                          "--since", "2024-02-01", "--until", "2024-03-31", *FAST, check=True)
        daily = run_cli(tmp_path / "b", "crawl", "courthousenews", "--base-url", site.url,
                        "--since", "2024-02-01", "--until", "2024-03-31", "--per-day", *FAST, check=True)
    lines = monthly.stderr.splitlines()
    assert "Articles per month of issue date (--per-day lists each day):" in lines, monthly.stderr[-3000:]
    assert not [line for line in lines if re.match(r"  2024-\d\d-\d\d  \d+$", line)]
    (year,) = [line for line in lines if line.startswith("  2024  ")]
    assert "Mar " in year
    daily_lines = daily.stderr.splitlines()
    assert "Articles per issue date:" in daily_lines
    listed = [line for line in daily_lines if re.match(r"  2024-\d\d-\d\d  \d+$", line)]
    assert len(listed) >= 2, daily.stderr[-3000:]
    assert sum(int(line.split()[1]) for line in listed) == int(re.search(r"\(total (\d+)\)", year).group(1))
