"""newsarchive eval --by-publisher (leave-one-publisher-out) and --save/--compare (issue 17)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from click.testing import CliRunner

from archive.cli import main
from archive.evaluate import in_date_range
from archive.evaluate_publishers import by_publisher, compare, rule_check
from tests.test_extract import _small_corpus


def row(rid: str, publisher: str, title_ok: bool, authors_f1: float | None = 1.0, url: str = "") -> dict:
    return {"id": rid, "publisher": publisher, "url": url or f"https://{publisher.lower()}.example.org/{rid}",
            "title": f"t-{rid}-{title_ok}", "authors": [], "published": None, "chars": 10,
            "title_ok": title_ok, "authors_f1": authors_f1, "date_ok": None, "body_f1": 0.5}


def test_lopo_aggregate_weighs_every_publisher_once() -> None:
    rows = [row("a1", "Big", True), row("a2", "Big", True), row("a3", "Big", True), row("b1", "Small", False, 0.0)]
    per, lopo = by_publisher(rows)
    assert per["Big"] == {"pages": 3, "title": 1.0, "authors": 1.0, "date": None, "body_f1": 0.5}
    assert per["Small"]["title"] == 0.0
    assert lopo == {"publishers": 2, "title": 0.5, "authors": 0.5, "date": None, "body_f1": 0.5}


def test_rule_check_finds_a_rule_naming_a_publisher_domain(tmp_path: Path) -> None:
    rows = [row("a1", "Gazette", True, url="https://www.gazette.example.org/a"), row("b1", "Herald", True)]
    naming = tmp_path / "extract_x.py"
    naming.write_text("A = 1\nif host == 'gazette.example.org':\n    pass\n")
    generic = tmp_path / "extract_y.py"
    generic.write_text("# a gazette-like site, any host\nB = 'example.org/gazette'\n")
    assert rule_check(rows, [naming]) == {"Gazette": ["extract_x.py:2"]}
    assert rule_check(rows, [generic]) == {}


def test_compare_lists_pages_better_and_worse_per_field() -> None:
    before = [row("p1", "X", False), row("p2", "X", True), row("p3", "X", True)]
    after = [row("p1", "X", True), row("p2", "X", False), row("p3", "X", True), row("p4", "X", False)]
    changes = compare(after, before)
    assert [c["id"] for c in changes["title"]["better"]] == ["p1"]
    assert [c["id"] for c in changes["title"]["worse"]] == ["p2"]
    assert changes["title"]["worse"][0]["was"] == "t-p2-True" and changes["title"]["worse"][0]["now"] == "t-p2-False"
    assert changes["authors"] == {"better": [], "worse": []}


def test_cli_eval_by_publisher_save_and_compare(tmp_path: Path) -> None:
    corpus = _small_corpus(tmp_path)
    saved = tmp_path / "run.jsonl"
    result = CliRunner().invoke(main, ["eval", "--corpus", str(corpus), "--by-publisher", "--show", "0",
                                       "--save", str(saved)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "news.example.org      1   1.0000   1.0000   1.0000   0.0000" in result.output
    assert "LOPO (mean of 1 publishers)" in result.output
    assert "rule check: no extraction rule names a publisher" in result.output
    assert json.loads(saved.read_text().splitlines()[0])["id"] == "b14"
    compared = CliRunner().invoke(main, ["eval", "--corpus", str(corpus), "--compare", str(saved), "--show", "3"])
    assert compared.exit_code == 0
    assert "-- title: 0 pages better, 0 worse" in compared.output
    as_json = CliRunner().invoke(main, ["eval", "--corpus", str(corpus), "--json", "--by-publisher", "--show", "0"])
    assert json.loads(as_json.output)["lopo"]["publishers"] == 1


def test_cli_eval_compare_with_a_file_that_is_not_a_run(tmp_path: Path) -> None:
    corpus = _small_corpus(tmp_path)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    result = CliRunner().invoke(main, ["eval", "--corpus", str(corpus), "--compare", str(bad)])
    assert result.exit_code == 2 and "bad.jsonl:1: not JSON" in result.output


def test_in_date_range_bounds_are_inclusive_and_undated_pages_fall_outside() -> None:
    dated, undated = {"published": "2024-03-02 08:15:00+00:00"}, {"published": None}
    assert in_date_range(dated) and in_date_range(undated)  # no bound: every page
    assert in_date_range(dated, "2024-03-02", "2024-03-02")
    assert in_date_range(dated, since="2024-01-01") and in_date_range(dated, until="2024-03-02")
    assert not in_date_range(dated, since="2024-03-03") and not in_date_range(dated, until="2024-03-01")
    assert not in_date_range(undated, since="2000-01-01")  # realsite makes its date up


def test_cli_eval_since_until_scores_only_the_pages_in_range(tmp_path: Path) -> None:
    corpus = _small_corpus(tmp_path)  # one page, truth date 2024-03-02
    inside = CliRunner().invoke(main, ["eval", "--corpus", str(corpus), "--since", "2024-03-02",
                                       "--until", "2024-12-31", "--show", "0"], catch_exceptions=False)
    assert inside.exit_code == 0 and "pages    1" in inside.output.splitlines()
    outside = CliRunner().invoke(main, ["eval", "--corpus", str(corpus), "--since", "2024-03-03", "--json"])
    assert outside.exit_code == 0 and json.loads(outside.output)["figures"]["pages"] == 0
    bad = CliRunner().invoke(main, ["eval", "--corpus", str(corpus), "--until", "March 2024"])
    assert bad.exit_code == 2 and "--until" in bad.output


@pytest.mark.parametrize("truth, says", [
    (b'{"id": "b14"}\n{bad\n', b"line 2: not JSON"),
    (b'{"title": "no id"}\n', b'line 1: not a JSON object with a text "id"'),
    (b"[1, 2]\n", b'line 1: not a JSON object with a text "id"'),
    (b'{"id": "b14", "title": "caf\xff"}\n', b"is not UTF-8 text"),
    (b"\n\n", b"holds no record: nothing to score"),
    (b'{"id": "gone"}\n', b"gone.html.gz not found"),
])
def test_cli_eval_a_corpus_that_cannot_be_scored_says_why(tmp_path: Path, truth: bytes, says: bytes) -> None:
    """A bad truth.jsonl line, a page file that is missing, or no record at all: one line that
    names the file and the line, exit 1, never a traceback or figures of an empty page."""
    corpus = _small_corpus(tmp_path)
    (corpus / "truth.jsonl").write_bytes(truth)
    result = CliRunner().invoke(main, ["eval", "--corpus", str(corpus)])
    assert result.exit_code == 1, result.output
    assert says.decode("utf-8") in result.output and "Traceback" not in result.output
    assert "title" not in result.output.split("Error:")[0]  # no figures were printed


def test_cli_eval_a_damaged_page_file_says_which(tmp_path: Path) -> None:
    corpus = _small_corpus(tmp_path)
    (corpus / "html" / "b14.html.gz").write_bytes(b"\x1f\x8b not really gzip")
    result = CliRunner().invoke(main, ["eval", "--corpus", str(corpus)])
    assert result.exit_code == 1 and "b14.html.gz: not a readable gzip file" in result.output
