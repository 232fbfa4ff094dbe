"""Headless Chromium replays a search hit: the article's title shows, nothing leaves the replay server.

Chromium (Debian's ``chromium``; ``.ci/run`` installs it) is driven over the Chrome DevTools
Protocol (https://chromedevtools.github.io/devtools-protocol/) with ``websocket-client``.
Every request the page and its frames make is recorded from ``Network.requestWillBeSent``;
all must go to the replay server. A screenshot is kept as ``replayed.png`` under the test's
temporary folder. Skipped, with the reason, when Chromium or websocket-client is missing.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from archive.index import Index
from tests.helpers import stop_process
from tests.test_replay import ReplayServer, crawl_mock_site

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    env = os.environ.get("NEWSARCHIVE_CHROMIUM")
    if env:
        return env
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


class Chromium:
    """A headless Chromium with its DevTools endpoint on a free loopback port."""

    def __init__(self, binary: str, profile: Path) -> None:
        self.binary = binary
        self.profile = profile
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    def __enter__(self) -> Chromium:
        self.profile.mkdir(parents=True, exist_ok=True)
        args = [
            self.binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions",
            "--disable-default-apps", "--metrics-recording-only", "--mute-audio",
            "--disable-features=Translate,OptimizationHints,MediaRouter,InterestFeedContentSuggestions",
            # belt and braces: no name resolves, so a request that escaped replay fails offline
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--window-size=1280,1000", "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0", f"--user-data-dir={self.profile}", "about:blank",
        ]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        stdin=subprocess.DEVNULL)
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if port_file.exists():
                first = port_file.read_text().split("\n", 1)[0].strip()
                if first.isdigit():
                    self.port = int(first)
                    break
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        if not self.port:
            self.__exit__()
            raise RuntimeError(f"{self.binary} did not open its DevTools port")
        return self

    def page_websocket(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/list", timeout=10) as resp:
            targets = json.loads(resp.read())
        return next(t["webSocketDebuggerUrl"] for t in targets if t.get("type") == "page")

    def __exit__(self, *exc: object) -> None:
        proc, self.process = self.process, None
        stop_process(proc)


class DevTools:
    """A minimal CDP client over one page's websocket (flattened sessions for child frames)."""

    def __init__(self, ws_url: str) -> None:
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout: float = 30) -> dict[str, Any]:
        self.next_id += 1
        msg: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = self._recv(deadline)
            if reply is None:
                continue
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
        raise TimeoutError(method)

    def _recv(self, deadline: float) -> dict[str, Any] | None:
        import websocket

        self.ws.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            message = json.loads(self.ws.recv())
        except websocket.WebSocketTimeoutException:
            return None
        if "method" in message:
            self.events.append(message)
            if message["method"] == "Target.attachedToTarget":  # an out-of-process frame or worker
                session = message["params"]["sessionId"]
                for method, params in (("Network.enable", {}), ("Runtime.runIfWaitingForDebugger", {})):
                    self.ws.send(json.dumps({"id": 10_000_000 + len(self.events), "method": method,
                                             "params": params, "sessionId": session}))
        return message

    def pump(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._recv(deadline)

    def wait_for(self, method: str, timeout: float = 30) -> dict[str, Any]:
        seen = len(self.events)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events[seen:]:
                if event["method"] == method:
                    return event
            seen = len(self.events)
            self._recv(deadline)
        raise TimeoutError(method)

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return result.get("result", {}).get("value")

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events
                if e["method"] == "Network.requestWillBeSent"]

    def close(self) -> None:
        self.ws.close()


@pytest.fixture(scope="module")
def chromium_binary() -> str:
    # CI sets NEWSARCHIVE_REQUIRE_BROWSER=1: there a missing browser is a failure, not a skip.
    missing = pytest.fail if os.environ.get("NEWSARCHIVE_REQUIRE_BROWSER") == "1" else pytest.skip
    binary = find_chromium()
    if not binary:
        missing("chromium is not installed (Debian: apt-get install -y chromium; .ci/run does)")
    try:
        import websocket  # noqa: F401
    except ImportError:
        missing("websocket-client is not installed (pip install websocket-client)")
    return binary


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, chromium_binary: str):
    work = tmp_path_factory.mktemp("replay-browser")
    crawled = crawl_mock_site(work)  # the mock site is stopped once this returns
    with ReplayServer(crawled["data"]) as server:
        yield {**crawled, "server": server, "work": work, "chromium": chromium_binary}


def open_in_chromium(served: dict[str, Any], path: str, shot: Path,
                     ready_js: str, settle: float = 1.5) -> tuple[Any, list[str]]:
    """Load ``path`` from the replay server; wait until ``ready_js`` is truthy; screenshot."""
    server = served["server"]
    profile = Path(tempfile.mkdtemp(prefix="chromium-", dir=served["work"]))
    with Chromium(served["chromium"], profile) as browser:
        tools = DevTools(browser.page_websocket())
        try:
            tools.send("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": True,
                                                "flatten": True})
            tools.send("Network.enable")
            tools.send("Page.enable")
            tools.send("Emulation.setDeviceMetricsOverride",
                       {"width": 1280, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
            tools.send("Page.navigate", {"url": server.url + path})
            tools.wait_for("Page.loadEventFired", timeout=60)
            value = None
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                value = tools.evaluate(ready_js)
                if value:
                    break
                tools.pump(0.25)
            tools.pump(settle)  # late requests (banner's CDX query, fonts) are recorded too
            data = tools.send("Page.captureScreenshot", {"format": "png"})["data"]
            shot.write_bytes(base64.b64decode(data))
            return value, tools.requested_urls()
        finally:
            tools.close()


def assert_all_to_replay_server(urls: list[str], server: ReplayServer) -> None:
    assert urls, "the browser recorded no requests"
    for url in urls:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            continue  # not network requests
        assert parts.scheme in ("http", "ws") and parts.netloc == f"127.0.0.1:{server.port}", url


def test_a_hit_replays_in_chromium_with_its_title(served) -> None:
    server = served["server"]
    with Index(served["data"] / "archive.db", readonly=True) as index:
        hit = index.search("", limit=1)[0]
    assert hit.replay_url and hit.title
    title_js = ("(() => { const f = document.getElementById('replay_iframe');"
                " const d = f && f.contentDocument; if (!d || !d.body) return null;"
                " const h = d.querySelector('h1');"
                " return JSON.stringify({title: d.title, h1: h ? h.innerText : '',"
                " text: d.body.innerText.slice(0, 5000), top: document.title}); })()")
    shot = served["work"] / "replayed.png"
    value, urls = open_in_chromium(served, hit.replay_url, shot,
                                   title_js + " && JSON.parse(" + title_js + ").text.length > 0 && "
                                   + title_js)
    assert value, "the replayed page never rendered in the replay frame"
    page = json.loads(value)
    assert hit.title in page["text"] or hit.title == page["h1"].strip(), page
    assert_all_to_replay_server(urls, server)
    assert any(u.startswith(server.url + "/archive/") and "mp_/" in u for u in urls)
    assert shot.stat().st_size > 1000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_search_page_loads_nothing_from_elsewhere(served) -> None:
    shot = served["work"] / "search.png"
    value, urls = open_in_chromium(served, "/search?q=court", shot,
                                   "document.querySelectorAll('a.replay').length")
    assert value and value > 0
    assert_all_to_replay_server(urls, served["server"])
