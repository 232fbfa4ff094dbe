"""``newsarchive crawl``: the command over :func:`crawler.run.run_crawl`.

The command reads the options, calls :func:`~crawler.run.run_crawl`, and turns its named
errors (:class:`crawler.errors.CrawlError`) into one-line messages: a usage error exits 2,
any other 1. Scrapy is imported only when the command runs, so ``archive.cli`` stays
importable and fast without it.
"""
from __future__ import annotations

import click

from archive.cli import Context, check_date, main
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
    from crawler.errors import CrawlError
    from crawler.run import CrawlOptions, run_crawl

    options = CrawlOptions(data=obj.data, site=site, base_url=base_url, since=since, until=until, contact=contact,
                           delay=delay, revisit_days=revisit_days, requisites=requisites, per_day=per_day,
                           fresh=fresh, overrides=overrides, verbose=verbose, workers=workers, redis_url=redis_url)
    try:
        run_crawl(options, say=lambda line: click.echo(line, err=True))
    except CrawlError as exc:
        raise click.UsageError(str(exc)) if exc.exit_code == 2 else click.ClickException(str(exc)) from None
    click.echo(f"Search it:  newsarchive --data {obj.data} search WORDS", err=True)
