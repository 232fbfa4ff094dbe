"""Datasette's articles page in headless Chromium at 1280×800: rows above the fold (issue 18).

Reuses the Chromium and DevTools harness of tests/test_replay_browser.py; skipped, with the
reason, when Chromium or websocket-client is missing (failed instead when
``NEWSARCHIVE_REQUIRE_BROWSER=1``). The screenshot is kept in the test's temporary folder
(``datasette-articles.png``; ``pytest -rP`` prints its path).
"""
from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("datasette")

from tests.helpers import ROOT, stop_process  # noqa: E402
from tests.searchdata import build_archive  # noqa: E402
from tests.test_replay_browser import Chromium, DevTools, require_browser  # noqa: E402

WIDTH, HEIGHT = 1280, 800


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def datasette_url(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("datasette-browser") / "data"
    build_archive(data)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "archive", "--data", str(data), "datasette", "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/-/versions.json", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("datasette did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        stop_process(proc)


def test_articles_rows_are_above_the_fold_at_1280x800(datasette_url: str, tmp_path: Path) -> None:
    binary = require_browser(pytest.fail if os.environ.get("NEWSARCHIVE_REQUIRE_BROWSER") == "1" else pytest.skip)
    with Chromium(binary, tmp_path / "profile") as browser:
        tools = DevTools(browser.page_websocket())
        try:
            tools.send("Page.enable")
            tools.send("Emulation.setDeviceMetricsOverride",
                       {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
            start = len(tools.events)
            tools.send("Page.navigate", {"url": datasette_url + "/archive/articles"})
            deadline = time.monotonic() + 60
            while not any(e["method"] == "Page.loadEventFired" for e in tools.events[start:]):
                assert time.monotonic() < deadline, "no load event"
                tools.pump(0.1)
            tops = tools.evaluate(
                "[...document.querySelectorAll('table.rows-and-columns tbody tr')]"
                ".map(tr => tr.getBoundingClientRect().top)")
            viewport = tools.evaluate("[window.innerWidth, window.innerHeight]")
            details_open = tools.evaluate("[...document.querySelectorAll('details')].some(d => d.open)")
            shot = tmp_path / "datasette-articles.png"
            shot.write_bytes(base64.b64decode(tools.send("Page.captureScreenshot", {"format": "png"})["data"]))
            print(f"screenshot of {datasette_url}/archive/articles: {shot}")
        finally:
            tools.close()
    assert viewport == [WIDTH, HEIGHT]
    assert len(tops) == 7, tops  # every article of the test archive is a row
    above = [top for top in tops if top + 20 <= HEIGHT]
    assert len(above) >= 3, (tops, shot)  # rows, not descriptions, above the fold
    assert not details_open  # the column descriptions stay collapsed
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[16:20], "big") == WIDTH and int.from_bytes(png[20:24], "big") == HEIGHT
