"""The command line: help everywhere, clear messages and exit codes, no tracebacks."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import click
from click.testing import CliRunner

from archive.cli import main

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = sorted(main.list_commands(click.Context(main)))


def run(*args: str, data: Path | None = None) -> object:
    runner = CliRunner()
    argv = (["--data", str(data)] if data else []) + list(args)
    return runner.invoke(main, argv, catch_exceptions=False)


def test_commands_exist() -> None:
    assert {"crawl", "search", "export"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output
    assert f"newsarchive {command}" in result.output or "newsarchive --data" in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme(command: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"newsarchive (--data \S+ )?{command}\b", readme), command


def test_readme_opens_with_demo_and_test() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```", 2)[1]
    assert "make demo" in first_block and "make test" in first_block


def test_unknown_site_is_a_usage_error(tmp_path: Path) -> None:
    result = run("crawl", "nosuchsite", data=tmp_path)
    assert result.exit_code == 2
    assert "unknown site 'nosuchsite'" in result.output and "courthousenews" in result.output


def test_wordpress_profile_needs_base_url(tmp_path: Path) -> None:
    result = run("crawl", "wordpress", data=tmp_path)
    assert result.exit_code == 2 and "--base-url" in result.output


@pytest.mark.parametrize("args", [
    ["crawl", "courthousenews", "--since", "2024-13-01"],
    ["crawl", "courthousenews", "--since", "yesterday"],
    ["crawl", "courthousenews", "--since", "2024-05-01", "--until", "2024-04-01"],
    ["search", "x", "--until", "04/01/2024"],
    ["export", "--format", "xml"],
    ["crawl", "courthousenews", "-s", "NOEQUALS"],
])
def test_bad_options_exit_2_without_traceback(tmp_path: Path, args: list[str]) -> None:
    result = run(*args, data=tmp_path)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", [["search", "court"], ["export"]])
def test_reading_a_missing_archive_says_how_to_make_one(tmp_path: Path, command: list[str]) -> None:
    result = run(*command, data=tmp_path / "nothing")
    assert result.exit_code == 1
    assert "no archive at" in result.output and "newsarchive" in result.output and "crawl" in result.output


def test_search_never_crashes_on_odd_input(tmp_path: Path) -> None:
    from archive.index import Index

    Index(tmp_path / "archive.db").close()
    for query in ['"unbalanced', "AND", "-", "time: 10:30", "C++", "😀", "NEAR(", "*", "'", ""]:
        result = run("search", query, data=tmp_path)
        assert result.exit_code == 0, (query, result.output)
    result = run("search", "NEAR(", "--raw", data=tmp_path)
    assert result.exit_code == 2 and "FTS5" in result.output


def test_an_older_schema_is_migrated_when_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import archive.index as index_module
    import archive.index.schema as index_schema

    monkeypatch.setattr(index_schema, "migrations", index_schema.migrations[:1])
    index_module.Index(tmp_path / "archive.db").close()
    monkeypatch.undo()
    result = run("search", "anything", data=tmp_path)
    assert result.exit_code == 0, result.output
    with index_module.Index(tmp_path / "archive.db", readonly=True) as index:
        assert index.schema_version == len(index_module.migrations)


def test_a_corrupt_database_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "archive.db").write_bytes(b"this is not sqlite" * 100)
    result = run("search", "court", data=tmp_path)
    assert result.exit_code == 1
    assert "cannot open" in result.output


@pytest.mark.parametrize("base_url", ["not a url", "http://[::1", "http://127.0.0.1:99999", "ftp://x.org", ""])
def test_bad_base_urls_are_usage_errors(tmp_path: Path, base_url: str) -> None:
    result = run("crawl", "courthousenews", "--base-url", base_url, data=tmp_path)
    assert result.exit_code == 2, result.output
    assert "URL" in result.output or "--base-url" in result.output


@pytest.mark.parametrize("setting", ["DOWNLOAD_DELAY=abc", "ARCHIVE_WARC_MAX_BYTES=big", "ROBOTSTXT_OBEY=maybe",
                                     "ARCHIVE_WARC_MAX_BYTES=-5"])
def test_settings_of_the_wrong_type_are_usage_errors(tmp_path: Path, setting: str) -> None:
    result = run("crawl", "courthousenews", "-s", setting, data=tmp_path)
    assert result.exit_code == 2, result.output
    assert setting.split("=")[0] in result.output


def test_reindex_is_refused_while_a_crawl_writes(tmp_path: Path) -> None:
    from archive.lock import lock_data_dir

    holder = lock_data_dir(tmp_path)
    try:
        result = run("reindex", data=tmp_path)
    finally:
        holder.close()
    assert result.exit_code == 1
    assert "is writing to" in result.output


def test_unreachable_site_is_one_message_no_traceback_and_no_resume_state(tmp_path: Path) -> None:
    import socket

    from tests.helpers import run_cli

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = tmp_path / "data"
    result = run_cli(data, "crawl", "courthousenews", "--base-url", f"http://127.0.0.1:{port}",
                     "--since", "2024-04-10", "--until", "2024-04-10", "-s", "RETRY_TIMES=0",
                     "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"no page of http://127.0.0.1:{port} could be fetched" in result.stderr
    assert not (data / "jobs").exists()  # nothing to resume: the next crawl starts clean


def test_main_in_this_process_leaves_sigpipe_alone(tmp_path: Path) -> None:
    """Only the console script takes SIGPIPE's default; a caller of main() keeps Python's
    ignore, or any later write to a closed socket would kill it (it killed the suite)."""
    import signal

    before = signal.getsignal(signal.SIGPIPE)
    run("stats", data=tmp_path / "data")
    assert signal.getsignal(signal.SIGPIPE) == before == signal.SIG_IGN


def test_the_script_ends_quietly_when_its_reader_goes_away(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.test_reindex import build_archive

    data = tmp_path / "data"
    build_archive(data, max_bytes=10**9)
    subprocess.run([sys.executable, "-m", "archive", "--data", str(data), "reindex"], check=True,
                   capture_output=True)
    script = (f"{sys.executable} -m archive --data {data} export --format jsonl | head -c 10 > /dev/null;"
              " echo ${PIPESTATUS[0]}")
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert "Traceback" not in out.stderr and "BrokenPipe" not in out.stderr, out.stderr
    assert out.stdout.strip() in ("0", "141"), out  # done, or ended by SIGPIPE: never an error
