"""The search-box language: what a person types, turned into a safe FTS5 MATCH expression.

User text never reaches SQLite as FTS5 syntax (SQLite FTS5, section 3 "Full-text Query
Syntax", https://www.sqlite.org/fts5.html#full_text_query_syntax). Every term is emitted as
an FTS5 *string* literal, so ``.``, ``-``, ``'``, ``:``, ``+``, ``/``, ``*``, ``^``, ``(``,
``)`` and the words ``AND``/``OR``/``NOT``/``NEAR`` are only ever text to look for (case B21,
simonw/sqlite-utils#296). Only this module writes FTS5 operators (``NOT``, ``OR``, column
filters), around string literals.

The language:

- plain words: every one must match (implicit AND);
- ``"quoted phrases"``: the words in that order; an unbalanced quote closes at the end;
- ``-word`` / ``-"a phrase"``: articles containing it are left out;
- ``author:name`` / ``author:"Cain Burdeau"`` and ``title:word`` / ``title:"a phrase"``:
  the word or phrase must appear in that field (``authors:`` works too; the field name is
  case-insensitive, and ``-title:word`` excludes);
- a term with no letter or digit in it (``+++``, ``--``, an emoji, a lone ``-`` or
  ``author:``) is dropped; any other ``name:`` (``time: 10:30``) is plain text;
- a term typed twice (in any case) counts once (``a a a`` is ``a``).

Its cost is bounded: at most :data:`MAX_TERMS` different terms and :data:`MAX_TOKENS` words
in all (``U.S.`` is two, a phrase one per word) reach FTS5; more is a :class:`QueryError`
("too many search terms (N); at most 64"), since FTS5's cost grows with the square of the
terms (issue 14: 200 repeats of ``a`` took 12 s). Text that is not valid Unicode (a lone
surrogate from ``sys.argv``'s ``surrogateescape``) is made valid first (:func:`clean_text`).

It is a small lexer (:func:`_lex`) producing :class:`Lexeme` s, a parser (:func:`parse`)
turning them into :class:`Term` s, and :func:`compile_query` writing the FTS5 expressions.

This module is the leaf of ``archive``'s search code and also holds the base of the index's
error hierarchy (:class:`ArchiveIndexError`), so that ``archive.index`` can import from here
without an import cycle.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ArchiveIndexError",
    "CompiledQuery",
    "FIELD_COLUMNS",
    "Lexeme",
    "MAX_TERMS",
    "MAX_TOKENS",
    "QueryError",
    "Term",
    "clean_text",
    "check_size",
    "compile_query",
    "parse",
    "to_fts5",
]


class ArchiveIndexError(Exception):
    """Base of every error the archive index raises on purpose."""


class QueryError(ArchiveIndexError):
    """A user's search query that cannot be run.

    The message is one line that says why and how to fix it, fit for the CLI to print as is.
    """


#: Most different terms a query may have (after repeats are dropped).
MAX_TERMS = 64
#: Most words (FTS5 tokens) a query's terms may hold in all: ``a.a.a`` is one term, three words.
MAX_TOKENS = 256

#: Field prefixes a person may type (lower case, without the colon) -> FTS5 column.
FIELD_COLUMNS = {"author": "authors", "authors": "authors", "title": "title"}


@dataclass(frozen=True)
class Lexeme:
    """One piece of the query as typed.

    Attributes:
        kind: ``"word"`` (a run of non-space characters) or ``"phrase"`` (text between
            double quotes, quotes removed).
        text: The text, never containing ``"`` or NUL; prefixes (``-``, ``title:``) removed.
        negated: It was written ``-word`` or ``-"phrase"``.
        column: The FTS5 column of an ``author:``/``title:`` prefix, or ``None``.
    """

    kind: Literal["word", "phrase"]
    text: str
    negated: bool = False
    column: str | None = None


@dataclass(frozen=True)
class Term:
    """One thing that must match (or, when *negated*, must not).

    Attributes:
        text: What to look for; the FTS5 tokenizer splits it into tokens, which must then
            appear consecutively (a phrase), e.g. ``U.S.`` -> ``u s``.
        phrase: True when the person quoted it.
        negated: True for ``-word``: articles matching it are left out.
        column: Restrict the match to this FTS5 column (``title``, ``authors``), or
            ``None`` for any column.
    """

    text: str
    phrase: bool = False
    negated: bool = False
    column: str | None = None


@dataclass(frozen=True)
class CompiledQuery:
    """A query as FTS5 MATCH expressions.

    Attributes:
        match: What must match: the positive terms ANDed, followed by ``NOT (...)`` of the
            negated ones; ``""`` when there is no positive term.
        exclude: The negated terms ORed (``""`` when there is none), for a query that has
            only negated terms: the caller lists articles *not* matching it.
    """

    match: str
    exclude: str


def clean_text(text: object) -> str:
    """*text* as valid Unicode that SQLite can take (UTF-8 encodable), for any str.

    A lone surrogate cannot be encoded: those ``sys.argv`` and ``os.fsdecode`` make of
    non-UTF-8 bytes (``surrogateescape``, U+DC80..U+DCFF) become their bytes again, read as
    UTF-8; anything still invalid becomes U+FFFD. Valid text is returned unchanged.

    >>> clean_text("caf\\udcc3\\udca9"), clean_text("x\\ud800y")
    ('café', 'x\ufffdy')
    """
    text = str(text)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    data = bytearray()
    for ch in text:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:
            data.append(code - 0xDC00)
        elif 0xD800 <= code <= 0xDFFF:
            data += "\ufffd".encode("utf-8")
        else:
            data += ch.encode("utf-8")
    return data.decode("utf-8", "replace")


def _split_prefixes(text: str) -> tuple[bool, str | None, str]:
    """Split ``-`` and a known ``field:`` off the front of a word.

    Returns:
        ``(negated, column, rest)``.
    """
    negated = text.startswith("-")
    if negated:
        text = text[1:]
    column = None
    name, colon, rest = text.partition(":")
    if colon and name.lower() in FIELD_COLUMNS:
        column = FIELD_COLUMNS[name.lower()]
        text = rest
    return negated, column, text


def _lex(query: str) -> list[Lexeme]:
    """Split *query* into words and quoted phrases, with their prefixes.

    Whitespace (and NUL, which SQLite would take as the end of the string) separates words;
    ``"`` opens a phrase wherever it appears and the next ``"`` (or the end) closes it. A
    ``-``, ``field:`` or ``-field:`` right before the opening quote applies to the phrase;
    other text right before it is a word of its own.

    Args:
        query: Text as typed, any characters.

    Returns:
        The lexemes in order; empty ones are left out.
    """
    lexemes: list[Lexeme] = []
    buf: list[str] = []
    in_phrase = False
    phrase_negated = False
    phrase_column: str | None = None

    def flush() -> None:
        text = "".join(buf)
        buf.clear()
        if in_phrase:
            text = " ".join(text.split())
            if text:
                lexemes.append(Lexeme("phrase", text, phrase_negated, phrase_column))
        elif text:
            negated, column, rest = _split_prefixes(text)
            if rest:
                lexemes.append(Lexeme("word", rest, negated, column))

    for ch in query:
        if ch == '"':
            if in_phrase:
                flush()
                in_phrase = False
                continue
            negated, column, rest = _split_prefixes("".join(buf))
            if rest:  # a"b: the word before the quote stands alone
                flush()
                negated, column = False, None
            buf.clear()
            phrase_negated, phrase_column = negated, column
            in_phrase = True
        elif ch == "\x00" or ch.isspace():
            if in_phrase:
                buf.append(" ")
            else:
                flush()
        else:
            buf.append(ch)
    flush()  # an unbalanced quote closes here
    return lexemes


def _has_token_chars(text: str) -> bool:
    """Whether the FTS5 ``unicode61`` tokenizer would find a token in *text*.

    ``unicode61`` makes tokens of letters (``L*``), numbers (``N*``) and private-use
    characters (``Co``); everything else separates tokens.
    """
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] in "LN" or category == "Co":
            return True
    return False


def _token_count(text: str) -> int:
    """How many tokens ``unicode61`` finds in *text* (runs of letters, numbers, private use)."""
    count = 0
    in_token = False
    for ch in text:
        category = unicodedata.category(ch)
        token_char = category[0] in "LN" or category == "Co"
        if token_char and not in_token:
            count += 1
        in_token = token_char
    return count


def parse(query: str) -> list[Term]:
    """Turn *query* into the terms that must (or, negated, must not) match.

    Args:
        query: Text as typed into a search box (any str; see :func:`clean_text`).

    Returns:
        The terms in order; terms with nothing searchable in them are dropped, so an empty
        or punctuation-only query gives ``[]``; a term repeated (same text in any case,
        same sign and field; a word and a one-word phrase alike) is kept once, where it
        first appears.
    """
    terms: list[Term] = []
    seen: set[tuple[str, bool, str | None]] = set()
    for lexeme in _lex(clean_text(query)):
        if not _has_token_chars(lexeme.text):
            continue
        key = (lexeme.text.lower(), lexeme.negated, lexeme.column)
        if key in seen:
            continue
        seen.add(key)
        terms.append(Term(lexeme.text, phrase=lexeme.kind == "phrase",
                          negated=lexeme.negated, column=lexeme.column))
    return terms


def check_size(terms: list[Term]) -> None:
    """Refuse a query too big to run in bounded time.

    Raises:
        QueryError: More than :data:`MAX_TERMS` terms, or more than :data:`MAX_TOKENS`
            words in all.
    """
    if len(terms) > MAX_TERMS:
        raise QueryError(f"too many search terms ({len(terms)}); at most {MAX_TERMS}")
    tokens = sum(_token_count(t.text) for t in terms)
    if tokens > MAX_TOKENS:
        raise QueryError(f"too many words in the search ({tokens}); at most {MAX_TOKENS}")


def _fts5_string(text: str) -> str:
    """Quote *text* as an FTS5 string literal (``"`` doubled inside double quotes)."""
    return '"' + text.replace('"', '""') + '"'


def _fts5_term(term: Term) -> str:
    literal = _fts5_string(term.text)
    # term.column comes from FIELD_COLUMNS, never from user text
    return f"{term.column} : {literal}" if term.column else literal


def compile_query(query: str) -> CompiledQuery:
    """Turn what a person typed into safe FTS5 MATCH expressions.

    Examples: ``U.S. election`` -> match ``"U.S." "election"``; ``court -appeal`` ->
    match ``("court") NOT ("appeal")``; ``author:burdeau`` -> ``authors : "burdeau"``;
    ``-sports`` -> match ``""``, exclude ``"sports"``.

    Args:
        query: Text as typed, any characters.

    Returns:
        The expressions (see :class:`CompiledQuery`).

    Raises:
        QueryError: The query is too big (see :func:`check_size`).
    """
    terms = parse(query)
    check_size(terms)
    positive = " ".join(_fts5_term(t) for t in terms if not t.negated)
    exclude = " OR ".join(_fts5_term(t) for t in terms if t.negated)
    if positive and exclude:
        return CompiledQuery(f"({positive}) NOT ({exclude})", exclude)
    return CompiledQuery(positive, exclude)


def to_fts5(query: str) -> str:
    """Turn what a person typed into a safe FTS5 MATCH expression.

    Examples: ``U.S. election`` -> ``"U.S." "election"``; ``COVID-19`` -> ``"COVID-19"``;
    ``"Main Street`` -> ``"Main Street"``; ``AND`` -> ``"AND"``; ``+++`` -> ``""``;
    ``title:budget -draft`` -> ``(title : "budget") NOT ("draft")``.

    Args:
        query: Text as typed, any characters.

    Returns:
        The expression, or ``""`` when no positive term is left (nothing searchable, or
        only ``-word`` s: see :func:`compile_query`); the caller decides what an empty
        query means (never pass ``""`` to MATCH: SQLite rejects it).
    """
    return compile_query(query).match
