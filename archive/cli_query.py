"""``newsarchive search``, ``show``, ``stats`` and ``datasette``: read the archive.

Every command here reads through :class:`archive.index.Index` opened read-only, so it
works while a crawl writes to the same database (WAL; case B22).
"""
from __future__ import annotations

import json
import sys
from typing import Any

import click

from archive.cli import Context, check_date, main, plural
from archive.cli_output import is_table, output_options, write_records

#: Snippet highlight markers for the terminal table (never in article text), made bold.
_HL_OPEN, _HL_CLOSE = "\x02", "\x03"
#: Columns of ``search --csv``, in order.
SEARCH_CSV_COLUMNS = (
    "id", "published", "title", "authors", "categories", "tags", "site", "language",
    "url", "canonical_url", "score", "snippet", "warc_filename", "warc_offset",
    "warc_length", "fetched_at", "replay_url", "total",
)


def _usage_error(message: str) -> None:
    """Print a one-line usage error and exit 2."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


# -- search -----------------------------------------------------------------------------


class _SearchCommand(click.Command):
    """``search``, where ``-word`` (an exclusion) is part of QUERY, not an unknown option.

    Words that start with a single ``-`` (other than ``-h``) are moved behind a ``--``, so
    ``newsarchive search court -appeal --since 2024-01-01`` works as typed.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value = {
            opt for param in self.params if isinstance(param, click.Option) and not param.is_flag
            for opt in param.opts
        }
        kept: list[str] = []
        words: list[str] = []
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                words.extend(args[i + 1:])
                break
            if arg in takes_value:
                kept.extend(args[i:i + 2])
                i += 2
                continue
            if arg.startswith("-") and not arg.startswith("--") and len(arg) > 1 and arg != "-h":
                words.append(arg)
            else:
                kept.append(arg)
            i += 1
        return super().parse_args(ctx, kept + (["--", *words] if words else []))


@main.command(cls=_SearchCommand)
@click.argument("query_words", metavar="QUERY", nargs=-1)
@click.option("--since", callback=check_date, help="Published on or after this date (YYYY-MM-DD).")
@click.option("--until", callback=check_date, help="Published on or before this date (YYYY-MM-DD).")
@click.option("--author", help="Only this author's articles (the whole name, any case).")
@click.option("--category", help="Only articles in this category (the whole name, any case).")
@click.option("--tag", help="Only articles with this tag (the whole tag, any case).")
@click.option("--site", help="Only this site: a profile name or a host (www. optional).")
@click.option("--lang", help="Only articles in this language (en also matches en-US).")
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]), default="relevance",
              show_default=True, help="Order of the hits (relevance: bm25, title above body).")
@click.option("--limit", type=click.IntRange(0, 10_000), default=20, show_default=True,
              help="Most hits to show; 0 counts the hits and shows none.")
@click.option("--offset", type=click.IntRange(0, 2**62), default=0, show_default=True, help="Hits to skip (paging).")
@click.option("--raw", is_flag=True, help="Pass QUERY to SQLite FTS5 unchanged (expert syntax).")
@click.option("--sql", "show_sql", is_flag=True, help="Print the SQL (and its parameters) instead of running it.")
@click.option("--time-limit", type=click.FloatRange(min=0), metavar="SECONDS",
              help="Stop a search that runs longer than this (default 5, or $NEWSARCHIVE_SEARCH_TIME_LIMIT; 0: no limit).")
@click.option("--replay", envvar="NEWSARCHIVE_REPLAY", metavar="URL",
              help="Where `newsarchive replay` serves, for the table's links (default http://127.0.0.1:8080, "
                   "or $NEWSARCHIVE_REPLAY).")
@output_options(json_help="One JSON object: query, total, offset, limit and the hits.")
@click.pass_obj
def search(obj: Context, query_words: tuple[str, ...], since: str | None, until: str | None, author: str | None,
           category: str | None, tag: str | None, site: str | None, lang: str | None, sort: str,
           limit: int, offset: int, raw: bool, show_sql: bool, time_limit: float | None, replay: str | None,
           fmt: str | None) -> None:
    """Full-text search of the archived articles, best match first (bm25).

    QUERY: plain words (all must match), "quoted phrases", -word (leave out articles
    with it), author:name and title:word (that field only; author:"Cain Burdeau" for a
    whole name). Anything else typed is searched as text, never as syntax. An empty
    QUERY lists the latest articles. --raw takes SQLite FTS5 syntax instead. A word typed
    twice counts once; at most 64 different terms. A search that runs longer than
    --time-limit (5 s) is stopped with a message (exit 1); Ctrl-C stops one too (exit 130).

    The table shows id (for `newsarchive show ID`), date, title, snippet, the full URL and
    authors; its title says which hits of how many ("showing 1–20 of 57"). Where the
    terminal supports hyperlinks, each title links to its capture in `newsarchive replay`.
    --json prints {"query", "total", "offset", "limit", "hits": [...]}; --nl and --csv one
    hit per line or row, each with "total". --limit 0 only counts: the table says how many,
    --json has "hits": [], --nl prints {"total": N}, --csv a lone total column.

    \b
    Examples:
      newsarchive search kazakhstan
      newsarchive search '"class action" settlement' -appeal --since 2024-01-01 --limit 5
      newsarchive search pipeline --author "Cain Burdeau" --since 2022-01-01 --until 2022-01-31
      newsarchive search court --sort newest --csv > court.csv
      newsarchive search court --json | jq '.hits[0].url'
      newsarchive search court --limit 0
    """
    from archive.index import QueryError, SearchOptions, SearchTimeout, search_sql
    from archive.query import clean_text

    # bytes that are not UTF-8 reach sys.argv as lone surrogates: make them text first
    query = clean_text(" ".join(query_words))
    author, category, tag, site, lang = (None if v is None else clean_text(v)
                                         for v in (author, category, tag, site, lang))
    table = is_table(fmt)
    options = SearchOptions(
        since=since, until=until, author=author, category=category, tag=tag, site=site,
        lang=lang, sort=sort, limit=limit, offset=offset, raw=raw,
        highlight=(_HL_OPEN, _HL_CLOSE) if table else ("[", "]"),
    )
    if show_sql:
        try:
            built = search_sql(query, options)
        except QueryError as exc:
            _usage_error(str(exc))
        if built is None:
            click.echo(f"-- {query!r} has nothing searchable in it: no SQL runs, nothing matches")
        else:
            sql, params = built
            click.echo(sql + ";")
            click.echo("-- parameters: " + json.dumps(params, ensure_ascii=False))
            if "newsarchive_casefold" in sql:
                click.echo("-- newsarchive_casefold(x): x case-folded (Unicode NFKC), registered on the"
                           " connection by archive.index.register_sql_functions")
        return
    filters = dict(since=since, until=until, author=author, category=category, tag=tag,
                   site=site, lang=lang, sort=sort, raw=raw)
    with obj.open_index() as index:
        try:
            hits = index.search(query, **filters, limit=limit, offset=offset,
                                highlight=options.highlight, time_limit=time_limit) if limit else []
            if limit and (hits or not offset) and len(hits) < limit:
                total = offset + len(hits)  # the last page: no need to count
            else:
                total = index.count_hits(query, **filters, time_limit=time_limit)
        except QueryError as exc:
            _usage_error(str(exc))
        except SearchTimeout as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("Error: the search was stopped (Ctrl-C)", err=True)
            sys.exit(130)
    page = SearchPage(query=query, total=total, offset=offset, limit=limit, hits=hits)
    if table:
        print_hits(page, replay_base(replay))
    else:
        write_page(fmt or "json", page)


class SearchPage:
    """One page of hits and how many there are in all (what every output format carries).

    ``--json`` prints :meth:`to_dict`: ``{"query", "total", "offset", "limit", "hits": [...]}``.
    ``--nl`` and ``--csv`` print one hit per line or row, each with ``total``; with
    ``--limit 0`` (count only) ``--nl`` prints ``{"total": N}`` and ``--csv`` a ``total``
    column alone.
    """

    def __init__(self, *, query: str, total: int, offset: int, limit: int, hits: list[Any]) -> None:
        self.query, self.total, self.offset, self.limit, self.hits = query, total, offset, limit, hits

    def hit_dicts(self) -> list[dict[str, Any]]:
        return [{**hit_dict(h), "total": self.total} for h in self.hits]

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "total": self.total, "offset": self.offset, "limit": self.limit,
                "hits": [hit_dict(h) for h in self.hits]}

    def title(self) -> str:
        """``showing 1–10 of 13 for 'court'``, ``13 articles match 'court'`` (count only)."""
        about = f" for {self.query!r}" if self.query.strip() else ", latest first"
        if not self.limit:
            return (f"{plural(self.total, 'article')} match {self.query!r}" if self.query.strip()
                    else f"{plural(self.total, 'article')} in the archive")
        if not self.hits:
            return f"showing none of {self.total}{about} (--offset {self.offset} is past the last)"
        return f"showing {self.offset + 1}–{self.offset + len(self.hits)} of {self.total}{about}"


def write_page(fmt: str, page: SearchPage) -> None:
    """Print *page* as ``--json``, ``--nl`` or ``--csv`` (see :class:`SearchPage`)."""
    if fmt == "json":
        sys.stdout.write(json.dumps(page.to_dict(), ensure_ascii=False, indent=1) + "\n")
    elif not page.limit:
        write_records(fmt, [{"total": page.total}], ["total"])
    else:
        write_records(fmt, page.hit_dicts(), SEARCH_CSV_COLUMNS)


def hit_dict(hit: Any) -> dict[str, Any]:
    """A :class:`archive.index.SearchHit` as JSON-ready dict (``replay_url`` included)."""
    return dict(hit.to_dict())


def replay_base(value: str | None) -> str:
    """Where ``newsarchive replay`` serves, for the links in the table (no trailing ``/``)."""
    return (value or "http://127.0.0.1:8080").rstrip("/")


def print_hits(page: SearchPage, base: str) -> None:
    """The hits as a table: id, date, title (a link to its replay where the terminal
    supports hyperlinks), snippet and the full URL, authors."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not page.hits and page.limit and not page.total:
        console.print(f"No articles match {page.query!r}." if page.query.strip() else "No articles.")
        return
    if not page.hits:
        console.print(escape(page.title()))
        return
    table = Table(show_lines=True, title=escape(page.title()))
    table.add_column("id", justify="right", no_wrap=True)
    table.add_column("published", no_wrap=True)
    table.add_column("title / snippet / URL", ratio=3, overflow="fold")
    table.add_column("authors", ratio=1, max_width=24)
    for hit in page.hits:
        snippet = escape((hit.snippet or "").replace("\n", " "))
        snippet = snippet.replace(_HL_OPEN, "[bold yellow]").replace(_HL_CLOSE, "[/bold yellow]")
        title = f"[bold]{escape(hit.title or '(no title)')}[/bold]"
        if hit.replay_url:
            title = f"[link={escape(base + hit.replay_url)}]{title}[/link]"
        body = f"{title}\n{snippet}\n[dim]{escape(hit.url)}[/dim]"
        table.add_row(str(hit.id), (hit.published or "")[:10], body, escape(", ".join(hit.authors)))
    console.print(table)
    if page.hits and page.offset + len(page.hits) < page.total:
        console.print(f"[dim]more: --offset {page.offset + len(page.hits)}[/dim]")


def escape(text: str) -> str:
    from rich.markup import escape as rich_escape

    return rich_escape(text)


# -- show -------------------------------------------------------------------------------


@main.command()
@click.argument("article")
@click.option("--json", "as_json", is_flag=True, help="Print the article, its versions and captures as JSON.")
@click.option("--no-text", is_flag=True, help="Leave the article's text out.")
@click.pass_obj
def show(obj: Context, article: str, as_json: bool, no_text: bool) -> None:
    """Show one article: its metadata, its text and every capture of it.

    ARTICLE is an article id (from search) or a URL: the canonical URL, the URL fetched,
    or any other URL of the article (a redirect, a tracking-parameter variant).
    Captures list time, HTTP status, response or revisit, WARC file, offset and length.

    \b
    Examples:
      newsarchive show 42
      newsarchive show https://www.courthousenews.com/some-story/ --json
    """
    with obj.open_index() as index:
        detail = index.article(article)
    if detail is None:
        raise click.ClickException(
            f"no article {article!r} in {obj.db_path}; find its id or URL with: newsarchive search WORDS"
        )
    data = detail.to_dict()
    if no_text:
        data.pop("text", None)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    _print_article(data, with_text=not no_text)


def _print_article(data: dict[str, Any], *, with_text: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    meta = Table(show_header=False, box=None, title=escape(data.get("title") or "(no title)"),
                 title_justify="left", title_style="bold")
    meta.add_column(style="dim", no_wrap=True)
    meta.add_column(overflow="fold")  # a URL wraps whole: it is there to be copied
    for name in ("id", "canonical_url", "url", "site", "published", "modified", "authors",
                 "categories", "tags", "language", "sitename", "description", "issue_date",
                 "version", "first_seen", "last_seen", "extractor", "extraction_error",
                 "warc_filename", "warc_offset", "warc_length", "fetched_at", "replay_url"):
        value = data.get(name)
        if value in (None, "", []):
            continue
        meta.add_row(name, escape(", ".join(value) if isinstance(value, list) else str(value)))
    if data.get("aliases"):
        meta.add_row("aliases", escape("\n".join(data["aliases"])))
    console.print(meta)
    if with_text:
        console.print()
        console.print(escape(data.get("text") or "(no text)"))
        console.print()
    captures = Table(title=f"{len(data['captures'])} capture(s)", title_justify="left")
    for column in ("fetched_at", "status", "type", "url", "WARC file", "offset", "length"):
        captures.add_column(column, overflow="fold")
    for c in data["captures"]:
        kind = c.get("record_type") or ""
        if kind == "revisit":
            kind += f" of {c.get('refers_to_date') or '?'}"
        captures.add_row(c.get("fetched_at") or "", str(c.get("status") or ""), escape(kind),
                         escape(c.get("url") or ""), escape(c.get("warc_filename") or ""),
                         str(c.get("warc_offset")), str(c.get("warc_length")))
    console.print(captures)
    if len(data.get("versions") or []) > 1:
        versions = Table(title="versions", title_justify="left")
        for column in ("version", "fetched_at", "changed", "title"):
            versions.add_column(column, overflow="fold")
        for v in data["versions"]:
            versions.add_row(str(v["version"]), v.get("fetched_at") or "",
                             escape(", ".join(v.get("changed") or [])), escape(v.get("title") or ""))
        console.print(versions)


# -- stats ------------------------------------------------------------------------------



@main.command()
@click.option("--since", callback=check_date, help="Count articles published on or after this date (YYYY-MM-DD).")
@click.option("--until", callback=check_date, help="Count articles published on or before this date (YYYY-MM-DD).")
@click.option("--top", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="How many authors, categories and sites to list.")
@click.option("--json", "as_json", is_flag=True, help="Print everything as one JSON object.")
@click.pass_obj
def stats(obj: Context, since: str | None, until: str | None, top: int, as_json: bool) -> None:
    """What the archive holds: coverage calendar, top names, extraction gaps, crawls.

    Articles per month (with a mark per day, how many days have none, and the longest
    gaps), top authors,
    categories and sites, articles with no date, no author or little text, and every
    crawl so far.

    \b
    Examples:
      newsarchive stats
      newsarchive stats --since 2024-04-01 --until 2024-04-30
      newsarchive stats --json | jq '.empty_days'
    """
    from archive.index import QueryError

    with obj.open_index() as index:
        try:
            result = index.stats(since=since, until=until, top=top)
        except QueryError as exc:
            _usage_error(str(exc))
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    from archive.stats_view import print_stats

    print_stats(result)


# -- datasette --------------------------------------------------------------------------


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("-p", "--port", type=int, default=8001, show_default=True, help="Port to serve on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to serve on.")
@click.option("--print", "print_only", is_flag=True, help="Print the datasette command instead of running it.")
@click.argument("datasette_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_obj
def datasette(obj: Context, port: int, host: str, print_only: bool, datasette_args: tuple[str, ...]) -> None:
    """Browse the archive in Datasette: facets, full-text search, SQL, CSV and JSON.

    Writes DATA/metadata.json (table descriptions, facets on author, category, site and
    month, newest first, the ranked full-text query /archive/search?q=WORDS) and runs
    `datasette DATA/archive.db -m DATA/metadata.json`. Links open the captures in
    `newsarchive replay` ($NEWSARCHIVE_REPLAY, default http://127.0.0.1:8080).
    Plain `datasette DATA/archive.db` is as useful, through newsarchive's Datasette
    plugin. Extra arguments go to datasette.

    \b
    Examples:
      newsarchive datasette
      newsarchive --data /srv/archive datasette --port 8080 -- --setting sql_time_limit_ms 5000
    """
    import os
    import shlex

    from archive.datasette import write_datasette_metadata

    if not obj.db_path.is_file():
        obj.open_index()  # raises the "no archive" message
    try:
        metadata = write_datasette_metadata(obj.data)
    except OSError as exc:
        raise click.ClickException(f"cannot write the Datasette metadata in {obj.data}: {exc}") from None
    command = [sys.executable, "-m", "datasette", "serve", str(obj.db_path), "-m", str(metadata),
               "--host", host, "--port", str(port), *datasette_args]
    if print_only:
        click.echo(shlex.join(command))
        return
    try:
        # Datasette takes this process's place: signals (SIGTERM from a supervisor, Ctrl-C)
        # reach the server itself, and no child is left behind.
        os.execv(sys.executable, command)
    except OSError as exc:
        raise click.ClickException(f"cannot start Datasette: {exc}") from None
