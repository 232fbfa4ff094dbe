"""What a crawl is doing now: its phase, done/known counts per phase, rate and ETA.

Requests are grouped by their role (``request.meta["role"]``) into phases, in the order a
crawl works through them (discovery first, by request priority): back issues, date
archives, sitemaps and feeds, listings, articles, page requisites, documents. A request is
*known* when it is scheduled (a retry or a redirect hop is scheduled too, and counts; one
the duplicate filter drops does not) and *done* when its attempt has an outcome: an
answer of any status (a 3xx or a 503 that is followed or retried too), a failure, or a
middleware's refusal. The phase is the first group with requests known and not done.

:class:`PhaseTally` is a downloader middleware closest to the downloader: every attempt's
outcome passes it once, whichever middleware answers or refuses it. The progress
extension reads it.
"""
from __future__ import annotations

import collections
import time
from dataclasses import dataclass, field
from typing import Any

from scrapy import Request, signals
from scrapy.http import Response

#: Phases in the order a crawl goes through them, and the request roles of each.
PHASES: dict[str, tuple[str, ...]] = {
    "back issues": ("back-issues", "edition"),
    "date archives": ("date-archive",),
    "sitemaps": ("sitemap", "feed"),
    "listings": ("home", "section"),
    "articles": ("article",),
    "requisites": ("requisite", "site-requisite"),
    "documents": ("document",),
}
_PHASE_OF = {role: phase for phase, roles in PHASES.items() for role in roles}
#: Seconds of history the rate is measured over.
RATE_WINDOW_SECS = 30.0


@dataclass
class PhaseCount:
    """One phase's requests: ``known`` scheduled, ``done`` answered or failed for good, and
    ``samples`` of ``(monotonic seconds, done)`` for the rate."""

    known: int = 0
    done: int = 0
    samples: collections.deque[tuple[float, int]] = field(default_factory=collections.deque)

    @property
    def pending(self) -> int:
        return max(0, self.known - self.done)

    def rate(self, now: float) -> float | None:
        """Requests done per second over the last :data:`RATE_WINDOW_SECS`, or None."""
        self.samples.append((now, self.done))
        while len(self.samples) > 2 and now - self.samples[0][0] > RATE_WINDOW_SECS:
            self.samples.popleft()
        (t0, d0), (t1, d1) = self.samples[0], self.samples[-1]
        return (d1 - d0) / (t1 - t0) if t1 > t0 and d1 > d0 else None


def phase_of(request: Request) -> str | None:
    """The phase of ``request`` (None for robots.txt and other requests without a role)."""
    return _PHASE_OF.get(request.meta.get("role") or "")


class PhaseTally:
    """Downloader middleware counting each phase's known and done requests (``crawler.phases``)."""

    def __init__(self, crawler: Any) -> None:
        self.phases: dict[str, PhaseCount] = {name: PhaseCount() for name in PHASES}
        crawler.phases = self

    @classmethod
    def from_crawler(cls, crawler: Any) -> PhaseTally:
        tally = cls(crawler)
        crawler.signals.connect(tally.scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(tally.dropped, signal=signals.request_dropped)
        return tally

    def scheduled(self, request: Request, **kwargs: Any) -> None:
        phase = phase_of(request)
        if phase:
            self.phases[phase].known += 1

    def dropped(self, request: Request, **kwargs: Any) -> None:
        phase = phase_of(request)
        if phase:
            self.phases[phase].known -= 1

    def process_response(self, request: Request, response: Response) -> Response:
        self._done(request)
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        self._done(request)
        return None

    def _done(self, request: Request) -> None:
        phase = phase_of(request)
        if phase:
            self.phases[phase].done += 1

    def current(self) -> str | None:
        """The first phase with requests known and not done, else None."""
        return next((name for name, count in self.phases.items() if count.pending), None)

    def status(self, now: float | None = None) -> str:
        """``articles 120/480, 3.4/s, ETA 01:46`` for the current phase ('' when idle).
        The ETA is the phase's requests not done at the recent rate; more may be found."""
        now = time.monotonic() if now is None else now
        rates = {name: count.rate(now) for name, count in self.phases.items()}
        phase = self.current()
        if phase is None:
            return ""
        count, rate = self.phases[phase], rates[phase]
        text = f"{phase} {count.done}/{count.known}"
        if rate:
            text += f", {rate:.1f}/s, ETA {clock(count.pending / rate)}"
        return text


def clock(secs: float) -> str:
    """``MM:SS``, or ``H:MM:SS`` from an hour."""
    secs = int(round(secs))
    hours, rest = divmod(secs, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"
