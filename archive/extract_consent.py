"""Consent, cookie and subscription notices are never the body (part of :mod:`archive.extract`).

trafilatura drops ``<aside>`` while cleaning; on a page whose story sits inside one next to a
cookie notice (trafilatura#569), its text is the notice, or a stray line. Its recall mode
(``favor_recall=True``) keeps the ``<aside>``. So when the body extracted is mostly such a
notice, or is much shorter than the page's longest text block, the body is asked again: of
trafilatura in recall mode, and of the container of that longest block (the article's own),
and the longest answer that is no notice wins, if it is clearly longer.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import lxml.html

#: Phrases of consent, cookie and paywall notices (English, German, French, Spanish, Italian,
#: Dutch, Portuguese). A line holding one is a notice line.
_NOTICE = re.compile(
    r"\b(?:we\s+use\s+cookies|this\s+(?:web)?site\s+uses\s+cookies|cookie\s+(?:settings|preferences|policy)|"
    r"accept\s+(?:all|cookies)|reject\s+all|manage\s+(?:cookies|preferences|consent)|your\s+consent|"
    r"(?:consent|agree)\s+to\s+(?:the\s+use\s+of|our\s+use\s+of)|privacy\s+(?:policy|settings)|"
    r"subscribe\s+(?:now|to\s+(?:continue|read))|already\s+a\s+subscriber|subscribers?\s+only|"
    r"(?:to\s+)?continue\s+reading|sign\s+in\s+to\s+(?:continue|read)|"
    r"wir\s+verwenden\s+cookies|diese\s+website\s+verwendet\s+cookies|alle\s+akzeptieren|einwilligung|"
    r"datenschutzerkl\w+|jetzt\s+abonnieren|weiterlesen\s+mit|"
    r"nous\s+utilisons\s+des\s+cookies|tout\s+accepter|abonnez-vous|"
    r"utilizamos\s+cookies|aceptar\s+todas?|suscr[ií]bete|"
    r"utilizziamo\s+(?:i\s+)?cookie|accetta\s+tutti|"
    r"wij\s+gebruiken\s+cookies|alles\s+accepteren|"
    r"usamos\s+cookies|aceitar\s+todos)\b", re.I)
#: A body under this many words may be a notice; a story is longer.
NOTICE_MAX_WORDS = 150
#: The body is "much shorter" than the page's longest text block below this share of it.
SHORT_SHARE = 0.5
#: A recovered body replaces the one extracted only when at least this many times longer.
GAIN = 1.5


def is_notice(text: str) -> bool:
    """Whether ``text`` is mostly a consent, cookie or subscription notice: under
    :data:`NOTICE_MAX_WORDS` words, two different notice phrases or more ("We use cookies",
    "Accept all"; "Subscribe now", "Already a subscriber"), and at least half of its characters
    in lines that hold one. A story that quotes such phrases is longer, and a brief that names
    one ("without your consent") holds only one, so neither is a notice."""
    text = text or ""
    if not text.strip() or len(text.split()) >= NOTICE_MAX_WORDS:
        return False
    if len({" ".join(m.group(0).casefold().split()) for m in _NOTICE.finditer(text)}) < 2:
        return False
    lines = [line for line in text.splitlines() if line.strip()]
    notice_chars = sum(len(line) for line in lines if _NOTICE.search(line))
    return notice_chars * 2 >= sum(len(line) for line in lines)


def longest_block(tree: lxml.html.HtmlElement) -> tuple[int, Any]:
    """The element whose ``<p>`` children hold the most text, and that many characters;
    ``(0, None)`` on a page without paragraphs."""
    sizes: dict[Any, int] = {}
    for p in tree.iter("p"):
        parent = p.getparent()
        if parent is not None:
            sizes[parent] = sizes.get(parent, 0) + len(p.text_content().strip())
    if not sizes:
        return 0, None
    element = max(sizes, key=sizes.__getitem__)
    return sizes[element], element


def recover_body(tree: lxml.html.HtmlElement, text: str, paragraph_chars: int,
                 extract: Callable[..., Any]) -> str | None:
    """A better body than ``text`` when ``text`` is a notice or much shorter than the page's
    longest text block, else None.

    Args:
        tree: The page (comments pruned).
        text: The body trafilatura gave.
        paragraph_chars: Characters of ``<p>`` text on the whole page (a cheap upper bound of
            the longest block: nothing is looked up when ``text`` is no shorter than a
            :data:`SHORT_SHARE` of it).
        extract: ``extract(tree_or_html, **options)`` -> trafilatura ``Document`` or None
            (``trafilatura.bare_extraction`` with the archive's options).

    Returns:
        The text of trafilatura in recall mode or of the longest block's container, whichever
        is longer, when it is no notice and at least :data:`GAIN` times longer than ``text``
        (any length, when ``text`` is a notice); None otherwise.
    """
    notice = is_notice(text)
    if not notice and len(text) >= SHORT_SHARE * paragraph_chars:
        return None
    block_chars, block = longest_block(tree)
    if not notice and len(text) >= SHORT_SHARE * block_chars:
        return None
    candidates = []
    for source, options in ((tree, {"favor_recall": True, "fast": False}),
                            (_container_html(block), {"fast": True})):
        if source is None:
            continue
        try:
            doc = extract(source, **options)
        except Exception:  # noqa: BLE001 - a retry that fails gives nothing
            continue
        found = (getattr(doc, "text", None) or "").strip()
        if found and not is_notice(found):
            candidates.append(found)
    best = max(candidates, key=len, default="")
    if best and (len(best) >= GAIN * len(text) or (notice and len(best) > len(text))):
        return best
    return None


def _container_html(block: Any) -> str | None:
    """The longest block's container (itself or its nearest ``<article>``, ``<main>``,
    ``<aside>`` or ``<section>`` ancestor) as a page of its own, an ``<aside>`` renamed
    ``<div>`` (trafilatura drops asides)."""
    if block is None:
        return None
    container = next((a for a in block.iterancestors() if a.tag in _CONTAINERS), block) \
        if block.tag not in _CONTAINERS else block
    clone = copy.deepcopy(container)
    if clone.tag == "aside":
        clone.tag = "div"
    clone.tail = None
    return f"<html><body><article>{lxml.html.tostring(clone, encoding='unicode')}</article></body></html>"


_CONTAINERS = ("article", "main", "aside", "section")
