"""The spider of a worker: :class:`BackIssuesSpider`'s callbacks, none of its seeds or phases."""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy

from crawler.spiders.backissues import BackIssuesSpider


class WorkerSpider(BackIssuesSpider):
    """Fetches what the shared queue holds (articles, requisites, documents) with the
    coordinator's spider's callbacks, found by name; seeds nothing and runs no idle phase
    (the coordinator does, :mod:`crawler.distributed.idle`)."""

    name = "backissues-worker"

    async def start(self) -> AsyncIterator[Any]:
        return
        yield  # an async generator that yields nothing

    def on_idle(self, spider: scrapy.Spider) -> None:
        """The phases are the coordinator's."""
