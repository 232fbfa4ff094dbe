"""`newsarchive history URL`: an article's versions from `article_versions`, found by any of
its URLs or its id; table, --json and --diff. The rows are written here with SQL, so these
tests do not depend on the crawler.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import main
from archive.history import UnknownArticle, find_article, text_diff, versions
from archive.index import Index

URL = "https://news.example.org/2024/03/12/council-budget/"
TEXT_1 = "The council met on Tuesday.\nIt approved the budget.\nThe vote was 5-2."
TEXT_2 = "The council met on Tuesday.\nIt approved the amended budget.\nThe vote was 5-2."
VERSIONS = [
    # version, fetched_at, digest, title, modified, text, changed, warc file, offset
    (1, "2024-03-12T08:00:00Z", "sha1:AAAA", "Council passes budget", None, TEXT_1, [],
     "newsarchive-20240312080000-00000-h.warc.gz", 1234),
    (2, "2024-03-13T08:00:00Z", "sha1:BBBB", "Council passes budget", "2024-03-13", TEXT_2, ["text", "modified"],
     "newsarchive-20240313080000-00000-h.warc.gz", 0),
    (3, "2024-03-14T08:00:00Z", "sha1:CCCC", "Council passes amended budget", "2024-03-14", TEXT_2,
     ["title", "modified"], "newsarchive-20240314080000-00000-h.warc.gz", 5678),
]


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    with Index(tmp_path / "archive.db") as index:
        db = index.db
        article_id = db["articles"].insert({
            "canonical_url": URL, "url": URL, "site": "wordpress", "title": VERSIONS[-1][3],
            "authors": '["Ann Reporter"]', "published": "2024-03-12", "text": TEXT_2, "version": 3,
            "fetched_at": VERSIONS[-1][1], "warc_filename": VERSIONS[-1][7], "warc_offset": VERSIONS[-1][8],
            "warc_length": 900,
        }).last_pk
        db["aliases"].insert({"url": "https://news.example.org/?p=77", "article_id": article_id})
        for version, fetched_at, digest, title, modified, text, changed, warc, offset in VERSIONS:
            db["article_versions"].insert({
                "article_id": article_id, "version": version, "fetched_at": fetched_at,
                "payload_digest": digest, "title": title, "authors": '["Ann Reporter"]',
                "published": "2024-03-12", "modified": modified, "text": text,
                "changed": json.dumps(changed), "warc_filename": warc, "warc_offset": offset, "warc_length": 900,
            })
        # an article with no version rows (indexed before versions were kept)
        db["articles"].insert({"canonical_url": "https://news.example.org/old/", "url": "https://news.example.org/old/",
                               "title": "Old", "text": "old text", "fetched_at": "2024-01-01T00:00:00Z",
                               "warc_filename": "old.warc.gz", "warc_offset": 10, "warc_length": 20})
    return tmp_path


def run(data: Path, *args: str):
    return CliRunner().invoke(main, ["--data", str(data), "history", *args], catch_exceptions=False,
                              env={"COLUMNS": "200"})  # a wide terminal: table rows unwrapped


@pytest.mark.parametrize("ref", [
    URL,
    "https://NEWS.example.org:443/2024/03/12/council-budget/?utm_source=rss#comments",  # canonicalised
    "https://news.example.org/?p=77",  # an alias
    "1",  # the id
    "https://news.example.org/2024/03/12/council-budget",  # no trailing slash
    "https://news.example.org/2024/03/12/council-budget/amp/",  # the AMP twin
    "https://news.example.org/2024/03/12/council-budget/amp",
])
def test_any_url_of_the_article_or_its_id_finds_it(data: Path, ref: str) -> None:
    with Index(data / "archive.db", readonly=True) as index:
        assert find_article(index, ref)["canonical_url"] == URL


def test_versions_oldest_first(data: Path) -> None:
    with Index(data / "archive.db", readonly=True) as index:
        found = versions(index, find_article(index, URL)["id"])
    assert [v.version for v in found] == [1, 2, 3]
    assert [v.changed for v in found] == [[], ["text", "modified"], ["title", "modified"]]
    assert found[0].warc_location == "newsarchive-20240312080000-00000-h.warc.gz:1234"
    assert found[0].authors == ["Ann Reporter"]


def test_json_is_one_object_per_version(data: Path) -> None:
    result = run(data, URL, "--json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)
    assert [set(i) for i in items] == [{"version", "fetched_at", "payload_digest", "warc_filename", "warc_offset",
                                        "warc_length", "changed", "title"}] * 3
    assert items[1] == {"version": 2, "fetched_at": "2024-03-13T08:00:00Z", "payload_digest": "sha1:BBBB",
                        "warc_filename": "newsarchive-20240313080000-00000-h.warc.gz", "warc_offset": 0,
                        "warc_length": 900, "changed": ["text", "modified"], "title": "Council passes budget"}


def test_nl_and_csv_are_the_json_objects_line_by_line(data: Path) -> None:
    import csv
    import io

    items = json.loads(run(data, URL, "--json").output)
    lines = run(data, URL, "--nl").output.splitlines()
    assert [json.loads(line) for line in lines] == items
    rows = list(csv.DictReader(io.StringIO(run(data, URL, "--csv", "--diff").output)))
    assert list(rows[0]) == [*items[0], "diff"]
    assert [r["version"] for r in rows] == ["1", "2", "3"]
    assert rows[1]["changed"] == "text; modified" and rows[0]["changed"] == "" and rows[0]["diff"] == ""
    assert "+It approved the amended budget." in rows[1]["diff"]
    assert "3 version(s)" in run(data, URL, "--table").output


def test_table(data: Path) -> None:
    result = run(data, "https://news.example.org/?p=77")
    assert result.exit_code == 0, result.output
    out = result.output
    for expected in ("Council passes amended budget", URL, "3 version(s)", "sha1:BBBB", "(first capture)",
                     "text, modified", "title, modified", "2024-03-14T08:00:00Z"):
        assert expected in out, expected
    assert "newsarchive-20240314080000-00000-h.warc.gz:5678" in out
    assert "@@" not in out


def test_diff_between_consecutive_versions(data: Path) -> None:
    result = run(data, URL, "--diff")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "--- version 1 (2024-03-12T08:00:00Z)" in out and "+++ version 2 (2024-03-13T08:00:00Z)" in out
    assert "-It approved the budget." in out and "+It approved the amended budget." in out
    assert " The council met on Tuesday." in out  # context
    assert "version 2 -> 3: text unchanged (title, modified changed)" in out


def test_json_diff(data: Path) -> None:
    items = json.loads(run(data, URL, "--json", "--diff").output)
    assert items[0]["diff"] is None and items[2]["diff"] == ""
    assert "+It approved the amended budget." in items[1]["diff"]


def test_text_diff_is_a_unified_diff(data: Path) -> None:
    with Index(data / "archive.db", readonly=True) as index:
        v1, v2, v3 = versions(index, 1)
    lines = list(text_diff(v1, v2))
    assert lines[0].startswith("--- version 1") and lines[1].startswith("+++ version 2") and lines[2].startswith("@@")
    assert list(text_diff(v2, v3)) == []


def test_an_article_without_version_rows_has_one_version(data: Path) -> None:
    items = json.loads(run(data, "https://news.example.org/old/", "--json").output)
    assert items == [{"version": 1, "fetched_at": "2024-01-01T00:00:00Z", "payload_digest": None,
                      "warc_filename": "old.warc.gz", "warc_offset": 10, "warc_length": 20, "changed": [],
                      "title": "Old"}]


@pytest.mark.parametrize("ref", ["https://news.example.org/nope/", "999", "not a url"])
def test_an_unknown_article_is_one_line_and_exit_1(data: Path, ref: str) -> None:
    result = run(data, ref)
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "no article" in result.output
    with Index(data / "archive.db", readonly=True) as index, pytest.raises(UnknownArticle):
        find_article(index, ref)


def test_a_missing_archive_says_how_to_make_one(tmp_path: Path) -> None:
    result = run(tmp_path / "none", URL)
    assert result.exit_code == 1 and "no archive at" in result.output


@pytest.mark.parametrize("command", [["history"], ["show"], ["show", "--json"]])
@pytest.mark.parametrize("ref", ["\udcff", "http://x/\udcff", "https://news.example.org/?p=\udcc3\udca9"])
def test_an_argument_that_is_not_utf8_is_no_traceback(data: Path, command: list[str], ref: str) -> None:
    """Bytes that are not UTF-8 reach sys.argv as lone surrogates; show and history read them
    as search does (their UTF-8 reading, else U+FFFD): "no article", exit 1, no traceback."""
    result = CliRunner().invoke(main, ["--data", str(data), *command, ref])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "no article" in result.output.lower() or "no article" in (result.stderr or "").lower()


def test_a_surrogate_spelling_finds_the_article_of_its_utf8_reading(tmp_path: Path) -> None:
    url = "https://news.example.org/café/"
    with Index(tmp_path / "archive.db") as index:
        index.db["articles"].insert({"canonical_url": url, "url": url, "title": "Café", "text": "t",
                                     "fetched_at": "2024-01-01T00:00:00Z", "warc_filename": "a.warc.gz",
                                     "warc_offset": 1, "warc_length": 2})
        assert index.article_id_for_spelling("https://news.example.org/caf\udcc3\udca9/") == 1
        assert index.article_id_for("https://news.example.org/caf\udcc3\udca9/") == 1
