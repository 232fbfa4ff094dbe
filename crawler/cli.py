"""``newsarchive crawl``: run BackIssuesSpider in-process with the project's settings.

Scrapy is imported only when the command runs, so ``archive.cli`` stays importable and
fast without it.
"""
from __future__ import annotations

import logging
import os
import re
import signal
import shutil
from pathlib import Path
from typing import Any

import click

from archive.cli import Context, check_date, main
from archive.layout import DataDir
from crawler.requisites import SCOPES


#: Settings that take one of a few words.
CHOICE_SETTINGS = {"CRAWL_PAGE_REQUISITES": SCOPES}


def parse_setting(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    """``-s NAME=VALUE`` pairs; a value that does not fit the setting's type is a usage error
    (a number for ``DOWNLOAD_DELAY``, a size for ``ARCHIVE_WARC_MAX_BYTES`` ...)."""
    settings = {}
    for value in values:
        name, sep, setting = value.partition("=")
        name = name.strip()
        if not sep or not name:
            raise click.BadParameter(f"{value!r}: use NAME=VALUE, e.g. -s DOWNLOAD_DELAY=1")
        problem = setting_type_problem(name, setting)
        if problem:
            raise click.BadParameter(f"{name}={setting!r}: {problem}")
        settings[name] = setting
    return settings


def setting_type_problem(name: str, value: str) -> str | None:
    """Why ``value`` cannot be the setting ``name`` (judged by the type of its default), or None."""
    import crawler.settings as ours
    from scrapy.settings import default_settings

    default = getattr(ours, name, getattr(default_settings, name, None))
    if name in CHOICE_SETTINGS:
        if value.strip().lower() not in CHOICE_SETTINGS[name]:
            return f"want one of {', '.join(CHOICE_SETTINGS[name])}"
    elif isinstance(default, bool):
        if value.strip().lower() not in ("0", "1", "true", "false", "yes", "no", "on", "off"):
            return "want True or False"
    elif isinstance(default, int):
        try:
            if int(value) < 0 and name.endswith(("_BYTES", "_SIZE", "_SECS", "_TIMES", "_WORKERS", "_PENDING")):
                return "want a number of 0 or more"
        except ValueError:
            return "want a whole number"
    elif isinstance(default, float):
        try:
            if float(value) < 0:
                return "want a number of 0 or more"
        except ValueError:
            return "want a number"
    return None


@main.command()
@click.argument("site")
@click.option("--base-url", help="The site's root URL (overrides the profile's; needed for 'wordpress'). "
              "Without http:// or https://, https is tried, then http.")
@click.option("--since", callback=check_date, help="First publication date to archive (YYYY-MM-DD).")
@click.option("--until", callback=check_date, help="Last publication date to archive (YYYY-MM-DD).")
@click.option("--contact", envvar="NEWSARCHIVE_CONTACT",
              help="A URL or e-mail where site owners can reach you; goes in the User-Agent.")
@click.option("--delay", type=click.FloatRange(0), help="Seconds between requests to the site (default 0.25, "
              "raised automatically when the site slows down).")
@click.option("--revisit-days", type=click.IntRange(0), default=None,
              help="Fetch again (conditionally) articles published this many days ago or less (default 3).")
@click.option("--requisites", type=click.Choice(SCOPES), default=None,
              help="Page requisites to archive so captures replay as the page looked: same-site "
              "(default: the site's domain and its subdomains such as cdn.), all (any host) or none.")
@click.option("--per-day", is_flag=True, help="List articles per issue date in the summary even for a range "
              "over a month (else per month).")
@click.option("--fresh", is_flag=True, help="Discard the unfinished state of an interrupted crawl and start over.")
@click.option("-s", "--set", "overrides", multiple=True, callback=parse_setting, metavar="NAME=VALUE",
              help="Override a Scrapy or newsarchive setting (repeatable), e.g. -s ARCHIVE_WARC_MAX_BYTES=100000000.")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log (INFO) on the terminal too; it is always "
              "in DATA/logs/crawl-<time>.log.")
@click.option("--workers", type=click.IntRange(1), default=None,
              help="Fetch with N worker processes over one Redis (scrapy-redis); this process is the "
              "coordinator (discovery, the crawl's record), and their archives are merged into DATA at the end.")
@click.option("--redis", "redis_url", metavar="URL", help="The Redis of a distributed crawl (redis://host:6379/0, "
              "unix:///path.sock); default with --workers: a private redis-server on a Unix socket in DATA/redis.")
@click.pass_obj
def crawl(obj: Context, site: str, base_url: str | None, since: str | None, until: str | None,
          contact: str | None, delay: float | None, revisit_days: int | None, requisites: str | None,
          per_day: bool, fresh: bool, overrides: dict[str, str], verbose: bool, workers: int | None = None,
          redis_url: str | None = None) -> None:
    """Archive SITE's articles published between --since and --until.

    SITE is a profile (courthousenews, wordpress) or a start URL such as
    https://news.example.org/ (discovered from robots.txt sitemaps, feeds and the home
    page's archive links). Every HTTP exchange goes to DATA/warc/*.warc.gz, the articles
    to DATA/archive.db. robots.txt is obeyed, requests are spaced (AutoThrottle), 429 and
    503 are retried after their Retry-After.

    Without --since a crawl is incremental: it starts at the last finished crawl's horizon
    minus 2 days, fetches listings, feeds and sitemaps conditionally (If-None-Match /
    If-Modified-Since), and fetches an archived article again only when its sitemap
    lastmod is newer or it is inside the revisit window. A crawl that was killed is
    resumed by running the same command again (--fresh starts over).

    With --workers N the pages to archive (articles, requisites, documents) are fetched by
    N worker processes sharing one Redis queue, one seen-set and one delay per host; other
    machines join with `newsarchive worker --redis URL`. At the end the workers' WARC
    files are merged into DATA (ordered by WARC-Date) and the index rebuilt.

    A site whose robots.txt and home page both fail to connect stops the crawl at once,
    in one line. A --base-url (or SITE) with no scheme is tried with https, then http.
    Scrapy's own log goes to DATA/logs/crawl-<time>.log, not to the terminal (-v: both).

    \b
    Examples:
      newsarchive crawl courthousenews --since 2024-04-01 --until 2024-04-24
      newsarchive crawl wordpress --base-url https://news.example.org --since 2024-01-01
      newsarchive --data ~/archives/local crawl https://news.example.org/ --since 2024-03-01
    """
    from crawler.profiles import PROFILES, ProfileError, resolve

    if base_url is not None and base_url.strip() and "://" not in base_url:
        base_url = with_scheme(base_url, "--base-url")
    elif site not in PROFILES and "://" not in site and _HOSTLIKE.match(site):
        site = with_scheme(site, "SITE")
    try:
        profile = resolve(site, base_url)
    except ProfileError as exc:
        raise click.UsageError(str(exc)) from None
    if since and until and since > until:
        raise click.UsageError(f"--since {since} is after --until {until}")
    if contact:
        os.environ["NEWSARCHIVE_CONTACT"] = contact
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    import crawler.settings as defaults
    from crawler.spiders.backissues import BackIssuesSpider

    settings = Settings()
    settings.setmodule(defaults, priority="project")
    settings.set("ARCHIVE_DATA_DIR", str(obj.data), priority="cmdline")
    if contact:
        from archive import __version__

        settings.set("USER_AGENT", f"newsarchive/{__version__} (+{contact})", priority="cmdline")
    if delay is not None:
        settings.set("DOWNLOAD_DELAY", delay, priority="cmdline")
    from crawler.logs import crawl_log_path

    try:
        log_path = crawl_log_path(obj.data)
    except OSError as exc:
        raise click.ClickException(f"cannot use the data folder {obj.data}: {exc}") from None
    # Scrapy's log (its warnings too) goes to the file; the terminal gets ours (see crawler.logs)
    settings.set("LOG_FILE", str(log_path), priority="cmdline")
    settings.set("LOG_LEVEL", "DEBUG" if verbose else "INFO", priority="cmdline")
    if hasattr(signal, "SIGPIPE"):
        # `newsarchive` lets SIGPIPE end a command whose output is piped into `head`; a
        # crawl writes to its worker pipes, and a dead worker must not end the crawl.
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    if revisit_days is not None:
        settings.set("CRAWL_REVISIT_DAYS", revisit_days, priority="cmdline")
    if requisites is not None:
        settings.set("CRAWL_PAGE_REQUISITES", requisites, priority="cmdline")
    if per_day:
        settings.set("CRAWL_SUMMARY_PER_DAY", True, priority="cmdline")
    from crawler.store import ArchiveLocked, job_dir, lock_data_dir

    try:
        lock = lock_data_dir(obj.data)
    except ArchiveLocked as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot use the data folder {obj.data}: {exc}") from None
    settings.set("ARCHIVE_LOCK_HELD", True, priority="cmdline")
    try:
        from archive.index import Index

        with Index(obj.db_path) as index:  # creates or migrates it; a broken file stops us here
            first_crawl = index.count_crawls() == 0
    except Exception as exc:  # noqa: BLE001 - sqlite and our own errors alike become one message
        lock.close()
        raise click.ClickException(
            f"cannot open {obj.db_path}: {exc}. Move it aside; `newsarchive --data {obj.data} reindex` "
            "rebuilds it from the WARC files") from None
    if first_crawl and not contact and not {"USER_AGENT", "CRAWL_CONTACT_URL"} & set(overrides):
        click.echo(CONTACT_HINT, err=True)
    jobs = job_dir(obj.data, profile.name)
    if fresh and jobs.exists():
        shutil.rmtree(jobs)
        click.echo(f"Discarded the unfinished crawl state in {jobs}", err=True)
    elif killed_crawl(obj.data, profile.name):
        # A killed crawl never wrote its queue's state: the archive itself is the state to
        # resume from (archived articles are skipped, listings re-checked conditionally).
        shutil.rmtree(jobs, ignore_errors=True)
        click.echo("The last crawl was killed: resuming from what the archive holds "
                   "(archived articles are not fetched again)", err=True)
    elif jobs.exists() and any(jobs.iterdir()):
        click.echo(f"Resuming the interrupted crawl kept in {jobs} (use --fresh to start over)", err=True)
    if "JOBDIR" not in overrides:
        settings.set("JOBDIR", str(jobs), priority="cmdline")
    click.echo(f"Crawling {profile.base_url} ({profile.name}) from {since or 'the last crawl (or the beginning)'} to "
               f"{until or 'today'} into {Path(obj.data).resolve()} (log: {log_path})", err=True)
    from crawler.logs import terminal_handler

    terminal = terminal_handler(verbose)
    coordination = None
    if workers or redis_url:
        from crawler.distributed.run import start_coordination

        coordination = start_coordination(obj.data, profile.name, site, base_url, redis_url, fresh, workers or 0,
                                          settings, overrides, lock)
    try:
        process = CrawlerProcess(settings)
        logging.getLogger().addHandler(terminal)
        crawler: Any = process.create_crawler(BackIssuesSpider)
        process.crawl(crawler, site=site, base_url=base_url, since=since, until=until)
        process.start()
        if coordination is not None:
            from crawler.distributed.run import finish_coordination

            finish_coordination(coordination, crawler)
    finally:
        logging.getLogger().removeHandler(terminal)
        if coordination is not None:
            coordination.close()
        lock.close()
    reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
    unreachable = getattr(crawler, "unreachable", None)
    if unreachable:
        raise click.ClickException(f"no page of {profile.base_url} could be fetched: {unreachable}. "
                                   "Nothing was archived; check the address, then run the same command again")
    store = getattr(crawler, "_newsarchive_store", None)
    if store is not None and store.failure:
        raise click.ClickException(
            f"the index ({obj.db_path}) could not be written: {store.failure}. Everything fetched is in "
            f"the WARC files; once the cause is fixed (disk space?), rebuild the index with: "
            f"newsarchive --data {obj.data} reindex")
    if reason == "finished" and not crawler.stats.get_value("downloader/response_count"):
        raise click.ClickException(f"no page of {profile.base_url} could be fetched (see the reasons above); "
                                   "nothing was archived")
    if reason == "no_workers":
        # the handed-over requests were settled in the coordinator's JOBDIR: the next run
        # starts from what the archive holds, as after a killed crawl
        shutil.rmtree(jobs, ignore_errors=True)
        waiting = crawler.stats.get_value("newsarchive/distributed/no_workers") or 0
        raise click.ClickException(
            f"every worker of the distributed crawl stopped (no heartbeat in Redis) with {waiting} requests still "
            f"to fetch; what they archived is merged into {obj.data} (their logs: {obj.data / 'logs'}/worker-*.log). "
            "Run the same command again to go on from there")
    if reason != "finished":
        raise click.ClickException(f"the crawl ended early ({reason}); run the same command again to go on")
    if store is not None and store.summary and store.summary.get("unaccounted"):
        raise click.ClickException(f"the crawl is not complete: {store.summary['reason']}")
    click.echo(f"Search it:  newsarchive --data {obj.data} search WORDS", err=True)


def killed_crawl(data: Path, site: str) -> bool:
    """Whether the last crawl of ``site`` in ``data`` died without closing (still "running"
    in the index while we hold the data folder's lock)."""
    from archive.index import Index

    db = DataDir(data).db
    if not db.exists():
        return False
    with Index(db) as index:
        return bool(index.interrupted_crawls(site))


#: Said on the first crawl into a data folder when no contact was given (the User-Agent then
#: names the project, not the person running the crawl).
CONTACT_HINT = ("[newsarchive] No --contact given, so the User-Agent names only the project. Let site "
                "owners reach you: --contact mailto:you@example.org (or set NEWSARCHIVE_CONTACT); "
                "said on the first crawl only.")
#: A SITE that names a host (``news.example.org``, ``127.0.0.1:8765``) rather than a profile.
_HOSTLIKE = re.compile(r"^[\w.-]+\.[\w-]+(:\d+)?(/.*)?$|^[\w.-]+:\d+(/.*)?$|^\[[0-9a-fA-F:.]+\](:\d+)?(/.*)?$")


def with_scheme(address: str, what: str) -> str:
    """``address`` with the scheme it answers on (https first, then http, crawler.scheme),
    said on stderr; neither answering is a one-line error with an example."""
    from crawler.profiles import ProfileError, base_url_of
    from crawler.scheme import SchemeError, choose_scheme

    try:
        base_url_of("https://" + address.strip())  # its shape first: a usage error, no probe
    except ProfileError:
        raise click.UsageError(f"{what} {address!r} is not a site address; use one such as "
                               "https://news.example.org or 127.0.0.1:8765") from None
    try:
        url = choose_scheme(address)
    except SchemeError as exc:
        raise click.ClickException(str(exc)) from None
    scheme = url.split("://", 1)[0]
    why = "" if scheme == "https" else " (https did not answer there)"
    click.echo(f"{what} {address.strip()} has no scheme: using {url}{why}", err=True)
    return url
