"""robots.txt read once a crawl per host, for every process of a distributed crawl.

Scrapy's ``RobotsTxtMiddleware`` fetches each host's robots.txt once per process: with a
coordinator and N workers the site got N + 1 requests for it (and N + 1 copies in WARC).
:class:`SharedRobotsTxtMiddleware` keeps the body of the first one fetched, by any process,
in the crawl's ``robots`` hash (:attr:`crawler.distributed.keys.CrawlKeys.robots`, host:port
-> body) and parses that copy instead of asking the host again. What is parsed is what Scrapy
would parse: the body of the answer, whatever its status (Protego reads a 404 page's body as
no rules). A robots.txt that could not be fetched at all (connection refused) is not shared:
the next process tries for itself. Two processes that need a new host at the same moment may
both fetch it (the first body kept wins).
"""
from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy_redis.connection import get_redis_from_settings
from twisted.internet.defer import Deferred

from crawler.distributed.keys import CrawlKeys


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """``RobotsTxtMiddleware`` whose parsed robots.txt come from the crawl's Redis when
    another process fetched them (the ``robots_parsed`` signal fires either way, so the
    Crawl-delay of :class:`crawler.politeness.CrawlDelay` applies in every process)."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self.server = get_redis_from_settings(crawler.settings)
        self.key = CrawlKeys.from_settings(crawler.settings).robots

    async def robot_parser(self, request: Request) -> Any:
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc not in self._parsers:
            body = self.server.hget(self.key, netloc)
            if body is not None:
                self._parsers[netloc] = Deferred()
                robots_url = f"{url.scheme}://{netloc}/robots.txt"
                copy = Response(robots_url, body=body, request=Request(robots_url, meta={"shared": True}))
                self._stats.inc_value("newsarchive/distributed/robots_shared")
                await self._parse_robots(copy, netloc, request)
        return await super().robot_parser(request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if not (response.request is not None and response.request.meta.get("shared")):
            self.server.hsetnx(self.key, netloc, response.body)
        await super()._parse_robots(response, netloc, request)
