"""The search-box language (archive.query) and case B21: no user text is FTS5 syntax."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.index import ArticleRow, Index
from archive.query import CompiledQuery, QueryError, Term, compile_query, parse, to_fts5

# The four rows of cases/B21.txt (title, body), with publication dates so that the
# "latest articles" answer to an empty query has a defined order.
B21_ROWS = [
    ("U.S. election results", "Voters in the U.S. went to the polls; turnout was high.",
     "2024-03-01"),
    ("COVID-19 vaccine rollout",
     "The COVID-19 vaccine rollout began in the city's clinics.", "2024-03-02"),
    ("Mayor's speech", 'The mayor\'s speech on the "Main Street" plan: a summary.',
     "2024-03-03"),
    ("Café reopens", "The café near the harbour reopened after renovation.", "2024-03-04"),
]

B21_QUERIES = [
    ("U.S. election", [1]),
    ("COVID-19", [2]),
    ("mayor's", [3]),
    ('"Main Street', [3]),
    ("cafe", [4]),  # diacritics folded
    ("C++", []),
    ("2024/03/02", []),
    ("AND", []),
    ("time: 10:30", []),
]


@pytest.fixture(scope="module")
def b21_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    path = tmp_path_factory.mktemp("b21") / "archive.db"
    index = Index(path)
    ids = index.upsert_articles([
        ArticleRow(
            canonical_url=f"https://news.example.org/{n}",
            url=f"https://news.example.org/{n}",
            title=title,
            text=body,
            published=published,
        )
        for n, (title, body, published) in enumerate(B21_ROWS, start=1)
    ])
    assert ids == [1, 2, 3, 4]
    yield index
    index.close()


@pytest.mark.parametrize(("query", "expected"), B21_QUERIES)
def test_b21_search_box_queries(b21_index: Index, query: str, expected: list[int]) -> None:
    assert [hit.id for hit in b21_index.search(query)] == expected


def test_b21_empty_query_lists_latest(b21_index: Index) -> None:
    assert [hit.id for hit in b21_index.search("")] == [4, 3, 2, 1]
    assert [hit.id for hit in b21_index.search("   \t\n")] == [4, 3, 2, 1]
    first = b21_index.search("", limit=1)[0]
    assert first.snippet == B21_ROWS[3][1]
    assert first.score == 0.0


def test_b21_punctuation_only_query_finds_nothing(b21_index: Index) -> None:
    assert b21_index.search("+++ -- ::") == []
    assert b21_index.search('""') == []


def test_snippet_highlights_matches(b21_index: Index) -> None:
    (hit,) = b21_index.search("harbour")
    assert hit.snippet == "The café near the [harbour] reopened after renovation."
    (hit,) = b21_index.search("harbour", highlight=("<b>", "</b>"))
    assert "<b>harbour</b>" in hit.snippet


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("U.S. election", '"U.S." "election"'),
        ("COVID-19", '"COVID-19"'),
        ("mayor's", '"mayor\'s"'),
        ('"Main Street', '"Main Street"'),
        ('"Main   Street" plan', '"Main Street" "plan"'),
        ("AND OR NOT NEAR", '"AND" "OR" "NOT" "NEAR"'),
        ("title:budget", 'title : "budget"'),
        ("Title:budget", 'title : "budget"'),
        ("author:burdeau", 'authors : "burdeau"'),
        ('author:"Cain Burdeau" kazakhstan', 'authors : "Cain Burdeau" "kazakhstan"'),
        ("time:budget", '"time:budget"'),
        ("court -appeal", '("court") NOT ("appeal")'),
        ('court -"class action" -title:draft', '("court") NOT ("class action" OR title : "draft")'),
        ("-appeal", ""),
        ("COVID-19 e-mail", '"COVID-19" "e-mail"'),
        ("- -- author: title:", ""),
        ("(a* ^b)", '"(a*" "^b)"'),
        ("C++ +++", '"C++"'),
        ('a"b c"d', '"a" "b c" "d"'),
        ("nul\x00byte", '"nul" "byte"'),
        ("", ""),
        ("   ", ""),
        ("+ - : / * ^ ( )", ""),
        ("\U0001F600 \u2014", ""),
        ('""', ""),
    ],
)
def test_to_fts5(query: str, expected: str) -> None:
    assert to_fts5(query) == expected


def test_parse_marks_phrases() -> None:
    assert parse('budget "Main Street"') == [
        Term("budget", phrase=False),
        Term("Main Street", phrase=True),
    ]


def test_parse_marks_negation_and_fields() -> None:
    assert parse('-budget author:"Cain  Burdeau" -title:"Main Street" title:') == [
        Term("budget", negated=True),
        Term("Cain Burdeau", phrase=True, column="authors"),
        Term("Main Street", phrase=True, negated=True, column="title"),
    ]


def test_compile_query_keeps_exclusions_apart() -> None:
    assert compile_query("-sports -weather") == CompiledQuery("", '"sports" OR "weather"')
    assert compile_query("court -sports") == CompiledQuery('("court") NOT ("sports")', '"sports"')


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("election -covid", [1]),
        ("-election", [4, 3, 2]),  # only exclusions: the latest articles without it
        ("title:cafe", [4]),
        ("title:harbour", []),  # in the text, not the title
        ("-title:cafe harbour", []),
        ('title:"election results"', [1]),
    ],
)
def test_negation_and_field_queries(b21_index: Index, query: str, expected: list[int]) -> None:
    assert [hit.id for hit in b21_index.search(query)] == expected


def test_raw_query_passes_through(b21_index: Index) -> None:
    hits = b21_index.search("title:cafe OR election", raw=True)
    assert sorted(hit.id for hit in hits) == [1, 4]


@pytest.mark.parametrize("query", ['"Main Street', "COVID-19", "AND", "U.S."])
def test_raw_syntax_error_becomes_query_error(b21_index: Index, query: str) -> None:
    with pytest.raises(QueryError, match=r"^FTS5 syntax error: ") as info:
        b21_index.search(query, raw=True)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"since": "March"}, "since must be a date written YYYY-MM-DD"),
        ({"until": "2024-02-30"}, "until must be a date written YYYY-MM-DD"),
        ({"limit": -1}, "limit and offset must be 0 or more"),
    ],
)
def test_bad_search_options_raise_query_error(
    b21_index: Index, kwargs: dict[str, object], fragment: str
) -> None:
    with pytest.raises(QueryError, match=fragment):
        b21_index.search("cafe", **kwargs)  # type: ignore[arg-type]


# The whole kind of B21: whatever is typed, search never raises.
_operators = st.sampled_from(
    ['"', "'", ".", "-", ":", "+", "/", "*", "^", "(", ")", "{", "}", ",", "AND", "OR",
     "NOT", "NEAR", "NEAR(", "title:", "author:", "-", "\\", "\x00", "\U0001F600", "é", " "]
)
_any_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=60)
_query = st.one_of(
    _any_text,
    st.lists(st.one_of(_operators, _any_text), max_size=12).map("".join),
)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=_query)
def test_search_never_raises(b21_index: Index, query: str) -> None:
    hits = b21_index.search(query)
    assert all(hit.id in (1, 2, 3, 4) for hit in hits)
    fts = to_fts5(query)
    assert (fts == "") == (not any(not term.negated for term in parse(query)))



@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("a a a", '"a"'),
        ("Court court COURT", '"Court"'),
        ('court "court" -appeal -appeal', '("court") NOT ("appeal")'),
        ("title:a a -title:a", '(title : "a" "a") NOT (title : "a")'),
        ("caf\udcc3\udca9", '"café"'),  # surrogateescape'd UTF-8 bytes
        ("x\ud800y", '"x\ufffdy"'),
    ],
)
def test_repeats_count_once_and_any_str_compiles(query: str, expected: str) -> None:
    assert to_fts5(query) == expected


def test_more_than_64_terms_is_a_query_error(b21_index: Index) -> None:
    assert to_fts5(" ".join(f"w{i}" for i in range(64)) + " w0" * 1000).count('"w') == 64
    with pytest.raises(QueryError, match=r"^too many search terms \(65\); at most 64$"):
        b21_index.search(" ".join(f"w{i}" for i in range(65)))
    assert [hit.id for hit in b21_index.search("cafe " * 10_000)] == [4]
