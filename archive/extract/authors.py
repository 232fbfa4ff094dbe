"""Author choice for :mod:`archive.extract`: byline cleaning and the order of trust of the
author sources.

Every rule is generic: nothing depends on a publisher's name or URL.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import lxml.etree

from archive.extract.common import _as_strings, _dedupe, _key, _norm
from archive.extract.titles import _is_site_name


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
_TRAILING_TITLE = re.compile(r"\s*(?:기자|특파원|논설위원|記者|特派員|编辑|編輯|记者|報導|报道|報道)\s*$")
#: A CJK byline label before the names: "記者 王小明", "本报记者李四", "文／陳大文", "撰文：…".
_CJK_LABEL = re.compile(r"^(?:\S{0,4}?(?:记者|記者|特派员|特派員)\s*[:：／/｜|]?|(?:文|撰文|作者|撰稿|取材|글|취재)\s*[:：／/｜|]|(?:撰文|作者|撰稿))\s*")
_SPLIT_NAMES = re.compile(r"\s*[,，、]\s*|\s*&\s*|\s*/\s*(?=\S+\s+\S)")
#: "A and B" in the languages of bylines, by the page's language (ISO 639-1). English "and"
#: splits in every language; a page of unknown language splits on all of them.
CONJUNCTIONS = {
    "de": ("und",), "fr": ("et",), "es": ("y",), "pt": ("e",), "it": ("e",), "ca": ("i",), "pl": ("i",),
    "hr": ("i",), "sr": ("i", "и"), "bs": ("i",), "sl": ("in",), "no": ("og",), "nb": ("og",), "nn": ("og",),
    "da": ("og",), "is": ("og",), "sv": ("och",), "nl": ("en",), "ru": ("и",), "uk": ("і", "и"), "bg": ("и",),
    "mk": ("и",), "be": ("і",), "cs": ("a",), "sk": ("a",),
}
_ALL_CONJUNCTIONS = frozenset(c for values in CONJUNCTIONS.values() for c in values if c not in ("a", "en", "in"))
#: Conjunctions that split wherever they stand. The others are also name particles
#: ("Ortega y Gasset", "Maria e Silva") or join a credit line ("Le Figaro et AFP"): they
#: split only between two names of two words or more.
_ALWAYS_SPLIT = frozenset(("and", "und", "и"))
#: CJK "and" between two names written without spaces (Chinese 和, Japanese と), and the
#: middle dot between Korean names.
_CJK_AND = re.compile(r"(?<=[\u4e00-\u9fff]{2})(?:和|と)(?=[\u4e00-\u9fff]{2})|(?<=[\uac00-\ud7af]{2})·(?=[\uac00-\ud7af]{2})")
_CJK_NAME = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]{2,5}")
#: A publication or section name glued before a labelled name: "Capital Von Jemima Kelly".
_GLUED_LABEL = re.compile(r"^(?P<before>(?:\S+\s+){1,3}?)(?:By|Von|Par|Por|Door|Przez|От|by)\s+(?P<name>\S+(?:\s+\S+){1,4})$")


def _conjunctions(lang: str | None) -> frozenset[str]:
    """The words that join two names on a page in ``lang`` (see :data:`CONJUNCTIONS`)."""
    code = (lang or "").split("-")[0].casefold()
    if code in CONJUNCTIONS:
        return frozenset(("and", *CONJUNCTIONS[code]))
    return frozenset(("and", *(_ALL_CONJUNCTIONS if code != "en" else ())))


def _split_on_conjunctions(part: str, conjunctions: frozenset[str]) -> list[str]:
    """``"A og B"`` -> ``["A", "B"]`` for the given conjunctions (see
    :data:`_ALWAYS_SPLIT` for the ones that need full names on both sides)."""
    words = part.split(" ")
    names: list[str] = []
    current: list[str] = []
    for pos, word in enumerate(words):
        if word in conjunctions and not current and pos < len(words) - 1 and words[pos + 1][:1].isupper():
            continue  # "A, Correspondent, and B": the conjunction after a comma opens the next name
        if word in conjunctions and current and pos < len(words) - 1:
            rest = words[pos + 1:]
            if word in _ALWAYS_SPLIT or (len(current) >= 2 and len(rest) >= 2):
                names.append(" ".join(current))
                current = []
                continue
        current.append(word)
    names.append(" ".join(current))
    # A conjunction left at an end ("John Smith and", "John Smith, and") joins nothing.
    names = [" ".join(words[:-1] if words[-1] in conjunctions else words) for words in (n.split(" ") for n in names)]
    return [n for n in names if n]


def _split_cjk(part: str, lang: str | None) -> list[str]:
    """CJK names joined by 和/と/· or, on a Chinese or Korean page, by spaces
    ("李四 王五"); a Japanese name may have a space between family and given name."""
    pieces = [p for p in _CJK_AND.split(part) if p]
    code = (lang or "").split("-")[0].casefold()
    out: list[str] = []
    for piece in pieces:
        tokens = piece.split()
        if len(tokens) > 1 and code in ("zh", "ko") and all(_CJK_NAME.fullmatch(t) for t in tokens):
            out += tokens
        else:
            out.append(piece)
    return out


def _looks_like_job(segment: str) -> bool:
    words = segment.split()
    if len(words) > 5:
        return True
    if _JOB_WORDS.match(segment):
        return True  # starts with a role ("Senior Reporter"); "Bob Writer" is a name
    # Mostly lower-case words (not name particles): a description, not a name.
    lower = [w for w in words if w[:1].islower() and w.casefold() not in _NAME_PARTICLES]
    return len(words) >= 2 and len(lower) * 2 > len(words)


def _split_author(raw: str, lang: str | None = None) -> list[str]:
    """Split one byline string into cleaned author names (see :func:`_clean_authors`)."""
    text = _norm(raw)
    if not text or _URLISH.match(text):
        return []
    text = _norm(re.sub(r"\([^)]*\)|\[[^\]]*\]|（[^）]*）|【[^】]*】", " ", _EMAIL.sub(" ", text)))
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
            segment = _CJK_LABEL.sub("", segment).strip(" ,.-–—:")
        glued = _GLUED_LABEL.match(segment)
        if glued and _name_after_label(glued.group("name")):
            segment = glued.group("name")  # "Capital Von Jemima Kelly": a column's name before the byline
        # "Name - Place" / "Name — Place": a spaced dash never separates two halves of a name.
        segment = re.split(r"\s+[-–—]\s+", segment)[0]
        segment = re.sub(r"\s+(?:in|aus|en|à|a|em)\s+[A-ZÄÖÜ][\w-]+(?:\s+[A-Z][\w-]+)?$", "", segment)
        conjunctions = _conjunctions(lang)
        parts = [p.strip(" ,.-–—:") for p in _SPLIT_NAMES.split(segment)]
        parts = [c.strip(" ,.-–—:") for p in parts for n in _split_on_conjunctions(p, conjunctions)
                 for c in _split_cjk(n, lang)]
        parts = [p for p in parts if p]
        for pos, part in enumerate(parts):
            part = _TRAILING_TITLE.sub("", part).strip()
            if not part or _URLISH.match(part):
                continue
            if pos and _looks_like_job(part):
                continue
            if _JOB_WORDS.fullmatch(part):
                continue  # "Staff Writer" on its own: a byline's role, split off before it came here
            if not pos and len(parts) > 1 and _looks_like_job(part) and not _looks_like_job(parts[1]):
                continue
            if len(part.split()) > 6 or not any(ch.isalpha() for ch in part):
                continue
            names.append(part)
        if names and index == 0:
            # The first segment named the authors; later ones are roles, dates or places.
            break
    return names


def _name_after_label(name: str) -> bool:
    """Whether the words after a glued byline label are a person's name: two to five
    capitalised words, not a name particle first ("von der Leyen")."""
    words = name.split()
    return (2 <= len(words) <= 5 and all(w[:1].isupper() for w in words)
            and words[0].casefold() not in _NAME_PARTICLES and not any(ch.isdigit() for ch in name))


def _clean_authors(raws: Iterable[str], site_keys: set[str], lang: str | None = None) -> list[str]:
    """Clean byline strings into a list of author names.

    Drops "By"/"Von"/"Par"/"Written by"/"Reporting by" prefixes, job titles after a comma,
    "Published/Updated ..." tails, e-mail addresses, URLs, dates, places after a dash, other
    roles ("Editing by ..."), a column's name glued before a labelled name ("Capital Von
    Jemima Kelly"), CJK labels and titles ("記者", "文／", "기자"), and the site's own name
    when a person is also named; splits "A and B" with the conjunctions of the page's
    ``lang`` (:data:`CONJUNCTIONS`: og, und, et, y, e, i, и ...), "A & B", "A, B", "A、B"
    and CJK names joined by 和, と or ·; keeps each name's case; drops duplicates ignoring
    case, hyphens and dots.
    """
    names: list[str] = []
    for raw in raws:
        names += _split_author(raw, lang)
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
    author meta tags, byline markup, Parse.ly, trafilatura (completed by a labelled byline
    that names more) and the weak rules. A source that names only the
    site itself (a publisher organisation as author, ``<meta name=author content=site.com>``)
    is a weak statement: a later source that names a person wins over it."""
    def sources() -> Iterator[list[str]]:
        # Lazily: the later sources cost more and are rarely reached.
        yield [n for n, _ in page.ld.authors()]
        for name in _META_AUTHOR_NAMES:
            yield [v for v in page.m(name) if not _URLISH.match(v)]
        yield page.bylines
        yield _as_strings(parsely.get("author"))
        guess = [a for a in re.split(r";", _norm(getattr(meta, "author", None))) if a]
        # trafilatura's guess stops at the first link ("Par <a>A</a> et <a>B</a>" gives A):
        # a labelled byline that names the same and more completes it.
        yield page.labelled_byline if guess and _completes(page.labelled_byline, guess) else guess
        # The weakest evidence last: a standalone "By:" label before linked names, CJK
        # names with their reporter's title under the headline, a right-aligned name
        # closing the story, a name alone in bold opening it, a name beside the printed
        # date under the headline.
        yield page.labelled_byline
        yield page.cjk_byline
        yield page.signature
        yield page.lead_byline
        yield page.dateline_byline

    organisations = {_key(n) for n, is_org in page.ld.authors() if is_org}
    lang = page.lang or None
    weak: list[str] = []
    weak_is_site = False
    for source in sources():
        names = _clean_authors(source, site_keys, lang) if source else []
        if not names:
            continue
        if weak and any(_person_like(n, site_keys) and not _site_own(n, site_keys) and not _newsroom(n)
                        and (weak_is_site or not _media(n)) for n in names):
            # A person named after the site named itself (or an agency, after the site's
            # own name), or a person after a newsroom or publication named itself.
            return names
        if all(_organisation_like(n, site_keys, organisations) for n in names):
            if not weak:
                weak, weak_is_site = names, all(_site_own(n, site_keys) or _key(n) in organisations for n in names)
        elif not weak:
            return names
    return weak


def _completes(names: list[str], partial: list[str]) -> bool:
    """Whether ``names`` holds every name of ``partial`` and more (keys compared)."""
    return {_key(n) for n in partial} < {_key(n) for n in names}


#: Words that name a newsroom's desk rather than a person or an agency.
_NEWSROOM_WORDS = frozenset((
    "redaktion", "redaction", "rédaction", "redacción", "redazione", "redactie", "redaksjon", "newsroom", "desk",
    "staff", "team", "editors", "editorial", "online",
))
#: Words that name a newsroom, a publication or an agency rather than a person.
_MEDIA_WORDS = _NEWSROOM_WORDS | frozenset((
    "news", "times", "post", "herald", "tribune", "gazette", "journal", "zeitung", "welle", "radio", "tv",
    "television", "press", "presse", "agency", "agence", "agencia", "media", "redaktion", "redaction",
    "rédaction", "redacción", "redazione", "redactie", "redaksjon", "newsroom", "desk", "staff", "online",
    "magazine", "magazin", "daily", "weekly", "observer", "express", "telegraph", "chronicle", "courier",
    "kurier", "nachrichten", "noticias", "notizie", "nouvelles", "haber", "haberleri", "ajansı", "ajansi",
    "wire", "service", "team", "editors", "editorial", "broadcasting", "network", "channel", "bureau",
))


def _organisation_like(name: str, site_keys: set[str], organisations: set[str]) -> bool:
    """Whether an author name names an organisation, mostly the site itself, rather than a
    person: a schema.org ``Organization`` author, the site's name (or a name whose initials
    are the site's: "Deutsche Welle" on dw.com), the site's name with an initial (a CMS
    account named after the site: "Ilanga D"), or a name with a newsroom word ("Lesotho
    Times", "Redaktion", "Staff")."""
    return _key(name) in organisations or _site_own(name, site_keys) or _media(name)


def _media(name: str) -> bool:
    """Whether a name holds a word of :data:`_MEDIA_WORDS`."""
    return any(w.casefold().strip(".,") in _MEDIA_WORDS for w in name.split())


def _newsroom(name: str) -> bool:
    """Whether a name holds a newsroom word ("Redaktion", "Staff", "Desk")."""
    return any(w.casefold().strip(".,") in _NEWSROOM_WORDS for w in name.split())


def _site_own(name: str, site_keys: set[str]) -> bool:
    """The site's own name: equal to a site key, its initials one ("Deutsche Welle" on
    dw.com), or a site key's start with an initial (a CMS account named after the site)."""
    if _is_site_name(name, site_keys, fuzzy=False):
        return True
    words = name.split()
    if len(words) >= 2 and _key("".join(w[0] for w in words if w[:1].isalpha())) in site_keys:
        return True
    if len(words) == 2 and len(_key(words[1])) <= 2 and len(_key(words[0])) >= 4 and any(
            k.startswith(_key(words[0])) for k in site_keys):
        return True
    return False


#: The first paragraphs after the page's first <h1>: where a story opens with its byline.
_LEAD_PARAGRAPHS = lxml.etree.XPath("(//h1)[1]/following::p[normalize-space()][position() <= 3]")
#: Words of a bold opening line that is a label, not a name ("BREAKING NEWS", "Live Updates").
_LEAD_LABELS = frozenset((
    "breaking", "live", "update", "updates", "updated", "watch", "read", "video", "photo", "photos", "exclusive",
    "analysis", "opinion", "editorial", "advertisement", "anzeige", "sponsored", "comment", "review", "interview",
    "news", "more", "also", "listen", "podcast", "gallery", "summary", "highlights", "key", "events", "latest",
    "top", "stories",
))


def lead_byline(tree: Any) -> list[str]:
    """A byline opening the story: among the first three paragraphs after the first
    ``<h1>``, one whose whole text is bold (``<strong>``/``<b>``) or in capitals and is a
    name only (two to four capitalised words, no digits, no label such as "Breaking
    news"), as many small papers put the reporter's name above the story. Outside
    captions, asides, navigation and footers."""
    for p in _LEAD_PARAGRAPHS(tree):
        if any(a.tag in ("figcaption", "aside", "nav", "footer", "blockquote") for a in p.iterancestors()):
            continue
        text = _norm(p.text_content())
        bold = _norm(" ".join(b.text_content() for b in p.iter("strong", "b")))
        if not (bold == text or (text.isupper() and len(text) > 3)):
            continue
        name = _BY_PREFIX.sub("", text).strip(" ,.:")
        if _name_shaped(name):
            return [name]
    return []


def _name_shaped(name: str) -> bool:
    """Two to four capitalised words, at most 40 characters, no digits, no sentence or
    markup punctuation and no label word (:data:`_LEAD_LABELS`): a name standing alone."""
    words = name.split()
    return (2 <= len(words) <= 4 and len(name) <= 40 and all(w[:1].isupper() for w in words)
            and not any(ch.isdigit() for ch in name) and not re.search(r"[:;!?|/@()\"“”]", name)
            and not any(w.casefold() in _LEAD_LABELS for w in words))


#: The elements after the page's first ``<h1>``: its standfirst and the dateline row.
_AFTER_HEADLINE = lxml.etree.XPath("(//h1[normalize-space()])[1]/following::*[position() <= 40]")
#: The same after the first ``<h1>`` of all, a logo's too (the headline may be an ``<h2>`` or
#: ``<h3>`` below it): for a byline that its reporter's title marks, where no label can mislead.
_AFTER_FIRST_H1 = lxml.etree.XPath("(//h1)[1]/following::*[position() <= 40]")
#: A printed date: 05.04.2025, 5/4/25, 2025-04-05, 5. April 2025, April 5, 2025.
_PRINTED_DATE = re.compile(
    r"\b\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})\b|\b\d{4}-\d{2}-\d{2}\b"
    r"|\b\d{1,2}\.?\s+[^\W\d]{3,}\.?,?\s+\d{4}\b|\b[^\W\d]{3,}\.?\s+\d{1,2},?\s+\d{4}\b")
#: A separator a dateline row prints between the name and the date.
_SEPARATOR = r"[\s|·•/–—-]"
_SEPARATOR_END = re.compile(_SEPARATOR + "+$")
#: Classes of a caption or a photo credit, which print a name beside a date too.
_CAPTION_CLASS = re.compile(r"caption|credit|legend|bildunterschrift", re.I)
#: Classes of a label printed beside the date: a section, category, kicker or tag.
_LABEL_CLASS = re.compile(r"section|categor|kicker|label|tag|topic|rubri|ressort|eyebrow|overline", re.I)
#: Where a name beside a date is not the story's byline (captions, teasers, links, controls).
_NOT_DATELINE = frozenset(("figcaption", "figure", "aside", "nav", "footer", "blockquote", "a", "button", "select",
                           "option", "label", "form", "svg", "template"))
#: Line breaks inside a leaf element: ``<span>Jana Dorn<br></span>`` is still one text.
_BREAKS = frozenset(("br", "wbr"))


def _short_text(el: Any, limit: int) -> str | None:
    """The element's text, white space collapsed, when it is at most ``limit`` characters;
    else None, without reading the rest (a container of the whole story is not read)."""
    pieces, size = [], 0
    for piece in el.itertext():
        size += len(piece)
        if size > 4 * limit + 200:
            return None
        pieces.append(piece)
    text = _norm("".join(pieces))
    return text if len(text) <= limit else None


def _dated(el: Any) -> bool:
    """Whether an element is, holds or prints a date (``<time>`` or :data:`_PRINTED_DATE`)."""
    if el is None or not isinstance(el.tag, str):
        return False
    if el.tag == "time":
        return True
    text = _short_text(el, 80)  # a dateline, not a paragraph of the story that names a day
    return text is not None and (bool(el.xpath(".//time")) or bool(_PRINTED_DATE.search(text)))


def _bare_name(text: str) -> str | None:
    """``text`` as a person's name (two to four capitalised words, at most 40 characters;
    no digits, commas or label words; a trailing separator dropped), else None."""
    name = _SEPARATOR_END.sub("", _BY_PREFIX.sub("", text)).strip(" .:")
    return name if _name_shaped(name) and "," not in name and not _media(name) else None


def dateline_byline(tree: Any) -> list[str]:
    """A byline printed beside the story's date with no label and no markup: among the 40
    elements after the first ``<h1>``, a leaf element whose whole text is a name
    (:func:`_bare_name`: "Sehernur Karsu |") next to a sibling that prints a date or holds a
    ``<time>``. Not in captions, asides, navigation, footers, quotes or links (a section
    link beside the date is a label). One name or none."""
    for el in _AFTER_HEADLINE(tree):
        if not isinstance(el.tag, str) or el.tag in _NOT_DATELINE or any(c.tag not in _BREAKS for c in el):
            continue
        if any(a.tag in _NOT_DATELINE or _CAPTION_CLASS.search(a.get("class") or "") for a in el.iterancestors()):
            continue
        if _LABEL_CLASS.search(el.get("class") or "") or _CAPTION_CLASS.search(el.get("class") or ""):
            continue
        text = _short_text(el, 120)
        if not text:
            continue
        name = _bare_name(text)
        if name and (_dated(_beside(el, "getnext")) or _dated(_beside(el, "getprevious"))):
            return [name]
        # One text: "Jana Dorn | 05.04.2025", "05.04.2025 · Jana Dorn".
        parts = [p for p in re.split(r"\s+[|·•]\s+|\s*[|｜]\s*", text) if p.strip()]
        if len(parts) == 2:
            for first, second in (parts, parts[::-1]):
                name = _bare_name(first)
                if name and _PRINTED_DATE.search(second):
                    return [name]
    return []


def _beside(el: Any, direction: str) -> Any:
    """The next (``getnext``) or previous (``getprevious``) sibling element of ``el``,
    past comments and siblings that print only a separator (``<span> | </span>``)."""
    sibling = getattr(el, direction)()
    while sibling is not None and (not isinstance(sibling.tag, str) or _separator_only(sibling)):
        sibling = getattr(sibling, direction)()
    return sibling


def _separator_only(el: Any) -> bool:
    """Whether an element prints nothing but separators (a long text is never read whole)."""
    text = _short_text(el, 80)
    return text is not None and not re.sub(_SEPARATOR, "", text)


#: CJK names (joined by ·, 、 or commas) followed by a reporter's title: "김민준·이서연 기자".
_CJK_BYLINE = re.compile(
    r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]{2,5}(?:\s*[·、,，]\s*[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]{2,5}){0,5}"
    r"\s*(?:기자|특파원|記者|特派員|记者|特派员)")


def cjk_byline(tree: Any) -> list[str]:
    """A CJK byline with no markup: among the 40 elements after the first ``<h1>``, the
    first whose whole text is names and a reporter's title (:data:`_CJK_BYLINE`; 기자,
    特派員, 记者 ...), outside captions, asides, navigation, footers, quotes and links. The
    names without the title, for :func:`_clean_authors` to split."""
    for el in _AFTER_FIRST_H1(tree):
        if not isinstance(el.tag, str) or el.tag in _NOT_DATELINE:
            continue
        text = _short_text(el, 40)
        if text and _CJK_BYLINE.fullmatch(text) and not any(a.tag in _NOT_DATELINE for a in el.iterancestors()):
            return [_TRAILING_TITLE.sub("", text).strip()]
    return []
