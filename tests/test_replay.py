"""newsarchive replay: pywb over an archive crawled from our mock site, with the search page.

The shared crawl of the mock site (conftest's ``mock_crawl``), copied: the site is stopped
once it is done, so anything that replay fetched live would fail. The replay server runs as the CLI runs it, in a subprocess
(pywb's gevent monkey-patching stays out of the test process).
"""
from __future__ import annotations

import html
import http.client
import json
import os
import re
import select
import shutil
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from archive.index import Index
from archive.warc import read_record
from tests.helpers import copy_data_folder, run_cli, stop_process

ROOT = Path(__file__).resolve().parents[1]
SECRET = "newsarchive-secret-7f3a9c"


def cli(data: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = run_cli(data, *args)
    if check and result.returncode:
        raise subprocess.CalledProcessError(result.returncode, result.args, result.stdout, result.stderr)
    return result


def copy_of_mock_crawl(mock_crawl: dict[str, Any], work: Path) -> dict[str, Any]:
    """The shared crawl of the mock site (its site stopped), its data folder copied to
    ``work/data``: replay writes its collection there."""
    return {"data": copy_data_folder(mock_crawl["data"], work), "expected": mock_crawl["expected"],
            "origin": mock_crawl["url"]}


class ReplayServer:
    """``newsarchive --data DATA replay --port 0`` in a subprocess."""

    def __init__(self, data: Path, *extra: str) -> None:
        self.data = data
        self.extra = extra
        self.process: subprocess.Popen[bytes] | None = None
        self.banner = ""
        self.port = 0

    def __enter__(self) -> ReplayServer:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        # the access log goes to a file: an unread pipe would fill up and stall the server
        self.log_path = self.data.parent / "replay-stderr.log"
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "archive", "--data", str(self.data), "replay", "--port", "0", *self.extra],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=self._log, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        line = b""
        assert self.process.stdout is not None
        while not line.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 1)
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 1)
                if not chunk:
                    break
                line += chunk
        self.banner = line.decode()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", self.banner)
        if not match:
            self.__exit__()
            err = self.log_path.read_text(errors="replace")
            raise RuntimeError(f"replay did not start: {self.banner!r} {err[-2000:]}")
        self.port = int(match.group(1))
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str, follow: int = 0) -> tuple[int, dict[str, str], bytes]:
        """GET ``path`` sent exactly as given (no client-side normalisation of ``..``)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.putrequest("GET", path, skip_accept_encoding=True)
            conn.endheaders()
            resp = conn.getresponse()
            body = resp.read()
            headers = {k.lower(): v for k, v in resp.getheaders()}
        finally:
            conn.close()
        if follow and resp.status in (301, 302, 303, 307, 308) and "location" in headers:
            target = urllib.parse.urlsplit(urllib.parse.urljoin(self.url + path, headers["location"]))
            assert target.netloc == f"127.0.0.1:{self.port}", headers["location"]
            return self.get(target.path + (f"?{target.query}" if target.query else ""), follow - 1)
        return resp.status, headers, body

    def __exit__(self, *exc: object) -> None:
        proc, self.process = self.process, None
        stop_process(proc)
        self._log.close()


def page_text(headers: dict[str, str], body: bytes) -> str:
    """The body as text (its declared charset; the mock site has a windows-1252 page), unescaped."""
    match = re.search(r"charset=([\w-]+)", headers.get("content-type", ""))
    try:
        text = body.decode(match.group(1) if match else "utf-8")
    except (LookupError, UnicodeDecodeError):
        text = body.decode("cp1252", "replace")
    return html.unescape(text)


def replay_links(body: bytes) -> set[str]:
    return {html.unescape(link) for link in
            re.findall(r'href="(/archive/\d{14}/[^"]+)" class="replay"', body.decode())}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, mock_crawl: dict[str, Any]):
    work = tmp_path_factory.mktemp("replay")
    crawled = copy_of_mock_crawl(mock_crawl, work)
    (work / "secret.txt").write_text(SECRET)  # beside the data folder: must never be served
    (crawled["data"] / "secret.txt").write_text(SECRET)
    with ReplayServer(crawled["data"]) as server:
        with Index(crawled["data"] / "archive.db", readonly=True) as index:
            hits = index.search("", limit=1000)
        yield {**crawled, "server": server, "hits": hits}


def test_announces_a_loopback_url(archive) -> None:
    server = archive["server"]
    assert server.banner.strip() == (f"Serving the archive on http://127.0.0.1:{server.port}/ "
                                     "(loopback only; use --host 0.0.0.0 to share it)")


def test_collection_is_generated_over_the_warc_folder(archive) -> None:
    data = archive["data"]
    config = (data / "replay" / "config.yaml").read_text()
    assert "archive:" in config and str((data / "warc").resolve()) in config
    assert "live" not in config and "proxy" not in config and "recorder" not in config
    lines = (data / "indexes" / "index.cdxj").read_text().splitlines()
    assert lines == sorted(lines)
    assert len(lines) >= len(archive["expected"])


def test_every_hit_replays_its_exact_capture(archive) -> None:
    server, hits = archive["server"], archive["hits"]
    assert len(hits) == len(archive["expected"])
    for hit in hits:
        assert re.fullmatch(r"/archive/\d{14}/" + re.escape(hit.url), hit.replay_url)
        ts = hit.replay_url.split("/")[2]
        status, _, body = server.get(hit.replay_url)
        assert status == 200, hit.replay_url
        assert ts.encode() in body  # pywb's frame, with the banner, shows this capture
        status, headers, body = server.get(f"/archive/{ts}mp_/{hit.url}")
        assert status == 200
        assert hit.title in page_text(headers, body)
        assert headers.get("memento-datetime")


def test_original_bytes_replay_unchanged(archive) -> None:
    """id_ mode gives the archived payload itself (content-decoded), not a rewrite."""
    server = archive["server"]
    for hit in archive["hits"][:3]:
        ts = hit.replay_url.split("/")[2]
        status, _, body = server.get(f"/archive/{ts}id_/{hit.url}")
        assert status == 200
        record = read_record(archive["data"] / "warc" / hit.warc_filename, hit.warc_offset)
        assert body == record.payload


def test_search_page_links_each_hit_to_its_capture(archive) -> None:
    server, hits = archive["server"], archive["hits"]
    status, headers, body = server.get("/")
    page = body.decode()
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert 'name="q"' in page and 'name="author"' in page and 'name="since"' in page
    hit = hits[0]
    word = max(re.findall(r"[A-Za-z]{5,}", hit.title), key=len)
    status, _, body = server.get("/search?q=" + urllib.parse.quote(word))
    page = body.decode()
    assert status == 200
    assert f'href="{hit.replay_url}"' in page.replace("&amp;", "&")
    assert hit.published[:10] in page
    assert "<mark>" in page  # the snippet highlights the match


def test_search_filters_by_author_and_date(archive) -> None:
    server, hits = archive["server"], archive["hits"]
    author = next(h.authors[0] for h in hits if h.authors)
    want = {h.replay_url for h in hits if author.lower() in [a.lower() for a in h.authors]}
    status, _, body = server.get("/search?author=" + urllib.parse.quote(author.upper()))
    links = replay_links(body)
    assert status == 200 and links and links <= want
    surname = author.split()[-1].lower()  # part of a name matches too
    status, _, body = server.get("/search?author=" + urllib.parse.quote(surname))
    assert status == 200 and replay_links(body)
    day = hits[0].published[:10]
    status, _, body = server.get(f"/search?since={day}&until={day}")
    links = replay_links(body)
    assert links == {h.replay_url for h in hits if (h.published or "")[:10] == day}
    status, _, body = server.get("/search?since=yesterday")
    assert status == 400 and b"yesterday" in body and b"Traceback" not in body


def test_a_missing_capture_is_a_not_archived_page(archive) -> None:
    server = archive["server"]
    for path in ("/archive/20240301000000/http://example.com/never-archived/",
                 f"/archive/20240301000000mp_/{archive['origin']}/no-such-article/"):
        status, _, body = server.get(path)
        assert status == 404, path
        assert b"Not archived" in body and b"Traceback" not in body


TRAVERSALS = [
    "/static/../../../../../../etc/passwd",
    "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/%2E%2E%2F%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "/static/..%2f..%2f..%2f..%2f..%2fetc/passwd",
    "/static/%252e%252e/%252e%252e/etc/passwd",
    "/static//etc/passwd",
    "/static/_/archive/../../../../../etc/passwd",
    "/static/_/..%2f..%2f/secret.txt",
    "/static/..%5c..%5c..%5cetc%5cpasswd",
    "/static/wb_frame.js%00/../../../../etc/passwd",
    "/../secret.txt",
    "/%2e%2e/secret.txt",
    "/secret.txt",
    "/etc/passwd",
    "//etc/passwd",
    "/archive/../secret.txt",
    "/archive/%2e%2e/secret.txt",
    "/archive/20240101000000/file:///etc/passwd",
    "/archive/20240101000000id_/file:///etc/passwd",
    "/archive/20240101000000id_//etc/passwd",
    "/archive/20240101000000id_/../../secret.txt",
    "/archive/cdx?url=file:///etc/passwd",
    "/archive/cdx?url=/etc/passwd&output=json",
    "/archive/timemap/link/file:///etc/passwd",
    "/search?q=../../../etc/passwd",
    "/archive/20240101000000id_/http://127.0.0.1/../../../../etc/passwd",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_path_reads_outside_the_archive(archive, path: str) -> None:
    status, _, body = archive["server"].get(path, follow=3)
    assert b"root:x:0:0" not in body and SECRET.encode() not in body, path
    assert status in (200, 400, 404, 405) and b"Traceback" not in body


def test_absolute_warc_paths_in_parameters_are_not_served(archive) -> None:
    """A parameter naming a WARC file or the database by path reads nothing."""
    server, data = archive["server"], archive["data"]
    db = str((data / "archive.db").resolve())
    for path in (f"/archive/20240101000000id_/file://{db}", f"/archive/cdx?url={db}",
                 f"/static/{db}", f"/static/_/archive/{db}"):
        status, _, body = server.get(path, follow=3)
        assert b"SQLite format 3" not in body, path


def test_search_json_gives_replay_urls_that_replay(archive) -> None:
    result = cli(archive["data"], "search", "", "--json")
    hits = json.loads(result.stdout)["hits"]
    assert hits and all(re.fullmatch(r"/archive/\d{14}/\S+", h["replay_url"]) for h in hits)
    status, _, _ = archive["server"].get(hits[0]["replay_url"])
    assert status == 200


def test_search_page_lists_the_other_versions(archive, tmp_path: Path) -> None:
    """An article with two versions links to both captures (rendered in-process on a copy)."""
    from archive.replay_search import SearchForm, search_page

    data = tmp_path / "data"
    shutil.copytree(archive["data"], data, ignore=shutil.ignore_patterns("warc", "indexes", "replay"))
    hit = archive["hits"][0]
    with Index(data / "archive.db") as index:
        index.db.execute(
            "INSERT INTO article_versions (article_id, version, fetched_at, title, authors, changed)"
            " VALUES (?, 2, '2024-04-01T09:30:00.000000Z', ?, '[]', '[\"text\"]')", [hit.id, hit.title])
        index.db.conn.commit()
    context, status = search_page(data, SearchForm(q=hit.title))
    assert status == 200
    view = next(v for v in context["hits"] if v.url == hit.url)
    links = [v.replay_url for v in view.versions]
    assert hit.replay_url in links and f"/archive/20240401093000/{hit.url}" in links
    assert [v.current for v in view.versions].count(True) == 1


def test_replay_without_an_archive_says_how_to_make_one(tmp_path: Path) -> None:
    result = cli(tmp_path / "nothing", "replay", "--port", "0", check=False)
    assert result.returncode == 1
    assert "no archive" in result.stderr and "crawl" in result.stderr
