"""The crawl's progress on a terminal: rich's progress display, one bar per phase begun.

Each phase (:data:`crawler.progress.PHASES`) gets a row when its first request is known:
done/known, a bar, the rate and rich's time-remaining estimate; a line under the bars
carries the totals (elapsed, pages, articles, skipped, errors, queued). Used only when
stderr is a TTY; piped, the crawl prints plain lines instead.
"""
from __future__ import annotations

from typing import Any, TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.text import Text


class RichCrawlProgress:
    """A live rich display of a :class:`crawler.progress.PhaseTally` and a totals line."""

    def __init__(self, out: TextIO, console: Console | None = None) -> None:
        self.console = console or Console(file=out, stderr=True)
        self.progress = Progress(
            TextColumn("{task.description:>14}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:>8}"), TimeRemainingColumn(), console=self.console)
        self.tasks: dict[str, TaskID] = {}
        self.live: Live | None = None

    def update(self, phases: Any, totals: str, now: float) -> None:
        """Bring the bars to ``phases`` (a PhaseTally) and the line under them to ``totals``."""
        for name, count in phases.phases.items():
            if not count.known:
                continue
            if name not in self.tasks:
                self.tasks[name] = self.progress.add_task(name, total=count.known, rate="")
            rate = count.rate(now)
            self.progress.update(self.tasks[name], total=count.known, completed=count.done,
                                 rate=f"{rate:.1f}/s" if rate else "")
        view = Group(self.progress.make_tasks_table(self.progress.tasks), Text(totals))
        if self.live is None:
            self.live = Live(view, console=self.console, auto_refresh=False, transient=False)
            self.live.start()
        self.live.update(view, refresh=True)

    def stop(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None
