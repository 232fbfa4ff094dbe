"""Small text helpers shared by the extraction modules (:mod:`archive.extract` and its parts)."""
from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from typing import Any


#: Runs of white space to collapse: every kind but U+3000 IDEOGRAPHIC SPACE, which Japanese
#: and Chinese text uses between phrases as a character of its own (it is kept as written).
_WS = re.compile(r"[^\S\u3000]+")
#: Characters trimmed from both ends besides white space: zero-width space, joiners, word
#: joiner and BOM (invisible, and never meant as text at an edge).
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


def _norm(value: Any) -> str:
    """Unescape entities, collapse white space (NBSP included; U+3000 kept inside the text)
    and trim white space and zero-width characters at both ends. Soft hyphens (U+00AD)
    are kept: they are the page's spelling, and comparisons go through :func:`_key`."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    if "&" in value:
        value = html.unescape(value)
    value = _WS.sub(" ", value).strip()
    if value[:1] in _ZERO_WIDTH or value[-1:] in _ZERO_WIDTH:
        value = value.strip(_ZERO_WIDTH + " \t\n\r\f\v\xa0\u3000")
    return value


def _key(value: str | None) -> str:
    """Comparison key: case-folded letters and digits only."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", value or "").casefold() if ch.isalnum())


def _dedupe(values: Iterable[str], key: Any = None) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        k = (key or (lambda v: _norm(v).casefold()))(value)
        if value and k and k not in seen:
            seen.add(k)
            out.append(value)
    return out


#: How deep :func:`_as_strings` follows lists and objects: a JSON-LD value is a string, a
#: list of them or a node with ``name``; anything deeper is hostile and ignored.
_AS_STRINGS_DEPTH = 8


def _as_strings(value: Any, depth: int = 0) -> list[str]:
    """Flatten a JSON-LD value (string, list, object with ``name``/``@value``) to strings.
    Values nested deeper than :data:`_AS_STRINGS_DEPTH` lists or objects give nothing."""
    if value is None or depth > _AS_STRINGS_DEPTH:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (int, float)):
        return [str(value)]
    if isinstance(value, dict):
        return _as_strings(value.get("name") or value.get("@value"), depth + 1)
    if isinstance(value, list):
        return [s for item in value for s in _as_strings(item, depth + 1)]
    return []
