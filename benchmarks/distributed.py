"""Distributed crawl cost (issue 16): throughput by number of workers, and Redis memory per URL.

Usage::

    .venv/bin/python benchmarks/distributed.py [--scale 5] [--workers 1,2,4] [--urls 100000]
                                               [--corpus DIR] [--site-py PATH] [--timeout SECS]
                                               [--skip-crawls] [--skip-redis]

Part 1, throughput. It starts ``../shared/realsite/site.py --scale N`` (no faults) once on a
free 127.0.0.1 port and crawls it with ``newsarchive crawl courthousenews --since 2000-01-01
--workers W`` for each W, into a fresh folder each time, with ``DOWNLOAD_DELAY=0``, no
AutoThrottle and 32 concurrent requests (``benchmarks/crawl.py``'s settings; the shared
per-host slot in Redis then spaces nothing). Per run:

wall s, articles/s
    from starting the command to its exit (discovery, fetching, the merge, the index rebuilt,
    the CDXJ and ``warc check``), and ``articles`` (``SELECT count(*) FROM articles``) / wall s.
crawl s, merge s
    wall s split where the coordinator's spider closed (the "Spider closed" line of its log in
    ``DATA/logs``, to the second): before, the crawl proper; after, waiting for the workers to
    stop and the merge (records copied in WARC-Date order, the index rebuilt, CDXJ, check).
cpu ms/article
    user + system CPU of the whole process tree (``getrusage(RUSAGE_CHILDREN)`` delta, this
    script being a child subreaper as in ``benchmarks/crawl.py``) per article.
where the CPU goes
    the same CPU, sampled from ``/proc/PID/stat`` every 0.2 s, by process role: ``coordinator``
    (the crawl command), ``workers`` (``newsarchive worker``), ``extraction`` (the
    multiprocessing pools of both), ``redis`` (``redis-server``).

Part 2, Redis memory. A scratch ``redis-server`` (Unix socket, nothing saved) gets ``--urls``
real-looking article requests (``https://www.<site>.example/YYYY/MM/DD/<five-word-slug>-N/``,
the spider's meta: role, issue date, source, pending key) pushed with scrapy-redis's priority
queue and serializer, exactly as the coordinator hands them over; their fingerprints in the
seen-set; and as many payload digests in the payload map. It prints ``used_memory`` (``INFO
memory``) before and after, and ``MEMORY USAGE key SAMPLES 0`` of each key, per 100,000 URLs.

The machine's cores and load are printed; the figures are this machine's, shared with any other
load on it. Exit 0 when every run finished (the script reports, it does not judge), 1 otherwise.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import crawl as bench  # noqa: E402 - benchmarks/crawl.py: the site, /proc readers

SETTINGS = {**bench.NEWSARCHIVE_SETTINGS}
ROLES = ("coordinator", "workers", "extraction", "redis")
WORDS = ("court judge ruling appeal senate budget storm river council school vote police market bank "
         "trial verdict mayor county water power strike health fire election tariff").split()


def role_of(pid: int) -> str:
    """The role of ``pid`` in the crawl's process tree, from its command line."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "coordinator"
    text = b" ".join(args)
    if b"redis-server" in text:
        return "redis"
    if b"multiprocessing" in text:
        return "extraction"
    if b"worker" in args:
        return "workers"
    return "coordinator"


def crawl_once(workers: int, base: str, work: Path, exe: str, keep: set[int], timeout: float) -> dict:
    """One ``crawl --workers N``: its figures (see the module docstring)."""
    folder = work / f"workers{workers}"
    folder.mkdir()
    data, log = folder / "data", folder / "crawl.log"
    cmd = [exe, "--data", str(data), "crawl", "courthousenews", "--base-url", base, "--since", bench.SINCE,
           "--workers", str(workers), *bench.settings_args(SETTINGS)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seen: dict[int, tuple[str, float]] = {}
    with open(log, "wb") as out:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=folder, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=bench.clean_env(), start_new_session=True)
    while proc.poll() is None:
        for pid in bench.tree_pids(proc.pid):
            secs = bench.cpu_secs(pid)
            if secs is not None:
                role = seen[pid][0] if pid in seen else role_of(pid)
                seen[pid] = (role, max(secs, seen.get(pid, (role, 0.0))[1]))
        if time.monotonic() - start > timeout:
            os.killpg(proc.pid, 9)
        time.sleep(0.2)
    wall = time.monotonic() - start
    ended_at = time.time()
    bench.reap_orphans(keep, proc.pid, bench.REAP_SECS)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    articles = None
    if proc.returncode == 0 and (data / "archive.db").is_file():
        con = sqlite3.connect(f"file:{data / 'archive.db'}?mode=ro", uri=True)
        articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        con.close()
    by_role = {role: sum(secs for r, secs in seen.values() if r == role) for role in ROLES}
    closed = spider_closed_at(data)
    merge = max(0.0, ended_at - closed) if closed else float("nan")
    return {"workers": workers, "exit": proc.returncode, "wall": wall, "articles": articles, "cpu": cpu,
            "crawl": wall - merge, "roles": by_role, "log": log}


def spider_closed_at(data: Path) -> float | None:
    """When the coordinator's spider closed (its Scrapy log's "Spider closed" line, to the
    second, local time): after it, the crawl command waits for its workers and merges."""
    for path in sorted((data / "logs").glob("crawl-*.log")):
        for line in path.read_text(errors="replace").splitlines():
            if "Spider closed" in line:
                stamp = dt.datetime.strptime(line[:19], "%Y-%m-%d %H:%M:%S")
                return stamp.timestamp()
    return None


def crawl_rows(args: argparse.Namespace, work: Path) -> list[dict]:
    exe = bench.find_exe("newsarchive")
    site = bench.SiteServer(args.site_py.resolve(), args.corpus.resolve(), args.scale, work)
    rows = []
    try:
        print(f"site      realsite --scale {args.scale}: {site.served} articles served, {site.live} live, {site.base}")
        print(f"crawls    newsarchive crawl courthousenews --since {bench.SINCE} --workers W "
              f"{' '.join(bench.settings_args(SETTINGS))}\n")
        print(f"{'workers':>7} {'exit':>4} {'articles':>8} {'wall s':>7} {'crawl s':>7} {'merge s':>7} "
              f"{'art/s':>6} {'cpu s':>6} {'cpu ms/art':>10}  cpu s by role: " + " ".join(ROLES), flush=True)
        keep = {site.proc.pid}
        for workers in args.workers:
            row = crawl_once(workers, site.base, work, exe, keep, args.timeout)
            rows.append(row)
            n = row["articles"]
            rate = f"{n / row['wall']:6.2f}" if n else f"{'-':>6}"
            per = f"{1000 * row['cpu'] / n:10.1f}" if n else f"{'-':>10}"
            roles = " ".join(f"{row['roles'][r]:.1f}" for r in ROLES)
            print(f"{workers:>7} {row['exit']:>4} {n if n is not None else '-':>8} {row['wall']:7.1f} "
                  f"{row['crawl']:7.1f} {row['wall'] - row['crawl']:7.1f} {rate} {row['cpu']:6.1f} {per}  {roles}",
                  flush=True)
            if row["exit"] != 0:
                print(bench.tail(row["log"]), flush=True)
    finally:
        site.stop()
    return rows


def fake_request(i: int, rng: random.Random) -> object:
    """A request as the spider hands an article over (crawler.spiders.backissues.request)."""
    from scrapy import Request

    from archive.urls import match_key

    day = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(4000))
    slug = "-".join(rng.choice(WORDS) for _ in range(5))
    url = f"https://www.site{i % 100:02d}.example/{day:%Y/%m/%d}/{slug}-{i}/"
    return Request(url, priority=30, meta={"role": "article", "issue_date": day, "source": "date-archive",
                                           "pending_key": match_key(url)})


def redis_rows(urls: int, work: Path) -> None:
    """Push ``urls`` requests, fingerprints and digests into a scratch redis-server; print bytes."""
    import base64
    import hashlib

    import scrapy
    from scrapy_redis.queue import PriorityQueue

    from crawler.distributed.keys import CrawlKeys
    from crawler.distributed.server import RedisServer
    from crawler.fingerprint import fingerprint_of_key
    from archive.urls import match_key

    keys = CrawlKeys("bench", "t1")
    rng = random.Random(16)
    with RedisServer(work / "redis") as server:
        import redis

        client = redis.Redis.from_url(server.url)
        used_before = int(client.info("memory")["used_memory"])
        queue = PriorityQueue(client, scrapy.Spider(name="bench"), keys.queue)
        pipe = client.pipeline(transaction=False)
        for i in range(urls):
            request = fake_request(i, rng)
            pipe.zadd(keys.queue, {queue._encode_request(request): -request.priority})
            pipe.sadd(keys.seen, fingerprint_of_key(match_key(request.url)).hex())
            digest = "sha1:" + base64.b32encode(hashlib.sha1(request.url.encode()).digest()).decode()
            pipe.hset(keys.payloads, digest, f"{request.url} 2026-12-04T19:00:00.123456Z <urn:uuid:{i:032x}>")
            if i % 1000 == 999:
                pipe.execute()
        pipe.execute()
        used_after = int(client.info("memory")["used_memory"])
        per = 100_000 / urls
        print(f"\nRedis {client.info('server')['redis_version']}: {urls} article requests queued (scrapy-redis "
              f"priority queue, pickled), their fingerprints seen, as many payload digests")
        total = 0
        for name, key in (("queue", keys.queue), ("seen-set", keys.seen), ("payload map", keys.payloads)):
            size = int(client.memory_usage(key, samples=0))
            total += size
            print(f"  {name:<12} {size * per / 2**20:8.1f} MB per 100k URLs  ({size / urls:6.0f} B/URL; "
                  f"MEMORY USAGE {key})")
        print(f"  {'all three':<12} {total * per / 2**20:8.1f} MB per 100k URLs; used_memory grew "
              f"{(used_after - used_before) * per / 2**20:.1f} MB per 100k (INFO memory)")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=5)
    parser.add_argument("--workers", default="1,2,4", type=lambda v: [int(x) for x in v.split(",")])
    parser.add_argument("--urls", type=int, default=100_000)
    parser.add_argument("--corpus", type=Path, default=bench.REALSITE / "corpus")
    parser.add_argument("--site-py", type=Path, default=bench.REALSITE / "site.py")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--skip-crawls", action="store_true")
    parser.add_argument("--skip-redis", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="newsarchive-dist-bench-"))
    bench.become_subreaper()
    print("newsarchive distributed benchmark (issue 16)")
    for line in bench.machine_lines():
        print(line)
    print(f"load      {bench.load_text()} at start", flush=True)
    ok = True
    try:
        if not args.skip_crawls:
            ok = all(row["exit"] == 0 for row in crawl_rows(args, work))
        if not args.skip_redis:
            redis_rows(args.urls, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"load      {bench.load_text()} at the end")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
