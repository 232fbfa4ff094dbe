"""Page requisites the spider asks for (:class:`RequisiteFetcher`): those of the listings it
reads (the site's theme) and of a stylesheet's ``@import`` and ``url()`` references; an
article's come from its extraction worker through the index pipeline. Scope and "once a
crawl" are :class:`crawler.requisites.RequisitePlan`'s."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from archive.requisites import css_requisites, html_requisites, requisite_urls
from crawler.spiders.roles import PRIORITY
from crawler.spiders.scope import ScopedSpider

#: Of a stylesheet, the bytes read for its ``@import`` and ``url()`` requisites.
CSS_PARSE_MAX_BYTES = 1 << 20


class RequisiteFetcher(ScopedSpider):
    """Requests for page requisites, and what a fetched stylesheet names."""

    def requisite_requests(self, pairs: Iterable[tuple[str, str]], page_url: str | None,
                           priority: int = PRIORITY["requisite"]) -> Iterator[scrapy.Request]:
        """Requests for the ``(url, kind)`` requisites of a page that this crawl has not
        asked for yet and whose host is in ``CRAWL_PAGE_REQUISITES`` scope."""
        plan = self.requisite_plan
        given_up = plan.given_up
        for url, kind in plan.new(pairs):
            request = self.request(url, self.parse_requisite, "requisite", **plan.request_meta(kind, page_url))
            request.priority = priority
            yield request
        if plan.given_up > given_up:
            self.skip("requisite in a folder that answered only 404", plan.given_up - given_up)

    def page_requisites(self, response: Response) -> Iterator[scrapy.Request]:
        """The requisites of a listing page, from the tree the spider parses anyway: the
        site's own theme, so they queue before the articles' requisites."""
        if self.requisite_plan.enabled and isinstance(response, TextResponse):
            root = getattr(response.selector, "root", None)
            yield from self.requisite_requests(requisite_urls(html_requisites(root, response.url)), response.url,
                                               PRIORITY["site-requisite"])

    def parse_requisite(self, response: Response) -> Iterator[scrapy.Request]:
        """A fetched requisite is in WARC already; a stylesheet's own ``@import`` and
        ``url()`` references are requisites too (a 304 brings the archived copy here)."""
        if response.status not in (200, 304):
            self.skip(f"requisite HTTP {response.status}")
            return
        self.count("requisites")
        ctype = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
        is_css = "css" in ctype or (not ctype and urlsplit(response.url).path.lower().endswith(".css"))
        if response.status == 200 and is_css:
            # tinycss2 reads about 1 MB a second, in the reactor: a bigger bundle's rest waits
            found = css_requisites(response.body[:CSS_PARSE_MAX_BYTES], response.url)
            yield from self.requisite_requests(requisite_urls(found), response.meta.get("referer_page"),
                                               response.request.priority if response.request else PRIORITY["requisite"])
