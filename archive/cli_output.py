"""One output decorator for every command that lists things: ``--table`` (the default),
``--json``, ``--nl`` and ``--csv`` (sqlite-utils' shared output options), and the writer of
the three machine formats.

A command takes them as one parameter, ``fmt`` (``None`` when no flag is given: the table)::

    @main.command()
    @output_options(json_help="A JSON array, one object per schedule.")
    def schedule_list(obj, fmt): ...
        if is_table(fmt): print a rich table
        else: write_records(fmt, rows, COLUMNS)
"""
from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click

__all__ = ["FORMATS", "is_table", "output_options", "write_records"]

F = TypeVar("F", bound=Callable[..., Any])

#: The output formats, by flag: ``--table``, ``--json``, ``--nl``, ``--csv``.
FORMATS = ("table", "json", "nl", "csv")
_NL_HELP = "One JSON object per line (JSON Lines)."
_CSV_HELP = "CSV with a header row; lists joined with '; '."


def output_options(json_help: str = "A JSON array, one object per row.",
                   table_help: str = "A table for the terminal (the default).") -> Callable[[F], F]:
    """Add ``--table``, ``--json``, ``--nl`` and ``--csv`` to a command as its ``fmt`` parameter.

    Args:
        json_help: what ``--json`` prints (an array, or the command's one object).
        table_help: what ``--table`` prints.

    Returns:
        The decorator; the last of the four flags given wins (click's ``flag_value``).
    """
    helps = {"table": table_help, "json": json_help, "nl": _NL_HELP, "csv": _CSV_HELP}

    def decorate(func: F) -> F:
        for name in reversed(FORMATS):
            func = click.option(f"--{name}", "fmt", flag_value=name, help=helps[name])(func)
        return func

    return decorate


def is_table(fmt: str | None) -> bool:
    """Whether ``fmt`` (the decorator's parameter) asks for the table: ``--table`` or no flag."""
    return fmt in (None, "table")


def write_records(fmt: str, records: Iterable[dict[str, Any]], columns: Iterable[str]) -> None:
    """Print ``records`` to stdout as ``json`` (one array, indented by 1), ``nl`` (JSON
    Lines) or ``csv`` (a header row of ``columns``, then one row each; a list is joined
    with ``"; "``, None is empty). Text is UTF-8, not ``\\u`` escapes."""
    out = sys.stdout
    if fmt == "json":
        out.write(json.dumps(list(records), ensure_ascii=False, indent=1) + "\n")
    elif fmt == "nl":
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        writer = csv.writer(out, lineterminator="\n")
        names = list(columns)
        writer.writerow(names)
        for record in records:
            writer.writerow([
                "; ".join(map(str, v)) if isinstance(v, list) else ("" if v is None else v)
                for v in (record.get(n) for n in names)
            ])
