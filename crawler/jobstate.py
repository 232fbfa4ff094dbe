"""What a crawl keeps across a stop and a resume, besides Scrapy's own queue (scrapy#4479).

Scrapy's JOBDIR keeps the scheduler's queue and ``requests.seen``; the spider's memory is lost
when the crawl stops. :class:`JobState` is the part of it a resumed crawl needs, kept in
``spider.state`` (Scrapy's SpiderState extension pickles it to ``JOBDIR/spider.state`` when the
crawl stops and loads it when it resumes):

* ``requested``: the match keys (:func:`archive.urls.match_key`) of every article this job asked
  for, so that a listing read again after the resume does not ask again;
* ``pending``: of those, the ones that got no answer yet, with what it takes to ask again (URL,
  issue date, source). An answer of any status settles one (a redirect hands on to its target,
  which has its own entry); so does a request that failed (counted by the spider). When the crawl
  is idle, an entry still pending was lost (its fingerprint is in ``requests.seen`` but it is in
  no queue): it is asked for again, once, past the duplicate filter;
* ``undated``: sitemap URLs known only by ``lastmod``, held until the end of the crawl.

A crawl is finished only when nothing is pending (:meth:`JobState.unaccounted`). Without JOBDIR
the same bookkeeping runs in memory, so a crawl that loses a request still says so.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

#: The key of our part of ``spider.state``.
STATE_KEY = "newsarchive"


class JobState:
    """The articles a job asked for and the ones still waiting for an answer."""

    def __init__(self) -> None:
        self.requested: set[str] = set()
        self.pending: dict[str, dict[str, Any]] = {}
        self.undated: dict[str, tuple[str, dt.date | None]] = {}
        #: True when the state came from a stopped crawl's JOBDIR
        self.resumed = False
        self._retried: set[str] = set()

    def bind(self, state: dict[str, Any] | None) -> None:
        """Take over what a stopped crawl saved in ``state`` (``spider.state``, or None
        without JOBDIR), and keep this job's containers there, so that what Scrapy pickles
        when the crawl stops is the state at that moment."""
        if state is None:
            return
        saved = state.get(STATE_KEY)
        if isinstance(saved, dict):
            self.requested.update(saved.get("requested") or ())
            self.pending.update(saved.get("pending") or {})
            self.undated.update(saved.get("undated") or {})
            self.resumed = True
        state[STATE_KEY] = {"requested": self.requested, "pending": self.pending, "undated": self.undated}

    def add(self, key: str, url: str, day: dt.date | None, source: str | None) -> None:
        """An article request was made for ``key``."""
        self.requested.add(key)
        self.pending[key] = {"url": url, "issue_date": day, "source": source}

    def settle(self, key: str | None) -> None:
        """``key``'s request got an answer, or failed for good."""
        if key:
            self.pending.pop(key, None)

    def lost(self, known: set[str]) -> list[tuple[str, dict[str, Any]]]:
        """The pending entries not archived (``known``) and not asked for again yet, each
        returned once: ``[(key, {"url", "issue_date", "source"})]``."""
        out = []
        for key, entry in list(self.pending.items()):
            if key in known:
                self.pending.pop(key, None)
            elif key not in self._retried:
                self._retried.add(key)
                out.append((key, entry))
        return out

    def unaccounted(self) -> int:
        """How many article requests of this job never got an answer."""
        return len(self.pending)
