"""The ``newsarchive`` command line: one click group, a verb per command.

Library first, CLI thin: each command calls :mod:`archive` (or :mod:`crawler` for
``crawl``) and turns named exceptions into one-line messages. Exit codes: 0 ok, 1 failure,
2 usage (a bad option, date or query).
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from archive import __version__

DATA_HELP = "The data folder: archive.db, warc/, indexes/ (default ./data, or $NEWSARCHIVE_DATA)."


class Context:
    """What every command gets: the data folder."""

    def __init__(self, data: Path) -> None:
        self.data = data

    @property
    def db_path(self) -> Path:
        return self.data / "archive.db"

    def open_index(self) -> Any:
        from archive.index import Index, IndexNotFound

        try:
            return Index(self.db_path, readonly=True)
        except IndexNotFound:
            raise click.ClickException(
                f"no archive at {self.data} (no archive.db). Crawl first, e.g.\n"
                f"  newsarchive --data {self.data} crawl courthousenews --since 2024-04-01 --until 2024-04-24"
            ) from None


def check_date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """click callback: a ``YYYY-MM-DD`` date, or a usage error (exit 2)."""
    if value is None:
        return None
    import datetime as dt

    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD, e.g. 2024-04-01") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), envvar="NEWSARCHIVE_DATA",
              default=Path("data"), show_default=True, help=DATA_HELP)
@click.version_option(__version__, prog_name="newsarchive")
@click.pass_context
def main(ctx: click.Context, data: Path) -> None:
    """Archive a news site's back issues: crawl to WARC, extract, index, search, export.

    \b
    Examples:
      newsarchive crawl courthousenews --since 2024-04-01 --until 2024-04-24
      newsarchive search "bankruptcy judge" --since 2024-04-01
      newsarchive export --format jsonl -o articles.jsonl
    """
    ctx.obj = Context(data)


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


@main.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True,
              help="JSON Lines (one object per article) or CSV.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here instead of standard output.")
@click.option("--since", callback=check_date, help="Published on or after this date (YYYY-MM-DD).")
@click.option("--until", callback=check_date, help="Published on or before this date (YYYY-MM-DD).")
@click.pass_obj
def export(obj: Context, fmt: str, output: Path | None, since: str | None, until: str | None) -> None:
    """Export every archived article, one object (or CSV row) per article.

    Fields: url, canonical_url, title, authors, published, modified, categories, tags,
    description, sitename, language, text, warc_filename, warc_offset, warc_length,
    fetched_at.

    \b
    Examples:
      newsarchive export --format jsonl -o articles.jsonl
      newsarchive export --format csv --since 2024-04-01 > april.csv
    """
    from archive.export import export_articles

    with obj.open_index() as index:
        if output is None:
            count = export_articles(index, fmt, sys.stdout, since=since, until=until)
        else:
            tmp = output.with_name(output.name + ".part")
            try:
                with open(tmp, "w", encoding="utf-8", newline="") as out:
                    count = export_articles(index, fmt, out, since=since, until=until)
                os.replace(tmp, output)
            except OSError as exc:
                raise click.ClickException(f"cannot write {output}: {exc}") from None
            finally:
                if tmp.exists():
                    tmp.unlink()
    click.echo(f"Exported {count} articles" + (f" to {output}" if output else ""), err=True)


def _register_crawler_commands() -> None:
    """Add ``crawl`` from :mod:`crawler.cli` (it imports Scrapy only when it runs)."""
    try:
        from crawler.cli import crawl
    except ImportError as exc:  # pragma: no cover - archive/ works without the crawler
        @main.command()
        def crawl() -> None:
            """Crawl a site (needs the crawler package and Scrapy)."""
            raise click.ClickException(f"the crawler is not installed: {exc}")
        return
    main.add_command(crawl)


_register_crawler_commands()


if __name__ == "__main__":  # pragma: no cover
    main()
