"""Per-host politeness across every process of a distributed crawl (issue 16, fault 3).

``DOWNLOAD_DELAY`` is per process: two workers at 0.2 s hit a site at twice the rate. Here
each host has one delay slot in Redis (:func:`crawler.distributed.keys.host_key`: the
time, on the Redis server's clock in ms, before which the host gets nothing): a Lua script
takes the slot when that time has come and moves it on by the delay, or says how long to
wait, and the download asks again then. The slot is taken in the download handler, just
before the request goes on the wire, so neither a local queue nor a late wake-up can
bunch two processes' requests together.

The delay is the larger of ``DOWNLOAD_DELAY`` and the local download slot's delay
(AutoThrottle, robots.txt ``Crawl-delay`` from :class:`crawler.politeness.CrawlDelay`).
A 429 or 503 with ``Retry-After`` (RFC 9110 section 10.2.3) moves the host's slot past the
wait for every process (a shared block), up to ``CRAWL_RETRY_AFTER_MAX_SECS``.
"""
from __future__ import annotations

import asyncio
from typing import Any

from scrapy import Request
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy_redis.connection import get_redis_from_settings

from crawler.distributed.keys import host_key
from crawler.download import HeadRecordingDownloadHandler
from crawler.middlewares import retry_after_seconds

#: KEYS: host key, its log; ARGV: delay ms, '1' to log. The host's slot, if it is free now
#: (returns 0; the next is ``delay`` later; with the log, its time is appended), else the
#: ms until it is (nothing taken: ask again then).
SLOT_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
if now < nxt then return nxt - now end
local delay = tonumber(ARGV[1])
redis.call('SET', KEYS[1], now + delay, 'PX', delay + 3600000)
if ARGV[2] == '1' then redis.call('RPUSH', KEYS[2], now) end
return 0
"""

#: KEYS: host key; ARGV: wait ms. Nothing for the host until now + wait (a Retry-After).
BLOCK_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local until_ms = now + tonumber(ARGV[1])
if until_ms > nxt then redis.call('SET', KEYS[1], until_ms, 'PX', tonumber(ARGV[1]) + 3600000) end
return until_ms - now
"""


class HostSlots:
    """The shared delay slots of every host, in the Redis of ``REDIS_URL``."""

    def __init__(self, server: Any, log: bool = False) -> None:
        self.server = server
        #: keep the time (ms, Redis clock) of every slot taken in ``<host key>:log`` (an audit)
        self.log = log
        self._slot = server.register_script(SLOT_LUA)
        self._block = server.register_script(BLOCK_LUA)

    def take(self, host: str, delay: float) -> float:
        """Take ``host``'s slot (0.0), or say how many seconds until it is free (nothing taken)."""
        key = host_key(host)
        return int(self._slot(keys=[key, key + ":log"], args=[max(0, int(delay * 1000)), "1" if self.log else "0"])) / 1000.0

    def block(self, host: str, wait: float) -> None:
        """Give ``host`` nothing for ``wait`` seconds, in every process."""
        self._block(keys=[host_key(host)], args=[max(0, int(wait * 1000))])


class SharedDelayDownloadHandler(HeadRecordingDownloadHandler):
    """``DOWNLOAD_HANDLERS`` for http and https in a distributed crawl: waits for the host's
    shared slot, then downloads as :class:`crawler.download.HeadRecordingDownloadHandler`."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self.slots = HostSlots(get_redis_from_settings(crawler.settings), crawler.settings.getbool("CRAWL_REDIS_SLOT_LOG"))
        self.delay = crawler.settings.getfloat("DOWNLOAD_DELAY")
        self.max_block = crawler.settings.getfloat("CRAWL_RETRY_AFTER_MAX_SECS", 3600)

    def _local_delay(self, request: Request) -> float:
        engine = getattr(self._crawler, "engine", None)
        downloader = getattr(engine, "downloader", None)
        if downloader is None:
            return 0.0
        slot = downloader.slots.get(downloader.get_slot_key(request))
        return float(getattr(slot, "delay", 0.0) or 0.0)

    async def download_request(self, request: Request) -> Response:
        host = urlparse_cached(request).hostname or ""
        while (wait := self.slots.take(host, max(self.delay, self._local_delay(request)))) > 0:
            await asyncio.sleep(wait)
        response = await super().download_request(request)
        if response.status in (429, 503):
            seconds = retry_after_seconds(response.headers.get(b"Retry-After"), response.headers.get(b"Date"))
            if seconds and 0 < seconds <= self.max_block:
                self.slots.block(host, seconds)
        return response
