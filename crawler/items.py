"""Items the spider yields: one per fetched article page."""
from __future__ import annotations

import scrapy


class ArticleItem(scrapy.Item):
    """One fetched article page, before and after extraction.

    Fields:
        url: the final URL fetched (after redirects).
        request_url: the URL the spider asked for (first hop).
        redirect_urls: every URL on the way from ``request_url`` to ``url``.
        status: the HTTP status of the final response.
        headers: the final response's headers, ``{name: value}`` (str).
        body: the entity body after content decoding (bytes, not charset-decoded).
        capture: the :class:`archive.records.CaptureRecord` of the WARC response record.
        issue_date: the date of the back issue or dated listing that led here (date or None).
        source: what led here: ``edition``, ``date-archive``, ``feed``, ``sitemap`` ...
        site: the profile name.
        revalidate: an archived article fetched again to see whether it changed.
        deferred: a page an earlier crawl left for later (Retry-After); kept whatever
            this crawl's date range.
        extracted: the :class:`archive.records.ExtractedArticle` (set by ExtractPipeline).
    """

    url = scrapy.Field()
    request_url = scrapy.Field()
    redirect_urls = scrapy.Field()
    status = scrapy.Field()
    headers = scrapy.Field()
    body = scrapy.Field()
    capture = scrapy.Field()
    issue_date = scrapy.Field()
    source = scrapy.Field()
    site = scrapy.Field()
    revalidate = scrapy.Field()
    deferred = scrapy.Field()
    extracted = scrapy.Field()
