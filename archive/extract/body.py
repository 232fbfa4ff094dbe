"""The article's body text (part of :mod:`archive.extract`).

Reader comments and boilerplate (related-story lists, embeds) are pruned first; the text is
trafilatura's, its fallback extractors consulted only where they matter, a schema.org
``articleBody`` or a script-rendered (Next.js flight) body preferred where trafilatura found
little, and update or correction notices kept with the text.

Consent, cookie and subscription notices are never the body (:func:`recover_body`).
trafilatura drops ``<aside>`` while cleaning; on a page whose story sits inside one next to a
cookie notice (trafilatura#569), its text is the notice, or a stray line. Its recall mode
(``favor_recall=True``) keeps the ``<aside>``. So when the body extracted is mostly such a
notice, or is much shorter than the page's longest text block, the body is asked again: of
trafilatura in recall mode, and of the container of that longest block (the article's own),
and the longest answer that is no notice wins, if it is clearly longer.
"""
from __future__ import annotations

import copy
import html
import json
import re
from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any

import lxml.etree
import lxml.html
import trafilatura

from archive.extract.common import _as_strings, _key, _norm
from archive.extract.structured import _JsonLd


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


#: Script code and style sheets; a ``<script>`` whose type names JSON is data (JSON-LD,
#: settings) that trafilatura's and htmldate's fallbacks read, and stays.
_CODE = lxml.etree.XPath('//script[not(contains(@type, "json"))]|//style')


def _drop_code(tree: lxml.html.HtmlElement) -> None:
    """Remove script code and style sheets from the tree (each element's tail text stays).

    Call it after the page's requisites and structured data were read (both read scripts
    and styles). trafilatura removes them too, but only after copying the whole tree; a
    news page's inline scripts are often most of its bytes, so the tree it copies three
    times or more is smaller without them: its main-text pass costs about a tenth less.
    """
    for el in _CODE(tree):
        if el.getparent() is not None:
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
#: The fast extraction "missed the body" when it found less text than this share of the
#: characters in the page's ``<p>`` elements (teasers, captions and footers included).
FAST_MISS_SHARE = 0.25


#: Navigation and page footers. trafilatura's tree cleaning and its external extractors'
#: sanitizing discard both, but only after copying the tree; its baseline (a rescue for an
#: extraction under 250 characters) and the page text its recall retry is measured against
#: discard footers but keep navigation text, which is boilerplate there too. On the 129
#: corpus pages the text was the same with and without them, in fast and in full mode.
_DISCARDED_BY_TRAFILATURA = lxml.etree.XPath("//nav|//footer")


def _set_aside(tree: lxml.html.HtmlElement) -> list[tuple[Any, int, Any]]:
    """Detach the page's ``<nav>`` and ``<footer>`` elements (the outermost ones, whose tail
    is blank, so that no text is lost with them) so that trafilatura copies a smaller tree.

    Returns:
        ``(parent, index, element)`` for each, in document order, for :func:`_put_back`.
    """
    removed: list[tuple[Any, int, Any]] = []
    root = tree.getroottree().getroot()
    for el in _DISCARDED_BY_TRAFILATURA(tree):
        parent = el.getparent()
        if parent is None or (el.tail and el.tail.strip()) or el.getroottree().getroot() is not root:
            continue  # text follows it, or it sits inside one already set aside
        removed.append((parent, parent.index(el), el))
        parent.remove(el)
    return removed


def _put_back(removed: list[tuple[Any, int, Any]]) -> None:
    """Undo :func:`_set_aside`: each element back at its place, last removed first."""
    for parent, index, el in reversed(removed):
        parent.insert(index, el)


def _main_text(tree: lxml.html.HtmlElement, url: str | None) -> Any:
    """The body as trafilatura finds it (:func:`_trafilatura_text`), with the page's
    navigation and footers set aside meanwhile: the tree is whole again afterwards."""
    removed = _set_aside(tree)
    try:
        return _trafilatura_text(tree, url)
    finally:
        _put_back(removed)


def _trafilatura_text(tree: lxml.html.HtmlElement, url: str | None) -> Any:
    """trafilatura's main-text extraction, its fallback extractors only where they matter.

    trafilatura compares its result with readability-lxml's and jusText's on every page
    unless ``fast=True``; that comparison is a fifth of its cost, and on the evaluation
    corpus it changes the text of 6 pages in 129. Those pages are the ones where the page
    barely uses ``<p>`` at all, or where the fast result found under a quarter
    (:data:`FAST_MISS_SHARE`) of the characters inside ``<p>``. Between a quarter and a
    half (7 pages: a page's ``<p>`` also hold teasers, captions and footers) the full
    extraction gave the same text on every one. So the full extraction runs at once on a
    page barely in ``<p>``; elsewhere the fast one runs first, and the full one only when
    the fast one missed the body. A body that is a consent, cookie or subscription notice,
    or much shorter than the page's longest text block, is asked again (:func:`recover_body`).

    Returns:
        trafilatura's ``Document`` (``.text`` is the body), or None when it fails.
    """
    paragraph_chars = sum(len(t) for t in _PARAGRAPH_TEXT(tree))
    # A page barely written in <p> gets the full extraction whatever the fast one finds, so
    # the fast one runs first only where its result decides (or where the full one fails).
    few_paragraphs = paragraph_chars < _FEW_PARAGRAPH_CHARS
    doc = _bare_extraction(tree, url, fast=False) if few_paragraphs else None
    if doc is None:
        doc = _bare_extraction(tree, url, fast=True)
        found = len(getattr(doc, "text", None) or "")
        if not few_paragraphs and found < paragraph_chars * FAST_MISS_SHARE:
            doc = _bare_extraction(tree, url, fast=False) or doc
    better = recover_body(tree, getattr(doc, "text", None) or "", paragraph_chars, lambda source, **options:
                          trafilatura.bare_extraction(source, url=url, **options, **_TRAFILATURA_OPTIONS))
    return SimpleNamespace(text=better) if better else doc


def _bare_extraction(tree: lxml.html.HtmlElement, url: str | None, *, fast: bool) -> Any:
    """trafilatura's ``bare_extraction`` of ``tree`` (which it copies), or None when it fails."""
    try:
        return trafilatura.bare_extraction(tree, url=url, fast=fast, **_TRAFILATURA_OPTIONS)
    except Exception:  # noqa: BLE001 - trafilatura failures become an error field
        return None


def _word_count(text: str) -> int:
    words = len(text.split())
    cjk = sum(1 for ch in text if "\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af")
    return max(words, cjk // 2)


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
