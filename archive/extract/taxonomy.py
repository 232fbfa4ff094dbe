"""Categories and tags of an article page, cleaned (part of :mod:`archive.extract`).

Categories come from the page's declared sections (schema.org ``articleSection``, Open Graph
``article:section``, Parse.ly ``section``), its category links (``rel=category``,
``rel="category tag"``, then trafilatura's post-meta ``/category/`` links) and, when none of
those names one, its breadcrumb trail (a schema.org ``BreadcrumbList`` in JSON-LD, else a
breadcrumb navigation in the HTML): the last level above the article itself.

Tags come from ``article:tag``, ``keywords`` / ``news_keywords`` (a string is split on commas
and semicolons; a JSON-LD array is kept as its items), Parse.ly tags and ``rel=tag`` links.

A category or tag is never a headline: a value longer than :data:`MAX_LABEL_CHARS`
characters, or equal (case, space and punctuation folded) to one of the page's title
candidates (``og:title``, ``twitter:title``, the JSON-LD headline, ``<title>``, the ``<h1>``,
the chosen title), is dropped. Values are trimmed, duplicates dropped (first kept), and no tag
repeats a category (it is dropped from the tags, the category stays).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urljoin, urlsplit

from archive.extract.common import _as_strings, _key, _norm

#: The longest category or tag kept, in characters: section names and keywords are short,
#: headlines (a frequent junk value) are longer.
MAX_LABEL_CHARS = 60

#: Names of the root level of a breadcrumb trail (it is the site, not a category).
_HOME_NAMES = frozenset({
    "home", "homepage", "start", "startseite", "accueil", "inicio", "portada", "início", "forside",
    "hem", "etusivu", "strona główna", "главная", "首页", "首頁", "ホーム", "トップ", "홈", "news home",
})


def _fold(value: str) -> str:
    """Duplicate key: :func:`_key` (letters and digits, case-folded), else the case-folded text."""
    return _key(value) or " ".join(value.casefold().split())


def _split_keywords(value: Any) -> list[str]:
    """A ``keywords`` value -> tags: a string split on commas (also ``、`` and full-width commas)
    and semicolons; a list of several kept as its items (a list of one string is that string)."""
    if isinstance(value, list) and len(value) > 1:
        return [s for item in value for s in _as_strings(item)]
    out: list[str] = []
    for item in _as_strings(value):
        out += [part for part in re.split(r"\s*[,;，、；]\s*", item) if part.strip()]
    return out


def _clean(values: Iterable[Any], titles: set[str], taken: set[str] | None = None) -> list[str]:
    """Trimmed values, without headlines (too long, or a title candidate), duplicates and
    those in ``taken`` (keys of :func:`_fold`)."""
    seen = set(taken or ())
    out: list[str] = []
    for value in values:
        value = _norm(value)
        key = _fold(value)
        if not value or len(value) > MAX_LABEL_CHARS or key in titles or key in seen:
            continue
        seen.add(key)
        out.append(value)
    return out


def _ld_crumbs(ld: Any) -> list[tuple[str, str]]:
    """The (name, URL) levels of the first JSON-LD ``BreadcrumbList``, in position order."""
    for node in ld.top:
        types = node.get("@type")
        types = types if isinstance(types, list) else [types]
        if "breadcrumblist" not in {str(t).casefold() for t in types}:
            continue
        items = node.get("itemListElement") or []
        items = [i for i in (items if isinstance(items, list) else [items]) if isinstance(i, dict)]
        items.sort(key=lambda i: int(i["position"]) if str(i.get("position", "")).isdigit() else 0)
        crumbs = []
        for item in items:
            inner = ld.resolve(item.get("item"))
            name = item.get("name") or (inner.get("name") if isinstance(inner, dict) else None)
            url = inner.get("@id") or inner.get("url") if isinstance(inner, dict) else inner
            names = _as_strings(name)
            if names and _norm(names[0]):
                crumbs.append((_norm(names[0]), url if isinstance(url, str) else ""))
        return crumbs
    return []


def _html_crumbs(navs: Iterable[Any]) -> list[tuple[str, str]]:
    """The (name, URL) levels of the page's first breadcrumb navigation (of ``navs``, the
    elements whose class or id says breadcrumb, in document order) that has any: its
    ``itemprop=name`` items, else its list items, else its links. The last level, when it
    is the only one not linked, is the current page (its URL is given as ``#self``)."""
    for nav in navs:
        if nav.tag not in ("nav", "ol", "ul", "div", "p", "section"):
            continue
        items = nav.xpath(".//*[@itemprop='name']") or [
            li for li in nav.iter("li") if not li.xpath(".//li")] or list(nav.iter("a"))
        crumbs = []
        for item in items:
            link = item if item.tag == "a" else next(iter(item.iterancestors("a")), None)
            if link is None:
                link = next(item.iter("a"), None)
            name = _norm(item.text_content())
            if name:
                crumbs.append((name, (link.get("href") or "") if link is not None else ""))
        if len(crumbs) > 1 and not crumbs[-1][1] and all(href for _, href in crumbs[:-1]):
            crumbs[-1] = (crumbs[-1][0], "#self")  # the current page: the one level not linked
        if crumbs:
            return crumbs
    return []


def breadcrumb_category(crumbs: list[tuple[str, str]], titles: set[str], page_urls: Iterable[str]) -> str | None:
    """The last level of a breadcrumb trail above the article itself, or None.

    Args:
        crumbs: The (name, URL) levels, root first; URLs may be relative or empty.
        titles: :func:`_fold` keys of the page's title candidates.
        page_urls: The page's own URL and its canonical URL.

    The article's own level (its title, a truncated title, or a link to the page itself) and
    the root level (the first of several levels, ``Home``, a link to ``/``) are not categories.
    """
    urls = [u for u in page_urls if u]
    base = urls[0] if urls else ""
    own = {_bare(u) for u in urls}
    levels = []
    for i, (name, href) in enumerate(crumbs):
        url = urljoin(base, href) if href else ""
        key = _fold(name)
        truncated = name.endswith(("…", "...")) and any(t.startswith(_fold(name)) for t in titles)
        if key in titles or truncated or href == "#self" or (url and _bare(url) in own):
            continue  # the article itself
        if (i == 0 and len(crumbs) > 1) or name.casefold() in _HOME_NAMES or (url and urlsplit(url).path in ("", "/")):
            continue  # the site's root
        levels.append(name)
    levels = [n for n in levels if len(n) <= MAX_LABEL_CHARS]
    return levels[-1] if levels else None


def _headline_like(h1: str) -> bool:
    """Whether the page's first ``<h1>`` may be a headline: four words or more, or twelve
    characters of unspaced (CJK) text. A shorter one is often the section's label
    (``<h1>Politik</h1>``), which must not strike the section from the categories."""
    return len(h1.split()) >= 4 or (" " not in h1 and len(h1) >= 12)


def _bare(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc.casefold()}{parts.path.rstrip('/')}"


def categories_and_tags(page: Any, ld: Any, parsely: dict[str, Any], title: str | None, tree: Any,
                        catstags: Callable[[str, Any], list[str]], crumb_navs: Iterable[Any] = (),
                        canonical: str | None = None) -> tuple[list[str], list[str]]:
    """The article's categories and tags (see the module docstring for the rules).

    Args:
        page: The :class:`archive.extract.structured._Page` (meta values, ``category_links``,
            ``tag_links``, ``html_title``, ``h1``, ``micro_headline``, ``url``).
        ld: The page's :class:`archive.extract.structured._JsonLd`.
        parsely: The legacy Parse.ly ``parsely-page`` object (may be empty).
        title: The chosen title (also a title candidate).
        tree: The parsed page (for trafilatura's links).
        catstags: trafilatura's category (``"category"``) or tag (``"tag"``) links of a tree.
        crumb_navs: The page's elements whose class or id says ``breadcrumb``, in document order.
        canonical: The page's canonical URL, if known (its own breadcrumb level is skipped).

    Returns:
        ``(categories, tags)``: lists of trimmed strings of at most :data:`MAX_LABEL_CHARS`
        characters, no duplicates, no tag equal to a category.
    """
    titles = {_fold(_norm(t)) for t in (
        *page.m("og:title", "twitter:title"), *_as_strings(ld.get("headline")), page.html_title,
        page.h1 if _headline_like(page.h1) else "", page.micro_headline, title) if _norm(t)}
    categories = _clean([*page.m("article:section"), *_as_strings(ld.get("articleSection")),
                         *page.m("parsely-section"), *_as_strings(parsely.get("section")), *page.category_links],
                        titles) or _clean(catstags("category", tree), titles)
    if not categories:
        crumb = breadcrumb_category(_ld_crumbs(ld) or _html_crumbs(crumb_navs), titles, (page.url, canonical or ""))
        categories = [crumb] if crumb else []
    taken = {_fold(c) for c in categories}
    tags = _clean([*page.m("article:tag"), *_split_keywords(ld.get("keywords")),
                   *(t for v in page.m("parsely-tags") for t in _split_keywords(v)), *_split_keywords(parsely.get("tags")),
                   *(t for v in page.m("keywords", "news_keywords") for t in _split_keywords(v)), *page.tag_links],
                  titles, taken)
    if not tags:
        tags = _clean(_split_keywords(catstags("tag", tree)), titles, taken)
    return categories, tags
