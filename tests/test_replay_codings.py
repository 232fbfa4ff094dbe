"""Every content coding the crawler accepts (gzip, deflate, br, zstd, and x-gzip, gzip's old
name) is archived and replays.

A small site of our own (a thread, 127.0.0.1, port 0) serves four article pages, each in one
content coding when the request accepts it (RFC 9110 section 12.5.3). One crawl with the CLI
(module fixture); the site is then stopped. Each coding's page must then be extracted, pass
``warc check``, replay through pywb (``mp_`` decoded and rewritten, ``id_`` as stored or
decoded, per the client's Accept-Encoding) and go into a WACZ that ``wacz validate`` accepts.
"""
from __future__ import annotations

import gzip
import http.server
import subprocess
import sys
import threading
import zlib
from pathlib import Path
from typing import Any

import brotli
import pytest

from archive.warc.codings import ACCEPTED, ZstdDecompressor, _zstd, decode
from archive.index import Index
from archive.warc import decode_content, iter_records
from tests.helpers import http_get, run_cli
from tests.test_replay import ReplayServer

SINCE, UNTIL = "2024-03-01", "2024-03-31"
DAYS = {"gzip": 11, "deflate": 12, "br": 13, "zstd": 14}
#: ``x-gzip``: gzip under its old name (RFC 9110 section 8.4.1.3), which the crawler does not
#: ask for but some servers send when it asks for gzip; served on a day of its own.
ALIASES = {"x-gzip": ("gzip", 15)}
CODED = {**DAYS, **{alias: day for alias, (_, day) in ALIASES.items()}}


def encode(body: bytes, coding: str) -> bytes:
    if coding in ("gzip", "x-gzip"):
        return gzip.compress(body)
    if coding == "deflate":
        return zlib.compress(body)
    if coding == "br":
        return brotli.compress(body)
    return _zstd().compress(body)


def path_of(coding: str) -> str:
    return f"/2024/03/{CODED[coding]}/story-served-as-{coding}/"


def article_html(coding: str) -> bytes:
    day = f"2024-03-{CODED[coding]}"
    title = f"Council votes on the {coding} budget"
    paragraphs = "".join(
        f"<p>Paragraph {n} of the {coding} story: the council met on Tuesday and argued at length "
        f"about the budget, the roads, the library and the schools before voting late.</p>"
        for n in range(8))
    return (f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:type" content="article"><meta property="og:title" content="{title}">
<meta property="article:published_time" content="{day}T09:00:00Z">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "{title}", "datePublished": "{day}T09:00:00Z",
"author": {{"@type": "Person", "name": "Ada Reporter"}}}}</script></head>
<body><article><h1>{title}</h1><p class="byline">By Ada Reporter</p>
<p>Unique sentence marker-{coding}-42 opens the story.</p>{paragraphs}</article></body></html>
""").encode("utf-8")


def site_files(base: str) -> dict[str, tuple[str, bytes]]:
    entries = "".join(f"<url><loc>{base}{path_of(c)}</loc><lastmod>2024-03-{CODED[c]}</lastmod></url>"
                      for c in CODED)
    return {
        "/robots.txt": ("text/plain", f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n".encode()),
        "/sitemap.xml": ("application/xml", ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns='
                         f'"http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>').encode()),
        "/": ("text/html", b"<html><body><h1>Coded news</h1></body></html>"),
    }


class CodedSite(http.server.ThreadingHTTPServer):
    """Serves each article in its own content coding, when the request's Accept-Encoding
    names it; records what each article's bytes on the wire were."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), CodedHandler)
        self.base = f"http://127.0.0.1:{self.server_address[1]}"
        self.files = site_files(self.base)
        self.sent: dict[str, tuple[str | None, bytes]] = {}


class CodedHandler(http.server.BaseHTTPRequestHandler):
    server: CodedSite

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        coding = next((c for c in CODED if self.path == path_of(c)), None)
        accepted = [c.split(";")[0].strip() for c in self.headers.get("Accept-Encoding", "").split(",")]
        if coding:
            ctype, body = "text/html; charset=utf-8", article_html(coding)
        elif self.path in self.server.files:
            ctype, body = self.server.files[self.path]
        else:
            self.send_error(404)
            return
        used = coding if coding and ALIASES.get(coding, (coding,))[0] in accepted else None
        wire = encode(body, used) if used else body
        if coding:
            self.server.sent[coding] = (used, wire)
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        if used:
            self.send_header("Content-Encoding", used)
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(wire)))
        self.end_headers()
        self.wfile.write(wire)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data = tmp_path_factory.mktemp("codings") / "data"
    site = CodedSite()
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    try:
        result = run_cli(data, "crawl", site.base + "/", "--since", SINCE, "--until", UNTIL,
                         "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", check=True)
    finally:
        site.shutdown()
        site.server_close()
    return {"data": data, "base": site.base, "sent": dict(site.sent), "stderr": result.stderr}


@pytest.fixture(scope="module")
def server(crawled: dict[str, Any]):
    with ReplayServer(crawled["data"]) as replay:
        yield replay


def captured(data: Path, url: str) -> tuple[str, dict[str, str], bytes]:
    """The response record of ``url``: its WARC-Date, HTTP headers and stored (raw) body."""
    for path in sorted((data / "warc").glob("*.warc.gz")):
        for _, _, record in iter_records(path):
            if record.rec_type == "response" and record.warc_headers.get("WARC-Target-URI") == url:
                return record.warc_headers["WARC-Date"], dict(record.http_headers), record.raw_payload
    raise AssertionError(f"no response record for {url}")


def get(server: ReplayServer, path: str, accept_encoding: str | None) -> tuple[int, dict[str, str], bytes]:
    return http_get(server.port, path, {"Accept-Encoding": accept_encoding} if accept_encoding is not None else None)


def test_the_crawl_accepts_every_coding_and_the_site_used_each(crawled) -> None:
    assert set(ACCEPTED) == set(DAYS)
    assert {c: used for c, (used, _) in crawled["sent"].items()} == {c: c for c in CODED}


@pytest.mark.parametrize("coding", list(CODED))
def test_the_capture_is_stored_encoded_and_the_article_extracted(crawled, coding: str) -> None:
    url = crawled["base"] + path_of(coding)
    _, headers, raw = captured(crawled["data"], url)
    assert headers.get("Content-Encoding") == coding
    assert raw == crawled["sent"][coding][1]  # the bytes as they came over the wire
    with Index(crawled["data"] / "archive.db", readonly=True) as index:
        rows = {row["url"]: row for row in index.iter_articles()}
        hits = index.search(f"marker-{coding}-42")
    assert rows[url]["title"] == f"Council votes on the {coding} budget"
    assert rows[url]["published"][:10] == f"2024-03-{CODED[coding]}"
    assert [h.url for h in hits] == [url]


def test_warc_check_passes(crawled) -> None:
    result = run_cli(crawled["data"], "warc", "check")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("coding", list(CODED))
def test_replay_decodes_and_rewrites_the_page(crawled, server, coding: str) -> None:
    url = crawled["base"] + path_of(coding)
    when, _, _ = captured(crawled["data"], url)
    ts = "".join(ch for ch in when if ch.isdigit())[:14]
    for accept in (None, "gzip, deflate, br, zstd"):
        status, headers, body = get(server, f"/archive/{ts}mp_/{url}", accept)
        assert status == 200, (accept, body[:300])
        assert "content-encoding" not in headers  # pywb rewrote the decoded page
        assert headers.get("x-archive-orig-content-encoding") == coding
        text = body.decode("utf-8")
        assert f"marker-{coding}-42" in text and "<!-- WB Insert -->" in text


@pytest.mark.parametrize("coding", list(CODED))
def test_identity_replay_is_the_stored_bytes_or_their_decoding(crawled, server, coding: str) -> None:
    """``id_``: a client that accepts the coding gets the stored bytes with their
    Content-Encoding; one that does not gets them decoded (pywb's rule)."""
    url = crawled["base"] + path_of(coding)
    when, _, raw = captured(crawled["data"], url)
    ts = "".join(ch for ch in when if ch.isdigit())[:14]
    status, headers, body = get(server, f"/archive/{ts}id_/{url}", coding)
    assert status == 200 and headers.get("content-encoding") == coding
    assert body == raw
    assert decode_content(body, coding) == article_html(coding)
    for accept in (None, "identity"):
        status, headers, body = get(server, f"/archive/{ts}id_/{url}", accept)
        assert status == 200 and "content-encoding" not in headers
        assert body == article_html(coding)


def test_wacz_export_validates(crawled, tmp_path: Path) -> None:
    out = tmp_path / "coded.wacz"
    result = run_cli(crawled["data"], "export", "--format", "wacz", "-o", str(out))
    assert result.returncode == 0, result.stderr
    check = subprocess.run([sys.executable, "-m", "wacz", "validate", "-f", str(out)],
                           capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr


def test_zstd_frames_that_follow_one_another_decode_as_one_body() -> None:
    zstd = _zstd()
    body = zstd.compress(b"first frame, ") + zstd.compress(b"second frame")
    decompressor = ZstdDecompressor()
    out = decompressor.decompress(body[:7]) + decompressor.decompress(body[7:])
    assert out == b"first frame, second frame" and decompressor.unused_data == b""
    assert decode(body, "zstd") == b"first frame, second frame"


@pytest.mark.parametrize("coding", ["br", "zstd"])
def test_a_body_that_is_not_its_coding_or_is_cut_short_is_a_value_error(coding: str) -> None:
    whole = encode(b"some text " * 50, coding)
    for bad in (b"definitely not compressed", whole[: len(whole) // 2]):
        with pytest.raises(ValueError, match=coding):
            decode(bad, coding)
