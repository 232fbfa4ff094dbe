"""archive.export: JSON Lines and CSV with exactly the documented keys."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from archive.export import EXPORT_FIELDS, export_articles
from archive.index import ArticleRow, Index
from archive.query import QueryError

KEYS = [
    "id", "url", "canonical_url", "title", "authors", "published", "modified", "categories",
    "tags", "description", "sitename", "language", "text", "warc_filename", "warc_offset",
    "warc_length", "fetched_at", "replay_url",
]

ROW_1 = ArticleRow(
    canonical_url="https://news.example.org/2024/03/02/council-budget",
    url="https://news.example.org/2024/03/02/council-budget?utm_source=feed",
    site="example",
    issue_date="2024-03-02",
    title="Council approves budget",
    authors=["Alex Placeholder", "Zoë Ñandú"],
    published="2024-03-02T09:00:00+01:00",
    modified="2024-03-18",
    categories=["Local"],
    tags=["budget", "council"],
    description='The "new" budget, explained',
    sitename="Example Gazette",
    language="en",
    text="Line one, with a comma.\nLine two „quoted“ – done.",
    extractor="newsarchive/0.1.0",
    warc_filename="news-20240302-00000.warc.gz",
    warc_offset=1234,
    warc_length=5678,
    fetched_at="2024-03-02T10:00:00Z",
)
ROW_2 = ArticleRow(
    canonical_url="https://news.example.org/2024/03/01/cafe",
    url="https://news.example.org/2024/03/01/cafe",
    title="Café reopens",
    published="2024-03-01",
    text="",
)

EXPECTED_1: dict[str, Any] = {
    "id": 1,
    "url": "https://news.example.org/2024/03/02/council-budget?utm_source=feed",
    "canonical_url": "https://news.example.org/2024/03/02/council-budget",
    "title": "Council approves budget",
    "authors": ["Alex Placeholder", "Zoë Ñandú"],
    "published": "2024-03-02T09:00:00+01:00",
    "modified": "2024-03-18",
    "categories": ["Local"],
    "tags": ["budget", "council"],
    "description": 'The "new" budget, explained',
    "sitename": "Example Gazette",
    "language": "en",
    "text": "Line one, with a comma.\nLine two „quoted“ – done.",
    "warc_filename": "news-20240302-00000.warc.gz",
    "warc_offset": 1234,
    "warc_length": 5678,
    "fetched_at": "2024-03-02T10:00:00Z",
    # the capture in `newsarchive replay`: /archive/<WARC-Date as 14 digits>/<url>
    "replay_url": "/archive/20240302100000/https://news.example.org/2024/03/02/council-budget?utm_source=feed",
}
EXPECTED_2: dict[str, Any] = {
    "id": 2,
    "url": "https://news.example.org/2024/03/01/cafe",
    "canonical_url": "https://news.example.org/2024/03/01/cafe",
    "title": "Café reopens",
    "authors": [],
    "published": "2024-03-01",
    "modified": None,
    "categories": [],
    "tags": [],
    "description": None,
    "sitename": None,
    "language": None,
    "text": "",
    "warc_filename": None,
    "warc_offset": None,
    "warc_length": None,
    "fetched_at": None,
    "replay_url": None,  # never captured: nothing to replay
}


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Index]:
    with Index(tmp_path / "archive.db") as ix:
        ix.upsert_articles([ROW_1, ROW_2])
        yield ix


def test_fields_are_the_documented_ones() -> None:
    assert list(EXPORT_FIELDS) == KEYS


def test_jsonl_round_trip(index: Index) -> None:
    out = io.StringIO()
    assert export_articles(index, "jsonl", out) == 2
    text = out.getvalue()
    assert "Zoë Ñandú" in text  # ensure_ascii=False
    lines = text.splitlines()
    assert len(lines) == 2 and text.endswith("\n")
    records = [json.loads(line) for line in lines]
    assert [list(r) for r in records] == [KEYS, KEYS]
    assert records == [EXPECTED_2, EXPECTED_1]  # ordered by published


def test_csv_round_trip(index: Index) -> None:
    out = io.StringIO(newline="")
    assert export_articles(index, "csv", out) == 2
    reader = csv.DictReader(io.StringIO(out.getvalue(), newline=""))
    assert reader.fieldnames == KEYS
    rows = list(reader)
    assert len(rows) == 2

    def as_csv(expected: dict[str, Any]) -> dict[str, str]:
        return {
            key: "; ".join(value) if isinstance(value, list)
            else "" if value is None else str(value)
            for key, value in expected.items()
        }

    assert rows == [as_csv(EXPECTED_2), as_csv(EXPECTED_1)]
    assert rows[1]["authors"] == "Alex Placeholder; Zoë Ñandú"
    assert rows[1]["text"] == "Line one, with a comma.\nLine two „quoted“ – done."


def test_csv_file_on_disk(index: Index, tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        assert export_articles(index, "csv", fh) == 2
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["canonical_url"] for r in rows] == [
        EXPECTED_2["canonical_url"], EXPECTED_1["canonical_url"]]


def test_since_until(index: Index) -> None:
    out = io.StringIO()
    assert export_articles(index, "jsonl", out, since="2024-03-02") == 1
    assert [json.loads(x)["title"] for x in out.getvalue().splitlines()] == [
        "Council approves budget"]
    out = io.StringIO()
    assert export_articles(index, "csv", out, until="2024-03-01") == 1
    assert [r["title"] for r in csv.DictReader(io.StringIO(out.getvalue()))] == [
        "Café reopens"]
    out = io.StringIO()
    assert export_articles(index, "jsonl", out, since="2025-01-01") == 0
    assert out.getvalue() == ""


def test_empty_index_csv_has_header_only(tmp_path: Path) -> None:
    with Index(tmp_path / "empty.db") as ix:
        out = io.StringIO()
        assert export_articles(ix, "csv", out) == 0
    assert out.getvalue() == ",".join(KEYS) + "\r\n"


def test_unknown_format(index: Index) -> None:
    out = io.StringIO()
    with pytest.raises(ValueError, match=r"unknown export format 'xml': use one of jsonl, csv"):
        export_articles(index, "xml", out)
    assert out.getvalue() == ""


def test_bad_date_raises_before_writing(index: Index) -> None:
    out = io.StringIO()
    with pytest.raises(QueryError, match="since must be a date"):
        export_articles(index, "csv", out, since="2024-3-2")
    assert out.getvalue() == ""


def test_export_streams_rows(index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows are written as they are read: the first is out before the second is fetched."""
    seen_before_second: list[str] = []
    out = io.StringIO()
    real = index.iter_articles

    def spying_iter(**kwargs: object) -> Iterator[dict[str, object]]:
        it = real(**kwargs)  # type: ignore[arg-type]
        yield next(it)
        seen_before_second.append(out.getvalue())
        yield from it

    monkeypatch.setattr(index, "iter_articles", spying_iter)
    assert export_articles(index, "jsonl", out) == 2
    assert len(seen_before_second) == 1
    assert json.loads(seen_before_second[0])["title"] == "Café reopens"
