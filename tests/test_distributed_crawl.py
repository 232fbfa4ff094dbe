"""``newsarchive crawl --workers 2`` over a real redis-server (issue 16's acceptance): against a
single-process crawl of the same mock site, the same canonical URLs and article count, no
article fetched twice, never more than one request per delay to the host, and a merged
archive that passes `warc check`, searches and replays every article; and a crawl that
survives one worker SIGKILLed mid-crawl."""
from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from archive.index import Index
from tests.helpers import ROOT, crawl_mock_site, run_cli
from tests.mocksite import MockSite
from crawler.distributed.keys import host_key
from crawler.distributed.server import RedisServer
from tests.redis_server import require_redis_server
from tests.test_replay import ReplayServer, page_text

pytestmark = pytest.mark.acceptance

SINCE, UNTIL = "2024-03-04", "2024-03-15"
#: the distributed crawl's delay (seconds between two requests to the host, all processes together)
DELAY = 0.2
#: how much later than the crawl's first and last slots in Redis the site may see its first
#: and last requests (the way to the wire on a loaded 2-core machine), in seconds
LATENESS = 0.5


def distributed(site: MockSite, data: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "archive", "--data", str(data), "crawl", "courthousenews", "--base-url",
            site.url, "--since", SINCE, "--until", UNTIL, "--workers", "2", "-s", f"DOWNLOAD_DELAY={DELAY}",
            "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CRAWL_REDIS_LEASE_SECS=2", *extra]


def canonical_urls(data: Path) -> list[str]:
    with Index(data / "archive.db", readonly=True) as index:
        return sorted(row["canonical_url"].split("//", 1)[1].split("/", 1)[1] for row in index.iter_articles())


def missing_articles(data: Path, expected: list) -> dict[str, list[str]]:
    """The expected slugs the archive does not hold, each with the lines of the crawl logs
    (the coordinator's and the workers', kept in DATA/logs) that name it: what a failing
    assertion shows."""
    held = {url.rstrip("/") for url in canonical_urls(data)}
    found: dict[str, list[str]] = {}
    for slug in sorted({a.slug for a in expected} - held):
        found[slug] = [f"{log.name}: {line.strip()[:300]}" for log in sorted((data / "logs").glob("crawl-*.log"))
                       for line in log.read_text(errors="replace").splitlines() if slug in line][-20:]
    return found


def article_fetches(log: list[dict]) -> collections.Counter:
    return collections.Counter(e["article"] for e in log if e.get("article") and e["status"] == 200)


@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory):
    require_redis_server()
    work = tmp_path_factory.mktemp("distributed")
    with MockSite(log_path=work / "single.jsonl") as site:
        crawl_mock_site(site.url, work / "single", SINCE, UNTIL)
        expected = site.expected(SINCE, UNTIL)
    # a redis-server of the test's own (--redis), so that the slot log outlives the crawl
    with RedisServer(work / "redis") as server, MockSite(log_path=work / "dist.jsonl") as site:
        command = distributed(site, work / "dist", "--redis", server.url, "-s", "CRAWL_REDIS_SLOT_LOG=1")
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-3000:]
        log = site.requests()
        slots = [int(v) for v in redis.Redis.from_url(server.url).lrange(host_key("127.0.0.1") + ":log", 0, -1)]
    yield {"single": work / "single", "dist": work / "dist", "log": log, "stderr": result.stderr,
           "expected": expected, "slots": slots}


def test_same_articles_as_a_single_process_crawl(crawls):
    assert canonical_urls(crawls["dist"]) == canonical_urls(crawls["single"])
    assert len(canonical_urls(crawls["dist"])) == len(crawls["expected"])
    assert "Merged " in crawls["stderr"] and "2 workers" in crawls["stderr"]


def test_no_article_fetched_twice(crawls):
    fetched = article_fetches(crawls["log"])
    assert len(fetched) == len(crawls["expected"]) and max(fetched.values()) == 1, fetched


def test_never_more_than_one_request_per_delay_to_the_host(crawls):
    """Two workers and the coordinator together keep one process's pace (issue 16, fault 3:
    plain scrapy-redis gave two workers at 0.2 s 8.3 requests/s). Every request the site got
    took the host's slot in Redis (the slot log, on Redis's clock), and the slots are DELAY
    apart at least. The site's own clock sees the same rate; single gaps there are not
    compared, since a stalled process or server thread bunches arrivals whose slots were
    apart. (A single Scrapy process spaces its requests 0.5 to 1.5 times DOWNLOAD_DELAY:
    RANDOMIZE_DOWNLOAD_DELAY.)"""
    slots, log = crawls["slots"], crawls["log"]
    assert len(log) > 50 and len(slots) == len(log)
    gaps_ms = [b - a for a, b in zip(slots, slots[1:])]
    assert min(gaps_ms) >= DELAY * 1000, sorted(gaps_ms)[:5]
    times = sorted(e["t"] for e in log)
    assert (len(times) - 1) / (times[-1] - times[0] + LATENESS) <= 1 / DELAY


def test_each_worker_fetched_and_the_coordinator_owns_the_crawl(crawls):
    with Index(crawls["dist"] / "archive.db", readonly=True) as index:
        crawl_rows = list(index.db["crawls"].rows)
        files = {row["warc_filename"] for row in index.db["captures"].rows}
    assert [(c["site"], c["status"]) for c in crawl_rows] == [("courthousenews", "finished")]
    from archive.warc import iter_records

    # the warcinfo records of the coordinator's and both workers' files are kept in the merge
    infos = [r.warc_headers.get("WARC-Filename", "") for p in (crawls["dist"] / "warc").glob("*.warc.gz")
             for _o, _l, r in iter_records(p) if r.rec_type == "warcinfo"]
    assert {name.split("-")[1] for name in infos if name.startswith("newsarchive-w")} == {"w1", "w2"}, infos
    assert len(files) == 1 and not (crawls["dist"] / "workers").exists()  # merged, worker folders gone


def test_merged_archive_is_clean_ordered_searchable_and_replays(crawls):
    data = crawls["dist"]
    check = run_cli(data, "warc", "check")
    assert check.returncode == 0 and "no problems" in check.stdout + check.stderr, check.stdout + check.stderr
    from archive.warc import iter_records
    from archive.merge import date_key

    dates = [date_key(r.warc_headers.get("WARC-Date")) for p in sorted((data / "warc").glob("*.warc.gz"))
             for _o, _l, r in iter_records(p) if r.rec_type != "warcinfo"]
    assert dates == sorted(dates)
    found = run_cli(data, "search", "judge", check=True)
    assert "judge" in found.stdout.lower()
    with Index(data / "archive.db", readonly=True) as index:
        hits = index.search("", limit=1000)
    assert len(hits) == len(crawls["expected"])
    with ReplayServer(data) as server:
        for hit in hits:
            ts = hit.replay_url.split("/")[2]
            status, headers, body = server.get(f"/archive/{ts}mp_/{hit.url}")
            assert status == 200, hit.replay_url
            assert hit.title in page_text(headers, body)


def worker_pid(data: Path, name: str) -> int | None:
    """The pid of the crawl's worker ``name`` (its command line names its data folder)."""
    folder = str(data / "workers" / name)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                args = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if folder.encode() in args and b"worker" in args:
                return int(entry)
    return None


def descendants(pid: int) -> list[int]:
    """Every process under ``pid`` (its extraction pool: a forkserver and its workers, which
    end with it: archive.workers.exit_with_parent)."""
    children: dict[int, list[int]] = collections.defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children[int(stat.rsplit(")", 1)[1].split()[1])].append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """A process ``pid`` that has not ended (a zombie has)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_sigkilled_worker_loses_nothing(tmp_path):
    require_redis_server()
    data = tmp_path / "data"
    with MockSite(log_path=tmp_path / "kill.jsonl") as site:
        expected = site.expected(SINCE, UNTIL)
        proc = subprocess.Popen(distributed(site, data), cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        try:
            deadline, killed, orphans = time.monotonic() + 120, False, []
            while time.monotonic() < deadline and not killed:
                if len(article_fetches(site.requests())) >= 3 and (pid := worker_pid(data, "w1")):
                    orphans = descendants(pid)  # a SIGKILLed worker leaves its pool behind
                    os.kill(pid, signal.SIGKILL)
                    killed = True
                time.sleep(0.05)
            _out, err = proc.communicate(timeout=600)
            leaked = [pid for pid in orphans if alive(pid)]  # the pool ends with its parent
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for orphan in orphans:
                try:
                    os.kill(orphan, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        log = site.requests()
    assert killed, "the crawl ended before a worker could be killed"
    assert orphans and not leaked, leaked
    assert proc.returncode == 0, err[-3000:]
    assert "stopped early: w1" in err
    urls = canonical_urls(data)
    assert len(urls) == len(set(urls)) == len(expected), (missing_articles(data, expected), err[-3000:])
    assert sorted((data / "logs").glob("crawl-*-w[12].log")), "the workers' crawl logs are kept after the merge"
    assert {a.slug for a in expected} <= set(article_fetches(log))
    assert run_cli(data, "warc", "check").returncode == 0
    assert not list((data / "redis").glob("*.sock"))  # the private redis-server stopped


def test_merge_command_builds_one_archive_of_several_folders(crawls, tmp_path):
    """`newsarchive merge` of the single-process archive and the distributed one: every record
    of both, in WARC-Date order, one row per canonical article URL, `warc check` clean."""
    from archive.merge import date_key
    from archive.warc import iter_records

    def records(data: Path) -> list:
        return [r for p in sorted((data / "warc").glob("*.warc.gz")) for _o, _l, r in iter_records(p)]

    out = tmp_path / "merged"
    result = run_cli(out, "merge", str(crawls["single"]), str(crawls["dist"]), check=True)
    own = {p.name for p in (out / "warc").glob("*.warc.gz")}  # each merged file opens with its warcinfo
    merged = [r for r in records(out) if not (r.rec_type == "warcinfo" and r.warc_headers.get("WARC-Filename") in own)]
    inputs = records(crawls["single"]) + records(crawls["dist"])
    assert f"Merged {len(inputs)} records of 2 folders" in result.stdout
    assert sorted(r.warc_headers["WARC-Record-ID"] for r in merged) == sorted(r.warc_headers["WARC-Record-ID"] for r in inputs)
    dates = [date_key(r.warc_headers.get("WARC-Date")) for r in merged if r.rec_type != "warcinfo"]
    assert dates == sorted(dates)
    # the two crawls were of two mock servers (two ports): each article twice, once per site
    assert canonical_urls(out) == sorted(canonical_urls(crawls["single"]) * 2)
    assert run_cli(out, "warc", "check").returncode == 0
    again = run_cli(out, "merge", str(crawls["single"]))
    assert again.returncode == 1 and "holds WARC files already" in again.stderr


def test_robots_txt_fetched_once_for_all_processes(crawls):
    """The coordinator's robots.txt is the workers' too (crawler.distributed.robots): one
    request for it, not one per process."""
    assert [e["path"] for e in crawls["log"]].count("/robots.txt") == 1


def test_every_revisit_refers_to_a_response_in_the_merged_archive(crawls):
    """An identical-payload revisit may refer to another process's response record (the shared
    payload map): after the merge each one finds it, by URI, date and record ID."""
    from archive.warc import iter_records

    records = [r for p in (crawls["dist"] / "warc").glob("*.warc.gz") for _o, _l, r in iter_records(p)]
    responses = {r.warc_headers["WARC-Record-ID"]: r for r in records if r.rec_type == "response"}
    revisits = [r.warc_headers for r in records if r.rec_type == "revisit"
                and r.warc_headers.get("WARC-Profile", "").endswith("identical-payload-digest")]
    assert revisits, "the mock site serves one payload under several URLs"
    for headers in revisits:
        target = responses[headers["WARC-Refers-To"]].warc_headers
        assert (target["WARC-Target-URI"], target["WARC-Date"], target["WARC-Payload-Digest"]) == (
            headers["WARC-Refers-To-Target-URI"], headers["WARC-Refers-To-Date"], headers["WARC-Payload-Digest"])
    empty = "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"  # (a body-less answer is never a revisit)
    digests = [d for r in responses.values() if (d := r.warc_headers.get("WARC-Payload-Digest")) not in (None, empty)]
    assert len(digests) - len(set(digests)) <= 1, "a payload is archived once, whichever worker met it again"
