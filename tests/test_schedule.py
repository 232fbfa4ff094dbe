"""Scheduling: `schedule add|list|remove` storage and validation, run times, and `schedule run`
crawling the mock site twice (the second crawl incremental), stopping on SIGTERM, and
stepping aside when another crawl holds the data folder.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import main
from archive.index import Index
from crawler.schedule import (
    Schedule,
    ScheduleError,
    first_run_time,
    format_secs,
    list_schedules,
    parse_every,
)
from tests.mocksite import MockSite

ROOT = Path(__file__).resolve().parents[1]
FAST = ("-s", "DOWNLOAD_DELAY=0.01", "-s", "AUTOTHROTTLE_ENABLED=False")
UTC = dt.timezone.utc


def run(data: Path, *args: str):
    return CliRunner().invoke(main, ["--data", str(data), *args], catch_exceptions=False)


def scheduler(data: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "archive", "--data", str(data), "schedule", "run", *args],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_log(data: Path, text: str, timeout: float = 60) -> str:
    log = data / "logs" / "schedule.log"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and text in (content := log.read_text(encoding="utf-8")):
            return content
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not in {log}: {log.read_text() if log.exists() else '(none)'}")


# -- parsing ----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "secs"), [
    ("30s", 30), ("15m", 900), ("6h", 21600), ("1d", 86400), ("1h30m", 5400), ("2S", 2), (" 6 h ", 21600),
])
def test_every_accepts_units(text: str, secs: int) -> None:
    assert parse_every(text) == secs
    assert parse_every(format_secs(secs)) == secs


@pytest.mark.parametrize("text", ["", "6", "6x", "h", "0s", "-1h", "1.5h", "6h!", "every 6h"])
def test_every_rejects_anything_else(text: str) -> None:
    with pytest.raises(ScheduleError):
        parse_every(text)


# -- add, list, remove ------------------------------------------------------------------


def test_add_list_remove(tmp_path: Path) -> None:
    result = run(tmp_path, "schedule", "add", "courthousenews", "--every", "6h",
                 "--base-url", "http://127.0.0.1:9/", "-s", "DOWNLOAD_DELAY=1", "--contact", "mailto:a@b.example")
    assert result.exit_code == 0, result.output
    assert "Added schedule 1" in result.output
    result = run(tmp_path, "schedule", "add", "wordpress", "--base-url", "http://127.0.0.1:9", "--cron", "0  */6 * * *")
    assert result.exit_code == 0, result.output

    listed = json.loads(run(tmp_path, "schedule", "list", "--json").output)
    assert [(s["id"], s["site"], s["every_secs"], s["cron"], s["enabled"]) for s in listed] == [
        (1, "courthousenews", 21600, None, True), (2, "wordpress", None, "0 */6 * * *", True)]
    assert listed[0]["args"] == ["--base-url", "http://127.0.0.1:9/", "-s", "DOWNLOAD_DELAY=1",
                                 "--contact", "mailto:a@b.example"]
    assert listed[1]["args"] == ["--base-url", "http://127.0.0.1:9"]
    assert listed[0]["last_run_at"] is None and listed[0]["created_at"].endswith("Z")
    table = run(tmp_path, "schedule", "list").output
    assert "every 6h" in table and "cron 0 */6 * * *" in table

    with Index(tmp_path / "archive.db", readonly=True) as index:  # stored in archive.db
        assert index.db["schedules"].count == 2

    result = run(tmp_path, "schedule", "remove", "1")
    assert result.exit_code == 0 and "Removed schedule 1" in result.output
    assert [s.id for s in list_schedules(tmp_path / "archive.db")] == [2]
    result = run(tmp_path, "schedule", "remove", "1")
    assert result.exit_code == 1 and "no schedule 1" in result.output


def test_list_without_an_archive(tmp_path: Path) -> None:
    result = run(tmp_path / "none", "schedule", "list")
    assert result.exit_code == 0 and "No schedules" in result.output
    assert not (tmp_path / "none").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["courthousenews"], "exactly one of --every"),
    (["courthousenews", "--every", "6h", "--cron", "0 * * * *"], "exactly one of --every"),
    (["courthousenews", "--every", "6 hours"], "not an interval"),
    (["courthousenews", "--cron", "0 */6 * *"], "not a crontab expression"),
    (["courthousenews", "--cron", "61 * * * *"], "not a crontab expression"),
    (["nosuchsite", "--every", "6h"], "unknown site 'nosuchsite'"),
    (["wordpress", "--every", "6h"], "--base-url"),
    (["courthousenews", "--every", "6h", "--since", "2024-13-01"], "is not a date"),
    (["courthousenews", "--every", "6h", "--since", "2024-05-01", "--until", "2024-04-01"], "is after"),
    (["courthousenews", "--every", "6h", "--bogus"], "No such option"),
    (["courthousenews", "--every", "6h", "-s", "NOEQUALS"], "NAME=VALUE"),
    (["courthousenews", "--every", "6h", "--delay", "-1"], "--delay"),
])
def test_add_validates_like_crawl(tmp_path: Path, args: list[str], message: str) -> None:
    result = run(tmp_path, "schedule", "add", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert list_schedules(tmp_path / "archive.db") == []


# -- run times --------------------------------------------------------------------------


def schedule(last_run_at: str | None, *, every_secs: int | None = None, cron: str | None = None) -> Schedule:
    return Schedule(id=1, site="courthousenews", args=[], every_secs=every_secs, cron=cron,
                    created_at="2024-03-01T00:00:00Z", last_run_at=last_run_at, last_status=None, enabled=True)


def test_first_run_time_runs_now_when_due_and_coalesces_missed_runs() -> None:
    now = dt.datetime(2024, 3, 15, 12, 0, tzinfo=UTC)
    assert first_run_time(schedule(None, every_secs=21600), now) == now
    # last run 1 h ago: next in 5 h
    assert first_run_time(schedule("2024-03-15T11:00:00Z", every_secs=21600), now) == now + dt.timedelta(hours=5)
    # last run 3 days ago: twelve runs missed, one run now
    assert first_run_time(schedule("2024-03-12T12:00:00Z", every_secs=21600), now) == now
    # cron, last run at 06:00: next at 12:00 (due now), or 18:00 if it ran at 12:00
    assert first_run_time(schedule("2024-03-15T06:00:00Z", cron="0 */6 * * *"), now, UTC) == now
    assert first_run_time(schedule("2024-03-15T12:00:00Z", cron="0 */6 * * *"), now, UTC) == \
        dt.datetime(2024, 3, 15, 18, 0, tzinfo=UTC)
    assert first_run_time(schedule("2024-01-01T00:00:00Z", cron="0 */6 * * *"), now, UTC) == now


# -- schedule run -----------------------------------------------------------------------


def test_schedule_run_crawls_twice_and_the_second_crawl_is_incremental(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with MockSite(log_path=tmp_path / "requests.jsonl") as site:
        added = run(data, "schedule", "add", "courthousenews", "--every", "2s", "--base-url", site.url, *FAST)
        assert added.exit_code == 0, added.output
        proc = scheduler(data, "--max-runs", "2")
        try:
            out, err = proc.communicate(timeout=300)
        finally:
            proc.kill()
    assert proc.returncode == 0, err[-3000:]

    with Index(data / "archive.db", readonly=True) as index:
        crawls = list(index.db.query("SELECT * FROM crawls ORDER BY id"))
        sched = next(index.db["schedules"].rows)
    assert [c["status"] for c in crawls] == ["finished", "finished"], crawls
    assert [c["schedule_id"] for c in crawls] == [sched["id"]] * 2
    assert sched["last_status"] == "ok" and sched["last_run_at"]
    first, second = crawls
    assert first["horizon"], first
    assert json.loads(second["args"]).get("incremental") is True, second["args"]
    assert second["since"] == (dt.date.fromisoformat(first["horizon"][:10]) - dt.timedelta(days=2)).isoformat()

    log = (data / "logs" / "schedule.log").read_text(encoding="utf-8")
    assert log.count("started: newsarchive --data") == 2
    ended = [line for line in log.splitlines() if " ended: " in line]
    assert len(ended) == 2 and all("exit 0 after" in line and ", ok " in line for line in ended)
    assert "ended: exit 0" in err  # logged to stderr too
    assert "--max-runs 2 reached" in log and "scheduler stopped after 2 run(s)" in log


def test_sigterm_stops_an_idle_scheduler(tmp_path: Path) -> None:
    assert run(tmp_path, "schedule", "add", "courthousenews", "--every", "1d").exit_code == 0
    with Index(tmp_path / "archive.db") as index:  # ran a minute ago: next run tomorrow
        index.db.execute("UPDATE schedules SET last_run_at = ?", [dt.datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")])
    proc = scheduler(tmp_path)
    try:
        wait_for_log(tmp_path, "scheduler started")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "stopping: received SIGTERM" in err and "scheduler stopped after 0 run(s)" in err
    assert "Traceback" not in err


def test_sigterm_stops_a_running_crawl_after_the_grace_period(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with MockSite(log_path=tmp_path / "requests.jsonl") as site:
        # a slow crawl: one request a second
        assert run(data, "schedule", "add", "courthousenews", "--every", "1h", "--base-url", site.url,
                   "--delay", "1", "-s", "AUTOTHROTTLE_ENABLED=False").exit_code == 0
        proc = scheduler(data, "--grace", "1")
        try:
            wait_for_log(data, "run 1 started")
            deadline = time.monotonic() + 60
            while not site.requests() and time.monotonic() < deadline:
                time.sleep(0.2)
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=90)
        finally:
            proc.kill()
    assert proc.returncode == 0, err[-3000:]
    log = (data / "logs" / "schedule.log").read_text(encoding="utf-8")
    assert "stopping: received SIGTERM (the running crawl gets 1s to finish)" in log
    assert "sending SIGTERM to the crawl" in log
    assert "interrupted" in log and "scheduler stopped after 1 run(s)" in log
    with Index(data / "archive.db", readonly=True) as index:
        assert next(index.db["schedules"].rows)["last_status"] == "interrupted"


def test_a_run_steps_aside_while_another_crawl_holds_the_data_folder(tmp_path: Path) -> None:
    from crawler.session import lock_data_dir

    assert run(tmp_path, "schedule", "add", "courthousenews", "--every", "1h",
               "--base-url", "http://127.0.0.1:9").exit_code == 0
    holder = lock_data_dir(tmp_path)
    try:
        proc = scheduler(tmp_path, "--max-runs", "1")
        out, err = proc.communicate(timeout=120)
    finally:
        holder.close()
    assert proc.returncode == 0, err[-3000:]
    with Index(tmp_path / "archive.db", readonly=True) as index:
        assert next(index.db["schedules"].rows)["last_status"] == "skipped (busy)"
    assert "skipped (busy)" in err and "Traceback" not in err


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX flock")
def test_one_run_at_a_time_per_data_folder(tmp_path: Path) -> None:
    """A second scheduler on the same folder skips its run while the first one's runs."""
    from crawler.schedule import _data_lock

    with _data_lock(tmp_path) as first:
        assert first
        with _data_lock(tmp_path) as second:
            assert not second
    with _data_lock(tmp_path) as again:
        assert again


def test_crontab_weekdays_count_from_sunday() -> None:
    """crontab(5): 0 and 7 are Sunday, 1-5 Monday to Friday (APScheduler 3 alone counts from Monday)."""
    import datetime as dt

    from crawler.schedule import cron_trigger

    utc = dt.timezone.utc
    friday_1am = dt.datetime(2024, 3, 1, 1, tzinfo=utc)  # a Friday
    assert cron_trigger("0 0 * * 0", timezone=utc).get_next_fire_time(None, friday_1am).date() == dt.date(2024, 3, 3)
    assert cron_trigger("0 0 * * 7", timezone=utc).get_next_fire_time(None, friday_1am).date() == dt.date(2024, 3, 3)
    weekdays = cron_trigger("0 0 * * 1-5", timezone=utc)
    assert weekdays.get_next_fire_time(None, friday_1am).date() == dt.date(2024, 3, 4)  # Monday
    assert cron_trigger("0 0 * * sat", timezone=utc).get_next_fire_time(None, friday_1am).date() == dt.date(2024, 3, 2)


def test_list_shows_the_next_run(tmp_path: Path) -> None:
    from crawler.schedule import record_run

    assert run(tmp_path, "schedule", "add", "courthousenews", "--every", "6h").exit_code == 0
    assert run(tmp_path, "schedule", "add", "courthousenews", "--every", "1d").exit_code == 0
    last = (dt.datetime.now(UTC) - dt.timedelta(hours=1)).replace(microsecond=0)
    record_run(tmp_path / "archive.db", 1, status="ok", last_run_at=last.strftime("%Y-%m-%dT%H:%M:%SZ"))
    listed = json.loads(run(tmp_path, "schedule", "list", "--json").output)
    due = (last + dt.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert listed[0]["next_run_at"] == due  # the last run plus its interval
    never = dt.datetime.strptime(listed[1]["next_run_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((never - dt.datetime.now(UTC)).total_seconds()) < 60  # never ran: at once
    table = CliRunner().invoke(main, ["--data", str(tmp_path), "schedule", "list"], terminal_width=200).output
    assert "next run (UTC)" in table and f"{last + dt.timedelta(hours=6):%Y-%m-%d %H:%M}" in table
    assert "due now" in table
