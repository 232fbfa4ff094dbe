"""Issue 14: ``newsarchive import`` of WARC files written by other tools.

pywb's sample WARCs (wget, wpull, pywb, IA's tools; installed with pywb), one of our own WARC
files (written as a crawl writes one: tests/test_reindex.build_archive), and a file written
the way Browsertrix and warcprox write theirs (warcio's own writer: response before request,
chunked framing kept) are imported into a fresh data folder. Then:

- the sources are unchanged and their copies in DATA/warc are byte for byte the same;
- every ``captures`` row reads back exactly its record (file, offset, length);
- every HTML capture with a title replays (pywb, ``id_`` and ``mp_`` modes) with that title;
- the articles of our own file, and the foreign news article, are searchable and exported;
- ``reindex`` rebuilds the same captures and articles from the data folder alone;
- an ARC file is converted to WARC by warcio and replays; an empty file and a file of no
  WARC record are refused with one line each,
  a file imported twice is skipped, and a damaged file loses only its damaged bytes.
"""
from __future__ import annotations

import hashlib
import html
import io
import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from archive.index import Index, replay_url
from archive.warc import read_record
from tests.helpers import run_cli
from tests.test_reindex import build_archive, table
from tests.test_replay import ReplayServer

SAMPLES = Path(sys.prefix) / "sample_archive" / "warcs"
WARC_SAMPLES = sorted(p for p in SAMPLES.glob("*") if p.name.endswith((".warc.gz", ".warc"))) if SAMPLES.is_dir() else []
needs_samples = pytest.mark.skipif(not WARC_SAMPLES and os.environ.get("NEWSARCHIVE_REQUIRE_SAMPLES") != "1",
                                   reason=f"pywb's sample WARCs are not installed ({SAMPLES}; `make install` installs them)")

NEWS_URL = "https://foreign.example/2024/05/02/harbour-dredging-approved/"
NEWS_TITLE = "Harbour dredging approved after long fight"


def news_page() -> bytes:
    body = " ".join(f"The harbour commission voted on dredging plan number {i} after months of debate."
                    for i in range(40))
    return (f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{NEWS_TITLE} | Foreign News</title>
<meta property="og:type" content="article"><meta property="og:title" content="{NEWS_TITLE}">
<meta property="article:published_time" content="2024-05-02T09:00:00Z">
<link rel="canonical" href="{NEWS_URL}">
<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "{NEWS_TITLE}",
 "datePublished": "2024-05-02T09:00:00Z", "author": {{"@type": "Person", "name": "Rita Moss"}}}}</script>
</head><body><article><h1>{NEWS_TITLE}</h1><p class="byline">By Rita Moss</p><p>{body}</p></article></body></html>""").encode()


def foreign_warc(path: Path) -> None:
    """A WARC as Browsertrix or warcprox write one (warcio's writer): warcinfo, then each
    response before its request, the response keeping its chunked framing."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    page = news_page()
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(page), page)
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "Browsertrix-like test"}))
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                           ("Transfer-Encoding", "chunked")], protocol="HTTP/1.1")
        response = writer.create_warc_record(NEWS_URL, "response", payload=io.BytesIO(chunked),
                                             http_headers=http, warc_headers_dict={"WARC-Date": "2024-05-02T10:00:00Z"})
        writer.write_record(response)
        request = writer.create_warc_record(
            NEWS_URL, "request", payload=io.BytesIO(b""),
            http_headers=StatusAndHeaders("GET /2024/05/02/harbour-dredging-approved/ HTTP/1.1",
                                          [("Host", "foreign.example")], protocol="HTTP/1.1", is_http_request=True),
            warc_headers_dict={"WARC-Date": "2024-05-02T10:00:00Z",
                               "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID")})
        writer.write_record(request)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("import")
    ours = work / "ours"
    build_archive(ours, max_bytes=10**9)
    [own] = sorted((ours / "warc").glob("*.warc.gz"))
    foreign = work / "browsertrix-like.warc.gz"
    foreign_warc(foreign)
    sources = [*WARC_SAMPLES, own, foreign]
    before = {p: sha256(p) for p in sources}
    data = work / "data"
    result = run_cli(data, "import", *map(str, sources), "--workers", "0")
    return {"data": data, "sources": sources, "before": before, "result": result, "own": own, "ours": ours,
            "foreign": foreign}


def copies(data: Path) -> dict[str, Path]:
    return {p.name: p for p in (data / "warc").iterdir()}


def test_import_leaves_the_sources_alone_and_copies_them_byte_for_byte(imported) -> None:
    result = imported["result"]
    assert result.returncode in (0, 1), result.stderr
    there = copies(imported["data"])
    for source in imported["sources"]:
        assert sha256(source) == imported["before"][source], f"{source} was modified"
        assert source.name in there, result.stderr
        assert sha256(there[source.name]) == imported["before"][source]
        assert f"{source}: imported as warc/{source.name}" in result.stderr
    assert "Traceback" not in result.stderr
    # exactly one new WARC file of ours: the metadata records of the articles found
    ours = [name for name in there if name.startswith("newsarchive-import-")]
    assert len(ours) == 1, sorted(there)


def test_every_capture_points_at_its_exact_record(imported) -> None:
    data = imported["data"]
    rows = table(data, "SELECT warc_filename, warc_offset, warc_length, record_id, url FROM captures")
    assert len(rows) > 200
    # every response and revisit record of every file is a row; a WARC-Record-ID met twice
    # (pywb's hand-made samples repeat theirs) is one row, the first one met
    from archive.warc.parse import Record
    from archive.warc.resync import scan

    wanted = {item.header("WARC-Record-ID") for source in imported["sources"]
              for item in scan(data / "warc" / source.name)
              if isinstance(item, Record) and item.rec_type in ("response", "revisit")}
    assert wanted == {r[3] for r in rows}
    for filename, offset, length, record_id, url in rows:
        raw = (data / "warc" / filename).read_bytes()[offset:offset + length]
        assert raw[:2] == b"\x1f\x8b" or raw.startswith(b"WARC/"), (filename, offset)
        stored = read_record(data / "warc" / filename, offset)
        assert stored.warc_headers.get("WARC-Record-ID") == record_id
        assert stored.warc_headers.get("WARC-Target-URI") == url


def titled_captures(data: Path) -> list[tuple[str, str, str]]:
    """``(replay path, title, file)`` of every 200 HTML response capture whose page has a <title>."""
    out = []
    for filename, offset, url, fetched_at in table(
            data, "SELECT warc_filename, warc_offset, url, fetched_at FROM captures"
                  " WHERE status = 200 AND record_type = 'response' AND mime = 'text/html'"):
        page = read_record(data / "warc" / filename, offset).payload
        match = re.search(rb"<title[^>]*>([^<]+)</title>", page, re.I)
        if match:
            title = html.unescape(match.group(1).decode("utf-8", "replace")).strip()
            path = replay_url(fetched_at, url)
            assert path is not None
            stamp = path.split("/")[2]
            out.append((f"/archive/{stamp}id_/{url}", title, filename))
    return out


@needs_samples
def test_imported_captures_replay_with_their_titles(imported) -> None:
    data = imported["data"]
    captures = titled_captures(data)
    files = {filename for _, _, filename in captures}
    assert {"dupes.warc.gz", "example-wpull.warc.gz", "iana.warc.gz", "example-wget-1-14.warc.gz", imported["own"].name,
            imported["foreign"].name} <= files, files
    failed = []
    with ReplayServer(data) as server:
        for path, title, filename in captures:
            for mode in ("id_", "mp_"):  # as stored, and rewritten as a person sees it
                status, headers, body = server.get(path.replace("id_/", mode + "/", 1), follow=2)
                text = html.unescape(body.decode("utf-8", "replace"))
                if status != 200 or " ".join(title.split()) not in " ".join(text.split()):
                    failed.append((filename, mode, path, status, title))
    assert not failed, failed[:10]
    assert len(captures) >= 20


def test_articles_of_imported_files_search_and_export(imported) -> None:
    data = imported["data"]
    found = run_cli(data, "search", "pipeline", "--json", check=True)
    assert any("pipeline" in hit["title"].lower() for hit in json.loads(found.stdout)["hits"])
    found = run_cli(data, "search", "harbour dredging", "--json", check=True)
    [hit] = json.loads(found.stdout)["hits"]
    assert hit["title"] == NEWS_TITLE and hit["canonical_url"] == NEWS_URL
    assert hit["authors"] == ["Rita Moss"] and hit["site"] == "foreign.example"
    assert hit["warc_filename"] == imported["foreign"].name
    exported = run_cli(data, "export", "--format", "jsonl", check=True)
    urls = {json.loads(line)["canonical_url"] for line in exported.stdout.splitlines()}
    assert NEWS_URL in urls
    own_articles = table(imported["ours"], "SELECT canonical_url FROM articles")
    assert {u for (u,) in own_articles} <= urls


def test_reindex_rebuilds_the_same_index_from_the_data_folder(imported, tmp_path: Path) -> None:
    data = imported["data"]
    again = tmp_path / "data"
    shutil.copytree(data / "warc", again / "warc")
    run_cli(again, "reindex", check=True)
    captures = "SELECT record_id, url, status, warc_filename, warc_offset, warc_length FROM captures"
    articles = "SELECT canonical_url, url, title, authors, published, text, warc_filename, warc_offset FROM articles"
    assert sorted(table(again, captures)) == sorted(table(data, captures))
    assert sorted(table(again, articles)) == sorted(table(data, articles))
    assert len(table(again, articles)) >= 6


def test_importing_again_skips_what_is_there(imported) -> None:
    data = imported["data"]
    before = sorted(copies(data))
    counts = table(data, "SELECT count(*) FROM captures")
    result = run_cli(data, "import", str(imported["foreign"]), "--workers", "0")
    assert result.returncode == 0, result.stderr
    assert f"{imported['foreign']}: already imported as warc/{imported['foreign'].name}" in result.stderr
    assert sorted(copies(data)) == before and table(data, "SELECT count(*) FROM captures") == counts


def test_what_is_not_a_warc_file_is_refused_in_one_line(tmp_path: Path) -> None:
    empty = tmp_path / "empty.warc.gz"
    empty.write_bytes(b"")
    text = tmp_path / "notes.warc"
    text.write_bytes(b"these are notes\nnot a WARC file\n" * 50)
    data = tmp_path / "data"
    result = run_cli(data, "import", str(empty), str(text))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == f"{empty}: not imported: the file is empty"
    assert lines[1].startswith(f"{text}: not imported: no readable WARC record")
    assert not [p for p in (data / "warc").iterdir() if not p.name.startswith(".")]


ARC_SAMPLES = sorted(SAMPLES.glob("*.arc*")) if SAMPLES.is_dir() else []


@needs_samples
def test_arc_files_are_converted_by_warcio_and_replay_with_their_titles(tmp_path: Path) -> None:
    """pywb's three ARC samples (example.arc, example.arc.gz, bad.arc): each becomes a WARC file
    of its own in DATA/warc (warcio's arc2warc); the sources are unchanged; importing again
    finds the conversion; every titled page replays in id_ and mp_."""
    assert {p.name for p in ARC_SAMPLES} >= {"example.arc", "example.arc.gz", "bad.arc"}
    before = {p: sha256(p) for p in ARC_SAMPLES}
    data = tmp_path / "data"
    result = run_cli(data, "import", *map(str, ARC_SAMPLES), "--workers", "0")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert all(sha256(p) == digest for p, digest in before.items())
    converted = sorted(p.name for p in (data / "warc").glob("*-arc-*.warc.gz"))
    assert len(converted) == len(ARC_SAMPLES), converted
    for source in ARC_SAMPLES:
        assert f"{source}: imported as warc/" in result.stderr and "converted from ARC to WARC by warcio" in result.stderr
    check = run_cli(data, "warc", "check")
    problems = [line for line in check.stdout.splitlines() if "/warc/" in line]
    # bad.arc is broken on purpose (its HTTP heads are cut): the conversion keeps what it is
    assert problems and all("/warc/bad-arc-" in line for line in problems), check.stdout
    captures = [c for c in titled_captures(data) if "-arc-" in c[2]]
    assert {filename for _, _, filename in captures} >= {n for n in converted if not n.startswith("bad-")}
    with ReplayServer(data) as server:
        for path, title, _filename in captures:
            for mode in ("id_", "mp_"):
                status, _headers, body = server.get(path.replace("id_/", mode + "/", 1), follow=2)
                assert status == 200 and title in html.unescape(body.decode("utf-8", "replace")), (path, mode, status)
    again = run_cli(data, "import", str(ARC_SAMPLES[0]), "--workers", "0")
    assert again.returncode == 0 and "already imported as warc/" in again.stderr, again.stderr
    assert sorted(p.name for p in (data / "warc").glob("*-arc-*.warc.gz")) == converted


def test_an_arc_file_warcio_cannot_read_is_refused_in_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.arc"
    broken.write_bytes(b"filedesc://broken.arc 0.0.0.0 20240101000000 text/plain 99999\nnot much\n")
    data = tmp_path / "data"
    result = run_cli(data, "import", str(broken), "--workers", "0")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()[:1]
    assert line.startswith(f"{broken}: not imported: an ARC file that warcio cannot convert")
    assert not [p for p in (data / "warc").iterdir() if not p.name.startswith(".")]


def test_a_damaged_file_loses_only_its_damaged_bytes(imported, tmp_path: Path) -> None:
    from tests.test_warc_check import members

    own = imported["own"]
    parts = [m for _, m in members(own)]
    damaged = tmp_path / "damaged.warc.gz"
    middle = len(parts) // 2
    flipped = bytearray(parts[middle])
    flipped[len(flipped) // 2] ^= 0xFF
    damaged.write_bytes(b"".join(parts[:middle]) + bytes(flipped) + b"junk between members" + b"".join(parts[middle + 1:]))
    data = tmp_path / "data"
    result = run_cli(data, "import", str(damaged), "--workers", "0")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "1 damaged range left out" in result.stderr, result.stderr
    assert re.search(r"left out at offset \d+: unreadable: \d+ bytes", result.stderr)
    whole = {r for r in table(imported["ours"], "SELECT record_id FROM captures")}
    kept = {r for r in table(data, "SELECT record_id FROM captures")}
    assert kept <= whole and len(whole - kept) <= 1  # at most the one damaged record
    assert sha256(data / "warc" / damaged.name) == sha256(damaged)
    with Index(data / "archive.db", readonly=True) as index:
        assert index.count_articles() >= 3


def test_an_imported_file_named_after_our_metadata_file_reindexes(tmp_path: Path) -> None:
    """reindex reads DATA/warc in name order; an imported file whose name sorts after the
    metadata file of its articles still gets them (metadata waits for its response)."""
    source = tmp_path / "zz-capture.warc.gz"
    foreign_warc(source)
    data = tmp_path / "data"
    run_cli(data, "import", str(source), "--workers", "0", check=True)
    names = sorted(p.name for p in (data / "warc").iterdir())
    assert names[0].startswith("newsarchive-import-") and names[1] == source.name
    run_cli(data, "reindex", check=True)
    assert table(data, "SELECT canonical_url, title FROM articles") == [(NEWS_URL, NEWS_TITLE)]


def test_a_truncated_file_is_counted_as_it_really_is(imported, tmp_path: Path) -> None:
    """A crash cut the last gzip member: the summary counts the whole records, captures and
    articles the file really holds, and the bytes of the cut member, no more and no less."""
    from archive.warc.parse import Gap
    from archive.warc.resync import scan

    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(imported["own"].read_bytes()[:-30])
    items = list(scan(cut))
    records = [i for i in items if not isinstance(i, Gap)]
    [gap] = [i for i in items if isinstance(i, Gap)]
    assert gap.tail and gap.offset + gap.length == cut.stat().st_size
    data = tmp_path / "data"
    result = run_cli(data, "import", str(cut), "--workers", "0")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    captures = len(table(data, "SELECT record_id FROM captures"))
    with Index(data / "archive.db", readonly=True) as index:
        articles = index.count_articles()
    assert (f"{len(records)} records, {captures} captures, {articles} articles, 1 damaged range left out "
            f"({gap.length} bytes)") in result.stderr, result.stderr
    assert f"{articles} article{'s' if articles != 1 else ''} added to the index, {gap.length} damaged bytes left out" \
        in result.stderr, result.stderr
