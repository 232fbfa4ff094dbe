"""A missing page gets the branded "Not archived" page; a missing part of a page a small 404.

pywb's WSGI app, served as ``newsarchive replay`` serves it (a subprocess, port 0), over a
data folder written with our WarcWriter: one page, one image, one archived 404 page.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from archive.warc.cdxj import update_index
from archive.replay_pywb import SMALL_NOT_FOUND, is_embedded, replay_modifier
from archive.warc import HttpExchange, WarcWriter
from tests.helpers import http_get
from tests.test_replay import ReplayServer

TS = "20240313120000"
SITE = "http://news.example.org"
PAGE = b"<html><head><title>Kept page</title></head><body><p>Archived text</p></body></html>"
GONE_PAGE = b"<html><body><p>The site's own page for a 404, as archived</p></body></html>"


def exchange(path: str, body: bytes, ctype: str, status: int = 200) -> HttpExchange:
    return HttpExchange(url=SITE + path, method="GET", request_headers=[(b"User-Agent", b"t")],
                        status=status, response_headers=[(b"Content-Type", ctype.encode())], body=body,
                        fetched_at=dt.datetime(2024, 3, 13, 12, 0, 0, tzinfo=dt.timezone.utc))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("embeds") / "data"
    with WarcWriter(data / "warc") as writer:
        writer.write_exchange(exchange("/story/", PAGE, "text/html; charset=utf-8"))
        writer.write_exchange(exchange("/logo.png", b"\x89PNG\r\n\x1a\nfake", "image/png"))
        writer.write_exchange(exchange("/gone/", GONE_PAGE, "text/html", status=404))
    update_index(data)
    with ReplayServer(data) as replay:
        yield replay


def get(server: ReplayServer, path: str, dest: str | None = None) -> tuple[int, dict[str, str], bytes]:
    return http_get(server.port, path, {"Sec-Fetch-Dest": dest} if dest is not None else None)


def assert_small(status: int, headers: dict[str, str], body: bytes) -> None:
    assert status == 404
    assert body == SMALL_NOT_FOUND
    assert headers["content-type"].startswith("text/plain")
    assert headers["content-length"] == str(len(SMALL_NOT_FOUND))


def assert_branded(status: int, headers: dict[str, str], body: bytes) -> None:
    assert status == 404
    assert headers["content-type"].startswith("text/html")
    assert b"Not archived" in body and b"<html" in body.lower() and len(body) > 500


MISSING = f"{SITE}/ads/frame-never-archived.html"


@pytest.mark.parametrize("mod", ["if_", "fr_", "im_", "js_", "cs_", "oe_", "id_"])
def test_a_missing_part_of_a_page_is_a_small_plain_404(server, mod: str) -> None:
    assert_small(*get(server, f"/archive/{TS}{mod}/{MISSING}"))
    assert_small(*get(server, f"/archive/{TS}{mod}/{MISSING}", dest="iframe" if mod == "if_" else "image"))


@pytest.mark.parametrize("dest", ["image", "script", "style", "font", "empty", "video", "worker"])
def test_a_subresource_by_its_sec_fetch_dest_is_a_small_404(server, dest: str) -> None:
    """wombat rewrites ``fetch()`` and dynamically set URLs to ``mp_``; the header tells."""
    assert_small(*get(server, f"/archive/{TS}mp_/{MISSING}", dest=dest))


@pytest.mark.parametrize("mod,dest", [("", None), ("mp_", None), ("", "document"), ("mp_", "iframe"),
                                      ("mp_", "document"), ("im_", "document"), ("id_", "document")])
def test_a_missing_page_navigated_to_is_the_branded_page(server, mod: str, dest: str | None) -> None:
    """The top frame, the page frame inside it, or any URL opened in a tab of its own."""
    assert_branded(*get(server, f"/archive/{TS}{mod}/{MISSING}", dest=dest))


def test_archived_captures_are_untouched(server) -> None:
    status, _, body = get(server, f"/archive/{TS}im_/{SITE}/logo.png", dest="image")
    assert status == 200 and body == b"\x89PNG\r\n\x1a\nfake"
    status, _, body = get(server, f"/archive/{TS}if_/{SITE}/story/", dest="iframe")
    assert status == 200 and b"Archived text" in body
    # a capture whose own status was 404 replays as archived, even as a frame
    status, headers, body = get(server, f"/archive/{TS}if_/{SITE}/gone/", dest="iframe")
    assert status == 404 and b"as archived" in body and headers.get("memento-datetime")


def test_the_rule_reads_the_modifier_after_the_timestamp() -> None:
    assert replay_modifier(f"/archive/{TS}js_/{SITE}/app.js") == "js_"
    assert replay_modifier(f"/archive/{TS}/{SITE}/") == ""
    assert replay_modifier(f"/archive/oe_/{SITE}/") == "oe_"
    assert replay_modifier("/archive/cdx") is None and replay_modifier(f"/archive/*/{SITE}/") is None
    # the modifier is pywb's, never a look-alike inside the archived URL
    assert replay_modifier(f"/archive/{TS}/{SITE}/im_/x.png") == ""
    assert not is_embedded({"PATH_INFO": "/search", "HTTP_SEC_FETCH_DEST": "image"})
    assert not is_embedded({"PATH_INFO": f"/archive/*/{SITE}/", "HTTP_SEC_FETCH_DEST": "empty"})
    assert is_embedded({"PATH_INFO": f"/archive/{TS}mp_/{SITE}/", "HTTP_SEC_FETCH_DEST": "Script"})
