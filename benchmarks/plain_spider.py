"""The baseline of ``benchmarks/crawl.py``: what a plain Scrapy spider does with a news site.

A ``SitemapSpider`` over ``BASE/wp-sitemap.xml`` that runs ``trafilatura.bare_extraction`` on
every page the post sitemaps list and yields one dict per page. No WARC, no database, no
deduplication, no date scoping: the least work that still downloads and extracts every article.
It follows only the post sitemaps (``wp-sitemap-posts-post-N.xml``), not the category sitemap,
so that listing pages are not counted as articles. Pages that answer with an error (404 for
deleted articles) never reach the callback (Scrapy's HttpErrorMiddleware).

Run it outside the repository root (otherwise scrapy.cfg would load newsarchive's project
settings, pipelines and middlewares)::

    cd /tmp && scrapy runspider /path/to/benchmarks/plain_spider.py -a base=http://127.0.0.1:8765 \\
        -o items.jsonl -s DOWNLOAD_DELAY=0 -s AUTOTHROTTLE_ENABLED=False -s CONCURRENT_REQUESTS=32 \\
        -s CONCURRENT_REQUESTS_PER_DOMAIN=32 -s ROBOTSTXT_OBEY=True -s LOG_LEVEL=WARNING
"""
from __future__ import annotations

import scrapy.spiders
import trafilatura


class PlainSpider(scrapy.spiders.SitemapSpider):
    name = "plain"
    sitemap_follow = [r"/wp-sitemap-posts-"]
    custom_settings = {
        "TELNETCONSOLE_ENABLED": False,
        "FEED_EXPORT_ENCODING": "utf-8",
    }

    def __init__(self, base: str = "", *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not base:
            raise ValueError("give the site's root URL: -a base=http://127.0.0.1:PORT")
        self.sitemap_urls = [base.rstrip("/") + "/wp-sitemap.xml"]

    def parse(self, response):
        doc = trafilatura.bare_extraction(response.body, url=response.url, with_metadata=True)
        data = doc.as_dict() if doc is not None else {}
        yield {
            "url": response.url,
            "title": data.get("title"),
            "author": data.get("author"),
            "date": data.get("date"),
            "text": data.get("text") or "",
        }
