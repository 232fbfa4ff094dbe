"""Page requisites: what a browser loads to show a page as it was published.

A web archive keeps a page with its requisites (Heritrix calls them embeds): stylesheets,
the fonts and images they load, scripts, icons, images. This module finds them in an
archived page's HTML tree and in fetched CSS; it fetches nothing (the crawler does, in its
own scope and politeness, ``crawler/requisites.py``).

HTML (HTML Living Standard): ``<link rel=stylesheet|icon|preload|modulepreload|…>``,
``<script src>``, ``<img src>``, every ``srcset`` candidate of ``<img>`` and
``<picture><source>``, ``<video poster>``, ``<video>``/``<audio>`` ``src`` and their
``<source src>``, ``<input type=image src>``, ``style="…url()…"`` attributes and ``<style>``
blocks. URLs resolve against ``<base href>`` when the page has one (section 4.2.3), else
against the page's URL.

CSS (CSS Syntax Level 3, tokenized by tinycss2, never by a regex): every ``url()`` token
and ``url("…")`` function, and the ``@import`` rules' strings, resolved against the CSS
file's own URL (CSS Values 4, section 4.5.1), so a theme's ``url(fonts/serif.woff2)``
is its own folder's font.
"""
from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import tinycss2

__all__ = ["Requisite", "css_requisites", "html_requisites", "kind_of_mime", "requisite_urls"]

#: ``<link rel>`` values whose ``href`` a browser loads for the page itself.
LINK_RELS = frozenset({"stylesheet", "icon", "shortcut", "apple-touch-icon", "apple-touch-icon-precomposed",
                       "mask-icon", "preload", "modulepreload", "manifest"})
#: What a requisite is, from where it was found: decides its size limit (``media``).
KINDS = ("stylesheet", "script", "image", "font", "media", "icon", "other")
_XPATH = ("//base[@href] | //link[@href] | //script[@src] | //img | //source | //video | //audio"
          " | //input[@src] | //*[@style] | //style")
# The srcset parsing algorithm's steps (HTML section 4.8.4.3.10), each a linear regex: skip
# ASCII whitespace and commas; the URL is a run of non-whitespace; its descriptors run to
# the next comma outside parentheses.
_SRCSET_SKIP = re.compile(r"[ \t\n\r\f,]*")
_SRCSET_URL = re.compile(r"[^ \t\n\r\f]+")
_SRCSET_DESCRIPTORS = re.compile(r"[^(,]*(?:\([^)]*\)?[^(,]*)*")
_AS_KIND = {"style": "stylesheet", "script": "script", "font": "font", "image": "image",
            "audio": "media", "video": "media", "track": "media", "fetch": "other"}


@dataclass(frozen=True)
class Requisite:
    """One page requisite: its absolute URL and what kind of thing it is (:data:`KINDS`)."""

    url: str
    kind: str


def _absolute(base: str, ref: str | None) -> str | None:
    """``ref`` resolved against ``base``; None for empty, inline (``data:``) or non-HTTP URLs."""
    if not isinstance(ref, str) or not isinstance(base, str):
        return None
    ref = ref.strip()
    if not ref or ref.startswith("#"):
        return None
    if not ref.isascii():
        # A lone surrogate (tinycss2 keeps a ``\D800`` escape as one) is U+FFFD, as CSS
        # Syntax 3 section 4.3.7 says: a URL that cannot be encoded is no request.
        ref = ref.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if ref[:8].lower().startswith(("http://", "https://")):
        return _checked_url(ref)  # absolute already (most are): the same answer on every page
    try:
        url = urljoin(base, ref)
    except ValueError:  # an unclosed IPv6 bracket: not a URL
        return None
    return _checked_url(url)


@functools.lru_cache(maxsize=4096)
def _checked_url(url: str) -> str | None:
    """``url`` without its fragment when it is an http(s) URL with a host and a valid port."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port out of range or not a number
    except ValueError:  # an unclosed IPv6 bracket, a bad port: not a URL
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return url.split("#", 1)[0]


def srcset_urls(value: str | None) -> list[str]:
    """The image candidate URLs of a ``srcset`` attribute (HTML section 4.8.4.2.1).

    >>> srcset_urls("a-300.png 300w, a-1024.png 1024w")
    ['a-300.png', 'a-1024.png']
    """
    if not isinstance(value, str):
        return []
    urls: list[str] = []
    pos, end = 0, len(value)
    while True:
        pos = _matched(_SRCSET_SKIP, value, pos).end()
        if pos >= end:
            return urls
        match = _matched(_SRCSET_URL, value, pos)  # pos is on neither a space nor a comma
        url, pos = match.group(), match.end()
        if url.endswith(","):  # "a.png," has no descriptors
            url = url.rstrip(",")
        else:
            pos = _matched(_SRCSET_DESCRIPTORS, value, pos).end()
        if url:
            urls.append(url)


def _matched(pattern: re.Pattern[str], value: str, pos: int) -> re.Match[str]:
    """``pattern.match(value, pos)`` of a pattern that matches there by construction
    (the ``srcset`` grammar's ``*`` runs, or a URL at a character that starts one)."""
    match = pattern.match(value, pos)
    assert match is not None, (pattern.pattern, pos)
    return match


def _css_tokens(nodes: Iterable[Any]) -> Iterator[tuple[str, bool]]:
    """``(url, is_import)`` of every ``url()`` in a tinycss2 node list and the lists nested in
    it, in source order (a stack, not recursion: blocks may nest deeper than Python's limit)."""
    stack: list[Iterator[Any]] = [iter(nodes)]
    while stack:
        node: Any = next(stack[-1], _END)
        if node is _END:
            stack.pop()
            continue
        kind = getattr(node, "type", None)
        if kind == "url":
            yield node.value, False
        elif kind == "function" and node.lower_name in ("url", "src"):
            for arg in node.arguments:
                if getattr(arg, "type", None) == "string":
                    yield arg.value, False
        if kind == "at-rule" and node.lower_at_keyword == "import":
            ref = _import_ref(node.prelude)
            if ref:
                yield ref, True
            continue
        children: list[Any] = []
        for attr in ("prelude", "content", "arguments", "value"):
            value = getattr(node, attr, None)
            if isinstance(value, list):
                children.extend(value)
        if children:
            stack.append(iter(children))


_END = object()


def _import_ref(prelude: list[Any]) -> str | None:
    """The stylesheet an ``@import`` names: ``"a.css"``, ``url(a.css)`` or ``url("a.css")``."""
    for node in prelude:
        kind = getattr(node, "type", None)
        if kind in ("string", "url"):
            return str(node.value)
        if kind == "function" and node.lower_name == "url":
            return next((str(a.value) for a in node.arguments if getattr(a, "type", None) == "string"), None)
    return None


def _css_kind(url: str, is_import: bool) -> str:
    if is_import:
        return "stylesheet"
    path = urlsplit(url).path.lower()
    if path.endswith((".woff2", ".woff", ".ttf", ".otf", ".eot")):
        return "font"
    return "image"


def css_requisites(css: bytes | str, css_url: str, *, declaration_list: bool = False) -> list[Requisite]:
    """The requisites a stylesheet loads: ``@import`` and every ``url()``.

    Args:
        css: the stylesheet, as bytes (its ``@charset`` or BOM decides the decoding, CSS
            Syntax 3 section 3.2, UTF-8 by default) or text.
        css_url: the URL the references resolve against: the CSS file's own URL, or for a
            ``<style>`` block or ``style`` attribute the page's base URL.
        declaration_list: ``css`` is a ``style`` attribute's declarations, not a stylesheet.

    Returns:
        Absolute URLs in source order, each once; ``data:`` URLs and junk are left out.
        Broken CSS is parsed as far as it goes (CSS error recovery), never raised.
    """
    if isinstance(css, (bytearray, memoryview)):
        css = bytes(css)
    if not isinstance(css, (bytes, str)):
        return []
    if isinstance(css, bytes) and not declaration_list:
        if b"\x00" not in css[:64] and not _MAY_REFER.search(css):  # (UTF-16 CSS has NULs)
            return []
        nodes, _encoding = tinycss2.parse_stylesheet_bytes(css)
        refs = _unique_refs(nodes)
    else:
        text = css.decode("utf-8", "replace") if isinstance(css, bytes) else css
        refs = _text_refs(text, declaration_list)
    found: dict[str, Requisite] = {}
    for ref, is_import in refs:
        url = _absolute(css_url, ref)
        if url and url not in found:
            found[url] = Requisite(url, _css_kind(url, is_import))
    return list(found.values())


#: CSS that names no ``url`` and no ``@import`` loads nothing (a cheap test before tokenizing).
_MAY_REFER = re.compile(rb"url|@import", re.IGNORECASE)


def _unique_refs(nodes: list[Any]) -> tuple[tuple[str, bool], ...]:
    """Each ``(reference, is_import)`` once, in source order (a sprite used 10,000 times
    is resolved once)."""
    return tuple(dict.fromkeys(_css_tokens(nodes)))


def _text_refs(text: str, declaration_list: bool) -> tuple[tuple[str, bool], ...]:
    """The references of a ``<style>`` block or ``style`` attribute. Cached by a digest of
    the text (:data:`_REFS_CACHE_SIZE` entries, however long each text): a theme's inline
    CSS is the same on every page of a site, and tokenizing it (tinycss2, pure Python)
    costs about a microsecond a character."""
    raw = text.encode("utf-8", "surrogatepass")
    if not _MAY_REFER.search(raw):
        return ()
    key = (hashlib.blake2b(raw, digest_size=16).digest(), declaration_list)
    refs = _REFS_CACHE.pop(key, None)
    if refs is None:
        refs = _tokenized_refs(text, declaration_list)
        if len(_REFS_CACHE) >= _REFS_CACHE_SIZE:
            del _REFS_CACHE[next(iter(_REFS_CACHE))]  # the least recently used
    _REFS_CACHE[key] = refs  # (re)inserted last: most recently used
    return refs


_REFS_CACHE: dict[tuple[bytes, bool], tuple[tuple[str, bool], ...]] = {}
_REFS_CACHE_SIZE = 2048


def _tokenized_refs(text: str, declaration_list: bool) -> tuple[tuple[str, bool], ...]:
    if len(text) > WHOLE_CSS_MAX_CHARS:
        return _windowed_refs(text)
    if declaration_list:
        return _unique_refs(tinycss2.parse_blocks_contents(text))
    return _unique_refs(tinycss2.parse_stylesheet(text))


#: Inline CSS longer than this is not tokenized whole: each ``url(`` and ``@import`` is.
WHOLE_CSS_MAX_CHARS = 8192
_COMMENT = re.compile(r"/\*.*?(?:\*/|\Z)", re.DOTALL)
_DATA_URL = re.compile(r"[ \t\n\r\f]*[\"']?[ \t\n\r\f]*data:", re.IGNORECASE)
_CANDIDATE = re.compile(r"(?<![\w\\'\"-])(?:url\(|@import\b)", re.IGNORECASE)


def _windowed_refs(text: str) -> tuple[tuple[str, bool], ...]:
    """The references of a large inline stylesheet (a page's critical CSS, often 100 KB):
    each ``url(`` and ``@import`` outside comments is tokenized by tinycss2 from where it
    starts to where its token or rule ends, instead of the whole text (linear either way,
    but tinycss2 reads about a microsecond a character)."""
    text = _COMMENT.sub(" ", text)
    refs: list[tuple[str, bool]] = []
    rule_end = -1
    for match in _CANDIDATE.finditer(text):
        start = match.start()
        if start < rule_end:
            continue  # the url() of an @import just read
        if match.group().startswith("@"):
            end = text.find(";", start)
            rule_end = end if end >= 0 else start + 2048
            rule = tinycss2.parse_stylesheet(text[start:rule_end + 1])
            refs.extend((ref, True) for ref, _ in _css_tokens(rule))
            continue
        end = text.find(")", match.end())
        while end >= 0 and text.count('"', start, end) % 2 + text.count("'", start, end) % 2:
            end = text.find(")", end + 1)  # a ")" inside a quoted URL
        if _DATA_URL.match(text, match.end()):
            # Inline data (fonts, SVG) loads nothing, and tinycss2 spends a Python step on
            # every character of it; what it holds (an SVG's url(#id)) is skipped too.
            rule_end = end if end >= 0 else len(text)
            continue
        nodes = tinycss2.parse_component_value_list(text[start:end + 1 if end >= 0 else start + 2048])
        refs.extend(_css_tokens(nodes[:1]))
    return tuple(dict.fromkeys(refs))


def _link_kind(el: Any, rels: set[str]) -> str | None:
    if "stylesheet" in rels:
        return "stylesheet"
    if rels & {"icon", "shortcut", "apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon"}:
        return "icon"
    if "modulepreload" in rels:
        return "script"
    if "preload" in rels:
        return _AS_KIND.get((el.get("as") or "").strip().lower(), "other")
    if "manifest" in rels:
        return "other"
    return None


def _element_refs(el: Any) -> Iterator[tuple[str | None, str]]:
    """``(reference, kind)`` pairs an element loads (not its ``style`` attribute)."""
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    if tag == "link":
        kind = _link_kind(el, set((el.get("rel") or "").lower().split()))
        if kind:
            yield el.get("href"), kind
    elif tag == "script":
        yield el.get("src"), "script"
    elif tag in ("img", "source", "input"):
        parent = el.getparent()
        media = tag == "source" and parent is not None and str(parent.tag).lower() in ("video", "audio")
        if tag != "input" or (el.get("type") or "").lower() == "image":
            yield el.get("src"), "media" if media else "image"
        for ref in srcset_urls(el.get("srcset")):
            yield ref, "image"
    elif tag in ("video", "audio"):
        yield el.get("src"), "media"
        if tag == "video":
            yield el.get("poster"), "image"


def html_requisites(tree: Any, page_url: str) -> list[Requisite]:
    """The requisites of one HTML page, from its parsed tree.

    Args:
        tree: the page's lxml tree (``lxml.html`` document or element, e.g. parsel's
            ``selector.root``), not yet pruned of anything.
        page_url: the URL the page was fetched from; ``<base href>`` overrides it.

    Returns:
        Absolute http(s) URLs in document order, each once (the first kind found wins).
    """
    found: dict[str, Requisite] = {}
    if tree is None or not hasattr(tree, "xpath"):
        return []
    base = page_url
    # Elements only: a tree that is not lxml's (a parsel Selector) answers other things.
    elements = [el for el in tree.xpath(_XPATH) if isinstance(getattr(el, "tag", None), str)]
    for el in elements:
        if el.tag.lower() == "base":
            base = _absolute(page_url, el.get("href")) or page_url
            break

    seen: set[str | None] = set()

    def add(ref: str | None, kind: str) -> None:
        if ref in seen:  # resolve each reference once (the first kind wins anyway)
            return
        seen.add(ref)
        url = _absolute(base, ref)
        if url and url not in found:
            found[url] = Requisite(url, kind)

    for el in elements:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag == "style":
            for req in css_requisites("".join(el.itertext()), base):  # an XML tree has no text_content
                found.setdefault(req.url, req)
        else:
            for ref, kind in _element_refs(el):
                add(ref, kind)
        style = el.get("style") if tag != "style" else None
        if isinstance(style, str) and "url" in style.lower():
            for req in css_requisites(style, base, declaration_list=True):
                found.setdefault(req.url, req)
    return list(found.values())


def requisite_urls(requisites: Iterable[Requisite]) -> list[tuple[str, str]]:
    """``[(url, kind)]``: a plain, picklable form (for results crossing process borders)."""
    return [(r.url, r.kind) for r in requisites]


def kind_of_mime(mime: str | None) -> str | None:
    """The requisite kind (:data:`KINDS`) of a capture's media type, or None for a page
    (HTML, XML, feeds, text), a document (PDF) or an unknown type.

    >>> kind_of_mime("text/css"), kind_of_mime("image/png"), kind_of_mime("text/html")
    ('stylesheet', 'image', None)
    """
    mime = (mime or "").split(";")[0].strip().lower()
    if mime == "text/css":
        return "stylesheet"
    if mime in ("application/javascript", "text/javascript", "application/x-javascript", "application/ecmascript",
                "text/ecmascript", "module/javascript") or mime.endswith("+javascript"):
        return "script"
    major, _, minor = mime.partition("/")
    if major == "image":
        return "icon" if minor in ("x-icon", "vnd.microsoft.icon") else "image"
    if major == "font" or minor in ("font-woff", "font-woff2", "x-font-woff", "x-font-ttf", "vnd.ms-fontobject"):
        return "font"
    if major in ("audio", "video"):
        return "media"
    if mime == "application/manifest+json":
        return "other"
    return None
