"""Headline choice for :mod:`archive.extract`: site-name and section affixes, kickers, and the
headline as it stands on the page.

Every rule is generic: nothing depends on a publisher's name, URL or class names.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from archive.extract_common import _as_strings, _key, _norm


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
    # "DIE WELT" vs host welt.de, "Bhopal News - The Times of India", "Die Neue Südtiroler Tageszeitung"
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
    shared = _shared_headline(reduced)
    if shared:
        return shared
    # og:title first: where og:title and the schema.org headline really differ (not just by
    # affixes), neither is more often the displayed headline; og:title is the one social
    # sites show and the more often present.
    og, ld, h1 = reduced.get("og"), reduced.get("ld"), reduced.get("h1")
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
