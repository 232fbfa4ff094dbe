"""A distributed crawl whose workers all die (issue 16): the coordinator notices from the
heartbeats in Redis, stops with one clear line and exit 1 instead of waiting for ever, leaves
an archive that passes ``warc check`` (what the workers fetched is merged, their logs kept),
and the same command run again finishes the crawl with every article once."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from archive.index import Index
from tests.helpers import ROOT, run_cli
from tests.mocksite import MockSite
from tests.redis_server import require_redis_server
from tests.test_distributed_crawl import (alive, article_fetches, canonical_urls, descendants, distributed,
                                          missing_articles, worker_pid)


def test_all_workers_dead_fails_fast_and_the_next_run_goes_on(tmp_path):
    require_redis_server()
    data = tmp_path / "data"
    with MockSite(log_path=tmp_path / "site.jsonl") as site:
        expected = site.expected("2024-03-04", "2024-03-15")
        command = distributed(site, data, "-s", "CRAWL_REDIS_NO_WORKER_SECS=3")
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        pool: list[int] = []
        try:
            deadline, killed = time.monotonic() + 120, []
            while time.monotonic() < deadline and not killed:
                pids = [worker_pid(data, name) for name in ("w1", "w2")]
                if len(article_fetches(site.requests())) >= 3 and all(pids):
                    for pid in pids:
                        pool += descendants(pid)
                        os.kill(pid, signal.SIGKILL)
                    killed = pids
                time.sleep(0.05)
            assert killed, "the crawl ended before its workers could be killed"
            started = time.monotonic()
            _out, err = proc.communicate(timeout=120)
            waited = time.monotonic() - started
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for pid in pool:
                if alive(pid):
                    os.kill(pid, signal.SIGKILL)
        assert proc.returncode == 1, err[-3000:]
        assert "every worker of the distributed crawl stopped" in err and "Run the same command again" in err, err[-3000:]
        # the leases expire (2 s), then 3 s without a worker; merging takes the rest
        assert waited < 60, waited
        assert run_cli(data, "warc", "check").returncode == 0
        assert not list((data / "redis").glob("*.sock")) and not (data / "workers").exists()
        assert {p.name.rsplit("-", 1)[1] for p in (data / "logs").glob("worker-*.log")} == {"w1.log", "w2.log"}
        with Index(data / "archive.db", readonly=True) as index:
            assert [row["status"] for row in index.db["crawls"].rows] == ["failed"]
            first = len(list(index.iter_articles()))
        assert first < len(expected)

        # the same command, but for the 3 s that a worker's start may take on a loaded machine
        again = subprocess.run(distributed(site, data), cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert again.returncode == 0, again.stderr[-3000:]
    urls = canonical_urls(data)
    assert len(urls) == len(set(urls)) == len(expected), (missing_articles(data, expected), again.stderr[-3000:])
    assert run_cli(data, "warc", "check").returncode == 0


def test_an_incremental_distributed_crawl_fetches_no_archived_article(tmp_path):
    """The coordinator seeds the shared seen-set with the archived articles (canonical URLs and
    aliases): a second crawl of the same range, distributed, fetches none of them again, not
    even through a shortlink or a redirect that a worker follows."""
    require_redis_server()
    data = tmp_path / "data"
    with MockSite(log_path=tmp_path / "site.jsonl") as site:
        first = run_cli(data, "crawl", "courthousenews", "--base-url", site.url, "--since", "2024-03-04",
                        "--until", "2024-03-15", "-s", "DOWNLOAD_DELAY=0.01", "-s", "AUTOTHROTTLE_ENABLED=False")
        assert first.returncode == 0, first.stderr[-3000:]
        before = len(site.requests())
        command = distributed(site, data, "-s", "DOWNLOAD_DELAY=0.02")
        again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert again.returncode == 0, again.stderr[-3000:]
        second = site.requests()[before:]
    assert second, "the second crawl asked the site for its listings"
    assert not article_fetches(second), article_fetches(second)
    urls = canonical_urls(data)
    assert len(urls) == len(set(urls))


def test_workers_stop_when_their_coordinator_is_killed(tmp_path):
    """A SIGKILLed coordinator never says "done": its workers see its heartbeat gone from Redis
    and stop (exit 1) instead of waiting for ever, their extraction pools with them."""
    require_redis_server()
    data = tmp_path / "data"
    with MockSite(log_path=tmp_path / "site.jsonl") as site:
        proc = subprocess.Popen(distributed(site, data, "-s", "CRAWL_REDIS_NO_COORDINATOR_SECS=3"), cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        left: list[int] = []
        redis_pids: list[int] = []
        try:
            deadline, pids = time.monotonic() + 120, []
            while time.monotonic() < deadline and not pids:
                found = [worker_pid(data, name) for name in ("w1", "w2")]
                if len(article_fetches(site.requests())) >= 3 and all(found):
                    pids = [pid for pid in found if pid]
                    trees = [pid for pid in pids for pid in [pid, *descendants(pid)]]
                    redis_pids = [p for p in descendants(proc.pid) if b"redis-server" in Path(f"/proc/{p}/cmdline").read_bytes()]
                    os.kill(proc.pid, signal.SIGKILL)
                time.sleep(0.05)
            assert pids, "the crawl ended before its coordinator could be killed"
            proc.wait()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and (left := [pid for pid in trees if alive(pid)]):
                time.sleep(0.2)
            assert not left, left
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for pid in [*left, *redis_pids]:  # the private redis-server outlives a SIGKILLed parent
                if alive(pid):
                    os.kill(pid, signal.SIGKILL)
    assert "no_coordinator" in (data / "workers" / "w1" / "worker.log").read_text(errors="replace")
