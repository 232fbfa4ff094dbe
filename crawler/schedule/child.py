"""A scheduled run's crawl, in a child process of its own.

The scheduler starts ``python -m crawler.schedule DATA OUTCOME SITE [CRAWL OPTIONS]...``:
the child reads the crawl options with the ``crawl`` command's own parser, calls
:func:`crawler.run.run_crawl`, prints what the command would (``Error: ...`` for a named
:class:`~crawler.errors.CrawlError`) and exits with the command's code, and writes its
outcome as one JSON object to the file OUTCOME: ``{"status": "ok"}``, or ``"busy"`` (another
crawl holds the data folder: :class:`~crawler.errors.CrawlBusy`) or ``"failed"``, with the
error's class and message. A process per crawl, because Scrapy's reactor runs once per
process, and so that a crawl (and its extraction pool) can be stopped by a signal.

:class:`CrawlChild` is the scheduler's side: it starts the child in a session of its own
(the terminal's Ctrl-C reaches the scheduler only), copies its output to stderr keeping the
last lines, and when the scheduler stops gives it the grace period, then SIGTERM (Scrapy's
clean shutdown), then SIGKILL to its process group after :data:`KILL_AFTER_SECS`.
"""
from __future__ import annotations

import collections
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from crawler.schedule.timing import ScheduleError

logger = logging.getLogger("newsarchive.schedule")

#: Seconds between the SIGTERM sent to a crawl that outlived the grace period and SIGKILL.
KILL_AFTER_SECS = 30.0


# ---- the crawl's options -----------------------------------------------------------------------
def crawl_params(site: str, args: Sequence[str]) -> dict[str, Any]:
    """The ``crawl`` command's parameters for ``crawl SITE ARGS``, read by its click parser
    (option names, dates, ``-s NAME=VALUE``): the fields of :class:`crawler.run.CrawlOptions`
    but ``data``.

    Raises:
        ScheduleError: the parser refuses them (its message), or they name ``--help`` or ``--data``.
    """
    import click

    from crawler.cli import crawl

    if any(a in ("-h", "--help") for a in args):
        raise ScheduleError("--help is not a crawl option to schedule")
    if any(a == "--data" or a.startswith("--data=") for a in args):
        raise ScheduleError("put --data before the command: newsarchive --data DIR schedule add ...")
    try:
        with crawl.make_context("crawl", [site, *args]) as ctx:
            return dict(ctx.params)
    except click.ClickException as exc:
        raise ScheduleError(f"crawl option: {exc.format_message()}") from None


def validate_crawl_args(site: str, args: Sequence[str]) -> None:
    """Check *site* and *args* the way ``newsarchive crawl SITE ARGS`` would, without crawling.

    The crawl command's own click parser runs (:func:`crawl_params`), then the site profile
    is resolved and ``--since``/``--until`` are compared.

    Raises:
        ScheduleError: The crawl command would refuse them (its message, usage errors).
    """
    from crawler.profiles import ProfileError, resolve

    params = crawl_params(site, args)
    try:
        resolve(params["site"], params.get("base_url"))
    except ProfileError as exc:
        raise ScheduleError(str(exc)) from None
    since, until = params.get("since"), params.get("until")
    if since and until and since > until:
        raise ScheduleError(f"--since {since} is after --until {until}")


# ---- the child ---------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """The child: ``DATA OUTCOME SITE [CRAWL OPTIONS]...`` -> run_crawl; returns the exit code."""
    data, outcome, site, *args = list(sys.argv[1:] if argv is None else argv)
    from crawler.errors import CrawlBusy, CrawlError
    from crawler.run import CrawlOptions, run_crawl

    try:
        options = CrawlOptions(data=Path(data), **crawl_params(site, args))
        run_crawl(options)
    except ScheduleError as exc:
        return _ended(Path(outcome), "failed", exc, 2)
    except CrawlError as exc:
        return _ended(Path(outcome), "busy" if isinstance(exc, CrawlBusy) else "failed", exc, exc.exit_code)
    Path(outcome).write_text(json.dumps({"status": "ok"}), encoding="utf-8")
    print(f"Search it:  newsarchive --data {data} search WORDS", file=sys.stderr)
    return 0


def _ended(outcome: Path, status: str, exc: Exception, code: int) -> int:
    """Say ``Error: ...`` as the command would, write the outcome, return the exit code."""
    print(f"Error: {exc}", file=sys.stderr, flush=True)
    outcome.write_text(json.dumps({"status": status, "error": type(exc).__name__, "message": str(exc)}),
                       encoding="utf-8")
    return code


# ---- the scheduler's side ----------------------------------------------------------------------
@dataclass
class ChildResult:
    """How a child crawl ended.

    Attributes:
        code: its exit code.
        interrupted: the scheduler stopped it (SIGTERM sent).
        tail: its last output lines (at most 20).
        outcome: what it wrote (``{"status": ...}``; empty when it wrote nothing, e.g. killed).
    """

    code: int
    interrupted: bool
    tail: list[str]
    outcome: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """The schedule's ``last_status``: ``ok``, ``skipped (busy)``, ``interrupted`` or ``failed (exit N)``."""
        if self.code == 0:
            return "ok"
        if self.outcome.get("status") == "busy":
            return "skipped (busy)"
        if self.interrupted:
            return "interrupted"
        return f"failed (exit {self.code})"


class CrawlChild:
    """One crawl in a child process, stopped as the scheduler says (see the module docstring).

    Args:
        python: the interpreter.
        data: the data folder.
        site, args: the schedule's ``crawl SITE ARGS``.
        schedule_id: for the log and ``$NEWSARCHIVE_SCHEDULE_ID``.
        grace_secs: once ``stopping`` is set, seconds before SIGTERM (``hurry``: none).
    """

    def __init__(self, python: str, data: Path, site: str, args: Sequence[str], schedule_id: int,
                 grace_secs: float, stopping: threading.Event, hurry: threading.Event) -> None:
        self.argv = [python, "-m", "crawler.schedule", str(data), "", site, *args]
        self.schedule_id = schedule_id
        self.grace_secs = grace_secs
        self.stopping, self.hurry = stopping, hurry
        self.term_at: float | None = None
        self.kill_at: float | None = None

    def run(self) -> ChildResult:
        """Run the crawl to its end; its output goes to our stderr."""
        with tempfile.TemporaryDirectory(prefix="newsarchive-run-") as tmp:
            outcome = Path(tmp) / "outcome.json"
            self.argv[4] = str(outcome)
            code, tail = self._wait(self._start())
            found = json.loads(outcome.read_text(encoding="utf-8")) if outcome.exists() else {}
        return ChildResult(code, self.term_at is not None and self.kill_at is not None, tail, found)

    def _start(self) -> tuple[subprocess.Popen[str], collections.deque[str], threading.Thread]:
        env = {**os.environ, "NEWSARCHIVE_SCHEDULE_ID": str(self.schedule_id), "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen(
            self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            env=env, text=True, encoding="utf-8", errors="replace",
            start_new_session=True,  # the terminal's Ctrl-C reaches us only; we decide
        )
        tail: collections.deque[str] = collections.deque(maxlen=20)
        reader = threading.Thread(target=_forward, args=(proc.stdout, tail), daemon=True)
        reader.start()
        return proc, tail, reader

    def _wait(self, started: tuple[subprocess.Popen[str], collections.deque[str], threading.Thread]
              ) -> tuple[int, list[str]]:
        proc, tail, reader = started
        while True:
            try:
                code = proc.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                pass
            if self.stopping.is_set():
                self._stop_step(proc, time.monotonic())
        reader.join(timeout=5)
        return code, list(tail)

    def _stop_step(self, proc: subprocess.Popen[str], now: float) -> None:
        """The scheduler is stopping: after the grace period SIGTERM, then SIGKILL."""
        if self.term_at is None:
            self.term_at = now + self.grace_secs
        if self.kill_at is None and (now >= self.term_at or self.hurry.is_set()):
            logger.info("schedule %d: sending SIGTERM to the crawl (pid %d)", self.schedule_id, proc.pid)
            proc.terminate()  # the crawl's main process only: Scrapy shuts down cleanly
            self.kill_at = now + KILL_AFTER_SECS
        elif self.kill_at is not None and now >= self.kill_at:
            logger.warning("schedule %d: the crawl ignored SIGTERM; killing it", self.schedule_id)
            _kill_group(proc)
            self.kill_at = float("inf")


def _forward(stream: TextIO | None, tail: collections.deque[str]) -> None:
    """Copy the crawl's output to our stderr, keeping its last lines."""
    if stream is None:
        return
    with stream:
        for line in stream:
            sys.stderr.write(line)
            sys.stderr.flush()
            if line.strip():
                tail.append(line.rstrip())


def _kill_group(proc: subprocess.Popen[str]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the crawl and its extraction workers
    except (AttributeError, OSError):
        proc.kill()
