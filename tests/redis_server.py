"""A real ``redis-server`` for the distributed-crawl tests, on a Unix socket in the test's
temporary folder (``--port 0``: no TCP port).

Without ``redis-server`` on PATH the tests that need it skip, saying so; with
``NEWSARCHIVE_REQUIRE_REDIS=1`` (as ``.ci/run`` sets, after installing it) they fail instead.
"""
from __future__ import annotations

import os
import shutil

import pytest

from crawler.distributed.server import RedisServer


def require_redis_server() -> None:
    """Skip (or fail, under NEWSARCHIVE_REQUIRE_REDIS=1) when redis-server is not installed."""
    if shutil.which("redis-server") is None:
        why = "redis-server is not installed (Debian: apt-get install redis-server; .ci/run installs it)"
        (pytest.fail if os.environ.get("NEWSARCHIVE_REQUIRE_REDIS") == "1" else pytest.skip)(why)


@pytest.fixture
def redis_server(tmp_path):
    """A started :class:`RedisServer` (``.url`` is ``unix://…/redis.sock``), stopped after the test."""
    require_redis_server()
    server = RedisServer(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.stop()
