"""What a response record holds of the response's framing (cases B02, B03; issue 14 item 7).

Twisted hands Scrapy neither ``Transfer-Encoding`` nor ``Content-Length`` and re-capitalises
header names (``ETag`` as ``Etag``); crawler.download keeps the head as sent. Two crawls:

* the mock site (a subprocess) on one day, whose chunked article (gzip, ``ETag``,
  ``X-Custom-Header``) and fixed-length pages are compared with the head the site sends;
* a server of exact wire bytes: B03's (chunked + gzip + two ``Set-Cookie`` lines +
  ``Connection: close``), whose record must be B03's normalised form, and two bodies cut
  short (a Content-Length not met, a chunked body without its last chunk).

Then ``warc check``, ``warcio check``, warcio's reader, replay in ``mp_`` and ``id_`` mode,
and extraction are checked against them.
"""
from __future__ import annotations

import gzip
import html
import socket
import socketserver
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.extract import extract
from archive.index import Index
from archive.replay_search import capture_timestamp
from archive.urls import match_key
from archive.warc import iter_records, sha1_digest
from crawler.download import parse_head, parse_request_head
from tests.helpers import crawl_mock_site, run_cli
from tests.mocksite import BY_SLUG, MockSite
from tests.test_replay import ReplayServer

ROOT = Path(__file__).resolve().parents[1]
CASES = Path(__file__).parent / "cases"
DAY = "2024-03-05"
CHUNKED = "state-senate-passes-bill-capping-insulin-copays"  # the mock site's chunked article
#: B03.txt: the payload digest of the de-chunked, still gzip, 75-byte entity
B03_DIGEST = "sha1:2VDYJHF6V3KZEBJCSEVSTFSVPWW756W6"


def raw_head(url: str, path: str) -> list[tuple[str, str]]:
    """The header lines a server sends for ``GET path`` (with ``Accept-Encoding: gzip``, as
    the crawler asks), read off the socket: ``[(name, value), ...]`` in order and case."""
    host, port = url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept-Encoding: gzip\r\n"
                     "Connection: close\r\n\r\n".encode())
        raw = b""
        while b"\r\n\r\n" not in raw and (chunk := sock.recv(65536)):
            raw += chunk
    lines = raw.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")[1:]
    return [(name, value.strip()) for name, _, value in (line.partition(":") for line in lines)]


def responses(data: Path) -> dict[str, tuple[Path, int, object]]:
    """Every response record of ``data``: its path (a match key) -> (file, offset, record)."""
    out = {}
    for path in sorted((data / "warc").glob("*.warc.gz")):
        for offset, _, record in iter_records(path):
            if record.rec_type == "response":
                out[match_key(record.warc_headers["WARC-Target-URI"])] = (path, offset, record)
    return out


#: robots.txt of the wire server: it names a sitemap, and is cut short on the wire
ROBOTS = "User-agent: *\nAllow: /\nSitemap: {origin}/sitemap.xml\nSitemap: {origin}/hinted.xml\n"
ROBOTS_MISSING = 40  # bytes its Content-Length promises and the server never sends
SITEMAP_PART = b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
HINTED = b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>\n'
#: a 103 Early Hints before the final response (RFC 8297), as CDNs send them
HINTS = b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"


class _WireHandler(socketserver.BaseRequestHandler):
    """Exact bytes, then the connection closes: ``/`` is B03.response.bin verbatim,
    ``/robots.txt`` stops 40 bytes short of its Content-Length, ``/sitemap.xml`` is one
    chunk with no last chunk, ``/hinted.xml`` a 200 after a 103, anything else a bodiless 404."""

    def handle(self) -> None:
        data = b""
        while b"\r\n\r\n" not in data and (chunk := self.request.recv(65536)):
            data += chunk
        path = data.split(b" ", 2)[1] if data.count(b" ") >= 2 else b""
        self.server.received.setdefault(path, data)  # type: ignore[attr-defined]
        if path == b"/":
            self.request.sendall((CASES / "B03.response.bin").read_bytes())
        elif path == b"/robots.txt":
            host = self.server.server_address
            body = ROBOTS.format(origin=f"http://{host[0]}:{host[1]}").encode()
            self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s"
                                 % (len(body) + ROBOTS_MISSING, body))
        elif path == b"/hinted.xml":
            self.request.sendall(HINTS + b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: %d"
                                 b"\r\n\r\n%s" % (len(HINTED), HINTED))
        elif path == b"/sitemap.xml":
            self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nTransfer-Encoding: chunked"
                                 b"\r\n\r\n%x\r\n%s\r\n" % (len(SITEMAP_PART), SITEMAP_PART))
        else:
            self.request.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("framing")
    data = work / "data"
    with MockSite(log_path=work / "requests.jsonl") as site:
        crawl_mock_site(site.url, data, DAY, DAY)
        heads = {path: raw_head(site.url, path) for path in (f"/{CHUNKED}/", "/robots.txt", "/")}
        origin = site.url
        log = site.requests()
    b03_data = work / "b03"
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _WireHandler)
    server.daemon_threads = True
    server.received = {}  # type: ignore[attr-defined]  # path -> the first request's bytes
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        b03_url = f"http://127.0.0.1:{server.server_address[1]}"
        run_cli(b03_data, "crawl", b03_url + "/", "--requisites", "none", "-s", "DOWNLOAD_DELAY=0.01",
                "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_ENABLED=False", check=True)
    finally:
        server.shutdown()
        server.server_close()
    yield {"data": data, "origin": origin, "heads": heads, "log": log, "b03": b03_data, "b03_url": b03_url,
           "received": server.received}


def test_the_mock_site_sent_its_article_chunked(crawled) -> None:
    served = [e for e in crawled["log"] if e["path"] == f"/{CHUNKED}/" and e["status"] == 200]
    assert served and served[0]["chunked"] and served[0]["gzip"]


def test_chunked_response_keeps_the_head_as_sent(crawled) -> None:
    """Header names in the server's case and order; Transfer-Encoding renamed, not dropped;
    Content-Length the stored length; the body still gzip."""
    _, _, record = responses(crawled["data"])[match_key(f"{crawled['origin']}/{CHUNKED}/")]
    sent = crawled["heads"][f"/{CHUNKED}/"]
    assert ("Transfer-Encoding", "chunked") in sent and "Content-Length" not in dict(sent)
    want = [("X-Archive-Orig-Transfer-Encoding" if name == "Transfer-Encoding" else name) for name, _ in sent]
    assert [name for name, _ in record.http_headers] == want + ["Content-Length"]
    stored = dict(record.http_headers)
    assert stored["ETag"] == dict(sent)["ETag"] and "Etag" not in stored
    assert stored["X-Custom-Header"] == "kept as sent"
    assert stored["X-Archive-Orig-Transfer-Encoding"] == "chunked"
    assert "Transfer-Encoding" not in stored and "X-Archive-Orig-Content-Length" not in stored
    assert int(stored["Content-Length"]) == len(record.raw_payload)
    assert stored["Content-Encoding"] == "gzip" and record.raw_payload[:2] == b"\x1f\x8b"
    assert record.warc_headers["WARC-Payload-Digest"] == sha1_digest(record.raw_payload)
    assert "WARC-Truncated" not in record.warc_headers


@pytest.mark.parametrize("path", ["/robots.txt", "/"])
def test_fixed_length_response_keeps_its_content_length_in_place(crawled, path: str) -> None:
    _, _, record = responses(crawled["data"])[match_key(crawled["origin"] + path)]
    sent = crawled["heads"][path]
    assert [name for name, _ in record.http_headers] == [name for name, _ in sent]
    stored = dict(record.http_headers)
    assert stored["Content-Length"] == dict(sent)["Content-Length"] == str(len(record.raw_payload))
    assert not [name for name in stored if name.startswith("X-Archive-Orig-")]


def test_b03_wire_bytes_become_its_normalised_record(crawled) -> None:
    """B03.txt form (b): de-chunked but still gzip, TE renamed, Content-Length: 75, both
    Set-Cookie lines, digest of the entity; Connection as sent."""
    _, _, record = responses(crawled["b03"])[match_key(crawled["b03_url"] + "/")]
    assert record.status == 200
    assert record.http_headers == [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Encoding", "gzip"),
        ("X-Archive-Orig-Transfer-Encoding", "chunked"),
        ("Set-Cookie", "a=1; Expires=Wed, 09 Jun 2027 10:18:14 GMT; Path=/"),
        ("Set-Cookie", "b=2; Path=/"),
        ("Connection", "close"),
        ("Content-Length", "75"),
    ]
    assert len(record.raw_payload) == 75
    assert record.warc_headers["WARC-Payload-Digest"] == B03_DIGEST
    assert gzip.decompress(record.raw_payload) == record.payload and b"<html>" in record.payload


def test_a_body_cut_short_is_marked_truncated(crawled) -> None:
    """The connection dropped before the body's end: the record holds the bytes received,
    says so (WARC-Truncated: disconnect, WARC 1.1 section 5.13) and keeps the framing that
    was promised."""
    records = responses(crawled["b03"])
    _, _, robots = records[match_key(crawled["b03_url"] + "/robots.txt")]
    body = ROBOTS.format(origin=crawled["b03_url"]).encode()
    assert robots.warc_headers["WARC-Truncated"] == "disconnect"
    assert robots.raw_payload == body
    assert robots.http_headers == [("Content-Type", "text/plain"),
                                   ("X-Archive-Orig-Content-Length", str(len(body) + ROBOTS_MISSING)),
                                   ("Content-Length", str(len(body)))]
    _, _, sitemap = records[match_key(crawled["b03_url"] + "/sitemap.xml")]
    assert sitemap.warc_headers["WARC-Truncated"] == "disconnect"
    assert sitemap.raw_payload == SITEMAP_PART
    assert sitemap.http_headers == [("Content-Type", "application/xml"),
                                    ("X-Archive-Orig-Transfer-Encoding", "chunked"),
                                    ("Content-Length", str(len(SITEMAP_PART)))]
    _, _, page = records[match_key(crawled["b03_url"] + "/")]
    assert "WARC-Truncated" not in page.warc_headers


def test_request_record_has_the_headers_as_written(crawled) -> None:
    """The request record's fields are the bytes the server received: Twisted's
    capitalisation and order, its Host, nothing added."""
    received = crawled["received"][b"/"]
    sent = [tuple(line.split(": ", 1)) for line in received.decode("latin-1").split("\r\n\r\n")[0].split("\r\n")[1:]]
    assert ("Host", crawled["b03_url"].split("//")[1]) in sent
    for path in sorted((crawled["b03"] / "warc").glob("*.warc.gz")):
        for _, _, record in iter_records(path):
            if record.rec_type == "request" and record.warc_headers["WARC-Target-URI"] == crawled["b03_url"] + "/":
                assert record.http_headers == sent
                assert record.raw_payload == b""
                return
    pytest.fail("no request record for /")


def test_an_informational_head_is_not_taken_for_the_response(crawled) -> None:
    """Twisted skips a 1xx response (RFC 9110 section 15.2); the record has the final head."""
    _, _, record = responses(crawled["b03"])[match_key(crawled["b03_url"] + "/hinted.xml")]
    assert record.status == 200 and record.raw_payload == HINTED
    assert record.http_headers == [("Content-Type", "application/xml"), ("Content-Length", str(len(HINTED)))]


@pytest.mark.parametrize("which", ["data", "b03"])
def test_warc_check_is_clean(crawled, which: str) -> None:
    result = run_cli(crawled[which], "warc", "check")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("which", ["data", "b03"])
def test_warcio_check_and_reader_agree(crawled, which: str) -> None:
    """``warcio check`` verifies every digest over the bytes as stored; warcio's reader
    gives the de-chunked, decoded body without a second de-chunking."""
    files = sorted(str(p) for p in (crawled[which] / "warc").glob("*.warc.gz"))
    warcio = Path(sys.executable).with_name("warcio")
    result = subprocess.run([str(warcio), "check", "-v", *files], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "digest pass" in result.stdout and "fail" not in result.stdout
    ours = responses(crawled[which])
    seen = 0
    for name in files:
        with open(name, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response" and record.http_headers.get_header("X-Archive-Orig-Transfer-Encoding"):
                    key = match_key(record.rec_headers.get_header("WARC-Target-URI"))
                    assert record.content_stream().read() == ours[key][2].payload
                    seen += 1
    assert seen >= 1


def test_extraction_is_unchanged(crawled) -> None:
    """The spider saw the de-chunked, decompressed page: the row is what extraction gives
    for the page's HTML, and what the site published."""
    article = BY_SLUG[CHUNKED]
    url = f"{crawled['origin']}/{CHUNKED}/"
    with Index(crawled["data"] / "archive.db", readonly=True) as index:
        rows = [r for r in index.iter_articles() if match_key(r["canonical_url"]) == match_key(url)]
    assert len(rows) == 1
    row = rows[0]
    assert row["title"] == article.title
    assert [a.lower() for a in row["authors"]] == [a.lower() for a in article.authors]
    assert row["published"][:10] == article.date.isoformat()
    _, _, record = responses(crawled["data"])[match_key(url)]
    again = extract(record.payload, url, dict(record.http_headers))
    assert row["text"] == again.text and article.paragraphs[0][:60] in row["text"]


def test_replay_mp_and_id_give_the_body(crawled) -> None:
    data = crawled["data"]
    url = f"{crawled['origin']}/{CHUNKED}/"
    _, _, record = responses(data)[match_key(url)]
    ts = capture_timestamp(record.warc_headers["WARC-Date"])
    with ReplayServer(data) as server:
        status, headers, body = server.get(f"/archive/{ts}id_/{url}")
        assert status == 200 and body == record.payload
        assert headers.get("x-custom-header") == "kept as sent"
        assert "chunked" not in headers.get("content-encoding", "")
        status, headers, body = server.get(f"/archive/{ts}mp_/{url}")
        assert status == 200
        text = html.unescape(body.decode("utf-8"))
        article = BY_SLUG[CHUNKED]
        assert article.title in text and article.paragraphs[-1][:60] in text


# ---- parse_head: the head lines as the parser received them (CR LF removed) ------------------
def test_parse_head_keeps_case_order_and_repeats() -> None:
    head = parse_head([b"HTTP/1.1 200 OK", b"ETag: \"a\"", b"Set-Cookie: a=1", b"x-lower: 1",
                       b"Set-Cookie: b=2", b"Transfer-Encoding: chunked"])
    assert (head.protocol, head.status, head.reason) == ("HTTP/1.1", 200, "OK")
    assert head.headers == ((b"ETag", b'"a"'), (b"Set-Cookie", b"a=1"), (b"x-lower", b"1"),
                            (b"Set-Cookie", b"b=2"), (b"Transfer-Encoding", b"chunked"))


def test_parse_head_folds_continuations_and_skips_lines_without_colon() -> None:
    head = parse_head([b"HTTP/1.0 404", b"X-Long: one\r", b"\t two", b"garbage line", b"Server:  nginx  "])
    assert (head.protocol, head.status, head.reason) == ("HTTP/1.0", 404, "")
    assert head.headers == ((b"X-Long", b"one two"), (b"Server", b"nginx"))


@pytest.mark.parametrize("lines", [[], [b"garbage"], [b"HTTP/1.1 abc OK"], [b"ICY 200 OK"]])
def test_parse_head_refuses_a_bad_status_line(lines: list[bytes]) -> None:
    assert parse_head(lines) is None


def test_parse_request_head() -> None:
    data = b"GET /a?b HTTP/1.1\r\nAccept: */*\r\nHost: x.org\r\nUser-Agent: n/1\r\n\r\n"
    assert parse_request_head(data) == ((b"Accept", b"*/*"), (b"Host", b"x.org"), (b"User-Agent", b"n/1"))
    assert parse_request_head(b"GET / HTTP/1.1\r\nHost: x.org\r\n") is None  # no whole head
