"""crawler.pipelines.ExtractPipeline: the extraction worker pool survives a dead worker."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.pipelines import ExtractPipeline
from tests.helpers import ROOT

WORDS = " ".join(f"word{i}" for i in range(40))


def big_page(n: int) -> bytes:
    paragraphs = "".join(f"<p>Para {n}.{i}: {WORDS}</p>" for i in range(3000))
    return f"<html><head><title>Story {n}</title></head><body><article>{paragraphs}</article></body></html>".encode()


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


@pytest.fixture()
def sigpipe_ignored():
    """As during a crawl (crawler.cli): a write to a dead worker's pipe must be an error,
    not a signal that ends the process (CLI tests run in this process reset it)."""
    previous = signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    yield
    signal.signal(signal.SIGPIPE, previous)


def test_a_worker_killed_mid_page_costs_one_restart_and_no_page(caplog, sigpipe_ignored) -> None:
    async def run() -> list[str | None]:
        pipeline = ExtractPipeline(crawler=None, workers=2, max_pending=8)
        pipeline.open_spider()
        try:
            items = [{"body": big_page(n), "url": f"https://news.example.org/{n}", "headers": {}} for n in range(8)]
            tasks = [asyncio.ensure_future(pipeline.process_item(item)) for item in items]
            workers: list[int] = []
            for _ in range(100):  # the fork server's children are the workers
                await asyncio.sleep(0.1)
                workers = [w for fs in children(os.getpid()) for w in children(fs)]
                if len(workers) >= 2:
                    break
            assert workers, "no extraction worker started"
            await asyncio.sleep(0.5)
            os.kill(workers[0], signal.SIGKILL)
            done = await asyncio.gather(*tasks)
            return [item["extracted"].title for item in done]
        finally:
            pipeline.close_spider()

    titles = asyncio.run(run())
    assert titles == [f"Story {n}" for n in range(8)]
    restarts = [r for r in caplog.records if "restarting the pool" in r.getMessage()]
    assert len(restarts) == 1


#: A crawler stand-in: an extraction pool as the crawl opens it, its pid printed, then a wait.
POOL_OWNER = """
import asyncio, os, time
from crawler.pipelines import ExtractPipeline

async def main():
    pipeline = ExtractPipeline(crawler=None, workers=2, max_pending=8)
    pipeline.open_spider()
    item = {"body": b"<html><title>t</title><p>x</p></html>", "url": "https://news.example.org/", "headers": {}}
    await asyncio.gather(*(pipeline.process_item(dict(item)) for _ in range(4)))
    print(os.getpid(), flush=True)
    time.sleep(600)

if __name__ == "__main__":
    asyncio.run(main())
"""


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def test_a_sigkilled_crawler_leaves_no_pool_process() -> None:
    """SIGKILL gives the crawler no chance to shut its pool down (a distributed worker killed
    mid-crawl, the OOM killer): the extraction workers see their parent's sentinel close and
    end, and with them the forkserver and multiprocessing's resource tracker."""
    owner = subprocess.Popen([sys.executable, "-c", POOL_OWNER], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    left: list[int] = []
    try:
        assert owner.stdout is not None and owner.stdout.readline().strip() == str(owner.pid)
        pool = descendants(owner.pid)
        assert len(pool) >= 3, pool  # the forkserver, its two workers (and the resource tracker)
        owner.kill()
        owner.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            left = [pid for pid in pool if alive(pid)]
            if not left:
                break
            time.sleep(0.1)
        assert not left, [Path(f"/proc/{pid}/cmdline").read_bytes()[:120] for pid in left if alive(pid)]
    finally:
        if owner.poll() is None:
            owner.kill()
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def alive(pid: int) -> bool:
    """A process ``pid`` that has not ended (a zombie has: its parent is gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
