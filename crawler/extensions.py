"""Extensions: progress lines while a crawl runs, and its summary at the end."""
from __future__ import annotations

import sys
import time
from typing import Any, TextIO

import logging

from scrapy import Spider, signals
from scrapy.logformatter import LogFormatter, LogFormatterResult
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler.errors import brief_errors, error_counts
from crawler.session import crawl_session
from crawler.summary import format_summary


class CrawlProgress:
    """Print a progress line every ``CRAWL_PROGRESS_INTERVAL_SECS`` seconds (the phase, its
    done/known requests, rate and ETA from :mod:`crawler.progress`, then the totals; on a
    terminal rich's live display instead, every second at most) and a summary at the end
    (articles per issue date, pages skipped and why). (The index buffer flushes on its own
    timer, ``ARCHIVE_INDEX_FLUSH_SECS``, progress lines or not.)

    Raises:
        NotConfigured: when ``CRAWL_PROGRESS_INTERVAL_SECS`` is 0.
    """

    def __init__(self, crawler: Any, interval: float, out: TextIO = sys.stderr) -> None:
        self.crawler = crawler
        self.interval = interval
        self.out = out
        #: built here, so its spider_closed handler runs before ours (its summary is ready)
        self.session = crawl_session(crawler)
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None
        #: list articles per issue date whatever the range's length (--per-day)
        self.per_day = crawler.settings.getbool("CRAWL_SUMMARY_PER_DAY")
        #: rich's live display on a terminal (crawler.progress_rich); plain lines when piped
        self.live: Any = None
        if _is_tty(out) and not crawler.settings.getbool("CRAWL_PROGRESS_PLAIN"):
            from crawler.progress_rich import RichCrawlProgress

            self.live = RichCrawlProgress(out)
            self.interval = min(self.interval, 1.0)

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlProgress:
        interval = crawler.settings.getfloat("CRAWL_PROGRESS_INTERVAL_SECS", 5.0)
        if interval <= 0:
            raise NotConfigured
        ext = cls(crawler, interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        # connected after the session's own handler, so it runs after the session has closed
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(self.interval, now=False)

    def line(self) -> str:
        """``[newsarchive] MM:SS  phase PHASE done/known, rate, ETA  pages …  errors …  queued …``
        (the phase's counts are requests, attempts included; ``articles`` after ``pages``
        counts the articles archived)."""
        phases = getattr(self.crawler, "phases", None)
        status = phases.status() if phases is not None else ""
        return "[newsarchive] " + self.elapsed() + (f"  phase {status}" if status else "") + "  " + self.totals()

    def elapsed(self) -> str:
        secs = int(time.monotonic() - self.started)
        return f"{secs // 60:02d}:{secs % 60:02d}"

    def totals(self) -> str:
        stats = self.crawler.stats.get_stats()
        skipped = sum(v for k, v in stats.items() if k.startswith("newsarchive/skipped/"))
        errors = error_counts(stats)  # the summary's and crawls.stats' figure (crawler.errors)
        return (f"pages {stats.get('downloader/response_count', 0)}"
                f"  articles {stats.get('newsarchive/articles', 0)}  requisites {stats.get('newsarchive/requisites', 0)}"
                f"  skipped {skipped}  errors {brief_errors(errors)}"
                f"  queued {max(0, stats.get('scheduler/enqueued', 0) - stats.get('scheduler/dequeued', 0))}")

    def tick(self) -> None:
        phases = getattr(self.crawler, "phases", None)
        if self.live is not None and phases is not None:
            self.live.update(phases, f"{self.elapsed()}  {self.totals()}", time.monotonic())
            return
        print(self.line(), file=self.out, flush=True)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.live is not None:
            self.live.stop()
        if getattr(self.crawler, "unreachable", None):
            return  # nothing was fetched: the command line says why, in one line
        summary = self.session.summary
        print(self.line(), file=self.out, flush=True)
        if summary:
            print(format_summary(summary, self.per_day), file=self.out, flush=True)


class QuietLogFormatter(LogFormatter):
    """Pages kept out of ``articles`` are counted, not logged item by item (the item holds
    the whole page body); they show at DEBUG with their reason."""

    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any = None) -> LogFormatterResult:
        return {"level": logging.DEBUG, "msg": "Not an article row: %(exception)s", "args": {"exception": exception}}


def _is_tty(out: TextIO) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False
