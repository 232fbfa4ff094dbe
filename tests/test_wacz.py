"""``newsarchive export --format wacz``: a WACZ 1.1.1 that ``wacz validate`` accepts, whose page
list holds every article's capture, title and text, and whose index lists what replays (the
article and its page requisites, never its metadata record)."""
from __future__ import annotations

import csv
import gzip
import io
import json
import os
import stat
import subprocess
import sys
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from warcio.timeutils import iso_date_to_timestamp

from archive.cli import main
from archive.index import Index
from archive.warc.wacz import create_wacz, validate_wacz
from tests.test_reindex import Archive, article_html, build_archive, paragraphs

ROOT = Path(__file__).resolve().parents[1]
SITE = "https://styled.example"


def png_1px() -> bytes:
    """A valid 1x1 grey PNG (PNG spec: signature, IHDR, IDAT, IEND chunks)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b""))


#: Page requisites of the styled article: path -> (Content-Type, body).
REQUISITES = {
    "/static/site.css": (b"text/css", b"@font-face{font-family:Mock;src:url(/static/mock.woff2) format('woff2')}"
                                     b"body{background:rgb(1,2,3);color:rgb(250,250,250);font-family:Mock,serif}"),
    "/static/site.js": (b"application/javascript", b"document.documentElement.dataset.script = 'ran';"),
    "/static/photo.png": (b"image/png", png_1px()),
    "/static/mock.woff2": (b"font/woff2", b"wOF2 not really a font"),
}
STYLED_TITLE = "Harbour dredging approved"


def build_styled_archive(data: Path) -> dict[str, Any]:
    """One article that links a stylesheet, a script, an image and (from the CSS) a font,
    written as the crawler writes it: the article's response, then its metadata record (newer
    than the response), then its requisites' responses; indexed with the Index API.

    Returns:
        ``{"url": article URL, "requisites": [their URLs]}``.
    """
    from archive.warc import WarcWriter

    writer = WarcWriter(data / "warc", info={"operator": "tests"})
    index = Index(data / "archive.db")
    crawl_id = index.start_crawl("mock", since="2024-03-01", until="2024-03-31", args={})
    arc = Archive(data, writer, index, crawl_id)
    url = f"{SITE}/2024/03/harbour/"
    page = article_html("harbour", STYLED_TITLE, "Ana Roe", "2024-03-05", paragraphs("The harbour"),
                        canonical=url).replace(
        b"</head>", b'<link rel="stylesheet" href="/static/site.css"><script src="/static/site.js"></script></head>'
    ).replace(b"</article>", b'<img id="photo" src="/static/photo.png" alt="photo"></article>')
    capture = arc.exchange(url, page)
    arc.tick()  # the metadata record is written after the response, as the crawler does
    arc.article(capture, page, url, issue_date="2024-03-05")
    for path, (mime, body) in REQUISITES.items():
        arc.exchange(SITE + path, body, headers=[(b"Content-Type", mime)])
    index.finish_crawl(crawl_id, status="finished", stats={})
    writer.close()
    index.close()
    return {"url": url, "requisites": [SITE + path for path in REQUISITES]}


def export_wacz(data: Path, out: Path) -> None:
    """``newsarchive --data DATA export --format wacz -o OUT`` (the CLI, in this process)."""
    result = CliRunner().invoke(main, ["--data", str(data), "export", "--format", "wacz", "-o", str(out)])
    assert result.exit_code == 0, result.output


def cdx_lines(path: Path) -> list[tuple[str, str, dict[str, Any]]]:
    """The WACZ's ``indexes/index.cdx.gz`` as ``(urlkey, timestamp, fields)``."""
    with zipfile.ZipFile(path) as z:
        text = gzip.decompress(z.read("indexes/index.cdx.gz")).decode("utf-8")
    return [(key, ts, json.loads(fields)) for key, ts, fields in (line.split(" ", 2) for line in text.splitlines())]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("wacz") / "data"
    build_archive(data)
    return data


@pytest.fixture(scope="module")
def wacz_file(archive: Path) -> Path:
    out = archive.parent / "archive.wacz"
    result = CliRunner().invoke(main, ["--data", str(archive), "export", "--format", "wacz", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Exported 4 articles and 3 WARC files" in result.output
    return out


def pages(path: Path) -> list[dict[str, Any]]:
    with zipfile.ZipFile(path) as z:
        return [json.loads(line) for line in z.read("pages/pages.jsonl").decode("utf-8").splitlines()]


def test_wacz_validate_passes(wacz_file: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "wacz", "validate", "-f", str(wacz_file)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation succeeded" in result.stdout
    assert validate_wacz(wacz_file)[0]


def test_layout(wacz_file: Path, archive: Path) -> None:
    with zipfile.ZipFile(wacz_file) as z:
        names = set(z.namelist())
        package = json.loads(z.read("datapackage.json"))
    warcs = sorted(p.name for p in (archive / "warc").glob("*.warc.gz"))
    assert {"datapackage.json", "datapackage-digest.json", "pages/pages.jsonl", "indexes/index.cdx.gz",
            "indexes/index.idx"} | {f"archive/{w}" for w in warcs} == names
    assert package["wacz_version"] == "1.1.1" and "4 articles" in package["description"]
    for resource in package["resources"]:
        if resource["path"].startswith("archive/"):
            assert resource["bytes"] == (archive / "warc" / resource["name"]).stat().st_size


def test_pages_hold_every_article_with_title_and_text(wacz_file: Path, archive: Path) -> None:
    header, *entries = pages(wacz_file)
    assert header == {"format": "json-pages-1.0", "id": "pages", "title": "Articles", "hasText": True}
    with Index(archive / "archive.db", readonly=True) as index:
        articles = list(index.iter_articles())
    assert len(entries) == len(articles) == 4
    for page, article in zip(entries, articles):
        assert page["url"] == article["url"] and page["ts"] == article["fetched_at"]
        assert page["title"] == article["title"] and page["text"] == article["text"]
    assert len({p["id"] for p in entries}) == 4


def test_every_page_is_a_capture_in_the_cdx(wacz_file: Path) -> None:
    with zipfile.ZipFile(wacz_file) as z:
        lines = gzip.decompress(z.read("indexes/index.cdx.gz")).decode("utf-8").splitlines()
    captured = {(json.loads(line.split(" ", 2)[2])["url"], line.split(" ", 2)[1]) for line in lines}
    for page in pages(wacz_file)[1:]:
        assert (page["url"], iso_date_to_timestamp(page["ts"])) in captured


@pytest.fixture(scope="module")
def styled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data = tmp_path_factory.mktemp("styled") / "data"
    info = build_styled_archive(data)
    out = data.parent / "styled.wacz"
    export_wacz(data, out)
    return {**info, "data": data, "wacz": out}


def warc_record_types(data: Path) -> dict[tuple[str, int], str]:
    """``(WARC file name, offset) -> record type`` of every record in ``DATA/warc``."""
    from archive.warc import iter_records

    return {(path.name, offset): record.rec_type for path in sorted((data / "warc").glob("*.warc.gz"))
            for offset, _length, record in iter_records(path)}


def test_the_index_lists_every_record_that_replays_and_nothing_else(wacz_file: Path, archive: Path) -> None:
    """Response and revisit records are captures; metadata, request and warcinfo records are not
    (a metadata record listed under the article's URL is a newer "capture" that replays nothing)."""
    types = warc_record_types(archive)
    indexed = [types[(fields["filename"], int(fields["offset"]))] for _key, _ts, fields in cdx_lines(wacz_file)]
    assert sorted(indexed) == sorted(t for t in types.values() if t in ("response", "revisit", "resource"))
    assert "metadata" in types.values()


def test_an_article_url_alone_finds_its_response(styled: dict[str, Any]) -> None:
    """A replay asked for a URL with no time takes its newest capture: that is the article's
    response, not the metadata record written after it."""
    types = warc_record_types(styled["data"])
    captures = [(ts, fields) for _key, ts, fields in cdx_lines(styled["wacz"]) if fields["url"] == styled["url"]]
    assert len(captures) == 1
    newest = max(captures, key=lambda capture: capture[0])[1]
    assert types[(newest["filename"], int(newest["offset"]))] == "response"
    assert newest["mime"] == "text/html" and newest["status"] == "200"


def test_page_requisites_are_packaged_and_indexed_but_are_not_pages(styled: dict[str, Any]) -> None:
    lines = cdx_lines(styled["wacz"])
    for url, (mime, _body) in zip(styled["requisites"], REQUISITES.values()):
        found = [fields for _key, _ts, fields in lines if fields["url"] == url]
        assert len(found) == 1, url
        assert found[0]["mime"] == mime.decode() and found[0]["status"] == "200"
    with zipfile.ZipFile(styled["wacz"]) as z:
        packaged = {name for name in z.namelist() if name.startswith("archive/")}
    assert packaged == {f"archive/{p.name}" for p in (styled["data"] / "warc").glob("*.warc.gz")}
    header, *entries = pages(styled["wacz"])
    assert [(p["url"], p["title"]) for p in entries] == [(styled["url"], STYLED_TITLE)]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "wacz"])
def test_export_creates_the_output_folder(archive: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "new" / "folder" / f"articles.{fmt}"
    result = CliRunner().invoke(main, ["--data", str(archive), "export", "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file() and "Exported 4 articles" in result.output
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no .part file left behind


def test_export_into_a_path_that_is_a_file_is_a_message(archive: Path, tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    for fmt in ("jsonl", "wacz"):
        result = CliRunner().invoke(main, ["--data", str(archive), "export", "--format", fmt,
                                           "-o", str(tmp_path / "taken" / f"x.{fmt}")])
        assert result.exit_code == 1 and "cannot write" in result.output, result.output
        assert "Traceback" not in result.output


def test_export_through_a_symlink_keeps_the_link(archive: Path, tmp_path: Path) -> None:
    target = tmp_path / "real" / "articles.jsonl"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "latest.jsonl"
    link.symlink_to(target)
    result = CliRunner().invoke(main, ["--data", str(archive), "export", "-o", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == target.resolve()
    lines = target.read_text().splitlines()
    assert len(lines) == 4 and all(json.loads(line)["title"] for line in lines)
    assert sorted(p.name for p in target.parent.iterdir()) == ["articles.jsonl"]


def test_export_into_a_fifo_writes_into_it(archive: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = CliRunner().invoke(main, ["--data", str(archive), "export", "--format", "csv", "-o", str(fifo)])
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # still the pipe, not replaced by a file
    rows = list(csv.DictReader(io.StringIO(received[0].decode("utf-8"))))
    assert len(rows) == 4 and all(row["url"].startswith("http") for row in rows)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_since_until_limit_the_pages(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "march6.wacz"
    result = create_wacz(archive, out, since="2024-03-06", until="2024-03-06")
    assert result.pages == 1 and result.warc_files == 3
    assert [p["title"] for p in pages(out)[1:]] == ["Council passes budget"]
    assert validate_wacz(out)[0]


def test_wacz_needs_an_output_file(archive: Path) -> None:
    result = CliRunner().invoke(main, ["--data", str(archive), "export", "--format", "wacz"])
    assert result.exit_code == 2 and "-o" in result.output


def test_wacz_without_an_archive(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--data", str(tmp_path), "export", "--format", "wacz", "-o",
                                       str(tmp_path / "x.wacz")])
    assert result.exit_code == 1 and "no archive at" in result.output
    assert not (tmp_path / "x.wacz").exists()


def test_a_damaged_warc_tail_is_refused_before_packaging(tmp_path: Path) -> None:
    """A WACZ made of a truncated WARC would not validate: export says so and makes none."""
    from archive.warc.wacz import WaczError, create_wacz
    from archive.warc import HttpExchange, WarcWriter
    from archive.index import Index

    data = tmp_path / "data"
    with WarcWriter(data / "warc") as writer:
        for n in range(3):
            writer.write_exchange(HttpExchange(url=f"https://news.example.org/{n}/", method="GET", request_headers=[],
                                               status=200, response_headers=[(b"Content-Type", b"text/html")],
                                               body=b"<html><body>story</body></html>" * 50))
    Index(data / "archive.db").close()
    path = next((data / "warc").glob("*.warc.gz"))
    path.write_bytes(path.read_bytes()[:-40])
    out = tmp_path / "x.wacz"
    with pytest.raises(WaczError, match="warc check --repair"):
        create_wacz(data, out)
    assert not out.exists()


def test_damaged_framing_in_the_middle_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """A gzip bomb inside a WARC (tests/test_damage.bomb): py-wacz's indexer (warcio) would read
    its zeros as one line, gigabytes in memory; export refuses the file instead, naming it."""
    import resource
    import textwrap

    from tests.test_damage import bomb, bomb_header
    from tests.test_warc_check import members

    data = tmp_path / "data"
    build_archive(data, max_bytes=10**9)
    [path] = sorted((data / "warc").glob("*.warc.gz"))
    parts = [m for _, m in members(path)]
    at = len(parts) // 2
    path.write_bytes(b"".join(parts[:at]) + bomb(bomb_header(100), 1 << 30) + b"".join(parts[at:]))
    script = textwrap.dedent("""
        import resource, subprocess, sys
        run = subprocess.run([sys.executable, "-m", "archive", "--data", sys.argv[1], "export", "--format", "wacz",
                              "-o", sys.argv[2]], capture_output=True, text=True)
        sys.stderr.write(run.stdout + run.stderr)
        print(run.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    """)
    out = tmp_path / "x.wacz"
    run = subprocess.run([sys.executable, "-c", script, str(data), str(out)], capture_output=True, text=True,
                         timeout=300, cwd=Path(__file__).resolve().parents[1])
    code, peak_kib = (int(v) for v in run.stdout.split())
    assert code == 1 and f"damaged WARC framing in {path.name} at byte" in run.stderr, run.stderr[-2000:]
    assert "Traceback" not in run.stderr and peak_kib < 300 * 1024, peak_kib
    assert not out.exists()
