"""``newsarchive search`` and ``show``: filters, query language, output formats, --sql,
usage errors (case B21's whole kind) and reading while a crawl writes (case B22)."""
from __future__ import annotations

import csv
import io
import json
import re
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.cli import main
from archive.index import ArticleRow, Index
from tests.searchdata import BASE, KAZ_CAIN_JAN_2022, build_archive


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("search") / "data"
    build_archive(folder)
    return folder


def run(data: Path, *args: str) -> object:
    return CliRunner().invoke(main, ["--data", str(data), *args], catch_exceptions=False)


def ids(data: Path, *args: str) -> list[int]:
    result = run(data, "search", *args, "--json")
    assert result.exit_code == 0, result.output
    return [hit["id"] for hit in json.loads(result.stdout)["hits"]]


# -- filters ----------------------------------------------------------------------------


def test_kazakhstan_by_cain_burdeau_in_january_2022(data: Path) -> None:
    assert sorted(ids(data, "kazakhstan", "--author", "Cain Burdeau", "--since", "2022-01-01",
                      "--until", "2022-01-31")) == KAZ_CAIN_JAN_2022


@pytest.mark.parametrize("name", ["Cain Burdeau", "cain burdeau", "CAIN  BURDEAU", " Cain Burdeau "])
def test_author_is_the_whole_name_in_any_case(data: Path, name: str) -> None:
    # not 3 ("Cain Burdeauville") nor 7 (mentions him in the text); 4 spells it in lower case
    assert sorted(ids(data, "", "--author", name)) == [1, 2, 4]


def test_author_matches_non_ascii_names_in_any_case(data: Path) -> None:
    assert ids(data, "", "--author", "ZOË MÜLLER") == [5]
    assert ids(data, "", "--author", "Zoë") == []


@pytest.mark.parametrize(("args", "expected"), [
    (["--category", "courts"], [1, 4]),
    (["--category", "Court"], []),
    (["--tag", "ENERGY"], [1]),
    (["--tag", "kazakhstan"], [7]),
    (["--site", "courthousenews"], [1, 2, 3, 4, 6, 7]),
    (["--site", "example.de"], [5]),
    (["--site", "www.example.de"], [5]),
    (["--site", "https://www.example.de/some/page"], [5]),
    (["--site", "www.courthousenews.com"], [1, 2, 3, 4, 6, 7]),
    (["--site", "example"], []),
    (["--lang", "de"], [5]),
    (["--lang", "en-us"], [2]),
    (["--lang", "en"], [1, 2, 3, 4, 6, 7]),
    (["--since", "2022-01-12"], [3, 4, 5, 7]),
    (["--until", "2022-01-10"], [1, 2]),
])
def test_filters(data: Path, args: list[str], expected: list[int]) -> None:
    assert sorted(ids(data, "", *args, "--limit", "100")) == expected


def test_filters_combine_with_a_query(data: Path) -> None:
    assert ids(data, "pipeline", "--lang", "de") == [5]
    assert ids(data, "pipeline", "--category", "courts") == [1]


def test_sort_and_paging(data: Path) -> None:
    newest = ids(data, "kazakhstan", "--sort", "newest")
    assert newest == [4, 7, 3, 1, 2, 6]  # undated last
    assert ids(data, "kazakhstan", "--sort", "oldest") == [2, 1, 3, 7, 4, 6]
    assert ids(data, "kazakhstan", "--sort", "newest", "--limit", "2", "--offset", "2") == [3, 1]
    assert ids(data, "") == [4, 5, 7, 3, 1, 2, 6]  # no query: latest first


@pytest.mark.parametrize("argv", [
    ["kazakhstan", "-court"],
    ["-court", "kazakhstan", "--limit", "50"],
    ["kazakhstan", "-court", "--sort", "newest"],
    ["kazakhstan -court"],
])
def test_exclusions_typed_as_separate_words(data: Path, argv: list[str]) -> None:
    result = run(data, "search", *argv, "--json")
    assert result.exit_code == 0, result.output
    assert sorted(hit["id"] for hit in json.loads(result.stdout)["hits"]) == [1, 2, 3, 6, 7]


def test_a_dash_value_of_an_option_stays_its_value(data: Path) -> None:
    assert ids(data, "--author", "-x") == []
    assert "Example" in run(data, "search", "-h").output


def test_title_ranks_above_body(data: Path) -> None:
    hits = ids(data, "pipeline")
    assert hits[0] == 1 and set(hits) == {1, 5}  # title match first


def test_query_language(data: Path) -> None:
    assert sorted(ids(data, "kazakhstan -court")) == [1, 2, 3, 6, 7]  # 4: "A court in ..."
    assert sorted(ids(data, "title:kazakhstan")) == [1, 2, 4]
    assert sorted(ids(data, 'author:"cain burdeau"')) == [1, 2, 4]
    assert sorted(ids(data, "author:burdeauville")) == [3]
    assert ids(data, '"federal judge"') == [1]
    assert ids(data, '"judge federal"') == []
    assert sorted(ids(data, "-kazakhstan")) == [5]


# -- output -----------------------------------------------------------------------------


def test_json_hits_carry_replay_url_and_fields(data: Path) -> None:
    (hit,) = json.loads(run(data, "search", "arbitration", "--json").stdout)["hits"]
    assert hit["replay_url"] == f"/archive/20240302100001/{BASE}/kazakhstan-pipeline/?utm_source=x"
    assert hit["authors"] == ["Cain Burdeau"] and hit["categories"] == ["Courts"]
    assert hit["site"] == "courthousenews" and hit["language"] == "en"
    assert "[arbitration]" in hit["snippet"] and hit["score"] > 0
    assert hit["warc_offset"] == 1000


def test_nl_and_csv(data: Path) -> None:
    lines = run(data, "search", "kazakhstan", "--nl", "--limit", "3").stdout.splitlines()
    assert len(lines) == 3 and all(json.loads(line)["id"] for line in lines)
    rows = list(csv.DictReader(io.StringIO(run(data, "search", "kazakhstan", "--csv").stdout)))
    assert len(rows) == 6
    first = next(r for r in rows if r["id"] == "2")
    assert first["authors"] == "Cain Burdeau; Other Person"
    assert first["replay_url"].startswith("/archive/20240302100002/")


def test_table_is_the_default(data: Path) -> None:
    result = run(data, "search", "arbitration")
    assert result.exit_code == 0
    assert "Judge blocks Kazakhstan pipeline seizure" in result.output
    assert "\x02" not in result.output and "\x03" not in result.output
    assert "No articles match 'zzzz'." in run(data, "search", "zzzz").output


def test_sql_prints_the_statement_without_running_it(tmp_path: Path) -> None:
    result = run(tmp_path / "nowhere", "search", "kazakhstan -court", "--author", "Cain Burdeau",
                 "--site", "example.de", "--sql")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "articles_fts MATCH :match" in out and "bm25(articles_fts" in out
    assert "Cain" not in out.split("-- parameters:")[0]  # user text only in the parameters
    params = json.loads(out.split("-- parameters: ")[1].splitlines()[0])
    assert params["match"] == '("kazakhstan") NOT ("court")'
    assert params["author"] == "cain burdeau" and params["site"] == "example.de"
    assert "nothing searchable" in run(tmp_path, "search", "+++", "--sql").output


def test_sql_output_runs_as_printed(data: Path) -> None:
    import sqlite3

    from archive.index import register_sql_functions

    out = run(data, "search", "kazakhstan", "--author", "cain burdeau", "--sql").output
    sql, rest = out.split(";\n-- parameters: ")
    params = json.loads(rest.splitlines()[0])
    conn = sqlite3.connect(data / "archive.db")
    register_sql_functions(conn)
    assert sorted(row[0] for row in conn.execute(sql, params)) == [1, 2, 4]
    conn.close()


# -- nothing a person types crashes it (B21's whole kind) -------------------------------


@pytest.mark.parametrize("query", [
    '"unbalanced', "unbalanced\"", "AND", "OR NOT", "-", "--", "-\"\"", "author:", "title:",
    "author:\"", "title:-", ":", "::", "a:b:c", "time: 10:30", "C++", "😀", "🇺🇦 kyiv", "NEAR(",
    "*", "'", "", "   ", "-kazakhstan -court -pipeline", "\x00", "a\x00b", "( )", "^x", "{title}:x",
])
def test_odd_queries_give_results_not_errors(data: Path, query: str) -> None:
    for fmt in ("--json", "--table"):
        result = run(data, "search", query, fmt)
        assert result.exit_code == 0, (query, result.output)
        assert "Traceback" not in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["NEAR(", "--raw"], "FTS5 syntax error"),
    (["x", "--sort", "best"], "Invalid value for '--sort'"),
    (["x", "--lang", "e%"], "lang must be a language code"),
    (["x", "--author", "  "], "author must not be empty"),
    (["x", "--since", "2022-02-30"], "is not a date"),
    (["x", "--limit", "-1"], "Invalid value for '--limit'"),
])
def test_usage_errors_exit_2_with_one_line(data: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["--data", str(data), "search", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    if "--raw" in args:
        assert len(result.output.strip().splitlines()) == 1


_words = st.sampled_from(['"', "-", ":", "author:", "title:", "-title:", "AND", "NOT", "(", ")",
                          "*", "^", "NEAR", "😀", "\x00", " ", "kazakhstan", "court", "é", "'"])
_text = st.one_of(st.text(max_size=40), st.lists(st.one_of(_words, st.text(max_size=5)), max_size=10).map("".join))
_options = st.lists(st.sampled_from([
    ["--raw"], ["--author", "cain burdeau"], ["--tag", "x"], ["--site", "example.de"], ["--lang", "en"],
    ["--sort", "newest"], ["--since", "2022-01-01"], ["--csv"], ["--nl"], ["--sql"],
]), max_size=3)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=_text, options=_options, site=st.text(max_size=8), lang=st.text(max_size=6))
def test_cli_never_crashes(data: Path, query: str, options: list[list[str]], site: str, lang: str) -> None:
    args = [a for option in options for a in option]
    for extra in ([], ["--site", site], ["--lang", lang]):
        result = CliRunner().invoke(main, ["--data", str(data), "search", query, *args, *extra])
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert result.exit_code in (0, 2), result.output
        if result.exit_code == 2:
            assert result.output.strip() and "Traceback" not in result.output


# -- show -------------------------------------------------------------------------------


@pytest.mark.parametrize("ident", ["1", f"{BASE}/kazakhstan-pipeline/",
                                   f"{BASE}/kazakhstan-pipeline/?utm_source=x",
                                   f"{BASE}/kazakhstan-pipeline"])
def test_show_by_id_or_any_url(data: Path, ident: str) -> None:
    result = run(data, "show", ident, "--json")
    assert result.exit_code == 0, result.output
    article = json.loads(result.stdout)
    assert article["id"] == 1 and article["title"] == "Judge blocks Kazakhstan pipeline seizure"
    assert article["text"].startswith("A federal judge")
    assert [(c["record_type"], c["fetched_at"]) for c in article["captures"]] == [
        ("response", "2024-03-02T10:00:01Z"), ("revisit", "2024-04-02T10:00:00Z")]
    revisit = article["captures"][1]
    assert revisit["refers_to_date"] == "2024-03-02T10:00:01Z" and revisit["warc_offset"] == 100_000
    assert article["replay_url"].startswith("/archive/20240302100001/")


def test_show_table(data: Path) -> None:
    result = run(data, "show", "1")
    assert result.exit_code == 0
    out = result.output
    for text in ("Judge blocks Kazakhstan pipeline seizure", "Cain Burdeau", "A federal judge",
                 "2 capture(s)", "revisit", "newsarchive-20240302100000",
                 "100000", "response"):
        assert text in out, text
    assert "A federal judge" not in run(data, "show", "1", "--no-text").output


def test_show_on_a_narrow_terminal_wraps_urls_whole(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    article = json.loads(run(data, "show", "1", "--json").output)
    out = run(data, "show", "1", "--no-text").output
    assert "\u2026" not in out  # no URL cut short with an ellipsis
    lines = out.splitlines()
    start = next(n for n, line in enumerate(lines) if line.strip().startswith("canonical_url"))
    folded = "".join(line.split("canonical_url")[-1].strip() for line in lines[start:start + 4])
    assert folded.startswith(article["canonical_url"]) and len(article["canonical_url"]) > 45


@pytest.mark.parametrize("ident", ["999", "https://nowhere.example/x", "not a url"])
def test_show_unknown_article_exits_1(data: Path, ident: str) -> None:
    result = run(data, "show", ident)
    assert result.exit_code == 1 and "no article" in result.output and "newsarchive search" in result.output


# -- reading while a crawl writes (B22) -------------------------------------------------


def test_search_show_stats_while_a_crawl_writes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    build_archive(data)
    stop = threading.Event()
    errors: list[BaseException] = []
    written = [0]

    def crawl() -> None:  # one writer, short batched transactions, as the index pipeline does
        try:
            with Index(data / "archive.db") as index:
                n = 1000
                while not stop.is_set() and n < 1000 + 50 * 40:
                    index.upsert_articles([
                        ArticleRow(canonical_url=f"{BASE}/live-{n + i}/", url=f"{BASE}/live-{n + i}/",
                                   title=f"Live story {n + i} about Kazakhstan", text="Kazakhstan court news. " * 50,
                                   authors=["Cain Burdeau"], published="2022-01-20", site="courthousenews")
                        for i in range(50)
                    ])
                    n += 50
                    written[0] = n - 1000
        except BaseException as exc:
            errors.append(exc)

    writer = threading.Thread(target=crawl)
    writer.start()
    try:
        seen = []
        for round_ in range(30):
            result = run(data, "search", "kazakhstan", "--author", "cain burdeau", "--json", "--limit", "5")
            assert result.exit_code == 0, result.output
            seen.append(len(json.loads(result.stdout)["hits"]))
            assert run(data, "show", "1", "--json").exit_code == 0
            if round_ % 5 == 0:
                assert run(data, "stats", "--json").exit_code == 0
    finally:
        stop.set()
        writer.join()
    assert errors == []
    assert written[0] > 0 and seen[-1] == 5


# -- bounded cost, any str (issue 14) ---------------------------------------------------


@pytest.mark.parametrize("query", ["\ud800", "caf\udcc3\udca9", "a " * 50_000, "x" * 100_000, "\x00" * 100])
def test_any_str_and_repeats_give_results(data: Path, query: str) -> None:
    for fmt in ("--json", "--table", "--csv", "--sql"):
        result = CliRunner().invoke(main, ["--data", str(data), "search", query, "--author", "\udcff", fmt])
        assert result.exit_code == 0, (fmt, result.output[-500:])
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_repeated_terms_and_the_cap_on_terms(data: Path) -> None:
    assert sorted(ids(data, "kazakhstan " * 5000, "--limit", "50")) == [1, 2, 3, 4, 6, 7]
    result = CliRunner().invoke(main, ["--data", str(data), "search", *(f"w{i}" for i in range(65))])
    assert result.exit_code == 2
    assert result.output.strip() == "Error: too many search terms (65); at most 64"
    assert "--time-limit" in run(data, "search", "-h").output


# -- what a librarian sees (issue 18) ---------------------------------------------------


def _title_cells(output: str) -> str:
    """The text of the table's third column (title / snippet / URL), lines joined, no spaces."""
    cells = [line.split("│")[3] for line in output.splitlines() if line.count("│") == 5]
    return "".join(cells).replace(" ", "")


def test_table_has_ids_full_urls_and_says_which_hits_of_how_many(data: Path) -> None:
    result = CliRunner(env={"COLUMNS": "80"}).invoke(
        main, ["--data", str(data), "search", "kazakhstan", "--limit", "2"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "showing 1–2 of 6 for 'kazakhstan'" in result.output
    lines = [line for line in result.output.splitlines() if line.count("│") == 5]
    shown_ids = [line.split("│")[1].strip() for line in lines if line.split("│")[1].strip()]
    assert shown_ids == ["2", "4"]  # the ids `show` takes, in rank order
    assert "https://www.courthousenews.com/kazakhstan-unrest/" in _title_cells(result.output)
    assert "…" not in result.output  # nothing cut at 80 columns
    assert "--offset 2" in result.output  # how to see the rest
    last = run(data, "search", "kazakhstan", "--limit", "4", "--offset", "4").output
    assert "showing 5–6 of 6" in last and "--offset" not in last.split("showing")[1].split("\n", 1)[1]


def test_table_titles_link_to_the_replay_where_the_terminal_has_hyperlinks(data: Path) -> None:
    env = {"FORCE_COLOR": "1", "TERM": "xterm-256color", "COLUMNS": "200"}
    out = CliRunner(env=env).invoke(main, ["--data", str(data), "search", "arbitration"]).output
    link = f"\x1b]8;id=\\d+;http://127.0.0.1:8080/archive/20240302100001/{BASE}/kazakhstan-pipeline/\\?utm_source=x\x1b\\\\"
    assert re.search(link, out), out
    out = CliRunner(env={**env, "NEWSARCHIVE_REPLAY": "http://archive.lan:9000/"}).invoke(
        main, ["--data", str(data), "search", "arbitration"]).output
    assert ";http://archive.lan:9000/archive/20240302100001/" in out
    plain = run(data, "search", "arbitration").output  # not a terminal: no escape codes at all
    assert "\x1b" not in plain


def test_limit_0_counts_in_every_format(data: Path) -> None:
    assert run(data, "search", "kazakhstan", "--limit", "0").output.strip() == "6 articles match 'kazakhstan'"
    assert run(data, "search", "", "--limit", "0").output.strip() == "7 articles in the archive"
    assert run(data, "search", "zzzz", "--limit", "0").output.strip() == "0 articles match 'zzzz'"
    page = json.loads(run(data, "search", "kazakhstan", "--limit", "0", "--json").stdout)
    assert page == {"query": "kazakhstan", "total": 6, "offset": 0, "limit": 0, "hits": []}
    assert json.loads(run(data, "search", "kazakhstan", "--limit", "0", "--nl").stdout) == {"total": 6}
    assert run(data, "search", "kazakhstan", "--limit", "0", "--csv").stdout == "total\n6\n"


def test_every_format_carries_the_total(data: Path) -> None:
    page = json.loads(run(data, "search", "kazakhstan", "--limit", "2", "--offset", "1", "--json").stdout)
    assert (page["total"], page["offset"], page["limit"], len(page["hits"])) == (6, 1, 2, 2)
    lines = [json.loads(line) for line in run(data, "search", "kazakhstan", "--limit", "2", "--nl").stdout.splitlines()]
    assert [hit["total"] for hit in lines] == [6, 6] and all(hit["id"] for hit in lines)
    rows = list(csv.DictReader(io.StringIO(run(data, "search", "kazakhstan", "--limit", "2", "--csv").stdout)))
    assert [row["total"] for row in rows] == ["6", "6"]
    filtered = json.loads(run(data, "search", "kazakhstan", "--author", "cain burdeau", "--limit", "1", "--json").stdout)
    assert filtered["total"] == 3 and len(filtered["hits"]) == 1  # the count obeys the filters
    beyond = json.loads(run(data, "search", "kazakhstan", "--offset", "50", "--json").stdout)
    assert beyond["total"] == 6 and beyond["hits"] == []
    assert "showing none of 6" in run(data, "search", "kazakhstan", "--offset", "50").output


def test_data_works_after_the_command_and_from_the_environment(data: Path, tmp_path: Path) -> None:
    after = CliRunner().invoke(main, ["search", "kazakhstan", "--data", str(data), "--limit", "0"])
    assert after.exit_code == 0 and after.output.strip() == "6 articles match 'kazakhstan'", after.output
    # after the command it wins over the one before it
    both = CliRunner().invoke(main, ["--data", str(tmp_path), "stats", "--data", str(data), "--json"])
    assert both.exit_code == 0 and json.loads(both.stdout)["articles"] == 7
    env = CliRunner(env={"NEWSARCHIVE_DATA": str(data)}).invoke(main, ["search", "kazakhstan", "--limit", "0"])
    assert env.exit_code == 0 and "6 articles" in env.output
    nested = CliRunner().invoke(main, ["warc", "check", "--data", str(tmp_path / "none")])
    assert "No such option" not in nested.output
