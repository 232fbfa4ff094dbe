"""``newsarchive export --format wacz``: a WACZ 1.1.1 that ``wacz validate`` accepts, whose page
list holds every article's capture, title and text."""
from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from warcio.timeutils import iso_date_to_timestamp

from archive.cli import main
from archive.index import Index
from archive.wacz import create_wacz, validate_wacz
from tests.test_reindex import build_archive

ROOT = Path(__file__).resolve().parents[1]


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
    from archive.wacz import WaczError, create_wacz
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
