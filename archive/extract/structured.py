"""The structured data a news page publishes (part of :mod:`archive.extract`).

schema.org JSON-LD (``NewsArticle``, ``Article`` ..., also inside ``@graph``, lists and
``mainEntity``; ``@id`` references are resolved) as :class:`_JsonLd`; Open Graph, Twitter
cards, Dublin Core, plain ``<meta>``, ``<link rel>``, microdata and byline markup as
:class:`_Page`; Parse.ly's page metadata.
"""
from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import lxml.etree
import lxml.html

from archive.extract.common import _as_strings, _dedupe, _key, _norm
from archive.extract.authors import cjk_byline, dateline_byline, lead_byline


# --------------------------------------------------------------------------------------
# JSON-LD (schema.org)
# --------------------------------------------------------------------------------------

#: schema.org types that mark a page as one article.
ARTICLE_TYPES = frozenset(t.casefold() for t in (
    "Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
    "BackgroundNewsArticle", "ReviewNewsArticle", "AskPublicNewsArticle", "SatiricalArticle",
    "BlogPosting", "LiveBlogPosting", "SocialMediaPosting", "TechArticle", "ScholarlyArticle",
    "Report", "AdvertiserContentArticle", "MedicalScholarlyArticle",
))
_ORG_TYPES = frozenset(t.casefold() for t in ("Organization", "NewsMediaOrganization", "Corporation", "Brand"))
_JSON_COMMENTS = re.compile(r"<!--|-->|^\s*//\s*<!\[CDATA\[|//\s*\]\]>\s*$|<!\[CDATA\[|\]\]>", re.M)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def _types(node: Mapping[str, Any]) -> set[str]:
    raw = node.get("@type") or node.get("type")
    names = raw if isinstance(raw, list) else [raw]
    return {str(n).rsplit("/", 1)[-1].split(":")[-1].casefold() for n in names if n}


def _loads_lenient(raw: str) -> list[Any]:
    """Parse a JSON-LD block, tolerating comments, CDATA, trailing commas, control
    characters and several concatenated objects. Returns the parsed values (maybe none)."""
    text = _JSON_COMMENTS.sub("", raw).strip().rstrip(";").strip()
    if not text:
        return []
    for attempt in (text, _TRAILING_COMMA.sub(r"\1", text)):
        try:
            return [json.loads(attempt, strict=False)]
        except RecursionError:
            return []  # nested deeper than Python's stack: no structured data worth having
        except ValueError:
            pass
    attempt = _TRAILING_COMMA.sub(r"\1", re.sub(r"[\x00-\x1f]", " ", text))
    decoder = json.JSONDecoder(strict=False)
    values: list[Any] = []
    pos = 0
    while pos < len(attempt):
        start = min((i for i in (attempt.find("{", pos), attempt.find("[", pos)) if i >= 0), default=-1)
        if start < 0:
            break
        try:
            value, pos = decoder.raw_decode(attempt, start)
            values.append(value)
        except RecursionError:
            break
        except ValueError:
            pos = start + 1
            if values:
                break
    return values


class _JsonLd:
    """The schema.org objects of one page."""

    def __init__(self, blocks: Iterable[str]) -> None:
        self.top: list[dict[str, Any]] = []
        self.by_id: dict[str, dict[str, Any]] = {}
        for raw in blocks:
            for value in _loads_lenient(raw):
                self._collect_top(value)
        for node in self.top:
            self._index(node, 0)
        self.articles = [n for n in self.top if _types(n) & ARTICLE_TYPES and not _types(n) & _ORG_TYPES]
        # Several different headlines at top level: a listing that marks up its teasers.
        headlines = {_key(_norm(h)) for n in self.articles for h in _as_strings(n.get("headline"))[:1]}
        self.listing = len(headlines) >= 3
        self.article = self._main_article()

    def _collect_top(self, value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                self._collect_top(item)
        elif isinstance(value, dict):
            if "@graph" in value:
                self._collect_top(value["@graph"])
            if value.get("@type"):
                self.top.append(value)
                main = value.get("mainEntity")
                if isinstance(main, (dict, list)) and not _types(value) & {"itemlist"}:
                    self._collect_top(main)

    def _index(self, value: Any, depth: int) -> None:
        if depth > 8:
            return
        if isinstance(value, dict):
            node_id = value.get("@id")
            if isinstance(node_id, str) and len(value) > 1 and node_id not in self.by_id:
                self.by_id[node_id] = value
            for item in value.values():
                if isinstance(item, (dict, list)):
                    self._index(item, depth + 1)
        elif isinstance(value, list):
            for item in value:
                self._index(item, depth + 1)

    def _main_article(self) -> dict[str, Any] | None:
        if not self.articles or self.listing:
            return None
        scored = sorted(self.articles, key=lambda n: (
            not n.get("headline"), not n.get("datePublished"), not n.get("author")))
        return scored[0]

    def resolve(self, value: Any) -> Any:
        """Replace ``{"@id": ...}`` references by the objects they point at."""
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and isinstance(value.get("@id"), str):
            return self.by_id.get(value["@id"], value)
        return value

    def get(self, name: str) -> Any:
        return self.article.get(name) if self.article else None

    def first_value(self, name: str) -> Any:
        """The property from the article object, else from any top-level object."""
        value = self.get(name)
        if value:
            return value
        for node in self.top:
            if node.get(name) and not _types(node) & {"itemlist", "breadcrumblist"}:
                return node[name]
        return None

    def authors(self) -> list[tuple[str, bool]]:
        """``(name, is_organization)`` of the article's authors (``creator`` as fallback)."""
        out: list[tuple[str, bool]] = []
        value = self.get("author") or self.get("creator")
        stack = list(value) if isinstance(value, list) else [value]
        while stack:
            item = self.resolve(stack.pop(0))
            if isinstance(item, list):
                stack[:0] = item
            elif isinstance(item, str):
                out.append((item, False))
            elif isinstance(item, dict):
                name = item.get("name")
                if isinstance(name, dict):
                    name = name.get("@value")
                if isinstance(name, list):
                    name = ", ".join(str(n) for n in name)
                if not name and (item.get("givenName") or item.get("familyName")):
                    name = f"{item.get('givenName') or ''} {item.get('familyName') or ''}"
                if name:
                    out.append((str(name), bool(_types(item) & _ORG_TYPES)))
        return out

    def publisher_names(self) -> list[str]:
        names: list[str] = []
        for node in ([self.article] if self.article else []) + self.top:
            pub = self.resolve(node.get("publisher"))
            for item in pub if isinstance(pub, list) else [pub]:
                item = self.resolve(item)
                names += _as_strings(item.get("name") if isinstance(item, dict) else item)
            if _types(node) & (_ORG_TYPES | {"website"}):
                names += _as_strings(node.get("name"))
        return _dedupe(_norm(n) for n in names)


# --------------------------------------------------------------------------------------
# Page metadata: <meta>, <link>, microdata, bylines
# --------------------------------------------------------------------------------------

_MICRODATA = lxml.etree.XPath('//*[@itemtype or @itemprop="datePublished" or @itemprop="headline"]')
_REL_LINKS = lxml.etree.XPath("//a[@rel]")


class _Page:
    """Everything read from the parsed page before trafilatura sees it."""

    def __init__(self, tree: lxml.html.HtmlElement, url: str) -> None:
        self.url = url
        self.meta: dict[str, list[str]] = {}
        for el in tree.iter("meta"):
            # itemprop metas belong to microdata items (images, persons ...), read separately
            name = el.get("property") or el.get("name") or el.get("http-equiv")
            content = el.get("content")
            if name and content is not None and _norm(content):
                for part in name.split():
                    self.meta.setdefault(part.strip().casefold(), []).append(_norm(content))
        self.links: dict[str, list[str]] = {}
        for el in tree.iter("link"):
            href = el.get("href")
            for rel in (el.get("rel") or "").casefold().split():
                if href:
                    self.links.setdefault(rel, []).append(href.strip())
        blocks: list[str] = []
        #: Next.js streamed payloads (``self.__next_f.push([1, "<p>…"])``) that carry HTML:
        #: the only copy of the body on pages the browser renders by script.
        self.flight: list[str] = []
        for el in tree.iter("script"):
            if "ld+json" in (el.get("type") or "").casefold():
                blocks.append(el.text or "")
            elif el.text and el.text.lstrip().startswith("self.__next_f.push(") and (
                    "<p" in el.text or "\\u003cp" in el.text):
                self.flight.append(el.text)
        self.ld = _JsonLd(blocks)
        self.lang = _norm(tree.get("lang") or tree.get("xml:lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang"))
        # The document's <title>, not an icon's (<svg><title>Author icon</title></svg>).
        title_el = next((t for t in tree.iter("title") if not any(a.tag in ("svg", "math") for a in t.iterancestors())), None)
        self.html_title = _norm(title_el.text_content()) if title_el is not None else ""
        # The first h1 with text: an empty logo h1 often precedes the headline's.
        self.h1 = next((t for t in (_norm(h.text_content()) for h in tree.iter("h1")) if t), "")
        self.article_tags = sum(1 for _ in tree.iter("article"))
        # Microdata, in one scan: article-typed items (one or two: an article, maybe a
        # related one; many are teasers), datePublished and headline properties.
        article_items, micro_headline = 0, ""
        micro_dates: list[str] = []
        for el in _MICRODATA(tree):
            itemtype = el.get("itemtype")
            if itemtype and any(t.rsplit("/", 1)[-1].casefold() in ARTICLE_TYPES for t in itemtype.split()):
                article_items += 1
            prop = el.get("itemprop")
            if prop == "datePublished" and len(micro_dates) < 3:
                micro_dates.append(_norm(el.get("content") or el.get("datetime") or el.text_content()))
            elif prop == "headline" and not micro_headline and el.get("content") is not None:
                micro_headline = _norm(el.get("content"))
        self.microdata_article = 1 <= article_items <= 2
        self.micro_dates = micro_dates
        self.micro_headline = micro_headline
        body = tree.find("body")
        self.body_classes = set((body.get("class") or "").casefold().split()) if body is not None else set()
        self._tree = tree
        #: The parsed page (read by the title rules for the headline as printed).
        self.tree = tree
        self.category_links, self.tag_links = [], []
        for a in _REL_LINKS(tree):
            rels = a.get("rel").split()
            if "category" in rels:
                self.category_links.append(_norm(a.text_content()))
            if "tag" in rels:
                self.tag_links.append(_norm(a.text_content()))

    def m(self, *names: str) -> list[str]:
        """All values of the given meta names, in the order of the names."""
        return [v for name in names for v in self.meta.get(name, [])]

    def m1(self, *names: str) -> str:
        values = self.m(*names)
        return values[0] if values else ""

    @functools.cached_property
    def bylines(self) -> list[str]:
        """Author names from byline markup: microdata, rel=author, class byline/author.
        Read only when schema.org and the meta tags name no author (three scans of the
        whole tree), so after reader comments were pruned."""
        return self._bylines(self._tree)

    @functools.cached_property
    def labelled_byline(self) -> list[str]:
        return _labelled_byline(self._tree)

    @functools.cached_property
    def signature(self) -> list[str]:
        return _signature(self._tree)

    @functools.cached_property
    def lead_byline(self) -> list[str]:
        return lead_byline(self._tree)

    @functools.cached_property
    def cjk_byline(self) -> list[str]:
        return cjk_byline(self._tree)

    @functools.cached_property
    def dateline_byline(self) -> list[str]:
        return dateline_byline(self._tree)

    @staticmethod
    def _bylines(tree: lxml.html.HtmlElement) -> list[str]:
        """Author names from byline markup: microdata, rel=author, class byline/author."""
        found: list[str] = []
        # Microdata: the authors of the first item that has any (related-article teasers
        # further down carry their own).
        elements = tree.xpath('//*[@itemprop="author" or @itemprop="creator"]')
        owner = _item_owner(elements[0]) if elements else None
        for el in elements:
            if _item_owner(el) is not owner:
                continue
            names = el.xpath('.//*[@itemprop="name"]')
            value = (names[0].get("content") or names[0].text_content()) if names else (el.get("content") or el.text_content())
            found.append(_norm(value))
        if not found:
            links = tree.xpath('//a[contains(concat(" ", normalize-space(@rel), " "), " author ")]')
            parent = links[0].getparent() if links else None
            found += [_norm(a.text_content()) for a in links if a.getparent() is parent]
        if not found:
            found += _class_byline(tree)
        return [f for f in found if f and len(f) < 200]


#: Text that does not show as words of a byline: icons' titles, controls, templates, scripts.
_VISIBLE_TEXT = lxml.etree.XPath(
    ".//text()[not(ancestor::svg or ancestor::math or ancestor::button or ancestor::template or ancestor::noscript"
    " or ancestor::script or ancestor::style)]")
_BYLINE_CLASS_CANDIDATES = lxml.etree.XPath(
    '//body//*[contains(@class, "yline") or contains(@class, "uthor") or contains(@class, "YLINE")'
    ' or contains(@class, "UTHOR")][not(self::script or self::style or self::img or self::meta or self::link'
    ' or self::template or ancestor::template)]')


def _class_byline(tree: lxml.html.HtmlElement) -> list[str]:
    """The text of the story's byline element (a class of :data:`_BYLINE_CLASSES`): the
    first one inside the ``<article>`` that holds an ``<h1>`` (the story's own, not a
    teaser card's above it), else the first one on the page. At most one value."""
    first: str | None = None
    for el in _BYLINE_CLASS_CANDIDATES(tree):
        if not any(c in _BYLINE_CLASSES for c in (el.get("class") or "").casefold().split()):
            continue
        value = _norm("".join(_VISIBLE_TEXT(el)))
        if not value or len(value) >= 200:
            continue
        article = next((a for a in el.iterancestors("article")), None)
        if article is not None and article.find(".//h1") is not None:
            return [value]
        first = first or value
    return [first] if first else []


#: A byline label standing alone before the names' markup: ``Von: <a>Name</a>, <a>Name</a>``.
_BY_LABEL = re.compile(r"^(?:by|von|par|por|door|av|af|di|przez|от|written by|autor(?:in)?|auteur|author)\s*:?$", re.I)
_BY_LABEL_CANDIDATES = lxml.etree.XPath(
    "//body//*[self::li or self::p or self::div or self::span or self::dd][*][string-length(normalize-space(text())) < 16]"
    "[string-length(normalize-space(text())) > 1]")
_INLINE = frozenset(("a", "span", "b", "strong", "em", "i"))
_NAME_SEPARATOR = re.compile(r"^[\s,;&|·]*(?:(?:and|und|et|y|e|og|en|i)\s*)?[\s,;&|·]*$", re.I)
#: Where a byline is not: captions, page furniture, reader comments.
_NOT_BYLINE_PLACES = frozenset(("figcaption", "footer", "nav", "aside"))


def _name_like(text: str) -> bool:
    """Two to five words, the first capitalised, no digits: the shape of a person's name."""
    words = text.split()
    return 2 <= len(words) <= 5 and text[:1].isupper() and not any(ch.isdigit() for ch in text)


def _labelled_byline(tree: lxml.html.HtmlElement) -> list[str]:
    """Names after a byline label that stands alone as an element's own text, each name in
    an inline child and nothing but separators between them
    (``<li>Von: <a href=…>Bill McCarthy</a>, <a …>Ann Lee</a></li>``). The first such
    element outside captions, footers, navigation and asides."""
    for el in _BY_LABEL_CANDIDATES(tree):
        if not _BY_LABEL.match(_norm(el.text)):
            continue
        children = list(el)
        if not all(isinstance(c.tag, str) and c.tag in _INLINE for c in children):
            continue
        if any(_NAME_SEPARATOR.match(c.tail or "") is None for c in children):
            continue
        names = [_norm(c.text_content()) for c in children]
        if not all(_name_like(n) for n in names) or sum(map(len, names)) > 150:
            continue
        if any(a.tag in _NOT_BYLINE_PLACES for a in el.iterancestors()):
            continue
        return names
    return []


_SIGNATURE_CANDIDATES = lxml.etree.XPath("//body//p[@style]")
_RIGHT_ALIGNED = re.compile(r"text-align\s*:\s*right\s*(?:;|!|$)", re.I)


def _signature(tree: lxml.html.HtmlElement) -> list[str]:
    """An author's signature closing the story: the last right-aligned paragraph, when it
    is the last paragraph of its container, lies outside footers, navigation, asides and
    captions, and holds a name only (two to four capitalised words, no digits, no
    abbreviation in capitals), as Vietnamese, Spanish and Italian papers sign stories."""
    paragraphs = [p for p in _SIGNATURE_CANDIDATES(tree) if _RIGHT_ALIGNED.search(p.get("style") or "")]
    if not paragraphs:
        return []
    last = paragraphs[-1]
    if any(sibling.tag == "p" for sibling in last.itersiblings()):
        return []
    if any(a.tag in _NOT_BYLINE_PLACES or a.tag == "header" for a in last.iterancestors()):
        return []
    text = _norm(last.text_content())
    words = text.split()
    if (2 <= len(words) <= 4 and len(text) <= 60 and all(w[:1].isupper() for w in words)
            and not any(len(w) >= 3 and w.isupper() for w in words)
            and not re.search(r"[\d,:;©@/|()]", text)):
        return [text]
    return []


_BYLINE_CLASSES = frozenset((
    "byline", "by-line", "author", "author-name", "authors", "article-author", "byline-author",
    "post-author", "entry-author", "article__author", "c-byline", "byline__author", "author__name",
    "meta-author", "story-byline", "article-byline"))


def _item_owner(el: lxml.html.HtmlElement) -> Any:
    """The nearest ancestor (not ``el`` itself) that is a microdata item, or ``None``."""
    parent = el.getparent()
    while parent is not None:
        if parent.get("itemscope") is not None:
            return parent
        parent = parent.getparent()
    return None


# --------------------------------------------------------------------------------------
# Parse.ly
# --------------------------------------------------------------------------------------

def _parsely_page(page: _Page) -> dict[str, Any]:
    """The legacy ``<meta name="parsely-page" content="{json}">`` object, if any."""
    raw = page.m1("parsely-page")
    if not raw:
        return {}
    values = _loads_lenient(raw)
    value = values[0] if values else None
    if not isinstance(value, dict):
        return {}
    if isinstance(value.get("author"), str):
        value["author"] = [value["author"]]
    return value


