"""``newsarchive replay``: serve the archive in a browser with pywb, and search it."""
from __future__ import annotations

import os
import sys

import click

from archive.cli import Context, main


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Loopback by default; 0.0.0.0 shares it with your network.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="TCP port (0 picks a free one).")
@click.pass_obj
def replay(obj: Context, host: str, port: int) -> None:
    """Replay archived pages in a browser with pywb, with a search page in front.

    Brings the CDXJ index of DATA/warc up to date (DATA/indexes/index.cdxj), configures a
    pywb collection over it (DATA/replay/config.yaml) and serves:

    \b
      /                       search the archive (words, dates, author)
      /archive/TIMESTAMP/URL  one capture as archived, under pywb's banner
      /archive/*/URL          every capture of URL

    Nothing is fetched from the live web: a page or resource that was not archived shows
    "Not archived", a redirect stays in the archive, and a page's URLs name this server
    (a Host header that names another host or port is not believed). Stop it with Ctrl-C.

    \b
    Examples:
      newsarchive replay
      newsarchive --data data replay --port 8081
      newsarchive replay --host 0.0.0.0      # reachable from other machines
    """
    from archive.warc.cdxj import update_index_report

    data = obj.data
    if not obj.layout.warc.is_dir() and not obj.db_path.is_file():
        raise click.ClickException(
            f"no archive at {data} (no warc/ folder). Crawl first, e.g.\n"
            f"  newsarchive --data {data} crawl courthousenews --since 2024-04-01 --until 2024-04-24"
        )
    if obj.db_path.is_file():
        obj.open_index().close()  # an older schema is migrated now, not on every search
    try:
        update = update_index_report(data)
    except OSError as exc:
        raise click.ClickException(f"cannot write the CDXJ index under {data / 'indexes'}: {exc}") from None
    for name, reason in sorted(update.broken.items()):
        click.echo(f"warning: {name} is left out of replay, it cannot be read: {reason}", err=True)
    for name, gaps in sorted(update.damaged.items()):
        for offset, length, why in gaps:
            click.echo(f"warning: {name}: {length} bytes at offset {offset} left out of replay, "
                       f"no readable record: {why}", err=True)
    if update.heads or update.shadowed:
        click.echo(f"Not replayed: {update.heads} responses to HEAD requests, {update.shadowed} empty 2xx "
                   "responses of URLs another capture holds the page of", err=True)
    also = f", {update.alias_lines} more under canonical URLs" if update.alias_lines else ""
    click.echo(f"CDXJ index: {update.lines - update.alias_lines} captures{also} from "
               f"{len(update.indexed) + len(update.reused)} WARC files ({len(update.indexed)} indexed now) "
               f"in {update.path}", err=True)

    # pywb runs on gevent, which must monkey-patch the process before anything imports ssl:
    # hand over to a fresh interpreter (same process id, so Ctrl-C and kill work as usual).
    argv = [sys.executable, "-m", "archive.replay", "--data", str(data), "--host", host,
            "--port", str(port)]
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execv(sys.executable, argv)
    except OSError as exc:
        raise click.ClickException(f"cannot start the replay server ({sys.executable}): {exc}") from None
