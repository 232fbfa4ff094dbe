"""crawler.middlewares: Retry-After on 429/503 (case B07).

``retry_after_seconds`` is tested directly; ``RetryAfterMiddleware`` holds back the
crawler's download slot, so it is tested in a real Scrapy crawl (a subprocess, so each
crawl gets its own reactor) against a small stdlib HTTP server on 127.0.0.1, port 0.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from crawler.middlewares import retry_after_seconds

ROOT = Path(__file__).resolve().parents[1]
B07_DATE = "Sat, 02 Mar 2024 10:00:00 GMT"


# ---- retry_after_seconds ------------------------------------------------------------------
@pytest.mark.parametrize("value, expected", [
    (b"120", 120), ("120", 120), (b" 120 ", 120), (b"0", 0), (b"2", 2), (b"86400", 86400),
])
def test_delay_seconds(value: bytes | str, expected: int) -> None:
    assert retry_after_seconds(value) == expected
    assert retry_after_seconds(value, B07_DATE) == expected  # Date does not matter for seconds


@pytest.mark.parametrize("value", [
    b"Sat, 02 Mar 2024 10:05:00 GMT",  # IMF-fixdate (B07)
    "Sat, 02 Mar 2024 10:05:00 GMT",
    b"Saturday, 02-Mar-24 10:05:00 GMT",  # obsolete RFC 850 form (RFC 9110 section 5.6.7)
    b"Sat Mar  2 10:05:00 2024",  # obsolete asctime form
])
def test_http_date_measured_against_response_date(value: bytes | str) -> None:
    assert retry_after_seconds(value, b"Sat, 02 Mar 2024 10:00:00 GMT") == 300
    assert retry_after_seconds(value, B07_DATE) == 300


def test_http_date_in_the_past_is_zero() -> None:
    assert retry_after_seconds(b"Sat, 02 Mar 2024 09:55:00 GMT", B07_DATE) == 0
    assert retry_after_seconds(b"Sat, 02 Mar 2024 10:00:00 GMT", B07_DATE) == 0
    assert retry_after_seconds(b"Sat, 01 Jan 2000 00:00:00 GMT") == 0  # against now


def test_http_date_without_date_header_is_measured_against_now() -> None:
    later = format_datetime(dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=600), usegmt=True)
    wait = retry_after_seconds(later)
    assert wait is not None and 590 <= wait <= 600
    # a malformed Date falls back to now as well
    wait = retry_after_seconds(later, b"not a date")
    assert wait is not None and 590 <= wait <= 600


@pytest.mark.parametrize("value", [
    None, b"", b"   ", b"soon", b"-5", b"1.5", b"12abc", b"120 seconds", b"0x10",
    b"Sat, 32 Mar 2024 10:05:00 GMT",
    b"\xb2",  # latin-1 superscript two: str.isdigit() says True, but it is not delay-seconds
    "١٢٠",  # Arabic-Indic digits: not the ASCII DIGITs delay-seconds is made of
], ids=["none", "empty", "blank", "word", "negative", "fraction", "digits-then-junk", "with-unit", "hex",
        "bad-day", "latin1-superscript-two", "arabic-indic-digits"])
def test_malformed_is_none(value: bytes | str | None) -> None:
    assert retry_after_seconds(value) is None
    assert retry_after_seconds(value, B07_DATE) is None


# ---- a real crawl --------------------------------------------------------------------------
class Site:
    """A 127.0.0.1 server answering /page from a script of responses, recording request times."""

    def __init__(self, script: list[tuple[int, list[tuple[str, str]], bytes]]) -> None:
        self.script = list(script)
        self.requests: list[tuple[float, str, str]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                site.requests.append((time.monotonic(), self.command, self.path))
                if self.path == "/page" and site.script:
                    status, headers, body = site.script.pop(0)
                else:
                    status, headers, body = 404, [], b"not here"
                self.send_response_only(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/page"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def page_times(self) -> list[float]:
        return [t for t, _, path in self.requests if path == "/page"]


CRAWL_SCRIPT = r'''
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess

url, out, extra = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
pages = []

class OnePage(scrapy.Spider):
    name = "onepage"
    start_urls = [url]

    def parse(self, response):
        pages.append({"url": response.url, "status": response.status, "body": response.text})

    def closed(self, reason):
        stats = {k: v for k, v in self.crawler.stats.get_stats().items() if isinstance(v, (int, float, str))}
        with open(out, "w") as fh:
            json.dump({"pages": pages, "reason": reason, "stats": stats}, fh)

settings = {
    "DOWNLOADER_MIDDLEWARES": {
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "crawler.middlewares.RetryAfterMiddleware": 550,
    },
    "DOWNLOAD_DELAY": 0.01,
    "ROBOTSTXT_OBEY": False,
    "LOG_LEVEL": "WARNING",
    "TELNETCONSOLE_ENABLED": False,
}
settings.update(extra)
process = CrawlerProcess(settings)
process.crawl(OnePage)
process.start()
'''


def crawl(tmp_path: Path, url: str, **extra: object) -> tuple[dict, float]:
    script = tmp_path / "crawl_one.py"
    script.write_text(CRAWL_SCRIPT)
    out = tmp_path / "result.json"
    env = {k: v for k, v in os.environ.items() if k not in ("SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    started = time.monotonic()
    proc = subprocess.run([sys.executable, str(script), url, str(out), json.dumps(extra)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    assert out.exists(), proc.stderr
    return json.loads(out.read_text()), elapsed


PAGE = b"<html><body>archive page 2</body></html>"


@pytest.mark.parametrize("delay", [0.01, 0.0], ids=["download-delay", "no-download-delay"])
def test_429_retry_after_seconds_is_waited_out(tmp_path: Path, delay: float) -> None:
    script = [(429, [("Retry-After", "2")], b"slow down"), (200, [], PAGE)]
    with Site(script) as site:
        result, _ = crawl(tmp_path, site.url, DOWNLOAD_DELAY=delay)
    times = site.page_times()
    assert len(times) == 2, site.requests
    assert times[1] - times[0] >= 1.9
    assert [(p["status"], p["body"]) for p in result["pages"]] == [(200, PAGE.decode())]
    assert result["reason"] == "finished"
    assert result["stats"].get("retry/count") == 1


def test_503_retry_after_http_date_is_measured_against_date(tmp_path: Path) -> None:
    # The server's clock says 2024; Retry-After is 2 s after its Date, whatever our clock says.
    headers = [("Date", B07_DATE), ("Retry-After", "Sat, 02 Mar 2024 10:00:02 GMT")]
    script = [(503, headers, b"maintenance"), (200, [], PAGE)]
    with Site(script) as site:
        result, _ = crawl(tmp_path, site.url)
    times = site.page_times()
    assert len(times) == 2, site.requests
    assert times[1] - times[0] >= 1.9
    assert [(p["status"], p["body"]) for p in result["pages"]] == [(200, PAGE.decode())]


def test_retry_after_longer_than_cap_is_deferred_not_waited(tmp_path: Path) -> None:
    script = [(429, [("Retry-After", "7200")], b"come back in two hours"), (200, [], PAGE)]
    with Site(script) as site:
        result, elapsed = crawl(tmp_path, site.url, CRAWL_RETRY_AFTER_MAX_SECS=60)
    assert len(site.page_times()) == 1, site.requests
    assert result["pages"] == []
    assert result["reason"] == "finished"
    assert result["stats"].get("newsarchive/skipped/deferred by Retry-After") == 1
    assert "retry/count" not in result["stats"]
    assert elapsed < 20
