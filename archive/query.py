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
  ``author:``) is dropped; any other ``name:`` (``time: 10:30``) is plain text.

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
    "QueryError",
    "Term",
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


def parse(query: str) -> list[Term]:
    """Turn *query* into the terms that must (or, negated, must not) match.

    Args:
        query: Text as typed into a search box.

    Returns:
        The terms in order; terms with nothing searchable in them are dropped, so an empty
        or punctuation-only query gives ``[]``.
    """
    terms: list[Term] = []
    for lexeme in _lex(query):
        if not _has_token_chars(lexeme.text):
            continue
        terms.append(Term(lexeme.text, phrase=lexeme.kind == "phrase",
                          negated=lexeme.negated, column=lexeme.column))
    return terms


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
    """
    terms = parse(query)
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
