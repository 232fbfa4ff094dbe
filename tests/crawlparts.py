"""Helpers for the unit tests of the crawl's parts (session, capture writer, index buffer,
capture middleware, the spider's plan): a crawler with the project's settings and no
reactor, a spider of it, exchanges and article rows to write."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.utils.test import get_crawler

import crawler.settings as defaults
from archive.index import ArticleRow
from archive.records import CaptureRecord
from archive.warc import HttpExchange

SITE = "http://127.0.0.1:9"


def project_settings(data: Path, **overrides: Any) -> dict[str, Any]:
    """``crawler.settings`` as a dict, into ``data``, in-process extraction, no CDXJ worker."""
    settings = {name: getattr(defaults, name) for name in dir(defaults) if name.isupper()}
    settings.update(ARCHIVE_DATA_DIR=str(data), ARCHIVE_EXTRACT_WORKERS=0, ARCHIVE_CDXJ_AHEAD_BYTES=0)
    settings.update(overrides)
    return settings


def crawler_and_spider(data: Path, since: str | None = None, until: str | None = None,
                       **overrides: Any) -> tuple[Any, Any]:
    """A crawler (not started) of :class:`BackIssuesSpider` for ``SITE``, and its spider."""
    from crawler.spiders.backissues import BackIssuesSpider

    crawler = get_crawler(BackIssuesSpider, project_settings(data, **overrides))
    spider = crawler._create_spider(site=SITE + "/", since=since, until=until)
    crawler.spider = spider
    return crawler, spider


def exchange(path: str, body: bytes = b"<html><body>a page</body></html>", status: int = 200,
             headers: list[tuple[bytes, bytes]] | None = None) -> HttpExchange:
    """One GET of ``SITE + path``."""
    return HttpExchange(url=SITE + path, method="GET", request_headers=[(b"Host", b"127.0.0.1:9")],
                        request_body=b"", status=status,
                        response_headers=headers or [(b"Content-Type", b"text/html")], body=body)


def article_row(path: str, capture: CaptureRecord | None = None, published: str = "2024-03-04") -> ArticleRow:
    """An ``articles`` row for ``SITE + path``, published on ``published``."""
    fields: dict[str, Any] = {}
    if capture is not None:
        fields = {"warc_filename": capture.warc_filename, "warc_offset": capture.warc_offset,
                  "warc_length": capture.warc_length, "fetched_at": capture.fetched_at}
    return ArticleRow(canonical_url=SITE + path, url=SITE + path, site="t", title=f"Story {path}",
                      published=published, text="words " * 50, **fields)
