"""``newsarchive import FILE...``: WARC files written by other tools, indexed like a crawl's."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from archive.cli import Context, main, plural
from archive.cli_warc import writer_lock


@main.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option("--site", metavar="NAME",
              help="The site name of the articles found (what `search --site` matches); "
                   "default: each article's host, www. left out.")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Extraction processes (default: one per core; 0 extracts in this process).")
@click.pass_obj
def import_(obj: Context, files: tuple[Path, ...], site: str | None, workers: int | None) -> None:
    """Import WARC files written by other tools (Browsertrix, Heritrix, wget, warcprox, CC-NEWS).

    Each FILE (.warc.gz or .warc, WARC 1.0 or 1.1) is copied byte for byte into DATA/warc
    (the original is only read), its response and revisit records get captures rows
    pointing at the exact record, its 200 HTML pages are extracted and judged by the
    crawl's article rule, and each article's metadata record goes into a new WARC file of
    ours (DATA/warc/newsarchive-import-*.warc.gz), so `newsarchive reindex` rebuilds the
    same index later. Imported captures replay, search and export like crawled ones.
    An ARC file (.arc, .arc.gz) is converted to WARC by warcio (what `warcio recompress`
    does) into DATA/warc/STEM-arc-HASH.warc.gz instead of copied. Damaged bytes cost only
    themselves (each stretch left out is named); a file that is not WARC or ARC (an empty
    file) is refused with the reason, and a file already imported is skipped. Exit 1 when a file was refused or damaged bytes were left out.

    \b
    Examples:
      newsarchive import crawl-20240301.warc.gz
      newsarchive --data news import CC-NEWS-20240301*.warc.gz --site ccnews
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from archive.warc.importer import ImportFailed, ImportProgress, describe, import_warcs

    obj.data.mkdir(parents=True, exist_ok=True)
    lock = writer_lock(obj)
    console = Console(stderr=True)
    try:
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.fields[counts]}"),
                      TimeElapsedColumn(), console=console, transient=True,
                      disable=not console.is_terminal) as bar:
            task = bar.add_task("import", total=None, counts="")

            def show(state: ImportProgress) -> None:
                unit = "pages" if state.stage == "extract" else "bytes"
                bar.update(task, total=state.total or None, completed=state.done,
                           description=f"file {min(state.files_done + 1, state.files_total)}/{state.files_total} "
                                       f"{state.stage}",
                           counts=f"{state.done}/{state.total} {unit}, {state.articles} articles")

            stats = import_warcs(obj.data, list(files), site=site, workers=workers, progress=show)
    except ImportFailed as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot import: {exc}") from None
    finally:
        lock.close()
    problems = 0
    for result in stats.files:
        click.echo(describe(result), err=True)
        for offset, why in result.damaged:
            click.echo(f"  left out at offset {offset}: {why}", err=True)
        problems += result.status == "refused" or bool(result.damaged)
    imported = [r for r in stats.files if r.status == "imported"]
    click.echo(
        f"Imported {plural(len(imported), 'WARC file')}: {sum(r.captures for r in imported)} captures, "
        f"{stats.pages} pages extracted, {plural(sum(r.articles for r in imported), 'article')} added to the index"
        + (f", {plural(sum(r.damaged_bytes for r in imported), 'damaged byte')} left out"
           if any(r.damaged for r in imported) else "")
        + (f" (metadata records in warc/{', warc/'.join(stats.metadata_files)})" if stats.metadata_files else ""),
        err=True)
    if stats.cdxj_error:
        click.echo(f"Could not update the CDXJ index for replay: {stats.cdxj_error}", err=True)
    sys.exit(1 if problems else 0)
