"""A small mock news site imitating a WordPress publisher such as Courthouse News Service.

Standard library only. Serves the articles of ``content.py`` under the WordPress URL layout:

  /                                front page: "Weekday, Month D, YYYY | Back issues" top bar, latest teasers
  /back-issues/  (/page/N/)        daily newsletter editions, newest first, 4 a page
  /top-8-today-M-D-YYYY/           one day's edition, teasers under <h2 class="section"> headings
  /YYYY/MM/DD/  (/page/N/)         date archive, 3 a page, a court-filing PDF link, a calendar widget
  /YYYY/MM/  (/page/N/)            month archive, 3 a page
  /category|author|tag/<slug>/     listings, 3 a page
  /<slug>/, /<slug>/amp/           article and its AMP twin (canonical -> slug)
  /feed/                           RSS 2.0 (https://www.rssboard.org/rss-specification), latest 10
  /atom.xml                        Atom (RFC 4287), latest 10
  /wp-sitemap.xml                  sitemap index (https://www.sitemaps.org/protocol.html) ->
                                   /wp-sitemap-posts-post-1.xml and /wp-sitemap-posts-post-2.xml.gz
                                   (gzip file served as application/x-gzip, no Content-Encoding)
                                   and /wp-sitemap-taxonomies-category-1.xml
  /news-sitemap.xml                Google News sitemap of the last two days
  /robots.txt                      (RFC 9309) disallows /private/, /?s=, /__mock/; names both sitemaps

Page requisites (``requisites.py`` has the bytes and the ground truth), linked from every HTML page:
  /wp-content/themes/mocknews/style.css?ver=6.4.3   text/css: @import url("print.css"), @font-face
                                   src:url(fonts/serif.woff2), body{background-color:#fce4ec} (pink),
                                   h1{color:#c62828} (red), .site-header url(../../uploads/masthead.png)
  /wp-content/themes/mocknews/print.css             text/css: url(img/rule.png)
  /wp-content/themes/mocknews/fonts/serif.woff2     font/woff2 (b"wOF2" header)
  /wp-content/themes/mocknews/img/rule.png, /wp-content/uploads/masthead.png, /favicon.png   PNG
  /wp-includes/js/site.min.js?ver=3.7.1             application/javascript
and from every article page (not the AMP twin):
  /wp-content/uploads/YYYY/MM/<slug>-1024x576.png, -300x169.png   <figure class="lead"> img + srcset
  /wp-content/uploads/YYYY/MM/<slug>-800.webp, -800.png            <picture> source (PNG bytes, image/png) + img
  /wp-content/uploads/<slug>-bg.png                inline style="background-image:url('...')"
  /wp-content/uploads/inline-style.png             url() in a <style> block
  /private/tracker.png       DISALLOWED_REQUISITE, robots-disallowed (logged robots_violation)
  http://localhost:PORT/cdn/third-party.js   THIRD_PARTY_REQUISITE on the other host name of this
                             server (127.0.0.1 <-> localhost; pages keep the host the client asked for)
  VIDEO_ARTICLE (tribal-nation-wins-water-rights-ruling-colorado-river-tributary):
      <video poster="/wp-content/uploads/poster.png"> with <source src="/wp-content/uploads/clip.mp4">,
      MEDIA_REQUISITE, video/mp4, 2 MiB streamed (an ftyp box, then zero bytes)
  BASE_HREF_ARTICLE (eu-regulators-fine-shipping-firm-ballast-water): <base href="BASE/static/"> and
      <img src="base-relative.png">, i.e. BASE_HREF_REQUISITE /static/base-relative.png
Ground truth: requisites.SHARED_REQUISITES (every page), requisites.article_requisites(a) (an article's
own, never the disallowed, third-party or mp4 ones). Requisites ignore query strings, carry
Last-Modified (THEME_MODIFIED, fixed), ETag, Cache-Control: max-age=31536000, and give 304s like pages.

Traps: ?utm_* on links, /?p=N shortlinks (301), slugs without trailing slash (301), AMP twins,
the endless /calendar/?m=YYYYMM, robots-disallowed /private/ and /?s= links, an 8 MB /big-page/,
a listed-but-deleted article (404), an article outside the fortnight reachable only from a
category listing and the sitemap.

HTTP: HTTP/1.1 keep-alive; every 200 has ETag and Last-Modified, and If-None-Match /
If-Modified-Since are evaluated as in RFC 9110 section 13 (If-None-Match wins, weak comparison)
giving 304; gzip Content-Encoding (with Vary: Accept-Encoding) when accepted and the body is
over 512 bytes (the ETag then becomes weak, as nginx does).

Faults (unless --no-faults): an article whose first request gets 429 + Retry-After: 1, one whose
first request gets 503, one sent with Transfer-Encoding: chunked (and an X-Custom-Header), one
slow (0.5 s).

Control (never logged, disallowed by robots.txt):
  GET /__mock/today[?date=YYYY-MM-DD]   read / move "today"; later articles are invisible (404)
  GET /__mock/reset                     forget first-request faults

--log FILE appends one JSON line per request:
  {"t", "method", "path", "status", "bytes", "ua", "conditional", "gzip", "chunked",
   "article" (slug, only on a 200 article or AMP page, else null), "amp", "trap", "robots_violation",
   "requisite" (true on a page requisite served 200 or 304)}
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import html
import json
import re
import signal
import sys
import threading
import time
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import content, requisites
from .content import ARTICLES, BY_NUMBER, BY_SLUG, SITE_NAME, author_slug, category_slug, slugify

PER_PAGE = 3
ISSUES_PER_PAGE = 4
FRONT_COUNT = 10
FEED_COUNT = 10
SITEMAP_PAGE = 8            # posts per sitemap file; page 2 is the gzip one
GZIP_MIN = 512
SLOW_SECONDS = 0.5
BIG_PAGE_BYTES = 8 * 1024 * 1024
SITE_EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
UTC = dt.timezone.utc

FAULTS = {"429", "503", "chunked", "slow"}


# ---- small helpers ----------------------------------------------------------------------------
def esc(text: str) -> str:
    return html.escape(text, quote=True)


def long_date(day: dt.date) -> str:
    return f"{day:%A}, {day:%B} {day.day}, {day.year}"


def short_date(day: dt.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def http_date(when: dt.datetime) -> str:
    return format_datetime(when.astimezone(UTC).replace(microsecond=0), usegmt=True)


def w3c(when: dt.datetime) -> str:
    return when.astimezone(UTC).replace(microsecond=0).isoformat()


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day.isoformat()}T00:00:00{content.ny_offset(day)}")


def edition_path(day: dt.date) -> str:
    return f"/top-8-today-{day.month}-{day.day}-{day.year}/"


def newest_first(articles):
    return sorted(articles, key=lambda a: a.published_dt, reverse=True)


def page_slice(items, page: int, per: int):
    start = (page - 1) * per
    return items[start:start + per], -(-len(items) // per) if items else 0


def accepts_gzip(header: str | None) -> bool:
    for part in (header or "").split(","):
        bits = [b.strip() for b in part.split(";")]
        if bits[0].lower() in ("gzip", "x-gzip", "*"):
            q = 1.0
            for b in bits[1:]:
                if b.lower().startswith("q="):
                    try:
                        q = float(b[2:])
                    except ValueError:
                        q = 0.0
            if q > 0:
                return True
    return False


def opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def make_pdf(title: str) -> bytes:
    """A one-page PDF 1.4 with a correct cross-reference table."""
    safe = title.encode("ascii", "replace").decode().replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 14 Tf 72 740 Td (COMPLAINT) Tj 0 -24 Td /F1 11 Tf ({safe}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


class Response:
    """What a route produces; the handler adds validators, gzip and logging."""

    def __init__(self, status=200, body=b"", ctype="text/html; charset=UTF-8", headers=None,
                 modified: dt.datetime | None = None, article=None, amp=False, trap=False,
                 robots_violation=False, compressible=True, requisite=False):
        self.status, self.body, self.ctype = status, body, ctype
        self.headers = dict(headers or {})
        self.modified = modified
        self.article, self.amp, self.trap, self.robots_violation = article, amp, trap, robots_violation
        self.compressible = compressible
        self.requisite = requisite
        self.stream = None          # callable yielding the body in pieces (then body is b"")
        self.length = 0             # the streamed body's length
        self.etag = None            # fixed ETag of a streamed body
        self.chunked = False
        self.slow = False


# ---- site state -------------------------------------------------------------------------------
class Site:
    def __init__(self, today: dt.date, faults: bool, log_path: str | None):
        self.today = today
        self.faults = faults
        self.lock = threading.Lock()
        self.hits: dict[str, int] = {}
        self.log = open(log_path, "a", encoding="utf-8") if log_path else None
        self._big: dict = {}

    def fault(self, a) -> str | None:
        return a.fault if self.faults and a.fault in FAULTS else None

    def first_request(self, key: str) -> bool:
        with self.lock:
            n = self.hits.get(key, 0)
            self.hits[key] = n + 1
            return n == 0

    def write_log(self, entry: dict):
        if self.log:
            with self.lock:
                self.log.write(json.dumps(entry, ensure_ascii=False) + "\n")
                self.log.flush()

    # what is published on `today`
    def visible(self):
        return [a for a in ARTICLES if a.date <= self.today]

    def listed(self):
        """In HTML listings (front, editions, archives, authors, tags): deleted ones too."""
        return newest_first(a for a in self.visible() if not a.hidden)

    def live(self):
        """In feeds and news sitemap: no deleted, no out-of-fortnight articles."""
        return [a for a in self.listed() if not a.deleted]


# ---- rendering --------------------------------------------------------------------------------
class Renderer:
    def __init__(self, site: Site, base: str):
        self.site, self.base, self.today = site, base, site.today

    def url(self, path: str) -> str:
        return self.base + path

    def link(self, a, salt: int) -> str:
        """An article link as the site's templates write it: some with tracking, some shortlinks."""
        v = (a.number // 13 + salt) % 7
        if v == 0:
            return self.url(f"/?p={a.number}")
        if v == 1:
            return self.url(f"{a.path}?utm_source=newsletter&utm_medium=email&utm_campaign=top8")
        if v == 2:
            return self.url(f"{a.path}?utm_source=homepage&utm_medium=web")
        if v == 3:
            return self.url(a.path.rstrip("/"))
        return self.url(a.path)

    def authors_html(self, a) -> str:
        links = [f'<a class="url fn n" href="{self.url("/author/" + author_slug(n) + "/")}">{esc(n)}</a>'
                 for n in a.authors]
        if len(links) <= 1:
            return "".join(links)
        return ", ".join(links[:-1]) + " and " + links[-1]

    def teaser(self, a, salt: int) -> str:
        href = esc(self.link(a, salt))
        return (f'<article class="post type-post post-{a.number}"><h2 class="entry-title"><a href="{href}">'
                f'{esc(a.title)}</a></h2><div class="entry-meta"><time datetime="{a.date.isoformat()}">'
                f'{short_date(a.date)}</time> by {self.authors_html(a)}</div>'
                f'<div class="entry-summary"><p>{esc(a.dek)}</p></div></article>\n')

    def pagination(self, base_path: str, page: int, pages: int) -> tuple[str, str]:
        """(WordPress pagination block, <link rel=prev/next> for the head)."""
        def href(n):
            return self.url(base_path if n == 1 else f"{base_path}page/{n}/")
        if pages <= 1:
            return "", ""
        parts, head = [], ""
        if page > 1:
            parts.append(f'<a class="prev page-numbers" href="{href(page - 1)}">&laquo; Previous</a>')
            head += f'<link rel="prev" href="{href(page - 1)}">\n'
        for n in range(1, pages + 1):
            parts.append(f'<span aria-current="page" class="page-numbers current">{n}</span>' if n == page
                         else f'<a class="page-numbers" href="{href(n)}">{n}</a>')
        if page < pages:
            parts.append(f'<a class="next page-numbers" href="{href(page + 1)}">Next &raquo;</a>')
            head += f'<link rel="next" href="{href(page + 1)}">\n'
        return (f'<nav class="navigation pagination" aria-label="Posts"><div class="nav-links">'
                f'{" ".join(parts)}</div></nav>\n'), head

    def layout(self, title: str, main: str, head: str = "", body_class: str = "archive",
               top_day: dt.date | None = None, charset: str = "utf-8", sidebar: str | None = None) -> str:
        day = top_day or self.today
        meta_charset = ('<meta charset="UTF-8">' if charset == "utf-8" else
                        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">')
        nav = "".join(f'<li><a href="{self.url("/category/" + s + "/")}">{esc(n)}</a></li>'
                      for n, s in content.CATEGORIES.items())
        if sidebar is None:
            latest = "".join(f'<li><a href="{self.url(a.path)}">{esc(a.title)}</a></li>'
                             for a in self.site.live()[:3])
            sidebar = f'<section class="widget widget_recent_entries"><h2 class="widget-title">Most read</h2><ul>{latest}</ul></section>'
        return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
{meta_charset}
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} | {SITE_NAME}</title>
<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} &raquo; Feed" href="{self.url('/feed/')}">
<link rel="alternate" type="application/atom+xml" title="{SITE_NAME} &raquo; Atom" href="{self.url('/atom.xml')}">
<meta name="generator" content="WordPress 6.4.3">
{requisites.shared_head()}{head}</head>
<body class="{body_class}">
<header id="masthead" class="site-header">
<div class="top-bar">{long_date(day)} | <a href="/back-issues/">Back issues</a></div>
<p class="site-title"><a href="{self.url('/')}" rel="home">{SITE_NAME}</a></p>
<nav id="site-navigation" class="main-navigation"><ul class="menu">{nav}</ul></nav>
<form role="search" method="get" class="search-form" action="{self.url('/')}"><input type="search" name="s"></form>
</header>
<div id="content" class="site-content">
<main id="main" class="site-main">
{main}
</main>
<aside id="secondary" class="widget-area">{sidebar}</aside>
</div>
<footer id="colophon" class="site-footer">
<a href="/private/staff/">Staff directory</a> | <a href="/?s=court">Search the archive</a> |
<a href="/big-page/">Everything on one page</a> | <a href="/feed/">RSS</a> | <a href="/atom.xml">Atom</a>
<p class="copyright">&copy; 2024 {SITE_NAME}. All rights reserved.</p>
</footer>
</body>
</html>
"""

    # -- article ------------------------------------------------------------------------------
    def article_head(self, a) -> str:
        url = self.url(a.path)
        modified = a.modified(self.today)
        desc = esc(a.dek)
        head = [f'<link rel="canonical" href="{url}">',
                f'<link rel="amphtml" href="{url}amp/">',
                f'<link rel="shortlink" href="{self.url(f"/?p={a.number}")}">',
                f'<meta name="description" content="{desc}">',
                '<meta property="og:locale" content="en_US">',
                '<meta property="og:type" content="article">',
                f'<meta property="og:title" content="{esc(a.title)}">',
                f'<meta property="og:description" content="{desc}">',
                f'<meta property="og:url" content="{url}">',
                f'<meta property="og:site_name" content="{SITE_NAME}">',
                f'<meta property="article:published_time" content="{a.published}">',
                f'<meta property="article:modified_time" content="{modified}">']
        if a.meta == "byline":
            return "\n".join(head) + "\n"
        head.append(f'<meta property="article:section" content="{esc(a.categories[0])}">')
        head += [f'<meta property="article:tag" content="{esc(t)}">' for t in a.tags]
        if a.meta == "og":
            head.append(f'<meta name="author" content="{esc(", ".join(a.authors))}">')
            head += [f'<meta property="article:author" content="{self.url("/author/" + author_slug(n) + "/")}">'
                     for n in a.authors]
        people = [{"@type": "Person", "name": n, "url": self.url(f"/author/{author_slug(n)}/")} for n in a.authors]
        publisher = {"@type": "Organization", "name": SITE_NAME, "url": self.url("/")}
        if a.meta == "jsonld":
            data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": a.title,
                    "description": a.dek, "mainEntityOfPage": {"@type": "WebPage", "@id": url},
                    "url": url, "datePublished": a.published, "dateModified": modified,
                    "author": people, "publisher": publisher,
                    "articleSection": list(a.categories), "keywords": list(a.tags),
                    "inLanguage": "en-US"}
            head.append(f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>')
        elif a.meta == "graph":
            pids = [{"@id": f"{url}#/schema/person/{author_slug(n)}"} for n in a.authors]
            graph = [{"@type": "NewsArticle", "@id": f"{url}#article", "isPartOf": {"@id": url},
                      "author": pids[0] if len(pids) == 1 else pids, "headline": a.title,
                      "datePublished": a.published, "dateModified": modified,
                      "mainEntityOfPage": {"@id": url}, "publisher": {"@id": self.url("/#organization")},
                      "keywords": ", ".join(a.tags), "articleSection": ", ".join(a.categories),
                      "inLanguage": "en-US"},
                     {"@type": "WebPage", "@id": url, "url": url, "name": f"{a.title} | {SITE_NAME}",
                      "datePublished": a.published},
                     {"@type": "Organization", "@id": self.url("/#organization"), "name": SITE_NAME}]
            graph += [dict(p, **pid) for p, pid in zip(people, pids)]
            data = {"@context": "https://schema.org", "@graph": graph}
            head.append(f'<script type="application/ld+json" class="yoast-schema-graph">'
                        f'{json.dumps(data, ensure_ascii=False)}</script>')
        return "\n".join(head) + "\n"

    def related(self, a) -> str:
        """Earlier stories of the same first category: fixed, whatever today is."""
        rel = [b for b in newest_first(ARTICLES) if b is not a and not b.hidden and not b.deleted
               and b.categories[0] == a.categories[0] and b.published_dt < a.published_dt][:3]
        items = "".join(f'<li><a href="{self.url(b.path)}">{esc(b.title)}</a></li>' for b in rel)
        return f'<section class="widget related-posts"><h2 class="widget-title">Related</h2><ul>{items}</ul></section>'

    def article(self, a) -> bytes:
        cats = " ".join(f'<a href="{self.url("/category/" + category_slug(c) + "/")}" rel="category tag">{esc(c)}</a>'
                        for c in a.categories)
        tags = ", ".join(f'<a href="{self.url("/tag/" + slugify(t) + "/")}" rel="tag">{esc(t)}</a>' for t in a.tags)
        if a.meta == "byline":
            meta = (f'<p class="byline">By {esc(a.authors[0])}, Senior Reporter</p>'
                    f'<p class="posted-on">{short_date(a.date)}</p>')
        else:
            meta = (f'<div class="entry-meta"><span class="byline">By {self.authors_html(a)}</span> / '
                    f'<time class="entry-date published" datetime="{a.published}">{short_date(a.date)}</time>'
                    f'<time class="updated" datetime="{a.modified(self.today)}"></time></div>')
        paras = list(a.paragraphs)
        body = "\n".join(f"<p>{esc(p)}</p>" for p in paras)
        if a.is_revised(self.today):
            body += f'\n<p class="update-note"><em>{esc(a.update)}</em></p>'
        main = (f'<article id="post-{a.number}" class="post-{a.number} post type-post status-publish">\n'
                f'<header class="entry-header"><div class="cat-links">{cats}</div>\n'
                f'<h1 class="entry-title">{esc(a.title)}</h1>\n<p class="dek">{esc(a.dek)}</p>\n{meta}</header>\n'
                f'{requisites.lead_figure(a)}'
                f'<div class="entry-content">\n{body}\n</div>\n{requisites.media_aside(a)}'
                f'<footer class="entry-footer"><span class="tags-links">Tags: {tags}</span></footer>\n</article>')
        head = self.article_head(a) + requisites.article_head(a, self.base)
        page = self.layout(a.title, main, head=head, body_class="post-template-default single single-post",
                           top_day=a.modified_dt(self.today).date(), charset=a.charset, sidebar=self.related(a))
        return page.encode(a.charset, "xmlcharrefreplace")

    def amp(self, a) -> bytes:
        body = "\n".join(f"<p>{esc(p)}</p>" for p in a.body_paragraphs(self.today))
        by = " and ".join(a.authors)
        return f"""<!doctype html>
<html amp lang="en">
<head>
<meta charset="utf-8">
<title>{esc(a.title)} | {SITE_NAME}</title>
<link rel="canonical" href="{self.url(a.path)}">
<meta name="viewport" content="width=device-width,minimum-scale=1,initial-scale=1">
<style amp-boilerplate>body{{visibility:hidden}}</style>
{requisites.shared_head()}</head>
<body>
<header class="amp-wp-header"><a href="{self.url('/')}">{SITE_NAME}</a></header>
<article class="amp-wp-article">
<h1 class="amp-wp-title">{esc(a.title)}</h1>
<div class="amp-wp-meta">{esc(by)} &middot; <time datetime="{a.published}">{short_date(a.date)}</time></div>
<div class="amp-wp-article-content">
{body}
</div>
</article>
</body>
</html>
""".encode()


# ---- HTTP -------------------------------------------------------------------------------------
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "MockCourthouse/1.0"
    site: Site = None  # set by build_server()

    def version_string(self):
        return self.server_version

    def log_message(self, format, *args):  # noqa: A002 - quiet; we keep our own JSON log
        pass

    def do_HEAD(self):
        self.handle_request()

    def do_GET(self):
        self.handle_request()

    def handle_request(self):
        started = time.time()
        try:
            resp = self.route()
            self.deliver(resp, started)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # -- plumbing -----------------------------------------------------------------------------
    def base(self) -> str:
        host = self.headers.get("Host")
        if not host:
            h, p = self.server.server_address[:2]
            host = f"{h}:{p}"
        return f"http://{host}"

    def not_modified(self, etag: str, modified: dt.datetime | None) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            if inm.strip() == "*":
                return True
            return opaque(etag) in {opaque(t) for t in inm.split(",") if t.strip()}
        ims = self.headers.get("If-Modified-Since")
        if ims and modified:
            try:
                since = parsedate_to_datetime(ims)
            except (TypeError, ValueError, IndexError):
                return False
            if since.tzinfo is None:
                since = since.replace(tzinfo=UTC)
            return modified.replace(microsecond=0) <= since
        return False

    def deliver(self, r: Response, started: float):
        head_only = self.command == "HEAD"
        conditional = bool(self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"))
        if r.slow:
            time.sleep(SLOW_SECONDS)
        headers = dict(r.headers)
        body = r.body
        status = r.status
        gz = False
        streamed = r.stream is not None and status == 200
        if status == 200:
            modified = r.modified or SITE_EPOCH
            etag = r.etag or '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
            headers["Last-Modified"] = http_date(modified)
            if self.not_modified(etag, modified):
                status, body, streamed = 304, b"", False
            gz = (status == 200 and not streamed and r.compressible and len(body) > GZIP_MIN
                  and accepts_gzip(self.headers.get("Accept-Encoding")))
            if gz:
                body = gzip.compress(body, 6, mtime=0)
                headers["Content-Encoding"] = "gzip"
                etag = "W/" + etag
            if r.compressible:
                headers["Vary"] = "Accept-Encoding"
            headers["ETag"] = etag
        chunked = (r.chunked and status == 200 and not head_only and self.request_version == "HTTP/1.1")

        sent = 0 if head_only or status == 304 else (r.length if streamed else len(body))
        # logged before anything is sent: a client done with a HEAD or 304 finds its line written
        if not self.path.startswith("/__mock/"):
            self.site.write_log({
                "t": round(started, 4), "method": self.command, "path": self.path, "status": status,
                "bytes": sent, "ua": self.headers.get("User-Agent"), "conditional": conditional,
                "gzip": gz, "chunked": chunked,
                "article": r.article if status == 200 else None, "amp": r.amp, "trap": r.trap,
                "robots_violation": r.robots_violation,
                "requisite": r.requisite and status in (200, 304)})

        self.send_response(status)
        if status != 304 and r.ctype:
            self.send_header("Content-Type", r.ctype)
        for k, v in headers.items():
            self.send_header(k, v)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif status != 304:
            self.send_header("Content-Length", str(r.length if streamed else len(body)))
        self.end_headers()

        if head_only or status == 304:
            self.wfile.flush()
            return
        if streamed:
            for piece in r.stream():
                self.wfile.write(piece)
            self.wfile.flush()
            return
        if chunked:
            size = max(64, -(-len(body) // 5))
            for i in range(0, len(body), size):
                piece = body[i:i + size]
                self.wfile.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.wfile.write(body)
        self.wfile.flush()

    # -- routing ------------------------------------------------------------------------------
    def page(self, html_text: str, items=(), **kw) -> Response:
        """An HTML page in the site layout: changes when its items change or when today does."""
        today = self.site.today
        modified = max([day_start(today)] + [a.modified_dt(today) for a in items])
        return Response(200, html_text.encode("utf-8"), modified=modified, **kw)

    def not_found(self, r: Renderer) -> Response:
        main = ('<section class="error-404 not-found"><h1 class="page-title">Oops! That page can&rsquo;t be found.</h1>'
                '<p>It looks like nothing was found at this location.</p></section>')
        return Response(404, r.layout("Page not found", main, body_class="error404").encode())

    def requisite(self, asset: requisites.Asset) -> Response:
        """A theme or upload file: fixed Last-Modified, long-lived Cache-Control, logged as a requisite."""
        resp = Response(200, asset.body or b"", asset.ctype, headers={"Cache-Control": requisites.CACHE_CONTROL},
                        modified=requisites.THEME_MODIFIED, robots_violation=asset.robots_violation,
                        compressible=asset.compressible, requisite=True)
        if asset.stream is not None:
            resp.stream, resp.length, resp.etag = asset.stream, asset.length, asset.etag
        return resp

    def redirect(self, location: str) -> Response:
        return Response(301, b"", ctype=None, headers={"Location": location})

    def route(self) -> Response:
        site = self.site
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        if path.startswith("/__mock/"):
            return self.control(path, query)
        r = Renderer(site, self.base())

        if path == "/robots.txt":
            text = (f"User-agent: *\nDisallow: /private/\nDisallow: /?s=\nDisallow: /__mock/\n\n"
                    f"Sitemap: {r.url('/wp-sitemap.xml')}\nSitemap: {r.url('/news-sitemap.xml')}\n")
            return Response(200, text.encode(), "text/plain; charset=utf-8")
        if path == "/" and "s" in query:
            term = esc(query["s"][0])
            return self.page(r.layout(f"Search results for {term}", f'<h1 class="page-title">Search results for: {term}</h1>'
                                      '<p>Sorry, but nothing matched your search terms.</p>', body_class="search"),
                             robots_violation=True)
        if path == "/" and "p" in query:
            a = BY_NUMBER.get(int(query["p"][0])) if query["p"][0].isdigit() else None
            if a and a.date <= site.today and not a.deleted:
                return self.redirect(r.url(a.path))
            return self.not_found(r)
        asset = requisites.lookup(path, site.today)
        if asset is not None:
            return self.requisite(asset)
        if path.startswith("/private/"):
            return self.page(r.layout("Staff directory", "<h1>Staff directory</h1><p>Staff only.</p>"),
                             robots_violation=True)
        if path == "/":
            return self.front(r)
        if path == "/feed/":
            return self.rss(r)
        if path == "/atom.xml":
            return self.atom(r)
        if path == "/wp-sitemap.xml":
            return self.sitemap_index(r)
        if path == "/wp-sitemap-posts-post-1.xml":
            return self.sitemap_posts(r, 1)
        if path == "/wp-sitemap-posts-post-2.xml.gz":
            return self.sitemap_posts(r, 2)
        if path == "/wp-sitemap-taxonomies-category-1.xml":
            return self.sitemap_categories(r)
        if path == "/news-sitemap.xml":
            return self.news_sitemap(r)
        if path == "/big-page/":
            return self.big_page(r)
        if path == "/calendar/":
            return self.calendar(r, query.get("m", [f"{site.today:%Y%m}"])[0])

        m = re.fullmatch(r"(/.+/)page/(\d+)/", path)
        if m and m.group(2) == "1":
            return self.redirect(r.url(m.group(1)))
        base_path, page_no = (m.group(1), int(m.group(2))) if m else (path, 1)

        if base_path == "/back-issues/":
            return self.back_issues(r, page_no)
        m = re.fullmatch(r"/top-8-today-([1-9]\d?)-([1-9]\d?)-(\d{4})/", path)
        if m:
            try:
                day = dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
            except ValueError:
                return self.not_found(r)
            return self.edition(r, day)
        m = re.fullmatch(r"/(\d{4})/(\d{2})/(\d{2})/", base_path)
        if m:
            try:
                day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return self.not_found(r)
            return self.day_archive(r, day, page_no)
        m = re.fullmatch(r"/(\d{4})/(\d{2})/", base_path)
        if m:
            return self.month_archive(r, int(m.group(1)), int(m.group(2)), page_no)
        m = re.fullmatch(r"/(category|author|tag)/([a-z0-9-]+)/", base_path)
        if m:
            return self.taxonomy(r, m.group(1), m.group(2), page_no)
        m = re.fullmatch(r"/wp-content/uploads/(\d{4})/(\d{2})/([a-z0-9-]+)-complaint\.pdf", path)
        if m:
            a = BY_SLUG.get(m.group(3))
            if a and a.date <= site.today and f"{a.date:%Y/%m}" == f"{m.group(1)}/{m.group(2)}":
                return Response(200, make_pdf(a.title), "application/pdf", modified=a.published_dt)
            return self.not_found(r)
        m = re.fullmatch(r"/([a-z0-9-]+)/(amp/)?", path)
        if m and m.group(1) in BY_SLUG:
            return self.article(r, BY_SLUG[m.group(1)], amp=bool(m.group(2)))
        if path.strip("/") in BY_SLUG and not path.endswith("/"):
            a = BY_SLUG[path.strip("/")]
            if a.date <= site.today:
                return self.redirect(r.url(a.path) + (f"?{parts.query}" if parts.query else ""))
        return self.not_found(r)

    def control(self, path, query) -> Response:
        site = self.site
        if path == "/__mock/today":
            if "date" in query:
                try:
                    day = dt.date.fromisoformat(query["date"][0])
                except ValueError:
                    return Response(400, b'{"error": "date must be YYYY-MM-DD"}', "application/json")
                with site.lock:
                    site.today = day
            return Response(200, json.dumps({"today": site.today.isoformat()}).encode(), "application/json",
                            compressible=False)
        if path == "/__mock/reset":
            with site.lock:
                site.hits.clear()
            return Response(200, b'{"reset": true}', "application/json", compressible=False)
        return Response(404, b'{"error": "unknown control"}', "application/json")

    # -- pages --------------------------------------------------------------------------------
    def front(self, r: Renderer) -> Response:
        latest = self.site.listed()[:FRONT_COUNT]
        items = "".join(r.teaser(a, i) for i, a in enumerate(latest))
        main = f'<h1 class="screen-reader-text">Latest news</h1>\n<div class="latest-posts">\n{items}</div>'
        return self.page(r.layout("Home", main, body_class="home blog"), latest)

    def article(self, r: Renderer, a, amp: bool) -> Response:
        site = self.site
        if a.date > site.today or a.deleted:
            return self.not_found(r)
        fault = site.fault(a)
        if not amp and fault in ("429", "503") and site.first_request(a.slug):
            if fault == "429":
                return Response(429, b"Too Many Requests\n", "text/plain; charset=utf-8",
                                headers={"Retry-After": "1"})
            return Response(503, b"Service Temporarily Unavailable\n", "text/plain; charset=utf-8")
        modified = a.modified_dt(site.today)
        if amp:
            return Response(200, r.amp(a), modified=modified, article=a.slug, amp=True)
        ctype = "text/html" if a.charset != "utf-8" else "text/html; charset=UTF-8"
        resp = Response(200, r.article(a), ctype, modified=modified, article=a.slug,
                        headers={"Link": f'<{r.url(f"/?p={a.number}")}>; rel=shortlink'})
        resp.chunked = fault == "chunked"
        if resp.chunked:  # a mixed-case name Scrapy's header handling would re-capitalise
            resp.headers["X-Custom-Header"] = "kept as sent"
        resp.slow = fault == "slow"
        return resp

    def back_issues(self, r: Renderer, page: int) -> Response:
        days = sorted({a.date for a in self.site.listed()}, reverse=True)
        shown, pages = page_slice(days, page, ISSUES_PER_PAGE)
        if not shown:
            return self.not_found(r)
        items = "".join(f'<li><a href="{r.url(edition_path(d))}">Top 8 Today &mdash; {long_date(d)}</a></li>\n'
                        for d in shown)
        nav, head = r.pagination("/back-issues/", page, pages)
        main = f'<h1 class="page-title">Back issues</h1>\n<ul class="back-issues">\n{items}</ul>\n{nav}'
        members = [a for a in self.site.listed() if a.date in shown]
        return self.page(r.layout("Back issues", main, head=head, body_class="page"), members)

    def edition(self, r: Renderer, day: dt.date) -> Response:
        listed = self.site.listed()
        todays = [a for a in listed if a.date == day]
        if not todays:
            return self.not_found(r)
        sections: dict[str, list] = {}
        for i, a in enumerate(todays):
            sections.setdefault(a.categories[0], []).append(r.teaser(a, i + 2))
        blocks = "".join(f'<h2 class="section">{esc(name)}</h2>\n{"".join(items)}' for name, items in sections.items())
        days = sorted({a.date for a in listed})
        earlier = [d for d in days if d < day]
        prev = (f'<p class="prev-edition"><a href="{r.url(edition_path(earlier[-1]))}">Previous edition</a></p>'
                if earlier else "")
        main = (f'<h1 class="entry-title">Top 8 Today: {long_date(day)}</h1>\n{blocks}'
                f'<p class="day-archive"><a href="{r.url(f"/{day:%Y/%m/%d}/")}">All stories from {short_date(day)}</a></p>\n'
                f'{prev}')
        return self.page(r.layout(f"Top 8 Today {day.month}-{day.day}-{day.year}", main, body_class="page"), todays)

    def calendar_widget(self, r: Renderer, day: dt.date) -> str:
        prev_m = day.replace(day=1) - dt.timedelta(days=1)
        next_m = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return (f'<section class="widget widget_calendar"><h2 class="widget-title">Calendar</h2>'
                f'<a href="{r.url(f"/calendar/?m={prev_m:%Y%m}")}">&laquo; {prev_m:%b}</a> '
                f'<a href="{r.url(f"/calendar/?m={day:%Y%m}")}">{day:%B %Y}</a> '
                f'<a href="{r.url(f"/calendar/?m={next_m:%Y%m}")}">{next_m:%b} &raquo;</a></section>')

    def day_archive(self, r: Renderer, day: dt.date, page: int) -> Response:
        todays = [a for a in self.site.listed() if a.date == day]
        shown, pages = page_slice(todays, page, PER_PAGE)
        if not shown:
            return self.not_found(r)
        lead = next((a for a in todays if not a.deleted), todays[0])
        items = "".join(r.teaser(a, i + page) for i, a in enumerate(shown))
        nav, head = r.pagination(f"/{day:%Y/%m/%d}/", page, pages)
        pdf = r.url(f"/wp-content/uploads/{day:%Y/%m}/{lead.slug}-complaint.pdf")
        main = (f'<h1 class="page-title">Day: <span>{short_date(day)}</span></h1>\n{items}'
                f'<p class="documents"><a href="{pdf}">Read the complaint (PDF)</a></p>\n{nav}')
        return self.page(r.layout(short_date(day), main, head=head, body_class="archive date",
                                  sidebar=self.calendar_widget(r, day)), todays)

    def month_archive(self, r: Renderer, year: int, month: int, page: int) -> Response:
        items_all = [a for a in self.site.listed() if (a.date.year, a.date.month) == (year, month)]
        shown, pages = page_slice(items_all, page, PER_PAGE)
        if not shown:
            return self.not_found(r)
        items = "".join(r.teaser(a, i + 4) for i, a in enumerate(shown))
        nav, head = r.pagination(f"/{year}/{month:02d}/", page, pages)
        label = f"{dt.date(year, month, 1):%B %Y}"
        main = f'<h1 class="page-title">Month: <span>{label}</span></h1>\n{items}{nav}'
        return self.page(r.layout(label, main, head=head, body_class="archive date"), items_all)

    def taxonomy(self, r: Renderer, kind: str, slug: str, page: int) -> Response:
        site = self.site
        if kind == "category":
            # the only listing that still shows the story from outside the fortnight
            pool = newest_first(a for a in site.visible())
            items_all = [a for a in pool if slug in {category_slug(c) for c in a.categories}]
            label = next((c for c, s in content.CATEGORIES.items() if s == slug), slug)
        elif kind == "author":
            items_all = [a for a in site.listed() if slug in {author_slug(n) for n in a.authors}]
            label = next((n for n, s in content.AUTHORS.items() if s == slug), slug)
        else:
            items_all = [a for a in site.listed() if slug in {slugify(t) for t in a.tags}]
            label = next((t for a in items_all for t in a.tags if slugify(t) == slug), slug)
        shown, pages = page_slice(items_all, page, PER_PAGE)
        if not shown:
            return self.not_found(r)
        items = "".join(r.teaser(a, i + 5) for i, a in enumerate(shown))
        nav, head = r.pagination(f"/{kind}/{slug}/", page, pages)
        main = f'<h1 class="page-title">{kind.title()}: <span>{esc(label)}</span></h1>\n{items}{nav}'
        return self.page(r.layout(label, main, head=head, body_class=f"archive {kind}"), items_all)

    def calendar(self, r: Renderer, ym: str) -> Response:
        m = re.fullmatch(r"(\d{4})(\d{2})", ym)
        if not m or not (1 <= int(m.group(2)) <= 12) or not (1 <= int(m.group(1)) <= 9998):
            return Response(404, r.layout("Page not found", "<h1>Nothing here</h1>").encode(), trap=True)
        first = dt.date(int(m.group(1)), int(m.group(2)), 1)
        prev_m = first - dt.timedelta(days=1)
        next_m = (first + dt.timedelta(days=32)).replace(day=1)
        days, d = [], first
        while d.month == first.month:
            days.append(f'<a href="{r.url(f"/{d:%Y/%m/%d}/")}">{d.day}</a>')
            d += dt.timedelta(days=1)
        main = (f'<h1 class="page-title">{first:%B %Y}</h1>\n<div class="calendar">{" ".join(days)}</div>\n'
                f'<nav class="calendar-nav"><a href="{r.url(f"/calendar/?m={prev_m:%Y%m}")}">&laquo; {prev_m:%B %Y}</a> '
                f'<a href="{r.url(f"/calendar/?m={next_m:%Y%m}")}">{next_m:%B %Y} &raquo;</a></nav>')
        return self.page(r.layout(f"{first:%B %Y}", main), trap=True)

    def big_page(self, r: Renderer) -> Response:
        key = (r.base, self.site.today)
        body = self.site._big.get(key)
        if body is None:
            para = ("<p>All the news that fits, and then a great deal more of it, from every courthouse "
                    "and statehouse in the land, collected on a single page for your convenience.</p>\n")
            shell = r.layout("Everything", "@@FILL@@")
            fill = para * ((BIG_PAGE_BYTES - len(shell)) // len(para) + 1)
            body = shell.replace("@@FILL@@", fill).encode()
            self.site._big = {key: body}
        return Response(200, body, modified=day_start(self.site.today))

    # -- feeds and sitemaps -------------------------------------------------------------------
    def rss(self, r: Renderer) -> Response:
        """RSS 2.0 (rssboard.org) with the dc: and content: modules, as WordPress writes it."""
        latest = self.site.live()[:FEED_COUNT]
        today = self.site.today
        items = []
        for a in latest:
            cats = "".join(f"<category><![CDATA[{c}]]></category>" for c in (*a.categories, *a.tags))
            creators = "".join(f"<dc:creator><![CDATA[{n}]]></dc:creator>" for n in a.authors)
            body = "".join(f"<p>{esc(p)}</p>" for p in a.body_paragraphs(today))
            items.append(
                f"<item><title>{esc(a.title)}</title>"
                f"<link>{esc(r.url(a.path + '?utm_source=rss&utm_medium=feed'))}</link>"
                f"{creators}<pubDate>{http_date(a.published_dt)}</pubDate>{cats}"
                f'<guid isPermaLink="false">{esc(r.url(f"/?p={a.number}"))}</guid>'
                f"<description><![CDATA[{a.dek}]]></description>"
                f"<content:encoded><![CDATA[{body}]]></content:encoded></item>\n")
        built = max([a.modified_dt(today) for a in latest], default=SITE_EPOCH)
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
               'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
               'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">\n'
               f'<channel><title>{SITE_NAME}</title>'
               f'<atom:link href="{r.url("/feed/")}" rel="self" type="application/rss+xml"/>'
               f'<link>{r.url("/")}</link><description>Courts, government and the law</description>'
               f'<lastBuildDate>{http_date(built)}</lastBuildDate><language>en-US</language>\n'
               f'{"".join(items)}</channel></rss>\n')
        return Response(200, xml.encode(), "application/rss+xml; charset=UTF-8", modified=built)

    def atom(self, r: Renderer) -> Response:
        """Atom 1.0 (RFC 4287)."""
        latest = self.site.live()[:FEED_COUNT]
        today = self.site.today
        updated = max([a.modified_dt(today) for a in latest], default=SITE_EPOCH)
        entries = []
        for a in latest:
            authors = "".join(f"<author><name>{esc(n)}</name><uri>{r.url('/author/' + author_slug(n) + '/')}</uri></author>"
                              for n in a.authors)
            cats = "".join(f'<category term="{esc(c)}"/>' for c in a.categories)
            entries.append(
                f'<entry><title type="html">{esc(a.title)}</title>'
                f'<link rel="alternate" type="text/html" href="{r.url(a.path)}"/>'
                f"<id>{esc(r.url(f'/?p={a.number}'))}</id>"
                f"<published>{w3c(a.published_dt)}</published><updated>{w3c(a.modified_dt(today))}</updated>"
                f'{authors}{cats}<summary type="html">{esc(a.dek)}</summary></entry>\n')
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-US">'
               f'<title>{SITE_NAME}</title><subtitle>Courts, government and the law</subtitle>'
               f'<id>{r.url("/")}</id><updated>{w3c(updated)}</updated>'
               f'<link rel="alternate" type="text/html" href="{r.url("/")}"/>'
               f'<link rel="self" type="application/atom+xml" href="{r.url("/atom.xml")}"/>\n'
               f'{"".join(entries)}</feed>\n')
        return Response(200, xml.encode(), "application/atom+xml; charset=UTF-8", modified=updated)

    def sitemap_articles(self):
        """Oldest first, as WordPress core sitemaps list posts; no deleted, out-of-fortnight included."""
        return sorted((a for a in self.site.visible() if not a.deleted), key=lambda a: a.published_dt)

    def sitemap_index(self, r: Renderer) -> Response:
        """sitemaps.org sitemap index: the two post sitemaps (one gzip-compressed) and the categories."""
        today = self.site.today
        posts = self.sitemap_articles()
        chunks = [posts[:SITEMAP_PAGE], posts[SITEMAP_PAGE:]]
        entries = []
        for loc, chunk in zip(("/wp-sitemap-posts-post-1.xml", "/wp-sitemap-posts-post-2.xml.gz"), chunks):
            lastmod = f"<lastmod>{w3c(max(a.modified_dt(today) for a in chunk))}</lastmod>" if chunk else ""
            entries.append(f"<sitemap><loc>{r.url(loc)}</loc>{lastmod}</sitemap>")
        entries.append(f"<sitemap><loc>{r.url('/wp-sitemap-taxonomies-category-1.xml')}</loc></sitemap>")
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n'
               '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
               + "\n".join(entries) + "\n</sitemapindex>\n")
        modified = max([a.modified_dt(today) for a in posts], default=SITE_EPOCH)
        return Response(200, xml.encode(), "application/xml; charset=UTF-8", modified=modified)

    @staticmethod
    def urlset(entries) -> bytes:
        urls = "".join(f"<url><loc>{esc(loc)}</loc><lastmod>{lastmod}</lastmod></url>\n" for loc, lastmod in entries)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n').encode()

    def sitemap_posts(self, r: Renderer, page: int) -> Response:
        """sitemaps.org urlset with <lastmod> = dateModified; page 2 is a .xml.gz file."""
        today = self.site.today
        posts = self.sitemap_articles()
        chunk = posts[:SITEMAP_PAGE] if page == 1 else posts[SITEMAP_PAGE:]
        xml = self.urlset((r.url(a.path), w3c(a.modified_dt(today))) for a in chunk)
        modified = max([a.modified_dt(today) for a in chunk], default=SITE_EPOCH)
        if page == 2:
            return Response(200, gzip.compress(xml, 9, mtime=0), "application/x-gzip", modified=modified,
                            compressible=False)
        return Response(200, xml, "application/xml; charset=UTF-8", modified=modified)

    def sitemap_categories(self, r: Renderer) -> Response:
        cats = sorted({category_slug(c) for a in self.site.visible() for c in a.categories})
        stamp = w3c(day_start(self.site.today))
        return Response(200, self.urlset((r.url(f"/category/{c}/"), stamp) for c in cats),
                        "application/xml; charset=UTF-8", modified=day_start(self.site.today))

    def news_sitemap(self, r: Renderer) -> Response:
        """Google News sitemap: articles of the last two days."""
        today = self.site.today
        recent = [a for a in self.site.live() if a.date >= today - dt.timedelta(days=2)]
        urls = "".join(
            f"<url><loc>{r.url(a.path)}</loc><news:news><news:publication><news:name>{SITE_NAME}</news:name>"
            f"<news:language>en</news:language></news:publication>"
            f"<news:publication_date>{a.published}</news:publication_date>"
            f"<news:title>{esc(a.title)}</news:title></news:news></url>\n" for a in recent)
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
               f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n{urls}</urlset>\n')
        modified = max([a.modified_dt(today) for a in recent], default=day_start(today))
        return Response(200, xml.encode(), "application/xml; charset=UTF-8", modified=modified)


# ---- entry point ------------------------------------------------------------------------------
def build_server(host: str, port: int, site: Site) -> ThreadingHTTPServer:
    handler = type("BoundHandler", (Handler,), {"site": site})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.mocksite", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    ap.add_argument("--today", type=dt.date.fromisoformat, default=content.DEFAULT_TODAY,
                    help=f"publication horizon, YYYY-MM-DD (default {content.DEFAULT_TODAY})")
    ap.add_argument("--log", help="append one JSON line per request to this file")
    ap.add_argument("--no-faults", dest="faults", action="store_false",
                    help="no 429/503 first hits, no chunked or slow articles")
    args = ap.parse_args(argv)

    site = Site(args.today, args.faults, args.log)
    server = build_server(args.host, args.port, site)
    return serve(server, site, args.host)


def serve(server, site, host: str) -> int:
    """Announce ``serving http://HOST:PORT`` and serve until SIGTERM or SIGINT; close the log."""
    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"serving http://{host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if site.log:
            site.log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
