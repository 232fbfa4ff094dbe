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

The package is free of global state that calls would mutate, so :func:`extract` can run in a
process pool; it never imports Scrapy. Its modules, by job:

* :mod:`~archive.extract.charset`: decoding (:func:`decode_html`), the not-HTML checks, parsing;
* :mod:`~archive.extract.structured`: JSON-LD (``_JsonLd``), meta tags, links, microdata and
  bylines (``_Page``), Parse.ly;
* :mod:`~archive.extract.titles`, :mod:`~archive.extract.authors`, :mod:`~archive.extract.dates`
  (:func:`normalize_date`): the choice of each field;
* :mod:`~archive.extract.body`: comment and boilerplate pruning, trafilatura's main text,
  consent-notice recovery, update notices;
* :mod:`~archive.extract.taxonomy`: categories and tags;
* :mod:`~archive.extract.common`: small text helpers;
* :mod:`~archive.extract.article`: :func:`extract`, putting them together.
"""
from __future__ import annotations

from archive.extract.article import EXTRACTOR, extract
from archive.extract.charset import decode_html
from archive.extract.dates import normalize_date

__all__ = ["decode_html", "extract", "EXTRACTOR", "normalize_date"]
