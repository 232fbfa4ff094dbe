"""Export the index's articles as JSON Lines or CSV, streamed row by row.

JSON Lines (https://jsonlines.org/): one UTF-8 JSON object per line, lists kept as lists.
CSV (RFC 4180 as written by Python's :mod:`csv`): a header row, then one row per article,
list fields joined with ``"; "``. Both carry exactly :data:`EXPORT_FIELDS`, in that order:
``id`` (``newsarchive show ID``) first, ``replay_url`` (the capture in ``newsarchive replay``) last.
"""
from __future__ import annotations

import csv
import json
from typing import IO, Any

from archive.index import Index, replay_url

__all__ = ["EXPORT_FIELDS", "FORMATS", "LIST_SEPARATOR", "export_articles"]

#: The keys of every exported article, in order.
EXPORT_FIELDS = (
    "id",
    "url",
    "canonical_url",
    "title",
    "authors",
    "published",
    "modified",
    "categories",
    "tags",
    "description",
    "sitename",
    "language",
    "text",
    "warc_filename",
    "warc_offset",
    "warc_length",
    "fetched_at",
    "replay_url",
)
FORMATS = ("jsonl", "csv")
#: Joins list fields (authors, categories, tags) in CSV.
LIST_SEPARATOR = "; "


def _pick(article: dict[str, Any]) -> dict[str, Any]:
    """The exported fields of an ``articles`` row; ``replay_url`` is its capture's address in
    ``newsarchive replay`` (:func:`archive.index.replay_url`), as ``search`` gives it."""
    fields = {**article, "replay_url": replay_url(article.get("fetched_at"), article["url"])}
    return {key: fields[key] for key in EXPORT_FIELDS}


def export_articles(
    index: Index,
    fmt: str,
    out: IO[str],
    *,
    since: str | None = None,
    until: str | None = None,
) -> int:
    """Write the index's articles to *out*, ordered by publication date then id.

    Rows are read and written one at a time, so memory does not grow with the archive.

    Args:
        index: An open index (read-only is enough).
        fmt: ``"jsonl"`` or ``"csv"``.
        out: A text stream; for CSV open files with ``newline=""`` (the :mod:`csv` rule).
        since: Only articles published on or after this ``YYYY-MM-DD`` date.
        until: Only articles published on or before this ``YYYY-MM-DD`` date.

    Returns:
        The number of articles written.

    Raises:
        ValueError: *fmt* is not one of :data:`FORMATS`.
        archive.query.QueryError: *since*/*until* are not ``YYYY-MM-DD`` dates.
    """
    if fmt not in FORMATS:
        raise ValueError(
            f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}"
        )
    count = 0
    articles = index.iter_articles(since=since, until=until)
    if fmt == "jsonl":
        for article in articles:
            out.write(json.dumps(_pick(article), ensure_ascii=False))
            out.write("\n")
            count += 1
    else:
        writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
        writer.writeheader()
        for article in articles:
            row = _pick(article)
            for key in ("authors", "categories", "tags"):
                row[key] = LIST_SEPARATOR.join(row[key])
            writer.writerow(row)
            count += 1
    return count
