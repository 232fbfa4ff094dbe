"""Only replayable captures are indexed for replay (issue 19, part 4; brozzler#80).

A WARC from another tool with a HEAD capture and then the GET of the same URL: the HEAD's
response (HTTP 200, no payload) gets no CDXJ line and no ``captures`` row, so replay near the
HEAD's time serves the GET's body, after ``import`` and after ``reindex``, however the
request and response records are paired (warcio/warcprox: the response first and the
request naming it; wget: the request first and the response naming it). A 2xx with no
payload and no request record is left out where another capture of the URL holds a payload,
in the same file or another; a genuinely empty 200 with nothing better stays. The CDXJ index
goes past mid-file damage as ``reindex`` does.

The WARC files are written with warcio's writer; replay runs as the CLI runs it.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from archive.warc.cdxj import index_path, update_index_report
from archive.index import Index
from archive.records import CaptureRecord
from archive.replayable import EMPTY_PAYLOAD_DIGESTS, drop_shadowed_bodiless, is_empty_digest
from archive.warc import HttpExchange, WarcWriter, sha1_digest
from tests.helpers import run_cli
from tests.test_replay import ReplayServer

URL = "https://foreign.example/2024/05/02/harbour/"
EMPTY_URL = "https://foreign.example/empty.txt"
PAGE = (b"<!doctype html><html><head><title>Harbour dredging approved</title></head><body>"
        b"<p>The harbour commission voted for the dredging plan.</p></body></html>")
HEAD_DATE, GET_DATE = "2024-05-02T10:00:00Z", "2024-05-02T10:05:00Z"
HEAD_TS = "20240502100000"


def _http(status: str, headers: list[tuple[str, str]]) -> Any:
    from warcio.statusandheaders import StatusAndHeaders

    return StatusAndHeaders(status, headers, protocol="HTTP/1.1")


def write_exchange(writer: Any, url: str, method: str | None, date: str, body: bytes,
                   declared: int | None = None, pairing: str = "response-first",
                   status: str = "200 OK") -> str:
    """One capture as other tools write it; ``method`` None: a response with no request
    record. Returns the response's WARC-Record-ID."""
    from warcio.statusandheaders import StatusAndHeaders

    length = len(body) if declared is None else declared
    response = writer.create_warc_record(
        url, "response", payload=io.BytesIO(body),
        http_headers=_http(status, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(length))]),
        warc_headers_dict={"WARC-Date": date})
    response_id = response.rec_headers.get_header("WARC-Record-ID")
    if method is None:
        writer.write_record(response)
        return response_id
    path = "/" + url.split("/", 3)[3]
    request = writer.create_warc_record(
        url, "request", payload=io.BytesIO(b""),
        http_headers=StatusAndHeaders(f"{method} {path} HTTP/1.1", [("Host", "foreign.example")],
                                      protocol="HTTP/1.1", is_http_request=True),
        warc_headers_dict={"WARC-Date": date})
    request_id = request.rec_headers.get_header("WARC-Record-ID")
    if pairing == "response-first":  # warcio, warcprox, Browsertrix
        request.rec_headers.add_header("WARC-Concurrent-To", response_id)
        writer.write_record(response)
        writer.write_record(request)
    else:  # wget: the request first, the response naming it
        response.rec_headers.add_header("WARC-Concurrent-To", request_id)
        writer.write_record(request)
        writer.write_record(response)
    return response_id


def foreign_file(path: Path, build: Any) -> dict[str, str]:
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "wget-like test"}))
        return build(writer)


def head_then_get(pairing: str) -> Any:
    def build(writer: Any) -> dict[str, str]:
        return {"head": write_exchange(writer, URL, "HEAD", HEAD_DATE, b"", declared=len(PAGE), pairing=pairing),
                "get": write_exchange(writer, URL, "GET", GET_DATE, PAGE, pairing=pairing)}
    return build


def cdxj_lines(data: Path) -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for line in index_path(data).read_text(encoding="utf-8").splitlines():
        key, ts, blob = line.split(" ", 2)
        out.append((key, ts, json.loads(blob)))
    return out


def captures(data: Path) -> dict[str, tuple[Any, ...]]:
    conn = sqlite3.connect(data / "archive.db")
    try:
        return {row[0]: row[1:] for row in conn.execute(
            "SELECT record_id, url, status, fetched_at, payload_digest FROM captures")}
    finally:
        conn.close()


def offsets_of(path: Path) -> dict[str, int]:
    """``{WARC-Record-ID: offset}`` of the file's response records (warcio)."""
    from warcio.archiveiterator import ArchiveIterator

    out = {}
    with open(path, "rb") as fh:
        it = ArchiveIterator(fh)
        for record in it:
            if record.rec_type == "response":
                out[record.rec_headers.get_header("WARC-Record-ID")] = it.get_record_offset()
    return out


@pytest.fixture(scope="module", params=["response-first", "request-first"])
def imported(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp(f"bodiless-{request.param}")
    source = work / "head-then-get.warc.gz"
    ids = foreign_file(source, head_then_get(request.param))
    data = work / "data"
    result = run_cli(data, "import", str(source), "--workers", "0")
    assert result.returncode == 0, result.stderr
    return {"data": data, "ids": ids, "source": source, "stdout": result.stdout + result.stderr}


def test_the_head_capture_gets_no_captures_row(imported: dict[str, Any]) -> None:
    rows = captures(imported["data"])
    assert imported["ids"]["head"] not in rows
    assert rows[imported["ids"]["get"]][:3] == (URL, 200, GET_DATE)
    assert [r for r in rows.values() if r[0] == URL and r[1] == 200] == [rows[imported["ids"]["get"]]]
    assert "1 HEAD or empty responses not indexed" in imported["stdout"]


def test_the_head_capture_gets_no_cdxj_line(imported: dict[str, Any]) -> None:
    data = imported["data"]
    copy = data / "warc" / imported["source"].name
    offsets = offsets_of(copy)
    lines = [info for _key, _ts, info in cdxj_lines(data) if info["url"] == URL]
    assert [int(info["offset"]) for info in lines] == [offsets[imported["ids"]["get"]]]
    assert lines[0]["status"] == "200" and not is_empty_digest(lines[0]["digest"])


def test_replay_near_the_head_time_serves_the_get_body(imported: dict[str, Any]) -> None:
    with ReplayServer(imported["data"]) as server:
        for mod in ("id_", "mp_"):
            status, _headers, body = server.get(f"/archive/{HEAD_TS}{mod}/{URL}", follow=2)
            assert status == 200 and b"The harbour commission voted for the dredging plan." in body, (mod, body[:200])
    assert "Not replayed: 1 responses to HEAD requests" in server.log_path.read_text()


def test_reindex_gives_the_head_no_row_either(imported: dict[str, Any]) -> None:
    data = imported["data"]
    result = run_cli(data, "reindex")
    assert result.returncode == 0, result.stderr
    assert "1 response to HEAD requests" in result.stderr
    rows = captures(data)
    assert imported["ids"]["head"] not in rows and imported["ids"]["get"] in rows


def test_reindex_of_an_index_that_had_the_head_row_is_not_refused(imported: dict[str, Any], tmp_path: Path) -> None:
    """An index an older version built holds a 200 row for the HEAD: the rebuild without it
    loses nothing that replays, so it is not refused."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(imported["data"], data)
    copy = data / "warc" / imported["source"].name
    head_offset = offsets_of(copy)[imported["ids"]["head"]]
    with Index(data / "archive.db") as index:
        index.add_captures([CaptureRecord(url=URL, status=200, mime="text/html", payload_digest=sha1_digest(b""),
                                          fetched_at=HEAD_DATE, warc_filename=copy.name, warc_offset=head_offset,
                                          warc_length=100, record_id=imported["ids"]["head"])], None)
    assert imported["ids"]["head"] in captures(data)
    result = run_cli(data, "reindex")
    assert result.returncode == 0, result.stderr
    assert imported["ids"]["head"] not in captures(data)


def test_a_wacz_export_indexes_the_get_not_the_head(imported: dict[str, Any], tmp_path: Path) -> None:
    import gzip
    import zipfile

    data = imported["data"]
    out = tmp_path / "x.wacz"
    result = run_cli(data, "export", "--format", "wacz", "-o", str(out))
    assert result.returncode == 0, result.stderr
    offsets = offsets_of(data / "warc" / imported["source"].name)
    with zipfile.ZipFile(out) as wacz:
        text = gzip.decompress(wacz.read("indexes/index.cdx.gz")).decode()
    lines = [json.loads(line.split(" ", 2)[2]) for line in text.splitlines()]
    assert [int(info["offset"]) for info in lines if info["url"] == URL] == [offsets[imported["ids"]["get"]]]


# -- bodiless 2xx without a request record ---------------------------------------------


def test_an_empty_200_with_no_payload_elsewhere_is_still_indexed(tmp_path: Path) -> None:
    def build(writer: Any) -> dict[str, str]:
        return {"empty": write_exchange(writer, EMPTY_URL, "GET", HEAD_DATE, b"")}

    source = tmp_path / "empty.warc.gz"
    ids = foreign_file(source, build)
    data = tmp_path / "data"
    assert run_cli(data, "import", str(source), "--workers", "0").returncode == 0
    assert captures(data)[ids["empty"]][:2] == (EMPTY_URL, 200)
    [(_key, ts, info)] = [line for line in cdxj_lines(data) if line[2]["url"] == EMPTY_URL]
    assert ts == HEAD_TS and info["status"] == "200" and is_empty_digest(info["digest"])
    assert run_cli(data, "reindex").returncode == 0
    assert ids["empty"] in captures(data)
    with ReplayServer(data) as server:
        status, _headers, body = server.get(f"/archive/{HEAD_TS}id_/{EMPTY_URL}", follow=2)
    assert status == 200 and body == b""


@pytest.mark.parametrize("files", ["one file", "two files"])
def test_a_bodiless_200_with_a_payload_elsewhere_is_left_out(tmp_path: Path, files: str) -> None:
    """No request record says HEAD; the capture of the same URL with a payload decides."""
    data = tmp_path / "data"
    if files == "one file":
        source = tmp_path / "both.warc.gz"
        ids = foreign_file(source, lambda w: {"empty": write_exchange(w, URL, None, HEAD_DATE, b""),
                                              "get": write_exchange(w, URL, None, GET_DATE, PAGE)})
        sources = [source]
    else:
        first, second = tmp_path / "a-empty.warc.gz", tmp_path / "b-page.warc.gz"
        ids = foreign_file(first, lambda w: {"empty": write_exchange(w, URL, None, HEAD_DATE, b"")})
        ids.update(foreign_file(second, lambda w: {"get": write_exchange(w, URL, None, GET_DATE, PAGE)}))
        sources = [first, second]
    for source in sources:  # imported one by one: the second import drops the first's row
        assert run_cli(data, "import", str(source), "--workers", "0").returncode == 0
    rows = captures(data)
    assert ids["empty"] not in rows and ids["get"] in rows
    report = update_index_report(data)
    assert report.shadowed == 1
    assert [info["status"] for _k, ts, info in cdxj_lines(data) if info["url"] == URL] == ["200"]
    assert [ts for _k, ts, info in cdxj_lines(data) if info["url"] == URL] == ["20240502100500"]
    assert run_cli(data, "reindex").returncode == 0
    rows = captures(data)
    assert ids["empty"] not in rows and ids["get"] in rows


def test_drop_shadowed_bodiless_on_a_crawl_index(tmp_path: Path) -> None:
    """The crawl's rows: an empty 200 goes when its URL has a payload, not otherwise."""
    def row(url: str, body: bytes, rid: str, status: int = 200) -> CaptureRecord:
        return CaptureRecord(url=url, status=status, mime="text/html", payload_digest=sha1_digest(body),
                             fetched_at=HEAD_DATE, warc_filename="x.warc.gz", warc_offset=0, warc_length=1,
                             record_id=rid)

    with Index(tmp_path / "archive.db") as index:
        index.add_captures([row(URL, b"", "<urn:1>"), row(URL, PAGE, "<urn:2>"), row(EMPTY_URL, b"", "<urn:3>"),
                            row(EMPTY_URL, b"Not found", "<urn:4>", status=404)], None)
        assert drop_shadowed_bodiless(index) == ["<urn:1>"]
        left = {r[0] for r in index.db.execute("SELECT record_id FROM captures").fetchall()}
    assert left == {"<urn:2>", "<urn:3>", "<urn:4>"}


def test_the_empty_payload_digest_spellings() -> None:
    assert sha1_digest(b"").lower() in EMPTY_PAYLOAD_DIGESTS
    assert is_empty_digest("sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709")
    assert is_empty_digest("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    assert not is_empty_digest(sha1_digest(PAGE)) and not is_empty_digest(None)


# -- CDXJ past damage -------------------------------------------------------------------


def our_exchange(url: str, minute: int) -> HttpExchange:
    return HttpExchange(url=url, method="GET", request_headers=[(b"User-Agent", b"test")], status=200,
                        response_headers=[(b"Content-Type", b"text/html")], body=b"<p>" + url.encode() * 20 + b"</p>",
                        fetched_at=dt.datetime(2024, 3, 13, 12, minute, tzinfo=dt.timezone.utc))


def test_cdxj_goes_past_a_damaged_member_in_the_middle(tmp_path: Path) -> None:
    urls = [f"http://example.org/{n}/" for n in range(3)]
    with WarcWriter(tmp_path / "warc") as writer:
        pointers = [writer.write_exchange(our_exchange(url, i)).response for i, url in enumerate(urls)]
    path = tmp_path / "warc" / pointers[0].warc_filename
    raw = bytearray(path.read_bytes())
    middle = pointers[1]
    raw[middle.warc_offset + middle.warc_length // 2] ^= 0xFF  # a flipped byte inside the second response
    path.write_bytes(bytes(raw))
    report = update_index_report(tmp_path)
    assert report.broken == {} and report.indexed == [path.name]
    [(offset, length, why)] = report.damaged[path.name]
    assert offset == middle.warc_offset and length == middle.warc_length and why.isprintable()
    got = {info["url"]: (int(info["offset"]), int(info["length"])) for _k, _ts, info in cdxj_lines(tmp_path)}
    assert got == {urls[0]: (pointers[0].warc_offset, pointers[0].warc_length),
                   urls[2]: (pointers[2].warc_offset, pointers[2].warc_length)}
    again = update_index_report(tmp_path)  # the cached file: its gap reported again, not read again
    assert again.reused == [path.name] and again.damaged == report.damaged
    with ReplayServer(tmp_path) as server:  # the record after the damage replays
        status, _headers, body = server.get(f"/archive/20240313120200id_/{urls[2]}", follow=2)
    assert status == 200 and body == b"<p>" + urls[2].encode() * 20 + b"</p>"
    assert (f"warning: {path.name}: {middle.warc_length} bytes at offset {middle.warc_offset} left out of replay"
            in server.log_path.read_text())
