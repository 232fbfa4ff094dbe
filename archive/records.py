"""Plain records shared by the crawler, the extractor and the index, and the article rule.

These are the seams between stages: extraction returns an :class:`ExtractedArticle`, the
WARC writer returns a :class:`CaptureRecord` pointer for every record it writes, and the
index stores both. :func:`is_article` and :func:`choose_canonical` decide which page becomes
an ``articles`` row and under which key, and :func:`metadata_fields` is what an article's
WARC ``metadata`` record holds; a crawl and ``newsarchive import`` both use them.
:func:`metadata_record_fields` and :func:`article_from_metadata` read such a record back
(``reindex``, crash recovery): the record's format is written and read here alone.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from archive.urls import canonical_url, same_site

if TYPE_CHECKING:
    from archive.index import ArticleRow


@dataclass
class ExtractedArticle:
    """What extraction found in one article page.

    Dates are ISO 8601 strings (``YYYY-MM-DD`` or a full datetime with offset), as given
    by the page (schema.org NewsArticle ``datePublished`` / ``dateModified``, Open Graph
    ``article:published_time``), or ``None``. Lists are never ``None``.
    """

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    description: str | None = None
    sitename: str | None = None
    language: str | None = None
    text: str = ""
    canonical_url: str | None = None
    #: True when the page says it is an article (og:type article, a NewsArticle JSON-LD
    #: object, article:published_time ...), as opposed to a listing or a home page.
    is_article: bool = False
    #: Why :attr:`is_article` is what it is: the page's own evidence, e.g.
    #: ``"og:type article, JSON-LD article"`` or ``"og:type website and no article markup"``.
    article_evidence: str = ""
    #: Why extraction failed or is partial (``None`` when it went well).
    error: str | None = None
    #: The extractor's name and version, e.g. ``"newsarchive/0.1.0 trafilatura/2.3.1"``.
    extractor: str = ""
    #: The page's requisites as ``(absolute URL, kind)`` pairs, in document order
    #: (:func:`archive.requisites.html_requisites`): what replay needs to show it as it was.
    requisites: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return _fields(self)


@dataclass
class CaptureRecord:
    """Where one WARC record lies, and what it holds (WARC 1.1 section 5).

    ``warc_filename`` is relative to the data folder's ``warc/`` directory; ``warc_offset``
    and ``warc_length`` are in bytes and span the record's whole gzip member, so that a seek
    to the offset and one read of the length yields exactly one record.
    """

    url: str
    status: int | None
    mime: str | None
    payload_digest: str | None
    fetched_at: str
    warc_filename: str
    warc_offset: int
    warc_length: int
    record_id: str
    #: ``response``, ``revisit``, ``request`` or ``metadata``
    record_type: str = "response"
    #: a revisit record's WARC-Profile (WARC 1.1 section 6.7.2), else None
    profile: str | None = None
    #: a revisit record's WARC-Refers-To-Target-URI and WARC-Refers-To-Date
    refers_to_uri: str | None = None
    refers_to_date: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _fields(self)


def _fields(record: Any) -> dict[str, Any]:
    """A record's fields as a new dict, its lists copied: what ``dataclasses.asdict`` gives
    for these flat records (no nested dataclass; tuples and strings are immutable), without
    its recursive deep copy, which cost a crawl's main process about 1% of its time."""
    return {f.name: (list(v) if isinstance(v := getattr(record, f.name), list) else v) for f in fields(record)}


# ---- the article rule ---------------------------------------------------------------------

#: Words of text that make a page linked from a dated story teaser an article even when the
#: page itself carries no article markup (og:type website, no NewsArticle, no dates).
TEASER_ARTICLE_MIN_WORDS = 300
#: The format marker of our metadata records' JSON (its ``record`` key).
METADATA_RECORD_FORMAT = "newsarchive-article/1"


def is_article(extracted: ExtractedArticle, *, teaser_dated: bool) -> bool:
    """Whether a fetched page becomes an ``articles`` row.

    The page's own signals decide (:attr:`ExtractedArticle.is_article`); a page reached from
    a dated story teaser with a title and a long text is an article too, since some
    publishers mark their stories up as plain web pages.
    """
    if extracted.is_article:
        return True
    return teaser_dated and bool(extracted.title) and len(extracted.text.split()) >= TEASER_ARTICLE_MIN_WORDS


def choose_canonical(declared: str | None, fetched: str) -> str:
    """The article's key: its rel=canonical when that is a page of the same site, else the
    URL fetched; canonicalised (:func:`archive.urls.canonical_url`).

    A canonical link pointing at another site or at the home page is ignored (publishers
    get these wrong), and so is one from an AMP page pointing at an AMP page.
    """
    if declared and declared.startswith(("http://", "https://")) and same_site(declared, fetched):
        path = urlsplit(declared).path
        if path not in ("", "/") or urlsplit(fetched).path in ("", "/"):
            try:
                return canonical_url(declared)
            except ValueError:
                pass  # a declared URL that is no URL (a bad port): the fetched one stands
    return canonical_url(fetched)


def published_day(extracted: ExtractedArticle) -> dt.date | None:
    """The page's own publication day, or None."""
    try:
        return dt.date.fromisoformat((extracted.published or "")[:10])
    except ValueError:
        return None


def metadata_fields(extracted: ExtractedArticle, row: ArticleRow, aliases: list[str]) -> dict[str, Any]:
    """What the metadata record of an article holds: every extracted field, plus the row's
    key and context, so the WARC files alone can rebuild the index."""
    return {
        **extracted.to_dict(),
        "canonical_url": row.canonical_url,
        "url": row.url,
        "site": row.site,
        "issue_date": row.issue_date,
        "aliases": aliases,
        "record": METADATA_RECORD_FORMAT,
    }


def metadata_record_fields(block: bytes | None, content_type: str | None = None) -> dict[str, Any] | None:
    """The JSON of one of our article metadata records (:func:`metadata_fields`, marked
    :data:`METADATA_RECORD_FORMAT`), or None when the record is not one: no block, another
    ``Content-Type`` (when given), JSON that is not an object in our format.

    Raises:
        ValueError: The record says it is JSON (or no type was given) but its block is not
            UTF-8 JSON (a damaged record); the caller says so.
    """
    if block is None:
        return None
    if content_type is not None and not content_type.lower().startswith("application/json"):
        return None
    try:
        fields = json.loads(block.decode("utf-8"))
    except (UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(fields, dict) or fields.get("record") != METADATA_RECORD_FORMAT:
        return None
    return fields


_EXTRACTED_FIELDS = tuple(ExtractedArticle.__dataclass_fields__)


def article_from_metadata(fields: dict[str, Any]) -> ExtractedArticle:
    """The :class:`ExtractedArticle` a metadata record's JSON block holds (the inverse of
    :func:`metadata_fields`).

    The block's ``canonical_url`` is the chosen key, which the caller uses as such; it is
    carried over here too. Unknown keys are ignored, missing ones take their defaults.
    """
    values = {name: fields[name] for name in _EXTRACTED_FIELDS if name in fields}
    for name in ("authors", "categories", "tags"):
        values[name] = list(values.get(name) or [])
    values["text"] = values.get("text") or ""
    values["extractor"] = values.get("extractor") or ""
    # JSON has no tuples: ``[url, kind]`` pairs back as the tuples extraction made; a pair
    # that is not two strings (a damaged or foreign record) is dropped, not passed on
    values["requisites"] = [(pair[0], pair[1]) for pair in values.get("requisites") or []
                            if isinstance(pair, (list, tuple)) and len(pair) == 2
                            and all(isinstance(part, str) for part in pair)]
    values["is_article"] = bool(values.get("is_article", True))
    return ExtractedArticle(**values)
