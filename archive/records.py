"""Plain records shared by the crawler, the extractor and the index.

These are the seams between stages: extraction returns an :class:`ExtractedArticle`, the
WARC writer returns a :class:`CaptureRecord` pointer for every record it writes, and the
index stores both.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


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
        return asdict(self)


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
        return asdict(self)
