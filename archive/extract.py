"""Turn one archived HTML response into an :class:`~archive.records.ExtractedArticle`.

The body text comes from trafilatura; the metadata is read from the structured data that
news pages publish, in this order of trust:

1. schema.org JSON-LD (``NewsArticle``, ``Article``, ``ReportageNewsArticle``, ``BlogPosting``
   ..., also inside ``@graph``, lists and ``mainEntity``; ``@id`` references are resolved),
2. Open Graph (``og:*``, ``article:*``), Twitter cards, Dublin Core (``dc.*``, ``dcterms.*``),
   Parse.ly (``parsely-*``) and plain ``<meta name=author|keywords|description>``,
3. schema.org microdata and byline markup (``rel=author``, ``itemprop=author``, ``.byline``),
4. trafilatura's own metadata (and through it htmldate) as the last resort.

Every rule here is generic: nothing depends on a publisher's name or URL.

The body is decoded following the encoding sniffing algorithm of the HTML Living Standard
(BOM, transport-layer charset, ``<meta>`` prescan), with a verification step: a declared
charset under which the bytes do not decode, or a legacy label on valid multi-byte UTF-8, is
overridden, and charset-normalizer is consulted only when nothing declared fits.

The module is free of global state that calls would mutate, so :func:`extract` can run in a
process pool; it never imports Scrapy.
"""
from __future__ import annotations

import codecs
import copy
import html
import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
import trafilatura
import trafilatura.metadata
import trafilatura.settings

import archive
from archive.extract_authors import _choose_authors, lead_byline
from archive.extract_common import _as_strings, _dedupe, _key, _norm
from archive.extract_consent import recover_body
from archive.extract_taxonomy import categories_and_tags
from archive.extract_titles import _choose_title, _site_keys
from archive.records import ExtractedArticle
from archive.requisites import html_requisites, requisite_urls

__all__ = ["decode_html", "extract", "EXTRACTOR"]

#: Value of :attr:`ExtractedArticle.extractor`.
EXTRACTOR = f"newsarchive/{archive.__version__} trafilatura/{trafilatura.__version__}"

# --------------------------------------------------------------------------------------
# Decoding (HTML Living Standard, "determining the character encoding")
# --------------------------------------------------------------------------------------

#: Labels that the Encoding Standard maps to another decoder than Python's namesake.
_WHATWG_ALIASES = {
    "ascii": "windows-1252", "us-ascii": "windows-1252", "iso-8859-1": "windows-1252",
    "iso8859-1": "windows-1252", "iso_8859-1": "windows-1252", "latin1": "windows-1252",
    "latin-1": "windows-1252", "l1": "windows-1252", "cp819": "windows-1252",
    "ibm819": "windows-1252", "iso-ir-100": "windows-1252", "x-cp1252": "windows-1252",
    "iso-8859-9": "windows-1254", "iso8859-9": "windows-1254", "latin5": "windows-1254",
    "iso-8859-11": "cp874", "tis-620": "cp874", "windows-874": "cp874",
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "chinese": "gb18030",
    "big5": "big5hkscs", "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932",
    "x-sjis": "cp932", "windows-31j": "cp932", "ms_kanji": "cp932",
    "euc-kr": "cp949", "ks_c_5601-1987": "cp949", "iso-8859-8-i": "iso-8859-8",
    "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8",
    # A <meta> that says UTF-16 in an ASCII-compatible byte stream means UTF-8.
    "utf-16": "utf-8", "utf-16le": "utf-8", "utf-16be": "utf-8",
}
#: Python codec names of the single-byte legacy encodings (every byte decodes to something).
_SINGLE_BYTE = re.compile(r"^(cp125\d|cp874|cp437|cp85\d|iso8859[-_]\d+|koi8[-_]\w|mac[-_]\w+)$")
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([-\w.:]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([-\w.:]+)""", re.I)
_CT_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([-\w.:]+)""", re.I)
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
#: Bytes scanned for <meta charset>; the standard says 1024, real pages put it later.
_PRESCAN_BYTES = 8192


def _codec_name(label: str | None) -> str | None:
    """Return the Python codec for an encoding label (Encoding Standard aliases applied)."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _WHATWG_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _public_name(codec: str) -> str:
    """Return the IANA/WHATWG spelling of a Python codec name (``cp1252`` -> ``windows-1252``)."""
    if re.fullmatch(r"cp125\d", codec):
        return "windows-" + codec[2:]
    if match := re.fullmatch(r"iso8859[-_](\d+)", codec):
        return f"iso-8859-{match.group(1)}"
    return {"cp874": "windows-874", "cp932": "shift_jis", "cp949": "euc-kr",
            "euc_kr": "euc-kr", "big5hkscs": "big5", "mac-roman": "macintosh"}.get(codec, codec.replace("_", "-"))


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _mostly_utf8(body: bytes) -> bool:
    """True when the bytes are UTF-8 apart from a few stray bytes (or a cut-off tail)."""
    valid = len(_UTF8_MULTIBYTE.findall(body))
    if not valid:
        return False
    errors = body.decode("utf-8", "replace").count("\ufffd") - body.decode("utf-8", "ignore").count("\ufffd")
    return errors <= max(2, valid // 50)


def _detect(body: bytes) -> tuple[str, str] | None:
    """Guess the charset with charset-normalizer; ``(text, codec)`` or ``None``."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - declared dependency
        return None
    best = from_bytes(body).best()
    if best is None:
        return None
    codec = _codec_name(best.encoding) or "utf-8"
    # The Encoding Standard decodes every Latin-1 label as windows-1252; prefer it when it
    # decodes cleanly (it maps 0x80-0x9F to typographic quotes and dashes, not controls).
    if codec in ("iso8859-1", "iso8859-15", "cp1252") and (text := _strict(body, "cp1252")) is not None:
        return text, "cp1252"
    text = _strict(body, codec)
    if text is None:
        return str(best), codec
    if _SINGLE_BYTE.match(codec) and _strict(body, "cp1252") == text:
        return text, "cp1252"  # the same characters either way: name the common one
    return text, codec


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode an HTML entity body to text.

    Follows the encoding sniffing algorithm of the HTML Living Standard (BOM first, then
    the transport-layer ``charset`` of the HTTP ``Content-Type`` header, then a prescan for
    ``<meta charset>`` / ``<meta http-equiv="Content-Type">`` and the XML declaration), with
    labels mapped as the WHATWG Encoding Standard does (``iso-8859-1`` -> ``windows-1252``).
    A declared charset is verified: when the bytes do not decode under it, or when a legacy
    single-byte label is given to bytes that are valid multi-byte UTF-8, it is overridden;
    with nothing usable declared, valid UTF-8 wins, then charset-normalizer's guess. A page
    that decodes cleanly in its true charset never yields U+FFFD.

    Args:
        body: The entity body, already decoded from any Content-Encoding (e.g. un-gzipped)
            but not charset-decoded.
        content_type: The HTTP ``Content-Type`` header value, if any.

    Returns:
        ``(text, encoding)`` where ``encoding`` is the IANA/WHATWG name of the charset used
        (e.g. ``"utf-8"``, ``"windows-1252"``).
    """
    if not body:
        return "", "utf-8"
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(codec, "replace"), codec
    declared: list[str] = []
    header_match = _CT_CHARSET.search(content_type or "")
    head = body[:_PRESCAN_BYTES]
    for label in (header_match.group(1) if header_match else None,
                  *(m.group(1).decode("ascii", "ignore") for m in _META_CHARSET.finditer(head)),
                  *(m.group(1).decode("ascii", "ignore") for m in [_XML_ENCODING.match(head)] if m)):
        codec = _codec_name(label)
        if codec and codec not in declared and not codec.startswith("utf-16") and codec != "utf-32":
            declared.append(codec)
    if body.isascii():
        codec = next((c for c in declared if _strict(b"<a>", c) == "<a>"), "utf-8")
        return body.decode("ascii"), _public_name(codec)
    utf8 = _strict(body, "utf-8")
    for codec in declared:
        if codec == "utf-8":
            if utf8 is not None:
                return utf8, "utf-8"
            if _mostly_utf8(body):
                return body.decode("utf-8", "replace"), "utf-8"
            continue
        if utf8 is not None and _SINGLE_BYTE.match(codec):
            # Valid multi-byte UTF-8 is next to impossible in real legacy text: mislabelled.
            return utf8, "utf-8"
        text = _strict(body, codec)
        if text is not None:
            return text, _public_name(codec)
    if utf8 is not None:
        return utf8, "utf-8"
    if _mostly_utf8(body) and "utf-8" in declared:
        return body.decode("utf-8", "replace"), "utf-8"
    detected = _detect(body)
    if detected is not None:
        return detected[0], _public_name(detected[1])
    if "utf-8" in declared or _mostly_utf8(body):
        return body.decode("utf-8", "replace"), "utf-8"
    return body.decode("cp1252", "replace"), "windows-1252"


# --------------------------------------------------------------------------------------
# Input checks and parsing
# --------------------------------------------------------------------------------------

_BINARY_MAGIC = (
    b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"PK\x03\x04", b"\x1f\x8b",
    b"BZh", b"7z\xbc\xaf", b"RIFF", b"OggS", b"ID3", b"fLaC", b"wOFF", b"wOF2", b"\x7fELF",
    b"\x00\x00\x01\x00", b"%!PS", b"{\\rtf", b"\xd0\xcf\x11\xe0", b"\x28\xb5\x2f\xfd",
)
_NON_HTML_TYPES = re.compile(r"^\s*(image|audio|video|font|model)/|^\s*application/(pdf|zip|gzip|x-|vnd\.|msword|octet-stream|postscript|rtf|wasm)", re.I)
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_TAG = re.compile(rb"<(?:[a-zA-Z!/?])")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _not_html_reason(body: bytes, content_type: str | None) -> str | None:
    """Return why ``body`` is no HTML document, or ``None`` when it may be one."""
    head = body[:4096]
    stripped = head.lstrip()
    if any(stripped.startswith(magic) for magic in _BINARY_MAGIC):
        return "not HTML"
    if any(head.startswith(bom) for bom, _ in _BOMS[1:]):
        return None  # UTF-16: NUL bytes are expected
    if content_type and _NON_HTML_TYPES.search(content_type) and not re.search(rb"(?i)<(html|head|body|!doctype)", head):
        return "not HTML"
    if len(_CONTROL_BYTES.findall(head)) > max(8, len(head) // 50):
        return "not HTML"
    if not _TAG.search(body[:65536]):
        return "not HTML"
    return None


#: Bytes that decode to characters lxml refuses (C0 controls but tab, LF, CR) in any
#: ASCII-compatible charset, and the UTF-8 spellings of U+FFFE and U+FFFF.
_LXML_REFUSED_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13))


@functools.lru_cache(maxsize=64)
def _control_bytes_are_control_chars(encoding: str) -> bool:
    """Whether, in ``encoding``, the C0 characters are exactly the bytes 0x00-0x1F and
    U+FFFE/U+FFFF have no spelling but UTF-8's: UTF-8, ASCII and the single-byte ISO 8859
    and Windows code pages. Not GB18030 (which spells U+FFFF in printable bytes), EBCDIC,
    UTF-16 or UTF-32."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return False
    return name in ("utf-8", "ascii") or name.startswith(("iso8859-", "cp125", "latin-1", "iso8859"))


def _parse(text: str, raw: bytes | None = None, encoding: str = "") -> lxml.html.HtmlElement | None:
    """Parse decoded HTML with the parser settings trafilatura uses.

    ``raw`` and ``encoding``, when given, are the bytes ``text`` was decoded from: for an
    ASCII-compatible charset, bytes free of control characters (a C-speed check) mean the
    text is too, and the character scan of the whole text is skipped.
    """
    if text[:200].lstrip()[:5].lower() == "<?xml":
        text = _XML_DECL.sub("", text, count=1)
    clean = (raw is not None and _control_bytes_are_control_chars(encoding)
             and len(raw.translate(None, _LXML_REFUSED_BYTES)) == len(raw)
             and b"\xef\xbf\xbe" not in raw and b"\xef\xbf\xbf" not in raw)
    if not clean:
        text = _INVALID_XML_CHARS.sub("", text)
    if not text.strip():
        return None
    parser = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, remove_comments=True, remove_pis=True)
    try:
        tree = lxml.html.document_fromstring(text, parser=parser)
    except (lxml.etree.ParserError, ValueError, TypeError):
        return None
    return tree if tree is not None and len(tree) else None


# --------------------------------------------------------------------------------------
# Small text helpers: archive.extract_common; titles: archive.extract_titles;
# authors: archive.extract_authors
# --------------------------------------------------------------------------------------

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
        title_el = tree.find(".//title")
        self.html_title = _norm(title_el.text_content()) if title_el is not None else ""
        # The first h1 with text: an empty logo h1 often precedes the headline's.
        self.h1 = next((t for t in (_norm(h.text_content()) for h in tree.iter("h1")) if t), "")
        self.article_tags = sum(1 for _ in tree.iter("article"))
        # Microdata, in one scan: article-typed items (one or two: an article, maybe a
        # related one; many are teasers), datePublished and headline properties.
        article_items, micro_dates, micro_headline = 0, [], ""
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
            for el in tree.xpath('//body//*[contains(@class, "yline") or contains(@class, "uthor") or contains(@class, "YLINE")'
                                 ' or contains(@class, "UTHOR")]'):
                if el.tag in ("script", "style", "img", "meta", "link"):
                    continue
                classes = (el.get("class") or "").casefold().split()
                if any(c in _BYLINE_CLASSES for c in classes):
                    value = _norm(el.text_content())
                    if value and len(value) < 200:
                        found.append(value)
                        break
        return [f for f in found if f and len(f) < 200]


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


# --------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}:?\d{2}|[+-]\d{2}|UTC|GMT)?)?", re.I)


def normalize_date(value: str | None) -> str | None:
    """Normalise a date to ISO 8601, keeping the publisher's UTC offset.

    Args:
        value: A date as found in the page: ISO 8601 (``2024-03-02T08:15:00+01:00``,
            ``...Z``, ``2024-03-02 08:15``, ``20240302``), or RFC 2822
            (``Sat, 02 Mar 2024 08:15:00 +0100``).

    Returns:
        ``YYYY-MM-DD`` for a bare date, ``YYYY-MM-DDTHH:MM:SS[+HH:MM]`` for a datetime, or
        ``None`` when the value holds no plausible date (years 1900 to next year).
    """
    text = _norm(value)
    if not text:
        return None
    parsed: datetime | None = None
    has_time = True
    match = _ISO_DATE.search(text)
    if match:
        year, month, day, hour, minute, second, tz = match.groups()
        try:
            if hour is None:
                parsed, has_time = datetime(int(year), int(month), int(day)), False
            else:
                parsed = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
                if tz:
                    tz = tz.upper()
                    if tz in ("Z", "UTC", "GMT"):
                        parsed = parsed.replace(tzinfo=timezone.utc)
                    else:
                        parsed = datetime.fromisoformat(parsed.isoformat() + _tz_colon(tz))
        except ValueError:
            parsed = None
    if parsed is None:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            parsed = None
    if parsed is None or not 1900 <= parsed.year <= datetime.now().year + 1:
        return None
    if not has_time:
        return parsed.date().isoformat()
    return parsed.isoformat()


def _tz_colon(tz: str) -> str:
    digits = tz[1:].replace(":", "")
    if len(digits) == 2:
        digits += "00"
    return f"{tz[0]}{digits[:2]}:{digits[2:4]}"


def _choose_dates(page: _Page, meta: Any) -> tuple[str | None, str | None]:
    parsely = _parsely_page(page)
    published_sources = [
        *_as_strings(page.ld.get("datePublished")),
        *page.m("article:published_time", "og:article:published_time", "article:published", "parsely-pub-date",
                "dc.date.issued", "dcterms.issued", "dcterms.created", "dc.date.created", "dc.date", "dcterms.date",
                "date", "pubdate", "publishdate", "publish-date", "published_time", "sailthru.date", "og:published_time",
                "datepublished"),
        *_as_strings(parsely.get("pub_date")),
        *page.micro_dates,
        *_as_strings(page.ld.get("dateCreated")),
        *_as_strings(page.ld.first_value("datePublished")),
    ]
    published = next((d for d in map(normalize_date, published_sources) if d), None)
    if published is None:
        published = normalize_date(getattr(meta, "date", None))
    modified_sources = [
        *_as_strings(page.ld.get("dateModified")),
        *page.m("article:modified_time", "og:updated_time", "dcterms.modified", "dc.date.modified",
                "last-modified", "datemodified"),
    ]
    modified = next((d for d in map(normalize_date, modified_sources) if d), None)
    return published, modified


# --------------------------------------------------------------------------------------
# Comments pruning and text
# --------------------------------------------------------------------------------------

_COMMENT_TOKEN = re.compile(r"comment(?!ar|aire)|disqus|^respond$|^comment-respond$|^replies$|leserkommentar|^discussion$|reader-?comments?", re.I)
_PROTECTED = ("html", "body", "main", "article")
#: Every element with a class or an id: the one scan that finds comment sections and
#: update notices (a Python pass over these is cheaper than an XPath ``contains()`` per word).
_CLASSED = lxml.etree.XPath("//*[@class or @id]")
_COMMENT_HINTS = ("omment", "isqus", "respond", "replies", "iscussion")
_NOTICE_HINTS = ("update", "correction", "note", "clarification")


def _flagged(tree: lxml.html.HtmlElement) -> tuple[list[Any], list[Any], list[Any]]:
    """Candidates for :func:`_prune_comments` and :func:`_notices`, and the breadcrumb
    navigations (class or id ``breadcrumb``, for the categories), in one pass over the tree."""
    comments, notices, crumbs = [], [], []
    for el in _CLASSED(tree):
        key = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
        if any(hint in key for hint in _COMMENT_HINTS):
            comments.append(el)
        if any(hint in key for hint in _NOTICE_HINTS):
            notices.append(el)
        if "breadcrumb" in key:
            crumbs.append(el)
    return comments, notices, crumbs


def _prune_comments(tree: lxml.html.HtmlElement, candidates: list[Any]) -> None:
    """Remove reader-comment sections (``details.CommentBox``, ``div.comments-area``,
    ``#disqus_thread`` ...) so they cannot leak into the article text. A matching element
    that holds the headline (``h1``) or an ``<article>`` / ``articleBody`` is kept."""
    doomed = []
    for el in candidates:
        if el.tag in _PROTECTED or not isinstance(el.tag, str):
            continue
        tokens = (el.get("class") or "").split() + (el.get("id") or "").split()
        if not any(_COMMENT_TOKEN.search(tok) for tok in tokens):
            continue
        if el.tag in ("a", "span", "button", "i", "svg", "img", "meta", "link", "script"):
            continue  # comment counters and icons: harmless and often inside the headline
        if el.xpath('.//h1|.//article|.//main|.//*[@itemprop="articleBody"]'):
            continue
        doomed.append(el)
    for el in doomed:
        # Still in the page (not inside a section removed before it): drop it, keeping
        # the text that follows it (its tail).
        if el.getparent() is not None and el.getroottree().getroot() is tree:
            el.drop_tree()


#: Lead-ins of a link to another story ("Read also: <a>...</a>") in the languages of the
#: news sites we know of; the paragraph is a teaser, not article text.
_RELATED_LEAD = re.compile(
    r"^\W*(?:read|see)\s+(?:also|more)\b|^\W*(?:also\s+read|related|more)\s*:|^\W*(?:lesen\s+sie\s+(?:auch|mehr)|"
    r"mehr\s+zum\s+thema|auch\s+interessant|das\s+könnte\s+sie\s+(?:auch\s+)?interessieren|"
    r"les\s+også|læs\s+også|läs\s+också|lees\s+ook|lire\s+aussi|à\s+lire\s+aussi|lea\s+también|"
    r"leer\s+más|leia\s+também|leggi\s+anche|czytaj\s+(?:też|także|więcej))\b", re.I)
#: Embedded social-media posts (third-party text, not the article's).
_EMBEDS = lxml.etree.XPath(
    "//blockquote[contains(@class, 'twitter-tweet') or contains(@class, 'instagram-media')"
    " or contains(@class, 'tiktok-embed')]")
_LINK_PARAGRAPHS = lxml.etree.XPath("//p[.//a]|//li[.//a]")


def _prune_boilerplate(tree: lxml.html.HtmlElement) -> None:
    """Remove embedded social posts and "Read also: <link>" teaser paragraphs (a lead-in
    followed by a link that makes up most of the paragraph's text)."""
    doomed = list(_EMBEDS(tree))
    for el in _LINK_PARAGRAPHS(tree):
        text = _norm(el.text_content())
        if not text or len(text) > 300 or not _RELATED_LEAD.match(text):
            continue
        linked = sum(len(_norm(a.text_content())) for a in el.iter("a"))
        if linked * 2 >= len(text):
            doomed.append(el)
    for el in doomed:
        parent = el.getparent()
        if parent is not None:
            el.drop_tree()


def _clean_text(text: str, title: str | None, h1: str) -> str:
    """Drop leading lines that repeat the headline (the headline is metadata)."""
    lines = [line.strip() for line in (text or "").splitlines()]
    lines = [line for line in lines if line]
    heads = {_key(t) for t in (title, h1) if t}
    while lines and _key(lines[0]) in heads and len(lines) > 1:
        lines.pop(0)
    return "\n".join(lines)


def _article_body(ld: _JsonLd) -> str:
    """schema.org ``articleBody`` as plain text lines (markup, if any, stripped)."""
    raw = "\n".join(_as_strings(ld.get("articleBody")))
    if not raw.strip():
        return ""
    if re.search(r"<(?:p|br|div|h\d|li)\b", raw, re.I):
        raw = re.sub(r"(?i)<(?:br|/p|/div|/h\d|/li)\b[^>]*>", "\n", raw)
        raw = re.sub(r"<[^>]+>", " ", raw)
    lines = (_norm(line) for line in html.unescape(raw).splitlines())
    return "\n".join(line for line in lines if line)


def _prefer_article_body(text: str, ld: _JsonLd) -> str:
    """Use the publisher's schema.org ``articleBody`` when trafilatura found no text, or
    less than half of it while everything it found is part of it (a body split into blocks
    that trafilatura did not join)."""
    body = _article_body(ld)
    if not body:
        return text
    if not text:
        return body
    if len(body) >= 2 * len(text) and len(body) >= 500:
        found = re.findall(r"\w+", text.casefold())
        vocabulary = set(re.findall(r"\w+", body.casefold()))
        if found and sum(1 for w in found if w in vocabulary) >= 0.9 * len(found):
            return body
    return text


#: How the body is asked of trafilatura everywhere: text only (metadata is ours), tables
#: kept, no comments, nothing deduplicated across pages.
_TRAFILATURA_OPTIONS: dict[str, Any] = dict(
    with_metadata=False, include_comments=False, include_tables=True, deduplicate=False, as_dict=False)
#: Below this many words, a page with script-carried HTML is read from that HTML instead.
_SCRIPT_BODY_WORDS = 120
_FLIGHT_TEXT_ROW = re.compile(r"^[0-9a-f]+:T[0-9a-f]+,")
_PARAGRAPH_TAG = re.compile(r"<p[\s>]", re.I)
_FLIGHT_PUSH = re.compile(r"^\s*self\.__next_f\.push\((.*)\)\s*;?\s*$", re.S)


def _script_rendered_body(payloads: Iterable[str], url: str | None) -> str:
    """The text of the longest HTML fragment in Next.js streamed payloads.

    Next.js (App Router) pages send their server-rendered content as
    ``self.__next_f.push([1, "<json string>"])`` script calls; on pages that render the
    article in the browser these strings are where its HTML is. The fragment with the most
    paragraphs is run through trafilatura like a page of its own. Returns "" when no
    fragment holds three paragraphs or more.
    """
    best, best_count = "", 0
    for payload in payloads:
        match = _FLIGHT_PUSH.match(payload)
        if not match:
            continue
        try:
            value = json.loads(match.group(1))
        except (ValueError, RecursionError):
            continue
        fragment = value[1] if isinstance(value, list) and len(value) > 1 and isinstance(value[1], str) else ""
        # A text row of the stream ("1f:T4a2,<p>…") carries HTML after its header; other
        # rows are React's serialised tree (JSON), not HTML, and are left alone.
        fragment = _FLIGHT_TEXT_ROW.sub("", fragment, count=1).lstrip()
        if not fragment.startswith("<"):
            continue
        count = len(_PARAGRAPH_TAG.findall(fragment))
        if count >= 3 and count > best_count:
            best, best_count = fragment, count
    if not best:
        return ""
    try:
        doc = trafilatura.bare_extraction(
            f"<html><body><article>{best}</article></body></html>", url=url or None, **_TRAFILATURA_OPTIONS)
    except Exception:  # noqa: BLE001 - a fragment that fails is no fallback
        return ""
    return (getattr(doc, "text", None) or "").strip()


#: Paragraph text (characters in ``<p>``) below which a page is "not written in
#: paragraphs", and trafilatura's fallback extractors are consulted.
_FEW_PARAGRAPH_CHARS = 1000
_PARAGRAPH_TEXT = lxml.etree.XPath("//p//text()")


def _main_text(tree: lxml.html.HtmlElement, url: str | None) -> Any:
    """trafilatura's main-text extraction, its fallback extractors only where they matter.

    trafilatura compares its result with readability-lxml's and jusText's on every page
    unless ``fast=True``; that comparison is a fifth of its cost, and on the evaluation
    corpus it changes the text of 6 pages in 129. Those pages are the ones where the fast
    result misses most of the page's paragraph text (under half of the characters inside
    ``<p>``), or where the page barely uses ``<p>`` at all. So the fast extraction runs
    first, and the full one (``fast=False``) only on such pages. A body that is a consent,
    cookie or subscription notice, or much shorter than the page's longest text block, is
    asked again (:func:`archive.extract_consent.recover_body`).

    Returns:
        trafilatura's ``Document`` (``.text`` is the body), or None when it fails.
    """
    try:
        doc = trafilatura.bare_extraction(tree, url=url, fast=True, **_TRAFILATURA_OPTIONS)
    except Exception:  # noqa: BLE001 - trafilatura failures become an error field
        doc = None
    paragraph_chars = sum(len(t) for t in _PARAGRAPH_TEXT(tree))
    found = len(getattr(doc, "text", None) or "")
    if paragraph_chars < _FEW_PARAGRAPH_CHARS or found < paragraph_chars // 2:
        try:
            doc = trafilatura.bare_extraction(tree, url=url, fast=False, **_TRAFILATURA_OPTIONS) or doc
        except Exception:  # noqa: BLE001 - keep the fast result
            pass
    better = recover_body(tree, getattr(doc, "text", None) or "", paragraph_chars, lambda source, **options:
                          trafilatura.bare_extraction(source, url=url, **options, **_TRAFILATURA_OPTIONS))
    return SimpleNamespace(text=better) if better else doc


def _join(base: str, href: str) -> str | None:
    """``urljoin``, or None for a link that is no URL (``http://[::1/x``, a bad port)."""
    try:
        joined = urljoin(base, href.strip())
        urlsplit(joined).port  # noqa: B018 - raises ValueError on a bad port
        return joined
    except ValueError:
        return None


def _word_count(text: str) -> int:
    words = len(text.split())
    cjk = sum(1 for ch in text if "\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af")
    return max(words, cjk // 2)


# --------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------

def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    """Case-insensitive header lookup; tolerates bytes and list values (Scrapy headers)."""
    if not headers:
        return None
    wanted = name.casefold()
    for key, value in headers.items():
        key = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if key.casefold() != wanted:
            continue
        if isinstance(value, (list, tuple)):
            value = value[0] if value else None
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        return None if value is None else str(value)
    return None


def extract(body: bytes, url: str, headers: Mapping[str, str] | None = None) -> ExtractedArticle:
    """Extract the article text and metadata of one HTML page.

    Metadata follows schema.org (``NewsArticle`` and the other ``Article`` types in JSON-LD
    and microdata), Open Graph (``og:*``, ``article:*``), Dublin Core, Parse.ly and Twitter
    card meta tags, and byline markup, with trafilatura's and htmldate's findings as the
    fallback; the body text is trafilatura's, with reader comments pruned first. The body is
    decoded by :func:`decode_html` (HTML Living Standard encoding sniffing).

    The function is pure and never raises: a body that is empty, binary (PDF, image ...),
    unparsable or yields no text gives an article with :attr:`ExtractedArticle.error` set.

    Args:
        body: The HTTP entity body, decoded from Content-Encoding (un-gzipped) but not
            charset-decoded.
        url: The page URL; relative canonical links are resolved against it.
        headers: The HTTP response headers (looked up case-insensitively); only
            ``Content-Type`` (for its charset and media type) and ``Content-Language`` are used.

    Returns:
        The :class:`ExtractedArticle`; ``error`` is ``None`` when extraction went well.
    """
    try:
        return _extract(body, url, headers)
    except Exception as exc:  # noqa: BLE001 - the contract is "never raise"
        return ExtractedArticle(error=f"extraction failed: {type(exc).__name__}: {exc}"[:200], extractor=EXTRACTOR)


def _extract(body: bytes, url: str, headers: Mapping[str, str] | None) -> ExtractedArticle:
    if not isinstance(body, (bytes, bytearray, memoryview)):
        body = str(body or "").encode("utf-8")
    body = bytes(body)
    if not body.strip():
        return ExtractedArticle(error="empty body", extractor=EXTRACTOR)
    content_type = _header(headers, "Content-Type")
    reason = _not_html_reason(body, content_type)
    if reason:
        return ExtractedArticle(error=reason, extractor=EXTRACTOR)
    text, encoding = decode_html(body, content_type)
    tree = _parse(text, body, encoding or "")
    if tree is None:
        return ExtractedArticle(error="not HTML", extractor=EXTRACTOR)

    requisites = requisite_urls(html_requisites(tree, url or ""))  # before anything is pruned
    page = _Page(tree, url or "")
    comment_candidates, notice_candidates, crumb_navs = _flagged(tree)
    notices = _notices(notice_candidates)
    _prune_comments(tree, comment_candidates)
    _prune_boilerplate(tree)
    meta = _LazyMetadata(tree, url or None)
    doc = _main_text(tree, url or None)

    ld = page.ld
    site_names = _dedupe([*page.m("og:site_name"), *ld.publisher_names(), *page.m("application-name"),
                          *page.m("parsely-site", "publisher", "dc.publisher")])
    site_keys = _site_keys(site_names, url or "")
    sitename = site_names[0] if site_names else (_norm(getattr(meta, "sitename", None)) or None)

    title = _choose_title(page, meta, site_names, site_keys)
    parsely = _parsely_page(page)
    authors = _choose_authors(page, meta, site_keys, parsely)
    published, modified = _choose_dates(page, meta)

    description = next((d for d in (*page.m("og:description"), *_as_strings(ld.get("description")),
                                    *page.m("description", "twitter:description", "dc.description"),
                                    ) if _norm(d)), None) or _norm(getattr(meta, "description", None)) or None
    language = _language(page, ld, meta, _header(headers, "Content-Language"))
    canonical = next((u for u in (_join(url or "", c) for c in (*page.links.get("canonical", []), *page.m("og:url")) if c)
                      if u), None)
    categories, tags = categories_and_tags(page, ld, parsely, title, tree, _catstags, crumb_navs, canonical)

    body_text = _prefer_article_body(_clean_text(getattr(doc, "text", None) or "", title, page.h1), ld)
    if page.flight and _word_count(body_text) < _SCRIPT_BODY_WORDS:
        rendered = _script_rendered_body(page.flight, url)
        if _word_count(rendered) > 2 * _word_count(body_text):
            body_text = _clean_text(rendered, title, page.h1)
    if not body_text and description and (ld.article is not None or page.m1("og:type").casefold().startswith("article")):
        # An article page whose body is rendered by script: its summary is the only text it holds.
        body_text = _norm(description)
    for notice in notices:
        if body_text and notice not in body_text:
            body_text = f"{body_text}\n{notice}"
    is_article, evidence = _is_article(page, body_text, title)
    error = None if body_text else "no text extracted"
    return ExtractedArticle(
        title=_valid(title) or None,
        authors=[_valid(a) for a in authors],
        published=published,
        modified=modified,
        categories=[_valid(c) for c in categories],
        tags=[_valid(t) for t in tags],
        description=_valid(_norm(description)) or None,
        sitename=_valid(sitename),
        language=language,
        text=_valid(body_text),
        canonical_url=_valid(canonical),
        is_article=is_article,
        article_evidence=evidence,
        error=error,
        extractor=EXTRACTOR,
        requisites=requisites,
    )


_SURROGATE = re.compile("[\ud800-\udfff]")


def _valid(value: str | None) -> str | None:
    """``value`` with lone surrogates (from a JSON ``"\\ud800"`` escape) replaced by U+FFFD:
    such a string cannot be written as UTF-8, to WARC or SQLite."""
    if value and _SURROGATE.search(value):
        return _SURROGATE.sub("\ufffd", value)
    return value


#: Class or id tokens of a publisher's update or correction notice. Such a notice is part of
#: the story as published, even where it sits outside the article's container (a correction
#: appended at the end of the page), so it is kept with the text and shows in versions.
_NOTICE_TOKENS = frozenset({
    "update-note", "updatenote", "story-update", "article-update", "correction", "corrections",
    "correction-note", "correction-notice", "editors-note", "editor-note", "editorial-note",
    "clarification", "article-correction",
})
def _notices(candidates: list[Any]) -> list[str]:
    """The texts of update and correction notices on the page (see :data:`_NOTICE_TOKENS`)."""
    found: list[str] = []
    for el in candidates:
        if el.tag not in ("p", "div", "aside", "section", "ins", "span", "em", "strong"):
            continue
        tokens = set((el.get("class") or "").lower().split()) | {(el.get("id") or "").lower()}
        if not tokens & _NOTICE_TOKENS:
            continue
        text = _norm(el.text_content())
        if 4 <= len(text.split()) <= 200 and text not in found:
            found.append(text)
    return found


class _LazyMetadata:
    """trafilatura's metadata of the page, each field computed on first use only.

    Its full metadata pass costs about a third of ``bare_extraction`` (htmldate, JSON-LD
    re-parsing), and the page's structured data (JSON-LD, meta tags, bylines) usually
    answers first; so each fallback runs only the part of trafilatura that finds that field.
    """

    def __init__(self, tree: Any, url: str | None) -> None:
        self._tree, self._url, self._values = tree, url, {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._values:
            finder = _TRAFILATURA_FIELDS.get(name)
            try:
                self._values[name] = finder(self._tree, self._url) if finder else None
            except Exception:  # noqa: BLE001 - a failed fallback only finds nothing
                self._values[name] = None
        return self._values[name]


def _trafilatura_date(tree: Any, url: str | None) -> str | None:
    import htmldate

    return htmldate.find_date(copy.deepcopy(tree), **{**trafilatura.settings.set_date_params(True), "url": url})


_TRAFILATURA_FIELDS: dict[str, Callable[[Any, str | None], Any]] = {
    "title": lambda tree, url: trafilatura.metadata.extract_title(tree),
    "author": lambda tree, url: trafilatura.metadata.extract_author(copy.deepcopy(tree)),
    "date": _trafilatura_date,
    "sitename": lambda tree, url: trafilatura.metadata.extract_sitename(tree),
}


def _catstags(kind: str, tree: Any) -> list[str]:
    """trafilatura's category or tag links (``rel=category tag``, ``/category/`` links) alone,
    without the rest of its metadata."""
    try:
        return list(trafilatura.metadata.extract_catstags(kind, tree))
    except Exception:  # noqa: BLE001 - a fallback that fails finds nothing
        return []


def _then_trafilatura(values: list[Any], fallback: Callable[[], Any]) -> Iterator[Any]:
    """``values``, then (only if the caller reads that far) trafilatura's ``fallback()``."""
    yield from values
    yield fallback()


def _language(page: _Page, ld: _JsonLd, meta: Any, header: str | None) -> str | None:
    for value in _then_trafilatura([page.lang, page.m1("og:locale"), *_as_strings(ld.get("inLanguage")),
                                    page.m1("content-language", "language", "dc.language"), header],
                                   lambda: getattr(meta, "language", None)):
        value = _norm(value).split(",")[0].strip().replace("_", "-")
        if re.fullmatch(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*", value):
            return value
    return None


def _is_article(page: _Page, text: str, title: str | None) -> tuple[bool, str]:
    """Whether the page is one article (not a listing, home or tag page), and why: the
    page's own evidence (schema.org, Open Graph, ``article:published_time``, body classes,
    its text), never its URL."""
    og_type = page.m1("og:type").casefold()
    listing_body = page.body_classes & {"archive", "category", "tag", "home", "blog", "search", "author", "date",
                                         "paged", "post-type-archive"}
    if page.ld.listing:
        return False, "JSON-LD names a listing"
    if listing_body and "single" not in page.body_classes:
        return False, f"listing body class {sorted(listing_body)[0]}"
    signals = [name for name, present in (
        (f"og:type {og_type}", og_type.startswith("article")),
        ("JSON-LD article", page.ld.article is not None),
        ("microdata article", bool(page.microdata_article)),
        ("article:published_time", bool(page.m("article:published_time"))),
        ("JSON-LD datePublished", bool(_as_strings(page.ld.get("datePublished")))),
        ("parsely-pub-date", bool(page.m("parsely-pub-date"))),
        ("single-post body class", bool(page.body_classes & {"single-post", "single"})),
    ) if present]
    if signals:
        return True, ", ".join(signals)
    if og_type and og_type not in ("article",):
        return False, f"og:type {og_type} and no article markup"
    if page.article_tags >= 3:
        return False, f"{page.article_tags} <article> teasers and no article markup"
    words = _word_count(text)
    if bool(title) and words >= 150:
        return True, f"a title and {words} words of text"
    return False, f"no article markup, {words} words of text"
