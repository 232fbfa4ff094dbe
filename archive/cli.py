"""The ``newsarchive`` command line: one click group, a verb per command.

Library first, CLI thin: each command calls :mod:`archive` (or :mod:`crawler` for
``crawl``) and turns named exceptions into one-line messages. Exit codes: 0 ok, 1 failure,
2 usage (a bad option, date or query).
"""
from __future__ import annotations

import signal
import sqlite3
from pathlib import Path
from typing import Any

import click

from archive import __version__
from archive.layout import DataDir

DATA_HELP = "The data folder: archive.db, warc/, indexes/ (default ./data, or $NEWSARCHIVE_DATA)."


def plural(n: int, noun: str) -> str:
    """``1 WARC file``, ``2 WARC files``: a count and its noun, agreeing."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


class Context:
    """What every command gets: the data folder."""

    def __init__(self, data: Path) -> None:
        self.data = data

    @property
    def layout(self) -> DataDir:
        """Where everything in the data folder lives."""
        return DataDir(self.data)

    @property
    def db_path(self) -> Path:
        return self.layout.db

    def open_index(self) -> Any:
        """The archive's index, read-only; an older schema is migrated first.

        Raises:
            click.ClickException: there is no archive, or it cannot be opened.
        """
        from archive.index import ArchiveIndexError, Index, IndexNotFound

        try:
            return Index.open_readonly(self.db_path)
        except IndexNotFound:
            raise click.ClickException(
                f"no archive at {self.data} (no archive.db). Crawl first, e.g.\n"
                f"  newsarchive --data {self.data} crawl courthousenews --since 2024-04-01 --until 2024-04-24"
            ) from None
        except (ArchiveIndexError, sqlite3.DatabaseError) as exc:
            raise click.ClickException(f"cannot open {self.db_path}: {exc}") from None


def check_date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """click callback: a ``YYYY-MM-DD`` date, or a usage error (exit 2)."""
    if value is None:
        return None
    import datetime as dt

    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD, e.g. 2024-04-01") from None


class ArchiveGroup(click.Group):
    """The command group: a broken or unreadable ``archive.db`` met by any command is one
    message with what to do about it, not a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        register_commands()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        register_commands()
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except sqlite3.DatabaseError as exc:
            data = ctx.obj.data if isinstance(ctx.obj, Context) else Path("data")
            raise click.ClickException(
                f"cannot use {data / 'archive.db'}: {exc}. If the file is damaged, move it aside: "
                f"`newsarchive --data {data} reindex` rebuilds it from the WARC files") from None


@click.group(cls=ArchiveGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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


#: This package's own command modules (each imports :data:`main` and decorates it).
COMMAND_MODULES = [
    "archive.cli_query",
    "archive.cli_export",
    "archive.cli_history",
    "archive.cli_warc",
    "archive.cli_import",
    "archive.cli_replay",
    "archive.cli_eval",
    "archive.cli_merge",
]

#: The entry-point group through which other packages add commands (the crawler's
#: ``crawl``, ``worker``, ``schedule``, ... are declared in ``pyproject.toml``): each entry
#: names a module that decorates :data:`main` when imported. ``archive`` never names them.
COMMAND_ENTRY_POINTS = "newsarchive.commands"


_registered: list[bool] = []


def register_commands() -> None:
    """Import every command module, ours and those registered under
    :data:`COMMAND_ENTRY_POINTS`, and give each command its own ``--data``; once a
    process, on the group's first use rather than on import, so importing
    :mod:`archive.cli` leaves the crawler (and Scrapy) unloaded. A registered module that
    fails to import loses only its commands: ``crawl`` then says why."""
    if _registered:
        return
    _registered.append(True)
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(name)
    problems = load_command_entry_points()
    if "crawl" not in main.commands:
        add_missing_crawler(problems or [
            f"no package registers commands under {COMMAND_ENTRY_POINTS!r}; "
            "install this checkout (pip install -e .)"])
    for command in main.commands.values():
        add_data_option(command)


def load_command_entry_points() -> list[str]:
    """Import each module registered under :data:`COMMAND_ENTRY_POINTS` (Python packaging's
    entry points, ``importlib.metadata``); returns one line per module that failed."""
    from importlib.metadata import entry_points

    problems = []
    for entry in sorted(entry_points(group=COMMAND_ENTRY_POINTS), key=lambda e: e.name):
        try:
            entry.load()
        except ImportError as exc:
            problems.append(f"{entry.value}: {exc}")
    return problems


def add_missing_crawler(problems: list[str]) -> None:
    """A ``crawl`` command that only explains why the crawler's commands are missing."""
    why = "; ".join(problems)

    @main.command(name="crawl")
    def crawl() -> None:
        """Crawl a site (needs the crawler package and Scrapy, which did not load)."""
        raise click.ClickException(f"the crawler is not available: {why}")


def _data_option_here(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    """``--data`` given after the command name: the same as before it (it wins over both
    the group's ``--data`` and ``$NEWSARCHIVE_DATA``)."""
    if value is not None and isinstance(ctx.obj, Context):
        ctx.obj.data = value


def add_data_option(command: click.Command) -> None:
    """Give *command* (and every command under it) a ``--data`` option of its own, so
    ``newsarchive search foo --data DIR`` works as ``newsarchive --data DIR search foo``."""
    if not any(isinstance(p, click.Option) and "--data" in p.opts for p in command.params):
        command.params.append(click.Option(
            ["--data"], type=click.Path(file_okay=False, path_type=Path), expose_value=False,
            callback=_data_option_here, metavar="DIR",
            help="The data folder (also before the command, or $NEWSARCHIVE_DATA; default ./data)."))
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_data_option(sub)



def run() -> None:
    """The ``newsarchive`` console script and ``python -m archive``: :func:`main`, in a process
    of its own, where SIGPIPE ends the command quietly when its reader goes away
    (``newsarchive export | head``). Calling :func:`main` itself (click's ``CliRunner``, a
    program embedding the CLI) leaves the caller's signal handling alone: Python ignores
    SIGPIPE, and a process that took the default would be killed by any write to a closed
    socket or pipe (the test suite was, by a test long after the one that ran the CLI)."""
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main(prog_name="newsarchive")
