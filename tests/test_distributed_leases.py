"""Leases of a distributed crawl (issue 16, fault 2) against a real redis-server: a request a
worker popped is leased, not lost; when the worker is SIGKILLed its heartbeat stops and
every request it held goes back to the queue with its priority."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import redis
import scrapy
from scrapy import Request
from scrapy.settings import Settings
from scrapy_redis.queue import PriorityQueue

from crawler.distributed.keys import CrawlKeys
from crawler.distributed.queue import Leases, LeasedPriorityQueue
from tests.helpers import ROOT
from tests.redis_server import redis_server  # noqa: F401 - the fixture

KEYS = CrawlKeys("mocksite", "c1")


def spider(url: str, worker: str) -> scrapy.Spider:
    s = scrapy.Spider(name="backissues")
    s.settings = Settings({"REDIS_URL": url, "CRAWL_REDIS_SITE": KEYS.site, "CRAWL_REDIS_CRAWL": KEYS.crawl,
                           "CRAWL_REDIS_WORKER_ID": worker})
    return s


def queue(url: str, worker: str) -> LeasedPriorityQueue:
    return LeasedPriorityQueue(redis.Redis.from_url(url), spider(url, worker), KEYS.queue)


def push(url: str, *pairs: tuple[str, int]) -> None:
    plain = PriorityQueue(redis.Redis.from_url(url), spider(url, "coordinator"), KEYS.queue)
    for u, priority in pairs:
        plain.push(Request(u, priority=priority, meta={"role": "article"}))


def test_pop_leases_by_priority_and_release_ends_the_lease(redis_server):
    push(redis_server.url, ("http://e.org/low/", 10), ("http://e.org/high/", 40))
    q = queue(redis_server.url, "w1")
    first = q.pop()
    assert first.url == "http://e.org/high/" and first.meta["role"] == "article"
    assert len(q) == 1 and q.leases.count() == 1
    q.leases.release(first.meta["lease"])
    assert q.leases.count() == 0
    second = q.pop()
    assert second.url == "http://e.org/low/" and q.pop() is None
    assert q.leases.release_all() == 1 and q.leases.count() == 0


def test_a_live_workers_leases_stay_leased(redis_server):
    push(redis_server.url, ("http://e.org/a/", 40))
    q = queue(redis_server.url, "w1")
    q.leases.beat(30)
    assert q.pop() is not None
    coordinator = Leases(redis.Redis.from_url(redis_server.url), KEYS, "coordinator")
    assert coordinator.requeue_expired() == 0 and coordinator.count() == 1 and len(q) == 0


WORKER = """
import sys, time
sys.path.insert(0, sys.argv[2])
from tests.test_distributed_leases import queue
q = queue(sys.argv[1], "doomed")
q.leases.beat(1.0)
for _ in range(3):
    print(q.pop().url, flush=True)
while True:
    q.leases.beat(1.0)
    time.sleep(0.2)
"""


def test_a_sigkilled_workers_requests_go_back_to_the_queue(redis_server):
    push(redis_server.url, ("http://e.org/a/", 40), ("http://e.org/b/", 40), ("http://e.org/c/", 20),
         ("http://e.org/d/", 10))
    proc = subprocess.Popen([sys.executable, "-c", WORKER, redis_server.url, str(ROOT)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    try:
        popped = [proc.stdout.readline().strip() for _ in range(3)]
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        proc.stdout.close()
    assert sorted(popped) == ["http://e.org/a/", "http://e.org/b/", "http://e.org/c/"]
    server = redis.Redis.from_url(redis_server.url)
    coordinator = Leases(server, KEYS, "coordinator")
    assert coordinator.count() == 3 and server.zcard(KEYS.queue) == 1
    assert coordinator.requeue_expired() == 0  # its heartbeat (1 s) has not run out yet
    deadline = time.monotonic() + 10
    back = 0
    while time.monotonic() < deadline and not back:
        time.sleep(0.2)
        back = coordinator.requeue_expired()
    assert back == 3 and coordinator.count() == 0
    survivor = queue(redis_server.url, "w2")
    survivor.leases.beat(30)
    order = [survivor.pop().url for _ in range(4)]
    # every request once, by priority again (a and b at 40, then c, then d)
    assert sorted(order[:2]) == ["http://e.org/a/", "http://e.org/b/"] and order[2:] == ["http://e.org/c/", "http://e.org/d/"]
    assert survivor.pop() is None and survivor.leases.count() == 4


def test_a_suspended_workers_late_release_takes_its_requeued_copy_back(redis_server):
    """A worker suspended past its lease (a frozen process, a laptop asleep) comes back to
    find its request re-queued: releasing it when done takes the copy out of the queue, so no
    second worker fetches it again. A copy another worker has popped meanwhile stays its."""
    push(redis_server.url, ("https://news.example.org/a/", 0), ("https://news.example.org/b/", 0))
    sleeper = queue(redis_server.url, "sleeper")
    first, second = sleeper.pop(), sleeper.pop()
    coordinator = Leases(redis.Redis.from_url(redis_server.url), KEYS, "coordinator")
    assert coordinator.requeue_expired() == 2 and len(sleeper) == 2  # no heartbeat: both went back
    other = queue(redis_server.url, "other")
    taken = other.pop()  # one of them is fetched again elsewhere before the sleeper wakes
    for request in (first, second):
        sleeper.leases.release(request.meta["lease"])
    assert len(sleeper) == 0, "the copy nobody took is out of the queue"
    assert other.leases.count() == 1 and taken.url in {first.url, second.url}
    other.leases.release(taken.meta["lease"])
    assert coordinator.count() == 0
