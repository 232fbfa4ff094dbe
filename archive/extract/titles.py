"""Headline choice for :mod:`archive.extract`: site-name and section affixes, kickers, and the
headline as it stands on the page.

Every rule is generic: nothing depends on a publisher's name, URL or class names.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import lxml.etree

from archive.extract.common import _as_strings, _key, _norm


#: Separators between a headline and a site or section name. Strong ones are almost never
#: part of a headline; weak ones are, so they are only cut next to a known site name.
#: U+3163 HANGUL LETTER I (a lone compatibility jamo, never part of composed Korean text)
#: serves Korean sites as a vertical bar.
_STRONG_SEPS = (" | ", " || ", " :: ", " * ", " · ", " • ", " » ", "｜", " ｜ ", "：", "ㅣ", " ㅣ ")
_WEAK_SEPS = (" - ", " – ", " — ", " -- ", " : ", ": ", " / ")
_ANY_SEP = re.compile(r"\s+(?:\|\||::|[|*·•»\-–—/])\s+|[｜：ㅣ]|\s+--\s+|:\s+")


def _site_keys(names: Iterable[str], url: str) -> set[str]:
    """Keys under which the site may name itself: site names, host name and its labels."""
    keys = {_key(n) for n in names if n and len(_key(n)) >= 2}
    host = (urlsplit(url).hostname or "").casefold()
    host = host[4:] if host.startswith("www.") else host
    if host and not re.fullmatch(r"[\d.]+|localhost", host):
        keys.add(_key(host))
        labels = host.split(".")
        if len(labels) >= 2:
            keys.add(_key(labels[-2] if len(labels[-2]) > 3 or len(labels) == 2 else labels[-3]))
    return {k for k in keys if k}


def _is_site_name(segment: str, site_keys: set[str], fuzzy: bool = True) -> bool:
    """Whether ``segment`` names the site: equal to a site key or, with ``fuzzy``, a short
    segment containing one (or contained in one) of at least four characters."""
    k = _key(segment)
    if not k:
        return False
    if k in site_keys:
        return True
    # "DIE ZEITUNG" vs host zeitung.example, "City News - The Daily Example", "Die Neue Tageszeitung"
    if fuzzy and len(segment.split()) <= 6:
        return any(len(s) >= 4 and (s in k or (k in s and len(k) >= 4)) for s in site_keys)
    return False


def _strip_affixes(title: str, site_names: list[str], site_keys: set[str]) -> str:
    """Remove site-name and section prefixes/suffixes from a page title."""
    title = _norm(title)
    if not title:
        return ""
    # Whole site names first (they may contain separators themselves).
    for name in sorted((n for n in site_names if n), key=len, reverse=True):
        for sep in _STRONG_SEPS + _WEAK_SEPS:
            if len(title) > len(name) + len(sep) + 3:
                if title.endswith(sep + name):
                    title = title[: -len(sep + name)].rstrip()
                    return _strip_trailing(title, sep, site_keys, stripped_site=True)
                if title.startswith(name + sep):
                    return _norm(title[len(name + sep):])
    return _strip_trailing(title, None, site_keys, stripped_site=False)


def _strip_trailing(title: str, sep_hint: str | None, site_keys: set[str], stripped_site: bool) -> str:
    """Cut trailing (and leading) segments that are the site name or, after a strong
    separator, short labels; after a site name was removed, short section labels too."""
    changed = True
    while changed:
        changed = False
        for sep in _STRONG_SEPS + _WEAK_SEPS:
            head, found, tail = title.rpartition(sep)
            if not found or not head.strip() or not tail.strip():
                continue
            strong = sep in _STRONG_SEPS
            tail_words = len(tail.split())
            site_tail = _is_site_name(tail, site_keys, fuzzy=":" not in sep)
            if site_tail or (strong and sep.strip() not in ("：",) and tail_words <= 5
                             and len(head.split()) >= tail_words):
                title, changed, stripped_site = head.rstrip(), True, stripped_site or site_tail
                sep_hint = sep
                break
            if stripped_site and sep == sep_hint and tail_words <= 3 and len(head.split()) > tail_words:
                title, changed = head.rstrip(), True
                break
            first, found, rest = title.partition(sep)
            if found and _is_site_name(first, site_keys, fuzzy=False) and rest.strip():
                title, changed = rest.strip(), True
                break
    return title


def _reduce_to_reference(title: str, references: Iterable[str]) -> str:
    """When ``title`` is another candidate plus a separated prefix or suffix, return that
    candidate (e.g. og:title ``X - Section`` and JSON-LD headline ``X``)."""
    best = title
    tkey = title.casefold()
    for ref in references:
        rkey = ref.casefold()
        if not ref or rkey == tkey or len(ref) < 8 or len(ref) >= len(best):
            continue
        if tkey.startswith(rkey):
            rest = title[len(ref):]
            if _ANY_SEP.match(rest) or rest[:1] in "|｜-–—:：ㅣ[(" or rest.startswith(" ["):
                best = ref
        elif tkey.endswith(rkey):
            rest = title[: len(title) - len(ref)]
            if re.search(r"(?:\s[|\-–—:·•»*/]|[:：｜|])\s*$", rest):
                best = ref
    return best


def _choose_title(page: Any, meta: Any, site_names: list[str], site_keys: set[str]) -> str | None:
    ld_headline = _as_strings(page.ld.get("headline") or page.ld.get("name"))
    raw = {
        "og": page.m1("og:title"),
        "ld": ld_headline[0] if ld_headline else "",
        "parsely": page.m1("parsely-title"),
        "twitter": page.m1("twitter:title"),
        "micro": page.micro_headline,
        "meta": page.m1("headline"),
        "dc": page.m1("dc.title", "dcterms.title"),
        "title": page.html_title,
        "h1": page.h1,
    }
    if not any(raw.values()):
        raw["traf"] = _norm(getattr(meta, "title", None))
    cleaned = {k: _strip_affixes(v, site_names, site_keys) for k, v in raw.items() if v}
    cleaned = {k: v for k, v in cleaned.items() if v}
    refs = [v for k, v in cleaned.items() if k in ("og", "ld", "h1", "twitter", "parsely", "micro", "meta")]
    # The schema.org headline is the publisher's statement of the headline: it is not cut
    # down to a shorter candidate, and neither is an og:title that repeats it.
    headline = _key(cleaned.get("ld"))
    reduced = {k: v for k, v in ((k, v if headline and _key(v) == headline and k in ("ld", "og") else _reduce_to_reference(v, refs))
                                 for k, v in cleaned.items()) if len(v) <= 400}
    # The <title> is no witness: CMSs build it from the same field as the <h1>.
    # Before and after the reduction to a shorter reference: a declared og:title that the
    # shorter schema.org headline cut down still witnesses the printed headline.
    declared = {f"{k}{n}": v for n, values in enumerate((cleaned, reduced)) for k, v in values.items()
                if k not in ("h1", "traf", "title")}
    printed = printed_headline(page.tree, declared) if declared else None
    if printed:
        return printed
    shared = _shared_headline(reduced)
    if shared:
        return shared
    # og:title first: where og:title and the schema.org headline really differ (not just by
    # affixes), neither is more often the displayed headline; og:title is the one social
    # sites show and the more often present.
    og, ld, h1 = reduced.get("og"), reduced.get("ld"), reduced.get("h1")
    story = story_beside_listing_title(page.tree, og, ld)
    if story:
        return story
    if og and ld and h1 and len({_key(og), _key(ld), _key(h1)}) == 3 and _is_headline_like(h1, (og, ld)):
        # The two declared headlines contradict each other and the one on the page: the
        # displayed <h1> is the only headline with a witness (the reader).
        return h1
    order = ("og", "ld", "parsely", "twitter", "micro", "meta", "dc", "title", "h1", "traf")
    chosen = next((reduced[k] for k in order if reduced.get(k)), None)
    if chosen:
        # Spellings of the same words: take the one with the fewest quotation marks (a
        # quoted lead phrase is styling; one field of a pair often drops it).
        same = [v for v in reduced.values() if _key(v) == _key(chosen)]
        chosen = min(same, key=lambda v: (_quote_count(v), same.index(v)))
    return chosen


def _quote_count(text: str) -> int:
    return sum(text.count(q) for q in '"“”„«»')


def _is_headline_like(text: str, others: Iterable[str]) -> bool:
    """A plausible headline: five words or more, no breadcrumb trail (``Home > News``),
    sharing a word of four letters or more with one of ``others`` (which rules out logo,
    section-label and "World Cup 2026 News" h1s)."""
    if len(text.split()) < 5 or re.search(r"\s[>»›/|]\s", text):
        return False
    words = {w for w in re.findall(r"\w{4,}", text.casefold())}
    return any(words & set(re.findall(r"\w{4,}", o.casefold())) for o in others)


def _shared_headline(candidates: Mapping[str, str]) -> str | None:
    """The headline two candidates share after different kickers (German *Dachzeile*,
    topic labels): ``"Topic A: Headline"`` and ``"Topic B - Headline"`` give ``Headline``.

    Only when neither candidate is the bare headline itself, the shared tail follows a
    separator in both, and it holds at least four words.
    """
    values = list(dict.fromkeys(v for v in candidates.values() if v))
    keys = {_key(v) for v in values}
    for i, first in enumerate(values):
        for second in values[i + 1:]:
            tail = _common_tail(first, second)
            # The headline is most of both: "X: what we know so far" and "Y - what we know
            # so far" share a stock phrase, not a headline.
            if (tail and _key(tail) not in keys and len(tail.split()) >= 4
                    and all(len(tail.split()) >= 0.6 * len(v.split()) for v in (first, second))):
                return tail
    return None


def _common_tail(first: str, second: str) -> str | None:
    """The longest text both strings end with, if it starts right after a separator in
    each and the two heads differ; else None."""
    n = 0
    limit = min(len(first), len(second))
    while n < limit and first[-1 - n] == second[-1 - n]:
        n += 1
    if not n:
        return None
    tail = first[len(first) - n:]
    # Move forward to the tail's first word start (the common part may begin mid-separator).
    start = len(tail) - len(tail.lstrip())
    tail = tail[start:]
    heads = (first[: len(first) - len(tail)], second[: len(second) - len(tail)])
    if not all(re.search(r"(?:\s[|\-–—:·•»*/]|[:：｜|])\s*$", h) and re.search(r"\w", h) for h in heads):
        return None
    if _key(heads[0]) == _key(heads[1]):
        return None
    return tail.strip()


# --------------------------------------------------------------------------------------
# The headline as it stands on the page
# --------------------------------------------------------------------------------------

#: Headline elements: every ``<h1>`` and every element marked ``itemprop=headline`` that
#: shows its text (a ``<meta itemprop=headline>`` is a declared candidate, not a printed one).
_HEADLINE_ELEMENTS = lxml.etree.XPath('//h1|//*[@itemprop="headline"][not(self::meta)]')
#: The containers an article's own headline stands in.
_ARTICLE_BLOCKS = frozenset(("article", "main", "header"))
#: Where a headline element is not the story's: navigation, asides, footers, captions, links
#: (teasers of other stories), forms.
_HAS_ARTICLE_BLOCK = lxml.etree.XPath('boolean(//article|//main|//*[@role="main"])')
_NOT_HEADLINE_PLACES = frozenset(("nav", "aside", "footer", "figure", "figcaption", "a", "form", "template"))
#: Inline formatting inside a headline, which does not split it into parts.
_INLINE_FORMATTING = frozenset(("em", "i", "b", "strong", "q", "abbr", "sup", "sub", "small", "u", "mark", "br", "wbr"))
#: A separator between a kicker (or affix) and the headline, in the text between them.
_BOUNDARY_SEPARATOR = re.compile(r"[:|/\-–—·•»｜：!?]")
#: Elements tried, in document order: the first few headline elements are the ones in
#: the article's header; later ones are teasers.
_HEADLINE_TRIES = 6


def _in_article_block(el: Any) -> bool:
    """Whether ``el`` stands inside an ``<article>``, ``<main>``, ``<header>`` (or
    ``role=main``, ``itemprop=articleBody``; on a page that has none of these, anywhere
    in the body) and outside navigation, asides, footers, captions, links and breadcrumb
    trails."""
    inside = False
    for anc in el.iterancestors():
        tag = anc.tag if isinstance(anc.tag, str) else ""
        if tag in _NOT_HEADLINE_PLACES or _crumb_trail(anc):
            return False
        if tag in _ARTICLE_BLOCKS or anc.get("role") == "main" or anc.get("itemprop") == "articleBody":
            inside = True
    return inside or not _HAS_ARTICLE_BLOCK(el)


def _headline_parts(el: Any) -> bool:
    """Whether the element's text is split into parts by child elements (a kicker span, a
    hidden separator span and the headline span), rather than one run of text."""
    parts = 1 if _norm(el.text) else 0
    for child in el:
        if not isinstance(child.tag, str) or child.tag in _INLINE_FORMATTING:
            continue
        if _norm(child.text_content()):
            parts += 1
    return parts >= 2


def page_headlines(tree: Any) -> Iterator[tuple[str, bool]]:
    """The headline elements standing in the article's own header or main block, in
    document order: ``(text, in_parts)``, where ``text`` is trimmed (white space collapsed,
    U+3000 kept) and ``in_parts`` tells whether child elements split it (see
    :func:`_headline_parts`). At most :data:`_HEADLINE_TRIES` elements are looked at."""
    tried = 0
    for el in _HEADLINE_ELEMENTS(tree):
        if tried >= _HEADLINE_TRIES:
            return
        tried += 1
        if not _in_article_block(el):
            continue
        text = _norm(el.get("content") if el.get("content") is not None else el.text_content())
        if text:
            yield text, _headline_parts(el)


def _words(text: str) -> list[tuple[str, int, int]]:
    """The words of ``text`` as ``(folded word, start, end)``."""
    return [(unicodedata.normalize("NFKC", m.group()).casefold(), m.start(), m.end())
            for m in re.finditer(r"\w+", text)]


def _agreement(printed: str, declared: str, in_parts: bool) -> str | None:
    """How a printed headline agrees with a declared candidate, up to a kicker or an affix.

    Returns ``"same"`` (the same words), ``"printed-longer"`` (the printed headline adds a
    kicker before, or an affix after, the declared words), ``"declared-longer"`` (the
    declared candidate adds them), or None when they are different headlines. A kicker or
    affix must be cut off by a separator (``:``, ``-``, ``/``, ``|`` ...), or, on the printed
    side, by the element structure of the headline (``in_parts``); it may not be most of
    the headline.
    """
    pw, dw = _words(printed), _words(declared)
    if not pw or not dw or len(_key(printed)) < 6:
        return None
    p, d = [w for w, _, _ in pw], [w for w, _, _ in dw]
    if p == d:
        return "same"
    long_text, long_w, short, printed_long = (printed, pw, d, True) if len(p) > len(d) else (declared, dw, p, False)
    extra = len(long_w) - len(short)
    if extra > max(len(short), 2) or len(short) < 2:
        return None
    words = [w for w, _, _ in long_w]
    if words[extra:] == short:  # a kicker before
        gap = long_text[long_w[extra - 1][2]:long_w[extra][1]]
    elif words[:len(short)] == short:  # an affix after
        gap = long_text[long_w[len(short) - 1][2]:long_w[len(short)][1]]
    else:
        return None
    if not (_BOUNDARY_SEPARATOR.search(gap) or (printed_long and in_parts)):
        return None
    return "printed-longer" if printed_long else "declared-longer"


def printed_headline(tree: Any, declared: Mapping[str, str]) -> str | None:
    """The headline as published: the first headline element in the article's header or
    main block (:func:`page_headlines`) that agrees with a declared candidate (og:title,
    schema.org headline, Twitter card, ``<title>`` ... after site affixes are cut) up to a
    kicker or an affix (:func:`_agreement`).

    Its text is kept as printed, with the kicker it prints and without the affix a declared
    candidate adds. When a declared candidate has the same words, its spelling is taken
    (the publisher's own one-line form: a kicker span and a headline span show their
    separator only by layout), the one with the fewest quotation marks; a kicker in an element of its own is kept only when the declared candidate
    has it too. None when no headline element agrees (declared metadata decides then).
    """
    values = [v for v in dict.fromkeys(declared.values()) if v]
    if not values:
        return None
    for text, in_parts in page_headlines(tree):
        kinds = [(_agreement(text, value, in_parts), value) for value in values]
        same = [value for kind, value in kinds if kind == "same"]
        if same:
            # Spellings of the same words: the declared one-line form first (it has the
            # separator a kicker span only shows by layout), the fewest quotation marks
            # (a quoted lead phrase is styling).
            return min([*same, text], key=_quote_count)
        if in_parts:
            # A kicker in an element of its own: the declared candidate says whether the
            # publisher counts it as part of the headline.
            shorter = [value for kind, value in kinds if kind == "printed-longer"]
            if shorter:
                return shorter[0]
        if any(kind for kind, _ in kinds):
            return text
    return None


def _headline_shaped(text: str) -> bool:
    """Three words or more, or ten letters of a script written without spaces."""
    words = re.findall(r"[^\W\d_]{2,}", text)
    return len(words) >= 3 or sum(len(w) for w in words) >= 10


def _in_navigation(el: Any) -> bool:
    """Whether ``el`` stands in navigation: a ``<nav>``, ``role=navigation`` or a
    breadcrumb trail (a class naming a *crumb*)."""
    return any((isinstance(anc.tag, str) and anc.tag == "nav") or anc.get("role") == "navigation"
               or _crumb_trail(anc) for anc in el.iterancestors())


#: A class that says a page or block *has* a breadcrumb trail, not that it is one.
_CRUMB_MODIFIER = re.compile(r"^(?:has|with|no|show|hide)[-_]", re.I)


def _crumb_trail(el: Any) -> bool:
    """Whether ``el`` is a breadcrumb trail: a class token naming a *crumb*
    (``breadcrumb``, ``article__breadcrumb``), on an element below the page's ``<body>``,
    ``<main>`` and ``<article>`` (a ``has-breadcrumbs`` modifier on a wrapper is none)."""
    if not isinstance(el.tag, str) or el.tag in ("html", "body", "main", "article"):
        return False
    return any("crumb" in token.casefold() and not _CRUMB_MODIFIER.match(token)
               for token in (el.get("class") or "").split())


def story_beside_listing_title(tree: Any, og: str | None, ld: str | None) -> str | None:
    """The story's headline when og:title and the schema.org headline are different
    headlines and a headline element in the page's navigation repeats one of them.

    A breadcrumb trail (or a navigation bar that marks the current story) ends with the
    page's listing title, the short SEO form that sites put in an ``<h1>`` there while the
    article prints its headline in another element. The candidate the navigation repeats
    (up to a kicker or an affix, :func:`_agreement`) is that listing title, so the other
    one is returned. None when the two agree, when no navigation headline element is
    among the first :data:`_HEADLINE_TRIES`, or when it repeats both or neither.
    """
    if not og or not ld or _key(og) == _key(ld) or _agreement(og, ld, False):
        return None
    if not all(_headline_shaped(c) for c in (og, ld)):
        return None  # a "Home" or "12" is no story headline to fall back on
    for tried, el in enumerate(_HEADLINE_ELEMENTS(tree)):
        if tried >= _HEADLINE_TRIES:
            break
        if not _in_navigation(el):
            continue
        text = _norm(el.text_content())
        echoes = [_agreement(text, og, False) is not None, _agreement(text, ld, False) is not None]
        if echoes == [True, False]:
            return ld
        if echoes == [False, True]:
            return og
    return None
