"""``newsarchive worker``: join a distributed crawl (``newsarchive crawl SITE --workers N``
runs the coordinator and its local workers; see :mod:`crawler.distributed.run`)."""
from __future__ import annotations

import logging
import time
from typing import Any

import click

from archive.cli import Context, main
from crawler.cli import parse_setting

#: Seconds a worker waits for the coordinator to publish the crawl's date range.
PARAMS_WAIT_SECS = 120.0


def find_crawl(server: Any, site: str | None, token: str | None) -> tuple[str, str]:
    """``(site, crawl token)`` of the crawl to join: the given one, or the only one in progress.

    Raises:
        click.ClickException: none, or several, in progress.
    """
    from crawler.distributed.keys import PREFIX, current_key

    if site is None:
        sites = [key.decode().split(":")[1] for key in server.scan_iter(match=f"{PREFIX}:*:current")]
        if len(sites) != 1:
            raise click.ClickException(f"{'no crawl' if not sites else 'several crawls'} in progress on this Redis"
                                       + (f" ({', '.join(sorted(sites))}): choose one with --site" if sites else ""))
        site = sites[0]
    if token is None:
        found = server.get(current_key(site))
        if not found:
            raise click.ClickException(f"no crawl of {site} in progress on this Redis")
        token = found.decode()
    return site, token


@main.command()
@click.option("--redis", "redis_url", required=True, metavar="URL", help="The crawl's Redis (redis://host:6379/0).")
@click.option("--site", help="The profile name of the crawl to join (default: the only crawl in progress).")
@click.option("--crawl", "token", help="The crawl token (default: the site's crawl in progress).")
@click.option("--id", "worker_name", help="This worker's name (default: HOST-PID); names its WARC files.")
@click.option("-s", "--set", "overrides", multiple=True, callback=parse_setting, metavar="NAME=VALUE",
              help="Override a Scrapy or newsarchive setting (repeatable).")
@click.pass_obj
def worker(obj: Context, redis_url: str, site: str | None, token: str | None, worker_name: str | None,
           overrides: dict[str, str]) -> None:
    """Fetch the pages of a distributed crawl into DATA, until its coordinator says "done".

    Takes article, requisite and document requests from the crawl's shared queue (each
    leased while fetched: a worker that dies gives its requests back), writes WARC files
    named after the worker and its own DATA/archive.db. Bring the folders together with
    `newsarchive merge`.

    \b
    Examples:
      newsarchive --data data-w3 worker --redis redis://coordinator.lan:6379/0
    """
    from crawler.distributed.keys import CrawlKeys
    from crawler.distributed.queue import default_worker_id
    from crawler.distributed.run import connect

    try:
        server = connect(redis_url)
    except Exception as exc:  # noqa: BLE001 - redis' errors: one line
        raise click.ClickException(f"cannot reach the Redis at {redis_url}: {exc}") from None
    site, token = find_crawl(server, site, token)
    keys = CrawlKeys(site, token)
    params = wait_for_params(server, keys)
    name = (worker_name or default_worker_id()).replace(" ", "_")
    run_worker(obj, redis_url, keys, name, params, overrides)


def wait_for_params(server: Any, keys: Any) -> dict[str, str]:
    """The crawl's params once the coordinator published its range.

    Raises:
        click.ClickException: not published within :data:`PARAMS_WAIT_SECS`.
    """
    deadline = time.monotonic() + PARAMS_WAIT_SECS
    while time.monotonic() < deadline:
        params = {k.decode(): v.decode() for k, v in server.hgetall(keys.params).items()}
        if params.get("ready"):
            return params
        time.sleep(0.2)
    raise click.ClickException(f"the coordinator of {keys.base} did not start within {PARAMS_WAIT_SECS:.0f} s")


def run_worker(obj: Context, redis_url: str, keys: Any, name: str, params: dict[str, str],
               overrides: dict[str, str]) -> None:
    """Run :class:`crawler.distributed.spider.WorkerSpider` into ``obj.data`` until "done"."""
    import os

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    import crawler.settings as defaults
    from archive.index import Index
    from crawler.distributed.settings import worker_settings
    from crawler.distributed.spider import WorkerSpider
    from crawler.logs import crawl_log_path
    from crawler.session import ArchiveLocked, lock_data_dir

    settings = Settings()
    settings.setmodule(defaults, priority="project")
    settings.set("ARCHIVE_DATA_DIR", str(obj.data), priority="cmdline")
    for setting, value in {**worker_settings(redis_url, keys, name), **overrides}.items():
        settings.set(setting, value, priority="cmdline")
    try:
        lock = lock_data_dir(obj.data)
        settings.set("LOG_FILE", str(crawl_log_path(obj.data)), priority="cmdline")
    except (ArchiveLocked, OSError) as exc:
        raise click.ClickException(f"cannot use the data folder {obj.data}: {exc}") from None
    settings.set("ARCHIVE_LOCK_HELD", True, priority="cmdline")
    try:
        with Index(obj.db_path):
            pass  # created or migrated before the crawl
        process = CrawlerProcess(settings)
        crawler: Any = process.create_crawler(WorkerSpider)
        process.crawl(crawler, site=params.get("site") or keys.site, base_url=params.get("base_url") or None,
                      since=params.get("since") or None, until=params.get("until") or None)
        process.start()
    finally:
        lock.close()
    reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
    logging.getLogger(__name__).info("worker %s finished: %s", name, reason)
    if reason != "finished":
        raise click.ClickException(f"worker {name} ended early ({reason})")
    click.echo(f"worker {name}: {crawler.stats.get_value('downloader/response_count') or 0} responses", err=True)
