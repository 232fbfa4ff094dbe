"""newsarchive's archive layer: WARC writing and reading, extraction, the SQLite index.

This package never imports Scrapy: everything here works from the CLI, from ``reindex``
and from replay with no crawler running.
"""
from __future__ import annotations

__version__ = "0.1.0"
