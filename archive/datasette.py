"""Datasette for the archive: metadata (descriptions, facets, sort) and a Datasette plugin.

Two ways the same metadata reaches Datasette (0.65; "Metadata",
https://docs.datasette.io/en/stable/metadata.html):

* :func:`write_datasette_metadata` writes ``DATA/metadata.json``; ``newsarchive
  datasette`` runs ``datasette DATA/archive.db -m DATA/metadata.json``, and
  ``datasette DATA/`` (configuration directory mode) reads it by itself.
* This module is also a Datasette plugin (the ``datasette`` entry point in
  ``pyproject.toml``): its ``get_metadata`` hook gives any database that has the archive's
  tables the same metadata, so plain ``datasette DATA/archive.db`` is useful at once.

Full-text search needs nothing: Datasette finds ``articles_fts`` (an FTS5 table with
``content="articles"``) by itself, so ``/archive/articles?_search=kazakhstan`` works, user
text escaped by Datasette.

This module does not import Datasette: the hook marker is pluggy's, under Datasette's
project name, so the crawler can call :func:`write_datasette_metadata` without it.
"""
from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path
from typing import Any

import pluggy

from archive.datasette_view import CSS, CSS_PATH, SEARCH_QUERY, SEARCH_SQL, collapsed_columns_html, \
    ranked_search_redirect, render_archive_cell
from archive.atomic import write_text
from archive.layout import DataDir

__all__ = [
    "ARCHIVE_TABLES",
    "datasette_metadata",
    "asgi_wrapper",
    "extra_css_urls",
    "get_metadata",
    "prepare_connection",
    "register_routes",
    "render_cell",
    "write_datasette_metadata",
]

hookimpl = pluggy.HookimplMarker("datasette")

#: Tables that mark a database as a newsarchive index.
ARCHIVE_TABLES = frozenset({"articles", "articles_fts", "captures"})

_TABLES: dict[str, dict[str, Any]] = {
    "articles": {
        "description": (
            "One row per archived article (keyed by its canonical URL): what extraction "
            "found, and where its capture lies in the WARC files. Search it with the box "
            "above (full-text over title, text, authors, categories and tags)."
        ),
        "facets": [{"array": "authors"}, {"array": "categories"}, "site", "published_month"],
        "sort_desc": "published",
        "facet_size": 5,
        "label_column": "title",
        "fts_table": "articles_fts",
        "fts_pk": "id",
        "columns": {
            "canonical_url": "The article's canonical URL (rel=canonical), its key",
            "url": "The URL actually fetched, after redirects",
            "site": "The site profile that crawled it",
            "authors": "Author names (JSON list)",
            "published": "Publication date and time (ISO 8601)",
            "published_month": "YYYY-MM of published",
            "modified": "Last modification the page states (ISO 8601)",
            "categories": "Sections or categories (JSON list)",
            "tags": "Tags or keywords (JSON list)",
            "language": "Language code (BCP 47)",
            "text": "The article's main text",
            "issue_date": "The back-issue or listing date that led to it",
            "extraction_error": "Why extraction failed or fell short, if it did",
            "capture_id": "The capture the fields were extracted from",
            "warc_filename": "WARC file of that capture, under DATA/warc",
            "warc_offset": "Byte offset of its record in the WARC file",
            "warc_length": "Byte length of its record (one gzip member)",
            "fetched_at": "When it was captured (WARC-Date, UTC)",
            "version": "1, 2, ... as the publisher revised it",
            "first_seen": "First capture time",
            "last_seen": "Latest capture time",
        },
    },
    "captures": {
        "description": (
            "One row per WARC response or revisit record: URL, HTTP status, MIME type, "
            "payload digest, time, WARC file, offset and length."
        ),
        "facets": ["record_type", "status", "mime"],
        "sort_desc": "fetched_at",
        "columns": {
            "record_type": "response, or revisit (same payload or 304 Not Modified)",
            "refers_to_uri": "A revisit's original URL (WARC-Refers-To-Target-URI)",
            "refers_to_date": "A revisit's original capture time (WARC-Refers-To-Date)",
        },
    },
    "aliases": {
        "description": (
            "Other URLs of articles: redirect sources, tracking-parameter variants, AMP "
            "pages, shortlinks."
        ),
    },
    "article_versions": {
        "description": "Every version of every article, as the publisher revised it.",
        "sort_desc": "fetched_at",
        "facets": ["version"],
    },
    "crawls": {
        "description": "Each crawl: site, date range, start, end, status and summary (JSON).",
        "sort_desc": "started_at",
        "facets": ["site", "status"],
    },
    "url_state": {
        "description": "Per URL fetched: HTTP validators and last check, for incremental crawls.",
    },
    "schedules": {"description": "Recurring crawls."},
}


def datasette_metadata(database: str = "archive") -> dict[str, Any]:
    """The archive's Datasette metadata, for a database of that name.

    Args:
        database: Datasette's name for the database (the file name without ``.db``).

    Returns:
        A metadata dict (``title``, ``description``, ``databases.<database>.tables``:
        descriptions with the column descriptions collapsed in ``description_html``,
        facets, default sort, FTS table; ``databases.<database>.queries.search``: the
        ranked full-text query of :mod:`archive.datasette_view`).
    """
    tables = copy.deepcopy(_TABLES)
    for table in tables.values():
        columns = table.pop("columns", None)
        if columns:  # collapsed under the description: the rows start above the fold
            table["description_html"] = collapsed_columns_html(table["description"], columns)
    return {
        "title": "newsarchive",
        "description": (
            "A news site's back issues: articles extracted from WARC captures. Open "
            "articles to search and facet by author, category, site and month."
        ),
        "databases": {
            database: {
                "description": "The archive's index (archive.db).",
                "tables": tables,
                "queries": {
                    SEARCH_QUERY: {
                        "title": "Search the articles, best match first",
                        "description": (
                            "Full-text search ranked by relevance (bm25: title 10, authors 3, categories "
                            "and tags 2, text 1), as newsarchive search ranks it; replay_url opens the "
                            "capture in newsarchive replay."
                        ),
                        "sql": SEARCH_SQL,
                    }
                },
            }
        },
    }


def write_datasette_metadata(data_dir: str | Path) -> Path:
    """Write ``DATA_DIR/metadata.json`` for ``datasette DATA_DIR/archive.db -m ...``.

    The crawler calls this after each crawl; ``newsarchive datasette`` calls it too. The
    file is replaced atomically (written beside it, then renamed).

    Args:
        data_dir: The data folder (holding ``archive.db``); created if missing.

    Returns:
        The file written.

    Raises:
        OSError: It cannot be written.
    """
    folder = Path(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = DataDir(folder).datasette_metadata
    text = json.dumps(datasette_metadata("archive"), ensure_ascii=False, indent=2) + "\n"
    write_text(target, text)
    return target


_archive_paths: dict[str, bool] = {}


def _is_archive(path: str | None) -> bool:
    """Whether the SQLite file at *path* has the archive's tables (cached per path)."""
    if not path:
        return False
    if path not in _archive_paths:
        try:
            conn = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
            try:
                names = {row[0] for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'")}
            finally:
                conn.close()
        except (sqlite3.Error, OSError, ValueError):
            names = set()
        _archive_paths[path] = ARCHIVE_TABLES <= names
    return _archive_paths[path]


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    """Datasette hook: the SQL functions ``newsarchive search --sql`` uses, and
    ``replay_url(fetched_at, url)`` (:func:`archive.index.replay_url`)."""
    from archive.index import register_sql_functions, replay_url

    register_sql_functions(conn)
    conn.create_function("replay_url", 2, lambda fetched_at, url: replay_url(fetched_at, url) if url else None,
                         deterministic=True)


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any) -> Any:
    """Datasette hook: replay links and plain canonical URLs in the archive's databases
    (:func:`archive.datasette_view.render_archive_cell`)."""
    db = getattr(datasette, "databases", {}).get(database)
    if db is None or not _is_archive(getattr(db, "path", None)):
        return None
    from markupsafe import Markup

    rendered = render_archive_cell(row, value, column, table)
    return Markup(rendered) if rendered is not None else None


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    """Datasette hook: ``/DB/articles?_search=WORDS`` (HTML, no sort or filter of its own)
    redirects to the ranked ``/DB/search?q=WORDS`` of an archive database."""

    def wrap(app: Any) -> Any:
        async def ranked(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope.get("type") == "http" and scope.get("method") in ("GET", "HEAD"):
                target = ranked_search_redirect(scope.get("path", ""), scope.get("query_string", b"").decode("latin-1"))
                db = datasette.databases.get(target.split("/")[1]) if target else None
                if target and db is not None and _is_archive(getattr(db, "path", None)):
                    await send({"type": "http.response.start", "status": 302,
                                "headers": [[b"location", target.encode("ascii")], [b"content-length", b"0"]]})
                    await send({"type": "http.response.body", "body": b""})
                    return
            await app(scope, receive, send)
        return ranked
    return wrap


@hookimpl
def get_metadata(datasette: Any, key: Any, database: Any, table: Any) -> dict[str, Any]:
    """Datasette hook: the archive's metadata for every served database that is an archive.

    Metadata given with ``-m`` is merged over it, so a file can still override anything.
    """
    names = [
        name for name, db in getattr(datasette, "databases", {}).items()
        if _is_archive(getattr(db, "path", None))
    ]
    if not names:
        return {}
    metadata = datasette_metadata(names[0])
    for name in names[1:]:
        metadata["databases"][name] = datasette_metadata(name)["databases"][name]
    return metadata


@hookimpl
def register_routes(datasette: Any) -> list[tuple[str, Any]]:
    """Datasette hook: the plugin's stylesheet at ``/-/newsarchive.css``."""

    async def stylesheet() -> Any:
        from datasette.utils.asgi import Response

        return Response(CSS, content_type="text/css; charset=utf-8")

    return [(r"^" + CSS_PATH.replace(".", r"\.") + r"$", stylesheet)]


@hookimpl
def extra_css_urls(database: str | None, datasette: Any) -> list[str]:
    """Datasette hook: the plugin's stylesheet on an archive database's pages."""
    db = getattr(datasette, "databases", {}).get(database) if database else None
    return [CSS_PATH] if db is not None and _is_archive(getattr(db, "path", None)) else []
