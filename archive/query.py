"""The search-box language: what a person types, turned into a safe FTS5 MATCH expression.

User text never reaches SQLite as FTS5 syntax (SQLite FTS5, section 3 "Full-text Query
Syntax", https://www.sqlite.org/fts5.html#full_text_query_syntax). Every term is emitted as
an FTS5 *string* literal, so ``.``, ``-``, ``'``, ``:``, ``+``, ``/``, ``*``, ``^``, ``(``,
``)`` and the words ``AND``/``OR``/``NOT``/``NEAR`` are only ever text to look for (case B21,
simonw/sqlite-utils#296).

The language today:

- plain words: every one must match (implicit AND);
- ``"quoted phrases"``: the words in that order; an unbalanced quote closes at the end;
- a term with no letter or digit in it (``+++``, ``--``, an emoji) is dropped.

It is a small lexer (:func:`_lex`) producing :class:`Lexeme` s and a parser (:func:`parse`)
turning them into :class:`Term` s, so that ``-word``, ``author:`` and ``title:`` can be added
as new lexeme kinds and new :class:`Term` fields without touching the quoting.

This module is the leaf of ``archive``'s search code and also holds the base of the index's
error hierarchy (:class:`ArchiveIndexError`), so that ``archive.index`` can import from here
without an import cycle.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

__all__ = ["ArchiveIndexError", "Lexeme", "QueryError", "Term", "parse", "to_fts5"]


class ArchiveIndexError(Exception):
    """Base of every error the archive index raises on purpose."""


class QueryError(ArchiveIndexError):
    """A user's search query that cannot be run.

    The message is one line that says why and how to fix it, fit for the CLI to print as is.
    """


@dataclass(frozen=True)
class Lexeme:
    """One piece of the query as typed.

    Attributes:
        kind: ``"word"`` (a run of non-space characters) or ``"phrase"`` (text between
            double quotes, quotes removed).
        text: The text, never containing ``"`` or NUL.
    """

    kind: Literal["word", "phrase"]
    text: str


@dataclass(frozen=True)
class Term:
    """One thing that must match. Extend with ``negated`` / ``column`` for ``-word``,
    ``author:``, ``title:``.

    Attributes:
        text: What to look for; the FTS5 tokenizer splits it into tokens, which must then
            appear consecutively (a phrase), e.g. ``U.S.`` -> ``u s``.
        phrase: True when the person quoted it.
    """

    text: str
    phrase: bool = False


def _lex(query: str) -> list[Lexeme]:
    """Split *query* into words and quoted phrases.

    Whitespace (and NUL, which SQLite would take as the end of the string) separates words;
    ``"`` opens a phrase wherever it appears and the next ``"`` (or the end) closes it.

    Args:
        query: Text as typed, any characters.

    Returns:
        The lexemes in order; empty ones are left out.
    """
    lexemes: list[Lexeme] = []
    buf: list[str] = []
    in_phrase = False

    def flush() -> None:
        text = "".join(buf)
        buf.clear()
        if in_phrase:
            text = " ".join(text.split())
            if text:
                lexemes.append(Lexeme("phrase", text))
        elif text:
            lexemes.append(Lexeme("word", text))

    for ch in query:
        if ch == '"':
            flush()
            in_phrase = not in_phrase
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
    """Turn *query* into the terms that must all match.

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
        terms.append(Term(lexeme.text, phrase=lexeme.kind == "phrase"))
    return terms


def _fts5_string(text: str) -> str:
    """Quote *text* as an FTS5 string literal (``"`` doubled inside double quotes)."""
    return '"' + text.replace('"', '""') + '"'


def to_fts5(query: str) -> str:
    """Turn what a person typed into a safe FTS5 MATCH expression.

    Examples: ``U.S. election`` -> ``"U.S." "election"``; ``COVID-19`` -> ``"COVID-19"``;
    ``"Main Street`` -> ``"Main Street"``; ``AND`` -> ``"AND"``; ``+++`` -> ``""``.

    Args:
        query: Text as typed, any characters.

    Returns:
        The expression, terms joined by spaces (FTS5's implicit AND), or ``""`` when nothing
        searchable is left; the caller decides what an empty query means (never pass ``""``
        to MATCH: SQLite rejects it).
    """
    return " ".join(_fts5_string(term.text) for term in parse(query))
