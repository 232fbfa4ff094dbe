"""scrapy-redis's priority queue, with a lease on every request popped (issue 16, fault 2).

A plain scrapy-redis pop removes the request from Redis: a worker killed with requests in
flight (and prefetched) loses them for good, since their fingerprints are already seen.
Here the pop moves the request, in one Lua script, from the queue into the crawl's
``leases`` hash under the popping worker's id. The worker keeps a heartbeat key alive
(:meth:`Leases.beat`, a key with a TTL of ``CRAWL_REDIS_LEASE_SECS``) and releases each lease once the
response's callback has yielded everything (:class:`crawler.distributed.idle.LeaseRelease`)
or when it is idle. :func:`requeue_expired` puts back every leased request whose worker's
heartbeat has gone, with its priority.
"""
from __future__ import annotations

import os
import socket
from typing import Any

from scrapy import Request
from scrapy_redis.queue import PriorityQueue

from crawler.distributed.keys import CrawlKeys

#: KEYS: queue, leases, lease counter; ARGV: worker id. Returns {lease id, request} or nil.
POP_LUA = """
local item = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #item == 0 then return nil end
redis.call('ZREM', KEYS[1], item[1])
local id = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[2], id, ARGV[1] .. ' ' .. item[2] .. ' ' .. item[1])
return {tostring(id), item[1]}
"""

#: KEYS: leases, queue, requeued; ARGV: worker key prefix, and a worker id to requeue whatever
#: its heartbeat says ('' for none). Returns how many requests went back to the queue (each
#: also noted in ``requeued`` under its lease id).
REQUEUE_LUA = """
local all = redis.call('HGETALL', KEYS[1])
local n = 0
for i = 1, #all, 2 do
  local v = all[i + 1]
  local s1 = string.find(v, ' ', 1, true)
  local s2 = string.find(v, ' ', s1 + 1, true)
  local worker = string.sub(v, 1, s1 - 1)
  if worker == ARGV[2] or redis.call('EXISTS', ARGV[1] .. worker) == 0 then
    redis.call('ZADD', KEYS[2], string.sub(v, s1 + 1, s2 - 1), string.sub(v, s2 + 1))
    redis.call('HSET', KEYS[3], all[i], string.sub(v, s2 + 1))
    redis.call('HDEL', KEYS[1], all[i])
    n = n + 1
  end
end
return n
"""

#: KEYS: leases, queue, requeued; ARGV: lease id. The request is done: its lease goes, and
#: when the lease had expired (the worker was suspended past CRAWL_REDIS_LEASE_SECS, not
#: dead) the copy put back in the queue goes too, if no worker has popped it yet.
RELEASE_LUA = """
if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then return 0 end
local data = redis.call('HGET', KEYS[3], ARGV[1])
if not data then return 0 end
redis.call('HDEL', KEYS[3], ARGV[1])
return redis.call('ZREM', KEYS[2], data)
"""

#: KEYS: leases; ARGV: worker id. Drops every lease of that worker (it is idle: all done).
RELEASE_ALL_LUA = """
local all = redis.call('HGETALL', KEYS[1])
local prefix = ARGV[1] .. ' '
local n = 0
for i = 1, #all, 2 do
  if string.sub(all[i + 1], 1, #prefix) == prefix then
    redis.call('HDEL', KEYS[1], all[i])
    n = n + 1
  end
end
return n
"""


def default_worker_id() -> str:
    """``<host>-<pid>``: unique per live process on a network of machines."""
    return f"{socket.gethostname()}-{os.getpid()}"


def worker_id(settings: Any) -> str:
    """``CRAWL_REDIS_WORKER_ID``, or :func:`default_worker_id` (no spaces either way)."""
    return str(settings.get("CRAWL_REDIS_WORKER_ID") or default_worker_id()).replace(" ", "_")


class Leases:
    """The crawl's ``leases`` hash as one worker (or the coordinator) uses it."""

    def __init__(self, server: Any, keys: CrawlKeys, worker: str) -> None:
        self.server, self.keys, self.worker = server, keys, worker
        self._requeue = server.register_script(REQUEUE_LUA)
        self._release_all = server.register_script(RELEASE_ALL_LUA)
        self._release = server.register_script(RELEASE_LUA)

    def beat(self, lease_secs: float) -> None:
        """This worker is alive for ``lease_secs`` more seconds."""
        self.server.set(self.keys.worker(self.worker), b"1", px=max(1, int(lease_secs * 1000)))

    def stop_beating(self) -> None:
        self.server.delete(self.keys.worker(self.worker))

    def release(self, lease: str | None) -> None:
        """The leased request is done (its callback's output is queued or handled)."""
        if lease:
            self._release(keys=[self.keys.leases, self.keys.queue, self.keys.requeued], args=[lease])

    def release_all(self) -> int:
        """Drop every lease of this worker: it is idle, so each of its requests is done."""
        return int(self._release_all(keys=[self.keys.leases], args=[self.worker]))

    def workers_alive(self) -> bool:
        """Whether any worker's heartbeat key is in Redis now."""
        return next(iter(self.server.scan_iter(match=self.keys.worker_prefix + "*", count=1000)), None) is not None

    def count(self) -> int:
        """Requests leased to any worker now."""
        return int(self.server.hlen(self.keys.leases))

    def requeue_expired(self, dead_worker: str = "") -> int:
        """Put back in the queue every leased request whose worker's heartbeat is gone (and
        every one of ``dead_worker``): how many."""
        return int(self._requeue(keys=[self.keys.leases, self.keys.queue, self.keys.requeued],
                                 args=[self.keys.worker_prefix, dead_worker]))


class LeasedPriorityQueue(PriorityQueue):  # type: ignore[misc]
    """``SCHEDULER_QUEUE_CLASS``: scrapy-redis's ``PriorityQueue`` (a sorted set scored by
    ``-priority``) whose :meth:`pop` leases the request to this worker
    (``request.meta["lease"]`` is the lease id)."""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        keys = CrawlKeys.from_settings(spider.settings)
        self.leases = Leases(server, keys, worker_id(spider.settings))
        self._pop = server.register_script(POP_LUA)

    def pop(self, timeout: int = 0) -> Request | None:
        found = self._pop(keys=[self.key, self.leases.keys.leases, self.leases.keys.lease_counter],
                          args=[self.leases.worker])
        if not found:
            return None
        lease, data = found
        request = self._decode_request(data)
        request.meta["lease"] = lease.decode() if isinstance(lease, bytes) else str(lease)
        return request
