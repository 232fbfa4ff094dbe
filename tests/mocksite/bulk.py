"""The mock news site's third layout: many articles (``python -m tests.mocksite --layout bulk``).

A generic (non-WordPress) news site with ``--articles N`` generated stories (default 1,000), ten a
day from 2024-01-01, for crawls long enough to be stopped and resumed. Standard library only.

  /robots.txt                 names /sitemap-index.xml
  /sitemap-index.xml          sitemaps.org index of /sitemap-1.xml .. /sitemap-K.xml (250 URLs each,
                              ``<lastmod>`` per URL, oldest first)
  /feed.xml                   RSS 2.0 of the latest ``--feed-items`` stories (default 400; 0: no feed,
                              not linked, 404), each with its pubDate
  /                           front page: the latest 10 teasers, then teasers linking the
                              meta-refresh stubs below; <link rel=alternate> to the feed
  /news/<n>-<words>/          story n: JSON-LD NewsArticle, og:type=article, article:published_time
  /go/<n>/                    a shortlink stub: 200, only <meta http-equiv="refresh" content="0; URL=/news/…/">
                              to a story that nothing else links (REFRESH_ONLY, not in sitemaps or feed)
  /go-soon/<n>/               the same with a 2 s delay (still a redirect: the front page links the last story's)
  /go-later/<n>/              the same with a 600 s delay (no redirect), to story UNFOLLOWED (= --articles),
                              which is served but linked from nothing else (a crawl never fetches it)
  /go-away/                   the same with no delay to another site (http://elsewhere.invalid/news/…/)

Every 200 has ETag and Last-Modified and If-None-Match / If-Modified-Since give 304.
``--log FILE`` appends one JSON line per request: {"t", "method", "path", "status", "conditional",
"article" (the story's number on a 200 story page, else null), "ua"}.

``story_path(i)``, ``story_title(i)`` and ``REFRESH_ONLY`` are the ground truth for tests: a correct crawl of a
site of ``--articles N`` archives stories 0 .. N-1, and never fetches story N.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import html
import json
import sys
import threading
import time
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .server import serve

SITE_NAME = "Mock Bulk Gazette"
FIRST_DAY = dt.date(2024, 1, 1)
PER_DAY = 10
SITEMAP_SIZE = 250
FRONT_COUNT = 10
#: stories reachable only through a /go/<n>/ meta-refresh stub (the last ones, not in sitemaps or feed)
REFRESH_ONLY = 3
WORDS = ("council", "budget", "river", "court", "judge", "school", "bridge", "harbor", "mayor", "election",
         "transit", "library", "museum", "hospital", "factory", "farm", "storm", "festival", "market", "union")
UTC = dt.timezone.utc


def story_day(i: int) -> dt.date:
    """Publication day of story ``i`` (0-based): ten a day from 2024-01-01."""
    return FIRST_DAY + dt.timedelta(days=i // PER_DAY)


def story_time(i: int) -> dt.datetime:
    return dt.datetime.combine(story_day(i), dt.time(8 + i % PER_DAY, 15), UTC)


def story_words(i: int) -> list[str]:
    return [WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(3)]


def story_path(i: int) -> str:
    return f"/news/{i}-{'-'.join(story_words(i))}/"


def story_title(i: int) -> str:
    return f"Story {i}: the {' and the '.join(story_words(i))} in the news"


def http_date(when: dt.datetime) -> str:
    return format_datetime(when.astimezone(UTC).replace(microsecond=0), usegmt=True)


class Bulk:
    def __init__(self, n: int, feed_items: int, log_path: str | None):
        self.n, self.feed_items = n, feed_items
        self.lock = threading.Lock()
        self.log = open(log_path, "a", encoding="utf-8") if log_path else None

    @property
    def listed(self) -> list[int]:
        """Stories in sitemaps, feed and front page: all but the stub-only ones."""
        return list(range(max(0, self.n - REFRESH_ONLY)))

    def write_log(self, entry: dict) -> None:
        if self.log:
            with self.lock:
                self.log.write(json.dumps(entry) + "\n")
                self.log.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    site: Bulk

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        pass

    def base(self) -> str:
        return f"http://{self.headers.get('Host') or '127.0.0.1'}"

    def do_GET(self):  # noqa: N802 - the stdlib's name
        status, body, ctype, modified, story = self.route(self.path.split("?", 1)[0])
        etag = f'"{hashlib.sha1(body).hexdigest()[:16]}"'
        conditional = bool(self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"))
        if status == 200 and self.not_modified(etag, modified):
            status, body = 304, b""
        self.send_response(status)
        if status in (200, 304):
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", http_date(modified))
        if status != 304:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.site.write_log({"t": time.time(), "method": "GET", "path": self.path, "status": status,
                             "conditional": conditional, "article": story if status == 200 else None,
                             "ua": self.headers.get("User-Agent")})

    def not_modified(self, etag: str, modified: dt.datetime) -> bool:
        """RFC 9110 section 13.1.2 and 13.1.3: If-None-Match wins; weak comparison."""
        inm = self.headers.get("If-None-Match")
        if inm:
            tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
            return "*" in tags or etag in tags
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                return modified.replace(microsecond=0) <= parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
        return False

    # -- routes -------------------------------------------------------------------------------
    def route(self, path: str):
        html_type = "text/html; charset=utf-8"
        epoch = story_time(self.site.n - 1)
        if path == "/robots.txt":
            text = f"User-agent: *\nDisallow: /private/\n\nSitemap: {self.base()}/sitemap-index.xml\n"
            return 200, text.encode(), "text/plain", epoch, None
        if path == "/":
            return 200, self.front(), html_type, epoch, None
        if path == "/feed.xml" and self.site.feed_items:
            return 200, self.feed(), "application/rss+xml; charset=utf-8", epoch, None
        if path == "/sitemap-index.xml":
            return 200, self.sitemap_index(), "application/xml", epoch, None
        if path.startswith("/sitemap-") and path.endswith(".xml"):
            try:
                k = int(path[len("/sitemap-"):-len(".xml")])
            except ValueError:
                k = 0
            chunk = self.site.listed[(k - 1) * SITEMAP_SIZE:k * SITEMAP_SIZE] if k > 0 else []
            if chunk:
                return 200, self.urlset(chunk), "application/xml", story_time(chunk[-1]), None
        if path.startswith("/news/"):
            number = path[len("/news/"):].split("-", 1)[0]
            if number.isdigit() and int(number) <= self.site.n and path == story_path(int(number)):
                i = int(number)
                return 200, self.story(i), html_type, story_time(i), i
        for prefix, delay, target in (("/go/", 0, None), ("/go-soon/", 2, None), ("/go-later/", 600, None),
                                      ("/go-away/", 0, "away")):
            if path.startswith(prefix):
                rest = path[len(prefix):].strip("/")
                i = int(rest) if rest.isdigit() else self.site.n - 1
                if 0 <= i <= self.site.n:
                    url = f"http://elsewhere.invalid{story_path(i)}" if target else story_path(i)
                    return 200, self.stub(url, delay), html_type, epoch, None
        return 404, b"<html><body><h1>Not found</h1></body></html>", html_type, epoch, None

    def page(self, title: str, main: str, head: str = "") -> bytes:
        feed = (f'<link rel="alternate" type="application/rss+xml" title="{SITE_NAME}" href="{self.base()}/feed.xml">'
                if self.site.feed_items else "")
        return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} | '
                f'{SITE_NAME}</title>{feed}{head}</head><body><header><p class="site-title"><a href="/">{SITE_NAME}'
                f'</a></p></header><main>{main}</main><footer><p>&copy; 2024 {SITE_NAME}</p></footer></body></html>\n'
                ).encode()

    def front(self) -> bytes:
        latest = list(reversed(self.site.listed))[:FRONT_COUNT]
        teasers = "".join(f'<article class="teaser"><h2><a href="{story_path(i)}">{html.escape(story_title(i))}</a>'
                          f'</h2><time datetime="{story_day(i).isoformat()}">{story_day(i):%B %d, %Y}</time></article>\n'
                          for i in latest)
        n = self.site.n
        links = [(f"/go/{i}/", f"Short link {i}") for i in range(max(0, n - REFRESH_ONLY), n - 1)]
        if n:
            links.append((f"/go-soon/{n - 1}/", f"Short link {n - 1}"))
        links += [(f"/go-later/{n}/", "Read it later"), ("/go-away/", "On our partner site")]
        teasers += "".join(f'<article class="teaser"><h2><a href="{href}">{text}</a></h2></article>\n'
                           for href, text in links)
        return self.page("Home", f"<h1>Latest</h1>\n{teasers}")

    def story(self, i: int) -> bytes:
        url = f"{self.base()}{story_path(i)}"
        published = story_time(i).isoformat()
        data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": story_title(i),
                "datePublished": published, "url": url, "author": [{"@type": "Person", "name": f"Reporter {i % 17}"}]}
        head = (f'<link rel="canonical" href="{url}"><meta property="og:type" content="article">'
                f'<meta property="og:title" content="{html.escape(story_title(i))}">'
                f'<meta property="article:published_time" content="{published}">'
                f'<script type="application/ld+json">{json.dumps(data)}</script>')
        words = story_words(i)
        paras = "".join(f"<p>Paragraph {k} of story {i}. The {words[k % 3]} was discussed at length by residents, "
                        f"officials and reporters, who asked what the {words[(k + 1) % 3]} means for the "
                        f"{words[(k + 2) % 3]} next year, and the answers were recorded here in full.</p>"
                        for k in range(5))
        main = (f'<article><h1>{html.escape(story_title(i))}</h1><p class="byline">By Reporter {i % 17}</p>'
                f'<time datetime="{published}">{story_day(i):%B %d, %Y}</time>{paras}</article>')
        return self.page(story_title(i), main, head)

    @staticmethod
    def stub(url: str, delay: int) -> bytes:
        return (f'<!DOCTYPE html>\n<html><head><meta http-equiv="refresh" content="{delay}; URL={html.escape(url)}">'
                f'</head><body></body></html>\n').encode()

    def feed(self) -> bytes:
        latest = list(reversed(self.site.listed))[:self.site.feed_items]
        items = "".join(f"<item><title>{html.escape(story_title(i))}</title><link>{self.base()}{story_path(i)}</link>"
                        f"<pubDate>{http_date(story_time(i))}</pubDate><guid>{self.base()}{story_path(i)}</guid></item>\n"
                        for i in latest)
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{SITE_NAME}</title>'
                f'<link>{self.base()}/</link><description>News</description>\n{items}</channel></rss>\n').encode()

    def sitemap_index(self) -> bytes:
        listed = self.site.listed
        files = "".join(f"<sitemap><loc>{self.base()}/sitemap-{k + 1}.xml</loc></sitemap>\n"
                        for k in range(-(-len(listed) // SITEMAP_SIZE)))
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/'
                f'sitemap/0.9">\n{files}</sitemapindex>\n').encode()

    def urlset(self, chunk: list[int]) -> bytes:
        urls = "".join(f"<url><loc>{self.base()}{story_path(i)}</loc><lastmod>{story_time(i).isoformat()}</lastmod></url>\n"
                       for i in chunk)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                f'{urls}</urlset>\n').encode()


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # a client that hung up (a crawl stopped) is no error
        pass


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.mocksite --layout bulk", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    ap.add_argument("--articles", type=int, default=1000, help="stories on the site (default 1000)")
    ap.add_argument("--feed-items", type=int, default=400, help="stories in /feed.xml (default 400; 0: no feed)")
    ap.add_argument("--log", help="append one JSON line per request to this file")
    ap.add_argument("--today", help="ignored (the other layouts' option)")
    ap.add_argument("--no-faults", action="store_true", help="ignored (this layout has no faults)")
    args = ap.parse_args(argv)
    site = Bulk(args.articles, args.feed_items, args.log)
    server = QuietServer((args.host, args.port), type("BoundHandler", (Handler,), {"site": site}))
    return serve(server, site, args.host)


if __name__ == "__main__":
    sys.exit(main())
