"""What replay needs from the index: bodiless captures that would shadow a real one, and the
captures filed under their article's canonical URL (the CDXJ index's alias lines).

The rules are :mod:`archive.replayable`'s (which capture replays) and
:mod:`archive.warc.cdxj`'s (which lines the CDXJ index holds); the SQL is here.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from archive.index.base import IndexBase

__all__ = ["ReplayMixin"]

#: The 2xx responses without a payload (named in ``temp.bodiless_ids`` or with the empty
#: payload's digest) of a URL that has another 2xx response or revisit holding a payload.
_SHADOWED = """
    SELECT x.record_id FROM captures AS x
     WHERE x.record_type = 'response' AND x.status BETWEEN 200 AND 299
       AND (x.record_id IN (SELECT record_id FROM temp.bodiless_ids) OR x.payload_digest IN ({empty}))
       AND EXISTS (SELECT 1 FROM captures AS y WHERE y.url = x.url AND y.id != x.id
                   AND (y.record_type = 'revisit' OR (y.record_type = 'response' AND y.status BETWEEN 200 AND 299))
                   AND coalesce(y.payload_digest, '') NOT IN ({empty})
                   AND y.record_id NOT IN (SELECT record_id FROM temp.bodiless_ids))
"""

#: Every capture the index ties to an article: ``(canonical_url, file, offset)``. A capture
#: under another spelling counts only when it holds the article's payload: a redirect source
#: that answered 200 (a meta-refresh stub) is an alias, but its page is not the article.
_ARTICLE_CAPTURES = """
    WITH spellings(article_id, url) AS (SELECT id, url FROM articles
                                        UNION SELECT article_id, url FROM aliases)
    SELECT a.canonical_url, c.warc_filename, c.warc_offset FROM spellings AS s
      JOIN captures AS c ON c.url = s.url JOIN articles AS a ON a.id = s.article_id
      WHERE a.capture_id IS NULL OR c.payload_digest IS NULL
         OR coalesce(c.payload_digest = (SELECT own.payload_digest FROM captures AS own WHERE own.id = a.capture_id), 1)
    UNION SELECT a.canonical_url, c.warc_filename, c.warc_offset FROM articles AS a
      JOIN captures AS c ON c.id = a.capture_id
    UNION SELECT a.canonical_url, c.warc_filename, c.warc_offset FROM article_versions AS v
      JOIN articles AS a ON a.id = v.article_id JOIN captures AS c ON c.id = v.capture_id
"""


class ReplayMixin(IndexBase):
    """:class:`archive.index.Index`'s reads and deletes for replay."""

    def shadowed_bodiless(self, record_ids: Iterable[str], empty_digests: Sequence[str]) -> list[str]:
        """The record ids of 2xx responses with no payload whose URL has a capture holding one.

        Args:
            record_ids: WARC-Record-IDs of responses known to be bodiless (read from their
                records).
            empty_digests: Every spelling of the empty payload's digest a row may hold: a
                row with one of them counts as bodiless too.

        Returns:
            Those record ids, in no particular order (nothing is deleted).

        Raises:
            ArchiveIndexError: The index was opened read-only.
        """
        marks = ", ".join("?" for _ in empty_digests)
        with self._write():
            self._conn.execute("CREATE TEMP TABLE IF NOT EXISTS bodiless_ids (record_id TEXT PRIMARY KEY)")
            self._conn.execute("DELETE FROM temp.bodiless_ids")
            self._conn.executemany("INSERT OR IGNORE INTO temp.bodiless_ids VALUES (?)", ((r,) for r in record_ids))
            found = [row[0] for row in self._conn.execute(_SHADOWED.format(empty=marks), [*empty_digests, *empty_digests])]
            self._conn.execute("DELETE FROM temp.bodiless_ids")
        return found

    def drop_shadowed_bodiless(self, record_ids: Iterable[str], empty_digests: Sequence[str]) -> list[str]:
        """Delete the rows :meth:`shadowed_bodiless` finds (an article's own capture is kept,
        :meth:`delete_captures`); the record ids whose row was deleted."""
        found = self.shadowed_bodiless(record_ids, empty_digests)
        return self.delete_captures(found) if found else []

    if TYPE_CHECKING:  # WritesMixin's, beside this one in Index
        def delete_captures(self, record_ids: Iterable[str]) -> list[str]: ...

    def article_capture_offsets(self) -> dict[str, dict[int, set[str]]]:
        """``{WARC file: {offset: canonical URLs}}``: every capture tied to an article (its own
        capture, its versions' and its other spellings' that hold its payload)."""
        out: dict[str, dict[int, set[str]]] = {}
        for canonical, filename, offset in self._conn.execute(_ARTICLE_CAPTURES):
            if canonical and filename and offset is not None:
                out.setdefault(filename, {}).setdefault(int(offset), set()).add(canonical)
        return out
