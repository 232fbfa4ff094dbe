"""``newsarchive search``: full-text search of the archived articles."""
from __future__ import annotations

import json
import sys
from typing import Any

import click

from archive.cli import Context, check_date, main


@main.command()
@click.argument("query", default="")
@click.option("--since", callback=check_date, help="Published on or after this date (YYYY-MM-DD).")
@click.option("--until", callback=check_date, help="Published on or before this date (YYYY-MM-DD).")
@click.option("--limit", type=click.IntRange(0, 10_000), default=20, show_default=True, help="Most hits to show.")
@click.option("--offset", type=click.IntRange(0), default=0, show_default=True, help="Hits to skip (paging).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of hits instead of a table.")
@click.option("--raw", is_flag=True, help="Pass QUERY to SQLite FTS5 unchanged (expert syntax).")
@click.pass_obj
def search(obj: Context, query: str, since: str | None, until: str | None, limit: int, offset: int,
           as_json: bool, raw: bool) -> None:
    """Full-text search of the archived articles, best match first (bm25).

    QUERY is plain words (all must match) and "quoted phrases". Anything may be typed:
    punctuation is searched as text, never as syntax. An empty QUERY lists the latest
    articles.

    \b
    Examples:
      newsarchive search kazakhstan
      newsarchive search '"class action" settlement' --since 2024-01-01 --limit 5
      newsarchive search court --json | jq '.[0].url'
    """
    from archive.query import QueryError

    with obj.open_index() as index:
        try:
            hits = index.search(query, since=since, until=until, limit=limit, offset=offset, raw=raw)
        except QueryError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
    if as_json:
        click.echo(json.dumps([hit_dict(h) for h in hits], ensure_ascii=False, indent=1))
        return
    print_hits(hits, query)


def hit_dict(hit: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(hit)


def print_hits(hits: list[Any], query: str) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not hits:
        console.print(f"No articles match {query!r}." if query.strip() else "The archive has no articles yet.")
        return
    table = Table(show_lines=True, title=f"{len(hits)} article(s)" + (f" for {query!r}" if query.strip() else ", latest first"))
    table.add_column("published", no_wrap=True)
    table.add_column("title / snippet", ratio=3)
    table.add_column("authors", ratio=1)
    for hit in hits:
        snippet = (hit.snippet or "").replace("\n", " ")
        body = f"[bold]{escape(hit.title or '(no title)')}[/bold]\n{escape(snippet)}\n[dim]{escape(hit.url)}[/dim]"
        table.add_row((hit.published or "")[:10], body, escape(", ".join(hit.authors)))
    console.print(table)


def escape(text: str) -> str:
    from rich.markup import escape as rich_escape

    return rich_escape(text)
