"""Three tiny local news sites rebuilt from public crawler bug reports, for issue 13's acceptance tests.

Standard library only (``http.server`` in a daemon thread, 127.0.0.1, port 0). Each is a context
manager; ``site.url`` has no trailing slash, ``site.requests()`` is the request log so far (dicts:
``t`` arrival time.time(), ``mono`` arrival time.monotonic(), ``method``, ``path`` (with query),
``status``, ``ua``, ``cookie`` (the Cookie header or None), ``article`` (slug on an article 200),
``tree_date`` ("YYYY" / "YYYY-MM" on archive pages)), ``site.articles`` the ground truth and
``site.expected(since, until)`` what a crawl of that range should archive.

* :class:`DateArchiveTrap`: a month archive that links the previous and next month forever
  (``/archive/2024/03/`` -> ``/archive/2024/02/`` and ``/archive/2024/04/``), answers 200 for ANY
  year (``/archive/1999/``), month and ``?page=N``, has stories only in some months of 2024
  (TRAP_MONTHS; April, June, September and November are empty), and whose home page links only
  the "current" month. Variants: ``DateArchiveTrap(**MIDDLE)`` enters at June, the middle of
  April-August, so the walk must go both ways across empty months; ``DateArchiveTrap(**NEWEST)``
  enters at March, the newest month of January-March, so the walk must go backwards (January
  has three stories: two pages). Each variant dict also names the crawl range (since, until).
* :class:`CrawlDelaySite`: robots.txt says ``Crawl-delay: 2`` (CRAWL_DELAY; 2 rather than the
  10 s of the bug reports to keep the test short), with four articles linked from the home page.
* :class:`SelfRedirectSite`: an article (CONSENT_PATH) that, without the ``consent=1`` cookie,
  answers ``302 Location: <the same URL>`` with ``Set-Cookie: consent=1; Path=/``, and with the
  cookie answers 200 (a cookie wall; Scrapy's duplicate filter drops such a redirect).
"""
from __future__ import annotations

import calendar
import datetime as dt
import html
import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

__all__ = ["Story", "DateArchiveTrap", "CrawlDelaySite", "SelfRedirectSite", "MIDDLE", "NEWEST",
           "TRAP_MONTHS", "CRAWL_DELAY", "CONSENT_PATH", "range_months"]

CRAWL_DELAY = 2
CONSENT_PATH = "/news/2024/05/14/council-delays-vote-on-harbor-lease.html"
TRAP_PER_PAGE = 2


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def range_months(since, until) -> set[str]:
    """The "YYYY-MM" months [since, until] touches."""
    since, until = _date(since), _date(until)
    out, (y, m) = set(), (since.year, since.month)
    while (y, m) <= (until.year, until.month):
        out.add(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


@dataclass(frozen=True)
class Story:
    slug: str
    date: dt.date
    title: str
    author: str
    paragraphs: tuple

    @property
    def path(self) -> str:
        return f"/news/{self.date:%Y/%m/%d}/{self.slug}.html"

    @property
    def published(self) -> str:
        return f"{self.date.isoformat()}T10:30:00+00:00"

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def _story(slug: str, date: dt.date, title: str, author: str, place: str) -> Story:
    paras = (f"{place.upper()} — {title}, officials said on {date:%A, %B} {date.day}, after a meeting that ran late "
             f"into the evening and drew residents from across the county.",
             f"The decision followed months of hearings. Supporters said the {slug.split('-')[1]} plan would save money "
             f"over a decade; opponents said the public had too little time to read the {date:%B} report.",
             f"\"We owe people a clear answer,\" said one member, who asked that the vote be recorded. A second "
             f"reading is expected next month, and the {place} board will publish the minutes within a week.",
             f"Reporting for this story was by {author}. Corrections may be sent to the newsroom.")
    return Story(slug, date, title, author, paras)


def page(title: str, main: str, head: str = "") -> bytes:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
{head}</head>
<body><header class="site-top"><a href="/">The Local Gazette</a></header>
<div class="content">
{main}
</div>
<footer class="bottom">© 2024 The Local Gazette</footer></body></html>
""".encode()


def article_page(base: str, s: Story, extra: str = "") -> bytes:
    url = base + s.path
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": s.title, "url": url,
            "datePublished": s.published, "dateModified": s.published,
            "author": [{"@type": "Person", "name": s.author}],
            "publisher": {"@type": "Organization", "name": "The Local Gazette"}}
    head = (f'<link rel="canonical" href="{url}">\n<meta property="og:type" content="article">\n'
            f'<meta property="og:title" content="{esc(s.title)}">\n<meta property="og:url" content="{url}">\n'
            f'<meta property="article:published_time" content="{s.published}">\n'
            f'<script type="application/ld+json">{json.dumps(data)}</script>\n')
    body = "\n".join(f"<p>{esc(p)}</p>" for p in s.paragraphs)
    main = (f'<div class="story-page"><h1 class="story-title">{esc(s.title)}</h1>\n'
            f'<p class="byline">By <span class="author">{esc(s.author)}</span></p>\n'
            f'<p class="dateline"><time datetime="{s.published}">{s.date:%B} {s.date.day}, {s.date.year}</time></p>\n'
            f'<div class="story-text">\n{body}\n</div>\n{extra}</div>')
    return page(s.title, main, head)


class Reply:
    def __init__(self, status=200, body=b"", ctype="text/html; charset=utf-8", headers=None, **log):
        self.status, self.body, self.ctype, self.headers, self.log = status, body, ctype, dict(headers or {}), log


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    site: "LocalSite" = None

    def log_message(self, format, *args):  # noqa: A002
        pass

    def do_GET(self):
        t, mono = time.time(), time.monotonic()
        try:
            reply = self.site.route(self, urlsplit(self.path))
        except Exception as exc:  # a fixture bug should show, not hang the crawl
            reply = Reply(500, f"fixture error: {exc!r}\n".encode(), "text/plain")
        self.site.record({"t": round(t, 4), "mono": mono, "method": self.command, "path": self.path,
                          "status": reply.status, "ua": self.headers.get("User-Agent"),
                          "cookie": self.headers.get("Cookie"), "article": None, "tree_date": None,
                          **reply.log})
        try:
            self.send_response(reply.status)
            if reply.ctype:
                self.send_header("Content-Type", reply.ctype)
            for k, v in reply.headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_HEAD = do_GET


class LocalSite:
    """Base: a ThreadingHTTPServer on 127.0.0.1:0 in a daemon thread, with a request log."""

    robots = "User-agent: *\nDisallow:\n"
    articles: list[Story] = []

    def __init__(self):
        self.url: str | None = None
        self._log: list[dict] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self):
        handler = type("Bound", (_Handler,), {"site": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def record(self, entry: dict):
        with self._lock:
            self._log.append(entry)

    def requests(self) -> list[dict]:
        with self._lock:
            return list(self._log)

    def expected(self, since, until) -> list[Story]:
        since, until = _date(since), _date(until)
        return [s for s in self.articles if since <= s.date <= until]

    def base(self, handler) -> str:
        return f"http://{handler.headers.get('Host') or self.url.split('//', 1)[1]}"

    def route(self, handler, parts) -> Reply:
        if parts.path == "/robots.txt":
            return Reply(200, self.robots.encode(), "text/plain; charset=utf-8")
        for s in self.articles:
            if parts.path == s.path:
                return self.article(handler, s)
        return self.more(handler, parts) or Reply(404, page("Not found", "<h1>Not found</h1>"))

    def article(self, handler, s: Story) -> Reply:
        return Reply(200, article_page(self.base(handler), s), article=s.slug)

    def more(self, handler, parts) -> Reply | None:
        return None


# ---- 1. the endless date archive -----------------------------------------------------------------
_PLACES = ("Harbor", "Riverside", "Millbrook", "Easton", "Cedar Falls", "Lakeview", "Northgate", "Ashford")
TRAP_MONTHS = {1: (8, 17, 24), 2: (6, 20), 3: (12,), 5: (3, 21), 7: (9, 30), 8: (14,), 10: (2,), 12: (11,)}
_TOPICS = ("school budget", "bridge repair", "library hours", "zoning appeal", "water rate", "park levy",
           "bus route", "police contract", "landfill permit", "ferry subsidy", "tax abatement", "fire station",
           "housing plan", "snow removal")


def _trap_stories() -> list[Story]:
    out, i = [], 0
    for month, days in TRAP_MONTHS.items():
        for day in days:
            topic = _TOPICS[i % len(_TOPICS)]
            place = _PLACES[i % len(_PLACES)]
            date = dt.date(2024, month, day)
            slug = f"{place.lower().replace(' ', '-')}-{topic.replace(' ', '-')}-vote"
            out.append(_story(slug, date, f"{place} council settles {topic} dispute", "Ruth Calloway", place))
            i += 1
    return out


MIDDLE = {"current": "2024-06", "since": "2024-04-01", "until": "2024-08-31"}
NEWEST = {"current": "2024-03", "since": "2024-01-01", "until": "2024-03-31"}


class DateArchiveTrap(LocalSite):
    """An archive of months linking each other forever; the home page links only ``current``.

    current   "YYYY-MM" the home page links (MIDDLE / NEWEST also carry the crawl's since/until)
    """

    robots = "User-agent: *\nDisallow: /admin/\n"

    def __init__(self, current: str = MIDDLE["current"], since=None, until=None):
        super().__init__()
        self.current = tuple(int(x) for x in current.split("-"))
        self.since, self.until = since, until
        self.articles = _trap_stories()

    def months_requested(self) -> set[str]:
        return {e["tree_date"] for e in self.requests() if e["tree_date"] and len(e["tree_date"]) == 7}

    def years_requested(self) -> set[str]:
        return {e["tree_date"][:4] for e in self.requests() if e["tree_date"]}

    def more(self, handler, parts) -> Reply | None:
        query = parse_qs(parts.query)
        if parts.path == "/":
            y, m = self.current
            main = (f'<h1>The Local Gazette</h1>\n<p class="this-month"><a href="/archive/{y}/{m:02d}/">'
                    f'This month: {calendar.month_name[m]} {y}</a></p>')
            return Reply(200, page("The Local Gazette", main))
        m = re.fullmatch(r"/archive/(\d{4})/", parts.path)
        if m:
            y = int(m.group(1))
            months = "".join(f'<li><a href="/archive/{y}/{n:02d}/">{calendar.month_name[n]} {y}</a></li>'
                             for n in range(1, 13))
            main = (f'<h1>{y}</h1><ul class="months">{months}</ul>'
                    f'<p><a href="/archive/{y - 1}/">‹ {y - 1}</a> <a href="/archive/{y + 1}/">{y + 1} ›</a></p>')
            return Reply(200, page(str(y), main), tree_date=f"{y}")
        m = re.fullmatch(r"/archive/(\d{4})/(\d{2})/", parts.path)
        if m and 1 <= int(m.group(2)) <= 12:
            y, mo = int(m.group(1)), int(m.group(2))
            raw = query.get("page", ["1"])[0]
            n = int(raw) if raw.isdigit() and int(raw) > 0 else 1
            mine = [s for s in self.articles if (s.date.year, s.date.month) == (y, mo)]
            shown = mine[(n - 1) * TRAP_PER_PAGE:n * TRAP_PER_PAGE]
            items = "".join(f'<li class="item"><a href="{s.path}">{esc(s.title)}</a> '
                            f'<span class="when">{s.date:%B} {s.date.day}, {s.date.year}</span></li>' for s in shown)
            more = (f'<a class="next" href="/archive/{y}/{mo:02d}/?page={n + 1}">Next page</a>'
                    if n * TRAP_PER_PAGE < len(mine) else "")
            prev_y, prev_m = (y - 1, 12) if mo == 1 else (y, mo - 1)
            next_y, next_m = (y + 1, 1) if mo == 12 else (y, mo + 1)
            main = (f'<h1>{calendar.month_name[mo]} {y}</h1>\n<ul class="items">{items or "<li>No stories.</li>"}</ul>'
                    f'<p>{more}</p>\n<p class="months-nav">'
                    f'<a href="/archive/{prev_y}/{prev_m:02d}/">‹ {calendar.month_name[prev_m]} {prev_y}</a> '
                    f'<a href="/archive/{y}/">{y}</a> '
                    f'<a href="/archive/{next_y}/{next_m:02d}/">{calendar.month_name[next_m]} {next_y} ›</a></p>')
            return Reply(200, page(f"{calendar.month_name[mo]} {y}", main), tree_date=f"{y}-{mo:02d}")
        return None

    def article(self, handler, s: Story) -> Reply:
        back = f'<p class="more"><a href="/archive/{s.date:%Y/%m}/">More from {s.date:%B %Y}</a></p>'
        return Reply(200, article_page(self.base(handler), s, back), article=s.slug)


# ---- 2. robots.txt Crawl-delay -------------------------------------------------------------------
class CrawlDelaySite(LocalSite):
    """robots.txt with ``Crawl-delay: 2``; a home page linking four articles of May 2024."""

    robots = f"User-agent: *\nCrawl-delay: {CRAWL_DELAY}\nDisallow: /admin/\n"

    def __init__(self):
        super().__init__()
        self.articles = [_story(f"{p.lower().replace(' ', '-')}-{t.replace(' ', '-')}-plan", dt.date(2024, 5, d),
                                f"{p} board adopts {t} plan", "Owen Marsh", p)
                         for p, t, d in (("Easton", "storm drain", 6), ("Lakeview", "marina", 7),
                                         ("Northgate", "curbside compost", 8), ("Ashford", "crosswalk", 9))]

    def gaps_after_robots(self) -> list[float]:
        """Seconds between consecutive requests after the first robots.txt request (in arrival order)."""
        log = sorted(self.requests(), key=lambda e: e["mono"])
        first = next((i for i, e in enumerate(log) if e["path"] == "/robots.txt"), None)
        if first is None:
            return []
        after = log[first + 1:]
        return [b["mono"] - a["mono"] for a, b in zip(after, after[1:])]

    def more(self, handler, parts) -> Reply | None:
        if parts.path == "/":
            items = "".join(f'<li><a href="{s.path}">{esc(s.title)}</a></li>' for s in self.articles)
            return Reply(200, page("The Local Gazette", f"<h1>Latest</h1><ul>{items}</ul>"))
        return None


# ---- 3. a redirect to the same URL ---------------------------------------------------------------
class SelfRedirectSite(LocalSite):
    """A cookie wall: CONSENT_PATH answers 302 to itself with Set-Cookie until the cookie comes back."""

    def __init__(self):
        super().__init__()
        self.articles = [_story("council-delays-vote-on-harbor-lease", dt.date(2024, 5, 14),
                                "Council delays vote on harbor lease", "Ines Varga", "Harbor"),
                         _story("easton-library-extends-hours", dt.date(2024, 5, 15),
                                "Easton library extends weekend hours", "Ines Varga", "Easton")]
        assert self.articles[0].path == CONSENT_PATH

    @property
    def consent_url(self) -> str:
        return self.url + CONSENT_PATH

    def article(self, handler, s: Story) -> Reply:
        if s.path == CONSENT_PATH and "consent=1" not in (handler.headers.get("Cookie") or ""):
            return Reply(302, b"", None, headers={"Location": self.base(handler) + CONSENT_PATH,
                                                  "Set-Cookie": "consent=1; Path=/"})
        return super().article(handler, s)

    def more(self, handler, parts) -> Reply | None:
        if parts.path == "/":
            items = "".join(f'<li><a href="{s.path}">{esc(s.title)}</a></li>' for s in self.articles)
            return Reply(200, page("The Local Gazette", f"<h1>Latest</h1><ul>{items}</ul>"))
        return None
