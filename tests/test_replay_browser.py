"""Headless Chromium replays archived articles and search hits: styled, whole, nothing from elsewhere.

Chromium (Debian's ``chromium``; ``.ci/run`` installs it) is driven over the Chrome DevTools
Protocol (https://chromedevtools.github.io/devtools-protocol/) with ``websocket-client``, on
``newsarchive replay`` over a crawl of the mock site with default settings (page requisites
``same-site``). Every request the page and its frames make (pywb's framed replay puts the page in
an iframe) is recorded with its answer, from ``Network.requestWillBeSent``, ``responseReceived``
and ``loadingFailed``, with the browser cache off. For three articles (the ``<base href>`` one and
the video one among them) and for an article opened from a search hit's link:

- every request goes to the replay server;
- no archived URL on the mock site's host is answered "not archived" (404), except the
  robots-disallowed ``/private/tracker.png``, never archived by design (the third-party host is
  out of the same-site scope, so not checked);
- in the replay frame, the body has the theme stylesheet's pink background, the h1 headline its
  red, and the lead image (``figure.lead img``, a srcset candidate) decodes with a width.

Screenshots are kept under the test's temporary folder (``replayed-<slug>.png``,
``search-hit-<slug>.png``, ``replayed.png``, ``search.png``; their paths are printed: ``pytest -s``
or ``-rP`` shows them). Skipped, with the reason, when Chromium or websocket-client is missing
(failed instead when ``NEWSARCHIVE_REQUIRE_BROWSER=1``, as CI sets).
"""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from archive.index import Index
from tests.helpers import stop_process
from tests.mocksite import requisites as truth
from tests.mocksite.content import BY_SLUG
from tests.test_replay import ReplayServer, copy_of_mock_crawl

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
        port_file = self.profile / "DevToolsActivePort"
        for _attempt in range(2):  # a start that dies on a loaded machine is tried once more
            self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                            stdin=subprocess.DEVNULL)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if port_file.exists():
                    first = port_file.read_text().split("\n", 1)[0].strip()
                    if first.isdigit():
                        self.port = int(first)
                        break
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
            if self.port:
                break
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait(timeout=10)
            port_file.unlink(missing_ok=True)
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

    def evaluate(self, expression: str, await_promise: bool = False) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": await_promise})
        return result.get("result", {}).get("value")

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events
                if e["method"] == "Network.requestWillBeSent"]

    def close(self) -> None:
        self.ws.close()


def require_browser(missing: Any) -> str:
    """Chromium's path, once Chromium and websocket-client are known to be there; else
    ``missing(reason)`` (``pytest.fail`` or ``pytest.skip``)."""
    binary = find_chromium()
    if not binary:
        missing("chromium is not installed (Debian: apt-get install -y chromium; .ci/run does)")
    try:
        import websocket  # noqa: F401
    except ImportError:
        missing("websocket-client is not installed (pip install websocket-client)")
    return str(binary)


@pytest.fixture(scope="module")
def chromium_binary() -> str:
    # CI sets NEWSARCHIVE_REQUIRE_BROWSER=1: there a missing browser is a failure, not a skip.
    return require_browser(pytest.fail if os.environ.get("NEWSARCHIVE_REQUIRE_BROWSER") == "1" else pytest.skip)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, chromium_binary: str, mock_crawl: dict[str, Any]):
    work = tmp_path_factory.mktemp("replay-browser")
    crawled = copy_of_mock_crawl(mock_crawl, work)  # default settings: requisites same-site; the site is stopped
    with ReplayServer(crawled["data"]) as server:
        yield {**crawled, "server": server, "work": work, "chromium": chromium_binary}


# ---- what the browser asked for, and what it got ---------------------------------------------
@dataclass
class Exchange:
    """One request the browser sent (each hop of a redirect is one) and how it was answered."""

    url: str
    kind: str | None          # CDP resource type: Document, Stylesheet, Image, Font, Script, Fetch...
    frame: str | None
    status: int | None = None  # HTTP status of the response (or of the redirect this hop was)
    error: str | None = None   # Network.loadingFailed's errorText

    @property
    def answered(self) -> bool:
        return self.status is not None or self.error is not None


def exchanges_of(events: list[dict[str, Any]]) -> list[Exchange]:
    """Pair ``Network.requestWillBeSent`` with ``responseReceived`` / ``loadingFailed`` by
    session and request id (a worker's or out-of-process frame's ids are its own), or by request
    id alone: a worker's script is asked for by its page and answered in the worker's session."""
    hops: list[Exchange] = []
    current: dict[tuple[str | None, str], Exchange] = {}
    by_id: dict[str, Exchange] = {}
    for event in events:
        method, params = event["method"], event.get("params", {})
        if not method.startswith("Network.") or "requestId" not in params:
            continue
        key = (event.get("sessionId"), params["requestId"])
        if method == "Network.requestWillBeSent":
            previous = current.get(key)
            if previous is not None and params.get("redirectResponse"):
                previous.status = params["redirectResponse"]["status"]
            hop = Exchange(params["request"]["url"], params.get("type"), params.get("frameId"))
            hops.append(hop)
            current[key] = by_id[params["requestId"]] = hop
            continue
        hop = current.get(key) or by_id.get(params["requestId"])
        if hop is None:
            continue
        if method == "Network.responseReceived":
            hop.status = params["response"]["status"]
        elif method == "Network.responseReceivedExtraInfo" and hop.status is None:
            # the only status there is when the browser refuses the body (a 404's text/plain
            # with nosniff as a stylesheet or script) and so never reports responseReceived;
            # a redirect's status may come after the next hop began, so that one is ignored
            if not 300 <= params.get("statusCode", 0) < 400:
                hop.status = params.get("statusCode")
        elif method == "Network.loadingFailed":
            hop.error = params.get("errorText") or "failed"
    return hops


ARCHIVED = re.compile(r"/archive/\d{1,14}(?:[a-z]{2}_)?/(?P<url>.+)")


def archived_url(url: str, server: ReplayServer) -> str | None:
    """The archived URL a replay request asks for (``/archive/TS[mod_]/URL``), or None."""
    if not url.startswith(server.url + "/"):
        return None
    match = ARCHIVED.fullmatch(url[len(server.url):])
    return match.group("url") if match else None


@dataclass
class Visit:
    url: str
    value: Any
    exchanges: list[Exchange]
    shot: Path

    @property
    def urls(self) -> list[str]:
        return [x.url for x in self.exchanges]


class ReplayBrowser:
    """One headless Chromium tab, cache disabled (each page fetches every requisite itself)."""

    def __init__(self, served: dict[str, Any]) -> None:
        self.served = served
        self.server: ReplayServer = served["server"]
        profile = Path(tempfile.mkdtemp(prefix="chromium-", dir=served["work"]))
        self.browser = Chromium(served["chromium"], profile)
        self.tools: DevTools | None = None

    def __enter__(self) -> ReplayBrowser:
        self.browser.__enter__()
        try:
            tools = self.tools = DevTools(self.browser.page_websocket())
            tools.send("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": True,
                                                "flatten": True})
            tools.send("Network.enable")
            tools.send("Network.setCacheDisabled", {"cacheDisabled": True})
            tools.send("Page.enable")
            tools.send("Emulation.setDeviceMetricsOverride",
                       {"width": 1280, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.tools is not None:
            self.tools.close()
            self.tools = None
        self.browser.__exit__()

    def visit(self, url: str, shot: Path, ready_js: str, *, await_promise: bool = False,
              settle: float = 1.0) -> Visit:
        """Navigate to ``url`` (absolute, or a path on the replay server); wait for its load
        event, until ``ready_js`` is truthy, and until every request has an answer (or 15 s);
        screenshot. The visit's requests are those recorded from the navigation on."""
        tools = self.tools
        assert tools is not None
        if url.startswith("/"):
            url = self.server.url + url
        start = len(tools.events)
        tools.send("Page.navigate", {"url": url})
        deadline = time.monotonic() + 60
        while not any(e["method"] == "Page.loadEventFired" for e in tools.events[start:]):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no load event for {url}")
            tools.pump(0.1)
        value = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            value = tools.evaluate(ready_js, await_promise=await_promise)
            if value:
                break
            tools.pump(0.25)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not all(x.answered for x in exchanges_of(tools.events[start:])):
            tools.pump(0.25)
        tools.pump(settle)  # late requests (banner's CDX query, fonts) are recorded too
        data = tools.send("Page.captureScreenshot", {"format": "png"})["data"]
        shot.write_bytes(base64.b64decode(data))
        print(f"screenshot of {url}: {shot}")
        return Visit(url, value, exchanges_of(tools.events[start:]), shot)


def open_in_chromium(served: dict[str, Any], path: str, shot: Path,
                     ready_js: str, settle: float = 1.5) -> tuple[Any, list[str]]:
    """Load ``path`` from the replay server in a fresh Chromium; wait until ``ready_js`` is truthy; screenshot."""
    with ReplayBrowser(served) as browser:
        visit = browser.visit(path, shot, ready_js, settle=settle)
    return visit.value, visit.urls


def assert_all_to_replay_server(urls: list[str], server: ReplayServer) -> None:
    assert urls, "the browser recorded no requests"
    for url in urls:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            continue  # not network requests
        assert parts.scheme in ("http", "ws") and parts.netloc == f"127.0.0.1:{server.port}", url


def assert_nothing_same_site_unarchived(visit: Visit, served: dict[str, Any]) -> None:
    """Every archived URL the page asked for on the mock site's host (as archived) was answered
    with a capture (2xx, or a redirect to the nearest one), not pywb's "not archived" 404."""
    server = served["server"]
    site_host = urllib.parse.urlsplit(served["origin"]).netloc
    # THIRD_PARTY_REQUISITE: the same server under its other name is another site, out of the
    # default same-site scope, so never archived; its 404 is expected and not checked here.
    other_host = urllib.parse.urlsplit(truth.third_party_base(served["origin"])).netloc
    asked = [(x, archived_url(x.url, server)) for x in visit.exchanges]
    asked = [(x, urllib.parse.urlsplit(target)) for x, target in asked if target]
    assert any(parts.netloc == site_host for _x, parts in asked), "no archived URL was asked for"
    strangers = sorted({x.url for x, parts in asked if parts.netloc not in (site_host, other_host)})
    assert strangers == [], "the replayed page asked for archived URLs on a host the crawl never saw"
    missing, disallowed = [], []
    for x, parts in asked:
        if parts.netloc != site_host:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path == truth.DISALLOWED_REQUISITE:
            # robots.txt disallows /private/, so the crawler never fetches it, by design: the
            # replay server rightly answers "not archived" (404). Seen, but not a failure.
            disallowed.append(x)
            continue
        if x.status is None or not 200 <= x.status < 400:
            missing.append(f"{x.status or 'no answer'} {x.error or ''} {x.kind} {path}")
    assert missing == [], f"{visit.url}: same-site URLs the page needs were not archived"
    # the check above sees 404s: the disallowed tracker is asked for and answered "not archived"
    if disallowed:
        assert all(x.status == 404 for x in disallowed), [(x.url, x.status) for x in disallowed]


# The replayed page, read from pywb's replay frame (same origin as the banner page) once it has
# loaded; the lead image decoded (or failed to) first. null until the frame holds the capture.
FRAME_JS = """(async () => {
  const f = document.getElementById('replay_iframe');
  const d = f && f.contentDocument;
  if (!d || !d.body || d.readyState !== 'complete' || !/mp_\\//.test(d.location.href)) return null;
  const img = d.querySelector('figure.lead img');
  if (img) { try { await img.decode(); } catch (e) { /* reported by naturalWidth 0 */ } }
  const style = (el) => d.defaultView.getComputedStyle(el);
  const h1 = d.querySelector('h1');
  return JSON.stringify({
    href: d.location.href, title: d.title, text: d.body.innerText.slice(0, 5000),
    background: style(d.body).backgroundColor,
    h1: h1 ? h1.innerText.trim() : null, h1Colour: h1 ? style(h1).color : null,
    image: img ? {naturalWidth: img.naturalWidth, complete: img.complete, src: img.currentSrc} : null,
  });
})()"""

PINK = "rgb(252, 228, 236)"   # body{background-color:#fce4ec} in the theme stylesheet
RED = "rgb(198, 40, 40)"      # h1{color:#c62828}


def browse_articles(served: dict[str, Any]) -> list[str]:
    """Three articles of the crawl: the <base href> one and the video one if in range, then others."""
    slugs = [a.slug for a in served["expected"]]
    picked = [s for s in (truth.BASE_HREF_ARTICLE, truth.VIDEO_ARTICLE) if s in slugs]
    picked += [s for s in slugs if s not in picked][: 3 - len(picked)]
    return picked


@pytest.fixture(scope="module")
def article_visits(served) -> dict[str, Visit]:
    """Each picked article, replayed at its current capture, in one Chromium tab."""
    visits = {}
    with Index(served["data"] / "archive.db", readonly=True) as index:
        urls = {slug: index.article(f"{served['origin']}/{slug}/") for slug in browse_articles(served)}
    with ReplayBrowser(served) as browser:
        for slug, detail in urls.items():
            assert detail is not None and detail.replay_url, f"{slug} is not in the index"
            visits[slug] = browser.visit(detail.replay_url, served["work"] / f"replayed-{slug}.png",
                                         FRAME_JS, await_promise=True)
    return visits


def frame_state(visit: Visit) -> dict[str, Any]:
    assert visit.value, f"{visit.url}: the replayed page never loaded in pywb's replay frame"
    return json.loads(visit.value)


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


def test_replayed_articles_load_only_from_the_replay_server(served, article_visits) -> None:
    assert len(article_visits) == 3
    if truth.BASE_HREF_ARTICLE in {a.slug for a in served["expected"]}:
        assert truth.BASE_HREF_ARTICLE in article_visits
    for slug, visit in article_visits.items():
        assert_all_to_replay_server(visit.urls, served["server"])
        assert visit.shot.stat().st_size > 1000 and visit.shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_replayed_articles_find_every_same_site_requisite_archived(served, article_visits) -> None:
    for visit in article_visits.values():
        assert_nothing_same_site_unarchived(visit, served)
    server = served["server"]
    asked = {archived_url(x.url, server) for v in article_visits.values() for x in v.exchanges}
    # the exclusions are not hypothetical: the pages did ask for both
    assert served["origin"] + truth.DISALLOWED_REQUISITE in asked
    assert truth.third_party_base(served["origin"]) + truth.THIRD_PARTY_REQUISITE in asked
    if truth.BASE_HREF_ARTICLE in article_visits:  # resolved against <base href>, and archived
        assert served["origin"] + truth.BASE_HREF_REQUISITE in asked


def test_replayed_articles_are_styled_by_the_archived_stylesheet(article_visits) -> None:
    for slug, visit in article_visits.items():
        page = frame_state(visit)
        assert page["background"] == PINK, (slug, page["background"], visit.shot)
        assert page["h1"] == BY_SLUG[slug].title, (slug, page["h1"])  # the headline is the page's h1
        assert page["h1Colour"] == RED, (slug, page["h1Colour"], visit.shot)


def test_replayed_articles_show_their_lead_image(article_visits) -> None:
    for slug, visit in article_visits.items():
        image = frame_state(visit)["image"]
        assert image is not None, f"{slug}: no <figure class=lead> <img> in the replayed page"
        assert image["naturalWidth"] > 0, (slug, image, visit.shot)
        assert "/wp-content/uploads/" in image["src"] and slug in image["src"], image  # a srcset candidate


def test_a_search_hit_link_opens_the_styled_page(served) -> None:
    slug = truth.BASE_HREF_ARTICLE if truth.BASE_HREF_ARTICLE in {a.slug for a in served["expected"]} \
        else served["expected"][0].slug
    title = BY_SLUG[slug].title
    word = max(re.findall(r"[A-Za-z]+", title), key=len)  # its longest word
    link_js = ("(() => { const a = [...document.querySelectorAll('a.replay')]"
               f".find(a => a.textContent.trim() === {json.dumps(title)}); return a ? a.href : null; }})()")
    with ReplayBrowser(served) as browser:
        search = browser.visit("/search?q=" + urllib.parse.quote(word), served["work"] / "search-hit.png",
                               link_js)
        href = search.value
        assert href, f"no hit titled {title!r} on the search page for {word!r}"
        assert href.startswith(served["server"].url + "/archive/"), href
        followed = browser.visit(href, served["work"] / f"search-hit-{slug}.png", FRAME_JS,
                                 await_promise=True)
    assert_all_to_replay_server(search.urls + followed.urls, served["server"])
    page = frame_state(followed)
    assert page["h1"] == title, page["h1"]
    assert page["background"] == PINK, (page["background"], followed.shot)
    assert_nothing_same_site_unarchived(followed, served)
