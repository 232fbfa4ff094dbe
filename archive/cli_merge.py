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

    Damaged bytes cost only themselves: a truncated tail or a damaged record of an input
    is left out, named on one line (file:offset, bytes, why), and every readable record
    around it is merged; the exit status is then 1. A record whose WARC-Record-ID was
    merged already (the same file in two folders) is merged once and counted.

    \b
    Examples:
      newsarchive --data merged merge host1/data host2/data
    """
    from archive.merge import MergeError, merge_folders
    from archive.warc import WarcError

    try:
        result = merge_folders(obj.data, list(folders))
    except (MergeError, WarcError) as exc:
        raise click.ClickException(str(exc)) from None
    for line in result.damaged[:20]:
        click.echo(f"damaged: {line}", err=True)
    if len(result.damaged) > 20:
        click.echo(f"damaged: ... and {len(result.damaged) - 20} more", err=True)
    stats = result.index
    click.echo(f"Merged {result.records} records of {len({f.resolve() for f in folders})} folders into {len(result.files)} WARC "
               f"file{'s' if len(result.files) != 1 else ''} in {obj.data / 'warc'}; index: "
               f"{stats.articles if stats else 0} articles"
               + (f"; {result.duplicates} records of a WARC-Record-ID merged already, left out"
                  if result.duplicates else "")
               + (f"; {result.damaged_bytes} damaged bytes of {len(result.damaged_inputs)} input files left out"
                  if result.damaged_inputs else ""))
    if result.findings:
        for line in result.findings[:20]:
            click.echo(line, err=True)
        raise click.ClickException(f"warc check found {len(result.findings)} problems in the merged files")
    if result.damaged_inputs:
        raise click.ClickException("some input bytes were damaged (listed above); every readable record was merged")
