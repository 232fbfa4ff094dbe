"""An article's versions: every capture whose payload and extracted text changed.

Reads ``article_versions`` (one row per version, 1..n, written by the index when a
revisited article comes back with a new payload and different text) through an open
:class:`~archive.index.Index`; nothing here writes.
"""
from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from archive.index import Index

__all__ = ["ArticleVersion", "UnknownArticle", "find_article", "text_diff", "versions"]


class UnknownArticle(LookupError):
    """No article has that URL (canonical or alias) or id."""


@dataclass
class ArticleVersion:
    """One version of an article.

    Attributes:
        version: 1 for the first capture, then 2, 3, ... as the publisher revised it.
        fetched_at: The capture's WARC-Date (ISO 8601 UTC).
        payload_digest: The capture's ``WARC-Payload-Digest`` (``sha1:…``).
        warc_filename, warc_offset, warc_length: Where the capture lies under ``DATA/warc``.
        changed: The fields that differ from the previous version (``[]`` for version 1),
            e.g. ``["text", "title", "modified"]``.
        title: The version's title.
        authors, published, modified, text: The version's other extracted fields.
        capture_id: ``captures.id``.
    """

    version: int
    fetched_at: str | None
    payload_digest: str | None
    warc_filename: str | None
    warc_offset: int | None
    warc_length: int | None
    changed: list[str] = field(default_factory=list)
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    text: str = ""
    capture_id: int | None = None

    #: The keys of :meth:`summary` (``history --json``).
    SUMMARY_KEYS = ("version", "fetched_at", "payload_digest", "warc_filename", "warc_offset",
                    "warc_length", "changed", "title")

    def summary(self) -> dict[str, Any]:
        """The version without its text, as ``history --json`` prints it."""
        return {key: getattr(self, key) for key in self.SUMMARY_KEYS}

    @property
    def warc_location(self) -> str:
        """``FILE:OFFSET`` (empty when unknown)."""
        if not self.warc_filename:
            return ""
        return f"{self.warc_filename}:{self.warc_offset}" if self.warc_offset is not None else self.warc_filename


def find_article(index: Index, ref: str) -> dict[str, Any]:
    """The article *ref* names: a URL (canonical, or any alias or spelling of it) or an id.

    Args:
        index: An open index.
        ref: ``https://…`` in any spelling (tracking parameters, upper-case host …), or
            ``articles.id`` as digits.

    Returns:
        The article's ``id``, ``canonical_url``, ``title`` and ``version``.

    Raises:
        UnknownArticle: Nothing matches.
    """
    ref = ref.strip()
    article_id: int | None = None
    if ref.isascii() and ref.isdigit():
        article_id = int(ref) if int(ref) < 2**63 else -1  # beyond SQLite's integers: no such article
    elif ref:
        article_id = index.article_id_for_spelling(ref)
    head = None if article_id is None else index.article_head(article_id)
    if head is None:
        raise UnknownArticle(f"no article {ref!r} in {index.path}")
    return {**head, "id": int(head["id"])}


def versions(index: Index, article_id: int) -> list[ArticleVersion]:
    """Every version of an article, oldest first.

    An article indexed before versions were kept (no ``article_versions`` rows) has one
    version: its ``articles`` row.

    Args:
        index: An open index.
        article_id: ``articles.id``.

    Returns:
        The versions, by ``version``.
    """
    return [_version(row) for row in index.version_rows(article_id)]


def _version(row: Any) -> ArticleVersion:
    return ArticleVersion(
        version=int(row[0]),
        fetched_at=row[1],
        payload_digest=row[2],
        warc_filename=row[3],
        warc_offset=row[4],
        warc_length=row[5],
        changed=_json_list(row[6]),
        title=row[7],
        authors=_json_list(row[8]),
        published=row[9],
        modified=row[10],
        text=row[11] or "",
        capture_id=row[12],
    )


def _json_list(value: str | None) -> list[str]:
    if not value:
        return []
    try:
        decoded = json.loads(value)
    except ValueError:
        return []
    return [str(item) for item in decoded] if isinstance(decoded, list) else []


def text_diff(old: ArticleVersion, new: ArticleVersion, *, context: int = 3) -> Iterator[str]:
    """A unified diff (``difflib.unified_diff``) of two versions' text, line by line.

    Args:
        old: The earlier version.
        new: The later version.
        context: Lines of context around each change.

    Returns:
        The diff's lines without line ends (nothing when the text is the same); the
        headers name the versions and capture times.
    """
    return difflib.unified_diff(
        old.text.splitlines(),
        new.text.splitlines(),
        fromfile=f"version {old.version} ({old.fetched_at or 'unknown time'})",
        tofile=f"version {new.version} ({new.fetched_at or 'unknown time'})",
        n=context,
        lineterm="",
    )
