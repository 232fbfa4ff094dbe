"""``newsarchive reindex`` and ``newsarchive warc check``: the WARC files as the source of truth."""
from __future__ import annotations

import sys
from pathlib import Path

from typing import Any

import click

from archive.cli import Context, main, plural


@main.command()
@click.option("--re-extract", is_flag=True,
              help="Run extraction again on each archived article page instead of reading the "
                   "metadata records (after extraction improved).")
@click.option("--force", is_flag=True,
              help="Replace archive.db even when the rebuilt index holds fewer articles or captures.")
@click.pass_obj
def reindex(obj: Context, re_extract: bool, force: bool) -> None:
    """Rebuild archive.db from the WARC files alone.

    Reads DATA/warc/*.warc.gz in name order: a captures row for every response and revisit
    record, an article for every article metadata record (or, with --re-extract, from
    extracting the archived page again), aliases from the metadata. The new index is built
    in archive.db.rebuild and then replaces archive.db, which is kept as archive.db.bak.
    Damaged bytes cost only themselves: after one the reading goes on at the next
    readable record, and each stretch left out is named (file, offset, bytes). A rebuilt
    index holding fewer articles or captures than archive.db does not replace it (exit 1,
    saying what would be lost) unless --force is given.

    \b
    Examples:
      newsarchive --data data reindex
      newsarchive reindex --re-extract
    """
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    from archive.reindex import ReindexError, ReindexProgress, ReindexRefused
    from archive.reindex import reindex as rebuild

    lock = writer_lock(obj)
    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        console=console,
        transient=not console.is_terminal,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("reindex", total=None, counts="")

        def show(state: ReindexProgress) -> None:
            bar.update(
                task, total=state.bytes_total, completed=state.bytes_done,
                description=f"file {min(state.files_done + 1, state.files_total)}/{state.files_total}",
                counts=f"{state.records} records, {state.captures} captures, {state.articles} articles",
            )

        refused: ReindexRefused | None
        try:
            stats = rebuild(obj.data, re_extract=re_extract, progress=show, force=force)
        except ReindexRefused as exc:
            refused = exc
        except ReindexError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            raise click.ClickException(f"cannot rebuild the index: {exc}") from None
        else:
            refused = None
        finally:
            lock.close()
    if refused is not None:
        _echo_damaged(refused.stats)
        raise click.ClickException(str(refused))
    click.echo(
        f"Rebuilt {stats.db_path} from {plural(stats.files, 'WARC file')}: {stats.records} records, "
        f"{stats.captures} captures ({stats.revisits} revisits), {stats.articles} articles, "
        f"{stats.aliases} aliases" + (f"; previous index kept as {stats.backup_path}" if stats.backup_path else ""),
        err=True,
    )
    if stats.carried_over:
        kept = ", ".join(f"{count} {table}" for table, count in stats.carried_over.items())
        click.echo(f"Kept from the previous index (the WARC files do not hold them): {kept}", err=True)
    if re_extract:
        changed = ", ".join(f"{name} {count}" for name, count in sorted(stats.changed.items()))
        click.echo(f"Re-extracted {stats.metadata} article captures: {stats.changed_articles} changed"
                   + (f" ({changed})" if changed else ""), err=True)
    if stats.orphans:
        click.echo(f"Skipped {stats.orphans} metadata records whose response is not in the WARC files", err=True)
    if stats.heads or stats.shadowed:
        click.echo(f"Not indexed, they do not replay: {plural(stats.heads, 'response')} to HEAD requests, "
                   f"{plural(stats.shadowed, 'empty 2xx response')} of URLs another capture holds the page of",
                   err=True)
    _echo_damaged(stats)


def _echo_damaged(stats: Any) -> None:
    """One line per stretch of bytes the rebuild left out (the text is escaped already)."""
    from archive.warc.parse import escape

    for filename, offset, why in stats.damaged:
        click.echo(f"Left out {escape(filename, 300)} at offset {offset}: {why}", err=True)
    if stats.damaged:
        tail = any(why.startswith("truncated") for _, _, why in stats.damaged)
        click.echo(f"{plural(len(stats.damaged), 'damaged range')} ({stats.damaged_bytes} bytes) left out; "
                   "`newsarchive warc check` says more"
                   + (", and `newsarchive warc check --repair` moves a truncated tail aside" if tail else ""), err=True)


@main.group()
def warc() -> None:
    """Check and repair the WARC files.

    \b
    Examples:
      newsarchive warc check
      newsarchive --data data warc check --repair
    """


@warc.command("check")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--repair", is_flag=True,
              help="Move a truncated or corrupt tail into FILE.damaged, so that each WARC is readable "
                   "to its last whole record.")
@click.pass_obj
def check(obj: Context, files: tuple[Path, ...], repair: bool) -> None:
    """Verify WARC files (default: every file in DATA/warc).

    Checks each record's WARC-Block-Digest, the WARC-Payload-Digest of responses (over the
    entity after chunked framing is removed), that Content-Length, Transfer-Encoding and
    Content-Encoding agree with the stored body, that each record is one gzip member, and
    that the file does not end in a truncated record. Prints one line per finding,
    FILE:OFFSET  KIND  DETAIL, then a summary. Exit 1 if a problem was found (and, with
    --repair, not repaired), 0 if the files are clean. A warning (KIND (warning): a
    record every reader reads all the same, such as a body stored de-chunked under its
    Transfer-Encoding: chunked header, or an empty file) is printed and does not count. An ARC file is read
    with warcio's reader, as `warcio check` reads it (ARC records have no digests).

    \b
    Examples:
      newsarchive warc check
      newsarchive warc check data/warc/newsarchive-20240402120000-00000-host.warc.gz
      newsarchive warc check --repair
    """
    from archive.warc_indexer import warc_files
    from archive.warc.check import check_file, repair_tail

    if not files:
        warc_dir = obj.layout.warc
        files = tuple(warc_files(warc_dir)) if warc_dir.is_dir() else ()
        if not files:
            raise click.ClickException(f"no WARC files in {warc_dir}")
    lock = writer_lock(obj) if repair and obj.data.is_dir() else None
    records = remaining = repaired = warnings = 0
    bad_files: set[Path] = set()
    for path in files:
        try:
            result = check_file(path)
        except OSError as exc:
            click.echo(f"{path}:0  unreadable  {exc}")
            remaining += 1
            bad_files.add(path)
            continue
        records += result.records
        fixed = repair_tail(path, result) if repair and result.damaged_tail else None
        for finding in result.findings:
            cut = fixed is not None and finding.offset >= result.good_end
            click.echo(f"{finding}" + ("  [moved to " + fixed.damaged_path.name + "]" if cut and fixed else ""))
            if finding.warning and not cut:
                warnings += 1
            elif cut:
                repaired += 1
            else:
                remaining += 1
                bad_files.add(path)
        if fixed is not None:
            click.echo(f"{path}: repaired: kept {fixed.kept_bytes} bytes, moved {fixed.moved_bytes} bytes "
                       f"to {fixed.damaged_path}")
    summary = f"Checked {plural(len(files), 'WARC file')}, {plural(records, 'record')}: "
    if remaining:
        summary += f"{plural(remaining, 'problem')} in {plural(len(bad_files), 'file')}"
    else:
        summary += "no problems"
    if warnings:
        summary += f", {plural(warnings, 'warning')}"
    if repaired:
        summary += f" ({repaired} repaired)"
    click.echo(summary)
    if repaired:
        _refresh_cdxj(obj)
    if lock is not None:
        lock.close()
    sys.exit(1 if remaining else 0)


def _refresh_cdxj(obj: Context) -> None:
    """Bring DATA/indexes up to date after a repair changed WARC files, when it exists."""
    if not obj.layout.indexes.is_dir():
        return
    try:
        from archive.warc.cdxj import update_index
    except ImportError:  # pragma: no cover - the replay index is optional here
        return
    try:
        update_index(obj.data)
    except Exception as exc:  # noqa: BLE001 - the repair stands; only the replay index is stale
        click.echo(f"Could not update the CDXJ index: {exc}", err=True)


def writer_lock(obj: Context) -> Any:
    """The data folder's writer lock, or a clear refusal while a crawl writes to it."""
    from archive.lock import ArchiveLocked, lock_data_dir

    try:
        return lock_data_dir(obj.data)
    except ArchiveLocked as exc:
        raise click.ClickException(str(exc).replace("another crawl", "a crawl")) from None
    except OSError as exc:
        raise click.ClickException(f"cannot use the data folder {obj.data}: {exc}") from None
