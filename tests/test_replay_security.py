"""Replay loads nothing from the live web and sends nobody there (issue 14).

- An archived redirect whose ``Location`` points out of the archive (absolute to another host,
  scheme-relative ``//host``, ``/\\host``, ``\\\\host``, tab tricks, ``javascript:``) is
  rewritten into the archive (``/archive/<ts><mod>/<absolute target>``) or answered "Not
  archived", in ``id_`` mode too; pywb's own redirects are relative paths and never echo the
  request's ``Host`` header.
- A ``Host`` header that does not name the server (another host, another port, junk) is not
  believed: the page pywb writes names the server's own address in every absolute URL; the
  server's own loopback names are kept (wombat needs the page's own origin).
- The search page runs its search off the event loop: a slow search does not hold up a second
  visitor; any query string, valid UTF-8 or not, gives a page, never a traceback.

The data folder is written with our WarcWriter and indexed by ``newsarchive reindex``; the
server runs as the CLI runs it (a subprocess, port 0), and a second one with a search slowed by
a patched (real, blocking) sleep. Unit tests drive :class:`archive.replay.ReplayApp` with a
stand-in for pywb.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import select
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from archive.warc.cdxj import update_index_report
from archive.records import METADATA_RECORD_FORMAT as ARTICLE_RECORD_FORMAT
from archive.replay import ReplayApp
from archive.replay_search import SearchForm, search_page
from archive.replay_pywb import archive_location
from archive.warc import HttpExchange, WarcWriter
from tests.helpers import http_get, run_cli, stop_process
from tests.test_replay import TRAVERSALS, ReplayServer

ROOT = Path(__file__).resolve().parents[1]
SITE = "http://news.example.org"
WHEN = dt.datetime(2024, 3, 13, 8, 0, 0, tzinfo=dt.timezone.utc)
TS = "20240313080000"
ARTICLE = f"{SITE}/2024/03/13/council-budget/"

#: archived redirects: path on SITE -> (Location as archived, where it must lead in the archive;
#: None: "Not archived")
REDIRECTS: dict[str, tuple[str, str | None]] = {
    "/r/absolute": ("http://evil.example/steal?x=1", "http://evil.example/steal?x=1"),
    "/r/https": ("https://evil.example/steal", "https://evil.example/steal"),
    "/r/scheme-relative": ("//evil.example/steal", "http://evil.example/steal"),
    "/r/slash-backslash": ("/\\evil.example/steal", "http://evil.example/steal"),
    "/r/backslashes": ("\\\\evil.example/steal", "http://evil.example/steal"),
    "/r/scheme-backslashes": ("http:\\\\evil.example\\steal", "http://evil.example/steal"),
    "/r/tab": ("/\t/evil.example/steal", "http://evil.example/steal"),
    "/r/spaces": ("  //evil.example/steal", "http://evil.example/steal"),
    "/r/relative": ("/2024/03/13/council-budget/", ARTICLE),
    "/r/javascript": ("javascript:alert(document.domain)", None),
    "/r/data": ("data:text/html,<script>alert(1)</script>", None),
}


#: archived ``Refresh`` headers (browsers follow them as redirects): path on SITE -> (header as
#: archived, the header replay sends with {mod} for the modifier; None: no Refresh header)
REFRESHES: dict[str, tuple[str, str | None]] = {
    "/f/absolute": ("0; url=http://evil.example/steal", "0; url=/archive/" + TS + "{mod}/http://evil.example/steal"),
    "/f/quoted": ("5;URL='//evil.example/steal'", "5; url=/archive/" + TS + "{mod}/http://evil.example/steal"),
    "/f/relative": ("1, url=/2024/03/13/council-budget/", "1; url=/archive/" + TS + "{mod}/" + ARTICLE),
    "/f/javascript": ("0; url=javascript:alert(1)", None),
    "/f/reload": ("30", "30"),
}


def page(title: str, sentence: str) -> bytes:
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"<p>{sentence}</p></article></body></html>").encode()


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("replay-security") / "data"
    with WarcWriter(data / "warc") as writer:
        for path, (location, _) in REDIRECTS.items():
            writer.write_exchange(HttpExchange(
                url=SITE + path, method="GET", request_headers=[], status=302, body=b"",
                response_headers=[(b"Location", location.encode("latin-1"))], fetched_at=WHEN))
        for path, (refresh, _) in REFRESHES.items():
            writer.write_exchange(HttpExchange(
                url=SITE + path, method="GET", request_headers=[], status=200,
                response_headers=[(b"Content-Type", b"text/html"), (b"Refresh", refresh.encode("latin-1"))],
                body=b"<html><body><img src='http://evil.example/pixel.png'>Moved</body></html>", fetched_at=WHEN))
        records = writer.write_exchange(HttpExchange(
            url=ARTICLE, method="GET", request_headers=[(b"User-Agent", b"test")], status=200,
            response_headers=[(b"Content-Type", b"text/html; charset=utf-8")],
            body=page("Council budget", "The council passed the budget."), fetched_at=WHEN))
        writer.write_metadata(records.response, {
            "record": ARTICLE_RECORD_FORMAT, "url": ARTICLE, "canonical_url": ARTICLE,
            "title": "Council budget", "text": "The council passed the budget.",
            "published": WHEN.date().isoformat(), "aliases": []})
    run_cli(data, "reindex", check=True)
    update_index_report(data)
    return data


@pytest.fixture(scope="module")
def server(data: Path):
    with ReplayServer(data) as replay:
        yield replay


def raw_get(port: int, path: str, host: str | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET *path* exactly as given, with ``Host: host`` (default: the server's address)."""
    return http_get(port, path, headers, host)


def assert_stays_in_archive(location: str, port: int) -> None:
    """A browser at our server, given this Location, goes to a path of ours under /archive/."""
    assert location.startswith("/archive/") and not location.startswith("//"), location
    assert "\\" not in location and not re.search(r"[\x00-\x20\x7f]", location), location
    target = urllib.parse.urlsplit(urllib.parse.urljoin(f"http://127.0.0.1:{port}/archive/x", location))
    assert target.netloc == f"127.0.0.1:{port}" and target.path.startswith("/archive/"), location


# -- archived redirects, every mode ------------------------------------------------------


@pytest.mark.parametrize("path", sorted(REDIRECTS))
def test_id_mode_redirect_stays_in_the_archive(server: ReplayServer, path: str) -> None:
    """pywb passes id_ headers through unchanged; ours never lets an outside Location out."""
    status, headers, body = raw_get(server.port, f"/archive/{TS}id_/{SITE}{path}")
    expected = REDIRECTS[path][1]
    if expected is None:
        assert status == 404 and b"Not archived" in body and "location" not in headers
        return
    assert status == 302, (path, status, body[:300])
    assert headers["location"] == f"/archive/{TS}id_/{expected}"
    assert_stays_in_archive(headers["location"], server.port)


@pytest.mark.parametrize("mod", ["mp_", "if_", "im_", "js_"])
@pytest.mark.parametrize("path", sorted(REDIRECTS))
def test_rewritten_modes_redirect_into_the_archive(server: ReplayServer, path: str, mod: str) -> None:
    status, headers, body = raw_get(server.port, f"/archive/{TS}{mod}/{SITE}{path}")
    assert b"Traceback" not in body
    if REDIRECTS[path][1] is None:
        assert status == 404 and "location" not in headers
        return
    assert status == 302, (path, status, body[:300])
    location = headers["location"]
    assert_stays_in_archive(location, server.port)
    assert location.startswith(f"/archive/{TS}{mod}/")
    if path in ("/r/absolute", "/r/https", "/r/scheme-relative", "/r/relative"):
        # pywb rewrote these; the backslash and tab spellings it may read otherwise than a
        # browser would, but what it makes of them stays in the archive all the same
        assert urllib.parse.unquote(location).endswith(REDIRECTS[path][1].split("//", 1)[1])


@pytest.mark.parametrize("mod", ["id_", "mp_"])
@pytest.mark.parametrize("path", sorted(REFRESHES))
def test_an_archived_refresh_header_stays_in_the_archive(server: ReplayServer, path: str, mod: str) -> None:
    """pywb passes an archived ``Refresh`` header through unchanged, in mp_ mode too; a
    browser follows it like a redirect."""
    status, headers, _ = raw_get(server.port, f"/archive/{TS}{mod}/{SITE}{path}")
    assert status == 200
    expected = REFRESHES[path][1]
    if expected is None:
        assert "refresh" not in headers
        return
    assert headers["refresh"] == expected.format(mod=mod)
    if "url=" in expected:
        assert_stays_in_archive(headers["refresh"].split("url=", 1)[1], server.port)


def test_id_mode_pages_may_load_nothing_from_elsewhere(server: ReplayServer) -> None:
    """id_ sends the archived bytes as they are: their absolute URLs (an <img> on another
    host) must not reach the live web, so the answer carries the CSP pywb gives mp_ pages."""
    _, mp_headers, _ = raw_get(server.port, f"/archive/{TS}mp_/{SITE}/f/reload")
    for target in (f"{SITE}/f/reload", ARTICLE):
        status, headers, body = raw_get(server.port, f"/archive/{TS}id_/{target}")
        assert status == 200 and b"<" in body
        policy = headers.get("content-security-policy", "")
        assert policy == mp_headers["content-security-policy"], policy
        sources = policy.split("default-src", 1)[1].split(";", 1)[0].split()
        assert "'self'" in sources and not [s for s in sources if "." in s or s in ("*", "http:", "https:")]


def test_the_rewritten_target_is_looked_up_in_the_archive_not_fetched(server: ReplayServer) -> None:
    status, headers, _ = raw_get(server.port, f"/archive/{TS}id_/{SITE}/r/absolute")
    status, headers, body = raw_get(server.port, headers["location"])
    assert status == 404 and body.startswith(b"Not archived")  # id_: the small 404, no fetch
    status, headers, _ = raw_get(server.port, f"/archive/{TS}id_/{SITE}/r/relative")
    status, _, body = raw_get(server.port, headers["location"])
    assert status == 200 and b"The council passed the budget." in body


@pytest.mark.parametrize("host", ["attacker.invalid", "attacker.invalid:8080", "127.0.0.1:1"])
def test_redirects_never_echo_the_host_header(server: ReplayServer, host: str) -> None:
    # pywb's redirects to the exact capture, an mp_ rewrite, and id_ archived redirects
    for path in (f"/archive/2024mp_/{ARTICLE}", f"/archive/2024id_/{ARTICLE}", f"/archive/{ARTICLE}",
                 f"/archive/mp_/{ARTICLE}", f"/archive/20240313080001mp_/{ARTICLE}",
                 f"/archive/{TS}mp_/{SITE}/r/absolute", f"/archive/{TS}mp_/{SITE}/r/relative",
                 f"/archive/{TS}id_/{SITE}/r/scheme-relative", f"/archive/{TS}id_/{SITE}/r/absolute"):
        status, headers, _ = raw_get(server.port, path, host=host)
        assert status in (301, 302, 307), (path, status)
        location = headers["location"]
        assert host not in location and host.split(":")[0] not in location, (path, location)
        assert_stays_in_archive(location, server.port)
        # pywb's Memento Link header names its URLs on our server as paths too
        assert host.split(":")[0] not in headers.get("link", ""), (path, headers.get("link"))


def test_exact_capture_redirects_are_relative(server: ReplayServer) -> None:
    status, headers, _ = raw_get(server.port, f"/archive/2024mp_/{ARTICLE}")
    assert status == 307 and headers["location"] == f"/archive/{TS}mp_/{ARTICLE}"
    status, headers, _ = raw_get(server.port, f"/archive/{ARTICLE}")
    assert status == 307 and headers["location"] == f"/archive/{TS}/{ARTICLE}"
    assert f"</archive/{TS}mp_/{ARTICLE}>; rel=\"memento\"" in headers["link"]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_paths_outside_the_archive_still_read_nothing(server: ReplayServer, path: str) -> None:
    """test_replay's traversal paths, through the Location guard: every redirect they get
    stays on our server (ReplayServer.get asserts it while following), none is a traceback."""
    status, _, body = server.get(path, follow=3)
    assert b"root:x:0:0" not in body and b"SQLite format 3" not in body, path
    assert status in (200, 400, 404, 405) and b"Traceback" not in body


# -- the Host header: pywb builds the page's absolute URLs on it -------------------------


FORGED_HOSTS = ["attacker.invalid", "attacker.invalid:{port}", "127.0.0.1:1", "127.0.0.1:{port}@evil.example",
                "evil.example:{port}"]


@pytest.mark.parametrize("forged", FORGED_HOSTS)
def test_a_forged_host_header_makes_no_page_load_from_that_host(server: ReplayServer, forged: str) -> None:
    """pywb writes wombat's prefix, its scripts and the banner's frame on the request's Host:
    one that does not name our server is not believed, the server's own address is used."""
    host = forged.format(port=server.port)
    own = f"http://127.0.0.1:{server.port}/"
    for path in (f"/archive/{TS}mp_/{ARTICLE}", f"/archive/{TS}/{ARTICLE}", f"/archive/*/{ARTICLE}"):
        status, headers, body = raw_get(server.port, path, host=host)
        assert status == 200, (path, status)
        text = body.decode("utf-8", "replace")
        assert "attacker" not in text and "evil.example" not in text and "127.0.0.1:1/" not in text, path
        urls = set(re.findall(r"https?://[^\s\"'<>/]+/", text)) - {SITE + "/"}
        assert urls == {own}, (path, urls)
        assert "attacker" not in headers.get("link", "") and "evil" not in headers.get("link", "")


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LocalHost"])
def test_the_servers_own_loopback_names_are_kept(server: ReplayServer, name: str) -> None:
    """wombat needs the page's own origin: a browser at localhost:PORT gets localhost URLs."""
    host = f"{name}:{server.port}"
    status, _, body = raw_get(server.port, f"/archive/{TS}mp_/{ARTICLE}", host=host)
    assert status == 200 and f'decodeURI("http://{host}/archive/")'.encode() in body


@pytest.mark.parametrize(("header", "local", "expected"), [
    ("127.0.0.1:8080", ("127.0.0.1", 8080), "127.0.0.1:8080"),
    ("localhost:8080", ("127.0.0.1", 8080), "localhost:8080"),
    ("127.3.4.5:8080", ("127.0.0.1", 8080), "127.3.4.5:8080"),
    ("[::1]:8080", ("127.0.0.1", 8080), "[::1]:8080"),
    ("attacker.invalid:8080", ("127.0.0.1", 8080), "127.0.0.1:8080"),
    ("attacker.invalid", ("127.0.0.1", 8080), "127.0.0.1:8080"),
    ("127.0.0.1:1", ("127.0.0.1", 8080), "127.0.0.1:8080"),
    ("127.0.0.1:8080@evil.example", ("127.0.0.1", 8080), "127.0.0.1:8080"),
    ("127.0.0.1:8080/evil", ("127.0.0.1", 8080), "127.0.0.1:8080"),
    ("", ("127.0.0.1", 8080), "127.0.0.1:8080"),
    ("127.0.0.1", ("127.0.0.1", 80), "127.0.0.1"),
    ("[::1]:8080", ("::1", 8080), "[::1]:8080"),
    ("evil.example:8080", ("::1", 8080), "[::1]:8080"),
    # a server bound to 0.0.0.0: the address the connection came in on
    ("192.0.2.5:8080", ("192.0.2.5", 8080), "192.0.2.5:8080"),
    ("198.51.100.7:8080", ("192.0.2.5", 8080), "192.0.2.5:8080"),
    ("evil.example:8080", ("192.0.2.5", 8080), "192.0.2.5:8080"),
])
def test_trusted_host(header: str, local: tuple[str, int], expected: str) -> None:
    from archive.replay_pywb import trusted_host

    assert trusted_host(header, local) == expected


def test_trusted_host_keeps_this_machines_own_name() -> None:
    import socket

    from archive.replay_pywb import trusted_host

    name = socket.gethostname()
    assert trusted_host(f"{name}:8080", ("192.0.2.5", 8080)) == f"{name}:8080"


# -- Location rules, without a server -----------------------------------------------------


def env(path: str, host: str = "127.0.0.1:8080", query: str = "") -> dict[str, Any]:
    return {"PATH_INFO": path, "HTTP_HOST": host, "QUERY_STRING": query, "wsgi.url_scheme": "http",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8080", "REQUEST_METHOD": "GET", "SCRIPT_NAME": ""}


@pytest.mark.parametrize(("location", "expected"), [
    ("http://evil.example/a", "/archive/20240101000000id_/http://evil.example/a"),
    ("HTTP://EVIL.example/a", "/archive/20240101000000id_/http://EVIL.example/a"),
    ("//evil.example/a", "/archive/20240101000000id_/http://evil.example/a"),
    ("/\\evil.example/a", "/archive/20240101000000id_/http://evil.example/a"),
    ("\\\\evil.example/a", "/archive/20240101000000id_/http://evil.example/a"),
    ("\\/evil.example/a", "/archive/20240101000000id_/http://evil.example/a"),
    ("/\r\n/evil.example/a", "/archive/20240101000000id_/http://evil.example/a"),
    ("\x00\x1f //evil.example/a", "/archive/20240101000000id_/http://evil.example/a"),
    ("https://evil.example:444/a b", "/archive/20240101000000id_/https://evil.example:444/a%20b"),
    ("b", "/archive/20240101000000id_/http://site.example/a/b"),
    ("../up?q=1", "/archive/20240101000000id_/http://site.example/up?q=1"),
    ("http://127.0.0.1:8080/archive/20240101000000/http://site.example/",
     "/archive/20240101000000/http://site.example/"),
    ("/archive/20240101000000mp_/http://site.example/", "/archive/20240101000000mp_/http://site.example/"),
    ("javascript:alert(1)", None),
    ("java\tscript:alert(1)", None),
    ("data:text/html,x", None),
    ("file:///etc/passwd", None),
    ("ftp://evil.example/", None),
    ("http://[::1/", None),
])
def test_archive_location(location: str, expected: str | None) -> None:
    assert archive_location(env("/archive/20240101000000id_/http://site.example/a/"), location) == expected


def test_archive_location_keeps_the_query_of_the_capture_as_base() -> None:
    environ = env("/archive/20240101000000mp_/http://site.example/list", query="page=2")
    assert archive_location(environ, "?page=3") == "/archive/20240101000000mp_/http://site.example/list?page=3"


def test_a_location_outside_a_capture_path_is_refused() -> None:
    assert archive_location(env("/archive/cdx"), "http://evil.example/") is None
    assert archive_location(env("/static/x.js"), "//evil.example/") is None
    # pywb's own URL on the Host it was given: always a relative path, whatever the Host
    assert archive_location(env("/archive/cdx", host="attacker.invalid"),
                            "http://attacker.invalid/archive/20240101000000/http://a.example/") \
        == "/archive/20240101000000/http://a.example/"


def fake_pywb(status: str, location: str) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        environ["SCRIPT_NAME"], environ["PATH_INFO"] = "/archive", environ["PATH_INFO"][len("/archive"):]
        start_response(status, [("Location", location), ("Content-Length", "0")])
        return [b""]
    return app


def call(app: ReplayApp, environ: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
    got: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        got.update(status=status, headers={k.lower(): v for k, v in headers})

    body = b"".join(app(environ, start_response))
    return got["status"], got["headers"], body


def test_replay_app_rewrites_any_location_pywb_answers(tmp_path: Path) -> None:
    app = ReplayApp(tmp_path, fake_pywb("301 Moved Permanently", "//evil.example/x"))
    status, headers, _ = call(app, env("/archive/20240101000000id_/http://site.example/"))
    assert status.startswith("301") and headers["location"] == "/archive/20240101000000id_/http://evil.example/x"
    app = ReplayApp(tmp_path, fake_pywb("302 Found", "javascript:alert(1)"))
    status, headers, body = call(app, env("/archive/20240101000000/http://site.example/"))
    assert status.startswith("404") and "location" not in headers and b"Not archived" in body
    status, headers, body = call(app, env("/archive/20240101000000im_/http://site.example/"))
    assert status.startswith("404") and body == b"Not archived\n"  # an embed: the small 404


# -- the search page ----------------------------------------------------------------------


SLOW_SERVER = """
import sys
from gevent import monkey
monkey.patch_all()
import archive.index
blocking_sleep = monkey.get_original("time", "sleep")
search = archive.index.Index.search
def slow_search(self, query, **options):
    if query == "slowsearch":
        blocking_sleep(4)  # a real, blocking sleep: it would stall the whole event loop
    return search(self, query, **options)
archive.index.Index.search = slow_search
from archive.replay import main
sys.exit(main(sys.argv[1:]))
"""


class Server:
    """``python -c SCRIPT --data DATA --port 0`` (a replay server), its port from the banner."""

    def __init__(self, data: Path, script: str, env: dict[str, str] | None = None) -> None:
        self.data, self.script, self.env = data, script, env or {}

    def __enter__(self) -> Server:
        log = open(self.data.parent / "slow-server.log", "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-c", self.script, "--data", str(self.data), "--port", "0"],
            cwd=ROOT, env=dict(os.environ, PYTHONUNBUFFERED="1", **self.env),
            stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        line, deadline = b"", time.monotonic() + 60
        assert self.process.stdout is not None
        while not line.endswith(b"\n") and time.monotonic() < deadline:
            if select.select([self.process.stdout], [], [], 1)[0]:
                chunk = os.read(self.process.stdout.fileno(), 1)
                if not chunk:
                    break
                line += chunk
        match = re.search(rb"http://127\.0\.0\.1:(\d+)/", line)
        if not match:
            self.__exit__()
            raise RuntimeError(f"server did not start: {line!r}")
        self.port = int(match.group(1))
        return self

    def __exit__(self, *exc: object) -> None:
        stop_process(self.process)


def test_a_slow_search_does_not_hold_up_other_visitors(data: Path) -> None:
    with Server(data, SLOW_SERVER) as server:
        assert raw_get(server.port, "/")[0] == 200  # warm: templates, the index
        slow: dict[str, Any] = {}

        def slow_request() -> None:
            slow["status"], _, slow["body"] = raw_get(server.port, "/search?q=slowsearch")
            slow["done"] = time.monotonic()

        started = time.monotonic()
        thread = threading.Thread(target=slow_request)
        thread.start()
        time.sleep(0.5)  # the slow search is running now
        status, _, body = raw_get(server.port, "/?q=council")
        answered = time.monotonic()
        thread.join(30)
        assert status == 200 and b"Council budget" in body
        assert answered - started < 2.5, answered - started  # not after the 4 s search
        assert "done" not in slow or slow["done"] > answered
        assert slow["status"] == 200 and slow["done"] - started >= 4


def test_the_time_limit_stops_a_search_page_with_one_line(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import archive.index

    def slow_fetch(index: Any, sql: str, params: Any, time_limit: float | None) -> Any:
        time.sleep((time_limit or 0) + 0.05)  # longer than the limit, as a slow query would be
        raise archive.index.SearchTimeout(time_limit or 0)

    monkeypatch.setattr(archive.index.Index, "_fetch_bounded", slow_fetch)
    context, status = search_page(data, SearchForm(q="council"), time_limit=0.2)
    assert status == 503
    assert context["error"] == "the search took longer than 0.2 s and was stopped; narrow it"
    app = ReplayApp(data, fake_pywb("200 OK", "/"), search_time_limit=0.2)
    status, headers, body = call(app, env("/search", query="q=council"))
    assert status.startswith("503") and b"the search took longer than 0.2 s and was stopped; narrow it" in body


def test_a_bad_time_limit_variable_is_one_line(data: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "archive.replay", "--data", str(data), "--port", "0"],
                            cwd=ROOT, env=dict(os.environ, NEWSARCHIVE_SEARCH_TIME_LIMIT="soon"),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: $NEWSARCHIVE_SEARCH_TIME_LIMIT must be a number of seconds (0 for none), got 'soon'"]


@pytest.mark.parametrize("query_string", [
    "q=%ED%A0%80",  # a UTF-8-encoded lone surrogate
    "q=%FF%FE%C3",  # not UTF-8
    "q=caf\xc3\xa9",  # raw UTF-8 bytes, as WSGI passes them (latin-1)
    "q=\udcff",
    "q=a%00b&author=%00&since=%00",
    "q=" + "a+" * 50_000,
    "q=" + "%22" * 1000,
    "q=" + "+".join(f"w{i}" for i in range(100)),
    "q=" + "x" * 100_000,
    "author=%ED%B2%80&since=2024-01-01&until=%E2%80%AE",
    "page=9" * 1000,
])
def test_any_query_string_gives_a_page(data: Path, query_string: str) -> None:
    app = ReplayApp(data, fake_pywb("200 OK", "/"))
    status, headers, body = call(app, env("/search", query=query_string))
    assert status[:3] in ("200", "400"), (status, body[:500])
    assert headers["content-type"].startswith("text/html") and b"Traceback" not in body
    text = body.decode("utf-8")  # valid UTF-8 out, whatever came in
    if status.startswith("400"):
        assert re.search(r'<p class="error" role="alert">[^\n<]+</p>', text)
