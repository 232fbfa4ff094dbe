"""Author choice for :mod:`archive.extract`: byline cleaning and the order of trust of the
author sources.

Every rule is generic: nothing depends on a publisher's name or URL.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from archive.extract_common import _as_strings, _dedupe, _key, _norm
from archive.extract_titles import _is_site_name


_BY_PREFIX = re.compile(
    r"^(?:(?:written|reported|reporting|story|words|text|article|posted|compiled|interview|"
    r"geschrieben|texte?|un\s+article)\s+)?(?:by|von|par|por|door|av|af|di|da|de|przez|от)\b\s*:?\s*"
    r"|^(?:authors?|autor(?:in|en)?|auteur|author\(s\)|byline|text|verfasser(?:in)?|reporter)\s*:\s*",
    re.I)
_TAIL = re.compile(
    r"\s*(?:[|•·]\s*)?\b(?:published|updated|posted|last\s+updated|modified|aktualisiert|"
    r"veröffentlicht|stand|publié|mis\s+à\s+jour|publicado|actualizado|pubblicato|aggiornato)\b.*$", re.I)
_OTHER_ROLES = re.compile(
    r"^\s*(?:additional\s+reporting|editing|edited|compiled|photos?|photography|fotos?|graphics?|"
    r"illustrations?|video|translated|translation|translation\s+by|fact-?check(?:ed|ing)?|"
    r"redigiert|bearbeitet|mitarbeit)\b", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URLISH = re.compile(r"^(?:https?://|www\.)|^[\w.-]+/[\w./-]*$", re.I)
_DATEISH = re.compile(
    r"\b(?:\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}:\d{2}|\d{1,2}\.?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|"
    r"januar|februar|märz|mai|juni|juli|oktober|dezember)\w*|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\.?\s+\d{1,2}\b"
    r"|\d+\s+(?:hours?|minutes?|mins?|days?|weeks?)\s+ago|\b(?:19|20)\d{2}\b).*$", re.I)
_JOB_WORDS = re.compile(
    r"\b(?:(?:senior|chief|deputy|assistant|associate|executive|managing|contributing|staff|special|"
    r"political|foreign|economics?|business|sports?|health|science|tech(?:nology)?|news|digital|"
    r"leitende[rn]?|stellvertretende[rn]?)\s+)*"
    r"(?:reporter(?:in)?|correspondent|editor|writer|journalist(?:in)?|columnist|contributor|producer|"
    r"analyst|photographer|photojournalist|intern|director|manager|professor|lecturer|researcher|"
    r"redakteur(?:in)?|korrespondent(?:in)?|autor(?:in)?|fotograf(?:in)?|chefredakteur(?:in)?|"
    r"rédact(?:eur|rice)|journaliste|periodista|redactor[a]?|giornalista|fellow|anchor|presenter|host|"
    r"head\s+of\b.*|professorius|profesor[a]?|student|expert|author|specialist)\b",
    re.I)
_NAME_PARTICLES = {"de", "da", "del", "della", "di", "do", "dos", "du", "van", "von", "der", "den", "la", "le",
                   "y", "bin", "ibn", "al", "el", "ten", "ter", "zu", "st.", "e"}
_TRAILING_TITLE = re.compile(r"\s+(?:기자|특파원|논설위원|記者|特派員|编辑|記者)\s*$")
_SPLIT_NAMES = re.compile(r"\s*,\s*|\s+(?:and|&|und|y|e|и)\s+|\s*&\s*|\s*/\s*(?=\S+\s+\S)")


def _looks_like_job(segment: str) -> bool:
    words = segment.split()
    if len(words) > 5:
        return True
    if _JOB_WORDS.match(segment):
        return True  # starts with a role ("Senior Reporter"); "Bob Writer" is a name
    # Mostly lower-case words (not name particles): a description, not a name.
    lower = [w for w in words if w[:1].islower() and w.casefold() not in _NAME_PARTICLES]
    return len(words) >= 2 and len(lower) * 2 > len(words)


def _split_author(raw: str) -> list[str]:
    """Split one byline string into cleaned author names (see :func:`_clean_authors`)."""
    text = _norm(raw)
    if not text or _URLISH.match(text):
        return []
    text = _norm(re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", _EMAIL.sub(" ", text)))
    names: list[str] = []
    # "Reporting by A; Editing by B", "A | Published ...": segments; only authoring ones count.
    for index, segment in enumerate(re.split(r"\s*[;|•\n]\s*", text)):
        segment = segment.strip(" ,.-–—:")
        if not segment or _OTHER_ROLES.match(segment) or (index and _TAIL.match(segment)):
            continue
        segment = _TAIL.sub("", segment)
        segment = _DATEISH.sub("", segment).strip(" ,.-–—:|")
        previous = None
        while previous != segment:
            previous = segment
            segment = _BY_PREFIX.sub("", segment).strip(" ,.-–—:")
        # "Name - Place" / "Name — Place": a spaced dash never separates two halves of a name.
        segment = re.split(r"\s+[-–—]\s+", segment)[0]
        segment = re.sub(r"\s+(?:in|aus|en|à|a|em)\s+[A-ZÄÖÜ][\w-]+(?:\s+[A-Z][\w-]+)?$", "", segment)
        parts = [p.strip(" ,.-–—:") for p in _SPLIT_NAMES.split(segment)]
        parts = [p for p in parts if p]
        for pos, part in enumerate(parts):
            part = _TRAILING_TITLE.sub("", part).strip()
            if not part or _URLISH.match(part):
                continue
            if pos and _looks_like_job(part):
                continue
            if not pos and len(parts) > 1 and _looks_like_job(part) and not _looks_like_job(parts[1]):
                continue
            if len(part.split()) > 6 or not any(ch.isalpha() for ch in part):
                continue
            names.append(part)
        if names and index == 0:
            # The first segment named the authors; later ones are roles, dates or places.
            break
    return names


def _clean_authors(raws: Iterable[str], site_keys: set[str]) -> list[str]:
    """Clean byline strings into a list of author names.

    Drops "By"/"Von"/"Par"/"Written by"/"Reporting by" prefixes, job titles after a comma,
    "Published/Updated ..." tails, e-mail addresses, URLs, dates, places after a dash, other
    roles ("Editing by ..."), and the site's own name when a person is also named; splits
    "A and B", "A & B" and "A, B"; keeps each name's case; drops duplicates ignoring case,
    hyphens and dots.
    """
    names: list[str] = []
    for raw in raws:
        names += _split_author(raw)
    names = _dedupe(names, key=lambda n: _key(n))
    if len(names) > 1:
        # The publication's own name ("paper.example", "PAPER THÜRINGEN" beside site name "PAPER").
        persons = [n for n in names if not _is_site_name(n, site_keys) and not re.fullmatch(r"[\w-]+\.[a-z]{2,}", n)
                   and not (len(n.split()) <= 3 and n.split()[0].isupper() and _key(n.split()[0]) in site_keys)]
        if persons:
            names = persons
    return names[:20]


_META_AUTHOR_NAMES = ("article:author", "author", "og:author", "og:article:author", "dc.creator", "dcterms.creator",
                      "parsely-author", "sailthru.author", "cxenseparse:author", "articleauthor", "byl")


def _person_like(name: str, site_keys: set[str]) -> bool:
    """A name that reads like a person's: two to five capitalised words (or two to six
    CJK/Hangul characters), no digits, not the site's name."""
    if _is_site_name(name, site_keys, fuzzy=False) or any(ch.isdigit() for ch in name) or "." in name.replace(". ", " "):
        return False
    if re.fullmatch(r"[\u3040-\u9fff\uac00-\ud7af]{2,6}", name):
        return True
    words = name.split()
    return 2 <= len(words) <= 5 and all(w[:1].isupper() or w.casefold() in _NAME_PARTICLES for w in words)


def _choose_authors(page: Any, meta: Any, site_keys: set[str], parsely: dict[str, Any]) -> list[str]:
    """The authors from the most trusted source that names any: schema.org first, then the
    author meta tags, byline markup, Parse.ly and trafilatura. A source that names only the
    site itself (a publisher organisation as author, ``<meta name=author content=site.com>``)
    is a weak statement: a later source that names a person wins over it."""
    def sources() -> Iterator[list[str]]:
        # Lazily: the later sources cost more and are rarely reached.
        yield [n for n, _ in page.ld.authors()]
        for name in _META_AUTHOR_NAMES:
            yield [v for v in page.m(name) if not _URLISH.match(v)]
        yield page.bylines
        yield _as_strings(parsely.get("author"))
        yield [a for a in re.split(r";", _norm(getattr(meta, "author", None))) if a]
        # The weakest evidence last: a standalone "By:" label before linked names, and a
        # right-aligned name closing the story.
        yield page.labelled_byline
        yield page.signature

    weak: list[str] = []
    for source in sources():
        names = _clean_authors(source, site_keys) if source else []
        if not names:
            continue
        if all(_is_site_name(n, site_keys, fuzzy=False) for n in names):
            weak = weak or names
        elif not weak or any(_person_like(n, site_keys) for n in names):
            return names
    return weak
