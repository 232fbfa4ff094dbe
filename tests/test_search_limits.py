"""Search has a bounded cost (issue 14, "bad bytes never cost the archive").

- a repeated term counts once, and a query has at most 64 different terms (and 256 words);
- a query that runs longer than the time limit (5 s, ``time_limit=``, ``--time-limit``,
  ``$NEWSARCHIVE_SEARCH_TIME_LIMIT``, ``Archive(search_time_limit=)``) is stopped by SQLite's
  progress handler with a one-line message;
- Ctrl-C stops a running search;
- any str a person can pass (lone surrogates, NUL, 100k characters), and any bytes on the
  command line, give results or a one-line message, in the library, the API, the CLI and
  the replay search page.

A slow query needs an index where a term matches everywhere: ``SLOW_RAW`` (raw FTS5, which is
passed through unchanged, so not de-duplicated) takes tens of seconds on :func:`build_slow`'s
300 articles without a limit.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.api import Archive, QueryError, SearchTimeout
from archive.cli import main
from archive.index import ArticleRow, Index
from archive.query import MAX_TERMS, clean_text, parse, to_fts5
from archive.replay_search import SearchForm, search_page

ROOT = Path(__file__).resolve().parents[1]
WORDS = "a the court judge of in kazakhstan pipeline".split()
#: raw FTS5: 400 times the word in every article; tens of seconds on build_slow's index
SLOW_RAW = " ".join(["a"] * 400)


def build_slow(data: Path, articles: int = 300) -> Path:
    path = data / "archive.db"
    rng = random.Random(14)
    with Index(path) as index:
        index.upsert_articles([
            ArticleRow(canonical_url=f"https://x.example/{n}", url=f"https://x.example/{n}",
                       title=f"Story {n} a", text=" ".join(rng.choice(WORDS) for _ in range(300)),
                       authors=["Cain Burdeau"], published="2024-01-01")
            for n in range(articles)
        ])
    return path


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("limits") / "data"
    build_slow(folder)
    return folder


@pytest.fixture(scope="module")
def index(data: Path) -> Iterator[Index]:
    with Index(data / "archive.db", readonly=True) as opened:
        yield opened


def cli(data: Path, *args: str, env: dict[str, str] | None = None) -> object:
    return CliRunner().invoke(main, ["--data", str(data), "search", *args], env=env)


# -- repeats and the cap on terms ---------------------------------------------------------


def test_repeated_terms_count_once() -> None:
    assert to_fts5("a a a A " * 50_000) == '"a"'
    assert to_fts5('court -appeal court "court" -appeal -APPEAL') == '("court") NOT ("appeal")'
    assert to_fts5("title:a a title:A") == 'title : "a" "a"'  # another field: another term


def test_at_most_64_terms() -> None:
    assert len(parse(" ".join(f"w{i}" for i in range(MAX_TERMS)))) == MAX_TERMS
    to_fts5(" ".join(f"w{i}" for i in range(MAX_TERMS)))
    with pytest.raises(QueryError) as info:
        to_fts5(" ".join(f"w{i}" for i in range(200)) + " w1 w2")
    assert str(info.value) == "too many search terms (200); at most 64"
    with pytest.raises(QueryError, match=r"^too many words in the search \(50000\); at most 256$"):
        to_fts5("a." * 50_000)  # one term, 50,000 words: a phrase that long costs as much


@pytest.mark.parametrize("repeats", [200, 1000, 50_000])
def test_repeated_terms_run_fast(index: Index, repeats: int) -> None:
    started = time.monotonic()
    hits = index.search(" ".join(["a"] * repeats), limit=5)
    assert len(hits) == 5 and time.monotonic() - started < 1.0


def test_too_many_terms_in_the_cli_is_a_usage_error(data: Path) -> None:
    result = cli(data, " ".join(f"w{i}" for i in range(70)))
    assert result.exit_code == 2
    assert result.output.strip() == "Error: too many search terms (70); at most 64"


# -- the time limit -----------------------------------------------------------------------


def test_a_slow_query_is_stopped_at_the_time_limit(index: Index) -> None:
    started = time.monotonic()
    with pytest.raises(SearchTimeout) as info:
        index.search(SLOW_RAW, raw=True, time_limit=0.5)
    elapsed = time.monotonic() - started
    assert 0.5 <= elapsed < 2.5, elapsed
    assert str(info.value) == "the search took longer than 0.5 s and was stopped; narrow it"
    assert index.search("kazakhstan", limit=1)  # the connection still works, handler removed
    assert index._conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 300


def test_the_default_limit_is_5_s_and_the_variable_changes_it(index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    from archive.index import search_time_limit

    monkeypatch.delenv("NEWSARCHIVE_SEARCH_TIME_LIMIT", raising=False)
    assert search_time_limit() == 5.0
    monkeypatch.setenv("NEWSARCHIVE_SEARCH_TIME_LIMIT", "0.3")
    assert search_time_limit() == 0.3 and search_time_limit(2) == 2.0 and search_time_limit(0) is None
    with pytest.raises(SearchTimeout, match="longer than 0.3 s"):
        index.search(SLOW_RAW, raw=True)
    monkeypatch.setenv("NEWSARCHIVE_SEARCH_TIME_LIMIT", "soon")
    with pytest.raises(QueryError, match=r"NEWSARCHIVE_SEARCH_TIME_LIMIT must be a number of seconds"):
        index.search("a")
    for bad in (-1, float("nan"), "x"):
        with pytest.raises(QueryError, match="must be a number of seconds"):
            search_time_limit(bad)  # type: ignore[arg-type]


def test_api_time_limit(data: Path) -> None:
    with Archive(data, search_time_limit=0.4) as archive:
        started = time.monotonic()
        with pytest.raises(SearchTimeout, match=r"^the search took longer than 0.4 s and was stopped; narrow it$"):
            archive.search(SLOW_RAW, raw=True)
        assert time.monotonic() - started < 2.5
        with pytest.raises(SearchTimeout, match="longer than 0.2 s"):
            archive.search(SLOW_RAW, raw=True, time_limit=0.2)
        assert len(archive.search("a " * 1000, limit=3)) == 3
    with pytest.raises(QueryError):
        Archive(data, search_time_limit=-1)


def test_cli_time_limit_is_one_line_and_exit_1(data: Path) -> None:
    started = time.monotonic()
    result = cli(data, "--raw", SLOW_RAW, "--time-limit", "0.5")
    assert time.monotonic() - started < 3
    assert result.exit_code == 1
    assert result.output.strip() == "Error: the search took longer than 0.5 s and was stopped; narrow it"
    result = cli(data, "--raw", SLOW_RAW, env={"NEWSARCHIVE_SEARCH_TIME_LIMIT": "0.3"})
    assert result.exit_code == 1 and "longer than 0.3 s" in result.output
    result = cli(data, "a", env={"NEWSARCHIVE_SEARCH_TIME_LIMIT": "soon"})
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert "Invalid value for '--time-limit'" in cli(data, "a", "--time-limit", "-1").output


def test_search_page_time_limit(data: Path) -> None:
    context, status = search_page(data, SearchForm(q=" ".join(["a"] * 1000)), time_limit=5)
    assert status == 200 and len(context["hits"]) == 20


# -- Ctrl-C -------------------------------------------------------------------------------


CTRL_C = """
import os, signal, sys, threading, time
from archive.index import Index
index = Index(sys.argv[1], readonly=True)
threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
started = time.monotonic()
try:
    index.search(sys.argv[2], raw=True, time_limit=0)
    print("finished", time.monotonic() - started)
except KeyboardInterrupt:
    print("KeyboardInterrupt", time.monotonic() - started)
print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)
"""


def test_ctrl_c_stops_a_running_search(data: Path) -> None:
    result = subprocess.run([sys.executable, "-c", CTRL_C, str(data / "archive.db"), SLOW_RAW],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    outcome, elapsed = result.stdout.split("\n")[0].split()
    assert outcome == "KeyboardInterrupt" and float(elapsed) < 3, result.stdout
    assert result.stdout.split("\n")[1] == "True"  # Python's own Ctrl-C handler is back
    assert "Traceback" not in result.stderr


def test_ctrl_c_stops_the_cli_search(data: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "archive", "--data", str(data), "search", "--raw",
                             SLOW_RAW, "--time-limit", "0"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(4)  # started, and searching (the search alone takes far longer)
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    out, err = proc.communicate(timeout=60)
    assert time.monotonic() - sent < 3
    assert proc.returncode in (1, 130), (proc.returncode, out, err)  # 1: before the search began
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    if proc.returncode == 130:
        assert err.strip() == "Error: the search was stopped (Ctrl-C)"


# -- anything a person can pass -----------------------------------------------------------


@pytest.mark.parametrize("query", ["\ud800", "caf\udcc3\udca9", "\udcff\udcfe", "a\x00b", "\x00" * 1000,
                                   "x" * 100_000, "a " * 50_000, '"' * 100_000, "-a " * 50_000,
                                   "\U0010ffff\ufffe\u202e", "author:\ud800", "title:\udcff a"])
def test_any_str_gives_results_or_a_one_line_message(data: Path, index: Index, query: str) -> None:
    for search in (lambda q: index.search(q, author="\udcff", limit=3),
                   lambda q: index.search(q, limit=3, highlight=("\ud800", "\udcff")),
                   lambda q: Archive(data).search(q, site="\ud800", lang="en", since="2024-01-01")):
        try:
            hits = search(query)
        except QueryError as exc:
            assert "\n" not in str(exc) and str(exc)
        else:
            assert isinstance(hits, list)
    with pytest.raises(QueryError, match=r"^since must be a date"):
        index.search(query, since="\ud800")


def test_cli_takes_bytes_that_are_not_utf8(data: Path) -> None:
    for args in ([b"caf\xc3", b"\xff\xfe", b"a"], [b"a", b"--author", b"\xed\xa0\x80"],
                 [b"\xff", b"--sql"], [b"-\xff", b"--json"], [b"a", b"--since", b"\xff"]):
        result = subprocess.run([sys.executable, "-m", "archive", "--data", str(data), "search", *args],
                                cwd=ROOT, capture_output=True, timeout=120)
        assert b"Traceback" not in result.stderr, (args, result.stderr[-2000:])
        assert result.returncode in (0, 2), (args, result.returncode, result.stderr)
        if result.returncode:  # click's usage lines, then one line of what is wrong
            assert result.stderr.strip().splitlines()[-1].startswith(b"Error: "), result.stderr


def test_clean_text() -> None:
    assert clean_text("caf\udcc3\udca9") == "café"  # surrogateescape'd UTF-8 bytes
    assert clean_text("\udcff") == "\ufffd" and clean_text("x\ud800y") == "x\ufffdy"
    assert clean_text("\U0001F600 ok") == "\U0001F600 ok"


_hostile = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=()), max_size=80),
    st.lists(st.one_of(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, exclude_categories=()),
                       st.characters(), st.sampled_from([" ", "\x00", '"', "-"])),
             max_size=80).map("".join),  # lone surrogates among other text
    st.lists(st.sampled_from(["a", "A", '"a"', "-a", "title:a", "author:a", "\ud800", "\udcff",
                              "\x00", " ", "kazakhstan", "court", "(", "NEAR", "*"]),
             max_size=400).map(" ".join),
    st.builds(lambda word, n: (word + " ") * n,
              st.sampled_from(["a", "the", "court", "a.b", "\udcc3", "x" * 50]),
              st.integers(1, 50_000)),
    st.builds(lambda ch, n: ch * n, st.sampled_from(["x", "a", "é", "\ud800", "\x00", '"']),
              st.integers(50_000, 100_000)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(query=_hostile)
def test_search_is_bounded_and_never_crashes(data: Path, index: Index, query: str) -> None:
    limit = 2.0
    started = time.monotonic()
    try:
        hits = index.search(query, limit=5, time_limit=limit)
    except QueryError as exc:  # too many terms or words: one line
        assert str(exc).startswith("too many ") and "\n" not in str(exc)
    else:  # never stopped by the time limit: that would be SearchTimeout
        assert all(0 < hit.id <= 300 for hit in hits)
    assert time.monotonic() - started < limit
    context, status = search_page(data, SearchForm(q=query), time_limit=limit)
    assert status in (200, 400) and (status == 200) == (context["error"] is None)
    if status == 400:
        assert context["error"].startswith("too many ")


def test_cli_never_crashes_on_hostile_queries(data: Path) -> None:
    for query in ("a " * 50_000, "\ud800 \udcff", "x" * 100_000, '"' + "a " * 300 + '"', "\x00"):
        result = cli(data, query, "--json")
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert result.exit_code in (0, 2) and "Traceback" not in result.output
        if result.exit_code:
            assert len(result.output.strip().splitlines()) == 1
