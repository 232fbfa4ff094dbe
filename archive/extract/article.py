"""The entry point of :mod:`archive.extract`: one HTML response in, one
:class:`~archive.records.ExtractedArticle` out.

It puts the parts together (charset, structured, titles, authors, dates, body, taxonomy),
with trafilatura's metadata as the lazily computed last resort of each field, and judges
whether the page is one article.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, overload
from urllib.parse import urljoin, urlsplit

import trafilatura
import trafilatura.metadata
import trafilatura.settings

import archive
from archive.extract.authors import _choose_authors
from archive.extract.body import (
    _SCRIPT_BODY_WORDS, _clean_text, _drop_code, _flagged, _main_text, _notices, _prefer_article_body, _prune_boilerplate,
    _prune_comments, _script_rendered_body, _word_count,
)
from archive.extract.charset import _not_html_reason, _parse, decode_html
from archive.extract.common import _as_strings, _dedupe, _norm
from archive.extract.dates import _choose_dates
from archive.extract.structured import _JsonLd, _Page, _parsely_page
from archive.extract.taxonomy import categories_and_tags
from archive.extract.titles import _choose_title, _site_keys
from archive.records import ExtractedArticle
from archive.requisites import html_requisites, requisite_urls


#: Value of :attr:`ExtractedArticle.extractor`.
EXTRACTOR = f"newsarchive/{archive.__version__} trafilatura/{trafilatura.__version__}"


def _join(base: str, href: str) -> str | None:
    """``urljoin``, or None for a link that is no URL (``http://[::1/x``, a bad port)."""
    try:
        joined = urljoin(base, href.strip())
        urlsplit(joined).port  # noqa: B018 - raises ValueError on a bad port
        return joined
    except ValueError:
        return None


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
    _drop_code(tree)  # after the requisites and _Page read scripts and styles
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


_SURROGATE = re.compile("[\ud800-\udfff\x00]")


@overload
def _valid(value: str) -> str:
    ...


@overload
def _valid(value: None) -> None:
    ...


@overload
def _valid(value: str | None) -> str | None:
    ...


def _valid(value: str | None) -> str | None:
    """``value`` with lone surrogates (from a JSON ``"\\ud800"`` escape) and NUL (``"\\u0000"``)
    replaced by U+FFFD: the first cannot be written as UTF-8, to WARC or SQLite; the second
    ends a string in C readers of the index."""
    if value and _SURROGATE.search(value):
        return _SURROGATE.sub("\ufffd", value)
    return value


class _LazyMetadata:
    """trafilatura's metadata of the page, each field computed on first use only.

    Its full metadata pass costs about a third of ``bare_extraction`` (htmldate, JSON-LD
    re-parsing), and the page's structured data (JSON-LD, meta tags, bylines) usually
    answers first; so each fallback runs only the part of trafilatura that finds that field.
    """

    def __init__(self, tree: Any, url: str | None) -> None:
        self._tree, self._url = tree, url
        self._values: dict[str, Any] = {}

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
    """htmldate's date of the page (it copies a tree it is given before pruning it)."""
    import htmldate

    return htmldate.find_date(tree, **{**trafilatura.settings.set_date_params(True), "url": url})


_TRAFILATURA_FIELDS: dict[str, Callable[[Any, str | None], Any]] = {
    "title": lambda tree, url: trafilatura.metadata.extract_title(tree),
    # extract_author prunes a deep copy of its own.
    "author": lambda tree, url: trafilatura.metadata.extract_author(tree),
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
