"""The mock news site's second layout: a non-WordPress news CMS (``python -m tests.mocksite --layout cms``).

Same articles, dates, texts, authors and ground truth as the WordPress layout (``content.ARTICLES``,
``MockSite.expected()``); only the URLs, templates and discovery surfaces differ. Standard library only.

  /                                   front page: latest 10 story cards, a <nav> of the sections and
                                      "Archive"; EVERY link on it carries ?sid=<random> (a new one per
                                      view), and a page requested with a sid repeats it on its own links
                                      (PHP's trans_sid): the crawler must strip ``sid``
  /archive/                           "Browse by date": the years that have stories
  /archive/YYYY/                      the year's months with stories, "previous year"/"next year";
                                      ANY year 1000-9999 answers 200 (empty years list no months)
  /archive/YYYY/MM/                   the month's days with stories, "previous month"/"next month"
                                      (any month of any year answers 200)
  /archive/YYYY/MM/DD/[?page=N]       the day's story cards, 2 a page, "Next ›" (rel=next, also a
                                      <link rel="next">), "previous day"/"next day"; every page
                                      number answers 200 (past the last: no cards)
  /news/<section>/[?page=N]           section listing (sections = content.CATEGORIES, an article is in
                                      each of its categories), newest first, 3 a page, "Older stories"
                                      link (no rel=next); every page links its ?sort=oldest twin (a trap)
  /news/<section>/YYYY/MM/DD/<slug>.html   the article (section = its first category): og:type=article,
                                      JSON-LD NewsArticle with datePublished, <time datetime>, a byline
  /sitemap.xml.gz                     gzip sitemap index (named in robots.txt, application/x-gzip) of
                                      /sitemaps/YYYY-MM.xml.gz from SITEMAP_START to today's month, but
                                      every fourth month is missing (MISSING_SITEMAP_MONTHS, among them
                                      2024-03, the fortnight's month; their files answer 404)
  /feeds/latest.atom                  Atom 1.0, latest 10 (linked from every page's <head>)
  /feeds/latest.rdf                   RSS 1.0 (RDF), latest 10
  /robots.txt                         disallows /search, /private/, /__mock/
  /assets/css/site.css, /assets/img/logo.png   the two page requisites (fixed Last-Modified)

The listings show deleted articles (their page is 404) and the out-of-fortnight one (2024-02-05)
like any other: this CMS has no "hidden" stories. Faults (429/503 first hit, chunked, slow),
conditional GET (ETag / Last-Modified / 304), gzip and the /__mock/ controls are the WordPress
layout's (server.Handler). No /wp-content/, no generator meta, no WordPress class names.

The request log has the WordPress layout's fields, plus:
  "trap"       "sort" for a ?sort= request, "sid" for one still carrying sid (sort wins), else false
  "tree_date"  on /archive/ tree pages: "YYYY", "YYYY-MM" or "YYYY-MM-DD" (null on /archive/ itself
               and everything else); see tree_outside()
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import re
import secrets
import sys
import threading
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from . import content, requisites
from .content import ARTICLES, BY_SLUG, SITE_NAME, category_slug
from .server import (SITE_EPOCH, Handler, Response, Site, day_start, esc, http_date, long_date,
                     newest_first, page_slice, serve, short_date, w3c)

DAY_PER_PAGE = 2
SECTION_PER_PAGE = 3
FRONT_COUNT = 10
FEED_COUNT = 10
SITEMAP_START = (2023, 4)          # the CMS went live in April 2023; older months have no sitemap
STYLESHEET = "/assets/css/site.css"
LOGO = "/assets/img/logo.png"
CMS_REQUISITES = (STYLESHEET, LOGO)
SECTIONS = {slug: name for name, slug in content.CATEGORIES.items()}
CSS = (b"body{font-family:Georgia,serif;background:#f5f1e8}.headline a{color:#1a237e}"
       b".masthead{background:url(../img/logo.png) no-repeat}\n")


# ---- URLs and ground truth for tests -----------------------------------------------------------
def section_of(a) -> str:
    """The section an article lives under: its first category's slug."""
    return category_slug(a.categories[0])


def article_path(a) -> str:
    """``/news/<section>/YYYY/MM/DD/<slug>.html``."""
    return f"/news/{section_of(a)}/{a.date:%Y/%m/%d}/{a.slug}.html"


BY_PATH = {article_path(a): a for a in ARTICLES}


def months_between(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    out, (y, m) = [], first
    while (y, m) <= last:
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def sitemap_months(today: dt.date) -> list[tuple[int, int]]:
    """Every month the CMS has a sitemap slot for, SITEMAP_START to today's month."""
    return months_between(SITEMAP_START, (today.year, today.month))


def sitemap_missing(year: int, month: int) -> bool:
    """Every fourth month of the range (2023-07, 2023-11, 2024-03, ...) is not in the index."""
    index = (year - SITEMAP_START[0]) * 12 + month - SITEMAP_START[1]
    return index % 4 == 3


MISSING_SITEMAP_MONTHS = [f"{y}-{m:02d}" for y, m in months_between(SITEMAP_START, (2024, 12))
                          if sitemap_missing(y, m)]

_TREE = re.compile(r"/archive/(\d{4})/(?:(\d{2})/(?:(\d{2})/)?)?")


def tree_date_of(path: str) -> str | None:
    """"YYYY", "YYYY-MM" or "YYYY-MM-DD" for an /archive/ tree path (query ignored), else None."""
    m = _TREE.fullmatch(urlsplit(path).path)
    return "-".join(g for g in m.groups() if g) if m else None


def tree_outside(tree_date: str | None, since, until) -> bool:
    """Whether a tree page (its "tree_date") lies outside the branch of [since, until]: a year, month
    or day none of whose days is in the range. The root (/archive/, None) is never outside."""
    if not tree_date:
        return False
    since, until = (d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)) for d in (since, until))
    bits = [int(b) for b in tree_date.split("-")]
    if len(bits) == 3:
        return not since <= dt.date(*bits) <= until
    if len(bits) == 2:
        return not (since.year, since.month) <= tuple(bits) <= (until.year, until.month)
    return not since.year <= bits[0] <= until.year


# ---- site state ---------------------------------------------------------------------------------
class CmsSite(Site):
    """Site with the cms log fields: the handler leaves them in a thread-local before delivering."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.local = threading.local()

    def write_log(self, entry: dict):
        entry.update(getattr(self.local, "extra", {}))
        super().write_log(entry)

    def listed(self):
        """Listings, tree, front: everything published by today, deleted ones too."""
        return newest_first(self.visible())

    def live(self):
        return [a for a in self.listed() if not a.deleted]


# ---- rendering ----------------------------------------------------------------------------------
class CmsRenderer:
    def __init__(self, site: CmsSite, base: str, sid: str | None = None):
        self.site, self.base, self.today, self.sid = site, base, site.today, sid

    def url(self, path: str, **params) -> str:
        """An absolute link; with the session's sid when this page has one."""
        query = {k: v for k, v in params.items() if v is not None}
        if self.sid:
            query["sid"] = self.sid
        return self.base + path + ("?" + urlencode(query) if query else "")

    def clean(self, path: str) -> str:
        return self.base + path

    def byline(self, a) -> str:
        names = [f'<span class="author">{esc(n)}</span>' for n in a.authors]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    def card(self, a) -> str:
        return (f'<div class="story-card"><h3 class="headline"><a href="{esc(self.url(article_path(a)))}">'
                f'{esc(a.title)}</a></h3><span class="dateline">{short_date(a.date)}</span> '
                f'<span class="kicker">{esc(a.categories[0])}</span>'
                f'<p class="standfirst">{esc(a.dek)}</p></div>\n')

    def layout(self, title: str, main: str, head: str = "", kind: str = "listing",
               charset: str = "utf-8") -> str:
        meta_charset = ('<meta charset="utf-8">' if charset == "utf-8" else
                        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">')
        nav = "".join(f'<li><a href="{esc(self.url("/news/" + s + "/"))}">{esc(n)}</a></li>'
                      for s, n in SECTIONS.items())
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
{meta_charset}
<title>{esc(title)} — {SITE_NAME}</title>
<meta name="viewport" content="width=device-width">
<link rel="stylesheet" href="{STYLESHEET}">
<link rel="alternate" type="application/atom+xml" title="Latest stories (Atom)" href="{self.clean('/feeds/latest.atom')}">
<link rel="alternate" type="application/rdf+xml" title="Latest stories (RSS 1.0)" href="{self.clean('/feeds/latest.rdf')}">
{head}</head>
<body class="cms cms-{kind}">
<div class="masthead"><a class="brand" href="{esc(self.url('/'))}"><img src="{LOGO}" alt="{SITE_NAME}" width="300" height="60"></a>
<span class="edition-date">{long_date(self.today)}</span></div>
<nav class="sections" aria-label="Sections"><ul>{nav}<li class="archive-link"><a href="{esc(self.url('/archive/'))}">Archive</a></li></ul></nav>
<form class="site-search" action="/search" method="get"><input type="text" name="q"><button>Search</button></form>
<div class="page-body">
{main}
</div>
<div class="colophon"><a href="/search?q=court">Search stories</a> · <a href="/private/newsroom/">Newsroom login</a> ·
<a href="{self.clean('/feeds/latest.atom')}">Atom</a> · <a href="{self.clean('/feeds/latest.rdf')}">RSS 1.0</a>
<p>© 2024 {SITE_NAME}</p></div>
</body>
</html>
"""

    def article(self, a) -> bytes:
        url = self.clean(article_path(a))
        modified = a.modified(self.today)
        data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": a.title,
                "description": a.dek, "url": url, "mainEntityOfPage": url,
                "datePublished": a.published, "dateModified": modified,
                "author": [{"@type": "Person", "name": n} for n in a.authors],
                "publisher": {"@type": "Organization", "name": SITE_NAME, "url": self.clean("/")},
                "articleSection": a.categories[0], "keywords": list(a.tags), "inLanguage": "en"}
        head = (f'<link rel="canonical" href="{url}">\n'
                f'<meta name="description" content="{esc(a.dek)}">\n'
                '<meta property="og:type" content="article">\n'
                f'<meta property="og:title" content="{esc(a.title)}">\n'
                f'<meta property="og:url" content="{url}">\n'
                f'<meta property="og:site_name" content="{SITE_NAME}">\n'
                f'<meta property="article:published_time" content="{a.published}">\n'
                f'<meta property="article:modified_time" content="{modified}">\n'
                f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>\n')
        body = "\n".join(f"<p>{esc(p)}</p>" for p in a.paragraphs)
        if a.is_revised(self.today):
            body += f'\n<p class="correction"><em>{esc(a.update)}</em></p>'
        related = [b for b in newest_first(ARTICLES) if b is not a and not b.deleted
                   and section_of(b) == section_of(a) and b.published_dt < a.published_dt][:3]
        rel = "".join(f'<li><a href="{esc(self.url(article_path(b)))}">{esc(b.title)}</a></li>' for b in related)
        main = (f'<div class="story" id="story-{a.number}">\n'
                f'<p class="section-label"><a href="{esc(self.url("/news/" + section_of(a) + "/"))}">'
                f'{esc(a.categories[0])}</a></p>\n'
                f'<h1 class="story-headline">{esc(a.title)}</h1>\n<p class="standfirst">{esc(a.dek)}</p>\n'
                f'<p class="story-byline">By {self.byline(a)}</p>\n'
                f'<p class="story-dateline"><time datetime="{a.published}">{short_date(a.date)}</time></p>\n'
                f'<div class="story-body">\n{body}\n</div>\n'
                f'<p class="story-topics">Topics: {esc(", ".join(a.tags))}</p>\n'
                f'<p class="story-archive"><a href="{esc(self.url(f"/archive/{a.date:%Y/%m/%d}/"))}">'
                f'More from {short_date(a.date)}</a></p>\n</div>\n'
                f'<aside class="related-stories"><h2>Earlier in {esc(a.categories[0])}</h2><ul>{rel}</ul></aside>')
        page = self.layout(a.title, main, head=head, kind="story", charset=a.charset)
        return page.encode(a.charset, "xmlcharrefreplace")


# ---- HTTP ---------------------------------------------------------------------------------------
class CmsHandler(Handler):
    server_version = "MockLedgerCMS/2.3"
    site: CmsSite = None

    def deliver(self, r: Response, started: float):
        self.site.local.extra = {"tree_date": getattr(r, "tree_date", None)}
        super().deliver(r, started)

    def not_found(self, r: CmsRenderer) -> Response:
        main = '<h1 class="error">Page not found</h1><p>The story you were looking for is not here.</p>'
        return Response(404, r.layout("Not found", main, kind="error").encode())

    def route(self) -> Response:
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        if path.startswith("/__mock/"):
            return self.control(path, query)
        sid = query.get("sid", [None])[0]
        r = CmsRenderer(self.site, self.base(), sid=sid)
        resp = self.route_cms(r, path, query)
        if not resp.trap and "sid" in query:
            resp.trap = "sid"
        return resp

    def route_cms(self, r: CmsRenderer, path: str, query: dict) -> Response:
        site = self.site
        if path == "/robots.txt":
            text = (f"User-agent: *\nDisallow: /search\nDisallow: /private/\nDisallow: /__mock/\n\n"
                    f"Sitemap: {r.clean('/sitemap.xml.gz')}\n")
            return Response(200, text.encode(), "text/plain; charset=utf-8")
        if path == "/search" or path.startswith("/search/") or path.startswith("/private/"):
            return self.page(r.layout("Restricted", "<h1>Search</h1><p>Nothing matched.</p>"),
                             robots_violation=True)
        if path in CMS_REQUISITES:
            body, ctype = (CSS, "text/css") if path == STYLESHEET else (requisites.make_png(300, 60, (26, 35, 126)),
                                                                       "image/png")
            return Response(200, body, ctype, headers={"Cache-Control": requisites.CACHE_CONTROL},
                            modified=requisites.THEME_MODIFIED, compressible=path == STYLESHEET, requisite=True)
        if path == "/":
            return self.front()
        if path == "/feeds/latest.atom":
            return self.atom(r)
        if path == "/feeds/latest.rdf":
            return self.rdf(r)
        if path == "/sitemap.xml.gz":
            return self.sitemap_index(r)
        m = re.fullmatch(r"/sitemaps/(\d{4})-(\d{2})\.xml\.gz", path)
        if m:
            return self.sitemap_month(r, int(m.group(1)), int(m.group(2)))
        if path == "/archive/":
            return self.tree_root(r)
        m = _TREE.fullmatch(path)
        if m:
            resp = self.tree(r, *(int(g) if g else None for g in m.groups()), page=self.page_no(query))
            resp.tree_date = tree_date_of(path)
            return resp
        m = re.fullmatch(r"/news/([a-z0-9-]+)/", path)
        if m and m.group(1) in SECTIONS:
            return self.section(r, m.group(1), self.page_no(query), query.get("sort", [None])[0])
        a = BY_PATH.get(path)
        if a is not None:
            return self.article(r, a)
        return self.not_found(r)

    @staticmethod
    def page_no(query: dict) -> int:
        raw = query.get("page", ["1"])[0]
        return int(raw) if raw.isdigit() and 0 < int(raw) < 100000 else 0

    # -- pages --------------------------------------------------------------------------------
    def front(self) -> Response:
        r = CmsRenderer(self.site, self.base(), sid=secrets.token_hex(8))   # a fresh session
        latest = self.site.listed()[:FRONT_COUNT]
        main = ('<h1 class="front-title">Latest stories</h1>\n<div class="story-list">\n'
                + "".join(r.card(a) for a in latest) + '</div>\n'
                f'<p class="browse"><a href="{esc(r.url("/archive/"))}">Browse by date</a></p>')
        return self.page(r.layout("Home", main, kind="front"), latest)

    def article(self, r: CmsRenderer, a) -> Response:
        site = self.site
        if a.date > site.today or a.deleted:
            return self.not_found(r)
        fault = site.fault(a)
        if fault in ("429", "503") and site.first_request(a.slug):
            if fault == "429":
                return Response(429, b"Too Many Requests\n", "text/plain; charset=utf-8", headers={"Retry-After": "1"})
            return Response(503, b"Service Temporarily Unavailable\n", "text/plain; charset=utf-8")
        ctype = "text/html" if a.charset != "utf-8" else "text/html; charset=utf-8"
        resp = Response(200, r.article(a), ctype, modified=a.modified_dt(site.today), article=a.slug)
        resp.chunked = fault == "chunked"
        resp.slow = fault == "slow"
        return resp

    def tree_root(self, r: CmsRenderer) -> Response:
        listed = self.site.listed()
        years = sorted({a.date.year for a in listed}, reverse=True)
        items = "".join(f'<li><a href="{esc(r.url(f"/archive/{y}/"))}">{y}</a></li>' for y in years)
        main = f'<h1 class="archive-title">Browse by date</h1>\n<ul class="archive-years">{items}</ul>'
        return self.page(r.layout("Archive", main, kind="archive"), listed)

    def tree(self, r: CmsRenderer, year: int, month: int | None, day: int | None, page: int) -> Response:
        try:
            first = dt.date(year, month or 1, day or 1)
        except ValueError:
            return self.not_found(r)
        if page < 1 or year < 1000:
            return self.not_found(r)
        listed = self.site.listed()
        if month is None:
            mine = [a for a in listed if a.date.year == year]
            months = sorted({a.date.month for a in mine})
            items = "".join(f'<li><a href="{esc(r.url(f"/archive/{year}/{mo:02d}/"))}">'
                            f'{dt.date(year, mo, 1):%B %Y}</a></li>' for mo in months)
            nav = (f'<a class="prev-year" href="{esc(r.url(f"/archive/{year - 1}/"))}">‹ previous year</a> '
                   f'<a class="next-year" href="{esc(r.url(f"/archive/{year + 1}/"))}">next year ›</a>')
            main = f'<h1 class="archive-title">{year}</h1>\n<ul class="archive-months">{items}</ul>\n<p class="tree-nav">{nav}</p>'
            return self.page(r.layout(str(year), main, kind="archive"), mine)
        if day is None:
            mine = [a for a in listed if (a.date.year, a.date.month) == (year, month)]
            days = sorted({a.date for a in mine})
            prev_m = first - dt.timedelta(days=1)
            next_m = (first + dt.timedelta(days=32)).replace(day=1)
            items = "".join(f'<li><a href="{esc(r.url(f"/archive/{d:%Y/%m/%d}/"))}">{long_date(d)}</a></li>'
                            for d in days)
            nav = (f'<a class="prev-month" href="{esc(r.url(f"/archive/{prev_m:%Y/%m}/"))}">‹ {prev_m:%B %Y}</a> '
                   f'<a class="up" href="{esc(r.url(f"/archive/{year}/"))}">{year}</a> '
                   f'<a class="next-month" href="{esc(r.url(f"/archive/{next_m:%Y/%m}/"))}">{next_m:%B %Y} ›</a>')
            main = (f'<h1 class="archive-title">{first:%B %Y}</h1>\n<ul class="archive-days">{items}</ul>\n'
                    f'<p class="tree-nav">{nav}</p>')
            return self.page(r.layout(f"{first:%B %Y}", main, kind="archive"), mine)
        mine = [a for a in listed if a.date == first]
        shown, pages = page_slice(mine, page, DAY_PER_PAGE)
        base = f"/archive/{first:%Y/%m/%d}/"
        head, links = "", []
        if page > 1:
            prev_href = esc(r.url(base, page=page - 1 if page > 2 else None))
            head += f'<link rel="prev" href="{prev_href}">\n'
            links.append(f'<a class="prev-page" rel="prev" href="{prev_href}">‹ Previous</a>')
        if page < pages:
            next_href = esc(r.url(base, page=page + 1))
            head += f'<link rel="next" href="{next_href}">\n'
            links.append(f'<a class="next-page" rel="next" href="{next_href}">Next ›</a>')
        yesterday, tomorrow = first - dt.timedelta(days=1), first + dt.timedelta(days=1)
        cards = "".join(r.card(a) for a in shown) or '<p class="empty">No more stories.</p>'
        main = (f'<h1 class="archive-title">{long_date(first)}</h1>\n<div class="story-list">\n{cards}</div>\n'
                f'<p class="pager">{" ".join(links)}</p>\n<p class="tree-nav">'
                f'<a class="prev-day" href="{esc(r.url(f"/archive/{yesterday:%Y/%m/%d}/"))}">‹ {short_date(yesterday)}</a> '
                f'<a class="up" href="{esc(r.url(f"/archive/{first:%Y/%m}/"))}">{first:%B %Y}</a> '
                f'<a class="next-day" href="{esc(r.url(f"/archive/{tomorrow:%Y/%m/%d}/"))}">{short_date(tomorrow)} ›</a></p>')
        return self.page(r.layout(long_date(first), main, head=head, kind="archive"), shown)

    def section(self, r: CmsRenderer, slug: str, page: int, sort: str | None) -> Response:
        mine = [a for a in self.site.listed() if slug in {category_slug(c) for c in a.categories}]
        if sort == "oldest":
            mine = mine[::-1]
        shown, pages = page_slice(mine, page, SECTION_PER_PAGE) if page else ([], 0)
        if not shown:
            resp = self.not_found(r)
        else:
            base = f"/news/{slug}/"
            links = []
            if page > 1:
                links.append(f'<a class="newer" href="{esc(r.url(base, sort=sort, page=page - 1 if page > 2 else None))}">'
                             'Newer stories</a>')
            if page < pages:
                links.append(f'<a class="older" href="{esc(r.url(base, sort=sort, page=page + 1))}">Older stories</a>')
            main = (f'<h1 class="section-title">{esc(SECTIONS[slug])}</h1>\n'
                    f'<p class="sorting">Sort: <a href="{esc(r.url(base))}">Newest first</a> | '
                    f'<a href="{esc(r.url(base, sort="oldest"))}">Oldest first</a></p>\n'
                    f'<div class="story-list">\n{"".join(r.card(a) for a in shown)}</div>\n'
                    f'<p class="pager">{" ".join(links)}</p>')
            resp = self.page(r.layout(SECTIONS[slug], main, kind="section"), mine)
        if sort is not None:
            resp.trap = "sort"
        return resp

    # -- feeds and sitemaps -------------------------------------------------------------------
    def atom(self, r: CmsRenderer) -> Response:
        latest = self.site.live()[:FEED_COUNT]
        today = self.site.today
        updated = max([a.modified_dt(today) for a in latest], default=SITE_EPOCH)
        entries = "".join(
            f'<entry><title>{esc(a.title)}</title><link rel="alternate" type="text/html" href="{r.clean(article_path(a))}"/>'
            f'<id>tag:mock-ledger,2024:story-{a.number}</id><published>{w3c(a.published_dt)}</published>'
            f'<updated>{w3c(a.modified_dt(today))}</updated>'
            + "".join(f"<author><name>{esc(n)}</name></author>" for n in a.authors)
            + f'<category term="{esc(a.categories[0])}"/><summary>{esc(a.dek)}</summary></entry>\n' for a in latest)
        xml = ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
               f'<title>{SITE_NAME}: latest stories</title><id>{r.clean("/")}</id><updated>{w3c(updated)}</updated>'
               f'<link rel="self" href="{r.clean("/feeds/latest.atom")}"/><link rel="alternate" href="{r.clean("/")}"/>\n'
               f'{entries}</feed>\n')
        return Response(200, xml.encode(), "application/atom+xml; charset=utf-8", modified=updated)

    def rdf(self, r: CmsRenderer) -> Response:
        """RSS 1.0 (https://web.resource.org/rss/1.0/spec) with Dublin Core dates and creators."""
        latest = self.site.live()[:FEED_COUNT]
        today = self.site.today
        updated = max([a.modified_dt(today) for a in latest], default=SITE_EPOCH)
        seq = "".join(f'<rdf:li rdf:resource="{r.clean(article_path(a))}"/>' for a in latest)
        items = "".join(
            f'<item rdf:about="{r.clean(article_path(a))}"><title>{esc(a.title)}</title>'
            f'<link>{r.clean(article_path(a))}</link><description>{esc(a.dek)}</description>'
            f'<dc:date>{w3c(a.published_dt)}</dc:date>'
            + "".join(f"<dc:creator>{esc(n)}</dc:creator>" for n in a.authors) + "</item>\n" for a in latest)
        xml = ('<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
               'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
               f'<channel rdf:about="{r.clean("/feeds/latest.rdf")}"><title>{SITE_NAME}</title>'
               f'<link>{r.clean("/")}</link><description>Latest stories</description>'
               f'<dc:date>{w3c(updated)}</dc:date><items><rdf:Seq>{seq}</rdf:Seq></items></channel>\n'
               f'{items}</rdf:RDF>\n')
        return Response(200, xml.encode(), "application/rdf+xml; charset=utf-8", modified=updated)

    def month_articles(self, year: int, month: int):
        return sorted((a for a in self.site.live() if (a.date.year, a.date.month) == (year, month)),
                      key=lambda a: a.published_dt)

    def sitemap_index(self, r: CmsRenderer) -> Response:
        today = self.site.today
        entries = []
        for y, m in sitemap_months(today):
            if sitemap_missing(y, m):
                continue
            mine = self.month_articles(y, m)
            lastmod = f"<lastmod>{w3c(max(a.modified_dt(today) for a in mine))}</lastmod>" if mine else ""
            entries.append(f"<sitemap><loc>{r.clean(f'/sitemaps/{y}-{m:02d}.xml.gz')}</loc>{lastmod}</sitemap>")
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
               + "\n".join(entries) + "\n</sitemapindex>\n")
        modified = max([a.modified_dt(today) for a in self.site.live()], default=SITE_EPOCH)
        return Response(200, gzip.compress(xml.encode(), 9, mtime=0), "application/x-gzip", modified=modified,
                        compressible=False)

    def sitemap_month(self, r: CmsRenderer, year: int, month: int) -> Response:
        today = self.site.today
        if (year, month) not in sitemap_months(today) or sitemap_missing(year, month):
            return self.not_found(r)
        mine = self.month_articles(year, month)
        urls = "".join(f"<url><loc>{r.clean(article_path(a))}</loc><lastmod>{w3c(a.modified_dt(today))}</lastmod></url>\n"
                       for a in mine)
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
               f'{urls}</urlset>\n')
        modified = max([a.modified_dt(today) for a in mine], default=day_start(dt.date(year, month, 1)))
        return Response(200, gzip.compress(xml.encode(), 9, mtime=0), "application/x-gzip", modified=modified,
                        compressible=False)


# ---- entry point --------------------------------------------------------------------------------
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.mocksite --layout cms", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    ap.add_argument("--today", type=dt.date.fromisoformat, default=content.DEFAULT_TODAY)
    ap.add_argument("--log", help="append one JSON line per request to this file")
    ap.add_argument("--no-faults", dest="faults", action="store_false")
    args = ap.parse_args(argv)

    site = CmsSite(args.today, args.faults, args.log)
    server = ThreadingHTTPServer((args.host, args.port), type("BoundCmsHandler", (CmsHandler,), {"site": site}))
    server.daemon_threads = True
    return serve(server, site, args.host)


if __name__ == "__main__":
    sys.exit(main())
