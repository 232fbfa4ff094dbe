"""A dead site fails fast (issue 18): an unreachable address, an address with no scheme, no
date after today, and Scrapy's own log in DATA/logs/crawl-<time>.log instead of the terminal."""
from __future__ import annotations

import datetime as dt
import re
import socket
import threading
import time
from pathlib import Path

from tests.helpers import run_cli
from tests.mocksite import MockSite

FAST = ("-s", "DOWNLOAD_DELAY=0.01", "-s", "AUTOTHROTTLE_ENABLED=False")


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def terminal_lines(result) -> list[str]:
    return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]


def test_an_unreachable_address_fails_within_10_s_in_at_most_3_lines(tmp_path: Path) -> None:
    port = closed_port()
    data = tmp_path / "data"
    started = time.monotonic()
    # the crawl's own defaults (retries, delays, AutoThrottle), and a range of many months
    result = run_cli(data, "crawl", "courthousenews", "--base-url", f"http://127.0.0.1:{port}",
                     "--since", "2024-01-01", "--until", "2024-06-30", timeout=120)
    elapsed = time.monotonic() - started
    lines = terminal_lines(result)
    assert result.returncode == 1, lines
    assert elapsed < 10, (elapsed, lines)
    assert len(lines) <= 3, lines
    assert f"http://127.0.0.1:{port}/" in lines[-1] and "connection refused" in lines[-1], lines
    assert "Traceback" not in result.stderr and "ERROR" not in result.stderr
    (log,) = (data / "logs").glob("crawl-*.log")  # Scrapy's own lines went to the log file
    text = log.read_text(encoding="utf-8")
    assert "robots.txt" in text and "refused" in text
    assert not (data / "jobs").exists()


class SilentSite:
    """Accepts connections, notes each request's path, and closes without an answer."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.paths: list[str] = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    head = conn.recv(65536).decode("latin-1")
                except OSError:
                    continue
                match = re.match(r"[A-Z]+ (\S+) HTTP", head)
                if match:
                    self.paths.append(match.group(1))

    def close(self) -> None:
        self.sock.close()


def test_no_other_seed_is_asked_for_when_robots_and_home_both_fail(tmp_path: Path) -> None:
    site = SilentSite()
    try:
        result = run_cli(tmp_path / "data", "crawl", "courthousenews", "--base-url", f"http://127.0.0.1:{site.port}",
                         "--since", "2024-01-01", "--until", "2024-03-31", *FAST, timeout=120)
    finally:
        site.close()
    lines = terminal_lines(result)
    assert result.returncode == 1 and len(lines) <= 3, lines
    assert site.paths and set(site.paths) == {"/robots.txt", "/"}, site.paths
    assert lines[-1] == (f"Error: no page of http://127.0.0.1:{site.port} could be fetched: "
                         f"http://127.0.0.1:{site.port}/ and its robots.txt: the connection was closed without "
                         "an answer. Nothing was archived; check the address, then run the same command again")


def test_no_date_after_today_is_requested(tmp_path: Path) -> None:
    today = dt.date.today()
    ahead = today + dt.timedelta(days=10)  # the site's own clock says a later day
    with MockSite(today=ahead, log_path=tmp_path / "requests.jsonl") as site:
        result = run_cli(tmp_path / "data", "crawl", "courthousenews", "--base-url", site.url,
                         "--since", (today - dt.timedelta(days=4)).isoformat(),
                         "--until", (today + dt.timedelta(days=40)).isoformat(), *FAST, timeout=300)
        log = site.requests()
    assert result.returncode == 0, result.stderr[-2000:]
    days = []
    for entry in log:
        for y, m, d in re.findall(r"/(\d{4})/(\d{2})/(\d{2})/", entry["path"]):
            days.append(dt.date(int(y), int(m), int(d)))
        for m, d, y in re.findall(r"-(\d{1,2})-(\d{1,2})-(\d{4})/", entry["path"]):
            days.append(dt.date(int(y), int(m), int(d)))
    assert days, [e["path"] for e in log]  # the date archives of the range were walked
    assert max(days) <= today, sorted(set(days))[-5:]
    assert today in days


def test_a_base_url_with_no_scheme_uses_http_when_https_does_not_answer(tmp_path: Path) -> None:
    with MockSite(log_path=tmp_path / "requests.jsonl") as site:
        address = site.url.removeprefix("http://")
        result = run_cli(tmp_path / "data", "crawl", "courthousenews", "--base-url", address,
                         "--since", "2024-03-04", "--until", "2024-03-04", *FAST, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"using http://{address}" in result.stderr
    assert "SSL" not in result.stderr and "ssl" not in result.stderr
    assert f"Crawling http://{address}" in result.stderr


def test_a_base_url_with_no_scheme_that_answers_neither_is_refused_with_an_example(tmp_path: Path) -> None:
    port = closed_port()
    result = run_cli(tmp_path / "data", "crawl", "courthousenews", "--base-url", f"127.0.0.1:{port}",
                     "--since", "2024-03-04", "--until", "2024-03-04", timeout=60)
    lines = terminal_lines(result)
    assert result.returncode == 1 and len(lines) == 1, lines
    assert f"127.0.0.1:{port} answers neither https (connection refused) nor http (connection refused)" in lines[0]
    assert f"--base-url http://127.0.0.1:{port}" in lines[0]
    assert "SSL" not in lines[0] and "OpenSSL" not in lines[0]
    assert not (tmp_path / "data" / "archive.db").exists()


def test_scrapy_warnings_go_to_the_log_file_not_the_terminal_unless_v(tmp_path: Path) -> None:
    warn = ("-s", "DOWNLOAD_WARNSIZE=2000")  # every page is "larger than the warn size"
    with MockSite(log_path=tmp_path / "requests.jsonl") as site:
        quiet = run_cli(tmp_path / "quiet", "crawl", "courthousenews", "--base-url", site.url,
                        "--since", "2024-03-04", "--until", "2024-03-04", *FAST, *warn, timeout=300)
        loud = run_cli(tmp_path / "loud", "crawl", "courthousenews", "--base-url", site.url,
                       "--since", "2024-03-04", "--until", "2024-03-04", "-v", *FAST, *warn, timeout=300)
    assert quiet.returncode == 0 and loud.returncode == 0, quiet.stderr[-2000:] + loud.stderr[-2000:]
    assert "warn size" not in quiet.stderr and "[scrapy" not in quiet.stderr, quiet.stderr[-2000:]
    (log,) = (tmp_path / "quiet" / "logs").glob("crawl-*.log")
    assert f"(log: {log.resolve()})" in quiet.stderr or f"(log: {log})" in quiet.stderr
    text = log.read_text(encoding="utf-8")
    assert "warn size" in text and "Dumping Scrapy stats" in text
    assert "warn size" in loud.stderr  # -v: Scrapy's log on the terminal as well
    assert list((tmp_path / "loud" / "logs").glob("crawl-*.log"))
