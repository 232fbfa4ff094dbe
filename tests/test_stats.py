"""``newsarchive stats`` and ``Index.stats``: coverage calendar, top names, gaps, crawls."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.api import Archive
from archive.cli import main
from archive.index import QueryError
from archive.stats import day_ranges
from tests.searchdata import build_archive


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("stats") / "data"
    build_archive(folder)
    return folder


def test_calendar_counts_every_day_and_lists_empty_ones(data: Path) -> None:
    with Archive(data) as archive:
        s = archive.stats()
    assert (s.first_day, s.last_day) == ("2022-01-05", "2022-02-03")
    assert len(s.per_day) == 30
    counts = dict(s.per_day)
    assert counts["2022-01-05"] == counts["2022-01-10"] == counts["2022-01-20"] == 1
    assert counts["2022-01-06"] == 0
    assert s.per_month == [("2022-01", 5), ("2022-02", 1)]
    assert "2022-01-06" in s.empty_days and "2022-01-05" not in s.empty_days
    assert len(s.empty_days) == 30 - 6
    assert (s.articles, s.dated) == (7, 6)


def test_range_sets_the_calendar(data: Path) -> None:
    with Archive(data) as archive:
        s = archive.stats(since="2022-01-09", until="2022-01-12")
    assert s.per_day == [("2022-01-09", 0), ("2022-01-10", 1), ("2022-01-11", 0), ("2022-01-12", 1)]
    assert s.empty_days == ["2022-01-09", "2022-01-11"]
    assert s.articles == 2 and s.top_authors == [("Cain Burdeau", 1), ("Cain Burdeauville", 1)]
    with Archive(data) as archive, pytest.raises(QueryError, match="after until"):
        archive.stats(since="2022-02-01", until="2022-01-01")


def test_top_lists_and_gaps(data: Path) -> None:
    with Archive(data) as archive:
        s = archive.stats(top=2)
    # "cain burdeau" and "Cain Burdeau" are one author, shown as most often written
    assert s.top_authors == [("Cain Burdeau", 3), ("Cain Burdeauville", 1)]
    assert s.top_categories[0] == ("Courts", 2)
    assert s.top_sites == [("courthousenews", 6), ("www.example.de", 1)]
    assert (s.no_date, s.no_author) == (1, 1)
    assert [a.id for a in s.gap_examples["no_date"]] == [6]
    assert [a.id for a in s.gap_examples["no_author"]] == [6]
    assert s.little_text == 7  # every test text is under 500 characters
    (crawl,) = s.crawls
    assert crawl["site"] == "courthousenews" and crawl["status"] == "finished"
    assert crawl["stats"] == {"articles": 7}


def test_day_ranges() -> None:
    assert day_ranges(["2024-02-28", "2024-02-29", "2024-03-01", "2024-03-03"]) == [
        ("2024-02-28", "2024-03-01"), ("2024-03-03", "2024-03-03")]
    assert day_ranges([]) == []


def test_stats_cli_json_and_table(data: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["--data", str(data), "stats", "--json"], catch_exceptions=False)
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["per_month"] == [{"month": "2022-01", "articles": 5}, {"month": "2022-02", "articles": 1}]
    assert payload["top_authors"][0] == {"name": "Cain Burdeau", "articles": 3}
    assert payload["empty_day_ranges"][0] == ["2022-01-06", "2022-01-09"]
    assert payload["empty_days_by_month"] == [{"month": "2022-01", "days": 22}, {"month": "2022-02", "days": 2}]
    assert payload["longest_gaps"][0] == {"first": "2022-01-21", "last": "2022-02-02", "days": 13}
    assert payload["crawls"][0]["status"] == "finished"
    result = runner.invoke(main, ["--data", str(data), "stats"], catch_exceptions=False)
    assert result.exit_code == 0
    for text in ("7 articles (6 dated)", "2022-01", "Days with no article: 24; the longest gaps: "
                 "2022-01-21..2022-02-02 (13 days), 2022-01-06..2022-01-09 (4 days), 2022-01-16..2022-01-19 (4 days), "
                 "2022-01-13..2022-01-14 (2 days), 2022-01-11 (1 day)", "days with none",
                 "top authors", "Cain Burdeau", "extraction gaps", "no date", "crawls (1; times UTC)", "finished"):
        assert text in result.output, text


def test_crawl_dates_wrap_whole_on_a_narrow_terminal(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    crawl = json.loads(CliRunner().invoke(main, ["--data", str(data), "stats", "--json"]).stdout)["crawls"][0]
    started = crawl["started_at"]  # ISO 8601 UTC: 2024-...T10:00:00Z
    monkeypatch.setenv("COLUMNS", "72")
    out = CliRunner().invoke(main, ["--data", str(data), "stats"], catch_exceptions=False).output
    table = out[out.index("crawls (1; times UTC)"):]
    # the day and the minute, each whole (wrapped at the space between them, if at all)
    assert re.search(re.escape(started[:10]) + r"[ │]", table) and started[11:16] in table
    assert started[:10] + "T" not in table
    assert all(len(line) <= 72 for line in table.splitlines())
    assert "\u2026" not in table


def test_stats_usage_errors(data: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["--data", str(data), "stats", "--since", "2022-02-01", "--until", "2022-01-01"])
    assert result.exit_code == 2 and "after until" in result.output
    result = runner.invoke(main, ["--data", str(data), "stats", "--since", "May"])
    assert result.exit_code == 2


def test_stats_of_an_empty_archive(tmp_path: Path) -> None:
    from archive.index import Index

    Index(tmp_path / "archive.db").close()
    result = CliRunner().invoke(main, ["--data", str(tmp_path), "stats"], catch_exceptions=False)
    assert result.exit_code == 0 and "0 articles" in result.output


def test_empty_days_fold_into_months_and_the_longest_gaps() -> None:
    from archive.stats import empty_by_month, longest_gaps

    days = ["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-05", "2024-03-01", "2024-03-02", "2024-03-03"]
    assert empty_by_month(days) == [("2024-01", 2), ("2024-02", 2), ("2024-03", 3)]
    assert longest_gaps(days, 2) == [("2024-01-30", "2024-02-01", 3), ("2024-03-01", "2024-03-03", 3)]
    assert longest_gaps([], 5) == []


def test_years_of_sparse_days_print_a_short_calendar(tmp_path: Path) -> None:
    """Three years with an article every tenth day: one calendar row a month and one line
    for the 900-odd empty days, not a wall of ranges."""
    import datetime as dt

    from archive.index import ArticleRow, Index

    first = dt.date(2024, 1, 1)
    rows = [ArticleRow(canonical_url=f"https://news.example.org/a{i}/", url=f"https://news.example.org/a{i}/",
                       title=f"Story {i}", text="words " * 50, published=(first + dt.timedelta(days=10 * i)).isoformat())
            for i in range(110)]
    with Index(tmp_path / "archive.db") as index:
        index.upsert_articles(rows)
    result = CliRunner().invoke(main, ["--data", str(tmp_path), "stats"], catch_exceptions=False, terminal_width=120)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    (empty,) = [line for line in lines if line.startswith("Days with no article")]
    assert empty.startswith("Days with no article: 981; the longest gaps: 2024-01-02..2024-01-10 (9 days)"), empty
    assert empty.count("..") == 5
    assert len(lines) < 36 + 40, len(lines)  # 36 month rows and the other tables
