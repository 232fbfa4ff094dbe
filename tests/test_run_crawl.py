"""``crawler.run.run_crawl``: each outcome, and each named error with its exit code, as a
library call; then how ``crawl`` and a scheduled run's child turn them into messages, codes
and a schedule's status. A real crawl runs Scrapy's reactor, which runs once per process, so
those calls run in a subprocess of their own."""
from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import main
from crawler.errors import (CrawlBusy, CrawlEndedEarly, CrawlError, CrawlUsageError, DataDirUnusable, IndexUnusable,
                            NoPageFetched, SiteUnreachable)
from crawler.run import CrawlOptions, run_crawl
from crawler.schedule.child import ChildResult
from tests.mocksite import MockSite

ROOT = Path(__file__).resolve().parents[1]
FAST = {"DOWNLOAD_DELAY": "0.01", "AUTOTHROTTLE_ENABLED": "False"}

_RUN = """
import json, sys
from pathlib import Path
from crawler.errors import CrawlError
from crawler.run import CrawlOptions, run_crawl

options = CrawlOptions(**json.loads(sys.argv[1]))
options.data = Path(options.data)
try:
    out = run_crawl(options, say=lambda line: None)
except CrawlError as exc:
    print(json.dumps({"error": type(exc).__name__, "exit_code": exc.exit_code, "message": str(exc),
                      "reason": getattr(exc, "reason", None)}))
else:
    print(json.dumps({"profile": out.profile.name, "base_url": out.profile.base_url, "reason": out.reason,
                      "log": str(out.log_path), "responses": out.stats.get("downloader/response_count"),
                      "articles": out.stats.get("newsarchive/articles")}))
"""


def run_in_child(**options: object) -> dict:
    """run_crawl(CrawlOptions(**options)) in a fresh interpreter: its outcome or its error."""
    result = subprocess.run([sys.executable, "-c", _RUN, json.dumps(options)], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def closed_port() -> int:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---- outcomes of a crawl that ran ------------------------------------------------------------------
def test_a_complete_crawl_returns_its_outcome(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with MockSite() as site:
        out = run_in_child(data=str(data), site="courthousenews", base_url=site.url, since="2024-03-04",
                           until="2024-03-04", overrides=FAST)
    assert (out["profile"], out["base_url"], out["reason"]) == ("courthousenews", site.url, "finished"), out
    assert out["responses"] > 0 and out["articles"] > 0
    assert Path(out["log"]).parent == data / "logs" and Path(out["log"]).exists()


def test_a_crawl_stopped_by_a_limit_ended_early(tmp_path: Path) -> None:
    with MockSite() as site:
        out = run_in_child(data=str(tmp_path / "data"), site="courthousenews", base_url=site.url,
                           since="2024-03-01", until="2024-03-15",
                           overrides={**FAST, "CLOSESPIDER_PAGECOUNT": "3"})
    assert (out["error"], out["exit_code"], out["reason"]) == ("CrawlEndedEarly", 1, "closespider_pagecount"), out
    assert "run the same command again" in out["message"]


def test_a_site_that_never_answers_is_unreachable(tmp_path: Path) -> None:
    port = closed_port()
    out = run_in_child(data=str(tmp_path / "data"), site="courthousenews", base_url=f"http://127.0.0.1:{port}",
                       since="2024-04-10", until="2024-04-10",
                       overrides={"RETRY_TIMES": "0", "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False"})
    assert (out["error"], out["exit_code"]) == ("SiteUnreachable", 1), out
    assert f"no page of http://127.0.0.1:{port} could be fetched" in out["message"]


# ---- failures before the crawl (no reactor: in this process) ----------------------------------------
@pytest.mark.parametrize("site, base_url, since, until, says", [
    ("nosuchsite", None, None, None, "unknown site 'nosuchsite'"),
    ("wordpress", None, None, None, "needs --base-url"),
    ("courthousenews", "ftp://x.org", None, None, "not an http(s) URL"),
    ("courthousenews", "not a url", None, None, "is not a site address"),
    ("courthousenews", None, "2024-05-01", "2024-04-01", "--since 2024-05-01 is after --until 2024-04-01"),
])
def test_usage_errors_exit_2_and_touch_nothing(tmp_path: Path, site: str, base_url: str | None, since: str | None,
                                                until: str | None, says: str) -> None:
    data = tmp_path / "data"
    with pytest.raises(CrawlUsageError, match=re.escape(says)) as caught:
        run_crawl(CrawlOptions(data=data, site=site, base_url=base_url, since=since, until=until), say=print)
    assert caught.value.exit_code == 2
    assert not data.exists()


def test_a_data_folder_held_by_another_crawl_is_busy(tmp_path: Path) -> None:
    from crawler.session import lock_data_dir

    holder = lock_data_dir(tmp_path)
    try:
        with pytest.raises(CrawlBusy) as caught:
            run_crawl(CrawlOptions(data=tmp_path, site="courthousenews"), say=print)
    finally:
        holder.close()
    assert caught.value.exit_code == 1 and "another crawl" in str(caught.value)


def test_a_broken_index_is_unusable_and_the_lock_is_let_go(tmp_path: Path) -> None:
    from crawler.session import lock_data_dir

    (tmp_path / "archive.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(IndexUnusable, match="Move it aside; `newsarchive --data .* reindex`"):
        run_crawl(CrawlOptions(data=tmp_path, site="courthousenews"), say=print)
    lock_data_dir(tmp_path).close()  # not held any more


def test_a_data_folder_that_is_a_file_is_unusable(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.write_text("a file", encoding="utf-8")
    with pytest.raises(DataDirUnusable, match="cannot use the data folder"):
        run_crawl(CrawlOptions(data=data, site="courthousenews"), say=print)


def test_every_crawl_error_is_a_crawl_error_with_exit_1_but_usage() -> None:
    for cls in (CrawlBusy, CrawlEndedEarly, DataDirUnusable, IndexUnusable, NoPageFetched, SiteUnreachable):
        assert issubclass(cls, CrawlError) and cls.exit_code == 1
    assert CrawlUsageError.exit_code == 2


# ---- the command and the scheduler map them ---------------------------------------------------------
def test_the_command_says_the_error_and_exits_with_its_code(tmp_path: Path) -> None:
    from crawler.session import lock_data_dir

    holder = lock_data_dir(tmp_path)
    try:
        busy = CliRunner().invoke(main, ["--data", str(tmp_path), "crawl", "courthousenews"])
    finally:
        holder.close()
    assert busy.exit_code == 1 and "Error: " in busy.output and "another crawl" in busy.output
    usage = CliRunner().invoke(main, ["--data", str(tmp_path), "crawl", "nosuchsite"])
    assert usage.exit_code == 2 and "Usage:" in usage.output and "unknown site" in usage.output


def test_the_scheduled_child_writes_its_outcome(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from crawler.schedule.child import main as child_main
    from crawler.session import lock_data_dir

    outcome = tmp_path / "outcome.json"
    holder = lock_data_dir(tmp_path)
    try:
        code = child_main([str(tmp_path), str(outcome), "courthousenews", "--since", "2024-04-01"])
    finally:
        holder.close()
    assert code == 1 and "Error: " in capsys.readouterr().err
    assert json.loads(outcome.read_text(encoding="utf-8"))["status"] == "busy"
    code = child_main([str(tmp_path), str(outcome), "courthousenews", "--since", "yesterday"])
    assert code == 2 and json.loads(outcome.read_text(encoding="utf-8"))["status"] == "failed"


@pytest.mark.parametrize("code, interrupted, outcome, status", [
    (0, False, {"status": "ok"}, "ok"),
    (1, False, {"status": "busy", "error": "CrawlBusy"}, "skipped (busy)"),
    (1, True, {"status": "failed", "error": "CrawlEndedEarly"}, "interrupted"),
    (1, False, {"status": "failed", "error": "SiteUnreachable"}, "failed (exit 1)"),
    (-9, True, {}, "interrupted"),  # killed: it wrote nothing
    (1, False, {}, "failed (exit 1)"),  # a traceback: nothing written, whatever its last lines say
])
def test_a_runs_status_comes_from_its_outcome_not_its_output(code: int, interrupted: bool, outcome: dict,
                                                              status: str) -> None:
    tail = ["Error: another crawl is already running"]  # what the text match used to read
    assert ChildResult(code, interrupted, tail, outcome).status == status


# ---- how the end of a crawl is judged (crawler.run._judge, over a crawler's stats and session) ------
class _Stats:
    def __init__(self, **values: object) -> None:
        self.values = {k.replace("__", "/"): v for k, v in values.items()}

    def get_value(self, key: str, default: object = None) -> object:
        return self.values.get(key, default)


def _ended(tmp_path: Path, store: object = None, unreachable: str | None = None, **stats: object) -> None:
    from types import SimpleNamespace

    from crawler.profiles import resolve
    from crawler.run import _judge

    crawler = SimpleNamespace(stats=_Stats(**stats), unreachable=unreachable, _newsarchive_session=store)  # as crawler.session.crawl_session keeps it
    _judge(crawler, CrawlOptions(data=tmp_path, site="courthousenews"), resolve("courthousenews"), tmp_path / "jobs")


def test_the_end_of_a_crawl_is_judged_by_kind(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from crawler.errors import CrawlIncomplete, IndexWriteFailed, WorkersLost

    fine = SimpleNamespace(failure=None, summary={"unaccounted": 0})
    _ended(tmp_path, fine, finish_reason="finished", downloader__response_count=5)  # no error: complete
    with pytest.raises(SiteUnreachable, match="Nothing was archived"):
        _ended(tmp_path, fine, unreachable="connection refused", finish_reason="finished")
    with pytest.raises(IndexWriteFailed, match="reindex"):
        _ended(tmp_path, SimpleNamespace(failure="disk full", summary=None), finish_reason="finished",
               downloader__response_count=5)
    with pytest.raises(NoPageFetched, match="nothing was archived"):
        _ended(tmp_path, fine, finish_reason="finished", downloader__response_count=0)
    with pytest.raises(CrawlEndedEarly) as early:
        _ended(tmp_path, fine, finish_reason="shutdown", downloader__response_count=5)
    assert early.value.reason == "shutdown"
    with pytest.raises(CrawlIncomplete, match="3 articles"):
        _ended(tmp_path, SimpleNamespace(failure=None, summary={"unaccounted": 3, "reason": "3 articles unanswered"}),
               finish_reason="finished", downloader__response_count=5)
    (tmp_path / "jobs").mkdir()
    with pytest.raises(WorkersLost, match="with 7 requests still to fetch"):
        _ended(tmp_path, fine, finish_reason="no_workers", downloader__response_count=5,
               newsarchive__distributed__no_workers=7)
    assert not (tmp_path / "jobs").exists()  # the next run starts from the archive


def test_an_address_that_answers_on_no_scheme(tmp_path: Path) -> None:
    from crawler.errors import SchemeUnreachable

    with pytest.raises(SchemeUnreachable):
        run_crawl(CrawlOptions(data=tmp_path / "data", site="courthousenews", base_url=f"127.0.0.1:{closed_port()}"),
                  say=print)
    assert not (tmp_path / "data").exists()
