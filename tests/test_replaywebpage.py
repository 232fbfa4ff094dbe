"""ReplayWeb.page, a WACZ viewer nobody here wrote, opens our exported WACZ by URL alone.

The ``replaywebpage`` npm package (2.5.3, pinned in ``tests/replaywebpage/package.json``;
``.ci/run`` installs it with ``npm ci --prefix tests/replaywebpage``) is served from a local
HTTP server on 127.0.0.1 (with byte ranges, as the viewer reads a WACZ by range) as its
embedding docs say: ``ui.js`` beside the page, ``sw.js`` under ``replay/``, and
``<replay-web-page source="archive.wacz" url="ARTICLE" replaybase="./replay/">`` with no
``ts``. Headless Chromium (driven over CDP as in ``tests/test_replay_browser.py``) loads it;
the replayed page is inside the component's shadow DOM and two iframes, reached by walking
shadow roots and same-origin frames.

Hashes: the viewer shows "N invalid" for files it never hashed. From ``datapackage.json`` it
records the expected hashes of ``pages/pages.jsonl`` and ``indexes/index.idx`` as unmatched, and
only a hash check it does not run by default (wabac.js 2.23.4 made it opt-in, ``sw.js?useHashCheck=1``)
would mark them matched; so any WACZ shows "2 invalid" there (see ``archive/warc/wacz.py``). The test
reads the viewer's own verification records and checks that the invalid ones are exactly those
two, that the viewer holds our hashes for them, and that our hashes are right.
Skipped (failed when ``NEWSARCHIVE_REQUIRE_BROWSER=1``) when
Chromium, websocket-client or the npm package is missing. Screenshots stay in the test's tmp
folder.
"""
from __future__ import annotations

import base64
import hashlib
import http.server
import json
import os
import re
import shutil
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.test_replay_browser import Chromium, DevTools, require_browser
from tests.test_wacz import STYLED_TITLE, build_styled_archive, export_wacz

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = ROOT / "tests" / "replaywebpage" / "node_modules" / "replaywebpage"
PINNED_VERSION = "2.5.3"
COLL = "newsarchive"
#: Walks shadow roots and same-origin iframes from the top document; returns the first
#: document whose location matches ``test(href)``. (Declared inside each expression's own
#: function: a top-level ``const`` could not be declared again by the next evaluation.)
FIND_DOC_JS = """
const findDoc = (test) => {
  const walk = (root, depth) => {
    if (depth > 16) return null;
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) { const r = walk(el.shadowRoot, depth + 1); if (r) return r; }
      if (el.tagName === 'IFRAME') {
        let d = null;
        try { d = el.contentDocument; } catch (e) { d = null; }
        if (d && d.location && test(d.location.href)) return d;
        if (d) { const r = walk(d, depth + 1); if (r) return r; }
      }
    }
    return null;
  };
  return walk(document, 0);
};
"""
#: The replayed page (a frame under ``/replay/w/COLL/...mp_/``): title, text, styles, requisites.
REPLAYED_JS = """
(() => {""" + FIND_DOC_JS + """
  const d = findDoc((href) => href.includes('/replay/w/') && href.includes('mp_/'));
  if (!d || !d.body || !d.body.innerText.trim()) return null;
  const img = d.getElementById('photo');
  return JSON.stringify({
    href: d.location.href, title: d.title, text: d.body.innerText.slice(0, 3000),
    background: d.defaultView.getComputedStyle(d.body).backgroundColor,
    script: d.documentElement.dataset.script || null,
    image: img ? img.naturalWidth : null,
  });
})()
"""
#: The viewer's own report (wabac.js, in the ``replay/`` frame its service worker controls):
#: its API's hash counts, its page list, and its IndexedDB ``verification`` records
#: (``{id, expected, matched}``; ``id`` is the file's path in the WACZ after the WACZ's name).
VERIFY_JS = """
(async () => {""" + FIND_DOC_JS + """
  const d = findDoc((href) => new URL(href).pathname.replace(/index\\.html$/, '').endsWith('/replay/'));
  if (!d) return null;
  const w = d.defaultView;
  const data = await (await w.fetch('./w/api/c/%s?all=1')).json();
  if (!data.verify) return null;
  const db = await new Promise((ok, fail) => {
    const req = w.indexedDB.open('db:%s'); req.onsuccess = () => ok(req.result); req.onerror = fail; });
  const records = await new Promise((ok, fail) => {
    const req = db.transaction('verification').objectStore('verification').getAll();
    req.onsuccess = () => ok(req.result); req.onerror = fail; });
  db.close();
  return JSON.stringify({verify: data.verify, pages: (data.pages || []).map((p) => p.url), records});
})()
""" % (COLL, COLL)


def missing(reason: str) -> None:
    # CI sets NEWSARCHIVE_REQUIRE_BROWSER=1: there anything missing is a failure, not a skip.
    if os.environ.get("NEWSARCHIVE_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = require_browser(missing)
    manifest = PACKAGE_DIR / "package.json"
    if not manifest.is_file():
        missing(f"ReplayWeb.page is not installed in {PACKAGE_DIR.parent}: "
                "run `npm ci --prefix tests/replaywebpage` (.ci/run does)")
    version = json.loads(manifest.read_text())["version"]
    if version != PINNED_VERSION:
        missing(f"{PACKAGE_DIR} is replaywebpage {version}, not the pinned {PINNED_VERSION}: "
                "run `npm ci --prefix tests/replaywebpage`")
    return binary


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, with single byte ranges (RFC 9110 section 14), uncached, quiet."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def end_headers(self) -> None:
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", "").strip())
        path = Path(self.translate_path(self.path))
        if not match or not path.is_file() or match.groups() == ("", ""):
            super().do_GET()
            return
        data = path.read_bytes()
        first, last = match.groups()
        start = int(first) if first else max(0, len(data) - int(last))
        end = min(int(last), len(data) - 1) if first and last else len(data) - 1
        if start >= len(data) or start > end:
            self.send_error(416)
            return
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        self.wfile.write(data[start:end + 1])


EMBED_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>newsarchive WACZ in ReplayWeb.page</title>
<script src="./ui.js"></script></head>
<body style="margin:0; height:100vh">
<replay-web-page source="archive.wacz" url="{url}" replaybase="./replay/" coll="{coll}"
  style="height:100vh"></replay-web-page>
</body></html>
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, chromium: str):
    """The served folder (page, ui.js, replay/sw.js, archive.wacz) and its server."""
    work = tmp_path_factory.mktemp("replaywebpage")
    info = build_styled_archive(work / "data")
    root = work / "site"
    (root / "replay").mkdir(parents=True)
    shutil.copy(PACKAGE_DIR / "ui.js", root / "ui.js")
    shutil.copy(PACKAGE_DIR / "sw.js", root / "replay" / "sw.js")
    export_wacz(work / "data", root / "archive.wacz")
    (root / "index.html").write_text(EMBED_PAGE.format(url=info["url"], coll=COLL), encoding="utf-8")
    handler = lambda *args, **kwargs: RangeHandler(*args, directory=str(root), **kwargs)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {**info, "work": work, "wacz": root / "archive.wacz", "url_base": f"http://127.0.0.1:{server.server_address[1]}",
               "chromium": chromium}
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def poll(tools: DevTools, expression: str, timeout: float, *, await_promise: bool = False) -> Any:
    """Evaluate ``expression`` in the top page until it is truthy (or ``timeout`` seconds pass)."""
    value = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = tools.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                  "awaitPromise": await_promise})
        value = result.get("result", {}).get("value")
        if value:
            return value
        tools.pump(0.5)
    return value


def screenshot(tools: DevTools, path: Path) -> None:
    path.write_bytes(base64.b64decode(tools.send("Page.captureScreenshot", {"format": "png"})["data"]))


@pytest.fixture(scope="module")
def replayed(site: dict[str, Any]) -> dict[str, Any]:
    """Open the embed page; what the replayed frame and the viewer's verification show."""
    profile = Path(tempfile.mkdtemp(prefix="chromium-", dir=site["work"]))
    with Chromium(site["chromium"], profile) as browser:
        tools = DevTools(browser.page_websocket())
        try:
            tools.send("Page.enable")
            tools.send("Emulation.setDeviceMetricsOverride",
                       {"width": 1280, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
            tools.send("Page.navigate", {"url": site["url_base"] + "/index.html"})
            tools.wait_for("Page.loadEventFired", timeout=60)
            # wait for the article or for the viewer's "not found" page, whichever replays
            ready = (f"(() => {{ const v = {REPLAYED_JS.strip()}; if (!v) return null; const p = JSON.parse(v);"
                     f" return (p.title.includes({json.dumps(STYLED_TITLE)}) && p.script && p.image)"
                     f" || p.text.includes('Not Found') ? v : null; }})()")
            page = poll(tools, ready, 90) or poll(tools, REPLAYED_JS, 1)
            tools.pump(1.0)
            screenshot(tools, site["work"] / "replayed.png")
            verify = poll(tools, VERIFY_JS, 20, await_promise=True)
        finally:
            tools.close()
    return {"page": json.loads(page) if page else None, "verify": json.loads(verify) if verify else None,
            "shot": site["work"] / "replayed.png"}


def test_the_article_replays_by_url_alone_with_its_title(replayed: dict[str, Any], site: dict[str, Any]) -> None:
    page = replayed["page"]
    assert page is not None, f"nothing replayed in the viewer (screenshot: {replayed['shot']})"
    assert "Not Found" not in page["text"], f"the viewer did not find the article: {page}"
    assert STYLED_TITLE in page["title"] and STYLED_TITLE in page["text"], page
    assert site["url"] in page["href"]
    shot = replayed["shot"].read_bytes()
    assert len(shot) > 1000 and shot[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_article_replays_with_its_requisites(replayed: dict[str, Any]) -> None:
    page = replayed["page"]
    assert page is not None and "Not Found" not in page["text"], page
    assert page["background"] == "rgb(1, 2, 3)", page  # the stylesheet's, from the WACZ
    assert page["script"] == "ran" and page["image"] == 1, page


def test_the_viewer_lists_the_article_and_flags_only_files_it_never_hashed(
        replayed: dict[str, Any], site: dict[str, Any]) -> None:
    report = replayed["verify"]
    assert report is not None, "the viewer reported no verification"
    assert report["pages"] == [site["url"]]
    checked = ("pages/pages.jsonl", "indexes/index.idx")  # what it takes expected hashes for
    with zipfile.ZipFile(site["wacz"]) as z:
        package = {r["path"]: r for r in json.loads(z.read("datapackage.json"))["resources"]}
        for path in checked:
            record = next(r for r in report["records"] if r["id"].endswith(path))
            assert record["expected"] == package[path]["hash"], record  # it read our hash ...
            data = z.read(path)
            assert package[path]["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()  # ... which is right
            assert package[path]["bytes"] == len(data)
    invalid = [r["id"] for r in report["records"] if r["matched"] is False and r["id"] != "signature"]
    assert report["verify"]["numInvalid"] == len(invalid)
    assert all(any(i.endswith(path) for path in checked) for i in invalid), invalid  # nothing else is invalid
