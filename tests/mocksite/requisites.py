"""Page requisites of the mock site, as a WordPress theme serves them (ground truth and bytes).

Every HTML page (front page, back issues, editions, date/month archives, listings, articles, the
AMP twin, 404 pages) links in <head> the theme stylesheet, a script and a favicon; the stylesheet
pulls in more through CSS, resolved against the CSS file's own URL:

  /wp-content/themes/mocknews/style.css?ver=6.4.3    text/css
      @import url("print.css")                 -> /wp-content/themes/mocknews/print.css
      @font-face src:url(fonts/serif.woff2)    -> /wp-content/themes/mocknews/fonts/serif.woff2
      .site-header url(../../uploads/masthead.png) -> /wp-content/uploads/masthead.png
      body{background-color:#fce4ec} (pink), h1{color:#c62828} (red)
  /wp-content/themes/mocknews/print.css           url(img/rule.png) -> .../mocknews/img/rule.png
  /wp-includes/js/site.min.js?ver=3.7.1            application/javascript
  /favicon.png                                     image/png

Every article page (not its AMP twin) also has a lead image with a srcset, a <picture> with a
webp <source>, an element with an inline style="background-image:url('...')", a <style> block
with a url(), and three traps: an <img> under the robots-disallowed /private/, a script on a
third-party host (the same server under its other name: localhost when the page was asked for as
127.0.0.1, 127.0.0.1 when asked for as localhost), and on VIDEO_ARTICLE a <video> whose poster is
a requisite and whose mp4 is a 2 MiB streamed body (for a media size limit). BASE_HREF_ARTICLE has
<base href="BASE/static/"> and <img src="base-relative.png">, i.e. /static/base-relative.png.

Images are real PNGs (zlib + struct), one colour per path, at the size their name says
(-1024x576.png is 1024 x 576); the .webp path is served as PNG bytes with Content-Type image/png;
the font is a 48-byte WOFF2 header (b"wOF2"...), font/woff2. Every requisite response has
Last-Modified = THEME_MODIFIED, an ETag, Cache-Control: max-age=31536000, answers If-None-Match /
If-Modified-Since with 304, and is marked "requisite": true in the request log (200 or 304).

Ground truth:
  SHARED_REQUISITES        paths (with query) every HTML page needs
  article_requisites(a)    paths an article page needs besides those (lead sizes, picture source
                           and img, inline-style background, <style> image, the poster on
                           VIDEO_ARTICLE, BASE_HREF_REQUISITE on BASE_HREF_ARTICLE); never the
                           disallowed, third-party or media ones
  DISALLOWED_REQUISITE     /private/tracker.png (robots.txt disallows /private/; logged robots_violation)
  THIRD_PARTY_REQUISITE    /cdn/third-party.js, referenced as third_party_base(page base) + it
  MEDIA_REQUISITE          /wp-content/uploads/clip.mp4 (video/mp4, MEDIA_BYTES long, streamed)
  VIDEO_ARTICLE, VIDEO_POSTER, BASE_HREF_ARTICLE, BASE_HREF_REQUISITE
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterator
from urllib.parse import urlsplit

from .content import BY_SLUG

THEME = "/wp-content/themes/mocknews"
UPLOADS = "/wp-content/uploads"
THEME_VERSION = "6.4.3"
SCRIPT_VERSION = "3.7.1"
THEME_MODIFIED = dt.datetime(2024, 1, 2, 10, 0, tzinfo=dt.timezone.utc)
CACHE_CONTROL = "max-age=31536000"

STYLESHEET = f"{THEME}/style.css?ver={THEME_VERSION}"
PRINT_CSS = f"{THEME}/print.css"
FONT = f"{THEME}/fonts/serif.woff2"
MASTHEAD = f"{UPLOADS}/masthead.png"
PRINT_IMAGE = f"{THEME}/img/rule.png"
SCRIPT = f"/wp-includes/js/site.min.js?ver={SCRIPT_VERSION}"
FAVICON = "/favicon.png"
SHARED_REQUISITES = (STYLESHEET, PRINT_CSS, FONT, MASTHEAD, PRINT_IMAGE, SCRIPT, FAVICON)

INLINE_STYLE_IMAGE = f"{UPLOADS}/inline-style.png"    # in each article's <style> block
DISALLOWED_REQUISITE = "/private/tracker.png"
THIRD_PARTY_REQUISITE = "/cdn/third-party.js"
MEDIA_REQUISITE = f"{UPLOADS}/clip.mp4"
MEDIA_BYTES = 2 * 1024 * 1024
VIDEO_POSTER = f"{UPLOADS}/poster.png"
VIDEO_ARTICLE = "tribal-nation-wins-water-rights-ruling-colorado-river-tributary"
BASE_HREF_ARTICLE = "eu-regulators-fine-shipping-firm-ballast-water"
BASE_HREF = "/static/"                                 # <base href="BASE/static/">
BASE_HREF_REQUISITE = "/static/base-relative.png"      # <img src="base-relative.png"> on that page

STYLE_CSS = f"""@import url("print.css");
@font-face{{font-family:"Mock Serif";src:url(fonts/serif.woff2) format("woff2");font-weight:400;font-display:swap}}
body{{background-color:#fce4ec;color:#212121;font-family:"Mock Serif",Georgia,serif;margin:0}}
h1{{color:#c62828}}
.site-header{{background-image:url(../../uploads/masthead.png);background-repeat:no-repeat;background-position:right top;min-height:90px;padding:8px 16px}}
.site-content{{display:flex;gap:24px;padding:0 16px}}
.site-main{{flex:3}}
.widget-area{{flex:1}}
figure.lead img,.article-media img{{max-width:100%;height:auto}}
/* Theme Name: Mock News; Version: {THEME_VERSION}; a WordPress theme for tests */
""".encode()

PRINT_CSS_TEXT = b"""/* print and rules */
.site-footer{border-top:4px solid #c62828;background:url(img/rule.png) repeat-x left top;padding-top:12px}
@media print{.site-header,.widget-area,.search-form{display:none}body{background:#fff}}
"""

SITE_JS = b"""/*! mocknews site.min.js v3.7.1 */
(function(d){d.documentElement.className+=" js";window.mockNews={version:"3.7.1"};})(document);
"""

THIRD_PARTY_JS = b"""/* a third-party analytics snippet */
window.mockThirdParty=(window.mockThirdParty||0)+1;
"""


def upload_dir(a) -> str:
    return f"{UPLOADS}/{a.date:%Y/%m}"


def lead_image(a, size: str = "1024x576") -> str:
    return f"{upload_dir(a)}/{a.slug}-{size}.png"


def picture_source(a) -> str:
    return f"{upload_dir(a)}/{a.slug}-800.webp"


def picture_image(a) -> str:
    return f"{upload_dir(a)}/{a.slug}-800.png"


def background_image(a) -> str:
    return f"{UPLOADS}/{a.slug}-bg.png"


def article_requisites(a) -> list[str]:
    """Same-site, robots-allowed requisites an article page needs besides SHARED_REQUISITES."""
    a = BY_SLUG[a] if isinstance(a, str) else a
    paths = [lead_image(a, "1024x576"), lead_image(a, "300x169"), picture_source(a), picture_image(a),
             background_image(a), INLINE_STYLE_IMAGE]
    if a.slug == VIDEO_ARTICLE:
        paths.append(VIDEO_POSTER)
    if a.slug == BASE_HREF_ARTICLE:
        paths.append(BASE_HREF_REQUISITE)
    return paths


def third_party_base(base: str) -> str:
    """The 'other' host of the same server: localhost for 127.0.0.1 (and any other name), and back."""
    parts = urlsplit(base)
    other = "127.0.0.1" if parts.hostname == "localhost" else "localhost"
    return f"{parts.scheme or 'http'}://{other}" + (f":{parts.port}" if parts.port else "")


# ---- HTML pieces ------------------------------------------------------------------------------
def shared_head() -> str:
    return (f'<link rel="stylesheet" id="mocknews-style-css" href="{STYLESHEET}" type="text/css" media="all">\n'
            f'<script src="{SCRIPT}" id="mocknews-site-js"></script>\n'
            f'<link rel="icon" href="{FAVICON}" sizes="32x32">\n')


def article_head(a, base: str) -> str:
    head = ""
    if a.slug == BASE_HREF_ARTICLE:
        head += f'<base href="{base}{BASE_HREF}">\n'
    head += (f'<style id="mocknews-inline-css">.entry-header{{background:url({INLINE_STYLE_IMAGE}) right top no-repeat}}'
             '.entry-banner{height:48px;background-size:cover}</style>\n'
             f'<script src="{third_party_base(base)}{THIRD_PARTY_REQUISITE}" async></script>\n')
    return head


def lead_figure(a) -> str:
    small, large = lead_image(a, "300x169"), lead_image(a, "1024x576")
    return (f'<figure class="lead post-thumbnail"><img width="1024" height="576" src="{large}" '
            f'srcset="{small} 300w, {large} 1024w" sizes="(max-width: 1024px) 100vw, 1024px" '
            'class="attachment-post-thumbnail wp-post-image" alt="" decoding="async"></figure>\n')


def media_aside(a) -> str:
    parts = [f'<picture><source srcset="{picture_source(a)}" type="image/webp">'
             f'<img src="{picture_image(a)}" width="800" height="450" alt=""></picture>',
             f'<div class="entry-banner" style="background-image:url(\'{background_image(a)}\')"></div>']
    if a.slug == VIDEO_ARTICLE:
        parts.append(f'<figure class="wp-block-video"><video poster="{VIDEO_POSTER}" controls preload="none">'
                     f'<source src="{MEDIA_REQUISITE}" type="video/mp4"></video></figure>')
    if a.slug == BASE_HREF_ARTICLE:
        parts.append('<img class="base-relative" src="base-relative.png" width="120" height="80" alt="">')
    parts.append(f'<img class="tracker" src="{DISALLOWED_REQUISITE}" width="1" height="1" alt="">')
    return '<aside class="article-media">' + "".join(parts) + "</aside>\n"


# ---- bytes ------------------------------------------------------------------------------------
def make_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """An 8-bit RGB PNG: the colour, with a darker band across its middle third."""
    dark = tuple(c * 3 // 5 for c in rgb)
    light_row = b"\x00" + bytes(rgb) * width
    dark_row = b"\x00" + bytes(dark) * width
    raw = b"".join(dark_row if height >= 3 and height // 3 <= y < 2 * height // 3 else light_row
                   for y in range(height))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def colour_for(path: str) -> tuple[int, int, int]:
    digest = hashlib.sha1(path.encode()).digest()
    return tuple(48 + b % 176 for b in digest[:3])


IMAGE_SIZES = {MASTHEAD: (600, 90), PRINT_IMAGE: (400, 4), FAVICON: (32, 32), INLINE_STYLE_IMAGE: (200, 200),
               VIDEO_POSTER: (640, 360), BASE_HREF_REQUISITE: (120, 80), DISALLOWED_REQUISITE: (1, 1)}


def image_size(path: str) -> tuple[int, int]:
    if path in IMAGE_SIZES:
        return IMAGE_SIZES[path]
    m = re.search(r"-(\d+)x(\d+)\.png$", path)
    if m:
        return int(m.group(1)), int(m.group(2))
    if re.search(r"-800\.(png|webp)$", path):
        return 800, 450
    if path.endswith("-bg.png"):
        return 1200, 48
    return 64, 64


@lru_cache(maxsize=256)
def png_for(path: str) -> bytes:
    return make_png(*image_size(path), colour_for(path))


def make_woff2() -> bytes:
    """A WOFF2 header (signature, TrueType flavour, no tables): enough to be recognised, not a usable font."""
    header = struct.pack(">4s4sIHHIIHHIIIII", b"wOF2", b"\x00\x01\x00\x00", 48, 0, 0, 12, 0, 1, 0, 0, 0, 0, 0, 0)
    return header


FTYP = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"


def media_chunks(size: int = MEDIA_BYTES, step: int = 64 * 1024) -> Iterator[bytes]:
    """The mp4 body: an ftyp box, then zero bytes, in 64 KiB pieces (never all in memory)."""
    yield FTYP
    left = size - len(FTYP)
    zeros = bytes(step)
    while left > 0:
        n = min(step, left)
        yield zeros[:n]
        left -= n


@dataclass
class Asset:
    """What the server sends for a requisite path: a body, or a streamed one of a known length."""
    body: bytes | None
    ctype: str
    compressible: bool = False
    robots_violation: bool = False
    stream: Callable[[], Iterator[bytes]] | None = None
    length: int = 0
    etag: str | None = None


PNG_TYPE = "image/png"
_STATIC = {
    f"{THEME}/style.css": lambda: Asset(STYLE_CSS, "text/css", compressible=True),
    PRINT_CSS: lambda: Asset(PRINT_CSS_TEXT, "text/css", compressible=True),
    FONT: lambda: Asset(make_woff2(), "font/woff2"),
    "/wp-includes/js/site.min.js": lambda: Asset(SITE_JS, "application/javascript", compressible=True),
    THIRD_PARTY_REQUISITE: lambda: Asset(THIRD_PARTY_JS, "application/javascript", compressible=True),
    MEDIA_REQUISITE: lambda: Asset(None, "video/mp4", stream=media_chunks, length=MEDIA_BYTES,
                                   etag='"' + hashlib.sha1(b"clip.mp4:%d" % MEDIA_BYTES).hexdigest()[:20] + '"'),
}
for _p in (MASTHEAD, PRINT_IMAGE, FAVICON, INLINE_STYLE_IMAGE, VIDEO_POSTER, BASE_HREF_REQUISITE):
    _STATIC[_p] = (lambda p=_p: Asset(png_for(p), PNG_TYPE))
_STATIC[DISALLOWED_REQUISITE] = lambda: Asset(png_for(DISALLOWED_REQUISITE), PNG_TYPE, robots_violation=True)

_DATED = re.compile(r"/wp-content/uploads/(\d{4})/(\d{2})/([a-z0-9-]+?)-(1024x576\.png|300x169\.png|800\.png|800\.webp)")
_BG = re.compile(r"/wp-content/uploads/([a-z0-9-]+)-bg\.png")


def lookup(path: str, today: dt.date) -> Asset | None:
    """The requisite at `path` (no query string; queries are ignored, as a static file server does).

    An article's uploads exist from its publication day on (a deleted post's media stay, as in
    WordPress), so they 404 while "today" is earlier, like its page and its complaint PDF.
    """
    make = _STATIC.get(path)
    if make:
        return make()
    m = _DATED.fullmatch(path)
    if m:
        a = BY_SLUG.get(m.group(3))
        if a and a.date <= today and f"{a.date:%Y/%m}" == f"{m.group(1)}/{m.group(2)}":
            return Asset(png_for(path), PNG_TYPE)
        return None
    m = _BG.fullmatch(path)
    if m:
        a = BY_SLUG.get(m.group(1))
        if a and a.date <= today:
            return Asset(png_for(path), PNG_TYPE)
    return None
