"""``newsarchive schedule add|list|remove|run``: recurring crawls (see :mod:`crawler.schedule`)."""
from __future__ import annotations

import datetime as dt

import click

from archive.cli import Context, main
from archive.cli_output import is_table, output_options, write_records

#: Columns of ``schedule list --csv``, in order (the keys of ``--json``'s objects).
SCHEDULE_COLUMNS = ("id", "site", "args", "every_secs", "cron", "when", "created_at", "last_run_at",
                    "last_status", "enabled", "next_run_at")


@main.group()
def schedule() -> None:
    """Recurring crawls, stored in DATA/archive.db and run by `schedule run`.

    A scheduled crawl without --since continues from the previous crawl
    (incremental), so a schedule usually needs only the site and its options.

    \b
    Examples:
      newsarchive schedule add courthousenews --every 6h
      newsarchive schedule add wordpress --cron "30 5 * * *" --base-url https://news.example.org
      newsarchive schedule list
      newsarchive schedule remove 2
      newsarchive --data ~/archives/cns schedule run
    """


@schedule.command("add", context_settings={"ignore_unknown_options": True})
@click.argument("site")
@click.option("--every", metavar="INTERVAL", help="Run every INTERVAL: 30s, 15m, 6h, 1d, 1h30m.")
@click.option("--cron", metavar="EXPR",
              help='Run at the times of a crontab expression (local time), e.g. "0 */6 * * *".')
@click.argument("crawl_args", nargs=-1, type=click.UNPROCESSED, metavar="[CRAWL OPTIONS]...")
@click.pass_obj
def schedule_add(obj: Context, site: str, every: str | None, cron: str | None, crawl_args: tuple[str, ...]) -> None:
    """Add a recurring crawl of SITE (a crawl profile or URL, as for `crawl`).

    Give exactly one of --every and --cron. Any other options are the crawl's
    (--base-url, --contact, --delay, -s NAME=VALUE, ...), checked now as `crawl` would.

    \b
    Examples:
      newsarchive schedule add courthousenews --every 6h
      newsarchive schedule add courthousenews --cron "0 */6 * * *" --contact mailto:me@example.org
      newsarchive --data ~/archives/local schedule add https://news.example.org/ --every 1d -s DOWNLOAD_DELAY=1
    """
    from crawler.schedule import ScheduleError, add_schedule, parse_every, validate_crawl_args, validate_cron

    if (every is None) == (cron is None):
        raise click.UsageError("give exactly one of --every (e.g. --every 6h) and --cron (e.g. --cron \"0 */6 * * *\")")
    try:
        every_secs = parse_every(every) if every is not None else None
        cron_expr = validate_cron(cron) if cron is not None else None
        validate_crawl_args(site, crawl_args)
    except ScheduleError as exc:
        raise click.UsageError(str(exc)) from None
    if any(a == "--since" or a.startswith("--since=") for a in crawl_args):
        click.echo("Note: with a fixed --since every run covers the same range again; without it each "
                   "run continues from the previous crawl.", err=True)
    try:
        obj.data.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.ClickException(f"cannot create the data folder {obj.data}: {exc}") from None
    added = add_schedule(obj.db_path, site, list(crawl_args), every_secs=every_secs, cron=cron_expr)
    click.echo(f"Added schedule {added.id}: {' '.join([added.site, *added.args])}, {added.when}.")
    click.echo(f"Run it with:  newsarchive --data {obj.data} schedule run", err=True)


@schedule.command("list")
@output_options(json_help="A JSON array of schedules instead of a table.")
@click.pass_obj
def schedule_list(obj: Context, fmt: str | None) -> None:
    """List the schedules: id, crawl, when, next run, last run and its status.

    \b
    Examples:
      newsarchive schedule list
      newsarchive schedule list --json | jq '.[].last_status'
      newsarchive schedule list --csv > schedules.csv
    """
    from crawler.schedule import first_run_time, list_schedules

    schedules = list_schedules(obj.db_path)
    now = dt.datetime.now(dt.timezone.utc)
    # what `schedule run` would do now: a schedule never run, or overdue, runs at once
    upcoming = {s.id: first_run_time(s, now) if s.enabled else None for s in schedules}
    if not is_table(fmt):
        write_records(fmt or "json", [{**s.to_dict(), "next_run_at": _utc(upcoming[s.id])} for s in schedules],
                      SCHEDULE_COLUMNS)
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    if not schedules:
        console.print(f"No schedules in {escape(str(obj.data))}. "
                      "Add one with: newsarchive schedule add SITE --every 6h")
        return
    table = Table(title=f"{len(schedules)} schedule(s) in {escape(str(obj.data))}")
    for name in ("id", "crawl", "when", "next run (UTC)", "last run (UTC)", "last status"):
        table.add_column(name, overflow="fold", no_wrap=name in ("when", "next run (UTC)"))
    for s in schedules:
        due = upcoming[s.id]
        table.add_row(str(s.id) + ("" if s.enabled else " (off)"), escape(" ".join([s.site, *s.args])),
                      escape(s.when), "off" if due is None else ("due now" if due <= now else f"{due.astimezone(dt.timezone.utc):%Y-%m-%d %H:%M}"),
                      s.last_run_at or "never", escape(s.last_status or ""))
    console.print(table)


@schedule.command("remove")
@click.argument("schedule_id", metavar="ID", type=click.IntRange(0, 2**62))
@click.pass_obj
def schedule_remove(obj: Context, schedule_id: int) -> None:
    """Remove schedule ID (see `schedule list`). A running `schedule run` drops it within 30 s.

    \b
    Example:
      newsarchive schedule remove 2
    """
    from crawler.schedule import ScheduleNotFound, remove_schedule

    try:
        removed = remove_schedule(obj.db_path, schedule_id)
    except ScheduleNotFound as exc:
        raise click.ClickException(f"{exc}; see: newsarchive --data {obj.data} schedule list") from None
    click.echo(f"Removed schedule {removed.id}: {' '.join([removed.site, *removed.args])}, {removed.when}.")


@schedule.command("run")
@click.option("--max-runs", type=click.IntRange(1), help="Stop after this many crawls (default: run until stopped).")
@click.option("--grace", type=click.FloatRange(0), default=30.0, show_default=True,
              help="On SIGTERM/Ctrl-C, seconds the running crawl gets to finish before it is stopped.")
@click.option("--reload", "reload_secs", type=click.FloatRange(1), default=30.0, show_default=True, hidden=True,
              help="Seconds between re-reading the schedules.")
@click.pass_obj
def schedule_run(obj: Context, max_runs: int | None, grace: float, reload_secs: float) -> None:
    """Run due crawls in the foreground until stopped (SIGTERM or Ctrl-C).

    Crawls run one at a time per data folder, each in a process of its own, as
    `newsarchive --data DATA crawl SITE OPTIONS` would run them. Runs missed while a crawl ran or while no scheduler was
    running become one run. Each run is logged (start, end, exit code, duration) to
    stderr and DATA/logs/schedule.log. On SIGTERM/Ctrl-C no new crawl starts; a
    running crawl gets --grace seconds to finish, then is stopped cleanly (SIGTERM,
    recorded as interrupted); a second Ctrl-C stops it at once.

    \b
    Examples:
      newsarchive schedule run
      newsarchive --data ~/archives/cns schedule run --grace 120
    """
    from crawler.schedule import RunnerOptions, ScheduleRunner, setup_logging

    try:
        obj.data.mkdir(parents=True, exist_ok=True)
        setup_logging(obj.data)
    except OSError as exc:
        raise click.ClickException(f"cannot write to the data folder {obj.data}: {exc}") from None
    runner = ScheduleRunner(RunnerOptions(data=obj.data, max_runs=max_runs, grace_secs=grace,
                                          reload_secs=reload_secs))
    runner.run()


def _utc(when: dt.datetime | None) -> str | None:
    """``2024-03-15T06:00:00Z``, or None."""
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if when else None
