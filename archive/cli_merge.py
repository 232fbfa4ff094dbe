"""``newsarchive merge DIR…``: one archive from the data folders of a distributed crawl's workers."""
from __future__ import annotations

from pathlib import Path

import click

from archive.cli import Context, main


@main.command()
@click.argument("folders", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.pass_obj
def merge(obj: Context, folders: tuple[Path, ...]) -> None:
    """Build the archive in DATA from the data folders FOLDERS (each with warc/).

    Every record of their WARC files is copied unchanged (digests and all) into new WARC
    files in DATA/warc, ordered by WARC-Date; the index (DATA/archive.db) is rebuilt from
    them as `reindex` does, the replay index (CDXJ) regenerated, and the new files checked
    as `warc check` does. DATA must be new or hold no WARC files. `newsarchive crawl
    --workers N` merges its workers' folders itself; this is for workers run on other
    machines (`newsarchive worker`), their folders copied here.

    \b
    Examples:
      newsarchive --data merged merge host1/data host2/data
    """
    from archive.merge import MergeError, merge_folders

    try:
        result = merge_folders(obj.data, list(folders))
    except MergeError as exc:
        raise click.ClickException(str(exc)) from None
    stats = result.index
    click.echo(f"Merged {result.records} records of {len(folders)} folders into {len(result.files)} WARC "
               f"file{'s' if len(result.files) != 1 else ''} in {obj.data / 'warc'}; index: "
               f"{stats.articles if stats else 0} articles")
    if result.findings:
        for line in result.findings[:20]:
            click.echo(line, err=True)
        raise click.ClickException(f"warc check found {len(result.findings)} problems in the merged files")
