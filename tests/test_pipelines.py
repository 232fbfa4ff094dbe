"""crawler.pipelines.ExtractPipeline: the extraction worker pool survives a dead worker."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess

import pytest

from crawler.pipelines import ExtractPipeline

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
