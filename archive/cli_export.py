"""``newsarchive export``: the archived articles as JSON Lines or CSV, or the archive as WACZ."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from archive.atomic import replacing
from archive.cli import Context, check_date, main, plural

if TYPE_CHECKING:
    from archive.index import Index


@main.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "wacz"]), default="jsonl", show_default=True,
              help="JSON Lines (one object per article), CSV, or WACZ (the WARC files, a CDXJ index and "
                   "pages.jsonl with the articles' titles and text; needs -o).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here instead of standard output (its folder is created if missing; a file there "
                   "is replaced only once the export is whole; a symlink's target or a FIFO is written into).")
@click.option("--since", callback=check_date, help="Published on or after this date (YYYY-MM-DD).")
@click.option("--until", callback=check_date, help="Published on or before this date (YYYY-MM-DD).")
@click.pass_obj
def export(obj: Context, fmt: str, output: Path | None, since: str | None, until: str | None) -> None:
    """Export every archived article, one object (or CSV row) per article, or the archive as WACZ.

    Fields: id (as `newsarchive show ID` takes it), url, canonical_url, title, authors,
    published, modified, categories, tags, description, sitename, language, text,
    warc_filename, warc_offset, warc_length, fetched_at, replay_url (the capture in
    `newsarchive replay`: /archive/<timestamp>/<url>).

    \b
    Examples:
      newsarchive export --format jsonl -o articles.jsonl
      newsarchive export --format csv --since 2024-04-01 > april.csv
      newsarchive export --format wacz -o archive.wacz
    """
    if fmt == "wacz":
        _export_wacz(obj, output, since, until)
        return
    from archive.export import export_articles

    with obj.open_index() as index:
        if output is None:
            count = export_articles(index, fmt, sys.stdout, since=since, until=until)
        else:
            try:
                count = _export_to_file(index, fmt, output, since, until)
            except OSError as exc:
                raise click.ClickException(f"cannot write {output}: {exc}") from None
    click.echo(f"Exported {count} articles" + (f" to {output}" if output else ""), err=True)


def _export_to_file(index: Index, fmt: str, output: Path, since: str | None, until: str | None) -> int:
    """Write the export to ``output``: to a regular file (or a symlink's target) through a
    ``.part`` file renamed over it at the end, so a failed export leaves the old file whole;
    straight into anything else that exists there (a FIFO, ``/dev/stdout``), which a rename
    would replace. Returns the number of articles. Raises OSError."""
    from archive.export import export_articles

    target = output.resolve() if output.is_symlink() else output
    if target.exists() and not target.is_file():
        with open(target, "w", encoding="utf-8", newline="") as out:
            return export_articles(index, fmt, out, since=since, until=until)
    target.parent.mkdir(parents=True, exist_ok=True)
    with replacing(target) as tmp, open(tmp, "w", encoding="utf-8", newline="") as out:
        return export_articles(index, fmt, out, since=since, until=until)


def _export_wacz(obj: Context, output: Path | None, since: str | None, until: str | None) -> None:
    """``export --format wacz``: package the WARC files and the articles' page list (py-wacz)."""
    from archive.index import IndexNotFound
    from archive.warc.wacz import WaczError, create_wacz

    if output is None:
        raise click.UsageError("--format wacz writes a ZIP file: give it a name with -o, e.g. -o archive.wacz")
    obj.open_index().close()  # a missing or outdated archive gets the usual message first
    try:
        result = create_wacz(obj.data, output, since=since, until=until)
    except (WaczError, IndexNotFound) as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc}") from None
    click.echo(f"Exported {plural(result.pages, 'article')} and {plural(result.warc_files, 'WARC file')} to {output}", err=True)
