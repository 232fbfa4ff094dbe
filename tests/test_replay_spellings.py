"""Replay under every spelling: a capture under another URL than its article's canonical one
replays at the canonical URL, and the canonical URL's calendar lists every version.

The data folder is written with our WarcWriter (responses and the metadata records a crawl
writes), the SQLite index rebuilt from it by ``newsarchive reindex``; replay runs as the CLI
runs it (a subprocess, port 0).
"""
from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from pathlib import Path

import pytest

from archive.warc.cdxj import index_path, update_index_report
from archive.index import Index
from archive.records import METADATA_RECORD_FORMAT as ARTICLE_RECORD_FORMAT
from archive.warc import HttpExchange, WarcWriter
from tests.helpers import run_cli
from tests.test_replay import ReplayServer

SITE = "http://news.example.org"
# article A: its only capture is a ?utm_ spelling
A = f"{SITE}/2024/03/13/council-budget/"
A_FETCHED = A + "?utm_source=x"
A_SHORT = f"{SITE}/?p=7"  # a shortlink: its capture is a 301, which never goes under A
# article B: two versions, under the canonical URL and under a ?utm_ spelling (a spelling
# without the trailing slash needs nothing: its SURT key is the canonical URL's already)
B = f"{SITE}/2024/03/14/bridge-closed/"
B_UTM = B + "?utm_medium=social"
# article C: rel=canonical names another URL than the one fetched (an AMP twin)
C = f"{SITE}/2024/03/15/river-flood/"
C_AMP = f"{SITE}/2024/03/15/river-flood/amp/"


def page(title: str, sentence: str) -> bytes:
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"<p>{sentence}</p></article></body></html>").encode()


def write_article(writer: WarcWriter, url: str, canonical: str, title: str, sentence: str,
                  when: dt.datetime) -> None:
    records = writer.write_exchange(HttpExchange(
        url=url, method="GET", request_headers=[(b"User-Agent", b"test")], status=200,
        response_headers=[(b"Content-Type", b"text/html; charset=utf-8")], body=page(title, sentence),
        fetched_at=when))
    writer.write_metadata(records.response, {
        "record": ARTICLE_RECORD_FORMAT, "url": url, "canonical_url": canonical, "title": title, "text": sentence,
        "published": when.date().isoformat(), "aliases": ([url] if url != canonical else []) + ([A_SHORT] if canonical == A else [])})


def at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2024, 3, day, hour, 0, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("spellings") / "data"
    with WarcWriter(data / "warc") as writer:
        writer.write_exchange(HttpExchange(
            url=A_SHORT, method="GET", request_headers=[], status=301, body=b"",
            response_headers=[(b"Location", A_FETCHED.encode())], fetched_at=at(13, 8)))
        write_article(writer, A_FETCHED, A, "Council budget", "First version of the budget story.", at(13))
        write_article(writer, B, B, "Bridge closed", "The bridge closed on Thursday.", at(14))
        write_article(writer, B_UTM, B, "Bridge closed", "The bridge stays closed on Friday.", at(15, 18))
        write_article(writer, C_AMP, C, "River flood", "The river rose overnight.", at(15))
    run_cli(data, "reindex", check=True)
    return data


@pytest.fixture(scope="module")
def server(data: Path):
    with ReplayServer(data) as replay:
        yield replay


def cdx(server: ReplayServer, url: str) -> list[dict]:
    status, _, body = server.get("/archive/cdx?output=json&url=" + urllib.parse.quote(url, safe=""))
    assert status == 200
    return [json.loads(line) for line in body.decode().splitlines() if line.strip()]


def index_lines(data: Path) -> list[str]:
    return index_path(data).read_text(encoding="utf-8").splitlines()


def test_captures_under_other_spellings_get_lines_under_the_canonical_key(data: Path) -> None:
    report = update_index_report(data)
    lines = index_lines(data)
    assert lines == sorted(lines)
    assert report.alias_lines == 3  # A's utm, B's utm, C's AMP capture; not B's canonical
    by_key: dict[str, list[dict]] = {}
    for line in lines:
        key, ts, blob = line.split(" ", 2)
        by_key.setdefault(key, []).append({"ts": ts, **json.loads(blob)})
    a_key = "org,example,news)/2024/03/13/council-budget"
    with Index(data / "archive.db", readonly=True) as index:  # the shortlink is A's alias...
        assert index.article_id_for_spelling(A_SHORT) == index.article_id_for_spelling(A) is not None
    assert [e["url"] for e in by_key[a_key]] == [A_FETCHED]  # ...but its 301 is not under A
    # the line points at the same record as the capture's own line
    own = next(e for k, v in by_key.items() if k != a_key for e in v if e["url"] == A_FETCHED)
    alias = by_key[a_key][0]
    assert (alias["filename"], alias["offset"], alias["length"], alias["ts"]) == (
        own["filename"], own["offset"], own["length"], own["ts"])


def test_update_stays_incremental_and_reindex_restores_the_lines(data: Path) -> None:
    before = index_path(data).read_bytes()
    again = update_index_report(data)
    assert again.indexed == [] and index_path(data).read_bytes() == before
    (data / "archive.db").unlink()
    gone = update_index_report(data)  # no SQLite index: only the captures' own lines
    assert gone.indexed == [] and gone.alias_lines == 0
    run_cli(data, "reindex", check=True)
    restored = update_index_report(data)
    assert restored.alias_lines == 3 and index_path(data).read_bytes() == before


@pytest.mark.parametrize("canonical,fetched,sentence", [
    (A, A_FETCHED, b"First version of the budget story."),
    (C, C_AMP, b"The river rose overnight."),
])
def test_the_canonical_url_replays_a_capture_made_under_another_spelling(
        server, canonical: str, fetched: str, sentence: bytes) -> None:
    [entry] = cdx(server, canonical)
    assert entry["url"] == fetched
    for mod in ("mp_", "id_"):
        status, headers, body = server.get(f"/archive/{entry['timestamp']}{mod}/{canonical}")
        assert status == 200, (mod, body[:300])
        assert sentence in body and headers.get("memento-datetime")
    status, _, body = server.get(f"/archive/{entry['timestamp']}/{canonical}")
    assert status == 200 and entry["timestamp"].encode() in body  # pywb's frame and banner


def test_the_calendar_lists_every_version_of_every_spelling(server) -> None:
    entries = cdx(server, B)
    assert sorted(e["timestamp"] for e in entries) == ["20240314090000", "20240315180000"]
    assert sorted(e["url"] for e in entries) == sorted([B, B_UTM])
    for entry, sentence in zip(sorted(entries, key=lambda e: e["timestamp"]),
                               (b"closed on Thursday", b"stays closed on Friday")):
        status, _, body = server.get(f"/archive/{entry['timestamp']}mp_/{B}")
        assert status == 200 and sentence in body
    status, _, body = server.get(f"/archive/timemap/link/{B}")
    assert status == 200 and body.count(b'datetime="') == 2  # one link per memento
