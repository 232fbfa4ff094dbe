"""How Datasette shows the archive: rows first, links into the local replay, hits by rank.

The parts of the archive's Datasette plugin (:mod:`archive.datasette`) that change pages:

* :func:`collapsed_columns_html`: a table's column descriptions as a closed
  ``<details>`` under its description, so the rows of ``articles`` start above the fold
  (Datasette 0.65 prints ``metadata.columns`` as a list above the table).
* :data:`SEARCH_SQL`: the canned query ``search`` (``/archive/search?q=WORDS``): the
  articles matching ``q`` (Datasette's ``escape_fts``: words, never FTS5 syntax), best
  first by bm25 with the weights of ``newsarchive search`` (title 10, authors 3,
  categories and tags 2, text 1), with a snippet and ``replay_url``.
* :func:`ranked_search_redirect`: an HTML table page searched with ``?_search=`` and no
  sort of its own is sent to that query, so full-text hits come by relevance, not date
  (the table's JSON is left as it is).
* :func:`render_archive_cell`: ``replay_url`` (and the ``url`` fetched) link to the
  capture in ``newsarchive replay`` (``$NEWSARCHIVE_REPLAY``, default
  http://127.0.0.1:8080); ``canonical_url`` is plain text, never a link to the live site;
  an article's ``text`` shows its first :data:`TEXT_CELL_CHARS` characters.
* :data:`CSS` (served at :data:`CSS_PATH`): facet values run on in a line, and each
  table cell is one line, so a page of rows starts, and shows rows, above the fold.
"""
from __future__ import annotations

import html
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlencode

from archive.index import FTS_COLUMNS, _BM25_WEIGHTS, replay_url

#: The canned query's name (``/DATABASE/search``).
SEARCH_QUERY = "search"
SEARCH_SQL = (
    "select a.id, a.title, a.published, a.authors,\n"
    f"  snippet(articles_fts, {FTS_COLUMNS.index('text')}, '', '', '…', 24) as snippet,\n"
    "  replay_url(a.fetched_at, a.url) as replay_url, a.canonical_url\n"
    "from articles_fts join articles as a on a.id = articles_fts.rowid\n"
    "where articles_fts match escape_fts(:q)\n"
    f"order by bm25(articles_fts, {', '.join(str(w) for w in _BM25_WEIGHTS)})\n"
    "limit 200"
)
#: Where ``newsarchive replay`` serves when ``$NEWSARCHIVE_REPLAY`` does not say.
DEFAULT_REPLAY = "http://127.0.0.1:8080"
#: Characters of an article's text shown in a table cell (the JSON and CSV keep it whole).
TEXT_CELL_CHARS = 160
#: The stylesheet the plugin serves and adds to the archive's pages.
CSS_PATH = "/-/newsarchive.css"
#: Facet values one a line took a screen's height: they run on as a line of values; a
#: cell is one line (cut with an ellipsis; the row's own page shows it whole).
CSS = """
.facet-results .facet-info ul { padding-left: 0; margin: 0.3em 0; }
.facet-results .facet-info li { display: inline; margin-right: 0.8em; }
.facet-results .facet-info .facet-info-name { margin-bottom: 0.2em; }
.facet-results { margin-bottom: 0.5em; }
.metadata-description details { margin: 0.4em 0; }
table.rows-and-columns td { max-width: 28em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
"""


def replay_base() -> str:
    """The replay server's root: ``$NEWSARCHIVE_REPLAY`` or :data:`DEFAULT_REPLAY`, no slash at the end."""
    return (os.environ.get("NEWSARCHIVE_REPLAY") or DEFAULT_REPLAY).rstrip("/")


def collapsed_columns_html(description: str, columns: Mapping[str, str]) -> str:
    """``description`` as a paragraph and ``columns`` as a closed ``<details>`` list (HTML)."""
    items = "".join(f"<dt>{html.escape(name)}</dt><dd>{html.escape(text)}</dd>" for name, text in columns.items())
    return (f"<p>{html.escape(description)}</p>"
            f"<details><summary>About the columns</summary><dl class=\"column-descriptions\">{items}</dl></details>")


def render_archive_cell(row: Any, value: Any, column: str, table: str | None) -> str | None:
    """HTML for one cell, or None for Datasette's own rendering.

    ``replay_url`` (any table or query) and ``url`` of ``articles`` become links to the
    capture in the local replay; ``canonical_url`` is escaped text.
    """
    if not isinstance(value, str) or not value:
        return None
    if column == "replay_url" and value.startswith("/"):
        return _link(replay_base() + value, value)
    if table == "articles" and column == "url":
        try:
            fetched_at = row["fetched_at"]
        except (KeyError, IndexError, TypeError):
            return None
        target = replay_url(fetched_at, value)
        return _link(replay_base() + target, value) if target else None
    if column == "canonical_url":
        return html.escape(value)
    if table == "articles" and column == "text" and len(value) > TEXT_CELL_CHARS:
        return html.escape(value[:TEXT_CELL_CHARS].rstrip()) + "…"
    return None


def ranked_search_redirect(path: str, query_string: str) -> str | None:
    """Where an HTML ``/DB/articles?_search=...`` page goes instead (the ranked query), or None.

    Only the table page itself, searched, with no ``_sort``/``_sort_desc`` and no other
    filter than the search: a page with filters or a sort of its own is left alone.
    """
    parts = path.strip("/").split("/")
    if len(parts) != 2 or parts[1] != "articles":
        return None
    args = parse_qs(query_string, keep_blank_values=True)
    words = (args.get("_search") or [""])[0].strip()
    if not words or set(args) - {"_search"}:
        return None
    return f"/{parts[0]}/{SEARCH_QUERY}?" + urlencode({"q": words})


def _link(href: str, text: str) -> str:
    return f'<a href="{html.escape(href, quote=True)}" title="this capture in newsarchive replay">{html.escape(text)}</a>'
