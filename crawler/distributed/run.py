"""``newsarchive crawl SITE --workers N``: the coordinator in this process, N workers beside it.

:class:`Coordination` picks the Redis (``--redis URL``, or a private ``redis-server`` on a
Unix socket in ``DATA/redis/``), the crawl's keys (a new crawl token, or the one of the
site's crawl in progress on a shared Redis; ``--fresh`` clears the site's keys first),
starts the workers (``newsarchive --data DATA/workers/wK worker``, each with its own data
folder, WARC prefix and ``archive.db``, log in ``DATA/workers/wK/worker.log``), and when the
coordinator's crawl is over waits for them and merges their folders into ``DATA``
(:mod:`archive.merge`): this crawl's WARC files, the coordinator's and the workers', become
new files ordered by WARC-Date, the index is rebuilt, the CDXJ regenerated.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.layout import DataDir
from crawler.distributed.keys import CrawlKeys, clear_site, current_key, new_crawl_token
from crawler.distributed.server import RedisServer
from crawler.distributed.settings import coordinator_settings

#: Seconds the workers get to see "done" and stop once the coordinator has finished.
WORKER_STOP_SECS = 30.0


def connect(url: str) -> Any:
    """A Redis client for ``url`` (``redis://``, ``rediss://`` or ``unix://``) that answered PING.

    Raises:
        redis.RedisError: it does not answer.
    """
    import redis

    server = redis.Redis.from_url(url)
    server.ping()
    return server


def crawl_keys(server: Any, site: str, fresh: bool) -> tuple[CrawlKeys, bool]:
    """The keys of ``site``'s crawl: the one in progress (resumed, True) or a new one."""
    if fresh:
        clear_site(server, site)
    token = server.get(current_key(site))
    if token:
        return CrawlKeys(site, token.decode()), True
    token = new_crawl_token()
    server.set(current_key(site), token)
    return CrawlKeys(site, token), False


@dataclass
class Coordination:
    """The Redis, the keys and the worker processes of one ``crawl --workers N``."""

    data: Path
    keys: CrawlKeys
    url: str
    server: Any
    private: RedisServer | None = None
    workers: list[tuple[str, Path, subprocess.Popen[bytes]]] = field(default_factory=list)
    resumed: bool = False
    #: what :meth:`merge` kept because it held damaged bytes (renamed files, worker folders)
    kept: list[Path] = field(default_factory=list)

    @classmethod
    def start(cls, data: Path, site: str, base_url: str | None, redis_url: str | None, fresh: bool) -> Coordination:
        """Connect (or start a private redis-server) and name the crawl.

        Raises:
            crawler.distributed.server.RedisServerError: no redis-server to start.
            redis.RedisError: the Redis at ``redis_url`` does not answer.
        """
        private = None
        if redis_url is None:
            private = RedisServer(DataDir(data).redis).start()
            redis_url = private.url
        try:
            server = connect(redis_url)
            keys, resumed = crawl_keys(server, site, fresh)
            server.hset(keys.params, mapping={"site": site, "base_url": base_url or ""})
        except BaseException:
            if private:
                private.stop()
            raise
        return cls(data=data, keys=keys, url=redis_url, server=server, private=private, resumed=resumed)

    def coordinator_settings(self) -> dict[str, Any]:
        return coordinator_settings(self.url, self.keys)

    def spawn(self, count: int, overrides: dict[str, str]) -> None:
        """Start ``count`` workers ``w1`` … as ``newsarchive worker`` subprocesses."""
        for number in range(1, count + 1):
            name = f"w{number}"
            folder = DataDir(self.data).worker(name)
            folder.mkdir(parents=True, exist_ok=True)
            command = [sys.executable, "-m", "archive", "--data", str(folder), "worker", "--redis", self.url,
                       "--site", self.keys.site, "--crawl", self.keys.crawl, "--id", name]
            for setting, value in overrides.items():
                command += ["-s", f"{setting}={value}"]
            log = open(folder / "worker.log", "ab")
            try:
                proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            finally:
                log.close()
            self.workers.append((name, folder, proc))

    def wait_workers(self, timeout: float = WORKER_STOP_SECS) -> list[str]:
        """Wait for the workers to stop (they do within a few seconds of "done"); stop those
        still running after ``timeout`` s (SIGTERM, then SIGKILL after 10 s). The names of
        those that did not exit cleanly, with their exit status."""
        deadline = time.monotonic() + timeout
        for _name, _folder, proc in self.workers:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        late = [proc for _name, _folder, proc in self.workers if proc.poll() is None]
        for proc in late:
            proc.terminate()
        for proc in late:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return [f"{name} (exit {proc.returncode}{', stopped: too slow to close' if proc in late else ''})"
                for name, _folder, proc in self.workers if proc.returncode != 0]

    def merge(self, coordinator_files: list[str]) -> Any:
        """This crawl's WARC files (the coordinator's and every worker's) into new files in
        DATA/warc, ordered by WARC-Date; the index rebuilt. Removes what was merged, except
        an input that held damaged bytes (:attr:`archive.merge.MergeResult.damaged`): the
        coordinator's is renamed ``NAME.merged-input`` (out of the index's way), a worker's folder
        is kept, so that no byte is lost."""
        from archive.merge import finish, merge_files
        from archive.warc_indexer import warc_files

        warc_dir = DataDir(self.data).warc
        inputs = [warc_dir / name for name in coordinator_files if (warc_dir / name).exists()]
        for _name, folder, _proc in self.workers:
            if DataDir(folder).warc.is_dir():
                inputs += warc_files(DataDir(folder).warc)
        result = merge_files(inputs, warc_dir, description=f"newsarchive crawl {self.keys.base}, "
                             f"{len(self.workers)} workers")
        damaged = set(result.damaged_inputs)
        for path in inputs:
            if path.parent == warc_dir:
                if path in damaged:
                    path.rename(path.with_name(path.name + ".merged-input"))
                    self.kept.append(path.with_name(path.name + ".merged-input"))
                else:
                    path.unlink()
        result = finish(self.data, result)
        self.keep_logs()
        for _name, folder, _proc in self.workers:
            if any(folder in path.parents for path in damaged):
                self.kept.append(folder)
            else:
                shutil.rmtree(folder, ignore_errors=True)
        workers = DataDir(self.data).workers
        if workers.is_dir() and not any(workers.iterdir()):
            workers.rmdir()
        return result

    def keep_logs(self) -> list[Path]:
        """Move each worker's logs out of its folder (removed after the merge), into
        ``DATA/logs``: ``worker.log`` (its stderr) to ``worker-<crawl>-<name>.log``, and its
        crawl log (Scrapy's, ``wK/logs/crawl-*.log``: what it fetched, dropped and why) to
        ``crawl-<crawl>-<name>.log``. Where to read why a worker stopped or what it did."""
        kept = []
        logs = DataDir(self.data).logs
        logs.mkdir(parents=True, exist_ok=True)
        for name, folder, _proc in self.workers:
            moves = [(folder / "worker.log", logs / f"worker-{self.keys.crawl}-{name}.log")]
            crawl_logs = sorted(DataDir(folder).logs.glob("crawl-*.log"))
            for number, log in enumerate(crawl_logs):
                suffix = f"-{number + 1}" if len(crawl_logs) > 1 else ""
                moves.append((log, logs / f"crawl-{self.keys.crawl}-{name}{suffix}.log"))
            for source, target in moves:
                if source.exists():
                    shutil.move(str(source), str(target))
                    kept.append(target)
        return kept

    def close(self) -> None:
        """Stop any worker still running, forget the crawl in Redis, stop a private server."""
        for _name, _folder, proc in self.workers:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        try:
            if self.server.get(current_key(self.keys.site)) == self.keys.crawl.encode() and self.server.exists(self.keys.done):
                self.server.delete(current_key(self.keys.site))
                for key in self.server.scan_iter(match=self.keys.base + ":*"):
                    self.server.expire(key, 3600)  # late workers on other machines still see "done"
        except Exception:  # noqa: BLE001 - a gone Redis leaves nothing to forget
            pass
        if self.private is not None:
            self.private.stop()


#: Settings a worker takes over from the coordinator's command line.
PASSED_ON = ("USER_AGENT", "DOWNLOAD_DELAY", "CRAWL_PAGE_REQUISITES", "CRAWL_REVISIT_DAYS")


def start_coordination(data: Path, profile_name: str, site: str, base_url: str | None, redis_url: str | None,
                       fresh: bool, workers: int, settings: Any, overrides: dict[str, str], lock: Any) -> Coordination:
    """For ``crawl``: the Redis and keys, the coordinator's settings set, the workers started.

    Raises:
        click.ClickException: no Redis (one line, how to get one); the data lock is released.
    """
    import click

    try:
        coordination = Coordination.start(data, profile_name, base_url, redis_url, fresh)
    except Exception as exc:  # noqa: BLE001 - RedisServerError and redis' own errors alike
        lock.close()
        raise click.ClickException(f"no Redis for the distributed crawl: {exc}") from None
    coordination.server.hset(coordination.keys.params, "site", site)
    for name, value in coordination.coordinator_settings().items():
        settings.set(name, value, priority="cmdline")
    passed = {name: str(settings.get(name)) for name in PASSED_ON if settings.get(name) is not None}
    coordination.spawn(workers, {**passed, **overrides})
    state = "resuming" if coordination.resumed else "new"
    click.echo(f"Distributed crawl {coordination.keys.base} ({state}) over {coordination.url}: {workers} "
               f"worker{'s' if workers != 1 else ''} (logs: {data / 'workers'}/w*/worker.log, then {data / 'logs'})", err=True)
    return coordination


def finish_coordination(coordination: Coordination, crawler: Any) -> None:
    """For ``crawl``, once the coordinator's spider has closed: wait for the workers, merge.

    Raises:
        click.ClickException: a worker failed, or the merged files are not clean.
    """
    import click

    if not coordination.workers:
        click.echo("No local workers: merge the workers' data folders with `newsarchive merge`", err=True)
        return
    from archive.recovery import repair_tails

    bad = coordination.wait_workers()
    if bad:
        # what a dead worker wrote is kept (its unfinished pages were leased, so done again)
        click.echo(f"[newsarchive] workers that stopped early: {', '.join(bad)}; the requests they held "
                   "went back to the queue, and what they archived is merged", err=True)
        for name, folder, _proc in coordination.workers:
            if any(name == entry.split(" ")[0] for entry in bad) and DataDir(folder).warc.is_dir():
                for line in repair_tails(DataDir(folder).warc):
                    click.echo(f"[newsarchive] {name}: repaired {line}", err=True)
    from crawler.session import session_if_any

    session = session_if_any(crawler)
    files = session.writer.files_written if session is not None else []
    result = coordination.merge(files)
    stats = result.index
    click.echo(f"Merged {result.records} records of the coordinator and {len(coordination.workers)} workers into "
               f"{len(result.files)} WARC file{'s' if len(result.files) != 1 else ''}; the index holds "
               f"{stats.articles if stats else 0} articles", err=True)
    for line in result.damaged[:20]:
        click.echo(f"[newsarchive] damaged: {line}", err=True)
    if result.damaged_inputs:
        click.echo(f"[newsarchive] {result.damaged_bytes} damaged bytes were left out of the merge; the files "
                   f"that held them are kept: {', '.join(str(p) for p in coordination.kept)}", err=True)
    if result.findings:
        raise click.ClickException("warc check of the merged files: " + "; ".join(result.findings[:5]))

