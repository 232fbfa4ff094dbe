"""``newsarchive history URL``: an article's versions, and what changed between them."""
from __future__ import annotations

import click

from archive.cli import Context, main
from archive.cli_output import is_table, output_options, write_records


@main.command()
@click.argument("url")
@click.option("--diff", "show_diff", is_flag=True,
              help="Also show a unified diff of the text between consecutive versions.")
@output_options(json_help="A JSON array, one object per version (with --diff, each has a \"diff\").",
                table_help="A table of the versions, then the diffs (the default).")
@click.pass_obj
def history(obj: Context, url: str, show_diff: bool, fmt: str | None) -> None:
    """List the versions of the article at URL: when captured, digest, WARC record, what changed.

    URL is the article's canonical URL or any other URL that led to it (tracking
    parameters, shortlinks, AMP), or its id. A new version is kept each time a crawl
    finds a new payload with different text.

    \b
    Examples:
      newsarchive history https://www.courthousenews.com/some-story/
      newsarchive history https://www.courthousenews.com/some-story/ --diff
      newsarchive history 42 --json | jq '.[-1].changed'
      newsarchive history 42 --csv > versions.csv
    """
    from archive.history import ArticleVersion, UnknownArticle, find_article, text_diff, versions

    with obj.open_index() as index:
        try:
            article = find_article(index, url)
        except UnknownArticle:
            raise click.ClickException(
                f"no article {url!r} in {obj.db_path}; find its id or URL with: newsarchive search WORDS"
            ) from None
        found = versions(index, article["id"])
    diffs = [list(text_diff(old, new)) for old, new in zip(found, found[1:])]
    if not is_table(fmt):
        items = [v.summary() for v in found]
        if show_diff:
            for item, diff in zip(items, [None, *diffs]):
                item["diff"] = None if diff is None else "\n".join(diff)
        write_records(fmt or "json", items, [*ArticleVersion.SUMMARY_KEYS, *(["diff"] if show_diff else [])])
        return

    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    console = Console()
    latest = found[-1].title if found else article["title"]
    table = Table(title=f"{escape(latest or '(no title)')}\n[dim]{escape(article['canonical_url'])}[/dim]",
                  caption=f"{len(found)} version(s)")
    table.add_column("version", justify="right")
    table.add_column("captured (UTC)", no_wrap=True)
    table.add_column("payload digest", overflow="fold")
    table.add_column("WARC file:offset", overflow="fold")
    table.add_column("changed")
    for v in found:
        changed = ", ".join(v.changed) if v.version > 1 or v.changed else "(first capture)"
        table.add_row(str(v.version), v.fetched_at or "", escape(v.payload_digest or ""),
                      escape(v.warc_location), escape(changed))
    console.print(table)
    if not show_diff:
        return
    if not diffs:
        console.print("Only one version: nothing to diff.")
    styles = {"+": "green", "-": "red", "@": "cyan"}
    for (old, new), diff in zip(zip(found, found[1:]), diffs):
        console.print()
        if not diff:
            fields = ", ".join(new.changed) or "no field"
            console.print(f"version {old.version} -> {new.version}: text unchanged ({fields} changed)")
            continue
        for line in diff:
            style = "bold" if line.startswith(("---", "+++")) else styles.get(line[:1], "")
            console.print(Text(line, style=style), soft_wrap=True)
