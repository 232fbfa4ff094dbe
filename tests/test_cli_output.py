"""The shared output options (archive/cli_output.py): every command that lists things takes
``--table``, ``--json``, ``--nl`` and ``--csv``, and the three machine formats are written
the same way by each."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from archive.cli import main
from archive.cli_output import is_table, output_options, write_records

#: The commands that list things (search hits, an article's versions, schedules).
LISTING_COMMANDS = [["search"], ["history"], ["schedule", "list"]]


def run(*args: str) -> click.testing.Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("command", LISTING_COMMANDS)
def test_every_listing_command_has_the_four_formats(command: list[str]) -> None:
    out = run(*command, "--help").output
    for flag in ("--table", "--json", "--nl", "--csv"):
        assert flag in out, (command, flag)


def test_the_decorator_gives_one_fmt_and_the_last_flag_wins() -> None:
    @click.command()
    @output_options(json_help="An array.")
    def listing(fmt: str | None) -> None:
        click.echo(repr(fmt))

    runner = CliRunner()
    assert runner.invoke(listing, []).output.strip() == "None"
    assert runner.invoke(listing, ["--csv"]).output.strip() == "'csv'"
    assert runner.invoke(listing, ["--json", "--nl"]).output.strip() == "'nl'"
    assert "An array." in runner.invoke(listing, ["--help"]).output
    assert is_table(None) and is_table("table") and not is_table("json")


def test_write_records_in_each_format(capsys: pytest.CaptureFixture[str]) -> None:
    records = [{"id": 1, "tags": ["a", "b"], "title": "Café", "gone": None}, {"id": 2, "tags": [], "title": "x,y"}]
    write_records("json", records, ["id"])
    assert json.loads(capsys.readouterr().out) == records
    write_records("nl", records, ["id"])
    out = capsys.readouterr().out
    assert [json.loads(line) for line in out.splitlines()] == records and "Café" in out
    write_records("csv", records, ["id", "title", "tags", "gone"])
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [["id", "title", "tags", "gone"], ["1", "Café", "a; b", ""], ["2", "x,y", "", ""]]


def test_schedule_list_in_each_format(tmp_path: Path) -> None:
    for every in ("6h", "1d"):
        assert run("--data", str(tmp_path), "schedule", "add", "courthousenews", "--every", every).exit_code == 0
    items = json.loads(run("--data", str(tmp_path), "schedule", "list", "--json").output)
    assert [i["when"] for i in items] == ["every 6h", "every 1d"]
    lines = run("--data", str(tmp_path), "schedule", "list", "--nl").output.splitlines()
    assert [json.loads(line) for line in lines] == items
    rows = list(csv.DictReader(io.StringIO(run("--data", str(tmp_path), "schedule", "list", "--csv").output)))
    assert set(rows[0]) == set(items[0]) and [r["when"] for r in rows] == ["every 6h", "every 1d"]
    assert rows[0]["next_run_at"] == items[0]["next_run_at"]
    table = run("--data", str(tmp_path), "schedule", "list", "--table").output
    assert "2 schedule(s)" in table and "every 6h" in table
